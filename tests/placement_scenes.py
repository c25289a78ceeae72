"""Hypothesis strategies for the placer's index tests: boxes on a small canvas, their
coordinates on a quarter-pixel grid so that touching and overlapping edges happen often."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

coord = st.floats(-40.0, 240.0, allow_nan=False).map(lambda v: round(v * 4) / 4)
size = st.floats(0.0, 90.0).map(lambda v: round(v * 2) / 2)


@st.composite
def box_lists(draw_: Any, max_size: int = 40) -> np.ndarray:
    """Up to ``max_size`` boxes as rows ``(x0, y0, x1, y1)``."""
    rows = draw_(st.lists(st.tuples(coord, coord, size, size), max_size=max_size))
    return np.array([(x, y, x + w, y + h) for x, y, w, h in rows]).reshape(-1, 4)
