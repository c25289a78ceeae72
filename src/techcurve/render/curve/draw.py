"""Drawing the curve: the canvas, the phases, the dots, the titles and the footer.

Colour shows the domain, marker shape the years-to-plateau band (Gartner style), and
every dot has its name as a label (:mod:`~techcurve.render.curve.placement`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from techcurve.datatypes import PHASE_BOUNDS, Phase, YearsBand
from techcurve.errors import ReportError
from techcurve.render.charts import domain_colors
from techcurve.render.curve.legend import (
    BAND_MARKERS,
    EXPERT_COLOR,
    DomainKey,
    draw_legends,
    draw_uncertainty_key,
)
from techcurve.render.curve.movements import draw_expert_moves, draw_movements, movements
from techcurve.render.curve.placement import place_labels
from techcurve.render.curve.shape import (
    STRIP_BOTTOM,
    STRIP_TOP,
    Y_TOP,
    CurvePoint,
    curve_points,
    curve_y,
    display_name,
    dodge_points,
)
from techcurve.render.curve.uncertainty import dot_opacity
from techcurve.render.curve.wrap import wrap_label, wrap_source
from techcurve.render.fonts import chart_style, new_figure
from techcurve.text import LANGS, Lang, t

MARKER_PT = 7.0  # dot size, in points
WHISKER_OFFSET_PT = 6.0  # a whisker runs this far under the curve, beside it
TEXT_GREY = "#555555"


@dataclass(frozen=True, slots=True)
class _Layout:
    """Sizes of one curve figure, in inches unless said otherwise."""

    width: float
    height: float
    fontsize: float  # of the labels, in points
    max_em: float  # label line length
    source: str  # the footer, wrapped to the plot's width
    legend_y: float  # bottom of the legends, as a fraction of the height
    ax_rect: tuple[float, float, float, float]  # the plot, in figure fractions
    x_scale: float  # points per data unit along x
    y_scale: float  # points per data unit along y


def _layout(n: int, lang: Lang, source_line: str) -> _Layout:
    """The canvas for ``n`` dots: more sub-fields, a bigger canvas, wider as well as
    taller so the curve keeps its shape; the source line wraps to the plot's width and
    the legends sit above it."""
    width = 16.0 if n <= 60 else min(16.0 + (n - 60) * 0.06, 22.0)
    height = 9.0 if n <= 40 else min(9.0 + (n - 40) * 0.035, 13.5)
    source = wrap_source(source_line, 0.94 * width * 72 / 8.5 - 2)
    src_h = 0.165 * (source.count("\n") + 1)
    top_in, bottom_in = 0.85, 0.90 + src_h  # room for the title, and for legends + footer
    ax_rect = (0.04, bottom_in / height, 0.94, 1 - (top_in + bottom_in) / height)
    return _Layout(
        width=width,
        height=height,
        fontsize=8.0 if n <= 50 else 7.0,
        max_em=10.5 if lang == "zh" else 16.0,
        source=source,
        legend_y=(0.16 + src_h) / height,
        ax_rect=ax_rect,
        x_scale=ax_rect[2] * width * 72 / 1.02,
        y_scale=ax_rect[3] * height * 72 / (Y_TOP - STRIP_BOTTOM),
    )


def _check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ReportError.of("curve.error.lang", lang=repr(lang))
    return lang  # type: ignore[return-value]


def _domain_keys(
    domains: pl.DataFrame, points: Sequence[CurvePoint], lang: Lang
) -> tuple[dict[str, str], list[DomainKey]]:
    """Each domain's colour (taxonomy order, then domains only the points name) and the
    legend entries of the domains that have a dot."""
    rows = list(domains.iter_rows(named=True)) if "domain_id" in domains.columns else []
    order = [str(r["domain_id"]) for r in rows]
    order += [d for d in dict.fromkeys(p.domain_id for p in points) if d not in order]
    colors = domain_colors(order)
    names = {str(r["domain_id"]): display_name(r, lang, str(r["domain_id"])) for r in rows}
    used = [d for d in order if any(p.domain_id == d for p in points)]
    return colors, [DomainKey(names.get(d, d), colors[d]) for d in used]


def _draw_axes(ax: Axes, lang: Lang) -> None:
    """Axes, the five phase bands with their names, and the curve itself."""
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(STRIP_BOTTOM, Y_TOP)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylabel(t("curve.axis_y", lang), fontsize=10, color=TEXT_GREY)
    ax.set_xlabel(t("curve.axis_x", lang), fontsize=10, color=TEXT_GREY, labelpad=2)
    for sp in ("left", "bottom"):
        ax.spines[sp].set_color("#888888")
    for k, phase in enumerate(Phase):
        lo, hi = PHASE_BOUNDS[phase]
        hi = min(hi, 1.01)
        if k % 2 == 1:
            ax.axvspan(lo, hi, color="#f3f5f8", zorder=0, lw=0)
        if k:
            ax.axvline(lo, color="#c4c9d0", lw=0.8, ls=(0, (4, 3)), zorder=1)
        ax.text(
            (lo + hi) / 2,
            (STRIP_BOTTOM + STRIP_TOP) / 2,
            phase.label(lang),
            ha="center",
            va="center",
            fontsize=10,
            color="#4a5568",
            zorder=4,
        )
    ax.axhline(STRIP_TOP, color="#d5d9de", lw=0.6, zorder=1)
    xs = np.linspace(0, 1, 600)
    ax.plot(xs, curve_y(xs), color="#3b5b92", lw=2.4, zorder=2, solid_capstyle="round")


def _draw_dots(ax: Axes, drawn: Sequence[CurvePoint], colors: dict[str, str]) -> None:
    """One scatter per (domain, band), so that colours and shapes stay exact."""
    groups: dict[tuple[str, YearsBand | None], list[CurvePoint]] = {}
    for p in drawn:
        groups.setdefault((p.domain_id, p.band), []).append(p)
    for (dom, band), pts in groups.items():
        style = BAND_MARKERS[band]
        c = colors.get(dom, TEXT_GREY)
        edges = [to_rgba(c, dot_opacity(p.confidence)) for p in pts]
        ax.scatter(
            [p.x for p in pts],
            [p.y for p in pts],
            s=MARKER_PT**2,
            marker=str(style["marker"]),
            facecolors=edges if style["filled"] else "white",
            edgecolors=edges,
            linewidths=1.3,
            zorder=4,
        )


def _draw_uncertainty_key(ax: Axes, points: Sequence[CurvePoint], lang: Lang) -> None:
    """The key of faded dots and whiskers, when some dot has one."""
    draw_uncertainty_key(
        ax,
        faded=any(dot_opacity(p.confidence) < 1.0 for p in points),
        whisker=any(p.reach is not None for p in points),
        lang=lang,
        expert=any(p.expert for p in points),
        expert_moved=any(p.model_x is not None for p in points),
    )


def _draw_expert_rings(ax: Axes, drawn: Sequence[CurvePoint]) -> None:
    """A ring around every dot whose final placement is an expert's."""
    pts = [p for p in drawn if p.expert]
    if pts:
        ax.scatter(
            [p.x for p in pts], [p.y for p in pts], s=(MARKER_PT + 6.0) ** 2, marker="o",
            facecolors="none", edgecolors=EXPERT_COLOR, linewidths=1.4, zorder=5,
            gid="techcurve-expert-rings",
        )  # fmt: skip


def _draw_whiskers(
    ax: Axes, points: Sequence[CurvePoint], colors: dict[str, str], layout: _Layout
) -> None:
    """A thin line beside the curve (``WHISKER_OFFSET_PT`` under it) from each dot
    towards the other phases that hold 80 % of its probability
    (:mod:`~techcurve.render.curve.uncertainty`)."""
    sx, sy = layout.x_scale, layout.y_scale
    for p in points:
        if p.reach is None:
            continue
        xs = np.linspace(max(p.x - p.reach[0], 0.0), min(p.x + p.reach[1], 1.0), 40)
        ys = curve_y(xs)
        slope_pt = np.gradient(ys, xs) * sy / sx  # the curve's slope on the page
        norm = np.hypot(1.0, slope_pt)
        off = WHISKER_OFFSET_PT
        ax.plot(
            xs + off * slope_pt / norm / sx,
            ys - off / norm / sy,
            color=colors.get(p.domain_id, TEXT_GREY),
            lw=1.6,
            alpha=0.7,
            solid_capstyle="round",
            zorder=3,
            gid=f"techcurve-whisker-{p.subfield_id}",
        )


def _draw_texts(
    fig: Figure, layout: _Layout, title: str, subtitle: str, cutoff: str | None, lang: Lang
) -> None:
    """Title and subtitle on top, the source line at the foot, the cut-off top right."""
    height = layout.height
    fig.text(0.04, 1 - 0.32 / height, title, fontsize=17, va="center", color="#1a202c")
    fig.text(0.04, 1 - 0.62 / height, subtitle, fontsize=10, va="center", color=TEXT_GREY)
    fig.text(
        0.04,
        0.08 / height,
        layout.source,
        fontsize=8.5,
        va="bottom",
        color=TEXT_GREY,
        linespacing=1.35,
        gid="techcurve-source",
    )
    if cutoff:  # top right, level with the subtitle: the first thing a reader checks
        fig.text(
            0.98,
            1 - 0.62 / height,
            t("curve.cutoff", lang, date=cutoff),
            fontsize=10,
            va="center",
            ha="right",
            color=TEXT_GREY,
            gid="techcurve-cutoff",
        )


def draw_curve(
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    domains: pl.DataFrame,
    *,
    lang: str = "zh",
    title: str | None = None,
    cutoff: str | None = None,
    source_line: str | None = None,
    model: str | None = None,
    compare: pl.DataFrame | None = None,
    compare_label: str | None = None,
) -> Figure:
    """The curve as a matplotlib figure (see ``render_curve`` for the arguments)."""
    lg = _check_lang(lang)
    points, skipped = curve_points(assessments, subfields, lang=lang, model=model)
    if not points:
        if skipped:
            raise ReportError.of("curve.error.none_placed", insufficient=skipped)
        raise ReportError.of("curve.error.no_assessments")
    colors, domain_keys = _domain_keys(domains, points, lg)
    layout = _layout(len(points), lg, source_line or t("curve.source", lg))
    wrapped = [replace(p, label=wrap_label(p.label, layout.max_em)) for p in points]
    # spread dots that share a position along the curve (drawing only)
    drawn = dodge_points(
        wrapped,
        spacing_pt=MARKER_PT + 4.0,
        spread_pt=15.0,
        x_scale=layout.x_scale,
        y_scale=layout.y_scale,
    )
    moves = movements(points, compare) if compare is not None else []
    subtitle = t("curve.count", lg, n=len(points))
    if skipped:
        subtitle += t("curve.skipped", lg, n=skipped)
    with chart_style():
        fig = new_figure(layout.width, layout.height)
        ax = fig.add_axes(layout.ax_rect)
        _draw_axes(ax, lg)
        if moves:
            draw_movements(ax, moves, {p.subfield_id: p for p in drawn})
        _draw_whiskers(ax, drawn, colors, layout)
        draw_expert_moves(ax, drawn)
        _draw_dots(ax, drawn, colors)
        _draw_expert_rings(ax, drawn)
        ghosts = [(m.old_x, float(curve_y(m.old_x))) for m in moves]
        ghosts += [(p.model_x, float(curve_y(p.model_x))) for p in drawn if p.model_x is not None]
        place_labels(fig, ax, drawn, layout.fontsize, MARKER_PT, extra_marks=ghosts)
        draw_legends(
            fig,
            domain_keys,
            [b for b in BAND_MARKERS if any(p.band == b for p in points)],
            lang=lg,
            y=layout.legend_y,
            previous=(compare_label or "") if moves else None,
        )
        _draw_uncertainty_key(ax, points, lg)
        _draw_texts(fig, layout, title or t("curve.title", lg), subtitle, cutoff, lg)
    return fig
