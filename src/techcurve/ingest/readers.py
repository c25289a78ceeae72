"""Readers: a file → its column names and batches of raw string rows; the CSV/TSV and
Parquet readers (JSON: :mod:`.jsonfiles`, spreadsheets: :mod:`.spreadsheets`, tagged
bibliographic text: :mod:`.tagged` and :mod:`.cnki`).

Every reader yields :class:`RawBatch` values: a polars frame of ``Utf8`` columns named
after the file's header plus :data:`~techcurve.ingest.base.ROW_COL` (where a user finds
the row), and the rows it could not even split into fields (ragged CSV rows, invalid
JSON lines) as :class:`~techcurve.ingest.base.Reject`. Batches keep memory flat: at
most :data:`BATCH_ROWS` rows are Python objects at a time.

CSV goes through polars' parser when the file is well-formed UTF-8 (:mod:`.fastcsv`
proves it in one compiled pass and keeps the physical line of every record), and
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
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.errors import IngestError, Phrase, phrase
from techcurve.ingest import fastcsv
from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.dates import ParsedDate, parse_date
from techcurve.ingest.sniff import sniff_delimiter
from techcurve.text import t

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
SHOWN_CHARS = 200  # characters of a broken row kept in the rejects file


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
    notes: list[Phrase] = field(default_factory=list)  # quirks detected and fixed
    close: Callable[[], None] = lambda: None
    # What the content says about its source, for profile detection: "openalex" for
    # OpenAlex works, "wanfang" for a Wanfang NoteExpress export; None = nothing.
    hint: str | None = None
    # Derived column → what the user knows it as (e.g. "_date" → "DA/PY"), for rejects.
    labels: dict[str, str] = field(default_factory=dict)


# -- helpers -----------------------------------------------------------------------


def peeked(
    make: Callable[[], Iterator[RawBatch]], close: Callable[[], None]
) -> tuple[RawBatch | None, Iterator[RawBatch]]:
    """The first batch of ``make()`` (for the file's columns) and every batch, the first
    included; ``close`` runs when the batches end or the first cannot be read."""
    try:
        gen = make()
        first = next(gen, None)
    except BaseException:
        close()
        raise

    def batches() -> Iterator[RawBatch]:
        try:
            if first is not None:
                yield first
                yield from gen
        finally:
            close()

    return first, batches()


def raw_frame(columns: list[str], rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
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


def unnamed_columns(cells: list[Any]) -> list[int]:
    return [i for i, c in enumerate(cells) if c is None or not str(c).replace("\ufeff", "").strip()]


def name_date_columns(
    header: list[str], unnamed: list[int], rows: list[list[str | None]], letters: bool
) -> list[Phrase]:
    """Fix a header shifted against its data (IT桔子 exports leave the date column's
    header empty): an unnamed column whose values are dates is named ``date``."""
    notes: list[Phrase] = []
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
            where = column_letter(i) if letters else str(i + 1)
            notes.append(phrase("ingest.note_date_column", column=where, example=values[0]))
            header[i] = "date"
            break
    return notes


def column_letter(i: int) -> str:
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


#: What a byte that did not decode becomes (Python's ``surrogateescape``).
_UNDECODED = re.compile("[\udc80-\udcff]")


class Lines:
    """Iterates physical lines, remembering those of the current record and counting.

    Bytes that do not decode are kept as ``surrogateescape`` characters: such a line is
    decoded again with ``fallback`` when one is given, else its number goes into
    :attr:`bad` (the reader rejects its record) and the bytes become U+FFFD.
    """

    def __init__(
        self, f: io.TextIOBase, path: Path, encoding: str, fallback: str | None = None
    ) -> None:
        self.f = f
        self.path = path
        self.encoding = encoding
        self.fallback = fallback
        self.count = 0
        self.buffer: list[str] = []
        self.bad: dict[int, str] = {}  # line → the first byte that did not decode, as hex

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.f)
        except UnicodeDecodeError as e:  # a reader that opened its file strictly
            raise IngestError.of(
                "ingest.undecodable_line",
                line=self.count + 1,
                encoding=self.encoding,
                reason=e.reason,
                path=str(self.path),
                row=self.count + 1,
            ) from None
        self.count += 1
        if _UNDECODED.search(line):
            line = self._undecoded(line)
        self.buffer.append(line)
        return line

    def _undecoded(self, line: str) -> str:
        raw = line.encode(self.encoding, "surrogateescape")
        if self.fallback:
            try:
                return raw.decode(self.fallback)
            except UnicodeDecodeError:
                pass
        hit = _UNDECODED.search(line)
        self.bad[self.count] = f"0x{ord(hit.group()) - 0xDC00:02x}" if hit else "?"
        return _UNDECODED.sub("\ufffd", line)

    def bad_in(self, start: int) -> int | None:
        """The first line from ``start`` to the current one that did not decode."""
        return next((n for n in range(start, self.count + 1) if n in self.bad), None)


def open_csv(
    path: Path, fmt: str, encoding: str, delimiter: str | None = None,
    fallback: str | None = None,
) -> Table:  # fmt: skip
    """A CSV/TSV file; lines that do not decode in ``encoding`` are decoded with
    ``fallback``, else their records are rejected (the header must decode)."""
    f = path.open("r", encoding=encoding, newline="", errors="surrogateescape")
    sample = f.read(64 * 1024)
    f.seek(0)
    delim = delimiter or sniff_delimiter(sample, fmt)
    lines = Lines(f, path, encoding, fallback)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # strict: a quoted field that goes on after its closing quote is an error, not
    # silently glued to the text after it ("closed"junk → closedjunk)
    reader = csv.reader(lines, delimiter=delim, strict=True)
    header_raw: list[str] | None = None
    try:
        for rec in reader:
            if any(c.strip() for c in rec):
                header_raw = rec
                break
    except csv.Error as e:
        f.close()
        raise IngestError.of(
            "ingest.bad_header", error=e, path=str(path), row=lines.count
        ) from None
    if header_raw is None:
        f.close()
        return Table(path, fmt, encoding, delim, [], iter(()), close=lambda: None)
    if lines.bad:
        f.close()
        line = min(lines.bad)
        raise IngestError.of("ingest.undecodable_header", line=line, encoding=encoding,
                             byte=lines.bad[line], path=str(path), row=line)  # fmt: skip
    header = clean_header(header_raw)
    unnamed = unnamed_columns(header_raw)
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
    notes: list[Phrase] = []
    if unnamed and first:
        rows = [list(r) for r in first[0].frame.drop(ROW_COL).rows()]
        notes = name_date_columns(header, unnamed, rows, letters=False)
    cols = header

    if fast is not None:

        def fast_batches() -> Iterator[RawBatch]:
            yield from (rename_batch(b, cols) for b in first)
            for fr in frames:
                if isinstance(fr, fastcsv.Resume):
                    yield from _resume(path, delim, cols, fr, fallback)
                    return
                yield rename_batch(RawBatch(fr), cols)

        return Table(path, fmt, encoding, delim, cols, fast_batches(), notes, close=reading.close)

    def batches() -> Iterator[RawBatch]:
        try:
            for b in first:
                yield rename_batch(b, cols)
            if len(first) == 1 and first[0].rows >= BATCH_ROWS:
                for b in _csv_batches(path, reader, lines, len(cols), delim, limit=None):
                    yield rename_batch(b, cols)
        finally:
            f.close()

    return Table(path, fmt, encoding, delim, cols, batches(), notes, close=f.close)


def _resume(
    path: Path, delim: str, cols: list[str], at: fastcsv.Resume, fallback: str | None
) -> Iterator[RawBatch]:
    """The Python reader's batches of a UTF-8 file from a record boundary on."""
    with path.open("rb") as raw:
        raw.seek(at.offset)
        f = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        lines = Lines(f, path, "utf-8", fallback)
        lines.count = at.line - 1
        reader = csv.reader(lines, delimiter=delim, strict=True)
        for b in _csv_batches(path, reader, lines, len(cols), delim, limit=None):
            yield rename_batch(b, cols)


def rename_batch(b: RawBatch, cols: list[str]) -> RawBatch:
    if b.frame.columns[:-1] == cols:
        return b
    return RawBatch(b.frame.rename(dict(zip(b.frame.columns[:-1], cols, strict=True))), b.rejects)


def _csv_batches(
    path: Path, reader: Any, lines: Lines, width: int, delim: str, limit: int | None
) -> Iterator[RawBatch]:
    """Batches of rows; with ``limit`` only the first batch."""
    cols = [f"c{i}" for i in range(width)]
    out = _Rows(path, width, delim)
    while True:
        lines.buffer = []
        try:
            rec: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error:
            rec = None  # the reader (strict) goes on at the next line
        start = lines.count - len(lines.buffer) + 1
        bad = lines.bad_in(start)
        if bad is not None:
            out.rejects.append(undecodable(path, bad, "".join(lines.buffer), lines))
        elif rec is None:
            out.broken(start, lines.buffer)
        else:
            out.take(rec, start, lines.buffer)
        if len(out.rows) + len(out.rejects) >= BATCH_ROWS:
            yield RawBatch(raw_frame(cols, out.rows, out.numbers), tuple(out.rejects))
            out = _Rows(path, width, delim)
            if limit is not None:
                return
    if out.rows or out.rejects:
        yield RawBatch(raw_frame(cols, out.rows, out.numbers), tuple(out.rejects))


class _Rows:
    """The rows and rejects of one batch of CSV records."""

    def __init__(self, path: Path, width: int, delim: str) -> None:
        self.path, self.width, self.delim = path, width, delim
        self.rows: list[list[str | None]] = []
        self.numbers: list[int] = []
        self.rejects: list[Reject] = []

    def take(self, rec: list[str], start: int, buffer: list[str]) -> None:
        """A record as the reader split it."""
        width = self.width
        if not rec or (not rec[0].strip() and not any(c.strip() for c in rec)):
            return
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            rec = rec[:width]  # trailing empty fields (a spreadsheet artefact)
        if len(rec) == width:
            self.rows.append(list(rec))
            self.numbers.append(start)
        elif len(buffer) > 1:
            self.each_line(start, buffer)
        else:
            self.rejects.append(_ragged(self.path, start, "".join(buffer), len(rec), width))

    def broken(self, start: int, buffer: list[str]) -> None:
        """Lines the reader refused: a quote still open at the end of the file (a stray
        quote swallowed the lines after it: each is judged alone), or a quoted field
        that goes on after its closing quote (``"closed"junk``, not RFC 4180)."""
        if len(buffer) > 1 and not _QUOTE_THEN_TEXT.search("".join(buffer)):
            self.each_line(start, buffer)
            return
        raw = "".join(buffer).rstrip("\r\n")
        self.rejects.append(
            Reject(str(self.path), start, None, raw[:SHOWN_CHARS],
                   t("ingest.reject_text_after_quote", "en"))
        )  # fmt: skip

    def each_line(self, start: int, buffer: list[str]) -> None:
        """A stray quote swallowed several lines: judge each physical line alone."""
        for k, line in enumerate(buffer):
            try:
                parts = next(csv.reader([line.rstrip("\r\n")], delimiter=self.delim), [])
            except csv.Error:
                parts = []
            if not any(c.strip() for c in parts):
                continue
            if len(parts) == self.width:
                self.rows.append(list(parts))
                self.numbers.append(start + k)
            else:
                self.rejects.append(_ragged(self.path, start + k, line, len(parts), self.width))


#: A closing quote followed by text before the delimiter (checked on broken records).
_QUOTE_THEN_TEXT = re.compile(r'(?:^|[,\t;|])"(?:[^"]|"")*"[^",\t;|\r\n]')


def undecodable(path: Path, line: int, raw: str, lines: Lines) -> Reject:
    return Reject(
        str(path), line, None, raw.rstrip("\r\n")[:SHOWN_CHARS],
        t("ingest.reject_undecodable", "en", line=line, encoding=lines.encoding,
          byte=lines.bad[line]),
    )  # fmt: skip


def _ragged(path: Path, row: int, raw: str, n: int, width: int) -> Reject:
    text = raw.rstrip("\r\n")
    return Reject(
        str(path),
        row,
        None,
        text[:SHOWN_CHARS],
        t(
            "ingest.reject_ragged_row" if n != 1 else "ingest.reject_ragged_row_one",
            "en",
            n=n,
            width=width,
        ),
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
        raise IngestError.of(
            "ingest.bad_parquet", error=f"{type(e).__name__}: {e}", path=str(path)
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
            raise IngestError.of(
                "ingest.parquet_breaks_off",
                last_row=start - 1,
                error=f"{type(e).__name__}: {e}",
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
            text = s
        elif isinstance(dt, pl.List) and not dt.inner.is_nested():
            text = s.list.eval(pl.element().cast(pl.Utf8)).list.join(";")
        elif dt.is_nested() or dt == pl.Object or dt == pl.Binary:
            text = pl.Series([cell_text(v) for v in s.to_list()], dtype=pl.Utf8)
        elif dt == pl.Boolean:
            text = s.cast(pl.Utf8).str.to_lowercase()
        else:
            text = s.cast(pl.Utf8)
        out.append(text.alias(name))
    return pl.DataFrame(out, schema={n: pl.Utf8() for n in names})
