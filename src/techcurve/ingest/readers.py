"""Readers: a file → its column names and batches of raw string rows.

Every reader yields :class:`RawBatch` values: a polars frame of ``Utf8`` columns named
after the file's header plus :data:`~techcurve.ingest.base.ROW_COL` (where a user finds
the row), and the rows it could not even split into fields (ragged CSV rows, invalid
JSON lines) as :class:`~techcurve.ingest.base.Reject`. Batches keep memory flat: at
most :data:`BATCH_ROWS` rows are Python objects at a time.

CSV goes through the standard library's C parser rather than ``polars.read_csv``:
it reads CR-only line ends and any encoding, and it tells which physical line each
record starts on, which is what a rejects file needs to point at a broken row.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import IngestError
from .base import ROW_COL, Reject
from .dates import ParsedDate, parse_date
from .sniff import sniff_delimiter

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
_SHOW = 200  # characters of a broken row kept in the rejects file


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Raw rows of one batch: ``frame`` (strings + row numbers) and unreadable rows."""

    frame: pl.DataFrame
    rejects: tuple[Reject, ...] = ()

    @property
    def rows(self) -> int:
        return self.frame.height + len(self.rejects)


@dataclass
class Table:
    """An opened input file: what it is, its columns, and its batches (read once)."""

    path: Path
    format: str
    encoding: str
    delimiter: str | None
    columns: list[str]
    batches: Iterator[RawBatch]
    notes: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None


# -- helpers -----------------------------------------------------------------------


def _frame(columns: list[str], rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
    data: dict[str, Any] = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    data[ROW_COL] = numbers
    schema: dict[str, pl.DataType] = {c: pl.Utf8() for c in columns}
    schema[ROW_COL] = pl.Int64()
    return pl.DataFrame(data, schema=schema)


def clean_header(cells: list[Any]) -> list[str]:
    """Header names stripped; empty ones become ``column_<n>``, repeats get ``_2``, ``_3``."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = "" if c is None else str(c).replace("\ufeff", "").strip()
        if not name:
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _unnamed(cells: list[Any]) -> list[int]:
    return [i for i, c in enumerate(cells) if c is None or not str(c).replace("\ufeff", "").strip()]


def name_date_columns(
    header: list[str], unnamed: list[int], rows: list[list[str | None]], letters: bool
) -> list[str]:
    """Fix a header shifted against its data (IT桔子 exports leave the date column's
    header empty): an unnamed column whose values are dates is named ``date``."""
    notes: list[str] = []
    if "date" in header:
        return notes
    for i in unnamed:
        values = [r[i] for r in rows[:50] if i < len(r) and r[i]]
        if not values:
            continue
        ok = sum(
            1
            for v in values
            if isinstance(p := parse_date(v), ParsedDate) and p.precision in ("day", "month")
        )
        if ok >= 0.8 * len(values):
            where = _letter(i) if letters else str(i + 1)
            notes.append(
                f"column {where} has no header but holds dates (e.g. {values[0]!r}): named it 'date'"
            )
            header[i] = "date"
            break
    return notes


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_text(v: Any) -> str | None:
    """A spreadsheet or JSON value as the string the record stage parses."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep="T")
    if isinstance(v, date | time):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        if all(not isinstance(x, dict | list) for x in v):
            return ";".join(str(x) for x in v if x is not None)
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


# -- CSV / TSV -----------------------------------------------------------------------


class _Lines:
    """Iterates physical lines, remembering those of the current record and counting."""

    def __init__(self, f: io.TextIOBase, path: Path, encoding: str) -> None:
        self.f = f
        self.path = path
        self.encoding = encoding
        self.count = 0
        self.buffer: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.f)
        except UnicodeDecodeError as e:
            raise IngestError(
                f"cannot decode line {self.count + 1:,} as {self.encoding} ({e.reason}): "
                "pass the right encoding (e.g. encoding='gb18030' or 'utf-8')",
                path=str(self.path),
                row=self.count + 1,
            ) from None
        self.count += 1
        self.buffer.append(line)
        return line


def open_csv(path: Path, fmt: str, encoding: str, delimiter: str | None = None) -> Table:
    f = path.open("r", encoding=encoding, newline="", errors="strict")
    try:
        sample = f.read(64 * 1024)
    except UnicodeDecodeError as e:
        f.close()
        raise IngestError(
            f"cannot decode the file as {encoding} ({e.reason}): pass encoding= "
            "(e.g. gb18030, utf-16, mac_roman)",
            path=str(path),
        ) from None
    f.seek(0)
    delim = delimiter or sniff_delimiter(sample, fmt)
    lines = _Lines(f, path, encoding)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(lines, delimiter=delim)
    header_raw: list[str] | None = None
    try:
        for rec in reader:
            if any(c.strip() for c in rec):
                header_raw = rec
                break
    except csv.Error as e:
        f.close()
        raise IngestError(f"cannot read the header: {e}", path=str(path), row=lines.count) from None
    if header_raw is None:
        f.close()
        return Table(path, fmt, encoding, delim, [], iter(()), close=lambda: None)
    header = clean_header(header_raw)
    unnamed = _unnamed(header_raw)
    first = list(_csv_batches(path, reader, lines, len(header), delim, limit=BATCH_ROWS))
    notes: list[str] = []
    if unnamed and first:
        rows = [list(r) for r in first[0].frame.drop(ROW_COL).rows()]
        notes = name_date_columns(header, unnamed, rows, letters=False)
    cols = header

    def batches() -> Iterator[RawBatch]:
        try:
            for b in first:
                yield _rename(b, cols)
            if len(first) == 1 and first[0].rows >= BATCH_ROWS:
                for b in _csv_batches(path, reader, lines, len(cols), delim, limit=None):
                    yield _rename(b, cols)
        finally:
            f.close()

    return Table(path, fmt, encoding, delim, cols, batches(), notes, close=f.close)


def _rename(b: RawBatch, cols: list[str]) -> RawBatch:
    if b.frame.columns[:-1] == cols:
        return b
    return RawBatch(b.frame.rename(dict(zip(b.frame.columns[:-1], cols, strict=True))), b.rejects)


def _csv_batches(
    path: Path, reader: Any, lines: _Lines, width: int, delim: str, limit: int | None
) -> Iterator[RawBatch]:
    """Batches of rows; with ``limit`` only the first batch."""
    cols = [f"c{i}" for i in range(width)]
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    while True:
        lines.buffer = []
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise IngestError(
                f"the CSV cannot be parsed here ({e}): fix or remove this row",
                path=str(path),
                row=lines.count,
            ) from None
        start = lines.count - len(lines.buffer) + 1
        if not rec or (not rec[0].strip() and not any(c.strip() for c in rec)):
            continue
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            rec = rec[:width]  # trailing empty fields (a spreadsheet artefact)
        if len(rec) == width:
            rows.append(list(rec))
            numbers.append(start)
        elif len(lines.buffer) > 1:
            # A stray quote swallowed several lines: judge each physical line alone.
            for k, line in enumerate(lines.buffer):
                try:
                    parts = next(csv.reader([line.rstrip("\r\n")], delimiter=delim), [])
                except csv.Error:
                    parts = []
                if not any(c.strip() for c in parts):
                    continue
                if len(parts) == width:
                    rows.append(list(parts))
                    numbers.append(start + k)
                else:
                    rejects.append(_ragged(path, start + k, line, len(parts), width))
        else:
            rejects.append(_ragged(path, start, "".join(lines.buffer), len(rec), width))
        if len(rows) + len(rejects) >= BATCH_ROWS:
            yield RawBatch(_frame(cols, rows, numbers), tuple(rejects))
            rows, numbers, rejects = [], [], []
            if limit is not None:
                return
    if rows or rejects:
        yield RawBatch(_frame(cols, rows, numbers), tuple(rejects))


def _ragged(path: Path, row: int, raw: str, n: int, width: int) -> Reject:
    text = raw.rstrip("\r\n")
    return Reject(
        str(path),
        row,
        None,
        text[:_SHOW],
        f"row has {n} field{'s' if n != 1 else ''} but the header has {width} "
        "(a stray delimiter or quote?): fix the row and ingest the file again",
    )


# -- JSONL ---------------------------------------------------------------------------


def open_jsonl(path: Path, encoding: str) -> Table:
    f = path.open("r", encoding=encoding, newline="", errors="strict")
    lines = _Lines(f, path, encoding)
    gen = _jsonl_batches(path, lines)
    first = next(gen, None)
    cols = [] if first is None else first.frame.columns[:-1]

    def batches() -> Iterator[RawBatch]:
        try:
            if first is not None:
                yield first
                yield from gen
        finally:
            f.close()

    return Table(path, "jsonl", encoding, None, list(cols), batches(), close=f.close)


def _jsonl_batches(path: Path, lines: _Lines) -> Iterator[RawBatch]:
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for line in lines:
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        n = lines.count
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            msg = f"{e.msg} at column {e.colno}" if isinstance(e, json.JSONDecodeError) else str(e)
            rejects.append(Reject(str(path), n, None, text[:_SHOW], f"not valid JSON ({msg})"))
        else:
            if isinstance(obj, dict):
                rows.append({str(k): cell_text(v) for k, v in obj.items()})
                numbers.append(n)
            else:
                rejects.append(
                    Reject(str(path), n, None, text[:_SHOW],
                           f"a JSON {type(obj).__name__}, not an object with named fields")
                )  # fmt: skip
        if len(rows) + len(rejects) >= BATCH_ROWS:
            yield _json_frame(rows, numbers, rejects)
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        yield _json_frame(rows, numbers, rejects)


def _json_frame(
    rows: list[dict[str, str | None]], numbers: list[int], rejects: list[Reject]
) -> RawBatch:
    cols: dict[str, None] = {}
    for r in rows:
        for k in r:
            cols.setdefault(k, None)
    names = [c for c in cols if c != ROW_COL]
    return RawBatch(
        _frame(names, [[r.get(c) for c in names] for r in rows], numbers), tuple(rejects)
    )


# -- XLSX ----------------------------------------------------------------------------


def open_xlsx(path: Path, sheet: str | None = None) -> Table:
    import openpyxl  # noqa: PLC0415 - only XLSX inputs pay for the import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as e:
        raise IngestError(f"not a readable XLSX workbook ({e})", path=str(path)) from None
    except Exception as e:  # zipfile.BadZipFile and friends
        raise IngestError(
            f"not a readable XLSX workbook ({type(e).__name__}: {e})", path=str(path)
        ) from None
    if sheet is not None:
        if sheet not in wb.sheetnames:
            wb.close()
            raise IngestError(
                f"no sheet {sheet!r} in the workbook (sheets: {', '.join(wb.sheetnames)})",
                path=str(path),
            )
        ws = wb[sheet]
    else:
        ws = wb.worksheets[0]
    it = enumerate(ws.iter_rows(values_only=True), start=1)
    header_raw: list[Any] | None = None
    for _, cells in it:
        if any(c is not None and str(c).strip() for c in cells):
            header_raw = list(cells)
            break
    if header_raw is None:
        wb.close()
        return Table(path, "xlsx", "xlsx", None, [], iter(()), close=wb.close)
    while header_raw and (header_raw[-1] is None or not str(header_raw[-1]).strip()):
        header_raw.pop()
    header = clean_header(header_raw)
    width = len(header)
    gen = _xlsx_batches(path, it, width)
    first = next(gen, None)
    notes: list[str] = []
    unnamed = _unnamed(header_raw)
    if unnamed and first is not None:
        rows = [list(r) for r in first.frame.drop(ROW_COL).rows()]
        notes = name_date_columns(header, unnamed, rows, letters=True)
    cols = header

    def batches() -> Iterator[RawBatch]:
        try:
            if first is not None:
                yield _rename(first, cols)
                for b in gen:
                    yield _rename(b, cols)
        finally:
            wb.close()

    return Table(path, "xlsx", "xlsx", None, cols, batches(), notes, close=wb.close)


def _xlsx_batches(
    path: Path, it: Iterator[tuple[int, tuple[Any, ...]]], width: int
) -> Iterator[RawBatch]:
    cols = [f"c{i}" for i in range(width)]
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for n, cells in it:
        values = [cell_text(c) for c in cells]
        if not any(v is not None and v.strip() for v in values):
            continue
        if len(values) > width:
            extra = [v for v in values[width:] if v is not None and v.strip()]
            if extra:
                rejects.append(
                    Reject(str(path), n, None, " | ".join(v or "" for v in values)[:_SHOW],
                           f"row has values beyond the {width} columns the header names "
                           "(a shifted row?): fix the row and ingest the file again")
                )  # fmt: skip
                continue
            values = values[:width]
        values += [None] * (width - len(values))
        rows.append(values)
        numbers.append(n)
        if len(rows) + len(rejects) >= BATCH_ROWS:
            yield RawBatch(_frame(cols, rows, numbers), tuple(rejects))
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        yield RawBatch(_frame(cols, rows, numbers), tuple(rejects))
