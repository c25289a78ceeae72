"""Writing the curve to files: from frames (:func:`render_curve`) or from a store.

A curve already written with the same inputs, options and code is read back from the
cache (:mod:`~techcurve.render.curve.filememo`) instead of drawn: the drawing modules,
and with them matplotlib, are imported only when something is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from techcurve.editions import load_edition
from techcurve.errors import ReportError
from techcurve.render.curve import filememo
from techcurve.render.curve.shape import one_domain
from techcurve.render.fonts import (
    PNG_MIN_DPI,
    SUPPORTED_FORMATS,
    encode_png,
    png_pixels,
    save_figure,
)
from techcurve.store import Store
from techcurve.store.curve import curve_inputs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

T = TypeVar("T")


def render_curve(
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    domains: pl.DataFrame,
    out_paths: Sequence[Path],
    *,
    lang: str = "zh",
    title: str | None = None,
    cutoff: str | None = None,
    source_line: str | None = None,
    model: str | None = None,
    compare: pl.DataFrame | None = None,
    compare_label: str | None = None,
    dpi: int = 220,
    domain: str | None = None,
    labels: str = "auto",
    size: str = "auto",
) -> list[Path]:
    """Draw the maturity curve and write it to every path in ``out_paths``.

    ``assessments`` is the store's ``assessments`` table (``final_*`` columns are used
    where present); ``subfields`` gives names and domains, ``domains`` the domain names
    and legend order. The format follows each extension (.svg, .png at ``dpi`` ≥ 200,
    .pdf); an unknown one raises :class:`ReportError` before anything is drawn.
    ``cutoff`` is shown top right, ``source_line`` at the foot (by default a generic
    line naming the kinds of evidence). ``compare`` (columns ``subfield_id``,
    ``position``: a saved edition, see :func:`techcurve.editions.load_edition`) adds a
    ghost dot at each sub-field's previous position and an arrow along the curve to
    where it is now; ``compare_label`` names that edition in the legend.

    ``domain`` (a domain id) draws that domain's sub-fields alone, titled with its name.
    ``labels`` is ``names``, ``numbers`` (each dot a number, with a key beside the plot:
    number, dot, name, grouped by phase) or ``auto`` (names, unless one would need a
    leader line longer than an inch or finds no free space: then numbers). ``size`` is
    ``auto`` (the canvas grows with the dots), ``a4`` (A4 landscape) or ``16:9`` (a slide).

    >>> render_curve(a, s, d, [Path("out/curve.svg"), Path("out/curve.png")])  # doctest: +SKIP
    [PosixPath('out/curve.svg'), PosixPath('out/curve.png')]
    """
    paths = [Path(p) for p in out_paths]
    if not paths:
        raise ReportError.of("curve.error.no_output")
    for p in paths:
        if p.suffix.lower().lstrip(".") not in SUPPORTED_FORMATS:
            raise ReportError.of(
                "curve.error.image_format",
                path=p,
                suffix=repr(p.suffix or "(none)"),
                formats=", ".join("." + f for f in SUPPORTED_FORMATS),
            )
    options: dict[str, Any] = {
        "lang": lang, "title": title, "cutoff": cutoff, "source_line": source_line,
        "model": model, "compare_label": compare_label, "domain": domain,
        "labels": labels, "size": size,
    }  # fmt: skip
    frames = (assessments, subfields, domains, compare)
    _write_curve(paths, frames, options, dpi)
    return paths


def _write_curve(
    paths: list[Path],
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None],
    options: dict[str, Any],
    dpi: int,
) -> None:
    """Write each of ``paths``: read back when kept, else drawn (once for all of them)."""
    domain = options["domain"]
    key = filememo.curve_key(_drawn_frames(frames, domain), options)
    fig: Figure | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="techcurve-png") as aside:
        encoding: dict[int, Future[bytes]] = {}
        later: dict[int, bytes | None] = {}  # the later files, recalled once a figure is drawn
        for i, p in enumerate(paths):
            output = _output(p, dpi)
            kept = later.pop(i) if i in later else filememo.recall(key, output)
            if kept is not None:
                _write(p, kept)
                continue
            if fig is None:
                fig = _draw(frames, options)
                # the settings as they are after drawing (the first import of matplotlib
                # may have written its font list): the key the next process computes
                key = filememo.curve_key(_drawn_frames(frames, domain), options)
                later = {
                    j: filememo.recall(key, _output(paths[j], dpi))
                    for j in range(i + 1, len(paths))
                }
                drawn = [i] + [j for j, data in later.items() if data is None]
                encoding = _encode_aside(fig, paths, drawn, dpi, aside)
            if i in encoding:
                written = encoding.pop(i).result()
                _write(p, written)
                filememo.keep(key, output, written)
                continue
            save_figure(fig, p, dpi=dpi)
            try:
                written = p.read_bytes()
            except OSError:  # not kept, only drawn again next time
                continue
            filememo.keep(key, output, written)


def _output(path: Path, dpi: int) -> str | None:
    """The cache's name of the output ``path`` is (its format, a PNG's resolution)."""
    fmt = path.suffix.lower().lstrip(".")
    return filememo.file_output(fmt, max(dpi, PNG_MIN_DPI) if fmt == "png" else None)


def _encode_aside(
    fig: Figure, paths: Sequence[Path], drawn: list[int], dpi: int, aside: Executor
) -> dict[int, Future[bytes]]:
    """The PNGs among the ``drawn`` paths, drawn now and encoded by ``aside`` while the
    other files are drawn (Pillow's zlib releases the GIL: ≈ 0.9 s of the full curve's
    220-dpi PNG on the other core). Only when another file is drawn too: a PNG alone is
    saved as before. The bytes are :func:`save_figure`'s."""
    pngs = [i for i in drawn if paths[i].suffix.lower() == ".png"]
    if not pngs or len(drawn) < 2:
        return {}
    return {i: aside.submit(encode_png, png_pixels(fig, dpi=dpi), dpi=dpi) for i in pngs}


def _drawn_frames(
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None],
    domain: str | None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """The frames a curve's outputs are keyed by: a domain's curve draws its own
    sub-fields and their assessments alone (``draw_curve`` narrows them first, with the
    same :func:`~techcurve.render.curve.shape.one_domain`), so only those rows are in its
    key, beside all the domains (their order gives the colours) and the compared edition:
    a dot moved in another domain leaves it kept. An unknown domain keys the whole
    frames (drawing then says what is wrong)."""
    if domain is None:
        return frames
    assessments, subfields, domains, compare = frames
    try:
        subfields, assessments = one_domain(domain, domains, subfields, assessments)
    except ReportError:
        return frames
    return assessments, subfields, domains, compare


def _draw(frames: Sequence[pl.DataFrame | None], options: dict[str, Any]) -> Figure:
    from techcurve.render.curve.draw import draw_curve

    assessments, subfields, domains, compare = frames
    assert assessments is not None and subfields is not None and domains is not None
    return draw_curve(assessments, subfields, domains, compare=compare, **options)


def _write(path: Path, data: bytes) -> None:
    """Write a kept curve to ``path``, as :func:`~techcurve.render.fonts.save_figure`
    writes a drawn one (its folder made, an error naming the path)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(data)
    except OSError as e:
        raise ReportError.of("curve.error.write", path=path, error=e.strerror or e) from None


def kept_curve(
    out: Callable[[Figure], T],
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    domains: pl.DataFrame,
    *,
    lang: str = "zh",
    title: str | None = None,
    cutoff: str | None = None,
    source_line: str | None = None,
    domain: str | None = None,
    size: str = "auto",
) -> T:
    """``out`` of the curve :func:`~techcurve.render.curve.draw.draw_curve` draws with
    these arguments — read back from the cache when this ``out`` (a function at the top
    of a module returning ``str``, ``bytes`` or ``Markup``) was given the same curve
    before. The report's curve pages are drawn through it."""
    options: dict[str, Any] = {
        "lang": lang, "title": title, "cutoff": cutoff, "source_line": source_line,
        "model": None, "compare_label": None, "domain": domain, "labels": "auto",
        "size": size,
    }  # fmt: skip
    frames = (assessments, subfields, domains, None)
    return filememo.kept_value(
        filememo.function_output(out),
        lambda: filememo.curve_key(_drawn_frames(frames, domain), options),
        lambda: out(_draw(frames, options)),
    )


def domain_paths(paths: Sequence[Path], domain: str) -> list[Path]:
    """``paths`` for one domain's curve among several: ``curve.svg`` → ``curve-ai.svg``."""
    return [p.with_name(f"{p.stem}-{domain}{p.suffix}") for p in paths]


def curve_from_store(
    store: Store,
    out_paths: Sequence[Path | str],
    *,
    lang: str = "zh",
    title: str | None = None,
    compare: str | None = None,
    source_line: str | None = None,
    domain: str | None = None,
    labels: str = "auto",
    size: str = "auto",
) -> list[Path]:
    """:func:`render_curve` with everything taken from an open store.

    The cut-off shown is the latest evidence the indicators used
    (:func:`techcurve.store.provenance.latest_evidence`), else the store's as-of date; ``compare`` is the name of a saved
    edition (:func:`techcurve.editions.save_edition`) whose positions become movement
    arrows. ``source_line`` is the footer naming the sources (the pipeline passes
    :func:`techcurve.render.sources.source_line`); without it a generic line.
    """
    inputs = curve_inputs(store)
    previous = load_edition(store, compare) if compare else None
    return render_curve(
        inputs.assessments,
        inputs.subfields,
        inputs.domains,
        [Path(p) for p in out_paths],
        lang=lang,
        title=title,
        cutoff=inputs.evidence_end or inputs.as_of,
        source_line=source_line,
        compare=previous,
        compare_label=compare,
        domain=domain,
        labels=labels,
        size=size,
    )
