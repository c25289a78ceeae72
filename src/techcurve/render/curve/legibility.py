"""Whether a drawn curve is legible: what the tests and ``benchmarks/bench_curve.py`` check.

:func:`legibility` measures a figure from :func:`~techcurve.render.curve.draw_curve` in
display space: dots whose centres are closer than a dot's radius, labels that overlap
another label, cover a dot (its disc) or sit on the curve, and labels outside the plot.
Each check is a sweep over boxes sorted by x, so measuring 1,000 dots takes well under
a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from techcurve.render.curve.draw import DOTS_GID
from techcurve.render.curve.placement import label_boxes
from techcurve.render.curve.shape import curve_y
from techcurve.render.curve.spatial import XIndex, boxes_holding, points_in


@dataclass(frozen=True, slots=True)
class Legibility:
    """Counts of what makes a curve hard to read (all 0 on a legible one)."""

    dots: int
    labels: int
    close_dots: int  # pairs of dots whose centres are closer than a dot's radius
    overlapping_labels: int  # pairs of labels that overlap
    labels_on_dots: int  # labels that reach into a dot's disc
    labels_on_curve: int  # labels the curve line runs through
    labels_outside: int  # labels not wholly inside the plot

    @property
    def ok(self) -> bool:
        return not (
            self.close_dots
            or self.overlapping_labels
            or self.labels_on_dots
            or self.labels_on_curve
            or self.labels_outside
        )


def _dot_collections(fig: Figure) -> list[PathCollection]:
    return [
        c
        for c in fig.axes[0].collections
        if isinstance(c, PathCollection) and c.get_label() == DOTS_GID
    ]


def dot_centres(fig: Figure) -> np.ndarray:
    """The display-space centres of the curve's dots (N×2)."""
    offs = [c.get_offsets() for c in _dot_collections(fig)]
    if not offs:
        return np.zeros((0, 2))
    return np.asarray(fig.axes[0].transData.transform(np.vstack(offs)))


def marker_size(fig: Figure) -> float:
    """The dots' diameter in points (a scatter's size is its area in points²)."""
    sizes = [float(np.sqrt(c.get_sizes()[0])) for c in _dot_collections(fig)]
    return max(sizes, default=0.0)


def _close_pairs(pts: np.ndarray, dist: float) -> int:
    d = pts[np.argsort(pts[:, 0])]
    n = 0
    for i in range(len(d)):
        j = i + 1
        while j < len(d) and d[j, 0] - d[i, 0] < dist:
            n += int(np.hypot(*(d[j] - d[i])) < dist)
            j += 1
    return n


def _overlapping_pairs(boxes: np.ndarray) -> int:
    b = boxes[np.argsort(boxes[:, 0])]
    n = 0
    for i in range(len(b)):
        later = b[i + 1 :]
        near = later[later[:, 0] < b[i, 2]]
        n += int(((near[:, 1] < b[i, 3]) & (near[:, 3] > b[i, 1])).sum())
    return n


def legibility(fig: Figure) -> Legibility:
    """Measure ``fig`` (see the module docstring)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    radius = marker_size(fig) / 2 * fig.dpi / 72
    dots = dot_centres(fig)
    boxes = np.array([b.extents for b in label_boxes(fig)]).reshape(-1, 4)
    area = fig.axes[0].get_window_extent(renderer)
    outside = (boxes[:, 0] < area.x0) | (boxes[:, 2] > area.x1)
    outside |= (boxes[:, 1] < area.y0) | (boxes[:, 3] > area.y1)
    # a dot's disc reaches into a label when its centre is inside the label grown by
    # the radius and nearer than the radius to the label's nearest point
    grown = boxes + np.array([-radius, -radius, radius, radius])
    candidates = dots[points_in(dots, XIndex(4, grown))] if len(boxes) else dots[:0]
    on_dots = 0
    for x, y in candidates:
        cx = np.clip(x, boxes[:, 0], boxes[:, 2])
        cy = np.clip(y, boxes[:, 1], boxes[:, 3])
        on_dots += int((np.hypot(cx - x, cy - y) < radius).sum())
    xs = np.linspace(0, 1, 3000)
    line = fig.axes[0].transData.transform(np.column_stack([xs, curve_y(xs)]))
    return Legibility(
        dots=len(dots),
        labels=len(boxes),
        close_dots=_close_pairs(dots, radius),
        overlapping_labels=_overlapping_pairs(boxes),
        labels_on_dots=on_dots,
        labels_on_curve=int(boxes_holding(boxes, XIndex(4, np.column_stack([line, line]))).sum()),
        labels_outside=int(outside.sum()),
    )
