"""The fast path for well-formed UTF-8 CSV/TSV: polars' native parser, in batches.

Python's ``csv`` module (the reader in :mod:`.readers`) reads anything a spreadsheet
writes, but it turns every field into a Python object: ~7 s per million records of
titles and abstracts. For a *well-formed* file — UTF-8, ``\\n`` or ``\\r\\n`` line
ends, every record as wide as the header, quotes only where RFC 4180 puts them —
polars' parser gives exactly the same fields, and this module uses it instead.

One pass over the bytes (numpy, no Python per record) proves the file well-formed
and finds record boundaries: a newline ends a record when an even number of quotes
precede it since the last boundary. The pass also yields, per batch, the byte range
and the physical line each record starts on — what a rejects file points at.
A file that is not well-formed anywhere returns ``None`` from :func:`plan`, and
the Python reader reads it all (and reports its broken rows as before).
"""

from __future__ import annotations

import io
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import IngestError
from .base import ROW_COL

BLOCK_BYTES = 64 * 1024 * 1024
_NL, _CR, _QUOTE = 10, 13, 34

#: What Python's ``str.strip()`` removes (the Python reader skips rows of such cells).
PY_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@dataclass(frozen=True, slots=True)
class Batch:
    """A run of whole records: bytes ``[start, end)`` and the line each record starts on."""

    start: int
    end: int
    lines: np.ndarray  # int64, one per record (blank ones included)


@dataclass(frozen=True, slots=True)
class Plan:
    """A well-formed file: where its data records are, in batches."""

    path: Path
    delimiter: str
    width: int
    batches: list[Batch]


@dataclass
class _Scan:
    """Boundaries and checks of one segment of whole records."""

    starts: np.ndarray  # record start offsets within the segment
    ends: np.ndarray  # record end offsets (before \r\n or \n)
    newlines: np.ndarray  # every \n offset in the segment
    ok: bool


def _scan(
    seg: np.ndarray, quotes: np.ndarray, newlines: np.ndarray, delim: int, width: int
) -> _Scan:
    """Records of ``seg`` (which starts at a record boundary; ``quotes`` and ``newlines``
    are the offsets of its quotes and ``\\n``) and whether all are well-formed."""
    if len(quotes) % 2:  # a quoted field still open at the end of the file
        return _Scan(np.zeros(0, np.int64), np.zeros(0, np.int64), newlines, False)
    inside = np.searchsorted(quotes, newlines) % 2 == 1  # odd quotes before → in a field
    bounds = newlines[~inside]
    n = len(seg)
    starts = np.concatenate(([0], bounds + 1))
    ends = np.concatenate((bounds, [n]))
    if starts[-1] == n:  # the segment ends with a newline: no record after it
        starts, ends = starts[:-1], ends[:-1]
    # \r\n line ends: drop the \r; a lone \r anywhere is not well-formed (Python's
    # reader ends a line there, polars does not)
    crs = np.flatnonzero(seg == _CR)
    if len(crs):
        follows = crs + 1 < n
        if not np.all(follows) or not np.all(seg[crs + 1] == _NL):
            return _Scan(starts, ends, newlines, False)
        has_cr = (ends > starts) & (ends > 0)
        has_cr[has_cr] = seg[ends[has_cr] - 1] == _CR
        ends = ends - has_cr
    # quotes: an opening quote (even count before it, in its record) starts a field;
    # a closing one is followed by a delimiter, a line end, the end or a doubled quote
    if len(quotes):
        rec = np.searchsorted(starts, quotes, side="right") - 1
        first_q = np.searchsorted(quotes, starts[rec])  # quotes of earlier records
        k = np.arange(len(quotes)) - first_q
        opening = k % 2 == 0
        prev = quotes - 1
        at_field_start = (quotes == starts[rec]) | (
            (prev >= 0) & (seg[np.maximum(prev, 0)] == delim)
        )
        escaped = np.zeros(len(quotes), dtype=bool)  # the 2nd quote of a doubled ""
        escaped[1:] = (quotes[1:] == quotes[:-1] + 1) & ~opening[:-1]
        nxt = np.minimum(quotes + 1, n - 1)
        after = np.where(quotes + 1 < n, seg[nxt], _NL)
        closes_ok = (after == delim) | (after == _NL) | (after == _CR) | (after == _QUOTE)
        if not np.all(np.where(opening, at_field_start | escaped, closes_ok)):
            return _Scan(starts, ends, newlines, False)
    # every non-empty record has exactly `width` fields
    delims = np.flatnonzero(seg == delim)
    if len(delims):
        real = delims[np.searchsorted(quotes, delims) % 2 == 0] if len(quotes) else delims
        fields = np.bincount(np.searchsorted(starts, real, side="right") - 1, minlength=len(starts))
    else:
        fields = np.zeros(len(starts), dtype=np.int64)
    fields = fields + 1
    empty = ends == starts
    ok = bool(np.all(empty | (fields == width)))
    return _Scan(starts, ends, newlines, ok)


def plan(
    path: Path, delimiter: str, width: int, *, batch_rows: int, block_bytes: int = BLOCK_BYTES
) -> Plan | None:
    """The batches of a well-formed UTF-8 file whose header is its first line, or ``None``."""
    if len(delimiter) != 1 or delimiter in '"\r\n' or ord(delimiter) > 127 or width < 1:
        return None
    delim = ord(delimiter)
    batches: list[Batch] = []
    with path.open("rb") as f:
        head = f.read(3)
        offset = 3 if head == b"\xef\xbb\xbf" else 0
        f.seek(offset)
        carry = b""
        line = 1  # physical line of the next record
        header = True
        eof = False
        while not eof:
            chunk = f.read(block_bytes)
            eof = not chunk
            data = carry + chunk
            if not data:
                break
            buf = np.frombuffer(data, dtype=np.uint8)
            quotes = np.flatnonzero(buf == _QUOTE)
            newlines = np.flatnonzero(buf == _NL)
            if eof:
                cut = len(data)
            else:
                even = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
                if not len(even):  # no whole record yet: read more
                    carry = data
                    continue
                cut = int(even[-1]) + 1
                quotes = quotes[: np.searchsorted(quotes, cut)]
                newlines = newlines[: np.searchsorted(newlines, cut)]
            scan = _scan(buf[:cut], quotes, newlines, delim, width)
            if not scan.ok:
                return None
            lines = line + np.searchsorted(scan.newlines, scan.starts)
            starts, ends = scan.starts, scan.ends
            if header:
                if not len(starts) or lines[0] != 1 or ends[0] == 0:
                    return None
                if len(scan.newlines) and scan.newlines[0] < ends[0]:
                    return None  # a header spread over lines: let the Python reader judge
                starts, ends, lines = starts[1:], ends[1:], lines[1:]
                header = False
            filled = np.flatnonzero(ends > starts)
            for i in range(0, len(starts), batch_rows):
                j = min(i + batch_rows, len(starts))
                # polars takes the width from a batch's first line: start at a non-empty one
                at = int(np.searchsorted(filled, i))
                k = int(filled[at]) if at < len(filled) else j
                if k >= j:
                    continue  # only empty lines
                end = int(starts[j]) if j < len(starts) else cut
                batches.append(Batch(offset + int(starts[k]), offset + end, lines[k:j].copy()))
            line += len(scan.newlines)
            offset += cut
            carry = data[cut:]
    return Plan(path, delimiter, width, batches)


def _raise_decode_error(path: Path, data: bytes, b: Batch) -> None:
    """The Python reader's error for bytes that are not UTF-8, at their physical line."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = int(b.lines[0]) + data.count(b"\n", 0, e.start)
        raise IngestError(
            f"cannot decode line {line:,} as utf-8 ({e.reason}): pass the right encoding "
            "(e.g. encoding='gb18030' or 'utf-8')",
            path=str(path),
            row=line,
        ) from None


def read_batches(p: Plan, columns: list[str]) -> Generator[pl.DataFrame, None, None]:
    """The planned batches as frames of ``columns`` (strings, ``""`` for empty) + row numbers.

    Records whose cells are all blank are left out, as the Python reader does.
    """
    cols = [f"c{i}" for i in range(p.width)]
    schema = {c: pl.Utf8() for c in cols}
    with p.path.open("rb") as f:
        for b in p.batches:
            f.seek(b.start)
            data = f.read(b.end - b.start)
            try:
                frame = pl.read_csv(
                    io.BytesIO(data),
                    has_header=False,
                    schema=schema,
                    separator=p.delimiter,
                    quote_char='"',
                    raise_if_empty=False,
                )
            except pl.exceptions.ComputeError:
                _raise_decode_error(p.path, data, b)
                raise
            if frame.height != len(b.lines):
                raise RuntimeError(
                    f"{p.path}: the CSV fast path read {frame.height} records where "
                    f"{len(b.lines)} were planned (bytes {b.start}-{b.end}); please report this"
                )
            frame = frame.with_columns(pl.col(cols).fill_null(""))
            frame = frame.with_columns(pl.Series(ROW_COL, b.lines, dtype=pl.Int64))
            blank = pl.all_horizontal(
                pl.col(c).str.strip_chars(PY_WHITESPACE).str.len_bytes() == 0 for c in cols
            )
            frame = frame.filter(~blank).rename(dict(zip(cols, columns, strict=True)))
            if frame.height:
                yield frame
