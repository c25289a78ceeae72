"""The report's charts: donuts, bars, the monthly financing combo chart, the treemap
and the small per-sub-field series chart of the appendix.

Each function takes plain sequences (the report computes the numbers once, so a chart
and the sentence above it cannot disagree) and returns a matplotlib
:class:`~matplotlib.figure.Figure`; :func:`techcurve.render.fonts.figure_svg` turns it
into inline SVG and :func:`techcurve.render.fonts.save_figure` writes it to a file.
Chinese text is drawn with the bundled CJK font. :func:`series_svg` is the exception:
drawn once per sub-field, it writes its SVG directly (text still as paths in that font).

>>> fig = donut_chart(["网络", "人工智能"], [60.0, 40.0], title="专利占比")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import squarify
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from techcurve.render.fonts import chart_style, cjk_font, cjk_font_path, new_figure

# Colour-blind-friendly first (Okabe–Ito), then distinct extras; yellow is avoided
# because markers and text in it vanish on white.
DOMAIN_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#6A3D9A",
    "#7F7F7F",
    "#B8860B",
    "#17BECF",
    "#E7298A",
)
ACCENT = "#0072B2"
LINE_ACCENT = "#D55E00"
TEXT_GREY = "#444444"


def domain_colors(domain_ids: Sequence[str]) -> dict[str, str]:
    """A fixed colour per domain, by the order the domains are given in (taxonomy order)."""
    out: dict[str, str] = {}
    for i, d in enumerate(dict.fromkeys(domain_ids)):
        out[d] = DOMAIN_PALETTE[i % len(DOMAIN_PALETTE)]
    return out


def _title(fig: Figure, title: str | None) -> None:
    if title:
        fig.suptitle(title, fontsize=12, x=0.02, ha="left", color="#1a202c")


def donut_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    center_text: str | None = None,
    value_labels: Sequence[str] | None = None,
    hole: float = 0.45,
) -> Figure:
    """A donut (``hole`` > 0) or pie (``hole`` = 0) with a legend of ``label  value``.

    ``value_labels`` are the printed values (e.g. shares already rounded so they sum
    to 100.00 %); by default each slice's percentage of the total with two decimals.
    """
    total = float(sum(values))
    if value_labels is None:
        value_labels = [f"{(v / total * 100 if total else 0):.2f}%" for v in values]
    cols = list(colors) if colors is not None else list(DOMAIN_PALETTE[: len(values)])
    with chart_style():
        fig = new_figure(7.2, 4.2)
        ax = fig.add_axes((0.02, 0.04, 0.55, 0.84))
        if total > 0:
            wedges, _ = ax.pie(
                list(values),
                colors=cols,
                startangle=90,
                counterclock=False,
                wedgeprops={"width": 1 - hole if hole else 1, "edgecolor": "white"},
            )
            for w, vl, v in zip(wedges, value_labels, values, strict=True):
                if total and v / total >= 0.07:  # smaller slices: the legend has the value
                    r = 1 - (1 - hole) / 2 if hole else 0.65
                    ang = (w.theta1 + w.theta2) / 2
                    x = r * math.cos(math.radians(ang))
                    y = r * math.sin(math.radians(ang))
                    ax.text(x, y, vl, ha="center", va="center", fontsize=8, color="white")
        ax.set_aspect("equal")
        ax.axis("off")
        if center_text and hole:
            ax.text(0, 0, center_text, ha="center", va="center", fontsize=10, color=TEXT_GREY)
        handles = [Patch(color=c) for c in cols[: len(labels)]]
        texts = [f"{lab}  {vl}" for lab, vl in zip(labels, value_labels, strict=True)]
        fig.legend(
            handles,
            texts,
            loc="center left",
            bbox_to_anchor=(0.60, 0.46),
            frameon=False,
            fontsize=9,
        )
        _title(fig, title)
    return fig


def top_bar_chart(
    names: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    legend: Mapping[str, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    value_format: str = "{:,.0f}",
) -> Figure:
    """Horizontal bars, first item on top, each with its value printed at the bar's end.

    ``legend`` maps a label (e.g. a domain name) to its colour.
    """
    n = len(names)
    cols = list(colors) if colors is not None else [ACCENT] * n
    with chart_style():
        fig = new_figure(7.2, max(2.4, 0.38 * n + 1.2))
        ax = fig.add_axes((0.30, 0.10, 0.58, 0.78))
        ys = list(range(n))[::-1]
        ax.barh(ys, list(values), color=cols, height=0.65)
        ax.set_yticks(ys, list(names), fontsize=9)
        vmax = max(values) if n else 1.0
        for y, v in zip(ys, values, strict=True):
            ax.text(v + vmax * 0.01, y, value_format.format(v), va="center", fontsize=8)
        ax.set_xlim(0, vmax * 1.18 if vmax > 0 else 1)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:,.0f}")
        if xlabel:
            ax.set_xlabel(xlabel, fontsize=9)
        if legend:
            ax.legend(
                [Patch(color=c) for c in legend.values()],
                list(legend),
                loc="lower right",
                fontsize=8,
                frameon=False,
            )
        _title(fig, title)
    return fig


def financing_month_chart(
    months: Sequence[str],
    amounts_yi: Sequence[float],
    events: Sequence[int],
    *,
    amount_label: str = "融资金额（亿元）",
    events_label: str = "融资事件（起）",
    title: str | None = None,
) -> Figure:
    """Amount bars (亿元, with data labels) and an event-count line on a secondary axis."""
    with chart_style():
        fig = new_figure(7.6, 3.8)
        ax = fig.add_axes((0.08, 0.16, 0.84, 0.68))
        xs = list(range(len(months)))
        bars = ax.bar(xs, list(amounts_yi), color=ACCENT, width=0.6, label=amount_label)
        amax = max(amounts_yi) if amounts_yi else 0.0
        for b, v in zip(bars, amounts_yi, strict=True):
            if v <= 0:
                continue
            ax.text(
                b.get_x() + b.get_width() / 2,
                v + (amax or 1) * 0.02,
                f"{v:.1f}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(xs, list(months), fontsize=9)
        # bars use the lower ~55 % of the plot and the event line the upper part,
        # so data labels and line markers do not collide
        ax.set_ylim(0, (amax or 1) * 1.8)
        ax.set_yticks(
            [t for t in MaxNLocator(nbins=4).tick_values(0, amax or 1) if t <= (amax or 1) * 1.1]
        )
        ax.spines["left"].set_bounds(0, (amax or 1) * 1.1)
        ax.set_ylabel(amount_label, fontsize=9)
        ax.yaxis.set_label_coords(-0.06, 0.3)
        ax.tick_params(axis="y", labelsize=8)
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        ax2.spines["top"].set_visible(False)
        (line,) = ax2.plot(
            xs, list(events), color=LINE_ACCENT, marker="o", markersize=4, label=events_label
        )
        emax = max(events) if events else 0
        top = max(emax, 1)
        ax2.set_ylim(-top * 1.7, top * 1.15)
        ax2.set_yticks(
            [t for t in MaxNLocator(nbins=3, integer=True).tick_values(0, top) if 0 <= t <= top]
        )
        for x, e in zip(xs, events, strict=True):
            ax2.annotate(
                str(e),
                (x, e),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=LINE_ACCENT,
            )
        ax2.set_ylabel(events_label, fontsize=9)
        ax2.yaxis.set_label_coords(1.06, 0.8)
        ax2.spines["right"].set_bounds(0, top * 1.05)
        ax2.tick_params(axis="y", labelsize=8)
        fig.legend(
            [cast(Any, bars), line],
            [amount_label, events_label],
            loc="lower center",
            ncol=2,
            frameon=False,
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
        )
        _title(fig, title)
    return fig


def treemap_chart(
    names: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    *,
    legend: Mapping[str, str] | None = None,
    title: str | None = None,
    value_format: str = "{:.1f}",
) -> Figure:
    """A treemap (squarify) of ``values``; tiles too small for their label stay unlabelled.

    ``legend`` maps a label (a domain name) to its colour.
    """
    items = [(n, v, c) for n, v, c in zip(names, values, colors, strict=True) if v > 0]
    items.sort(key=lambda t: -t[1])
    width, height = 100.0, 60.0
    with chart_style():
        fig = new_figure(7.6, 4.8)
        ax = fig.add_axes((0.01, 0.10, 0.98, 0.78))
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.axis("off")
        if items:
            sizes = squarify.normalize_sizes([t[1] for t in items], width, height)
            rects = squarify.squarify(sizes, 0, 0, width, height)
            fig_w_pt = 7.6 * 0.98 * 72
            for (name, value, color), r in zip(items, rects, strict=True):
                ax.add_patch(
                    _rect(r["x"], r["y"], r["dx"], r["dy"], color),
                )
                # the tile's size in points, to decide whether its label fits
                w_pt = r["dx"] / width * fig_w_pt
                h_pt = r["dy"] / height * (4.8 * 0.78 * 72)
                label = f"{name}\n{value_format.format(value)}"
                fs = 8.0
                est_w = max(_text_width_em(line) for line in label.split("\n")) * fs
                if est_w <= w_pt - 4 and 2.4 * fs <= h_pt - 2:
                    ax.text(
                        r["x"] + r["dx"] / 2,
                        r["y"] + r["dy"] / 2,
                        label,
                        ha="center",
                        va="center",
                        fontsize=fs,
                        color="white",
                    )
        if legend:
            fig.legend(
                [Patch(color=c) for c in legend.values()],
                list(legend),
                loc="lower center",
                ncol=min(len(legend), 6),
                frameon=False,
                fontsize=8,
                bbox_to_anchor=(0.5, 0.0),
            )
        _title(fig, title)
    return fig


def _rect(x: float, y: float, dx: float, dy: float, color: str) -> Patch:
    return Rectangle((x, y), dx, dy, facecolor=color, edgecolor="white", linewidth=1.2)


def _text_width_em(text: str) -> float:
    """Rough width of ``text`` in em: CJK and full-width characters 1, others 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


# -- the appendix's small per-sub-field chart, written as SVG directly ------------------
# 58+ of these go into one report: matplotlib takes ~150 ms and ~30 KB per chart,
# this writer well under 5 ms and a few KB, with the same font drawn as paths.
SERIES_COLORS = {
    "patents": "#9cc9e6",  # yearly patents: light bars
    "papers": "#009E73",  # yearly papers: thin line
    "cumulative": "#0b3d6b",  # the S-curve's series
    "attention": "#CC79A7",
    "fit": "#D55E00",  # fitted curves, dashed
    "as_of": "#8a8a8a",
}
_AXIS = "#9aa3b2"
_GRID = "#eef0f3"
_NO_DATA = "#f3f4f6"  # years the sources do not cover
_TICK_TEXT = "#5a6270"


def _short_number(v: float) -> str:
    """Tick labels: 1,200 → 1.2k, 3,400,000 → 3.4M; small fractions keep one decimal."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.1f}M".replace(".0M", "M")
    if a >= 1e3:
        return f"{v / 1e3:.1f}k".replace(".0k", "k")
    if a and a < 10 and v != round(v):
        return f"{v:.1f}"
    return f"{v:.0f}"


_FONT_UNITS = 100.0  # glyph outlines are stored at 100 units per em


@functools.cache
def _layout(text: str) -> tuple[tuple[tuple[str, float], ...], float]:
    """``text`` laid out in the CJK font at 100 units: (glyph id, x) per glyph, advance."""
    from matplotlib.font_manager import get_font
    from matplotlib.textpath import TextToPath

    font = get_font(str(cjk_font_path()))
    font.set_size(_FONT_UNITS, 72)
    t2p = TextToPath()
    info, gmap, _ = t2p.get_glyphs_with_font(font, text, return_new_glyphs_only=False)
    for cid, (verts, codes) in gmap.items():
        _GLYPHS.setdefault(_glyph_id(cid), _path_d(verts, codes))
    width = t2p.get_text_width_height_descent(text, cjk_font(_FONT_UNITS), ismath=False)[0]
    return tuple((_glyph_id(cid), float(x)) for cid, x, _y, _s in info), float(width)


_GLYPHS: dict[str, str] = {}  # glyph id → outline (y down, baseline 0, 100 units)


def _glyph_id(char_id: str) -> str:
    return "tcg" + char_id.rsplit("-", 1)[-1]


def _path_d(verts: Any, codes: Any) -> str:
    out: list[str] = []
    i, n = 0, len(verts)
    while i < n:
        c = int(codes[i])
        if c == 1:
            out.append(f"M{verts[i][0]:.0f} {-verts[i][1]:.0f}")
            i += 1
        elif c == 2:
            out.append(f"L{verts[i][0]:.0f} {-verts[i][1]:.0f}")
            i += 1
        elif c == 3:
            (a, b), (x, y) = verts[i], verts[i + 1]
            out.append(f"Q{a:.0f} {-b:.0f} {x:.0f} {-y:.0f}")
            i += 2
        elif c == 4:
            (a, b), (e, f), (x, y) = verts[i], verts[i + 1], verts[i + 2]
            out.append(f"C{a:.0f} {-b:.0f} {e:.0f} {-f:.0f} {x:.0f} {-y:.0f}")
            i += 3
        else:  # CLOSEPOLY
            out.append("Z")
            i += 1
    return "".join(out)


class GlyphSheet:
    """Glyph outlines shared by the inline SVGs of one HTML page.

    Text is drawn as ``<use>`` of glyphs defined once (:meth:`svg`, a hidden SVG put
    in the page before the charts), so a page of 58 small charts carries each digit's
    outline once instead of in every tick label. Without a sheet, :func:`series_svg`
    makes its own and embeds the outlines: the chart is then self-contained.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def text(
        self, text: str, x: float, y: float, size: float, color: str, anchor: str = "start"
    ) -> str:
        """``text`` with its baseline at (x, y); ``anchor`` start, middle or end."""
        glyphs, width = _layout(text)
        if not glyphs:
            return ""
        k = size / _FONT_UNITS
        dx = {"start": 0.0, "middle": -width * k / 2, "end": -width * k}[anchor]
        uses = []
        for gid, gx in glyphs:
            if gid not in _GLYPHS:  # a space or a glyph without outline
                continue
            self.used.add(gid)
            uses.append(f'<use href="#{gid}" x="{gx:.0f}"/>' if gx else f'<use href="#{gid}"/>')
        return (
            f'<g transform="translate({x + dx:.1f} {y:.1f}) scale({k:.4g})" fill="{color}">'
            + "".join(uses)
            + "</g>"
        )

    def defs(self) -> str:
        """The ``<defs>`` holding every glyph used so far."""
        return (
            "<defs>"
            + "".join(f'<path id="{g}" d="{_GLYPHS[g]}"/>' for g in sorted(self.used))
            + "</defs>"
        )

    def svg(self) -> str:
        """A zero-size SVG with :meth:`defs`, to put in the page once (before the charts)."""
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true" '
            f'style="position:absolute">{self.defs()}</svg>'
        )


def _nice_ticks(lo: float, hi: float, n: int, integer: bool = False) -> list[float]:
    ticks = MaxNLocator(nbins=n, integer=integer).tick_values(lo, hi)
    return [float(t) for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]


def _polyline(xs: Sequence[float], ys: Sequence[float | None], fx: Any, fy: Any) -> str:
    """An SVG path through the points; ``None`` values break the line."""
    parts: list[str] = []
    pen = False
    for x, y in zip(xs, ys, strict=True):
        if y is None or math.isnan(y):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{fx(x):.1f} {fy(y):.1f}")
        pen = True
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _Panel:
    x0: float
    x1: float
    y0: float  # top
    y1: float  # bottom
    t0: float  # first year shown
    t1: float  # last year shown

    def fx(self, t: float) -> float:
        return self.x0 + (t - self.t0) / ((self.t1 - self.t0) or 1.0) * (self.x1 - self.x0)

    def fy(self, v: float, top: float) -> float:
        return self.y1 - v / (top or 1.0) * (self.y1 - self.y0)


def series_svg(
    years: Sequence[int],
    *,
    patents: Sequence[float | None] = (),
    papers: Sequence[float | None] = (),
    cumulative: Sequence[float | None] = (),
    s_fit: tuple[Sequence[float], Sequence[float]] | None = None,
    kappa: float | None = None,
    attention: Sequence[float | None] = (),
    bell_fit: tuple[Sequence[float], Sequence[float]] | None = None,
    as_of_year: int | None = None,
    data_end: int | None = None,
    titles: tuple[str, str] = ("专利与论文", "关注度"),
    glyphs: GlyphSheet | None = None,
) -> str:
    """A sub-field's yearly evidence as inline SVG: two small panels sharing the years.

    Left: the cumulative series (solid) with its fitted S-curve (dashed) and κ
    (dotted), yearly patents (bars) and papers (thin line) on a secondary axis (right,
    grey) kept to the lower half. Right: the attention series with its fitted bell. A
    dashed grey line marks ``as_of_year``. No legend and no markers (the card's HTML
    carries the key); text is drawn as paths in the bundled CJK font, so the SVG
    renders anywhere. ``None`` values leave gaps; years after ``data_end`` (where the
    patent and paper sources stop) are shaded in the left panel. With ``glyphs`` the text refers to
    that page-wide :class:`GlyphSheet` (which the page must include); without, the
    outlines are embedded and the SVG stands alone.

    >>> svg = series_svg([2018, 2019, 2020], cumulative=[1, 3, 4])  # doctest: +SKIP
    """
    c = SERIES_COLORS
    sheet = glyphs if glyphs is not None else GlyphSheet()
    _svg_text = sheet.text
    w, h = 760.0, 196.0
    xs = [float(y) for y in years]
    t0 = xs[0] - 0.6 if xs else 0.0
    t1 = max(xs[-1] if xs else 1.0, float(as_of_year or 0)) + 0.6
    left = _Panel(52, 352, 24, 168, t0, t1)
    right = _Panel(452, 742, 24, 168, t0, t1)
    el: list[str] = []

    def vals(v: Sequence[float | None]) -> list[float | None]:
        return [None if x is None or math.isnan(x) else float(x) for x in v]

    def finite(*seqs: Sequence[float | None]) -> list[float]:
        return [x for s in seqs for x in s if x is not None and not math.isnan(x)]

    def frame(p: _Panel, title: str, top: float, grid: bool) -> None:
        el.append(_svg_text(title, p.x0, 13, 10.5, "#374151"))
        for v in _nice_ticks(0, top, 3):
            y = p.fy(v, top)
            if grid and v > 0:
                el.append(
                    f'<path d="M{p.x0:.1f} {y:.1f}H{p.x1:.1f}" stroke="{_GRID}" stroke-width="1"/>'
                )
            el.append(_svg_text(_short_number(v), p.x0 - 5, y + 3.2, 9, _TICK_TEXT, "end"))
        for t in _nice_ticks(t0 + 0.6, t1 - 0.6, 5, integer=True):
            x = p.fx(t)
            el.append(f'<path d="M{x:.1f} {p.y1:.1f}v3" stroke="{_AXIS}"/>')
            el.append(_svg_text(f"{t:.0f}", x, p.y1 + 14, 9, _TICK_TEXT, "middle"))
        el.append(
            f'<path d="M{p.x0:.1f} {p.y0:.1f}V{p.y1:.1f}H{p.x1:.1f}" fill="none" '
            f'stroke="{_AXIS}" stroke-width="1"/>'
        )

    def as_of(p: _Panel) -> None:
        if as_of_year is not None:
            x = p.fx(as_of_year)
            el.append(
                f'<path d="M{x:.1f} {p.y0 - 4:.1f}V{p.y1:.1f}" stroke="{c["as_of"]}" '
                'stroke-width="1" stroke-dasharray="3 2"/>'
            )

    def dashed(p: _Panel, fit: tuple[Sequence[float], Sequence[float]], top: float) -> None:
        d = _polyline(fit[0], list(fit[1]), p.fx, lambda v: p.fy(v, top))
        el.append(
            f'<path d="{d}" fill="none" stroke="{c["fit"]}" stroke-width="1.4" '
            'stroke-dasharray="5 3"/>'
        )

    # -- left: cumulative + S-curve; yearly counts on a secondary axis -----------------
    cv, pv, qv = vals(cumulative), vals(patents), vals(papers)
    top = max(finite(cv, s_fit[1] if s_fit else ()) + ([kappa] if kappa else []) or [1.0])
    top = _nice_ticks(0, top * 1.05, 3)[-1] if top > 0 else 1.0
    top = max(top, max(finite(cv) or [0.0]) * 1.05, (kappa or 0.0) * 1.05)
    if data_end is not None and data_end < t1 - 0.6:
        xe = left.fx(data_end + 0.5)
        el.append(
            f'<rect x="{xe:.1f}" y="{left.y0:.1f}" width="{left.x1 - xe:.1f}" '
            f'height="{left.y1 - left.y0:.1f}" fill="{_NO_DATA}"/>'
        )
    frame(left, titles[0], top, grid=True)
    ymax = max(finite(pv, qv) or [0.0])
    if ymax > 0:
        ytop = ymax * 2.1  # yearly counts stay in the lower half, under the cumulative line
        bw = max((left.x1 - left.x0) / max(len(xs), 1) * 0.7, 1.0)
        bars = "".join(
            f"M{left.fx(x) - bw / 2:.1f} {left.y1:.1f}V{left.fy(v, ytop):.1f}h{bw:.1f}V{left.y1:.1f}Z"
            for x, v in zip(xs, pv, strict=False)
            if v
        )
        if bars:
            el.append(f'<path d="{bars}" fill="{c["patents"]}"/>')
        if finite(qv):
            d = _polyline(xs, qv, left.fx, lambda v: left.fy(v, ytop))
            el.append(f'<path d="{d}" fill="none" stroke="{c["papers"]}" stroke-width="1"/>')
        for v in _nice_ticks(0, ymax, 2):
            y = left.fy(v, ytop)
            el.append(f'<path d="M{left.x1:.1f} {y:.1f}h3" stroke="{_AXIS}"/>')
            el.append(_svg_text(_short_number(v), left.x1 + 5, y + 3, 8, "#8a8f99"))
    as_of(left)
    if finite(cv):
        d = _polyline(xs, cv, left.fx, lambda v: left.fy(v, top))
        el.append(f'<path d="{d}" fill="none" stroke="{c["cumulative"]}" stroke-width="2"/>')
    if s_fit is not None:
        dashed(left, s_fit, top)
    if kappa:
        y = left.fy(kappa, top)
        el.append(
            f'<path d="M{left.x0:.1f} {y:.1f}H{left.x1:.1f}" stroke="{c["fit"]}" '
            'stroke-width="1" stroke-dasharray="1.5 2"/>'
        )
        el.append(_svg_text("κ", left.x0 + 4, y - 3, 10, c["fit"]))

    # -- right: attention + bell --------------------------------------------------------
    av = vals(attention)
    atop = max(finite(av, bell_fit[1] if bell_fit else ()) or [1.0])
    atop = _nice_ticks(0, atop * 1.05, 3)[-1] if atop > 0 else 1.0
    atop = max(atop, max(finite(av) or [0.0]) * 1.05)
    frame(right, titles[1], atop, grid=True)
    as_of(right)
    if finite(av):
        d = _polyline(xs, av, right.fx, lambda v: right.fy(v, atop))
        el.append(f'<path d="{d}" fill="none" stroke="{c["attention"]}" stroke-width="2"/>')
    if bell_fit is not None:
        dashed(right, bell_fit, atop)
    body = "".join(el)
    if glyphs is None:
        body = sheet.defs() + body
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" role="img">{body}</svg>'
    )
