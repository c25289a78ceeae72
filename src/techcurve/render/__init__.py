"""Render: the maturity curve and the report's charts (SVG/PNG, Chinese via a bundled font).

The names below are imported when first used (PEP 562): importing a module of this
package loads no matplotlib, so a curve read back from the cache
(:mod:`techcurve.render.curve.filememo`) is written without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from techcurve import lazy

if TYPE_CHECKING:
    from techcurve.render.charts import (
        donut_chart,
        financing_month_chart,
        top_bar_chart,
        treemap_chart,
    )
    from techcurve.render.curve import (
        curve_y,
        draw_curve,
        label_boxes,
        render_curve,
        select_assessments,
    )
    from techcurve.render.fonts import (
        cjk_family,
        cjk_font,
        cjk_font_path,
        figure_svg,
        missing_glyphs,
        save_figure,
    )
    from techcurve.render.palette import domain_colors

_WHERE = {
    "domain_colors": ".palette", "donut_chart": ".charts", "financing_month_chart": ".charts",
    "top_bar_chart": ".charts", "treemap_chart": ".charts",
    "curve_y": ".curve", "draw_curve": ".curve", "label_boxes": ".curve",
    "render_curve": ".curve", "select_assessments": ".curve",
    "cjk_family": ".fonts", "cjk_font": ".fonts", "cjk_font_path": ".fonts",
    "figure_svg": ".fonts", "missing_glyphs": ".fonts", "save_figure": ".fonts",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    return lazy.attribute(globals(), _WHERE, name)


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE)


__all__ = [
    "cjk_family",
    "cjk_font",
    "cjk_font_path",
    "curve_y",
    "domain_colors",
    "donut_chart",
    "draw_curve",
    "figure_svg",
    "financing_month_chart",
    "label_boxes",
    "missing_glyphs",
    "render_curve",
    "save_figure",
    "select_assessments",
    "top_bar_chart",
    "treemap_chart",
]
