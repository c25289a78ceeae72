"""The report appendix's small per-sub-field chart, written as SVG directly.

A report holds one of these per sub-field (dozens), so they skip matplotlib: this
writer is much faster and its SVG much smaller than a matplotlib figure's (measured in
docs/performance.md, "Other timings"), with the same bundled CJK font drawn as paths.
:class:`GlyphSheet` lets the charts of one page share each glyph's outline.

>>> svg = series_svg([2018, 2019, 2020], cumulative=[1, 3, 4])  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from techcurve.render.fonts import cjk_font, cjk_font_path
from techcurve.render.palette import SERIES_COLORS

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
    from matplotlib.ticker import MaxNLocator

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


Fit = tuple[Sequence[float], Sequence[float]]  # (x values, fitted y values)


def _vals(v: Sequence[float | None]) -> list[float | None]:
    return [None if x is None or math.isnan(x) else float(x) for x in v]


def _finite(*seqs: Sequence[float | None]) -> list[float]:
    return [x for s in seqs for x in s if x is not None and not math.isnan(x)]


@dataclass(slots=True)
class _Canvas:
    """The SVG elements of one chart, drawn in order, and the years both panels share."""

    sheet: GlyphSheet
    t0: float
    t1: float
    as_of_year: int | None
    el: list[str] = field(default_factory=list)

    def text(
        self, text: str, x: float, y: float, size: float, color: str, anchor: str = "start"
    ) -> None:
        self.el.append(self.sheet.text(text, x, y, size, color, anchor))

    def frame(self, p: _Panel, title: str, top: float) -> None:
        """The panel's title, value grid and ticks, year ticks and axes."""
        self.text(title, p.x0, 13, 10.5, "#374151")
        for v in _nice_ticks(0, top, 3):
            y = p.fy(v, top)
            if v > 0:
                self.el.append(
                    f'<path d="M{p.x0:.1f} {y:.1f}H{p.x1:.1f}" stroke="{_GRID}" stroke-width="1"/>'
                )
            self.text(_short_number(v), p.x0 - 5, y + 3.2, 9, _TICK_TEXT, "end")
        for t in _nice_ticks(self.t0 + 0.6, self.t1 - 0.6, 5, integer=True):
            x = p.fx(t)
            self.el.append(f'<path d="M{x:.1f} {p.y1:.1f}v3" stroke="{_AXIS}"/>')
            self.text(f"{t:.0f}", x, p.y1 + 14, 9, _TICK_TEXT, "middle")
        self.el.append(
            f'<path d="M{p.x0:.1f} {p.y0:.1f}V{p.y1:.1f}H{p.x1:.1f}" fill="none" '
            f'stroke="{_AXIS}" stroke-width="1"/>'
        )

    def as_of(self, p: _Panel) -> None:
        """A dashed grey line at the as-of year."""
        if self.as_of_year is not None:
            x = p.fx(self.as_of_year)
            self.el.append(
                f'<path d="M{x:.1f} {p.y0 - 4:.1f}V{p.y1:.1f}" stroke="{SERIES_COLORS["as_of"]}" '
                'stroke-width="1" stroke-dasharray="3 2"/>'
            )

    def line(
        self,
        p: _Panel,
        xs: Sequence[float],
        ys: Sequence[float | None],
        top: float,
        color: str,
        width: str,
    ) -> None:
        d = _polyline(xs, ys, p.fx, lambda v: p.fy(v, top))
        self.el.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"/>')

    def dashed(self, p: _Panel, fit: Fit, top: float) -> None:
        """A fitted curve, dashed."""
        d = _polyline(fit[0], list(fit[1]), p.fx, lambda v: p.fy(v, top))
        self.el.append(
            f'<path d="{d}" fill="none" stroke="{SERIES_COLORS["fit"]}" stroke-width="1.4" '
            'stroke-dasharray="5 3"/>'
        )


def _top(values: list[float], extra: Sequence[float] = ()) -> float:
    """The top of a panel's value axis: a nice tick above the values, and above the data."""
    top = max(values + list(extra) or [1.0])
    return _nice_ticks(0, top * 1.05, 3)[-1] if top > 0 else 1.0


def _cumulative_panel(
    c: _Canvas,
    p: _Panel,
    xs: list[float],
    cumulative: list[float | None],
    s_fit: Fit | None,
    kappa: float | None,
    title: str,
    yearly: tuple[list[float | None], list[float | None]],
    data_end: int | None,
) -> None:
    """Left: the cumulative series with its fitted S-curve and κ; yearly patents (bars)
    and papers (line) on a secondary axis in the lower half; years after ``data_end`` shaded."""
    top = _top(_finite(cumulative, s_fit[1] if s_fit else ()), [kappa] if kappa else [])
    top = max(top, max(_finite(cumulative) or [0.0]) * 1.05, (kappa or 0.0) * 1.05)
    if data_end is not None and data_end < c.t1 - 0.6:
        xe = p.fx(data_end + 0.5)
        c.el.append(
            f'<rect x="{xe:.1f}" y="{p.y0:.1f}" width="{p.x1 - xe:.1f}" '
            f'height="{p.y1 - p.y0:.1f}" fill="{_NO_DATA}"/>'
        )
    c.frame(p, title, top)
    _yearly(c, p, xs, *yearly)
    c.as_of(p)
    if _finite(cumulative):
        c.line(p, xs, cumulative, top, SERIES_COLORS["cumulative"], "2")
    if s_fit is not None:
        c.dashed(p, s_fit, top)
    if kappa:
        y = p.fy(kappa, top)
        c.el.append(
            f'<path d="M{p.x0:.1f} {y:.1f}H{p.x1:.1f}" stroke="{SERIES_COLORS["fit"]}" '
            'stroke-width="1" stroke-dasharray="1.5 2"/>'
        )
        c.text("κ", p.x0 + 4, y - 3, 10, SERIES_COLORS["fit"])


def _yearly(
    c: _Canvas,
    p: _Panel,
    xs: list[float],
    patents: list[float | None],
    papers: list[float | None],
) -> None:
    """Yearly patents as bars and papers as a thin line, with their axis on the right."""
    ymax = max(_finite(patents, papers) or [0.0])
    if ymax <= 0:
        return
    ytop = ymax * 2.1  # yearly counts stay in the lower half, under the cumulative line
    bw = max((p.x1 - p.x0) / max(len(xs), 1) * 0.7, 1.0)
    bars = "".join(
        f"M{p.fx(x) - bw / 2:.1f} {p.y1:.1f}V{p.fy(v, ytop):.1f}h{bw:.1f}V{p.y1:.1f}Z"
        for x, v in zip(xs, patents, strict=False)
        if v
    )
    if bars:
        c.el.append(f'<path d="{bars}" fill="{SERIES_COLORS["patents"]}"/>')
    if _finite(papers):
        c.line(p, xs, papers, ytop, SERIES_COLORS["papers"], "1")
    for v in _nice_ticks(0, ymax, 2):
        y = p.fy(v, ytop)
        c.el.append(f'<path d="M{p.x1:.1f} {y:.1f}h3" stroke="{_AXIS}"/>')
        c.text(_short_number(v), p.x1 + 5, y + 3, 8, "#8a8f99")


def _attention_panel(
    c: _Canvas,
    p: _Panel,
    xs: list[float],
    attention: list[float | None],
    bell_fit: Fit | None,
    title: str,
) -> None:
    """Right: the attention series with its fitted bell."""
    top = _top(_finite(attention, bell_fit[1] if bell_fit else ()))
    top = max(top, max(_finite(attention) or [0.0]) * 1.05)
    c.frame(p, title, top)
    c.as_of(p)
    if _finite(attention):
        c.line(p, xs, attention, top, SERIES_COLORS["attention"], "2")
    if bell_fit is not None:
        c.dashed(p, bell_fit, top)


def cards_svg(cards: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """The charts of many cards — (id, :func:`series_svg`'s arguments) each — sharing one
    :class:`GlyphSheet`, as one JSON object: id → SVG, and ``"glyphs"`` → the sheet's
    SVG when any glyph was used. One value, so the report can keep it
    (:func:`~techcurve.render.curve.filememo.kept_chart`)."""
    import json

    sheet = GlyphSheet()
    out = {cid: series_svg(glyphs=sheet, **kwargs) for cid, kwargs in cards}
    if sheet.used:
        out["glyphs"] = sheet.svg()
    return json.dumps(out, ensure_ascii=False)


def series_svg(
    years: Sequence[int],
    *,
    patents: Sequence[float | None] = (),
    papers: Sequence[float | None] = (),
    cumulative: Sequence[float | None] = (),
    s_fit: Fit | None = None,
    kappa: float | None = None,
    attention: Sequence[float | None] = (),
    bell_fit: Fit | None = None,
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
    patent and paper sources stop) are shaded in the left panel. With ``glyphs`` the
    text refers to that page-wide :class:`GlyphSheet` (which the page must include);
    without, the outlines are embedded and the SVG stands alone.

    >>> svg = series_svg([2018, 2019, 2020], cumulative=[1, 3, 4])  # doctest: +SKIP
    """
    sheet = glyphs if glyphs is not None else GlyphSheet()
    w, h = 760.0, 196.0
    xs = [float(y) for y in years]
    t0 = xs[0] - 0.6 if xs else 0.0
    t1 = max(xs[-1] if xs else 1.0, float(as_of_year or 0)) + 0.6
    c = _Canvas(sheet, t0, t1, as_of_year)
    left = _Panel(52, 352, 24, 168, t0, t1)
    right = _Panel(452, 742, 24, 168, t0, t1)
    _cumulative_panel(
        c, left, xs, _vals(cumulative), s_fit, kappa, titles[0],
        (_vals(patents), _vals(papers)), data_end,
    )  # fmt: skip
    _attention_panel(c, right, xs, _vals(attention), bell_fit, titles[1])
    body = "".join(c.el)
    if glyphs is None:
        body = sheet.defs() + body
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" role="img">{body}</svg>'
    )
