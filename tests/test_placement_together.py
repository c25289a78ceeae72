"""Issue 18: the placer's tests that rule out many candidates at once answer what the
tests they replaced answered, and how its search is sliced changes no placement.

The references below are the placer's tests as they were before the placer session of
2026-12-04 (docs/performance.md, "Label placement, candidates ruled out together"):
nine points of each leader line tested at once against every placed label (by a
scan), leader crossings by four calls of an orientation function, and the unfiled
leader points tested against every box. Each is compared with the placer's own, on
random scenes (Hypothesis) and on every call made while placing a crowded curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from benchmarks.bench_curve import crowded
from hypothesis import given, settings
from hypothesis import strategies as st

from placement_scenes import box_lists, coord
from techcurve.render.curve import draw, memo
from techcurve.render.curve import placement as pl
from techcurve.render.curve.spatial import XIndex, boxes_overlapping, points_in, points_in_xy


@st.composite
def segment_lists(draw_: Any, max_size: int = 30) -> np.ndarray:
    rows = draw_(st.lists(st.tuples(coord, coord, coord, coord), max_size=max_size))
    return np.array(rows).reshape(-1, 4)


def _scan_points_in(pts: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    p, b = pts[:, None, :], boxes[None, :, :]
    inside = (p[..., 0] > b[..., 0]) & (p[..., 0] < b[..., 2])
    inside &= (p[..., 1] > b[..., 1]) & (p[..., 1] < b[..., 3])
    return np.asarray(inside.any(axis=1))


def _through_all_nine(
    px: float, py: float, ex: np.ndarray, ey: np.ndarray, boxes: np.ndarray
) -> np.ndarray:
    """The test as it was: nine points of each leader line at once, here by a scan."""
    tc = np.linspace(0.15, 0.95, 9)
    cx, cy = px + (ex[:, None] - px) * tc, py + (ey[:, None] - py) * tc
    inside = _scan_points_in(np.column_stack([cx.ravel(), cy.ravel()]), boxes)
    return np.asarray(inside.reshape(cx.shape).any(axis=1))


def _orient(
    ax_: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, cx: np.ndarray,
    cy: np.ndarray,
) -> np.ndarray:  # fmt: skip
    return np.sign((bx - ax_) * (cy - ay) - (by - ay) * (cx - ax_))


def _crossings_by_orient(
    px: float, py: float, ex: np.ndarray, ey: np.ndarray, segs: np.ndarray
) -> np.ndarray:
    """The count as it was (four orientations per pair), here over every pair whose
    boxes meet."""
    out = np.zeros(len(ex), dtype=np.intp)
    if not len(segs):
        return out
    q = np.column_stack(
        [np.minimum(px, ex), np.minimum(py, ey), np.maximum(px, ex), np.maximum(py, ey)]
    )
    lo = np.minimum(segs[:, :2], segs[:, 2:])
    hi = np.maximum(segs[:, :2], segs[:, 2:])
    for i in range(len(ex)):
        meet = (lo[:, 0] <= q[i, 2]) & (hi[:, 0] >= q[i, 0])
        meet &= (lo[:, 1] <= q[i, 3]) & (hi[:, 1] >= q[i, 1])
        s = segs[meet]
        a_x, a_y = np.full(len(s), px), np.full(len(s), py)
        b_x, b_y = np.full(len(s), ex[i]), np.full(len(s), ey[i])
        c_x, c_y, d_x, d_y = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
        o1 = _orient(a_x, a_y, b_x, b_y, c_x, c_y)
        o2 = _orient(a_x, a_y, b_x, b_y, d_x, d_y)
        o3 = _orient(c_x, c_y, d_x, d_y, a_x, a_y)
        o4 = _orient(c_x, c_y, d_x, d_y, b_x, b_y)
        out[i] = int(((o1 * o2 < 0) & (o3 * o4 < 0)).sum())
    return out


def _leader_rows(segs: np.ndarray) -> np.ndarray:
    """Leader lines as the placer files them: bounding box, then the segment."""
    lo = np.minimum(segs[:, :2], segs[:, 2:])
    hi = np.maximum(segs[:, :2], segs[:, 2:])
    return np.column_stack([lo, hi, segs]).reshape(-1, 8)


def _soft_by_scan(boxes: np.ndarray, soft_rows: np.ndarray, pending: np.ndarray) -> np.ndarray:
    """The last-resort test as it was: every box against every box of the index (with
    positive area) and every unfiled leader point (strictly inside)."""
    c, b = boxes[:, None, :], soft_rows[None, :, :]
    hit = (c[..., 0] < b[..., 2]) & (c[..., 2] > b[..., 0])
    hit &= (c[..., 1] < b[..., 3]) & (c[..., 3] > b[..., 1])
    out = hit.any(axis=1)
    p, bb = pending[None, :, :], boxes[:, None, :]
    inside = (p[..., 0] > bb[..., 0]) & (p[..., 0] < bb[..., 2])
    inside &= (p[..., 1] > bb[..., 1]) & (p[..., 1] < bb[..., 3])
    return np.asarray(out | inside.any(axis=1))


@dataclass
class _Scene:
    """What the placer's tests read of its scene."""

    placed: XIndex
    leaders: XIndex = field(default_factory=lambda: XIndex(8))
    soft: XIndex = field(default_factory=lambda: XIndex(4, cell=pl.SOFT_CELL))
    pending_pts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


@settings(max_examples=150, deadline=None)
@given(box_lists(), coord, coord, segment_lists(), st.booleans())
def test_three_points_then_six_find_what_nine_at_once_find(
    boxes: np.ndarray, px: float, py: float, ends: np.ndarray, raster: bool
) -> None:
    placed = XIndex(4)
    if raster:  # smaller than the boxes' spread: some points fall off it
        placed.with_mask(0.0, 0.0, 200.0, 160.0)
    placed.add_many(boxes)
    ex, ey = ends[:, 0], ends[:, 1]
    sc: Any = _Scene(placed)
    got = pl._through_label(px, py, ex, ey, sc)
    assert np.array_equal(got, _through_all_nine(px, py, ex, ey, boxes))


@settings(max_examples=150, deadline=None)
@given(segment_lists(), coord, coord, segment_lists())
def test_crossings_are_the_four_orientations_count(
    leaders: np.ndarray, px: float, py: float, ends: np.ndarray
) -> None:
    # a few leaders through the dot or along a candidate's line: orientations of zero
    extra = [(px, py, px + 10.0, py + 10.0)]
    if len(ends):
        extra.append((px, py, float(ends[0, 0]), float(ends[0, 1])))
    segs = np.concatenate([leaders, np.array(extra)])
    ix = XIndex(8, _leader_rows(segs))
    ex, ey = ends[:, 0], ends[:, 1]
    got = pl._crossings(px, py, ex, ey, ix)
    assert np.array_equal(got, _crossings_by_orient(px, py, ex, ey, segs))


@settings(max_examples=150, deadline=None)
@given(box_lists(), box_lists(), st.lists(st.tuples(coord, coord), max_size=60))
def test_the_last_resort_test_finds_what_a_scan_finds(
    cands: np.ndarray, soft: np.ndarray, pending: list[tuple[float, float]]
) -> None:
    pts = np.array(pending).reshape(-1, 2)
    sc: Any = _Scene(XIndex(4), soft=XIndex(4, soft, cell=pl.SOFT_CELL), pending_pts=pts)
    assert np.array_equal(pl._soft(cands, sc), _soft_by_scan(cands, soft, pts))


@settings(max_examples=100, deadline=None)
@given(box_lists(), st.lists(st.tuples(coord, coord), max_size=80))
def test_points_as_two_arrays_are_points_as_rows(
    boxes: np.ndarray, pts_: list[tuple[float, float]]
) -> None:
    ix = XIndex(4).with_mask(0.0, 0.0, 200.0, 160.0)
    ix.add_many(boxes)
    pts = np.array(pts_).reshape(-1, 2)
    got = points_in_xy(pts[:, 0].copy(), pts[:, 1].copy(), ix)
    assert np.array_equal(got, _scan_points_in(pts, boxes))
    assert np.array_equal(points_in(pts, ix), got)


def test_every_call_while_placing_a_crowded_curve_answers_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """400 numbered dots (crowded: most leader lines leave through a label): each test
    the search makes, on the scene as it is at that moment, against the reference."""
    calls = {"through": 0, "crossings": 0, "soft": 0}
    through, crossings, soft = pl._through_label, pl._crossings, pl._soft

    def through_(px: float, py: float, ex: np.ndarray, ey: np.ndarray, sc: Any) -> Any:
        got = through(px, py, ex, ey, sc)
        assert np.array_equal(got, _through_all_nine(px, py, ex, ey, sc.placed.rows))
        calls["through"] += 1
        return got

    def crossings_(px: float, py: float, ex: np.ndarray, ey: np.ndarray, lead: XIndex) -> Any:
        got = crossings(px, py, ex, ey, lead)
        assert np.array_equal(got, _crossings_by_orient(px, py, ex, ey, lead.rows[:, 4:]))
        calls["crossings"] += 1
        return got

    def soft_(boxes: np.ndarray, sc: Any) -> Any:
        got = soft(boxes, sc)
        # the index's part by the index (checked against a scan above), the rest scanned
        held = _soft_by_scan(boxes, np.zeros((0, 4)), sc.pending_pts)
        assert np.array_equal(got, boxes_overlapping(boxes, sc.soft) | held)
        calls["soft"] += 1
        return got

    monkeypatch.setattr(pl, "_through_label", through_)
    monkeypatch.setattr(pl, "_crossings", crossings_)
    monkeypatch.setattr(pl, "_soft", soft_)
    a, s, d = crowded(400)
    draw.draw_curve(a, s, d, lang="zh", labels="numbers", source_line="数据来源：测试")
    assert min(calls.values()) >= 300


def _placements(n: int, labels: str) -> list[Any]:
    """Every placing's outcome when the curve is drawn, none read from the kept ones."""
    memo._path().unlink(missing_ok=True)
    memo._known.clear()
    got: list[Any] = []
    place = draw.place_labels

    def recorded(*args: Any, **kwargs: Any) -> Any:
        got.append(place(*args, **kwargs))
        return got[-1]

    draw.place_labels = recorded  # type: ignore[assignment]
    try:
        a, s, d = crowded(n)
        draw.draw_curve(a, s, d, lang="zh", labels=labels, source_line="数据来源：测试")
    finally:
        draw.place_labels = place  # type: ignore[assignment]
    return [(p.placed, p.crowded, p.longest_leader_pt, p.gave_up, p.labels) for p in got]


@pytest.mark.parametrize(("n", "labels"), [(240, "numbers"), (120, "names")])
def test_how_the_search_is_sliced_changes_no_placement(
    n: int, labels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first slice is 64 candidates, then every one under the best at once: placing
    with the slices of before (16, then four times as many each) and the crossings
    counted 64 at a time puts every label at the same place."""
    now = _placements(n, labels)
    monkeypatch.setattr(pl, "SLICE", 16)
    monkeypatch.setattr(pl, "AT_ONCE_UNDER", -float("inf"))  # never all under the best at once
    monkeypatch.setattr(pl, "CROSS_BATCH", 64)
    before = _placements(n, labels)
    assert len(now) == len(before) >= 1
    assert now == before
