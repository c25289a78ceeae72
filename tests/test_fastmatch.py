"""The matcher's compiled multi-pattern search (techcurve.match.fastmatch): a record holds
pattern ``i`` exactly when the pattern is a substring of its text."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import techcurve.match.fastmatch as fm
from techcurve.match.fastmatch import compile_patterns, find_all
from techcurve.normalize.fastnorm import string_buffers


def _search(texts: list[str], patterns: list[str]) -> list[list[int]]:
    data, offsets = string_buffers(pa.array(texts, pa.large_string()))
    rows, ids = find_all(compile_patterns(patterns), data, offsets)
    assert rows[0] == 0 and rows[-1] == len(ids) and len(rows) == len(texts) + 1
    return [ids[rows[r] : rows[r + 1]].tolist() for r in range(len(texts))]


def _substrings(texts: list[str], patterns: list[str]) -> list[list[int]]:
    return [[i for i, p in enumerate(patterns) if p in t] for t in texts]


def test_each_record_gets_its_distinct_patterns_sorted_overlapping_ones_included() -> None:
    patterns = ["\x1far\x1f", "\x1far\x1f眼镜", "区块链", "链", "眼镜"]
    texts = [
        "\x1far\x1f眼镜 and \x1far\x1f眼镜 again",  # repeated: reported once each
        "\x1farm\x1f chips",  # "ar" must not fire inside "arm"
        "",
        "区块链区块链",
        "眼镜",
    ]
    assert _search(texts, patterns) == [[0, 1, 4], [], [], [2, 3], [4]]


def test_an_offset_array_slice_is_read_where_it_starts() -> None:
    arr = pa.array(["ab", "xx", "abab", "b"], pa.large_string()).slice(1)
    data, offsets = string_buffers(arr)
    rows, ids = find_all(compile_patterns(["ab", "b"]), data, offsets)
    assert rows.tolist() == [0, 0, 2, 3] and ids.tolist() == [0, 1, 1]


def test_a_string_array_of_the_small_offset_type_is_read_too() -> None:
    data, offsets = string_buffers(pa.array(["5g", None], pa.string()).fill_null(""))
    assert find_all(compile_patterns(["5g"]), data, offsets)[1].tolist() == [0]


def test_nulls_and_empty_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="nulls"):
        string_buffers(pa.array(["a", None], pa.large_string()))
    with pytest.raises(ValueError, match="empty pattern"):
        compile_patterns(["a", ""])


def test_more_hits_than_the_first_buffer_holds_are_all_kept() -> None:
    # every position ends several patterns: far more hits than bytes / 64
    patterns = ["a" * k for k in range(1, 40)] + [f"a{c}" for c in "bcdefghij"]
    texts = ["a" * 50 + "abacadaeafagahaiaj" for _ in range(300)] + ["b"] * 5
    assert _search(texts, patterns) == _substrings(texts, patterns)


def test_a_pattern_across_a_record_boundary_is_in_neither_record() -> None:
    # the walk does not stop between records: "ab" ends in the second record here but
    # starts in the first, and "abc" spans three
    patterns = ["ab", "abc", "b", "bc"]
    texts = ["xa", "b", "c", "a", "bx", "abc"]
    assert _search(texts, patterns) == [[], [2], [], [], [2], [0, 1, 2, 3]]


def test_one_long_record_walked_alone_keeps_every_hit() -> None:
    # one record is one lane's whole stretch (the other lanes are empty), and its hits
    # outgrow the first buffer of the walk that finishes a lane alone
    patterns = ["a" * k for k in range(1, 30)] + ["ab"]
    texts = ["", "a" * 3000 + "ab", ""]
    assert _search(texts, patterns) == _substrings(texts, patterns)


def test_patterns_split_over_several_automata_give_the_same_hits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patterns = sorted(
        {f"\x1f{w}\x1f" for w in ["ai", "ar", "vr", "mr", "iot", "5g", "6g", "nlp", "llm", "gpu"]}
    )
    patterns += ["云计算", "云原生", "区块链", "数字人"]
    texts = [
        "\x1fai\x1f 云原生 \x1f5g\x1f",
        "数字人民币 \x1fllm\x1f",
        "nothing",
        "区块链 \x1fgpu\x1f",
    ]
    whole = _search(texts, patterns)
    monkeypatch.setattr(fm, "MAX_TABLE", 64)
    assert len(compile_patterns(patterns)) > 3
    assert _search(texts, patterns) == whole == _substrings(texts, patterns)


_ALPHABET = st.sampled_from(["a", "b", "r", "\x1f", " ", "区", "块", "链", "5", "𠀀"])
_TEXT = st.lists(_ALPHABET, max_size=30).map("".join)
_PATTERN = st.lists(_ALPHABET, min_size=1, max_size=4).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_TEXT, max_size=13),  # fewer rows than lanes, uneven lanes, empty rows
    patterns=st.lists(_PATTERN, min_size=1, max_size=12, unique=True),
)
def test_a_record_holds_exactly_the_patterns_that_are_substrings_of_it(
    texts: list[str], patterns: list[str]
) -> None:
    patterns = sorted(patterns)
    assert _search(texts, patterns) == _substrings(texts, patterns)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(_TEXT, min_size=1, max_size=9),
    patterns=st.lists(_PATTERN, min_size=1, max_size=12, unique=True),
)
def test_the_hits_are_those_of_polars_extract_many(texts: list[str], patterns: list[str]) -> None:
    import polars as pl

    patterns = sorted(patterns)
    found = pl.Series(texts, dtype=pl.Utf8).str.extract_many(patterns, overlapping=True)
    index = {p: i for i, p in enumerate(patterns)}
    expected = [sorted({index[p] for p in row}) for row in found.to_list()]
    assert _search(texts, patterns) == expected
