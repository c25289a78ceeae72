"""The report's ``.data.json`` text written in one walk (report/json_text.py) is exactly
``json.dumps(to_json(data), ensure_ascii=False, indent=2, sort_keys=True)``."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techcurve.report.json_text import report_json_text
from techcurve.report.model import inline, optional, to_json


def _two_step(v: object) -> str:
    return json.dumps(to_json(v), ensure_ascii=False, indent=2, sort_keys=True)


class Colour(StrEnum):
    RED = "red"


class Rank(IntEnum):
    FIRST = 1


@dataclass(frozen=True)
class Part:
    name: str
    value: Any = None
    note: Any = optional()


@dataclass(frozen=True)
class Page:
    title: str
    items: tuple[Any, ...]
    extra: Part | None = inline()
    mapping: Any = None
    late: Any = optional()


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),  # control characters, quotes, backslashes, CJK, surrogates …
    st.dates(),
    st.sampled_from([Colour.RED, Rank.FIRST, np.float64(0.1), np.float64("nan"), 1e16, -0.0]),
)
_key = st.one_of(
    st.text(max_size=5),
    st.integers(-5, 5),
)


def _tree(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    part = st.builds(Part, st.text(max_size=4), children, children)
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
        st.dictionaries(st.integers(-5, 5), children, max_size=4),
        part,
        st.builds(
            Page,
            st.text(max_size=4),
            st.lists(children, max_size=3).map(tuple),
            st.one_of(st.none(), part),
            st.one_of(st.none(), st.dictionaries(_key, children, max_size=3)),
            children,
        ),
    )


@settings(max_examples=400, deadline=None)
@given(st.recursive(_leaf, _tree, max_leaves=40))
def test_same_text_as_to_json_then_dumps(value: object) -> None:
    try:
        want = _two_step(value)
    except (TypeError, ValueError) as e:  # e.g. int and str keys in one mapping
        with pytest.raises(type(e)):
            report_json_text(value)
        return
    assert report_json_text(value) == want


def test_the_corner_cases_of_both_steps() -> None:
    cases: list[object] = [
        {1.5: "a", float("nan"): "b", float("inf"): 1, float("-inf"): 2},
        {True: 1, False: 2, 3: [], -1: {}},
        {None: "null key"},
        OrderedDict([("b", 1), ("a", 2)]),
        MappingProxyType({"k": (1, 2.5, None)}),
        [math.nan, math.inf, -math.inf, np.float64("inf"), 1e-7, 123456789.0],
        datetime(2024, 5, 6, 7, 8, 9),
        Page("t", (), extra=Part("p", 1), mapping={"name": "overridden?"}),
        Page("t", (Part("a", note=None),), extra=None, late=None),
        '\u2028\x00\x1f"\\é中',
        [[[[]]], {}, [{}]],
    ]
    for value in cases:
        assert report_json_text(value) == _two_step(value)


def test_an_inline_field_overrides_earlier_keys_as_update_does() -> None:
    @dataclass(frozen=True)
    class Outer:
        name: str
        inner: Part | None = inline()

    value = Outer("outer", Part("inner", 2))
    assert json.loads(report_json_text(value))["name"] == "inner"
    assert report_json_text(value) == _two_step(value)


def test_what_neither_step_can_write_raises_as_before() -> None:
    for bad in ([object()], {"a": {1, 2}}, {"k": b"bytes"}, {(1, 2): "tuple key"}):
        with pytest.raises(TypeError):
            _two_step(bad)
        with pytest.raises(TypeError):
            report_json_text(bad)


def test_mixed_keys_fail_to_sort_as_before() -> None:
    with pytest.raises(TypeError):
        report_json_text({1: "a", "b": 2})


def test_the_demo_store_report_data(tmp_path: Path) -> None:
    """A whole ReportData: the golden report's, through build_report's writer."""
    from tests.test_report import make_store

    from techcurve.report.build import build_report_data

    with make_store(tmp_path / "tc.duckdb") as st_:
        data = build_report_data(st_, as_of="2022-11-24")
    assert report_json_text(data) == _two_step(data)
