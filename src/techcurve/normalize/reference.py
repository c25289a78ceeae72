"""Text normalisation every matcher relies on.

:func:`normalize` and :func:`normalize_series` turn any title, abstract or term into one
canonical string: NFKC, traditional → simplified Chinese, lower case, single spaces, and
every ASCII letter/digit run wrapped in :data:`SEP`. Because terms are normalised the
same way, a plain substring search is word-bounded for ASCII (``ar`` does not match
``arm``) and a substring search for CJK. The bulk path is one compiled pass
(:mod:`techcurve.normalize.fastnorm`); this module is the reference.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc
    import polars as pl
    import pyarrow as pa

__all__ = ["SEP", "normalize", "normalize_arrow", "normalize_series"]

SEP = "\x1f"
"""Wraps every ASCII letter/digit run in normalised text, making substring search word-bounded."""


# Whitespace = every character Python's str.isspace() accepts, except SEP (which Python
# counts as whitespace but normalisation removes). Spelled out so that the Python
# regex and the polars (Rust) regex agree exactly; a test checks it against isspace().
_WS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS_RE = re.compile("[" + "".join(f"\\u{ord(c):04x}" for c in _WS) + "]+")


_ASCII_RUN_RE = re.compile("[a-z0-9]+")
_ASCII_RUN_WRAP = SEP + r"\g<0>" + SEP
_BATCH = 20_000  # rows per OpenCC call in normalize_series
_SMALL = 1_000  # normalize_series calls normalize() per string up to this many strings

_converter: opencc.OpenCC | None = None


def _t2s(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``); the converter is built once."""
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


def _fold(text: str) -> str:
    """The per-string part of normalisation (after SEP removal): NFKC, t2s, lower case."""
    if not text.isascii():  # NFKC and t2s leave pure ASCII unchanged
        text = _t2s(unicodedata.normalize("NFKC", text))
    return text.lower()


def normalize(text: str | None) -> str:
    """Normalise text for matching.

    NFKC → traditional-to-simplified Chinese → lower case → whitespace runs collapsed
    to one space and stripped → every ASCII run ``[a-z0-9]+`` wrapped in :data:`SEP`.
    Any ``SEP`` already in the input is removed first, which makes the function
    idempotent. ``None`` gives ``""``.

    >>> normalize("5G专网 AR")
    '\\x1f5g\\x1f专网 \\x1far\\x1f'
    >>> normalize("區塊鏈")
    '区块链'
    """
    if not text:
        return ""
    text = _WS_RE.sub(" ", _fold(text.replace(SEP, ""))).strip(" ")
    return _ASCII_RUN_RE.sub(_ASCII_RUN_WRAP, text)


# -- the compiled path of normalize_series ----------------------------------------------
#
# Most text is simplified Chinese and English: NFKC changes only its full-width
# punctuation (，→ ,), OpenCC changes nothing and lower case touches only A–Z. Such a
# string is normalised exactly by techcurve.normalize.fastnorm's one pass (full-width forms →
# ASCII, A–Z → a–z, whitespace, ASCII runs). Every other string — one that holds a character NFKC maps elsewhere or
# may compose or reorder, a character OpenCC converts, or a non-ASCII character that
# lower case changes — takes the reference path (_fold) in Python. The set of those
# characters is derived at run time from this Python's unicodedata and this OpenCC,
# so the two paths agree by construction (tests/test_query.py checks them too).

#: NFKC maps U+FF01–U+FF5E to U+0021–U+007E and U+3000 to a space, one to one.
_FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]

#: Characters OpenCC's t2s leaves alone on their own but changes inside a phrase
#: (TSPhrases keys such as 沈默 → 沉默 whose every character is unchanged alone).
#: Read from OpenCC 1.4's TSPhrases dictionary; tests/test_normalize_paths.py
#: re-derives it from the installed dictionary (with marisa-trie) and fails if it grows.
T2S_PHRASE_CHARS = "哩坏沈甦瞭藉衹覆"


def _composes_with_previous() -> set[int]:
    """Code points NFC may compose with the character before them (NFC_QC = Maybe)."""
    out = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for cp in range(0x80, 0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                out.add(int(parts[1], 16))
    return out


@functools.cache
def _python_path_regex() -> str:
    """A regex class of the characters that send a string down the reference path.

    Deriving it is slow (docs/performance.md, "Ingest: what the profile showed", item 1),
    so it is kept in the user's cache directory, keyed by
    the Unicode version, OpenCC's version and the list of phrase characters.
    """
    from importlib.metadata import version

    from techcurve import cache

    path = cache.entry(
        "normalize", unicodedata.unidata_version, version("opencc"), T2S_PHRASE_CHARS, 1,
        suffix=".txt",
    )  # fmt: skip
    data = cache.read(path)
    if data is not None:
        return data.decode("utf-8")
    regex = _derive_python_path_regex()
    cache.write(path, regex.encode("utf-8"))
    return regex


def _derive_python_path_regex() -> str:
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    converted = _t2s(SEP.join(chars)).split(SEP)
    maybe = _composes_with_previous()
    easy = set(_FULLWIDTH)
    special = [
        ord(c)
        for c, t in zip(chars, converted, strict=True)
        if c not in easy
        and (
            t != c
            or c.lower() != c
            or unicodedata.normalize("NFKC", c) != c
            or unicodedata.combining(c)
            or ord(c) in maybe
        )
    ]
    special += [ord(c) for c in T2S_PHRASE_CHARS]
    special.sort()
    ranges: list[list[int]] = []
    for cp in special:
        if ranges and cp <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], cp)
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
    return f"[{body}]"


def normalize_series(s: pl.Series) -> pl.Series:
    """:func:`normalize` applied to every element of a string series (nulls → ``""``).

    One compiled pass (:mod:`techcurve.normalize.fastnorm`) folds every string as most Chinese
    and English text needs (full-width forms → ASCII, A–Z → a–z, whitespace, ASCII-run
    wrapping) and flags the strings holding any other character NFKC, OpenCC or lower
    case would change (the class :func:`_python_path_regex`); those go through Python
    (NFKC, OpenCC, lower case) in batches joined by ``SEP`` (which cannot be inside a
    row any more, and which no conversion rule spans), then through the pass again.
    """
    import polars as pl  # noqa: PLC0415 - a command that normalises only terms never loads it

    return pl.Series(s.name, normalize_arrow(s), dtype=pl.Utf8)


def normalize_arrow(s: pl.Series) -> pa.LargeStringArray:
    """:func:`normalize_series` as an Arrow ``large_string`` array (what the matcher
    searches: its buffers go to the compiled search as they are)."""
    import polars as pl  # noqa: PLC0415 - a command that normalises only terms never loads it
    import pyarrow as pa  # noqa: PLC0415 - with the compiled pass only
    import pyarrow.compute as pc  # noqa: PLC0415

    s = s.cast(pl.Utf8).fill_null("")
    if s.len() <= _SMALL:  # not worth loading the compiled pass (Numba)
        return _large_strings([normalize(t) for t in s.to_list()])
    from techcurve.normalize.fastnorm import fold_arrow

    regex = _python_path_regex()
    folded, slow = fold_arrow(s.to_arrow(), regex)
    if not slow.any():
        return folded
    rows = s.filter(pl.Series(slow)).str.replace_all(SEP, "", literal=True).to_list()
    again: list[str] = []
    for start in range(0, len(rows), _BATCH):
        again.extend(_fold(SEP.join(rows[start : start + _BATCH])).split(SEP))
    redone, _ = fold_arrow(_large_strings(again), regex)
    out = pc.replace_with_mask(folded, pl.Series(slow).to_arrow(), redone)
    assert isinstance(out, pa.LargeStringArray)
    return out


def _large_strings(values: list[str]) -> pa.LargeStringArray:
    """``values`` as an Arrow ``large_string`` array, made by polars: ``pa.array`` of a
    Python or NumPy object imports pandas when it is installed (pyarrow asks whether the
    object is a pandas one), which costs a command more than the normalisation
    (docs/performance.md, "Ingest and match as processes")."""
    import polars as pl  # noqa: PLC0415 - a command that normalises only terms never loads it
    import pyarrow as pa  # noqa: PLC0415 - with the compiled pass only

    out = pl.Series(values, dtype=pl.Utf8).to_arrow(compat_level=pl.CompatLevel.oldest())
    assert isinstance(out, pa.LargeStringArray)
    return out
