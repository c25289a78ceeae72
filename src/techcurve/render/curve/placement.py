"""Where each sub-field's label goes: a greedy, left-to-right label-placement optimiser.

For each dot, candidate label boxes next to it, then stacked further above and below
it (in columns around its x), then fanned out along the curve's normal are measured
with the renderer and tried cheapest first. A box that overlaps another label or a
dot is out; one that crosses the curve or sits on a leader line only as a last
resort; leaders that cross the curve, another dot, another label or each other cost
extra. The cheapest box wins, and a thin leader line joins a label set away from its
dot. :func:`label_boxes` returns the final boxes so that tests can check that no two
labels overlap. All geometry is in display pixels.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from techcurve.render.curve.shape import STRIP_TOP, CurvePoint, curve_y
from techcurve.render.curve.spatial import (
    XIndex,
    any_in_rows,
    boxes_holding_points,
    boxes_overlapping,
    nearest_on_box,
    points_in_xy,
)
from techcurve.render.curve.spatial import segment_crossings as _crossings

log = logging.getLogger(__name__)

LABEL_GID = "techcurve-label"
LEADER_CROSS_COST = 20.0  # per crossing of two leader lines, in pixels of extra length
CHUNK = 1024  # candidates whose leader penalties look at one region
SLICE = 64  # candidates costed first; then GROW times as many until a best is known
GROW = 4
CROSS_BATCH = 16  # candidates whose leader crossings are counted first; then 4× as many
PENDING = 256  # leader-line points kept aside before they are filed in the index
#: the columns (pixels) of the index of the curve's boxes and the leader-line points:
#: these are tiny, so narrow columns spare the exact test most of them
SOFT_CELL = 12.0
#: a candidate's cost from which it crosses the curve or sits on a leader line
SOFT_COST = 1e5
#: once the best found costs less than this, the next slice is every candidate left
#: whose base cost is under it (see :func:`_cheapest`)
AT_ONCE_UNDER = SOFT_COST


@dataclass(slots=True)
class _Scene:
    """The plot in display space: bounds, obstacles, and the labels placed so far."""

    r_mark: float  # a dot's radius, with clearance
    pad: float  # clearance around every label box
    gap: float  # between a dot and a label beside it
    lo_x: float
    hi_x: float
    lo_y: float
    hi_y: float
    marks: XIndex  # K×4 boxes of the dots (and ghost dots)
    curve_pts: np.ndarray  # the curve, sampled
    #: thin boxes along the curve, and points along the leader lines drawn so far as
    #: boxes (x, y, x, y): a label box overlapping either is a last resort (a box
    #: overlaps such a point exactly when the point lies strictly inside it)
    soft: XIndex
    #: the labels placed so far
    placed: XIndex = field(default_factory=lambda: XIndex(4))
    #: the dots and the labels placed so far: a label box must overlap none
    taken: XIndex = field(default_factory=lambda: XIndex(4))
    #: the latest leader-line points (P×2), not yet filed in ``soft``: filing copies
    #: the index, so they are filed PENDING at a time
    pending_pts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    #: the leader lines: bounding box, then the segment (x0, y0, x1, y1)
    leaders: XIndex = field(default_factory=lambda: XIndex(8))


def _scene(
    fig: Figure,
    ax: Axes,
    xy: np.ndarray,
    marker_pt: float,
    extra_marks: Sequence[tuple[float, float]],
) -> _Scene:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px_per_pt = fig.dpi / 72.0
    r_mark = marker_pt / 2 * px_per_pt + 1.5
    to_disp = ax.transData.transform
    area = ax.get_window_extent(renderer)
    # keep labels inside the axes and above the phase-name strip
    strip_top = float(to_disp((0.0, STRIP_TOP))[1])
    # obstacles: every dot, the curve (as sampled points), later labels and leaders
    mxy = np.vstack([xy, to_disp(np.array(extra_marks))]) if extra_marks else xy
    marks = np.column_stack(
        [mxy[:, 0] - r_mark, mxy[:, 1] - r_mark, mxy[:, 0] + r_mark, mxy[:, 1] + r_mark]
    )
    xs = np.linspace(0, 1, 800)
    curve_pts = to_disp(np.column_stack([xs, curve_y(xs)]))
    lw = 2.5 * px_per_pt
    curve_boxes = np.column_stack(
        [curve_pts[:, 0] - 1, curve_pts[:, 1] - lw, curve_pts[:, 0] + 1, curve_pts[:, 1] + lw]
    )
    fb = fig.bbox
    raster = (float(fb.x0), float(fb.y0), float(fb.x1), float(fb.y1))
    return _Scene(
        r_mark=r_mark,
        pad=1.5 * px_per_pt,
        gap=2.0 * px_per_pt,
        lo_x=area.x0 + 2,
        hi_x=area.x1 - 2,
        lo_y=strip_top + 2,
        hi_y=area.y1 - 2,
        marks=XIndex(4, marks).with_mask(*raster),
        curve_pts=curve_pts,
        soft=XIndex(4, curve_boxes, cell=SOFT_CELL),
        taken=XIndex(4, marks),
        placed=XIndex(4).with_mask(*raster),
    )


def _normals(ax: Axes, points: Sequence[CurvePoint]) -> np.ndarray:
    """Unit normals of the curve (in display space) at each dot, pointing up."""
    if not len(points):
        return np.zeros((0, 2))
    to_disp = ax.transData.transform
    eps = 1e-3
    xs_ = np.array([p.x for p in points])
    a_ = to_disp(np.column_stack([xs_ - eps, curve_y(xs_ - eps)]))
    b_ = to_disp(np.column_stack([xs_ + eps, curve_y(xs_ + eps)]))
    tan = b_ - a_
    normals = np.column_stack([-tan[:, 1], tan[:, 0]])
    normals /= np.hypot(normals[:, 0], normals[:, 1])[:, None]
    normals[normals[:, 1] < 0] *= -1
    return normals


def _candidates(
    px: float, py: float, w: float, h: float, normal: np.ndarray, sc: _Scene
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate centres with their base cost (N×3, cheapest first) and boxes (N×4),
    all inside the plot: beside the dot, stacked in columns above and below it, and
    fanned out along the curve's normal."""
    r, gap = sc.r_mark, sc.gap
    near = [
        (px + r + gap + w / 2, py),
        (px - r - gap - w / 2, py),
        (px, py + r + gap + h / 2),
        (px, py - r - gap - h / 2),
        (px + r + w / 2, py + r + h / 2),
        (px - r - w / 2, py + r + h / 2),
        (px + r + w / 2, py - r - h / 2),
        (px - r - w / 2, py - r - h / 2),
    ]
    arr = np.concatenate(
        [
            np.array([(cx, cy, k * 0.1) for k, (cx, cy) in enumerate(near)]),
            _column_candidates(px, py, w, h, sc),
            _fan_candidates(px, py, w, h, normal, sc),
        ]
    )
    arr = arr[np.argsort(arr[:, 2], kind="stable")]
    boxes = np.column_stack(
        [arr[:, 0] - w / 2, arr[:, 1] - h / 2, arr[:, 0] + w / 2, arr[:, 1] + h / 2]
    )
    inside = (boxes[:, 0] >= sc.lo_x) & (boxes[:, 2] <= sc.hi_x)
    inside &= (boxes[:, 1] >= sc.lo_y) & (boxes[:, 3] <= sc.hi_y)
    return arr[inside], boxes[inside]


def _column_candidates(px: float, py: float, w: float, h: float, sc: _Scene) -> np.ndarray:
    """Boxes stacked above and below the dot, in columns around its x (N×3: centre and
    base cost, in the order: step, then above before below, then the column)."""
    step = h * 0.55
    n_steps = int((sc.hi_y - sc.lo_y) / step) + 2
    js = np.arange(1, 9, dtype=float) * w * 0.5
    dxs = np.concatenate([[0.0], np.column_stack([js, -js]).ravel()])
    steps = np.arange(1, n_steps, dtype=float)
    off = sc.r_mark + sc.gap + h / 2 + steps * step
    cy = py + np.stack([off, -off], axis=1)[:, :, None]  # steps × sign × 1
    cy = np.broadcast_to(cy, (len(steps), 2, len(dxs)))
    dx = np.broadcast_to(dxs, cy.shape)
    # leader length, with sideways moves costing more than vertical ones
    cost = np.hypot(dx * 1.6, cy - py) + 8
    return np.column_stack([(px + dx).ravel(), cy.ravel(), cost.ravel()])


def _fan_candidates(
    px: float, py: float, w: float, h: float, normal: np.ndarray, sc: _Scene
) -> np.ndarray:
    """A fan along the curve's normal (both sides, tilted up to ±60°): in a dense run of
    dots on a slope these give short leaders that do not cross (N×3: centre and base
    cost, by side, then tilt, then distance)."""
    nx, ny = normal
    rays = []  # per direction: its unit vector, the box's offset, the tilt's extra cost
    for side in (1.0, -1.0):
        base_ang = math.atan2(side * ny, side * nx)
        for tilt in _TILTS:
            ux, uy = math.cos(base_ang + tilt), math.sin(base_ang + tilt)
            ox = w / 2 * max(-1.0, min(1.0, ux * 2.5))
            oy = h / 2 * max(-1.0, min(1.0, uy * 2.5))
            rays.append((ux, uy, ox, oy, abs(tilt) * 6))
    ux_, uy_, ox_, oy_, extra = (np.array(c)[:, None] for c in zip(*rays, strict=True))
    dist = sc.r_mark + sc.gap + _FAN_STEPS * h * 0.45  # the same sums as one at a time
    cx = px + ux_ * dist + ox_
    cy = py + uy_ * dist + oy_
    cost = np.broadcast_to(dist + 6 + extra, cx.shape)
    return np.column_stack([cx.ravel(), cy.ravel(), cost.ravel()])


_TILTS = (0.0, 0.35, -0.35, 0.7, -0.7, 1.05, -1.05)
_FAN_STEPS = np.arange(1, 16, dtype=float)


def _region(px: float, py: float, boxes: np.ndarray) -> tuple[float, float, float, float]:
    """The region the boxes and their leader lines from (px, py) span."""
    return (
        min(float(boxes[:, 0].min()), px),
        min(float(boxes[:, 1].min()), py),
        max(float(boxes[:, 2].max()), px),
        max(float(boxes[:, 3].max()), py),
    )


def _leader_ends(px: float, py: float, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each candidate's leader line would end: the box's point nearest the dot."""
    return np.clip(px, boxes[:, 0], boxes[:, 2]), np.clip(py, boxes[:, 1], boxes[:, 3])


def _soft(boxes: np.ndarray, sc: _Scene) -> np.ndarray:
    """Whether each box crosses the curve or holds a point of a leader line (allowed
    only as a last resort); the points not yet filed are tested only against the boxes
    not already found so."""
    soft = boxes_overlapping(boxes, sc.soft)
    if len(sc.pending_pts) and len(boxes):
        rest = np.flatnonzero(~soft)
        soft[rest] = boxes_holding_points(boxes[rest], sc.pending_pts)
    return soft


#: where a leader line is sampled (fractions of it from the dot) to see whether it
#: crosses the curve or runs through a dot, and whether it runs through a label
_CURVE_TS = np.linspace(0.2, 1.0, 9)
_LABEL_TS = np.linspace(0.15, 0.95, 9)


def _curve_and_dots(
    px: float, py: float, ex: np.ndarray, ey: np.ndarray, sc: _Scene
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each leader line crosses the curve, and whether it runs through a dot
    (away from its own): either reads as pointing at the wrong thing."""
    ts = _CURVE_TS
    sx = px + (ex[:, None] - px) * ts  # M×9 sample points along each leader
    sy = py + (ey[:, None] - py) * ts
    side = np.sign(sy - np.interp(sx, sc.curve_pts[:, 0], sc.curve_pts[:, 1]))
    crosses_curve = (side != side[:, :1]).any(axis=1)
    far = np.hypot(sx - px, sy - py) > 6
    in_mark = points_in_xy(sx.ravel(), sy.ravel(), sc.marks).reshape(sx.shape)
    return np.asarray(crosses_curve), np.asarray((in_mark & far).any(axis=1))


def _through_label(px: float, py: float, ex: np.ndarray, ey: np.ndarray, sc: _Scene) -> np.ndarray:
    """Whether each leader line runs through a label placed so far (confusing): one of
    its points at :data:`_LABEL_TS` lies in one. The three nearest the dot are tested
    first, the other six only for the lines those leave (at 1,000 dots they catch 85 %
    of the lines that do); each point is the same float as when all nine are taken."""
    vx, vy = (ex - px)[:, None], (ey - py)[:, None]
    near, far = _LABEL_TS[:3], _LABEL_TS[3:]
    out = any_in_rows(px + vx * near, py + vy * near, sc.placed)
    rest = np.flatnonzero(~out)
    if len(rest):
        out[rest] = any_in_rows(px + vx[rest] * far, py + vy[rest] * far, sc.placed)
    return out


def _partial_cost(
    base: np.ndarray,
    soft: np.ndarray,
    curve_dots: tuple[np.ndarray, np.ndarray] | None = None,
    through: np.ndarray | None = None,
) -> np.ndarray:
    """A candidate's cost without the penalties not given (None) nor its leader
    crossings: the terms are added in one fixed order, the order of the full cost, so
    that with every term given this is the full cost's sum before its last term, and
    with fewer a lower bound of it (rounding is monotone and every penalty ≥ 0)."""
    cost = base + np.where(soft, SOFT_COST, 0.0)
    if curve_dots is not None:
        crosses_curve, on_mark = curve_dots
        cost = cost + np.where(crosses_curve, 60.0, 0.0) + np.where(on_mark, 30.0, 0.0)
    if through is not None:
        cost = cost + np.where(through, 400.0, 0.0)
    return np.asarray(cost)


def _candidate_costs(
    px: float,
    py: float,
    base: np.ndarray,
    boxes: np.ndarray,
    sc: _Scene,
    near_placed: bool | None = None,
) -> np.ndarray:
    """Total cost of each candidate box (boxes free of labels and dots: see ``_taken``).

    Only the obstacles in the region the boxes and their leader lines span count, so
    each is looked up in the scene's sorted indexes (:mod:`.spatial`), not scanned.
    The penalties for leader lines crossing labels or other leader lines apply when a
    placed label meets that region; ``near_placed`` says so for a wider set of boxes
    these are part of (by default: whether one meets these boxes' region).
    :func:`_cheapest` finds the cheapest of them without costing every one in full."""
    if near_placed is None:
        near_placed = bool(sc.placed.near(*_region(px, py, boxes)).size)
    ex, ey = _leader_ends(px, py, boxes)
    curve_dots = _curve_and_dots(px, py, ex, ey, sc)
    if not near_placed:
        return _partial_cost(base, _soft(boxes, sc), curve_dots)
    cost = _partial_cost(base, _soft(boxes, sc), curve_dots, _through_label(px, py, ex, ey, sc))
    # leader lines crossing each other make a fan that is hard to follow
    return np.asarray(cost + LEADER_CROSS_COST * _crossings(px, py, ex, ey, sc.leaders))


def _cheapest(
    px: float, py: float, arr: np.ndarray, boxes: np.ndarray, sc: _Scene
) -> tuple[int, float]:
    """The index of the cheapest usable candidate and its cost, or (-1, inf) when none is
    usable; of candidates that cost the same, the first.

    Boxes that overlap a label or a dot are dropped first (one sorted look-up for all);
    the rest are taken in chunks, cheapest base cost first, and within a chunk in
    slices; penalties only add to the base cost, so once a slice starts above the best
    total found the rest cannot win. Whether a placed label meets a chunk's region
    decides its leader penalties (see :func:`_candidate_costs`).

    The slices change only the work, never the outcome (:func:`_best_of` returns the
    first of the cheapest of a slice and the best so far): the first :data:`SLICE`,
    then, once a best under :data:`AT_ONCE_UNDER` is known, every candidate left whose
    base cost is under it, ruled out (or not) together; before that, slices grow
    :data:`GROW` times.
    """
    free = np.flatnonzero(~_taken(boxes, sc))
    best, best_cost = -1, math.inf
    for start in range(0, len(free), CHUNK):
        chunk = free[start : start + CHUNK]
        if arr[chunk[0], 2] >= best_cost:
            break
        near_placed = bool(sc.placed.near(*_region(px, py, boxes[chunk])).size)
        bases = arr[chunk, 2]  # ascending
        lo, size = 0, SLICE
        while lo < len(chunk):
            if bases[lo] >= best_cost:
                return best, best_cost
            if best_cost < AT_ONCE_UNDER:
                # a usable best is known: every candidate that may still beat it at once
                size = int(np.searchsorted(bases, best_cost, "left")) - lo
            idx = chunk[lo : lo + size]
            best, best_cost = _best_of(px, py, arr, boxes, idx, sc, near_placed, best, best_cost)
            lo, size = lo + size, size * GROW
    return best, best_cost


def _best_of(
    px: float,
    py: float,
    arr: np.ndarray,
    boxes: np.ndarray,
    idx: np.ndarray,
    sc: _Scene,
    near_placed: bool,
    best: int,
    best_cost: float,
) -> tuple[int, float]:
    """The cheapest of the candidates ``idx`` (ascending, all after ``best``) and the
    best so far: the cheaper, the earlier of two that cost the same — what costing
    them all with :func:`_candidate_costs` and taking the first minimum gives.

    A candidate is costed term by term, the cheapest tests first, and dropped as soon
    as the terms known so far reach ``best_cost`` (a sum of some of its terms, added in
    the full cost's order, is never more than the full cost); the leader crossings,
    the dearest test, are counted last and only for the candidates still in the
    running, cheapest first, each found best narrowing the rest."""
    idx = idx[arr[idx, 2] < best_cost]
    base, bx = arr[idx, 2], boxes[idx]
    ex, ey = _leader_ends(px, py, bx)
    through = _through_label(px, py, ex, ey, sc) if near_placed else None
    if through is not None:
        keep = np.flatnonzero(base + np.where(through, 400.0, 0.0) < best_cost)
        idx, base, bx, ex, ey, through = (v[keep] for v in (idx, base, bx, ex, ey, through))
    soft = _soft(bx, sc)
    keep = np.flatnonzero(_partial_cost(base, soft, None, through) < best_cost)
    idx, base, ex, ey, soft = (v[keep] for v in (idx, base, ex, ey, soft))
    if through is not None:
        through = through[keep]
    partial = _partial_cost(base, soft, _curve_and_dots(px, py, ex, ey, sc), through)
    if not near_placed:
        if len(idx):
            k = int(np.argmin(partial))
            if partial[k] < best_cost:
                return int(idx[k]), float(partial[k])
        return best, best_cost
    # the leader crossings: cheapest partial cost first, in growing batches
    order = np.lexsort((idx, partial))
    pos, size = 0, CROSS_BATCH
    while pos < len(order):
        batch = order[pos : pos + size]
        batch = batch[
            (partial[batch] < best_cost) | ((partial[batch] == best_cost) & (idx[batch] < best))
        ]
        if not len(batch):
            break  # sorted by partial cost: the rest cannot win either
        crossings = _crossings(px, py, ex[batch], ey[batch], sc.leaders)
        costs = partial[batch] + LEADER_CROSS_COST * crossings
        for c, i in zip(costs.tolist(), idx[batch].tolist(), strict=True):
            if c < best_cost or (c == best_cost and i < best):
                best, best_cost = i, c
        pos, size = pos + size, size * 4
    return best, best_cost


def _taken(boxes: np.ndarray, sc: _Scene) -> np.ndarray:
    """Whether each box overlaps a label placed so far or a dot."""
    if not len(boxes):
        return np.zeros(0, dtype=bool)
    return boxes_overlapping(boxes, sc.taken)


def _draw_leader(ax: Axes, leader: tuple[float, float, float, float]) -> None:
    """The leader line (x0, y0, x1, y1 in data coordinates)."""
    a0, a1, b0, b1 = leader
    ax.add_line(
        Line2D([a0, b0], [a1, b1], lw=0.45, color="#9a9a9a", zorder=2, solid_capstyle="butt")
    )


def _add_leader(
    ax: Axes, px: float, py: float, box: np.ndarray, sc: _Scene
) -> tuple[float, tuple[float, float, float, float]]:
    """A thin line from the dot's edge to the nearest point of its label (``box``); its
    length from the dot's centre, in pixels, and its ends in data coordinates."""
    ex, ey = nearest_on_box(px, py, box + np.array([sc.pad, sc.pad, -sc.pad, -sc.pad]))
    vx, vy = ex - px, ey - py
    dist = math.hypot(vx, vy) or 1.0
    sx, sy = px + vx / dist * sc.r_mark, py + vy / dist * sc.r_mark
    inv = ax.transData.inverted()
    (a0, a1), (b0, b1) = inv.transform([(sx, sy), (ex, ey)])
    leader = (float(a0), float(a1), float(b0), float(b1))
    _draw_leader(ax, leader)
    n = max(int(dist / 3), 2)
    t = np.linspace(0, 1, n)[:, None]
    sc.leaders.add(np.array([min(sx, ex), min(sy, ey), max(sx, ex), max(sy, ey), sx, sy, ex, ey]))
    lx, ly = sx + (ex - sx) * t[:, 0], sy + (ey - sy) * t[:, 0]
    sc.pending_pts = np.concatenate([sc.pending_pts, np.column_stack([lx, ly])])
    if len(sc.pending_pts) >= PENDING:
        pts = sc.pending_pts
        sc.soft.add_many(np.column_stack([pts, pts]))
        sc.pending_pts = pts[:0]
    return dist, leader


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    """Where one label went: its centre and its leader line's ends (None: no leader),
    in data coordinates; ``no_room``: it found no free space (and may overlap)."""

    x: float
    y: float
    leader: tuple[float, float, float, float] | None = None
    no_room: bool = False


@dataclass(frozen=True, slots=True)
class Placement:
    """How placing the labels went, and where each label went (in the points' order)."""

    placed: int  # labels drawn
    #: labels that found no free space, or only one across the curve or a leader line
    crowded: int
    longest_leader_pt: float  # 0 when no label needed a leader line
    gave_up: bool  # stopped at the first label over ``give_up_leader_pt`` or crowded
    labels: tuple[PlacedLabel, ...] = ()


def place_labels(
    fig: Figure,
    ax: Axes,
    points: list[CurvePoint],
    fontsize: float,
    marker_pt: float,
    *,
    extra_marks: Sequence[tuple[float, float]] = (),
    give_up_leader_pt: float | None = None,
) -> Placement:
    """Draw each point's label where it overlaps no other label and no dot (left to right).

    ``extra_marks`` are further dots (data coordinates) that labels must keep clear of,
    such as the ghost dots of a previous edition. With ``give_up_leader_pt``, placing
    stops (``gave_up``) at the first label that needs a longer leader line or finds no
    free space: the caller then draws the curve with numbers instead.
    """
    to_disp = ax.transData.transform
    xy = to_disp(np.array([[p.x, p.y] for p in points])) if points else np.zeros((0, 2))
    sc = _scene(fig, ax, xy, marker_pt, extra_marks)
    normals = _normals(ax, points)
    px_per_pt = fig.dpi / 72.0
    crowded, longest = 0, 0.0
    placed: list[PlacedLabel] = []
    for i, p in enumerate(points):
        cost, leader, label = _place_one(fig, ax, p, xy[i], normals[i], fontsize, sc)
        placed.append(label)
        longest = max(longest, leader / px_per_pt)
        crowded += cost >= SOFT_COST
        if give_up_leader_pt is not None and (cost >= SOFT_COST or longest > give_up_leader_pt):
            return Placement(i + 1, crowded, longest, gave_up=True, labels=tuple(placed))
    return Placement(len(points), crowded, longest, gave_up=False, labels=tuple(placed))


def draw_placed(ax: Axes, points: list[CurvePoint], fontsize: float, placement: Placement) -> None:
    """Draw the labels of ``points`` where ``placement`` (a :func:`place_labels` of the
    same points on the same canvas) put them: the same texts and leader lines, added in
    the same order, so the figure is the one :func:`place_labels` drew."""
    for p, label in zip(points, placement.labels, strict=False):
        if label.no_room:
            log.warning("no free space for the label of %s; it may overlap", p.subfield_id)
        _label_text(ax, p, fontsize).set_position((label.x, label.y))
        if label.leader is not None:
            _draw_leader(ax, label.leader)


def _label_text(ax: Axes, p: CurvePoint, fontsize: float) -> Text:
    """The label of ``p``, at its dot (moved once placed)."""
    return ax.text(
        p.x,
        p.y,
        p.label,
        fontsize=fontsize,
        ha="center",
        va="center",
        color="#222222",
        gid=f"{LABEL_GID}-{p.subfield_id}",
        zorder=5,
        linespacing=1.05,
    )


def _place_one(
    fig: Figure,
    ax: Axes,
    p: CurvePoint,
    pxy: np.ndarray,
    normal: np.ndarray,
    fontsize: float,
    sc: _Scene,
) -> tuple[float, float, PlacedLabel]:
    """Draw one label at its cheapest free place; its cost (inf: no free space), the
    length of its leader line in pixels (0: none) and where it went."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    text = _label_text(ax, p, fontsize)
    ext = text.get_window_extent(renderer)
    w, h = ext.width + 2 * sc.pad, ext.height + 2 * sc.pad
    px, py = float(pxy[0]), float(pxy[1])
    arr, boxes = _candidates(px, py, w, h, normal, sc)
    best, cost = _cheapest(px, py, arr, boxes, sc)
    no_room = best < 0
    if no_room:
        log.warning("no free space for the label of %s; it may overlap", p.subfield_id)
        cx = px + sc.r_mark + sc.gap + w / 2
        arr = np.array([[cx, py, 0.0]])
        boxes = np.array([[cx - w / 2, py - h / 2, cx + w / 2, py + h / 2]])
        best = 0
    box = boxes[best]
    sc.placed.add(box)
    sc.taken.add(box)
    dx_, dy_ = ax.transData.inverted().transform((float(arr[best, 0]), float(arr[best, 1])))
    text.set_position((float(dx_), float(dy_)))
    if arr[best, 2] >= 1.0:  # set away from its dot: draw a leader line
        dist, leader = _add_leader(ax, px, py, box, sc)
        return cost, dist, PlacedLabel(float(dx_), float(dy_), leader, no_room)
    return cost, 0.0, PlacedLabel(float(dx_), float(dy_), None, no_room)


def label_boxes(fig: Figure) -> list[Bbox]:
    """The display-space bounding boxes of the sub-field labels drawn by ``draw_curve``."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [
        t.get_window_extent(renderer)
        for ax in fig.axes
        for t in ax.texts
        if (t.get_gid() or "").startswith(LABEL_GID + "-")
    ]
