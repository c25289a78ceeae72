"""The CSV fast path (polars) reads exactly what the Python reader reads, or stands aside.

Every file is read twice — through :func:`open_csv` as shipped and with the fast path
switched off — and the batches must be the same: fields, row numbers, rejects.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.errors import IngestError
from techcurve.ingest import fastcsv, read_records, readers
from techcurve.ingest.readers import open_csv


def _read(
    path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch, delim: str = ",", block: int = 0
) -> tuple:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(fastcsv, "plan", lambda *a, **k: None)
        if block:  # the plan scans the file in blocks this small: records span them
            m.setattr(fastcsv, "BLOCK_BYTES", block)
        m.setattr(readers, "BATCH_ROWS", 3)  # many batches, even for small files
        table = open_csv(path, "csv", "utf-8", delim)
        frames, rejects = [], []
        for b in table.batches:
            frames.append(b.frame)
            rejects.extend(b.rejects)
    frame = pl.concat(frames) if frames else None
    return table.columns, None if frame is None else frame.rows(), rejects


def _same(path: Path, monkeypatch: pytest.MonkeyPatch, delim: str = ",") -> bool:
    """Both paths agree; whether the fast path was taken."""
    try:
        slow = _read(path, fast=False, monkeypatch=monkeypatch, delim=delim)
    except IngestError as e:
        with pytest.raises(IngestError) as fast_err:
            _read(path, fast=True, monkeypatch=monkeypatch, delim=delim)
        assert str(fast_err.value) == str(e)
        return False
    fast = _read(path, fast=True, monkeypatch=monkeypatch, delim=delim)
    assert fast == slow
    assert _read(path, fast=True, monkeypatch=monkeypatch, delim=delim, block=5) == slow
    width = len(slow[0])
    return fastcsv.plan(path, delim, width, batch_rows=3) is not None


def _write(path: Path, header: list[str], rows: list[list[str]], eol: str, bom: bool) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerows([header, *rows])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def test_a_well_formed_file_takes_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "a.csv"
    rows = [["区块链，技术", 'say "hi", then\nleave', ""], ["", "", ""], ["AR", "x", "2020-01-01"]]
    _write(p, ["title", "abstract", "date"], rows * 3, "\r\n", bom=True)
    assert _same(p, monkeypatch)
    cols, got, _ = _read(p, fast=True, monkeypatch=monkeypatch)
    assert cols == ["title", "abstract", "date"]
    # row numbers are physical lines: the header is line 1, each repeat spans 4 lines
    # (a quoted newline, then a row of empty cells, which is skipped)
    assert [r[-1] for r in got] == [2, 5, 6, 9, 10, 13]
    assert got[0][:3] == ("区块链，技术", 'say "hi", then\nleave', "")


@pytest.mark.parametrize(
    "text",
    [
        "title,date\nno end of line,2020",  # last record without a line end
        "title,date\n\n\na,1\n\n",  # blank lines around records
        "title,date\n,\na,1\n",  # a row of empty cells is skipped
        "title,date\na,1,2\n",  # too many fields: the Python reader judges it
        "title,date\na\n",  # too few fields
        'title,date\na"b,1\n',  # a quote inside an unquoted field
        'title,date\n"a"b,1\n',  # text after a closing quote
        "title,date\ra,1\r",  # CR-only line ends
        "\ntitle,date\na,1\n",  # a blank line before the header
        '"ti\ntle",date\na,1\n',  # a header over two lines
        'title,date\n,"\n',  # a quoted field never closed (found by Hypothesis)
    ],
)
def test_edge_files_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    p = tmp_path / "e.csv"
    p.write_bytes(text.encode("utf-8"))
    _same(p, monkeypatch)


def test_invalid_utf8_is_rejected_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "bad.csv"
    # past the first 64 KB: the fast path meets it, and the Python reader goes on there
    good = "".join(f"标题 {i},2020\n" for i in range(10_000)).encode()  # UTF-8 beyond doubt
    p.write_bytes(b"title,date\n" + good + b"\xff\xfe,2020\nlast,2021\n")
    slow = _read(p, fast=False, monkeypatch=monkeypatch)
    assert _read(p, fast=True, monkeypatch=monkeypatch) == slow
    got = read_records(p, kind="paper", as_of=date(2026, 1, 1))  # the fast path first
    assert (got.rows_read, got.frame.height) == (10_002, 10_001)
    [bad] = got.rejects
    assert (bad.row, bad.value) == (10_002, "\ufffd\ufffd,2020")
    assert bad.reason.startswith("line 10,002 is not utf-8 text (byte 0xff)")


_cell = st.lists(st.sampled_from(list('ab中，", \n\r\t\u3000') + ["\r\n"]), max_size=6).map("".join)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_cell, min_size=1, max_size=4), max_size=8),
    eol=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    raw=st.booleans(),
    delim=st.sampled_from([",", "\t"]),
)
def test_fast_and_python_readers_agree(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[list[str]],
    eol: str,
    bom: bool,
    raw: bool,
    delim: str,
) -> None:
    p = tmp_path / "h.csv"
    header = ["a", "b", "c"]
    if raw:  # written without quoting: often malformed on purpose
        text = eol.join(delim.join(r) for r in [header, *rows]) + eol
        p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=eol, delimiter=delim).writerows([header, *rows])
        p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    _same(p, monkeypatch, delim)


_clean_cell = st.lists(st.sampled_from(list('ab中，", \n\t\u3000') + ["\r\n"]), max_size=6).map(
    "".join
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_clean_cell, min_size=3, max_size=3), max_size=8),
    eol=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    delim=st.sampled_from([",", "\t"]),
)
def test_files_a_csv_writer_writes_take_the_fast_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[list[str]],
    eol: str,
    bom: bool,
    delim: str,
) -> None:
    p = tmp_path / "w.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol, delimiter=delim).writerows([["a", "b", "c"], *rows])
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    assert _same(p, monkeypatch, delim)


def test_a_file_broken_after_its_first_block_is_read_on_by_the_python_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "late.csv"
    good = "".join(f"t{i},{2000 + i}\n" for i in range(40))
    p.write_bytes(f'title,year\n{good}a "stray" quote,2001\nbad,row,wide\n{good}'.encode())
    resumed: list[fastcsv.Resume] = []
    resume = readers._resume

    def spy(path: Path, delim: str, cols: list[str], at: fastcsv.Resume, fallback: str | None):  # type: ignore[no-untyped-def]
        resumed.append(at)
        return resume(path, delim, cols, at, fallback)

    monkeypatch.setattr(readers, "_resume", spy)
    slow = _read(p, fast=False, monkeypatch=monkeypatch)
    assert _read(p, fast=True, monkeypatch=monkeypatch, block=64) == slow
    # 64-byte blocks: the first ones are well-formed; the Python reader goes on at a
    # record boundary before the stray quote, on that record's line
    [at] = resumed
    assert 0 < at.offset <= len(f"title,year\n{good}".encode())
    assert p.read_bytes()[at.offset - 1 : at.offset] == b"\n"
    assert at.line == p.read_bytes()[: at.offset].count(b"\n") + 1
    assert slow[2][0].row == 43  # the wide row is rejected at its line
