"""The label placer's index and its pruned search find what scanning everything finds.

:mod:`techcurve.render.curve.spatial` files boxes in sorted columns (and, with a
raster, lists each raster cell's boxes); the placer costs candidates term by term and
counts leader crossings only for those still in the running. Both only skip work:
the boxes found and the label chosen are the ones a brute-force scan gives.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from benchmarks.bench_curve import crowded
from hypothesis import given, settings
from hypothesis import strategies as st

from placement_scenes import box_lists
from techcurve.render.curve import draw
from techcurve.render.curve import placement as pl
from techcurve.render.curve.spatial import (
    MASK_CELL,
    SLOTS,
    XIndex,
    boxes_holding,
    boxes_overlapping,
    points_in,
)


def _scan_overlapping(cands: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    c, b = cands[:, None, :], boxes[None, :, :]
    hit = (c[..., 0] < b[..., 2]) & (c[..., 2] > b[..., 0])
    hit &= (c[..., 1] < b[..., 3]) & (c[..., 3] > b[..., 1])
    return np.asarray(hit.any(axis=1))


def _scan_points_in(pts: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    p, b = pts[:, None, :], boxes[None, :, :]
    inside = (p[..., 0] > b[..., 0]) & (p[..., 0] < b[..., 2])
    inside &= (p[..., 1] > b[..., 1]) & (p[..., 1] < b[..., 3])
    return np.asarray(inside.any(axis=1))


def _scan_holding(cands: np.ndarray, pts: np.ndarray) -> np.ndarray:
    c, p = cands[:, None, :], pts[None, :, :]
    inside = (p[..., 0] > c[..., 0]) & (p[..., 0] < c[..., 2])
    inside &= (p[..., 1] > c[..., 1]) & (p[..., 1] < c[..., 3])
    return np.asarray(inside.any(axis=1))


def _index(rows: np.ndarray, raster: bool, one_by_one: bool) -> XIndex:
    ix = XIndex(4)
    if raster:  # a raster smaller than the boxes' spread: some points fall off it
        ix.with_mask(0.0, 0.0, 200.0, 160.0)
    if one_by_one:
        for r in rows:
            ix.add(r)
    else:
        ix.add_many(rows)
    return ix


@settings(max_examples=150, deadline=None)
@given(box_lists(), box_lists(), st.booleans(), st.booleans())
def test_index_finds_what_a_scan_finds(
    boxes: np.ndarray, cands: np.ndarray, raster: bool, one_by_one: bool
) -> None:
    ix = _index(boxes, raster, one_by_one)
    assert len(ix) == len(boxes)
    assert np.array_equal(np.sort(ix.rows, axis=0), np.sort(boxes, axis=0))
    assert np.array_equal(boxes_overlapping(cands, ix), _scan_overlapping(cands, boxes))
    # points: the candidates' corners and centres, some on the boxes' edges
    pts = np.concatenate(
        [cands[:, :2], cands[:, 2:], (cands[:, :2] + cands[:, 2:]) / 2, boxes[:, :2]]
    ).reshape(-1, 2)
    assert np.array_equal(points_in(pts, ix), _scan_points_in(pts, boxes))
    filed = XIndex(4, np.column_stack([pts, pts]))
    assert np.array_equal(boxes_holding(cands, filed), _scan_holding(cands, pts))


def test_a_crowded_raster_cell_still_finds_every_box() -> None:
    """More boxes than a cell lists (``SLOTS``) meet one cell: its points are looked up."""
    rows = np.array([[10.0 + k * 0.1, 10.0, 13.0 + k * 0.1, 13.0] for k in range(SLOTS + 3)])
    ix = _index(rows, raster=True, one_by_one=False)
    xs = np.linspace(9.0, 14.0, 41)
    pts = np.column_stack([xs, np.full_like(xs, 11.5)])
    assert MASK_CELL >= 3.0  # the boxes share a cell
    assert np.array_equal(points_in(pts, ix), _scan_points_in(pts, rows))


def _cheapest_by_scan(
    px: float, py: float, arr: np.ndarray, boxes: np.ndarray, sc: Any
) -> tuple[int, float]:
    """Every free candidate costed in full, chunk by chunk; the first of the cheapest."""
    free = np.flatnonzero(~pl._taken(boxes, sc))
    best, best_cost = -1, math.inf
    for start in range(0, len(free), pl.CHUNK):
        chunk = free[start : start + pl.CHUNK]
        near = bool(sc.placed.near(*pl._region(px, py, boxes[chunk])).size)
        costs = pl._candidate_costs(px, py, arr[chunk, 2], boxes[chunk], sc, near)
        k = int(np.argmin(costs))
        if costs[k] < best_cost:
            best, best_cost = int(chunk[k]), float(costs[k])
    return best, best_cost


@pytest.mark.parametrize(("n", "labels"), [(120, "numbers"), (90, "names")])
def test_the_pruned_search_picks_what_costing_every_candidate_picks(
    n: int, labels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, float]] = []
    pruned = pl._cheapest

    def both(px: float, py: float, arr: np.ndarray, boxes: np.ndarray, sc: Any) -> Any:
        got = pruned(px, py, arr, boxes, sc)
        assert got == _cheapest_by_scan(px, py, arr, boxes, sc)
        seen.append(got)
        return got

    monkeypatch.setattr(pl, "_cheapest", both)
    a, s, d = crowded(n)
    draw.draw_curve(a, s, d, lang="zh", labels=labels, source_line="数据来源：测试")
    assert len(seen) >= n
