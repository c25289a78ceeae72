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
from techcurve.render.curve.layout import (
    Layout,
    canvas,
    check_size,
    curve_layout,
    plot_height_pt,
)
from techcurve.render.curve.legend import (
    BAND_MARKERS,
    EXPERT_COLOR,
    DomainKey,
    draw_legends,
    draw_uncertainty_key,
)
from techcurve.render.curve.memo import keep, placement_key, recall
from techcurve.render.curve.movements import draw_expert_moves, draw_movements, movements
from techcurve.render.curve.numbered import (
    KEY_MAX_SHARE,
    MAX_LEADER_PT,
    KeyEntry,
    KeySize,
    check_labels,
    draw_key,
    key_entries,
    key_size,
    numbered,
)
from techcurve.render.curve.placement import Placement, draw_placed, place_labels
from techcurve.render.curve.shape import (
    STRIP_BOTTOM,
    STRIP_TOP,
    Y_TOP,
    CurvePoint,
    curve_points,
    curve_y,
    display_name,
    dodge_points,
    one_domain,
)
from techcurve.render.curve.uncertainty import dot_opacity
from techcurve.render.curve.wrap import wrap_label
from techcurve.render.fonts import chart_style, new_figure, text_width
from techcurve.text import LANGS, Lang, t

MARKER_PT = 7.0  # dot size, in points
#: the dot size of a numbered curve with more than ``CROWDED`` dots: fewer lanes
SMALL_MARKER_PT, CROWDED = 5.5, 100
DOTS_GID = "techcurve-dots"
WHISKER_OFFSET_PT = 6.0  # a whisker runs this far under the curve, beside it
TEXT_GREY = "#555555"


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


def _phase_name(name: str, width_pt: float) -> tuple[str, float]:
    """A phase's name and font size for a band ``width_pt`` wide: 10 pt on one line when
    it fits, else 8.5 pt, wrapped when even that does not fit."""
    if text_width(name) * 10 <= width_pt - 6:
        return name, 10.0
    return wrap_label(name, (width_pt - 6) / 8.5), 8.5


def _draw_axes(ax: Axes, lang: Lang, x_scale: float) -> None:
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
        name, size = _phase_name(phase.label(lang), (hi - lo) * x_scale)
        ax.text(
            (lo + hi) / 2,
            (STRIP_BOTTOM + STRIP_TOP) / 2,
            name,
            ha="center",
            va="center",
            fontsize=size,
            color="#4a5568",
            zorder=4,
            linespacing=1.0 if "\n" in name else None,
        )
    ax.axhline(STRIP_TOP, color="#d5d9de", lw=0.6, zorder=1)
    xs = np.linspace(0, 1, 600)
    ax.plot(xs, curve_y(xs), color="#3b5b92", lw=2.4, zorder=2, solid_capstyle="round")


def _draw_dots(
    ax: Axes, drawn: Sequence[CurvePoint], colors: dict[str, str], marker_pt: float
) -> None:
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
            s=marker_pt**2,
            marker=str(style["marker"]),
            facecolors=edges if style["filled"] else "white",
            edgecolors=edges,
            linewidths=1.3,
            zorder=4,
            label=DOTS_GID,
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


def _draw_expert_rings(ax: Axes, drawn: Sequence[CurvePoint], marker_pt: float) -> None:
    """A ring around every dot whose final placement is an expert's."""
    pts = [p for p in drawn if p.expert]
    if pts:
        ax.scatter(
            [p.x for p in pts], [p.y for p in pts], s=(marker_pt + 6.0) ** 2, marker="o",
            facecolors="none", edgecolors=EXPERT_COLOR, linewidths=1.4, zorder=5,
            gid="techcurve-expert-rings",
        )  # fmt: skip


def _draw_whiskers(
    ax: Axes, points: Sequence[CurvePoint], colors: dict[str, str], layout: Layout
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
    fig: Figure, layout: Layout, title: str, subtitle: str, cutoff: str | None, lang: Lang
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


@dataclass(frozen=True, slots=True)
class _Curve:
    """What one drawing of the curve shows, whatever its labels."""

    points: list[CurvePoint]
    colors: dict[str, str]
    domain_keys: list[DomainKey]
    lang: Lang
    title: str
    subtitle: str
    cutoff: str | None
    source_line: str
    size: str
    compare: pl.DataFrame | None
    compare_label: str | None


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
    domain: str | None = None,
    labels: str = "auto",
    size: str = "auto",
) -> Figure:
    """The curve as a matplotlib figure (see ``render_curve`` for the arguments)."""
    lg = _check_lang(lang)
    mode, size = check_labels(labels), check_size(size)
    if domain is not None:
        subfields, assessments = one_domain(domain, domains, subfields, assessments)
    points, skipped = curve_points(assessments, subfields, lang=lang, model=model)
    if not points:
        if domain is not None:
            raise ReportError.of("curvekey.error.domain_empty", domain=domain)
        if skipped:
            raise ReportError.of("curve.error.none_placed", insufficient=skipped)
        raise ReportError.of("curve.error.no_assessments")
    colors, domain_keys = _domain_keys(domains, points, lg)
    subtitle = t("curve.count", lg, n=len(points))
    if skipped:
        subtitle += t("curve.skipped", lg, n=skipped)
    if title is None and domain is not None:
        title = t("curvekey.title_domain", lg, domain=domain_keys[0].name)
    curve = _Curve(
        points, colors, domain_keys, lg, title or t("curve.title", lg), subtitle, cutoff,
        source_line or t("curve.source", lg), size, compare, compare_label,
    )  # fmt: skip
    if mode != "numbers":
        fig, placement = _figure(curve, numbers=False, strict=mode == "auto")
        if fig is not None and not placement.gave_up:
            return fig
    fig = _figure(curve, numbers=True, strict=False)[0]
    assert fig is not None  # only a placement that gave up draws no figure
    return fig


def _figure(curve: _Curve, *, numbers: bool, strict: bool) -> tuple[Figure | None, Placement]:
    """The figure with names or numbers as labels; ``strict``: give up (and say so in
    the placement) at the first name that needs a long leader line or finds no room.

    The labels' places are kept (:mod:`~techcurve.render.curve.memo`): drawn again
    with the same dots on the same canvas, they are put where they went before, and a
    strict attempt known to give up draws no figure (None)."""
    lg, points = curve.lang, curve.points
    shown = numbered(points) if numbers else points
    key: list[KeyEntry] = []
    ksize: KeySize | None = None
    if numbers:
        key = key_entries(shown, {p.subfield_id: p.label for p in points})
        plot_h = plot_height_pt(len(points), curve.size, curve.source_line)
        width = canvas(len(points), curve.size)[0]
        ksize = key_size(key, plot_h, max_width_in=KEY_MAX_SHARE * width, lang=lg)
    key_in = ksize.width_in if ksize else 0.0
    layout = curve_layout(len(points), lg, curve.source_line, size=curve.size, table_in=key_in)
    shown = [replace(p, label=wrap_label(p.label, layout.max_em)) for p in shown]
    marker = SMALL_MARKER_PT if numbers and len(points) > CROWDED else MARKER_PT
    # spread dots that share a position along the curve (drawing only)
    drawn = dodge_points(
        shown,
        spacing_pt=marker + 4.0,
        spread_pt=15.0,
        x_scale=layout.x_scale,
        y_scale=layout.y_scale,
        min_spacing_pt=marker,
    )
    moves = movements(points, curve.compare) if curve.compare is not None else []
    ghosts = [(m.old_x, float(curve_y(m.old_x))) for m in moves]
    ghosts += [(p.model_x, float(curve_y(p.model_x))) for p in drawn if p.model_x is not None]
    give_up = MAX_LEADER_PT if strict else None
    with chart_style():
        canvas_key = (layout.width, layout.height, *layout.ax_rect, layout.fontsize)
        memo_key = placement_key(drawn, canvas_key, marker, ghosts, give_up)
        known = recall(memo_key)
        if known is not None and known.gave_up:
            return None, known
        fig = new_figure(layout.width, layout.height)
        ax = fig.add_axes(layout.ax_rect)
        _draw_axes(ax, lg, layout.x_scale)
        if moves:
            draw_movements(ax, moves, {p.subfield_id: p for p in drawn})
        _draw_whiskers(ax, drawn, curve.colors, layout)
        draw_expert_moves(ax, drawn)
        _draw_dots(ax, drawn, curve.colors, marker)
        _draw_expert_rings(ax, drawn, marker)
        if known is not None:
            draw_placed(ax, drawn, layout.fontsize, known)
            placement = known
        else:
            placement = keep(
                memo_key,
                place_labels(
                    fig, ax, drawn, layout.fontsize, marker, extra_marks=ghosts,
                    give_up_leader_pt=give_up,
                ),
            )  # fmt: skip
        if placement.gave_up:
            return fig, placement
        if layout.table_rect is not None and ksize is not None:
            draw_key(fig, layout.table_rect, key, ksize, curve.colors, lg)
        draw_legends(
            fig,
            curve.domain_keys,
            [b for b in BAND_MARKERS if any(p.band == b for p in points)],
            lang=lg,
            y=layout.legend_y,
            previous=(curve.compare_label or "") if moves else None,
        )
        _draw_uncertainty_key(ax, points, lg)
        _draw_texts(fig, layout, curve.title, curve.subtitle, curve.cutoff, lg)
    return fig, placement
