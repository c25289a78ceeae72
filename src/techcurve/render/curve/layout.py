"""The curve's canvas: its size, where the plot, the legends, the footer and the key of
numbered labels go.

``size="auto"`` grows the canvas with the dots (more sub-fields, a bigger canvas);
``"a4"`` is an A4 landscape page and ``"16:9"`` a slide. With numbered labels the key
(:mod:`~techcurve.render.curve.numbered`) takes a column band on the right of the plot:
an auto canvas grows wider for it, a fixed one gives it part of its width.
"""

from __future__ import annotations

from dataclasses import dataclass

from techcurve.errors import ReportError
from techcurve.render.curve.shape import STRIP_BOTTOM, Y_TOP
from techcurve.render.curve.wrap import wrap_source
from techcurve.text import Lang

#: page sizes in inches (width, height); "auto" grows with the dots
PAGE_SIZES: dict[str, tuple[float, float]] = {"a4": (11.69, 8.27), "16:9": (13.333, 7.5)}
SIZES = ("auto", *PAGE_SIZES)
TABLE_GAP_IN = 0.25  # between the plot and the key


@dataclass(frozen=True, slots=True)
class Layout:
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
    #: the key of numbered labels (x0, y0, width, height in figure fractions), if any
    table_rect: tuple[float, float, float, float] | None = None


def check_size(size: str) -> str:
    """``size`` if it is one of :data:`SIZES`, else a :class:`ReportError` naming them."""
    if size not in SIZES:
        raise ReportError.of("curvekey.error.size", size=repr(size), choices=", ".join(SIZES))
    return size


def canvas(n: int, size: str) -> tuple[float, float]:
    """The canvas (inches) for ``n`` dots: a fixed page, or one that grows with the dots,
    wider as well as taller so the curve keeps its shape."""
    if size in PAGE_SIZES:
        return PAGE_SIZES[size]
    width = 16.0 if n <= 60 else min(16.0 + (n - 60) * 0.06, 22.0)
    height = 9.0 if n <= 40 else min(9.0 + (n - 40) * 0.035, 13.5)
    return width, height


def plot_height_pt(n: int, size: str, source_line: str) -> float:
    """The plot's height in points (the key's column height) before the key is laid out."""
    width, height = canvas(n, size)
    return _rect(width, height, source_line, 0.0)[3] * height * 72


def _rect(
    width: float, height: float, source_line: str, table_in: float
) -> tuple[float, float, float, float]:
    source = wrap_source(source_line, 0.94 * width * 72 / 8.5 - 2)
    src_h = 0.165 * (source.count("\n") + 1)
    top_in, bottom_in = 0.85, 0.90 + src_h  # room for the title, and for legends + footer
    plot_w = 0.94 - (table_in + TABLE_GAP_IN) / width if table_in else 0.94
    return (0.04, bottom_in / height, plot_w, 1 - (top_in + bottom_in) / height)


def curve_layout(
    n: int, lang: Lang, source_line: str, *, size: str = "auto", table_in: float = 0.0
) -> Layout:
    """The canvas for ``n`` dots at ``size``, leaving ``table_in`` inches on the right for
    the key of numbered labels (0: no key); the source line wraps to the plot's width
    and the legends sit above it."""
    width, height = canvas(n, size)
    if table_in and size == "auto":
        width += table_in + TABLE_GAP_IN
    source = wrap_source(source_line, 0.94 * width * 72 / 8.5 - 2)
    src_h = 0.165 * (source.count("\n") + 1)
    ax_rect = _rect(width, height, source_line, table_in)
    table_rect = None
    if table_in:
        x0 = ax_rect[0] + ax_rect[2] + TABLE_GAP_IN / width
        table_rect = (x0, ax_rect[1], table_in / width, ax_rect[3])
    small = 7.0 if size == "auto" else 6.5
    return Layout(
        width=width,
        height=height,
        fontsize=8.0 if n <= 50 else small,
        max_em=10.5 if lang == "zh" else 16.0,
        source=source,
        legend_y=(0.16 + src_h) / height,
        ax_rect=ax_rect,
        x_scale=ax_rect[2] * width * 72 / 1.02,
        y_scale=ax_rect[3] * height * 72 / (Y_TOP - STRIP_BOTTOM),
        table_rect=table_rect,
    )
