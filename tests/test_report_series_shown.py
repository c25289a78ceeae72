"""The first year a card shows (report/series.py ``_first_shown``) is found as before,
without ``nan_to_num``."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from techcurve.report.series import _first_shown

_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, math.nan])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_values, max_size=8), max_size=3))
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
