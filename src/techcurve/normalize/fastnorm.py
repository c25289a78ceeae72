"""The bulk path of :func:`techcurve.normalize.normalize_series`: one compiled pass.

Most stored text (simplified Chinese and English) needs only this of normalisation:
``SEP`` removed, full-width forms mapped to ASCII, A–Z lower-cased, whitespace runs
collapsed to one space and stripped, and every ASCII run ``[a-z0-9]+`` wrapped in
``SEP``. :func:`fold_arrow` does all of it in one pass over a string array's UTF-8
bytes (Numba-compiled, no Python per string, releasing the GIL so ingest threads run
it side by side), and flags the strings that hold a character NFKC, OpenCC or lower
case treat otherwise: those take the Python reference path (``reference._fold``) and then
this pass again, which leaves folded text's characters as they are.

Done as five polars string kernels instead (replace_many, two regex replaces, a strip,
a regex test), the same work took several times as long, half of it the ASCII-run
regex; runs of ASCII letters and of CJK characters have loops of their own
(measured in docs/performance.md, "Third session", item 1, and "Fourth session", item 3).
"""

from __future__ import annotations

import functools
import re

import numba
import numpy as np
import pyarrow as pa

_SEP = 0x1F
_SPACE = 0x20


# What the pass does with each ASCII byte (after full-width forms are mapped to ASCII):
_COPY, _ALNUM, _SPACE_CLASS, _DROP, _OTHER = 0, 1, 2, 3, 4  # _OTHER: a non-ASCII character
_ASCII_CLASS = np.zeros(128, np.uint8)
_ASCII_CLASS[[ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]] = (
    _ALNUM
)
# reference._WS: str.isspace() minus SEP (U+001F), which is removed (dropped) instead.
_ASCII_CLASS[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x20]] = _SPACE_CLASS
_ASCII_CLASS[_SEP] = _DROP
_ASCII_LOWER = np.array([c + 32 if 65 <= c <= 90 else c for c in range(128)], np.uint8)


@numba.njit(cache=True, nogil=True)
def _non_ascii_space(cp: int) -> bool:
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


# The one compiled pass over every byte; its inner loops for ASCII and CJK runs are
# inline (docs/performance.md, "Fourth session", item 3, has the run loops' measurement).
# long on purpose: a Numba hot loop, its inline run loops measured faster than calls
@numba.njit(cache=True, nogil=True)
def _fold_kernel(
    data: np.ndarray,
    offsets: np.ndarray,
    special: np.ndarray,
    ascii_class: np.ndarray,
    ascii_lower: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, offsets, flags): every string of (``data``, ``offsets``) folded, and
    whether it holds a character marked in ``special`` (a table over code points).

    Each character is classified once; the ASCII letters/digits after a letter or digit,
    and the ordinary three-byte characters (CJK: above U+3000, not full-width forms)
    after any other character, are then copied by tight inner loops (measured in
    docs/performance.md, "Fourth session", item 3)."""
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
            c = b
            if b < 0x80:
                cls = ascii_class[b]
            else:
                if b >= 0xF0:
                    width = 4
                    cp = ((b & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12)
                    cp |= ((data[i + 2] & 0x3F) << 6) | (data[i + 3] & 0x3F)
                elif b >= 0xE0:
                    width = 3
                    cp = ((b & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
                else:
                    width = 2
                    cp = ((b & 0x1F) << 6) | (data[i + 1] & 0x3F)
                if special[cp]:
                    flags[r] = True
                cls = _OTHER
                if 0xFF01 <= cp <= 0xFF5E:  # a full-width form: its ASCII character
                    c = cp - 0xFEE0
                    cls = ascii_class[c]
                elif cp <= 0x3000 and _non_ascii_space(cp):
                    cls = _SPACE_CLASS
            if cls == _DROP:
                i += 1
                continue
            if cls == _SPACE_CLASS:
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
            if cls == _ALNUM:
                if not run:
                    out[o] = _SEP
                    o += 1
                    run = True
                out[o] = ascii_lower[c]
                o += 1
                i += width
                # the ASCII letters and digits after it, in a loop of their own
                while i < end:
                    b = data[i]
                    if b >= 0x80 or ascii_class[b] != _ALNUM:
                        break
                    out[o] = ascii_lower[b]
                    o += 1
                    i += 1
                continue
            if run:
                out[o] = _SEP
                o += 1
                run = False
            if cls != _OTHER:
                out[o] = c
                o += 1
                i += width
                continue
            for k in range(width):
                out[o + k] = data[i + k]
            o += width
            i += width
            # the ordinary three-byte characters after it (CJK: above U+3000, not
            # full-width forms) are copied as they are, in a loop of their own
            while i < end:
                b = data[i]
                if b < 0xE0 or b >= 0xF0:
                    break
                cp = ((b & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
                if cp <= 0x3000 or 0xFF01 <= cp <= 0xFF5E:
                    break
                if special[cp]:
                    flags[r] = True
                out[o] = data[i]
                out[o + 1] = data[i + 1]
                out[o + 2] = data[i + 2]
                o += 3
                i += 3
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


def string_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes, int64 offsets of each string in them) of a string array without
    nulls, without copying when it is already a ``large_string`` array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    arr = values if values.type == pa.large_string() else values.cast(pa.large_string())
    if arr.null_count:
        raise ValueError("string_buffers: the array has nulls (fill them first)")
    n = len(arr)
    _, off_buf, data_buf = arr.buffers()
    if off_buf is None or n == 0:
        return np.zeros(1, np.uint8), np.zeros(n + 1, np.int64)
    offsets = np.frombuffer(off_buf, np.int64, n + 1, arr.offset * 8)
    if data_buf is None or data_buf.size == 0:
        return np.zeros(1, np.uint8), offsets
    return np.frombuffer(data_buf, np.uint8), offsets


def fold_arrow(values: pa.Array, special_class: str) -> tuple[pa.LargeStringArray, np.ndarray]:
    """Fold a string array without nulls; (folded strings, which hold a special character).

    ``special_class`` is the regex character class of the special characters
    (``reference._python_path_regex()``).
    """
    data, offsets = string_buffers(values)
    n = len(offsets) - 1
    out, out_off, flags = _fold_kernel(
        data, offsets, _special_table(special_class), _ASCII_CLASS, _ASCII_LOWER
    )
    folded = pa.LargeStringArray.from_buffers(n, pa.py_buffer(out_off), pa.py_buffer(out))
    return folded, flags
