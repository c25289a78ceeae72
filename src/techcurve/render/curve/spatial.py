"""A grid index for the label placer: boxes in columns of x, sorted by y within each.

The placer asks, for every candidate label box, whether it overlaps a label placed so
far or a dot, whether it holds a point of a leader line, and whether its leader line
runs through a dot or a label. Scanning every obstacle for every candidate made
placement grow with the square of the dots. Here each obstacle is filed under the
column (``cell`` pixels wide) of its left edge, and within the columns by its bottom
edge, in one sorted key; a query box looks, in each column its x range reaches (widened
by the widest obstacle), at the obstacles whose bottom edge lies in its y range
(widened by the tallest): two binary searches per column. Labels do not overlap one
another and dots keep apart, so a query meets a bounded number of them however many
there are, and a query costs O(log n).

>>> ix = XIndex(4)
>>> ix.add(np.array([0.0, 0.0, 10.0, 10.0]))
>>> ix.add(np.array([50.0, 0.0, 60.0, 10.0]))
>>> ix.near(5.0, 5.0, 20.0, 20.0).tolist()
[[0.0, 0.0, 10.0, 10.0]]
"""

from __future__ import annotations

import numpy as np

CELL = 48.0  # a column's width, in pixels
_ROW = 1e7  # the key's stride between columns: more than any y in pixels
MASK_CELL = 4.0  # a raster cell's side, in pixels (see ``XIndex.with_mask``)
SLOTS = 4  # boxes a raster cell lists; a point in a cell met by more is looked up


class XIndex:
    """Rows whose first four columns are a box (x0, y0, x1, y1), filed by column of x0
    and by y0; the other columns are carried along (a leader line's end points)."""

    __slots__ = (
        "_rows", "_keys", "_max_w", "_max_h", "_cell", "_mask", "_origin", "_slots", "_boxes",
        "_cols",
    )  # fmt: skip

    def __init__(self, width: int, rows: np.ndarray | None = None, cell: float = CELL) -> None:
        self._cell = cell
        self._rows = np.zeros((0, width))
        self._keys = np.zeros(0)
        self._max_w = self._max_h = 0.0
        #: per raster cell, how many boxes meet it (see ``with_mask``)
        self._mask: np.ndarray | None = None
        #: per raster cell, the first ``SLOTS`` of them (numbers in ``_boxes``; -1: none)
        self._slots = np.zeros((0, 0, SLOTS), dtype=np.int32)
        self._boxes = np.zeros((0, 4))  # the boxes in the order they came
        self._cols = np.zeros((4, 0))  # the same, by column (x0s, y0s, x1s, y1s)
        self._origin = (0.0, 0.0)
        if rows is not None and len(rows):
            self.add_many(np.asarray(rows, dtype=float))

    def with_mask(self, x0: float, y0: float, x1: float, y1: float) -> XIndex:
        """Also keep a raster (``MASK_CELL`` pixels) over [x0, x1] × [y0, y1] of the
        boxes every cell meets (up to ``SLOTS`` of them, and how many), so that
        :func:`points_in` answers for a point on the raster from its cell's boxes
        without a look-up; returns the index."""
        nx = int((x1 - x0) / MASK_CELL) + 1
        ny = int((y1 - y0) / MASK_CELL) + 1
        self._origin = (x0, y0)
        self._mask = np.zeros((ny, nx), dtype=np.int32)
        self._slots = np.full((ny, nx, SLOTS), -1, dtype=np.int32)
        self._mark(self._rows)
        return self

    def _mark(self, rows: np.ndarray) -> None:
        if self._mask is None or not len(rows):
            return
        ny, nx = self._mask.shape
        gx, gy = self._origin
        i0 = np.clip(np.floor((rows[:, 0] - gx) / MASK_CELL), 0, nx - 1).astype(np.intp)
        i1 = np.clip(np.floor((rows[:, 2] - gx) / MASK_CELL), 0, nx - 1).astype(np.intp)
        j0 = np.clip(np.floor((rows[:, 1] - gy) / MASK_CELL), 0, ny - 1).astype(np.intp)
        j1 = np.clip(np.floor((rows[:, 3] - gy) / MASK_CELL), 0, ny - 1).astype(np.intp)
        first = len(self._boxes)
        self._boxes = np.concatenate([self._boxes, rows[:, :4]])
        self._cols = np.ascontiguousarray(self._boxes.T)
        cells = zip(i0.tolist(), i1.tolist(), j0.tolist(), j1.tolist(), strict=True)
        for k, (a, b, c, d) in enumerate(cells):
            count = self._mask[c : d + 1, a : b + 1]  # views: written through
            slots = self._slots[c : d + 1, a : b + 1]
            jj, ii = np.nonzero(count < SLOTS)
            slots[jj, ii, count[jj, ii]] = first + k
            count += 1

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> np.ndarray:
        """Every row, in key order."""
        return self._rows

    def _key(self, rows: np.ndarray) -> np.ndarray:
        return np.floor(rows[:, 0] / self._cell) * _ROW + rows[:, 1]

    def add(self, row: np.ndarray) -> None:
        """Insert one row at its place."""
        self.add_many(np.asarray(row, dtype=float)[None, :])

    def add_many(self, rows: np.ndarray) -> None:
        """Insert several rows."""
        if not len(rows):
            return
        keys = self._key(rows)
        if len(rows) > 1:  # sorted first, they go in at sorted places: no sort of all
            order = np.argsort(keys, kind="stable")
            rows, keys = rows[order], keys[order]
        # after the rows with the same key (np.insert keeps the given order at one place)
        at = np.searchsorted(self._keys, keys, side="right")
        self._rows = np.insert(self._rows, at, rows, axis=0)
        self._keys = np.insert(self._keys, at, keys)
        self._mark(rows)
        self._max_w = max(self._max_w, float((rows[:, 2] - rows[:, 0]).max()))
        self._max_h = max(self._max_h, float((rows[:, 3] - rows[:, 1]).max()))

    def pairs(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For query boxes ``q`` (M×4): (query number, row number) of every row that may
        meet the query — its x0 within [q.x0 − widest, q.x1] by column, its y0 within
        [q.y0 − tallest, q.y1] — in no particular order; the caller checks exactly."""
        if not len(q) or not len(self._rows):
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        c0 = np.floor((q[:, 0] - self._max_w) / self._cell)
        c1 = np.floor(q[:, 2] / self._cell)
        span = int((c1 - c0).max()) + 1
        cols = c0[:, None] + np.arange(span)[None, :]  # M × span
        inside = cols <= c1[:, None]
        lo = np.searchsorted(self._keys, (cols * _ROW + (q[:, 1:2] - self._max_h)).ravel(), "left")
        hi = np.searchsorted(self._keys, (cols * _ROW + q[:, 3:4]).ravel(), "right")
        hi = np.where(inside.ravel(), hi, lo)
        owner, member = _ranges(lo, hi)
        return owner // span, member

    def near(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """The rows whose box meets the closed region [x0, x1] × [y0, y1]."""
        _, member = self.pairs(np.array([[x0, y0, x1, y1]]))
        rows = self._rows[np.sort(member)]
        keep = (rows[:, 2] >= x0) & (rows[:, 0] <= x1) & (rows[:, 1] <= y1) & (rows[:, 3] >= y0)
        return rows[keep]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [lo[i], hi[i]): each member's range number and the member itself."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    start = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return owner, start + np.arange(int(counts.sum()))


def boxes_holding(boxes: np.ndarray, pts: XIndex) -> np.ndarray:
    """For each box (M×4) whether a point of ``pts`` (filed as boxes x, y, x, y) lies
    strictly inside it."""
    out = np.zeros(len(boxes), dtype=bool)
    owner, member = pts.pairs(boxes)
    if len(owner):
        b, p = boxes[owner], pts.rows[member]
        inside = (
            (p[:, 0] > b[:, 0]) & (p[:, 0] < b[:, 2]) & (p[:, 1] > b[:, 1]) & (p[:, 1] < b[:, 3])
        )
        out[owner[inside]] = True
    return out


def points_in(pts: np.ndarray, boxes: XIndex) -> np.ndarray:
    """For each point (P×2) whether it lies strictly inside one of ``boxes``: with a
    raster (``XIndex.with_mask``), a point on it is tested against its cell's boxes
    only (every box that holds it meets its cell); the others are looked up."""
    return points_in_xy(np.ascontiguousarray(pts[:, 0]), np.ascontiguousarray(pts[:, 1]), boxes)


def points_in_xy(xs: np.ndarray, ys: np.ndarray, boxes: XIndex) -> np.ndarray:
    """:func:`points_in` of the points (xs[i], ys[i])."""
    mask = boxes._mask
    if mask is None:
        return _points_in(np.column_stack([xs, ys]), boxes)
    ny, nx = mask.shape
    gx, gy = boxes._origin
    fi = np.floor((xs - gx) / MASK_CELL)
    fj = np.floor((ys - gy) / MASK_CELL)
    ok = (fi >= 0) & (fi < nx) & (fj >= 0) & (fj < ny)  # not NaN either
    if ok.all():
        on = None
        cell = fj.astype(np.intp) * nx + fi.astype(np.intp)
        px_, py_ = xs, ys
    else:
        on = np.flatnonzero(ok)
        cell = fj[on].astype(np.intp) * nx + fi[on].astype(np.intp)
        px_, py_ = xs[on], ys[on]
    count = mask.ravel()[cell]
    res = np.zeros(len(cell), dtype=bool)
    some = np.flatnonzero((count > 0) & (count <= SLOTS))  # the cell lists every box
    if len(some):
        ids = boxes._slots.reshape(-1, SLOTS)[cell[some]]  # S×SLOTS
        x0, y0, x1, y1 = boxes._cols[:, ids]  # -1 (no box) reads the last box: masked below
        p_x, p_y = px_[some][:, None], py_[some][:, None]
        inside = (ids >= 0) & (p_x > x0) & (p_x < x1) & (p_y > y0) & (p_y < y1)
        res[some] = inside.any(axis=1)
    crowded = np.flatnonzero(count > SLOTS)
    if on is None:
        out = res
        rest = crowded
    else:
        out = np.zeros(len(xs), dtype=bool)
        out[on] = res
        rest = np.concatenate([np.flatnonzero(~ok), on[crowded]])
    if len(rest):
        # off the raster, or in a cell met by more than SLOTS boxes
        out[rest] = _points_in(np.column_stack([xs[rest], ys[rest]]), boxes)
    return out


def _points_in(pts: np.ndarray, boxes: XIndex) -> np.ndarray:
    out = np.zeros(len(pts), dtype=bool)
    owner, member = boxes.pairs(np.column_stack([pts, pts]))
    if len(owner):
        p, b = pts[owner], boxes.rows[member]
        inside = (
            (p[:, 0] > b[:, 0]) & (p[:, 0] < b[:, 2]) & (p[:, 1] > b[:, 1]) & (p[:, 1] < b[:, 3])
        )
        out[owner[inside]] = True
    return out


def boxes_overlapping(cands: np.ndarray, boxes: XIndex) -> np.ndarray:
    """For each candidate box (M×4) whether it overlaps (with positive area) one of ``boxes``."""
    out = np.zeros(len(cands), dtype=bool)
    owner, member = boxes.pairs(cands)
    if len(owner):
        c, b = cands[owner], boxes.rows[member]
        hit = (c[:, 0] < b[:, 2]) & (c[:, 2] > b[:, 0]) & (c[:, 1] < b[:, 3]) & (c[:, 3] > b[:, 1])
        out[owner[hit]] = True
    return out


def any_in_rows(xs: np.ndarray, ys: np.ndarray, boxes: XIndex) -> np.ndarray:
    """Per row of the points (xs[i, j], ys[i, j]), whether one lies in one of ``boxes``."""
    inside = points_in_xy(xs.ravel(), ys.ravel(), boxes)
    return np.asarray(inside.reshape(xs.shape).any(axis=1))


def boxes_holding_points(boxes: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """For each box (M×4) whether one of the points (P×2) lies strictly inside it, by a
    scan of the points inside the region the boxes span (a point strictly inside a
    box lies in it)."""
    if not len(boxes) or not len(pts):
        return np.zeros(len(boxes), dtype=bool)
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = boxes[:, 2].max(), boxes[:, 3].max()
    pts = pts[(pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)]
    p, b = pts[None, :, :], boxes[:, None, :]
    inside = (p[:, :, 0] > b[:, :, 0]) & (p[:, :, 0] < b[:, :, 2])
    inside &= (p[:, :, 1] > b[:, :, 1]) & (p[:, :, 1] < b[:, :, 3])
    return np.asarray(inside.any(axis=1))


def segment_crossings(
    px: float, py: float, ex: np.ndarray, ey: np.ndarray, leaders: XIndex
) -> np.ndarray:
    """How many of the ``leaders`` each segment (px, py)→(ex[i], ey[i]) properly crosses
    (only leaders whose box meets the segment's box can: looked up in the index).

    A pair crosses when each segment's ends lie strictly on either side of the other
    (the sign of a cross product, four orientations); the differences are taken once
    per segment or per pair rather than once per orientation: the same operands, so
    the same floats."""
    q = np.column_stack(
        [np.minimum(px, ex), np.minimum(py, ey), np.maximum(px, ex), np.maximum(py, ey)]
    )
    owner, member = leaders.pairs(q)
    if not len(owner):
        return np.zeros(len(ex), dtype=np.intp)
    rows = leaders.rows
    q_in = (rows[member, 0] <= q[owner, 2]) & (rows[member, 2] >= q[owner, 0])
    q_in &= (rows[member, 1] <= q[owner, 3]) & (rows[member, 3] >= q[owner, 1])
    owner, member = owner[q_in], member[q_in]
    c_x, c_y, d_x, d_y = (rows[member, 4 + k] for k in range(4))
    # the segment a→b, a = (px, py): b − a once per segment
    ab_x, ab_y = (ex - px)[owner], (ey - py)[owner]
    ac_x, ac_y = c_x - px, c_y - py
    o1 = np.sign(ab_x * ac_y - ab_y * ac_x)
    o2 = np.sign(ab_x * (d_y - py) - ab_y * (d_x - px))
    cd_x, cd_y = d_x - c_x, d_y - c_y
    o3 = np.sign(cd_x * (py - c_y) - cd_y * (px - c_x))
    o4 = np.sign(cd_x * (ey[owner] - c_y) - cd_y * (ex[owner] - c_x))
    crossed = (o1 * o2 < 0) & (o3 * o4 < 0)
    return np.bincount(owner[crossed], minlength=len(ex))


def nearest_on_box(px: float, py: float, box: np.ndarray) -> tuple[float, float]:
    """The point of ``box`` (x0, y0, x1, y1) nearest (px, py)."""
    return (min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3]))
