"""Rendered curves kept by what decides them (docs/performance.md, issue 18).

Drawing the curve and writing it out is most of ``techcurve curve`` and of the report's
curve pages (importing matplotlib, drawing, and matplotlib measuring every text again
to save it), and the same curve is written again and again: a later ``curve``, ``run``
or ``report`` on unchanged assessments writes the same bytes. What decides those bytes:

* the frames drawn (assessments, sub-fields, domains, the compared edition): their
  column names, types and values (:func:`frame_digest`, the same in every process);
* every option of :func:`~techcurve.render.curve.draw.draw_curve` (language, title,
  cut-off, source line, model, the edition's label, domain, labels, size), and the
  output: a file's format (and a PNG's resolution), or the report's ``out`` function;
* the code (:func:`code_stamp`): the versions of techcurve, matplotlib, NumPy, polars
  and Pillow, the CJK font file, the contents of every module of ``render/`` and of the
  modules the curve's text and data types come from, the text catalogue
  (``text/*.yaml``), and ``out``'s module;
* matplotlib's settings (:func:`settings_stamp`): the ``matplotlibrc`` files it reads,
  its font list (``fontlist-*.json``: rebuilt in another order, it moves text by a
  fraction of a pixel) and, in a process that changed ``rcParams``, the changes;
* for a PDF, ``SOURCE_DATE_EPOCH`` (without it the file holds the time it was written,
  so a PDF is then never kept).

Each output is one entry of the per-user cache (:mod:`techcurve.cache`):
``curve-out-*.bin``, the key and a digest of the bytes before them, so a damaged entry
is only a miss. The newest entries are kept, at most :data:`KEEP` of them and
:data:`KEEP_BYTES` in all; reading one marks it as new. On a hit nothing is drawn and
matplotlib is not imported. Computing a key imports nothing new either.

>>> key = curve_key([a, s, d, None], {"lang": "zh", ...})  # doctest: +SKIP
>>> recall(key, "svg") or keep(key, "svg", draw_and_save())  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from techcurve import cache
from techcurve.errors import ReportError
from techcurve.version import __version__

T = TypeVar("T")

#: at most this many outputs are kept (the newest)
KEEP = 64
#: and at most this many bytes in all (a curve's 220-dpi PNG is 1.5–2 MB)
KEEP_BYTES = 96 * 2**20

KIND = "curve-out"
_MAGIC = b"techcurve curve-out 1\n"
_DIGEST = 32  # bytes of a blake2b digest

_PACKAGE = Path(__file__).resolve().parents[2]  # src/techcurve
#: the modules and files whose contents decide a drawn curve, besides render/
_DECIDING = ("datatypes.py", "editions.py", "version.py", "text/__init__.py")


def _dir() -> Path:
    """Where the entries live (the per-user cache; tests point it elsewhere)."""
    return cache.cache_dir()


def _stamped_files() -> list[Path]:
    """The source files whose contents decide a drawn curve: every module of
    ``render/`` (the curve, its placement, fonts, colours), the data types, editions,
    and the text catalogue with its YAML files."""
    files = sorted((_PACKAGE / "render").rglob("*.py"))
    files += [_PACKAGE / f for f in _DECIDING]
    files += sorted((_PACKAGE / "text").glob("*.yaml"))
    return files


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


@functools.cache
def code_stamp() -> str:
    """What decides a curve's bytes besides its inputs and matplotlib's settings: the
    versions of techcurve and the libraries that draw and encode it, the CJK font file
    (its name, size and modification time) and the contents of the deciding source
    files (see :func:`_stamped_files`)."""
    import zlib

    from techcurve.render.fonts import cjk_font_path

    h = hashlib.blake2b(digest_size=_DIGEST)
    versions = [__version__, pl.__version__, zlib.ZLIB_RUNTIME_VERSION, sys.version]
    versions += [_version(d) for d in ("matplotlib", "numpy", "pillow", "mplfonts")]
    h.update(repr(versions).encode())
    try:
        font = cjk_font_path()
        st = font.stat()
        h.update(f"{font}:{st.st_size}:{st.st_mtime_ns}".encode())
    except (ReportError, OSError):  # drawing will say what is missing
        h.update(b"no font")
    for f in _stamped_files():
        name = f.relative_to(_PACKAGE).as_posix() if f.is_relative_to(_PACKAGE) else str(f)
        h.update(name.encode() + b"\0")  # where the package lies does not matter
        h.update(_contents(f))
    return h.hexdigest()


def _contents(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"?"


def _mpl_dir(xdg: str, fallback: str) -> Path:
    """matplotlib's configuration or cache folder, found as matplotlib finds it."""
    own = os.environ.get("MPLCONFIGDIR")
    if own:
        return Path(own)
    return Path(os.environ.get(xdg) or Path.home() / fallback) / "matplotlib"


def settings_stamp() -> str:
    """matplotlib's settings that a curve is drawn with, read without importing it: the
    ``matplotlibrc`` files it would read (the current folder's, ``$MATPLOTLIBRC``, the
    user's; its own is its version's), its font list, and — when matplotlib is
    imported and ``rcParams`` differ from what it read at import — those differences."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    rc = [Path("matplotlibrc")]
    if os.environ.get("MATPLOTLIBRC"):
        rc += [Path(os.environ["MATPLOTLIBRC"]), Path(os.environ["MATPLOTLIBRC"]) / "matplotlibrc"]
    rc.append(_mpl_dir("XDG_CONFIG_HOME", ".config") / "matplotlibrc")
    fonts = _mpl_dir("XDG_CACHE_HOME", ".cache")
    try:
        lists = sorted(fonts.glob("fontlist-*.json"))
    except OSError:
        lists = []
    for f in [p for p in rc if p.is_file()] + lists:
        h.update(str(f).encode() + b"\0" + _contents(f))
    changes = _rc_changes(sys.modules["matplotlib"]) if "matplotlib" in sys.modules else []
    if changes:  # none: the same stamp as in a process without matplotlib
        h.update(repr(changes).encode())
    return h.hexdigest()


def _rc_changes(mpl: Any) -> list[tuple[str, str]]:
    """The ``rcParams`` that differ from what matplotlib read at import, but the
    backend (reading it would choose one; it does not change a saved file)."""
    now, orig = mpl.rcParams, mpl.rcParamsOrig
    return [
        (k, repr(dict.__getitem__(now, k)))
        for k in sorted(dict.keys(now))
        if k != "backend" and _differs(dict.__getitem__(now, k), dict.get(orig, k))
    ]


def _differs(a: object, b: object) -> bool:
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # values without a plain equality: assume changed
        return True


def frame_digest(frame: pl.DataFrame | None) -> str:
    """A digest of ``frame``'s column names and types and its values, the same in every
    process for the same frame.

    The values are hashed as CSV (every string quoted, a null as an unquoted NUL,
    floats in their shortest exact form): Arrow's buffers would do, but a null's slot
    holds whatever was in memory (an all-null column of the assessments differs between
    two reads of the same store). Columns CSV cannot hold (lists, structs) fall back to
    those buffers, in one chunk: at worst a needless miss."""
    if frame is None:
        return "none"
    h = hashlib.blake2b(repr(frame.schema).encode(), digest_size=_DIGEST)
    try:
        h.update(frame.write_csv(null_value="\0", quote_style="non_numeric").encode())
    except pl.exceptions.PolarsError:
        buf = io.BytesIO()
        frame.rechunk().write_ipc(buf, compression="uncompressed")
        h.update(buf.getvalue())
    return h.hexdigest()


def curve_key(frames: Sequence[pl.DataFrame | None], options: Mapping[str, object]) -> str:
    """The key of drawing ``frames`` (assessments, sub-fields, domains, compare) with
    ``options`` (every keyword of ``draw_curve``), with this code and these settings."""
    h = hashlib.blake2b(digest_size=_DIGEST)
    h.update(code_stamp().encode())
    h.update(settings_stamp().encode())
    for frame in frames:
        h.update(frame_digest(frame).encode())
    h.update(repr(sorted(options.items())).encode())
    return h.hexdigest()


def file_output(fmt: str, dpi: int | None) -> str | None:
    """The name of the output "a ``fmt`` file" (a PNG at ``dpi``), or None when such a
    file cannot be kept: a PDF holds the time it was written unless
    ``SOURCE_DATE_EPOCH`` fixes it."""
    if fmt == "pdf":
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        return f"pdf@{epoch}" if epoch else None
    return f"{fmt}@{dpi}" if fmt == "png" else fmt


def function_output(out: Callable[..., Any]) -> str | None:
    """The name of the output "what ``out`` returns for the figure", with its module's
    contents; None for a function that may hold state of its own (a lambda, a closure,
    a bound method) — what it returns is never kept."""
    module = sys.modules.get(getattr(out, "__module__", None) or "")
    name = getattr(out, "__qualname__", "")
    if (
        module is None
        or not getattr(module, "__file__", None)
        or getattr(module, name, None) is not out
    ):
        return None  # only a function defined at the top of a module
    return f"{module.__name__}:{name}:{cache.code_stamp(module)}"


def _path(key: str, output: str) -> Path:
    name = cache.entry(KIND, key, output, suffix=".bin").name
    return _dir() / name


def _header(key: str, output: str, payload: bytes) -> bytes:
    ident = hashlib.blake2b(f"{key}|{output}".encode(), digest_size=_DIGEST).digest()
    digest = hashlib.blake2b(payload, digest_size=_DIGEST).digest()
    return _MAGIC + ident + len(payload).to_bytes(8, "big") + digest


def recall(key: str, output: str | None) -> bytes | None:
    """The bytes kept for ``output`` of the curve ``key``; None when there are none, or
    the entry is damaged (a miss: the curve is drawn again)."""
    if output is None:
        return None
    path = _path(key, output)
    data = cache.read(path)
    if data is None:
        return None
    size = len(_MAGIC) + 2 * _DIGEST + 8
    head, payload = data[:size], data[size:]
    if head != _header(key, output, payload):
        return None  # truncated, damaged, or another key's
    with contextlib.suppress(OSError):
        os.utime(path)  # used: among the newest again
    return payload


def keep(key: str, output: str | None, payload: bytes) -> None:
    """Keep ``payload`` as ``output`` of the curve ``key`` and drop the oldest entries
    beyond :data:`KEEP` and :data:`KEEP_BYTES`; failing to write only costs a redraw."""
    if output is None:
        return
    cache.write(_path(key, output), _header(key, output, payload) + payload)
    _trim()


def _trim() -> None:
    cache.trim(KIND, KEEP, max_bytes=KEEP_BYTES, folder=_dir())


#: how a value returned by an ``out`` function is kept: its type's tag
_STR, _BYTES, _MARKUP = b"s", b"b", b"m"


def encode(value: object) -> bytes | None:
    """``value`` (``str``, ``bytes`` or markupsafe's ``Markup``) as entry bytes; None
    for any other type (not kept)."""
    if type(value) is bytes:
        return _BYTES + value
    if type(value) is str:
        return _STR + value.encode("utf-8")
    if type(value).__name__ == "Markup" and type(value).__module__ == "markupsafe":
        return _MARKUP + str(value).encode("utf-8")
    return None


def decode(data: bytes) -> object | None:
    """The value :func:`encode` turned into ``data``; None when the tag is unknown."""
    tag, body = data[:1], data[1:]
    if tag == _BYTES:
        return body
    if tag == _STR:
        return body.decode("utf-8")
    if tag == _MARKUP:
        from markupsafe import Markup

        return Markup(body.decode("utf-8"))  # noqa: S704 - kept as drawn: our own SVG
    return None


#: the types :func:`plain_repr` writes as their ``repr``
_ATOMS = frozenset({type(None), bool, int, float, str})


def plain_repr(value: object) -> str | None:
    """``repr(value)`` when ``value`` is made only of ``None``, booleans, integers,
    floats, strings and lists, tuples and string-keyed dicts of them (its ``repr`` then
    says all of it, floats exactly); None for anything else (not kept)."""
    kind = type(value)
    if kind in _ATOMS:
        return repr(value)
    if isinstance(value, (list, tuple)) and kind in (list, tuple):  # no subclasses
        if set(map(type, value)) <= _ATOMS:  # the common case, a list of numbers, at C speed
            return f"{kind.__name__}({', '.join(map(repr, value))})"
        parts = [plain_repr(v) for v in value]
        kept = [p for p in parts if p is not None]
        return f"{type(value).__name__}({', '.join(kept)})" if len(kept) == len(parts) else None
    if isinstance(value, dict) and type(value) is dict:
        items = []
        for k, v in value.items():
            r = plain_repr(v)
            if type(k) is not str or r is None:
                return None
            items.append(f"{k!r}: {r}")
        return "{" + ", ".join(items) + "}"
    return None


def kept_chart(
    out: Callable[[Any], T], draw: Callable[..., Any] | str, *args: Any, **kwargs: Any
) -> T:
    """``out(draw(*args, **kwargs))`` — read back from the cache when the same ``out``
    was given the same chart before: ``draw`` and ``out`` functions at the top of a
    module (their modules' contents in the key), the arguments plain values
    (:func:`plain_repr`), the code and matplotlib's settings as for a curve. Anything
    else is drawn every time. The report's patent and financing charts go through it.

    ``draw`` may also name a function of ``techcurve.render`` as ``"module:name"``
    (those modules' contents are in :func:`code_stamp`): it is then imported only to
    draw, so a chart read back needs no matplotlib.

    >>> kept_chart(_svg, "techcurve.render.charts:donut_chart", ["a"], [1])  # doctest: +SKIP
    """
    output = function_output(out)
    chart, function = _chart_function(draw)
    spec = plain_repr((args, kwargs))

    def make() -> T:
        return out(function()(*args, **kwargs))

    if chart is None or spec is None:
        return make()
    return kept_value(output, lambda: _chart_key(chart, spec), make)


def kept_value(output: str | None, key: Callable[[], str], make: Callable[[], T]) -> T:
    """What ``make()`` returns (``str``, ``bytes`` or ``Markup``: see :func:`encode`),
    read back from the entry ``key()``/``output`` when there is one, else made and kept;
    ``output`` None: made every time, nothing kept. ``key`` is asked again after making:
    the settings as they are after drawing (the first import of matplotlib may write its
    font list) give the key the next process computes."""
    if output is None:
        return make()
    kept = recall(key(), output)
    value = decode(kept) if kept is not None else None
    if value is not None:
        return value  # type: ignore[return-value]
    value = make()
    data = encode(value)
    if data is not None:
        keep(key(), output, data)
    return value


def _chart_function(
    draw: Callable[..., Any] | str,
) -> tuple[str | None, Callable[[], Callable[..., Any]]]:
    """(the name of ``draw`` in a key — None: not kept —, a function giving ``draw``)."""
    if not isinstance(draw, str):
        return function_output(draw), lambda: draw
    module, _, name = draw.partition(":")
    load = lambda: getattr(importlib.import_module(module), name)  # noqa: E731
    # only techcurve.render's modules are in code_stamp(): another's chart is not kept
    return (draw if module.startswith("techcurve.render.") else None), load


def _chart_key(chart: str, spec: str) -> str:
    h = hashlib.blake2b(digest_size=_DIGEST)
    for part in (code_stamp(), settings_stamp(), chart, spec):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


__all__ = [
    "KEEP",
    "KEEP_BYTES",
    "code_stamp",
    "curve_key",
    "decode",
    "encode",
    "file_output",
    "frame_digest",
    "function_output",
    "keep",
    "kept_chart",
    "kept_value",
    "plain_repr",
    "recall",
    "settings_stamp",
]
