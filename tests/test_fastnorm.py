"""The compiled pass of normalize_series gives exactly what normalize() gives.

Its alphabet is what the pass decodes by hand: 1- to 4-byte UTF-8, every whitespace
character normalisation collapses, full-width forms at both ends of their block,
SEP, and characters that must send a string down the Python path.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.normalize import SEP, normalize, normalize_series
from techcurve.normalize.fastnorm import fold_arrow
from techcurve.normalize.reference import _WS, _python_path_regex

pytestmark = pytest.mark.usefixtures("compiled_normalisation")

_ALPHABET = list(_WS) + list(
    "aZz09 _-.,:;!~\x7f\x00\x1f"  # ASCII edges, SEP (\x1f) and NUL
    "！～｟￠ＡＺａｚ０９　"  # full-width block ends, a full-width form NFKC maps elsewhere
    "中文區塊鏈沈默ΣİKﬁé\u0301①"  # CJK, traditional, NFKC/lower-case specials
    "、〿ㄱ…‐\u2fff"  # three-byte characters either side of U+3000, specials among them
    "😀𠀀\U000e0001\U0010fffd"  # four-byte characters
)
_text = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), _text), max_size=20))
def test_normalize_series_equals_normalize(texts: list[str | None]) -> None:
    assert normalize_series(pl.Series("t", texts, dtype=pl.Utf8)).to_list() == [
        normalize(t) for t in texts
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("\u3000ＡＢ\u2028 c\t", f"{SEP}ab{SEP} {SEP}c{SEP}"),
        ("5G专网AR", f"{SEP}5g{SEP}专网{SEP}ar{SEP}"),
        ("a\x1fb", f"{SEP}ab{SEP}"),
        ("ARM-based,  5GHz", f"{SEP}arm{SEP}-{SEP}based{SEP}, {SEP}5ghz{SEP}"),
        ("😀x", f"😀{SEP}x{SEP}"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    folded, flags = fold_arrow(pa.array([text], pa.large_string()), _python_path_regex())
    assert folded.to_pylist() == [expected]
    assert flags.tolist() == [False]


def test_flags_mark_the_strings_for_the_python_path() -> None:
    texts = ["區塊鏈", "区块链", "ﬁber", "fiber", "ΣΟΦΙΑ", "SOFIA", "沈默", "ＡＢ"]
    _, flags = fold_arrow(pa.array(texts, pa.large_string()), _python_path_regex())
    assert flags.tolist() == [True, False, True, False, True, False, True, False]


def test_a_sliced_array_and_a_sliced_series() -> None:
    arr = pa.array(["x", "Hello World", "區塊", "END"], pa.large_string()).slice(1, 2)
    folded, flags = fold_arrow(arr, _python_path_regex())
    assert folded.to_pylist() == [f"{SEP}hello{SEP} {SEP}world{SEP}", "區塊"]
    assert flags.tolist() == [False, True]
    s = pl.Series("t", ["A b", "C", "區 D"]).slice(1, 2)
    assert normalize_series(s).to_list() == [f"{SEP}c{SEP}", f"区 {SEP}d{SEP}"]


def test_small_string_arrays_and_nulls() -> None:
    assert fold_arrow(pa.array([], pa.large_string()), _python_path_regex())[0].to_pylist() == []
    assert fold_arrow(pa.array(["", ""], pa.string()), _python_path_regex())[0].to_pylist() == [
        "",
        "",
    ]
    with pytest.raises(ValueError, match="nulls"):
        fold_arrow(pa.array(["a", None]), _python_path_regex())
