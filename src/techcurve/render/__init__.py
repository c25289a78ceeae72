"""Render: the maturity curve and the report's charts (SVG/PNG, Chinese via a bundled font)."""

from techcurve.render.charts import (
    domain_colors,
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
