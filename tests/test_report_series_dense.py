"""The cards' dense series (report/series.py ``_dense``) are exactly what the former
per-year loop made of the same rows: the same float bits, NaN where it put NaN."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from techcurve.report.series import _dense, _first_shown


def _former(g: pl.DataFrame, pos: list[int | None], name: str, fill: str) -> np.ndarray:
    """The loop this replaced, as it was."""
    if name not in g.columns:
        col: list[float | None] = [None] * g.height
    else:
        col = [None if v is None else float(v) for v in g[name].to_list()]
    vals = np.full(len(pos), np.nan)
    last = 0.0
    for i, p in enumerate(pos):
        v = col[p] if p is not None else None
        if v is None:
            vals[i] = last if fill == "carry" else (0.0 if fill == "zero" else np.nan)
        else:
            vals[i] = v
            last = v
    return vals


_floats = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.5, 1e300]),
)
_ints = st.one_of(st.none(), st.integers(-(2**62), 2**62))


@settings(max_examples=500, deadline=None)
@given(
    st.data(),
    st.integers(0, 12),
    st.sampled_from(["zero", "carry", "none"]),
    st.booleans(),
)
def test_dense_is_the_former_loop(data: st.DataObject, height: int, fill: str, ints: bool) -> None:
    values = data.draw(st.lists(_ints if ints else _floats, min_size=height, max_size=height))
    g = pl.DataFrame({"v": pl.Series(values, dtype=pl.Int64 if ints else pl.Float64)})
    pos = data.draw(st.lists(st.one_of(st.none(), st.integers(0, max(height - 1, 0))), max_size=15))
    if height == 0:
        pos = [None] * len(pos)
    rows = np.array([-1 if p is None else p for p in pos], dtype=np.int64)
    for name in ("v", "absent"):
        got, want = _dense(g, rows, name, fill), _former(g, pos, name, fill)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_floats.map(lambda v: math.nan if v is None else v), max_size=8), max_size=3)
)
def test_first_shown_is_the_former_rule(series: list[list[float]]) -> None:
    years = np.arange(2000, 2009, dtype=float)
    shown = [np.resize(np.array(s or [0.0]), len(years)) for s in series]

    def former(arrs: list[np.ndarray]) -> int:
        start_i = len(years) - 1
        for arr in arrs:
            nz = np.nonzero(np.nan_to_num(arr) > 0)[0]
            if len(nz):
                start_i = min(start_i, int(nz[0]))
        return max(start_i, len(years) - 1 - 30)

    assert _first_shown(years, shown) == former(shown)
