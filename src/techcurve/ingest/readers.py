"""Readers: a file → its column names and batches of raw string rows.

Every reader yields :class:`RawBatch` values: a polars frame of ``Utf8`` columns named
after the file's header plus :data:`~techcurve.ingest.base.ROW_COL` (where a user finds
the row), and the rows it could not even split into fields (ragged CSV rows, invalid
JSON lines) as :class:`~techcurve.ingest.base.Reject`. Batches keep memory flat: at
most :data:`BATCH_ROWS` rows are Python objects at a time.

CSV goes through polars' parser when the file is well-formed UTF-8 (:mod:`.fastcsv`
proves it in one numpy pass and keeps the physical line of every record), and
through the standard library's C parser otherwise: it reads CR-only line ends, any
encoding and broken rows, and it tells which physical line each record starts on,
which is what a rejects file needs to point at a broken row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.errors import IngestError
from techcurve.ingest import fastcsv
from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.dates import ParsedDate, parse_date
from techcurve.ingest.openalex import is_openalex_work, openalex_row
from techcurve.ingest.sniff import sniff_delimiter

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
    # What the content says about its source, for profile detection: "openalex" for
    # OpenAlex works, "wanfang" for a Wanfang NoteExpress export; None = nothing.
    hint: str | None = None
    # Derived column → what the user knows it as (e.g. "_date" → "DA/PY"), for rejects.
    labels: dict[str, str] = field(default_factory=dict)


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
    fast = None
    if lines.count == 1 and codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        fast = fastcsv.stream(path, delim, len(header), batch_rows=BATCH_ROWS)
    if fast is not None:
        f.close()
        reading = fastcsv.read_batches(fast, header)
        head = list(itertools.islice(reading, 1))
        first = [RawBatch(fr) for fr in head if isinstance(fr, pl.DataFrame)]
        # when the second block is already not well-formed, the Resume comes first
        frames = itertools.chain(head[len(first) :], reading)
    else:
        first = list(_csv_batches(path, reader, lines, len(header), delim, limit=BATCH_ROWS))
    notes: list[str] = []
    if unnamed and first:
        rows = [list(r) for r in first[0].frame.drop(ROW_COL).rows()]
        notes = name_date_columns(header, unnamed, rows, letters=False)
    cols = header

    if fast is not None:

        def fast_batches() -> Iterator[RawBatch]:
            yield from (_rename(b, cols) for b in first)
            for fr in frames:
                if isinstance(fr, fastcsv.Resume):
                    yield from _resume(path, delim, cols, fr)
                    return
                yield _rename(RawBatch(fr), cols)

        return Table(path, fmt, encoding, delim, cols, fast_batches(), notes, close=reading.close)

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


def _resume(path: Path, delim: str, cols: list[str], at: fastcsv.Resume) -> Iterator[RawBatch]:
    """The Python reader's batches of a UTF-8 file from a record boundary on."""
    with path.open("rb") as raw:
        raw.seek(at.offset)
        f = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
        lines = _Lines(f, path, "utf-8")
        lines.count = at.line - 1
        reader = csv.reader(lines, delimiter=delim)
        for b in _csv_batches(path, reader, lines, len(cols), delim, limit=None):
            yield _rename(b, cols)


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
    hint: list[str | None] = [None]
    try:
        gen = _jsonl_batches(path, lines, hint)
        first = next(gen, None)
    except BaseException:
        f.close()
        raise
    cols = [] if first is None else first.frame.columns[:-1]

    def batches() -> Iterator[RawBatch]:
        try:
            if first is not None:
                yield first
                yield from gen
        finally:
            f.close()

    return Table(path, "jsonl", encoding, None, list(cols), batches(), close=f.close,
                 hint=hint[0])  # fmt: skip


def _object_row(obj: dict[str, Any], hint: list[str | None], first: bool) -> dict[str, str | None]:
    """One JSON object as a row; OpenAlex works (judged on the first) are flattened."""
    if first and is_openalex_work(obj):
        hint[0] = "openalex"
    if hint[0] == "openalex":
        return openalex_row(obj)
    return {str(k): cell_text(v) for k, v in obj.items()}


def _jsonl_batches(
    path: Path, lines: _Lines, hint: list[str | None] | None = None
) -> Iterator[RawBatch]:
    hint = hint if hint is not None else [None]
    seen_object = False
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
                rows.append(_object_row(obj, hint, not seen_object))
                seen_object = True
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


# -- JSON documents ------------------------------------------------------------------

#: Keys under which a JSON document keeps its list of records (OpenAlex: ``results``).
JSON_LIST_KEYS = ("results", "records", "data", "items", "rows", "works")


def open_json(path: Path, encoding: str) -> Table:
    """A JSON document: an array of objects, an object holding one (``{"results": [...]}``,
    as the OpenAlex API returns) or a single object. Rows are numbered by their 1-based
    position in the array. The document is parsed whole: use JSON Lines for huge files.
    A ``.json`` file that is really JSON Lines is read as such."""
    try:
        text = path.read_text(encoding=encoding, errors="strict")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"cannot decode the file as {encoding} ({e.reason}): pass encoding= (e.g. utf-8)",
            path=str(path),
        ) from None
    text = text.lstrip("\ufeff")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and text.lstrip().startswith("{"):
            return open_jsonl(path, encoding)
        raise IngestError(
            f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno}): fix the file "
            "or export it again",
            path=str(path),
            row=e.lineno,
        ) from None
    except RecursionError:
        raise IngestError("the JSON is nested too deeply to read", path=str(path)) from None
    items = _json_items(doc, path)
    hint: list[str | None] = [None]
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    batches: list[RawBatch] = []
    seen_object = False
    for i, obj in enumerate(items, start=1):
        if isinstance(obj, dict):
            rows.append(_object_row(obj, hint, not seen_object))
            seen_object = True
            numbers.append(i)
        else:
            shown = json.dumps(obj, ensure_ascii=False)[:_SHOW]
            rejects.append(
                Reject(str(path), i, None, shown,
                       f"record {i} is a JSON {type(obj).__name__}, not an object with named fields")
            )  # fmt: skip
        if len(rows) + len(rejects) >= BATCH_ROWS:
            batches.append(_json_frame(rows, numbers, rejects))
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        batches.append(_json_frame(rows, numbers, rejects))
    cols = batches[0].frame.columns[:-1] if batches else []
    return Table(path, "json", encoding, None, list(cols), iter(batches), hint=hint[0])


def _json_items(doc: Any, path: Path) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in JSON_LIST_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        return [doc]
    raise IngestError(
        f"the JSON document is a {type(doc).__name__}: expected an array of objects "
        f"or an object with one of {', '.join(JSON_LIST_KEYS)} holding them",
        path=str(path),
    )


# -- Parquet -------------------------------------------------------------------------


def open_parquet(path: Path) -> Table:
    """A Parquet file, read in batches of :data:`BATCH_ROWS` (row = 1-based position).

    Every column becomes text as the record stage expects: numbers and dates as
    printed by polars, lists ``;``-joined, structs as JSON.
    """
    import pyarrow.parquet as pq  # noqa: PLC0415 - only Parquet inputs pay for the import

    try:
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError … for a broken file
        raise IngestError(
            f"not a readable Parquet file ({type(e).__name__}: {e})", path=str(path)
        ) from None
    cols = clean_header(names)

    def batches() -> Iterator[RawBatch]:
        start = 1
        try:
            for rb in pf.iter_batches(batch_size=BATCH_ROWS):
                frame = _text_frame(pl.from_arrow(rb), cols)  # type: ignore[arg-type]
                n = frame.height
                yield RawBatch(
                    frame.with_columns(
                        pl.int_range(start, start + n, dtype=pl.Int64).alias(ROW_COL)
                    )
                )
                start += n
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(
                f"the Parquet file breaks off after row {start - 1:,} ({type(e).__name__}: {e})",
                path=str(path),
                row=start,
            ) from None
        finally:
            pf.close()

    return Table(path, "parquet", "parquet", None, cols, batches(), close=pf.close)


def _text_frame(df: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    out: list[pl.Series] = []
    for s, name in zip(df.get_columns(), names, strict=True):
        dt = s.dtype
        if dt == pl.Utf8:
            t = s
        elif isinstance(dt, pl.List) and not dt.inner.is_nested():
            t = s.list.eval(pl.element().cast(pl.Utf8)).list.join(";")
        elif dt.is_nested() or dt == pl.Object or dt == pl.Binary:
            t = pl.Series([cell_text(v) for v in s.to_list()], dtype=pl.Utf8)
        elif dt == pl.Boolean:
            t = s.cast(pl.Utf8).str.to_lowercase()
        else:
            t = s.cast(pl.Utf8)
        out.append(t.alias(name))
    return pl.DataFrame(out, schema={n: pl.Utf8() for n in names})


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
    return _sheet_table(path, "xlsx", it, wb.close)


def _sheet_table(
    path: Path, fmt: str, it: Iterator[tuple[int, tuple[Any, ...]]], close: Callable[[], None]
) -> Table:
    """A worksheet's rows (number, cell values) → a table: header = first non-empty row."""
    header_raw: list[Any] | None = None
    try:
        for _, cells in it:
            if any(c is not None and str(c).strip() for c in cells):
                header_raw = list(cells)
                break
    except BaseException:
        close()
        raise
    if header_raw is None:
        close()
        return Table(path, fmt, fmt, None, [], iter(()), close=close)
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
            close()

    return Table(path, fmt, fmt, None, cols, batches(), notes, close=close)


# -- XLS (Excel 97-2003) ---------------------------------------------------------------


def open_xls(path: Path, sheet: str | None = None) -> Table:
    """An old binary Excel workbook through xlrd; cells are read as XLSX cells are
    (dates as dates, error cells as their text such as ``#NAME?``)."""
    try:
        import xlrd  # noqa: PLC0415 - only XLS inputs pay for the import
    except ImportError:  # pragma: no cover - xlrd is a dependency
        raise IngestError(
            "reading .xls needs the xlrd package: pip install xlrd (or save the file as .xlsx)",
            path=str(path),
        ) from None
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as e:  # xlrd raises XLRDError, CompDocError, struct.error …
        raise IngestError(
            f"not a readable XLS workbook ({type(e).__name__}: {e}): open it in a spreadsheet "
            "program and save it as .xlsx or .csv",
            path=str(path),
        ) from None
    try:
        names = book.sheet_names()
        if sheet is not None and sheet not in names:
            raise IngestError(
                f"no sheet {sheet!r} in the workbook (sheets: {', '.join(names)})", path=str(path)
            )
        ws = book.sheet_by_name(sheet) if sheet is not None else book.sheet_by_index(0)
    except IngestError:
        book.release_resources()
        raise
    except Exception as e:
        book.release_resources()
        raise IngestError(
            f"not a readable XLS workbook ({type(e).__name__}: {e})", path=str(path)
        ) from None

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for i in range(ws.nrows):
            try:
                cells = tuple(_xls_value(c, book.datemode) for c in ws.row(i))
            except Exception as e:
                raise IngestError(
                    f"cannot read this row ({type(e).__name__}: {e})", path=str(path), row=i + 1
                ) from None
            yield i + 1, cells

    return _sheet_table(path, "xls", rows(), book.release_resources)


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd  # noqa: PLC0415

    t = cell.ctype
    if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if t == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    if t == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if t == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell.value


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
