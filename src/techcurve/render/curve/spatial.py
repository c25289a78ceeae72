"""A sorted sweep index for the label placer: boxes kept in order of their left edge.

The placer asks, for a batch of candidate label boxes, which obstacles (labels placed
so far, dots, leader lines, the curve) lie in the batch's region. Scanning every
obstacle for every candidate made placement grow with the square of the dots; here the
obstacles are kept sorted by ``x0`` and a query is two binary searches (the region's
x range, widened by the widest obstacle) and a filter of the slab between them, so a
query costs O(log n + k) for k obstacles in the slab.

>>> ix = XIndex(4)
>>> ix.add(np.array([0.0, 0.0, 10.0, 10.0]))
>>> ix.add(np.array([50.0, 0.0, 60.0, 10.0]))
>>> ix.near(5.0, 5.0, 20.0, 20.0).tolist()
[[0.0, 0.0, 10.0, 10.0]]
"""

from __future__ import annotations

import numpy as np


class XIndex:
    """Rows whose first four columns are a box (x0, y0, x1, y1), sorted by x0; the other
    columns are carried along (a leader line's end points, for instance)."""

    __slots__ = ("_rows", "_max_w")

    def __init__(self, width: int, rows: np.ndarray | None = None) -> None:
        self._rows = np.zeros((0, width))
        self._max_w = 0.0
        if rows is not None and len(rows):
            self._rows = np.asarray(rows, dtype=float)[np.argsort(rows[:, 0], kind="stable")]
            self._max_w = float((self._rows[:, 2] - self._rows[:, 0]).max())

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> np.ndarray:
        """Every row, sorted by x0."""
        return self._rows

    def add(self, row: np.ndarray) -> None:
        """Insert one row at its place in x0 order."""
        i = int(np.searchsorted(self._rows[:, 0], row[0], side="right"))
        self._rows = np.insert(self._rows, i, row, axis=0)
        self._max_w = max(self._max_w, float(row[2] - row[0]))

    def add_many(self, rows: np.ndarray) -> None:
        """Insert several rows."""
        if len(rows):
            self._rows = np.concatenate([self._rows, rows])
            self._rows = self._rows[np.argsort(self._rows[:, 0], kind="stable")]
            self._max_w = max(self._max_w, float((rows[:, 2] - rows[:, 0]).max()))

    def near(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """The rows whose box meets the closed region [x0, x1] × [y0, y1]."""
        xs = self._rows[:, 0]
        lo = int(np.searchsorted(xs, x0 - self._max_w, side="left"))
        hi = int(np.searchsorted(xs, x1, side="right"))
        slab = self._rows[lo:hi]
        keep = (slab[:, 2] >= x0) & (slab[:, 1] <= y1) & (slab[:, 3] >= y0)
        return slab[keep]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [lo[i], hi[i]): each member's range number and the member itself."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    start = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return owner, start + np.arange(int(counts.sum()))


def boxes_holding(boxes: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """For each box (M×4) whether a point of ``pts`` (K×2, sorted by x) lies strictly
    inside it; each box looks only at the points of its x range (two binary searches)."""
    out = np.zeros(len(boxes), dtype=bool)
    if not len(pts) or not len(boxes):
        return out
    lo = np.searchsorted(pts[:, 0], boxes[:, 0], side="right")
    hi = np.searchsorted(pts[:, 0], boxes[:, 2], side="left")
    owner, member = _ranges(lo, hi)
    y = pts[member, 1]
    inside = (y > boxes[owner, 1]) & (y < boxes[owner, 3])
    out[owner[inside]] = True
    return out


def points_in(pts: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each point (P×2) whether it lies strictly inside one of ``boxes`` (K×4, sorted
    by x0); each point looks only at the boxes that start less than the widest box's
    width to its left."""
    out = np.zeros(len(pts), dtype=bool)
    if not len(pts) or not len(boxes):
        return out
    max_w = float((boxes[:, 2] - boxes[:, 0]).max())
    lo = np.searchsorted(boxes[:, 0], pts[:, 0] - max_w, side="left")
    hi = np.searchsorted(boxes[:, 0], pts[:, 0], side="left")
    owner, member = _ranges(lo, hi)
    b = boxes[member]
    px, py = pts[owner, 0], pts[owner, 1]
    inside = (px > b[:, 0]) & (px < b[:, 2]) & (py > b[:, 1]) & (py < b[:, 3])
    out[owner[inside]] = True
    return out


def boxes_overlapping(cands: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each candidate box (M×4) whether it overlaps (with positive area) one of
    ``boxes`` (K×4, sorted by x0); each candidate looks only at the boxes whose x0 lies
    within the widest box's width to its left, up to its right edge."""
    out = np.zeros(len(cands), dtype=bool)
    if not len(cands) or not len(boxes):
        return out
    max_w = float((boxes[:, 2] - boxes[:, 0]).max())
    lo = np.searchsorted(boxes[:, 0], cands[:, 0] - max_w, side="left")
    hi = np.searchsorted(boxes[:, 0], cands[:, 2], side="left")
    owner, member = _ranges(lo, hi)
    c, b = cands[owner], boxes[member]
    hit = (c[:, 0] < b[:, 2]) & (c[:, 2] > b[:, 0]) & (c[:, 1] < b[:, 3]) & (c[:, 3] > b[:, 1])
    out[owner[hit]] = True
    return out
