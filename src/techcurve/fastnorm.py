"""The bulk path of :func:`techcurve.query.normalize_series`: one compiled pass.

Most stored text (simplified Chinese and English) needs only this of normalisation:
``SEP`` removed, full-width forms mapped to ASCII, A–Z lower-cased, whitespace runs
collapsed to one space and stripped, and every ASCII run ``[a-z0-9]+`` wrapped in
``SEP``. :func:`fold_arrow` does all of it in one pass over a string array's UTF-8
bytes (Numba-compiled, no Python per string, releasing the GIL so ingest threads run
it side by side), and flags the strings that hold a character NFKC, OpenCC or lower
case treat otherwise: those take the Python reference path (``query._fold``) and then
this pass again, which leaves folded text's characters as they are.

Done as five polars string kernels instead (replace_many, two regex replaces, a strip,
a regex test), the same work took ~12 CPU s per million records of the benchmark
corpus, half of it the ASCII-run regex; this pass takes ~1 s (docs/performance.md).
"""

from __future__ import annotations

import functools
import re

import numba
import numpy as np
import pyarrow as pa

_SEP = 0x1F
_SPACE = 0x20


@numba.njit(cache=True, nogil=True)
def _is_ws(cp: int) -> bool:
    # query._WS: str.isspace() minus SEP (U+001F), which is removed before.
    if cp < 0x80:
        return cp == 0x20 or 0x09 <= cp <= 0x0D or 0x1C <= cp <= 0x1E
    return (
        cp == 0x85
        or cp == 0xA0
        or cp == 0x1680
        or 0x2000 <= cp <= 0x200A
        or cp == 0x2028
        or cp == 0x2029
        or cp == 0x202F
        or cp == 0x205F
        or cp == 0x3000
    )


@numba.njit(cache=True, nogil=True)
def _fold_kernel(
    data: np.ndarray, offsets: np.ndarray, special: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, offsets, flags): every string of (``data``, ``offsets``) folded, and
    whether it holds a character marked in ``special`` (a table over code points)."""
    n = len(offsets) - 1
    out = np.empty(3 * (offsets[n] - offsets[0]) + 1, np.uint8)  # ≤ 3 bytes per byte in
    out_off = np.empty(n + 1, np.int64)
    flags = np.zeros(n, np.bool_)
    o = 0
    for r in range(n):
        out_off[r] = o
        i = offsets[r]
        end = offsets[r + 1]
        started = False  # something other than whitespace was written
        space = False  # whitespace seen since the last character written
        run = False  # inside an ASCII letter/digit run
        while i < end:
            b = data[i]
            width = 1
            cp = int(b)
            if b >= 0xF0:
                width = 4
                cp = ((b & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12)
                cp |= ((data[i + 2] & 0x3F) << 6) | (data[i + 3] & 0x3F)
            elif b >= 0xE0:
                width = 3
                cp = ((b & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
            elif b >= 0xC0:
                width = 2
                cp = ((b & 0x1F) << 6) | (data[i + 1] & 0x3F)
            if cp == _SEP:
                i += 1
                continue
            if special[cp]:
                flags[r] = True
            if 0xFF01 <= cp <= 0xFF5E:  # full-width form → its ASCII character
                cp -= 0xFEE0
            if 0x41 <= cp <= 0x5A:
                cp += 0x20
            if _is_ws(cp):
                if run:
                    out[o] = _SEP
                    o += 1
                    run = False
                space = started
                i += width
                continue
            if space:
                out[o] = _SPACE
                o += 1
                space = False
            started = True
            alnum = (0x61 <= cp <= 0x7A) or (0x30 <= cp <= 0x39)
            if alnum and not run:
                out[o] = _SEP
                o += 1
                run = True
            elif run and not alnum:
                out[o] = _SEP
                o += 1
                run = False
            if cp < 0x80:
                out[o] = cp
                o += 1
                i += width  # ASCII, or a full-width form mapped to it
            else:
                for k in range(width):
                    out[o + k] = data[i + k]
                o += width
                i += width
        if run:
            out[o] = _SEP
            o += 1
    out_off[n] = o
    return out[:o], out_off, flags


@functools.cache
def _special_table(regex: str) -> np.ndarray:
    """The code points of a ``[\\x{..}-\\x{..}…]`` character class, as a lookup table."""
    table = np.zeros(0x110000, np.bool_)
    for a, b in re.findall(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", regex):
        lo = int(a, 16)
        table[lo : int(b or a, 16) + 1] = True
    return table


def fold_arrow(values: pa.Array, special_class: str) -> tuple[pa.LargeStringArray, np.ndarray]:
    """Fold a string array without nulls; (folded strings, which hold a special character).

    ``special_class`` is the regex character class of the special characters
    (``query._python_path_regex()``).
    """
    arr = values.cast(pa.large_string()) if values.type != pa.large_string() else values
    if arr.null_count:
        raise ValueError("fold_arrow: the array has nulls (fill them first)")
    _, off_buf, data_buf = arr.buffers()
    n = len(arr)
    offsets = np.frombuffer(off_buf, np.int64, n + 1, arr.offset * 8) if off_buf else None
    if offsets is None or n == 0:
        return pa.array([""] * n, pa.large_string()), np.zeros(n, np.bool_)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None and data_buf.size else None
    if data is None:
        data = np.zeros(1, np.uint8)
    out, out_off, flags = _fold_kernel(data, offsets, _special_table(special_class))
    folded = pa.LargeStringArray.from_buffers(n, pa.py_buffer(out_off), pa.py_buffer(out))
    return folded, flags
