"""The CJK font and the output style every techcurve chart shares.

Without a CJK font matplotlib draws empty boxes for Chinese text, and a machine that
happens to have one installed hides the bug. So techcurve brings its own: Noto Sans
CJK SC (SIL OFL) as shipped by the ``mplfonts`` package, registered with matplotlib
once. System fonts are never relied on.

Charts are drawn on bare :class:`matplotlib.figure.Figure` objects (no pyplot global
state) inside :func:`chart_style`, a ``rc_context`` that selects the font and turns
``axes.unicode_minus`` off (the Unicode minus is fine in Noto, but a plain hyphen keeps
SVG and PNG output identical across fonts).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from techcurve.errors import ReportError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

# matplotlib is imported where a chart is drawn, not with this module: a curve read
# back from the cache (render/curve/filememo.py) is written without it

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_FAMILY = "Noto Sans CJK SC"
PNG_MIN_DPI = 200
SUPPORTED_FORMATS = ("svg", "png", "pdf")


def cjk_font_path() -> Path:
    """The path of Noto Sans CJK SC inside the installed ``mplfonts`` package.

    Raises :class:`ReportError` when the package or the font file is missing.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ReportError.of(
            "curve.error.no_mplfonts", install="`pip install mplfonts`", setup="`make setup`"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise ReportError.of(
        "curve.error.font_missing",
        file=FONT_FILE,
        folders=", ".join(spec.submodule_search_locations),
        reinstall="`pip install --force-reinstall mplfonts`",
    )


@functools.cache
def _register() -> str:
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return FontProperties(fname=str(path)).get_name()


def cjk_family() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    return _register()


def cjk_font(size: float | None = None) -> FontProperties:
    """A :class:`FontProperties` for the registered CJK font (optionally at ``size`` pt)."""
    from matplotlib.font_manager import FontProperties

    path = cjk_font_path()
    _register()
    return FontProperties(fname=str(path), size=size)


@functools.cache
def _cmap() -> frozenset[int]:
    """The code points the CJK font has glyphs for (reading the cmap of the 16 MB font
    is slow, so the list is kept in the user cache, keyed by the font file)."""
    from array import array

    from fontTools.ttLib import TTFont

    from techcurve import cache

    font_file = cjk_font_path()
    stat = font_file.stat()
    entry = cache.entry("font-cmap", font_file, stat.st_size, stat.st_mtime_ns, suffix=".u32")
    data = cache.read(entry)
    if data is not None and len(data) % 4 == 0:
        return frozenset(array("I", data))
    font = TTFont(str(font_file), lazy=True)
    try:
        points = frozenset(font.getBestCmap())
    finally:
        font.close()
    cache.write(entry, array("I", sorted(points)).tobytes())
    return points


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` (other than whitespace) the CJK font has no glyph for."""
    cmap = _cmap()
    return {c for c in text if not c.isspace() and ord(c) not in cmap}


def style_rc() -> dict[str, Any]:
    """The matplotlib settings every techcurve chart is drawn and saved with."""
    family = cjk_family()
    return {
        "font.family": [family, "DejaVu Sans"],
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",  # glyphs as paths: the SVG renders anywhere, offline
        "svg.hashsalt": "techcurve",  # stable ids, so SVG output is reproducible
        "pdf.fonttype": 42,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "normal",  # the bundled font has one weight: no faux bold
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
    }


@contextmanager
def chart_style() -> Iterator[None]:
    """Context in which charts are created and saved (font, minus sign, SVG settings)."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, style_rc())):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A pyplot-free figure with an Agg canvas attached (so text can be measured)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = PNG_MIN_DPI) -> Path:
    """Write ``fig`` to ``path``; the format follows the extension (.svg, .png, .pdf).

    PNG files are written at ``dpi`` (at least 200). An SVG file keeps its labels as
    ``<text>`` naming the CJK font (editable in PowerPoint or Illustrator; a machine
    without the font shows a fallback font); the SVG inlined in the report
    (:func:`figure_svg`) keeps glyph paths, as the report carries its own font. An
    unknown extension raises :class:`ReportError` before anything is written.
    """
    import matplotlib

    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in SUPPORTED_FORMATS:
        raise ReportError.of(
            "curve.error.image_format",
            path=p,
            suffix=repr(p.suffix or "(none)"),
            formats=", ".join("." + f for f in SUPPORTED_FORMATS),
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"format": fmt}
    if fmt == "png":
        kwargs["dpi"] = max(dpi, PNG_MIN_DPI)
    if fmt == "svg":
        kwargs["metadata"] = {"Date": None}
    text = cast(Any, {"svg.fonttype": "none"} if fmt == "svg" else {})
    with chart_style(), matplotlib.rc_context(text):
        try:
            fig.savefig(p, **kwargs)
        except OSError as e:
            raise ReportError.of("curve.error.write", path=p, error=e.strerror or e) from None
    return p


class _Discard(io.RawIOBase):
    """A file that keeps nothing: :func:`png_pixels` needs the drawing, not its bytes."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return memoryview(data).nbytes


def png_pixels(fig: Figure, *, dpi: int = PNG_MIN_DPI) -> memoryview:
    """The pixels :func:`save_figure` encodes for a PNG of ``fig`` at ``dpi`` (at least
    200): Agg's drawing in the same style, as a (height, width, 4) byte buffer.

    With :func:`encode_png` it is :func:`save_figure` in two steps, so that the encoding
    (zlib, ≈ 0.9 s for the full curve, which releases the GIL) can run in a thread while
    the next file is drawn; the two steps write the same bytes (tests/test_curve_filememo.py).
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # every chart's figure (new_figure)
    with chart_style():
        # matplotlib's raw output: the same print_figure (dpi, face colours, layout) and
        # the same FigureCanvasAgg.draw as its PNG, without encoding
        fig.savefig(cast(IO[bytes], _Discard()), format="rgba", dpi=max(dpi, PNG_MIN_DPI))
    # a copy: the canvas clears and reuses this buffer when it draws at this size again
    return np.array(canvas.renderer.buffer_rgba(), copy=True).data


def encode_png(pixels: memoryview, *, dpi: int = PNG_MIN_DPI) -> bytes:
    """:func:`png_pixels`'s buffer as PNG file bytes, as matplotlib's Agg canvas encodes
    them (``matplotlib.image.imsave``: its ``Software`` text, ``dpi``, Pillow's defaults).
    Reads no matplotlib setting: safe in a thread while another figure is drawn."""
    from matplotlib.image import imsave

    buf = io.BytesIO()
    imsave(buf, pixels, format="png", origin="upper", dpi=max(dpi, PNG_MIN_DPI))
    return buf.getvalue()


_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def figure_svg(fig: Figure) -> str:
    """``fig`` as an SVG string ready to inline in HTML (no XML prolog, no metadata)."""
    buf = io.StringIO()
    with chart_style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = _XML_PROLOG.sub("", buf.getvalue())
    return _METADATA.sub("", text, count=1)


WEB_FONT_FAMILY = "techcurve Noto Sans CJK SC"


def font_face_css(text: str, family: str = WEB_FONT_FAMILY) -> str:
    """A CSS ``@font-face`` rule embedding the bundled CJK font, subset to ``text``.

    The HTML report must render Chinese on a machine without any CJK font (and in
    headless Chromium for the PDF), so it carries the glyphs it uses: the font is
    subset with fontTools to the characters of ``text`` and inlined as a WOFF data
    URL — a few hundred KB instead of the 16 MB font.
    """
    import base64

    import fontTools

    from techcurve import cache

    chars = {c for c in text if not c.isspace() or c == " "} | set(
        "0123456789.,%–-—()（）：；，、 abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    cmap = _cmap()
    unicodes = sorted(ord(c) for c in chars if ord(c) in cmap)
    font_file = cjk_font_path()
    stat = font_file.stat()
    entry = cache.entry(
        "font-subset", font_file, stat.st_size, stat.st_mtime_ns, fontTools.version,
        ",".join(map(str, unicodes)), suffix=".woff",
    )  # fmt: skip
    woff = cache.read(entry)
    if woff is None:
        woff = _subset_woff(font_file, unicodes)
        cache.write(entry, woff)
    data = base64.b64encode(woff).decode("ascii")
    return (
        f'@font-face {{ font-family: "{family}"; font-weight: 100 900; '
        f'src: url(data:font/woff;base64,{data}) format("woff"); }}'
    )


def _subset_woff(font_file: Path, unicodes: list[int]) -> bytes:
    """Noto Sans CJK SC subset to ``unicodes``, as WOFF (a reused subset is cached)."""
    from fontTools import subset

    opts = subset.Options()
    opts.flavor = "woff"
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    try:
        font = subset.load_font(str(font_file), opts, lazy=True)
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        buf = io.BytesIO()
        subset.save_font(font, buf, opts)
    except Exception as e:  # noqa: BLE001 - fontTools raises many kinds; name the cause
        raise ReportError.of(
            "curve.error.font_embed", error=f"{type(e).__name__}: {e}", setup="`make setup`"
        ) from None
    return buf.getvalue()


def text_width(text: str) -> float:
    """Rough width of ``text`` in em: CJK (wide and full-width) characters 1, others 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)
