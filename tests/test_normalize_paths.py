"""normalize_series has two paths; both must give exactly what normalize() gives.

The vectorised path (full-width forms → ASCII, A–Z → a–z) is taken by strings with no
character that NFKC, OpenCC's t2s or lower case would treat otherwise. These tests pin
the characters that must send a string down the Python path, one family at a time,
and check that the hand-kept list of OpenCC phrase characters is still complete.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from techcurve.normalize import SEP, normalize, normalize_series
from techcurve.normalize.reference import T2S_PHRASE_CHARS, _python_path_regex, _t2s

pytestmark = pytest.mark.usefixtures("compiled_normalisation")

# (text, expected normalisation): each exercises one reason for the Python path,
# or a string the vectorised path handles on its own.
CASES = [
    # vectorised: simplified Chinese with full-width punctuation, English, mixed
    ("本发明公开了一种基站，包括天线。", "本发明公开了一种基站,包括天线。"),
    ("Edge Computing for 5G", f"{SEP}edge{SEP} {SEP}computing{SEP} {SEP}for{SEP} {SEP}5g{SEP}"),
    ("ＡＢＣ　５Ｇ专网", f"{SEP}abc{SEP} {SEP}5g{SEP}专网"),
    # OpenCC changes the character alone
    ("區塊鏈", "区块链"),
    # OpenCC changes it only inside a phrase (沈 alone stays 沈)
    ("沈默是金", "沉默是金"),
    ("沈阳", "沈阳"),
    # NFKC maps it elsewhere (ligature, circled digit, compatibility ideograph)
    ("ﬁber", f"{SEP}fiber{SEP}"),
    ("①号", f"{SEP}1{SEP}号"),
    # NFKC composes a full-width letter with a following combining mark
    ("Ａ\u0301", "á"),
    ("e\u0301", "é"),
    # lower case changes a non-ASCII letter; final sigma depends on context
    ("ΣΟΦΙΑ ΟΔΟΣ", "σοφια οδος"),
    ("Ünïcode", f"ü{SEP}n{SEP}ï{SEP}code{SEP}"),
    # a letter only newer Unicode tables case (polars' would; this Python's does not):
    # the vectorised path lower-cases A–Z only, so both paths keep it
    ("x\u1c89y", f"{SEP}x{SEP}\u1c89{SEP}y{SEP}"),
]


def _slow(text: str) -> bool:
    """Whether ``text`` takes the Python path (the regex is polars', not Python's)."""
    return bool(pl.Series([text]).str.contains(_python_path_regex())[0])


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_both_paths_give_the_reference_normalisation(text: str, expected: str) -> None:
    assert normalize(text) == expected
    assert normalize_series(pl.Series([text])).to_list() == [expected]


def test_which_strings_take_the_python_path() -> None:
    takes_python = {text for text, _ in CASES if _slow(text)}
    assert takes_python == {
        "區塊鏈", "沈默是金", "沈阳", "ﬁber", "①号", "Ａ\u0301", "e\u0301",
        "ΣΟΦΙΑ ΟΔΟΣ", "Ünïcode",
    }  # fmt: skip


def test_a_mixed_series_keeps_row_order() -> None:
    texts = [t for t, _ in CASES] * 3 + [None, ""]
    out = normalize_series(pl.Series("t", texts, dtype=pl.Utf8))
    assert out.name == "t"
    assert out.to_list() == [normalize(t) for t in texts]


def _opencc_dictionary_keys(name: str) -> list[str]:
    """Keys of one of the installed OpenCC's ``.ocd2`` dictionaries (a marisa trie)."""
    marisa_trie = pytest.importorskip("marisa_trie")
    import opencc

    path = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / f"{name}.ocd2"
    data = path.read_bytes()
    header = b"OPENCC_MARISA_0.2.5"
    assert data.startswith(header), f"{path}: unknown dictionary format"
    trie = marisa_trie.Trie()
    trie.frombytes(data[len(header) :])
    return list(trie.keys())


def test_phrase_characters_cover_every_t2s_phrase() -> None:
    # A t2s phrase whose characters OpenCC leaves alone one by one (沈默 → 沉默) is
    # only converted if one of its characters sends the string down the Python path.
    missing: dict[str, str] = {}
    for key in _opencc_dictionary_keys("TSPhrases"):
        converted = _t2s(key)
        if converted == key or _slow(key.translate({ord(c): None for c in T2S_PHRASE_CHARS})):
            continue
        if not any(c in T2S_PHRASE_CHARS for c in key):
            missing[key] = converted
    assert missing == {}, "add the changed characters of these phrases to T2S_PHRASE_CHARS"


def test_the_cached_character_class_is_the_derived_one() -> None:
    from techcurve.normalize.reference import _derive_python_path_regex

    assert _python_path_regex() == _derive_python_path_regex()


def test_phrase_characters_are_all_needed() -> None:
    # Each listed character is one that t2s leaves alone on its own.
    assert all(_t2s(c) == c for c in T2S_PHRASE_CHARS)
