"""Rendered curves kept by what decides them (issue 18): a curve written again with the
same inputs, options and code is read back, byte for byte what drawing would write,
without importing matplotlib; any change draws it again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from markupsafe import Markup

from cli_support import cli_modules
from techcurve.errors import ReportError
from techcurve.render.curve import filememo, output
from techcurve.render.curve.output import kept_curve, render_curve
from techcurve.render.fonts import figure_svg
from techcurve.store import Store
from techcurve.store.curve import CurveInputs, curve_inputs

Frames = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache's folder, of this test alone."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(filememo, "_dir", lambda: folder)
    return folder


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Counts the calls of ``output.<name>`` (a 1 per call), which still does its work."""
    calls: list[int] = []
    wrapped = getattr(output, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return wrapped(*args, **kwargs)

    monkeypatch.setattr(output, name, counted)
    return calls


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the figures drawn (not read back)."""
    return _counted(monkeypatch, "_draw")


@pytest.fixture
def inputs(assessed_db: Path) -> Iterator[CurveInputs]:
    """The curve's frames read from the assessed test store (four sub-fields placed)."""
    with Store.open(assessed_db, read_only=True) as st:
        yield curve_inputs(st)


def _frames(i: CurveInputs) -> Frames:
    return i.assessments, i.subfields, i.domains


def _render(frames: Frames, folder: Path, name: str, **kwargs: Any) -> bytes:
    (path,) = render_curve(*frames, [folder / name], cutoff="2016-12-31", **kwargs)
    return path.read_bytes()


def test_a_kept_curve_is_the_bytes_of_a_fresh_draw(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path
) -> None:
    frames = _frames(inputs)
    first = render_curve(*frames, [tmp_path / "a.svg", tmp_path / "a.png"], lang="en")
    assert len(drawn) == 1  # one figure for both files
    again = render_curve(*frames, [tmp_path / "b" / "b.svg", tmp_path / "b.png"], lang="en")
    assert len(drawn) == 1  # both read back
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in first]
    # and the same as drawing anew with nothing kept
    for entry in kept.iterdir():
        entry.unlink()
    fresh = render_curve(*frames, [tmp_path / "c.svg", tmp_path / "c.png"], lang="en")
    assert len(drawn) == 2
    assert [p.read_bytes() for p in fresh] == [p.read_bytes() for p in first]


def test_a_png_encoded_beside_the_next_drawing_is_the_png_saved_alone(
    inputs: CurveInputs, kept: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # with another file to draw, the PNG's pixels are taken first and encoded in a thread
    # while the SVG is drawn; alone, it is saved as before: the same bytes, in any order
    encoded = _counted(monkeypatch, "encode_png")
    frames = _frames(inputs)
    both = render_curve(*frames, [tmp_path / "a.svg", tmp_path / "a.png"], lang="en")
    assert encoded == [1]
    for entry in kept.iterdir():
        entry.unlink()
    turned = render_curve(*frames, [tmp_path / "b.png", tmp_path / "b.svg"], lang="en")
    assert encoded == [1, 1]
    for entry in kept.iterdir():
        entry.unlink()
    (png,) = render_curve(*frames, [tmp_path / "c.png"], lang="en")
    (svg,) = render_curve(*frames, [tmp_path / "c.svg"], lang="en")
    assert encoded == [1, 1]  # a file drawn alone is saved as before
    assert both[1].read_bytes() == turned[0].read_bytes() == png.read_bytes()
    assert both[0].read_bytes() == turned[1].read_bytes() == svg.read_bytes()


def test_a_pdf_is_kept_only_when_its_date_is_fixed(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    frames = _frames(inputs)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _render(frames, tmp_path, "a.pdf")
    _render(frames, tmp_path, "b.pdf")
    assert len(drawn) == 2  # the file holds the time it was written: never kept
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = _render(frames, tmp_path, "c.pdf")
    again = _render(frames, tmp_path, "d.pdf")
    assert len(drawn) == 3 and again == first
    for entry in kept.iterdir():
        entry.unlink()
    assert _render(frames, tmp_path, "e.pdf") == first


def _moved(frames: Frames) -> Frames:
    a, s, d = frames
    col = "final_position" if "final_position" in a.columns else "position"
    first = a.filter(pl.col(col).is_not_null())[0, "subfield_id"]  # a placed one
    a = a.with_columns(
        pl.when(pl.col("subfield_id") == first)
        .then(pl.col(col) + 0.01)
        .otherwise(pl.col(col))
        .alias(col)
    )
    return a, s, d


def _renamed(frames: Frames) -> Frames:
    a, s, d = frames
    return a, s.with_columns(pl.col("name_zh").str.replace("^", "新")), d


@pytest.mark.parametrize(
    ("change", "first", "then", "kwargs"),
    [
        (_moved, "a.svg", "b.svg", {}),
        (_renamed, "a.svg", "b.svg", {}),
        (None, "a.svg", "b.svg", {"lang": "en"}),
        (None, "a.svg", "b.svg", {"title": "另一个标题"}),
        (None, "a.svg", "b.svg", {"size": "a4"}),
        (None, "a.png", "b.png", {"dpi": 240}),
        (None, "a.svg", "b.png", {}),
    ],
    ids=["a dot moved", "a name", "lang", "title", "size", "dpi", "format"],
)
def test_any_change_draws_again(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path,
    change: Any, first: str, then: str, kwargs: dict[str, Any],
) -> None:  # fmt: skip
    frames = _frames(inputs)
    _render(frames, tmp_path, first)
    _render(frames, tmp_path, "same" + Path(first).suffix)
    assert len(drawn) == 1  # unchanged: read back
    _render(change(frames) if change else frames, tmp_path, then, **kwargs)
    assert len(drawn) == 2


def test_a_changed_catalogue_text_draws_again(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The catalogue's files are part of the code stamp: an edited text is drawn."""
    catalogue = tmp_path / "curve.yaml"
    catalogue.write_text("curve:\n  title: 技术成熟度曲线\n", encoding="utf-8")
    files = filememo._stamped_files()
    monkeypatch.setattr(filememo, "_stamped_files", lambda: [*files, catalogue])
    filememo.code_stamp.cache_clear()
    frames = _frames(inputs)
    _render(frames, tmp_path, "a.svg")
    _render(frames, tmp_path, "b.svg")
    assert len(drawn) == 1
    catalogue.write_text("curve:\n  title: 技术成熟度\n", encoding="utf-8")
    filememo.code_stamp.cache_clear()  # a new process
    _render(frames, tmp_path, "c.svg")
    assert len(drawn) == 2
    filememo.code_stamp.cache_clear()


@pytest.mark.parametrize("damage", ["truncated", "a byte changed", "empty"])
def test_a_damaged_entry_is_drawn_again(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path, damage: str
) -> None:
    frames = _frames(inputs)
    first = _render(frames, tmp_path, "a.svg")
    (entry,) = kept.iterdir()
    data = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "a byte changed":
        entry.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    else:
        entry.write_bytes(b"")
    assert _render(frames, tmp_path, "b.svg") == first
    assert len(drawn) == 2
    assert entry.read_bytes() == data  # kept again, whole
    assert _render(frames, tmp_path, "c.svg") == first and len(drawn) == 2


def test_an_unwritable_cache_only_costs_a_drawing(
    inputs: CurveInputs, drawn: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's folder would be")
    monkeypatch.setattr(filememo, "_dir", lambda: blocker / "techcurve")
    frames = _frames(inputs)
    first = _render(frames, tmp_path, "a.svg")
    assert _render(frames, tmp_path, "b.svg") == first
    assert len(drawn) == 2


def test_the_newest_entries_are_kept(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(filememo, "KEEP", 2)
    frames = _frames(inputs)
    for n, title in enumerate(("一", "二", "三")):
        _render(frames, tmp_path, "a.svg", title=title)
        for entry in kept.iterdir():  # the newest entry is the one of the latest title
            if entry.stat().st_mtime_ns > 10**12:
                os.utime(entry, ns=(n, n))
    assert len(list(kept.iterdir())) == 2
    _render(frames, tmp_path, "a.svg", title="三")  # kept
    assert len(drawn) == 3
    _render(frames, tmp_path, "a.svg", title="一")  # the oldest: dropped
    assert len(drawn) == 4
    monkeypatch.setattr(filememo, "KEEP_BYTES", 1)
    _render(frames, tmp_path, "a.svg", title="四")
    assert list(kept.iterdir()) == []  # none fits in one byte


def test_the_reports_curves_are_kept_through_out(
    inputs: CurveInputs, kept: Path, drawn: list[int]
) -> None:
    """What the report's ``out`` makes of a figure is kept when ``out`` is a function
    at the top of a module; a lambda may hold state of its own: never kept."""
    frames = _frames(inputs)
    first = kept_curve(_svg, *frames, lang="zh", title="报告", cutoff="2016-12-31")
    assert isinstance(first, Markup)
    again = kept_curve(_svg, *frames, lang="zh", title="报告", cutoff="2016-12-31")
    assert len(drawn) == 1 and again == first and isinstance(again, Markup)
    assert kept_curve(figure_svg, *frames, lang="zh", title="报告", cutoff="2016-12-31") == first
    assert len(drawn) == 2  # another out: another output
    kept_curve(lambda fig: figure_svg(fig), *frames, lang="zh")
    kept_curve(lambda fig: figure_svg(fig), *frames, lang="zh")
    assert len(drawn) == 4


def _svg(fig: Any) -> Markup:
    return Markup(figure_svg(fig))  # noqa: S704 - our SVG


def test_a_kept_curve_is_written_without_matplotlib(assessed_db: Path, tmp_path: Path) -> None:
    cache = tmp_path / "xdg"
    curve = ["--db", str(assessed_db), "curve", "-o"]
    assert cli_modules([*curve, str(tmp_path / "a.svg")], cache, ["matplotlib"])["matplotlib"]
    again = cli_modules([*curve, str(tmp_path / "b.svg")], cache, ["matplotlib"])
    assert not again["matplotlib"]  # another process, the same key
    assert (tmp_path / "b.svg").read_bytes() == (tmp_path / "a.svg").read_bytes()


def test_a_frame_digest_holds_values_not_memory() -> None:
    """An all-null column's slots hold whatever was in memory; the digest reads values."""
    a = pl.DataFrame({"x": [1.0, None], "s": ["", None]})
    b = pl.DataFrame({"x": [1.0, None], "s": ["", None]})
    assert filememo.frame_digest(a) == filememo.frame_digest(b)
    assert filememo.frame_digest(a) != filememo.frame_digest(
        a.with_columns(s=pl.Series([None, None], dtype=pl.String))
    )
    assert filememo.frame_digest(a) != filememo.frame_digest(a.cast({"x": pl.Float32}))
    assert filememo.frame_digest(a) != filememo.frame_digest(a.rename({"s": "t"}))
    nested = pl.DataFrame({"l": [[1, 2], None]})
    assert filememo.frame_digest(nested) == filememo.frame_digest(nested.clone())


def _moved_in(frames: Frames, domain: str, inside: bool) -> Frames:
    """A placed dot of ``domain`` (or of another domain) moved a little."""
    a, s, d = frames
    col = "final_position" if "final_position" in a.columns else "position"
    ids = s.filter((pl.col("domain_id") == domain) == inside)["subfield_id"]
    placed = a.filter(pl.col(col).is_not_null() & pl.col("subfield_id").is_in(ids.implode()))
    first = placed[0, "subfield_id"]
    moved = pl.when(pl.col("subfield_id") == first).then(pl.col(col) + 0.01)
    return a.with_columns(moved.otherwise(pl.col(col)).alias(col)), s, d


def test_a_domains_curve_is_keyed_by_its_own_dots(
    inputs: CurveInputs, kept: Path, drawn: list[int], tmp_path: Path
) -> None:
    frames = _frames(inputs)
    a, s, _ = frames
    col = "final_position" if "final_position" in a.columns else "position"
    placed = a.filter(pl.col(col).is_not_null())["subfield_id"]
    by_domain = s.filter(pl.col("subfield_id").is_in(placed.implode()))["domain_id"]
    domain = str(by_domain[0])
    assert by_domain.n_unique() > 1  # dots in another domain to move
    first = _render(frames, tmp_path, "a.svg", domain=domain)
    assert len(drawn) == 1
    # a dot of another domain moved: this domain's curve is read back, the same bytes
    assert (
        _render(_moved_in(frames, domain, inside=False), tmp_path, "b.svg", domain=domain) == first
    )
    assert len(drawn) == 1
    # one of its own moved: drawn again
    _render(_moved_in(frames, domain, inside=True), tmp_path, "c.svg", domain=domain)
    assert len(drawn) == 2
    # an unknown domain still says so
    with pytest.raises(ReportError, match="no-such-domain"):
        _render(frames, tmp_path, "d.svg", domain="no-such-domain")
