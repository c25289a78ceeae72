"""The fast path for well-formed UTF-8 CSV/TSV: polars' native parser, in batches.

Python's ``csv`` module (the reader in :mod:`.readers`) reads anything a spreadsheet
writes, but it turns every field into a Python object, which is slow for millions of
titles and abstracts (docs/performance.md, "Ingest: what the profile showed", item 2).
For a *well-formed* file — UTF-8, ``\\n`` or ``\\r\\n`` line ends, every record as wide
as the header, quotes only where RFC 4180 puts them — polars' parser gives exactly the
same fields, and this module uses it instead.

A few NumPy passes over the bytes (where the line ends, quotes, carriage returns and
delimiters are; what an RFC 4180 state machine would find follows from those, with no
Python per record) prove the file well-formed and find record boundaries, block by
block. (A Numba state machine did this before; loading Numba cost every ingest ~0.6 s,
docs/performance.md, "Ingest, second pass".) It
also yields, per batch, the byte range and the physical line each record starts on —
what a rejects file points at. :func:`stream` scans the first block at once and each
next one on a thread while the caller parses the last. If the first block is not
well-formed, the Python reader reads the whole file; if a later block is not, the
batches end with a :class:`Resume` at that block's first record, and the Python
reader reads on from there (a block boundary is a record boundary for both readers,
as everything before it is well-formed). Either way broken rows are reported as the
Python reader reports them.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from techcurve.ingest.base import ROW_COL

BLOCK_BYTES = 64 * 1024 * 1024
_NL, _CR, _QUOTE = 10, 13, 34

#: What Python's ``str.strip()`` removes (the Python reader skips rows of such cells):
#: every ``c`` with ``c.isspace()``, written out because deriving it (a loop over all
#: 1.1M code points) cost every command importing the readers ~0.13 s (a test derives
#: it and compares; docs/performance.md, issue 18).
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


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
    batches: Iterable[Batch]


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a file stops being well-formed: a record boundary (byte offset and the
    physical line starting there) from which the Python reader reads the rest."""

    offset: int
    line: int


#: Bytes compared at a time when looking for one byte value: the mask stays in cache.
_CHUNK = 1 << 21
_NO_POSITIONS = np.empty(0, np.int64)


def _positions(buf: np.ndarray, byte: int, mask: np.ndarray) -> np.ndarray:
    """The positions of ``byte`` in ``buf``, ascending (``mask``: a scratch bool array)."""
    out = []
    for lo in range(0, len(buf), len(mask)):
        part = buf[lo : lo + len(mask)]
        m = mask[: len(part)]
        np.equal(part, byte, out=m)
        at = np.flatnonzero(m)
        if len(at):
            at += lo
            out.append(at)
    return np.concatenate(out) if out else _NO_POSITIONS


#: What :func:`_scan` returns for bytes that are not well-formed.
_NOT_WELL_FORMED = (_NO_POSITIONS, _NO_POSITIONS, _NO_POSITIONS, 0, 0, -1, False)


def _quotes_in_place(buf: np.ndarray, opens: np.ndarray, closes: np.ndarray, delim: int) -> bool:
    """Whether every opening quote starts a field (or doubles a quote) and every closing
    one ends a field (or is doubled)."""
    before = buf[opens[opens > 0] - 1]
    if not ((before == _NL) | (before == delim) | (before == _QUOTE)).all():
        return False
    after = buf[closes[closes < len(buf) - 1] + 1]
    return bool(((after == _QUOTE) | (after == delim) | (after == _CR) | (after == _NL)).all())


def _record_ends(nl: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """The indices (in ``nl``) of the newlines outside quoted fields: those end records."""
    if not len(opens):
        return np.arange(len(nl))
    quoted = np.bincount(np.searchsorted(nl, opens), minlength=len(nl) + 1)
    quoted -= np.bincount(np.searchsorted(nl, closes), minlength=len(nl) + 1)
    return np.flatnonzero(np.cumsum(quoted[:-1]) == 0)


def _scan(
    buf: np.ndarray, delim: int, width: int, final: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, int, bool]:
    """The whole records at the start of ``buf`` (which starts at a record boundary).

    What an RFC 4180 state machine walking the bytes finds, found from the positions of
    the four bytes that matter (line ends, quotes, carriage returns, delimiters) with
    NumPy. Returns (starts, ends, newlines before each start, cut, newlines before cut,
    first newline, ok): records end at a ``\n`` outside quotes (``ends`` leave out a
    ``\r`` before it); ``cut`` is where the last whole record ends, the end of ``buf``
    when ``final``. ``ok`` is false (and the rest meaningless) when anything is not
    well-formed: a quote that neither opens a field nor closes one (before a delimiter,
    a line end, the end or a doubled quote), a ``\r`` not before ``\n`` (Python's
    reader ends a line there, polars does not), a non-empty record not ``width`` fields
    wide, or, when ``final``, a quoted field still open at the end. A ``\r`` that is
    the last byte when not ``final`` waits for the next block.
    """
    n = len(buf)
    bad = _NOT_WELL_FORMED
    mask = np.empty(max(1, min(n, _CHUNK)), np.bool_)
    nl = _positions(buf, _NL, mask)
    quotes = _positions(buf, _QUOTE, mask)
    crs = _positions(buf, _CR, mask)
    delims = _positions(buf, delim, mask)
    if len(crs) and crs[-1] == n - 1:
        if final:
            return bad
        crs = crs[:-1]  # the next block says whether a \n follows
    if (buf[crs + 1] != _NL).any():
        return bad
    # Quotes alternate between opening a quoted field and closing it (or, doubled inside
    # it, closing then opening again): the first of two opens, so a field is quoted
    # exactly between an even-numbered quote and the next one.
    opens, closes = quotes[0::2], quotes[1::2]
    if len(opens) and not _quotes_in_place(buf, opens, closes, delim):
        return bad
    if len(closes) < len(opens):  # a quoted field still open at the end
        if final:
            return bad
        closes = np.append(closes, n)
    at = _record_ends(nl, opens, closes)
    stops = nl[at]
    starts = np.empty(len(stops), np.int64)
    starts[:1] = 0
    starts[1:] = stops[:-1] + 1
    nls = np.empty(len(stops), np.int64)
    nls[:1] = 0
    nls[1:] = at[:-1] + 1
    ends = stops - ((stops > starts) & (buf[np.maximum(stops - 1, 0)] == _CR))
    # fields: 1 + the delimiters of each record (and of the rest after the last one)
    # that are not inside quotes
    counts = np.diff(np.searchsorted(delims, stops), prepend=0, append=len(delims))
    if len(opens):
        inside = np.searchsorted(delims, closes) - np.searchsorted(delims, opens)
        counts -= np.bincount(
            np.searchsorted(stops, opens), weights=inside, minlength=len(stops) + 1
        ).astype(np.int64)
    fields = counts + 1
    if ((ends > starts) & (fields[:-1] != width)).any():
        return bad
    cut = int(stops[-1]) + 1 if len(stops) else 0
    cut_nl = int(at[-1]) + 1 if len(at) else 0
    first_nl = int(nl[0]) if len(nl) else -1
    if not final:
        return starts, ends, nls, cut, cut_nl, first_nl, True
    if cut < n:  # a last record without a line end
        if fields[-1] != width:
            return bad
        starts = np.append(starts, cut)
        ends = np.append(ends, n)
        nls = np.append(nls, cut_nl)
    return starts, ends, nls, n, len(nl), first_nl, True


def _blocks(
    path: Path, delim: int, width: int, *, batch_rows: int, block_bytes: int
) -> Generator[list[Batch] | Resume | None, None, None]:
    """The batches of each block of the file, in order. The first item is ``None`` when
    the header or the first block is not fit for the fast path; a :class:`Resume`
    (and nothing after it) marks the first later block that is not well-formed."""
    with path.open("rb") as f:
        head = f.read(3)
        offset = 3 if head == b"\xef\xbb\xbf" else 0
        f.seek(offset)
        # One buffer for every block, the unfinished record carried to its front: a fresh
        # buffer per block costs page faults on every block (docs/performance.md, "Third
        # session", item 5).
        buf = np.empty(2 * block_bytes, np.uint8)
        have = 0  # bytes carried over, at the front of buf
        line = 1  # physical line of the next record
        header = True
        eof = False
        while not eof:
            if have + block_bytes > len(buf):  # a record longer than a block: more room
                bigger = np.empty(2 * (have + block_bytes), np.uint8)
                bigger[:have] = buf[:have]
                buf = bigger
            n = f.readinto(buf[have : have + block_bytes].data)
            eof = not n
            total = have + n
            if not total:
                break
            data = buf[:total]
            starts, ends, nls, cut, cut_nl, first_nl, ok = _scan(data, delim, width, eof)
            if not ok:
                yield None if header else Resume(offset, line)
                return
            if not len(starts) and not eof:  # no whole record yet: read more
                have = total
                continue
            lines = line + nls
            if header:
                if not len(starts) or lines[0] != 1 or ends[0] == 0:
                    yield None
                    return
                if 0 <= first_nl < ends[0]:
                    yield None  # a header spread over lines: let the Python reader judge
                    return
                starts, ends, lines = starts[1:], ends[1:], lines[1:]
                header = False
            out: list[Batch] = []
            filled = np.flatnonzero(ends > starts)
            for i in range(0, len(starts), batch_rows):
                j = min(i + batch_rows, len(starts))
                # polars takes the width from a batch's first line: start at a non-empty one
                at = int(np.searchsorted(filled, i))
                k = int(filled[at]) if at < len(filled) else j
                if k >= j:
                    continue  # only empty lines
                end = int(starts[j]) if j < len(starts) else cut
                out.append(Batch(offset + int(starts[k]), offset + end, lines[k:j].copy()))
            yield out
            line += cut_nl
            offset += cut
            have = total - cut
            buf[:have] = buf[cut:total].copy()
    if header:
        yield None  # an empty file


def _check(delimiter: str, width: int) -> bool:
    return len(delimiter) == 1 and delimiter not in '"\r\n' and ord(delimiter) < 128 and width > 0


def plan(
    path: Path, delimiter: str, width: int, *, batch_rows: int, block_bytes: int | None = None
) -> Plan | None:
    """The batches of a well-formed UTF-8 file whose header is its first line, or ``None``.

    The file is scanned in blocks of ``block_bytes`` (default :data:`BLOCK_BYTES`).
    """
    if not _check(delimiter, width):
        return None
    batches: list[Batch] = []
    for block in _blocks(
        path, ord(delimiter), width, batch_rows=batch_rows, block_bytes=block_bytes or BLOCK_BYTES
    ):
        if not isinstance(block, list):
            return None
        batches.extend(block)
    return Plan(path, delimiter, width, batches)


def stream(path: Path, delimiter: str, width: int, *, batch_rows: int) -> Plan | None:
    """Like :func:`plan`, but only the first block is scanned now; a thread scans each
    next block while the caller reads the last one's batches. ``None`` when the header
    or the first block is not fit; a later block that is not well-formed ends the
    batches with a :class:`Resume` (see :func:`read_batches`)."""
    if not _check(delimiter, width):
        return None
    blocks = _blocks(path, ord(delimiter), width, batch_rows=batch_rows, block_bytes=BLOCK_BYTES)
    first = next(blocks)
    if not isinstance(first, list):
        blocks.close()
        return None
    return Plan(path, delimiter, width, _flatten(first, blocks))


def _flatten(
    first: list[Batch], blocks: Generator[list[Batch] | Resume | None, None, None]
) -> Iterator[Any]:
    """The batches of ``first`` and of ``blocks`` (then a :class:`Resume`, if one comes),
    each next block scanned on a thread while the caller reads this one's batches."""
    ahead = ThreadPoolExecutor(1, thread_name_prefix="techcurve-csv-scan")
    pending = ahead.submit(next, blocks, None)
    try:
        block = first
        while True:
            yield from block
            nxt = pending.result()
            if not isinstance(nxt, list):
                if isinstance(nxt, Resume):
                    yield nxt
                return
            pending = ahead.submit(next, blocks, None)
            block = nxt
    finally:
        ahead.shutdown(wait=True)  # the block being scanned, if any, first
        blocks.close()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_batches(p: Plan, columns: list[str]) -> Generator[pl.DataFrame | Resume, None, None]:
    """The planned batches as frames of ``columns`` (strings, ``""`` for empty) + row numbers,
    and a :class:`Resume` last if the plan (a :func:`stream`) ends with one.

    Records whose cells are all blank are left out, as the Python reader does.
    """
    cols = [f"c{i}" for i in range(p.width)]
    schema = {c: pl.Utf8() for c in cols}
    with p.path.open("rb") as f:
        for b in p.batches:
            if isinstance(b, Resume):
                yield b
                return
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
                if not _is_utf8(data):
                    # the Python reader rejects (or decodes) the lines that are not UTF-8
                    yield Resume(b.start, int(b.lines[0]))
                    return
                raise
            if frame.height != len(b.lines):
                raise RuntimeError(
                    f"{p.path}: the CSV fast path read {frame.height} records where "
                    f"{len(b.lines)} were planned (bytes {b.start}-{b.end}); please report this"
                )
            frame = frame.with_columns(pl.col(cols).fill_null(""))
            frame = frame.with_columns(pl.Series(ROW_COL, b.lines, dtype=pl.Int64))
            empty = [pl.col(c).str.strip_chars(PY_WHITESPACE).str.len_bytes() == 0 for c in cols]
            # a blank record has a blank first cell: the others are looked at only when
            # some first cell is (most files have none)
            if frame.select(empty[0].any()).item():
                frame = frame.filter(~pl.all_horizontal(empty))
            frame = frame.rename(dict(zip(cols, columns, strict=True)))
            if frame.height:
                yield frame
