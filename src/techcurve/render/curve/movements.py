"""Movement against a previous edition: ghost dots and arrows along the curve."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from matplotlib.path import Path as MplPath

from techcurve.errors import ReportError
from techcurve.render.curve.legend import EXPERT_COLOR
from techcurve.render.curve.shape import CurvePoint, curve_y

MIN_MOVE = 0.01  # smaller moves draw no arrow


@dataclass(frozen=True, slots=True)
class Movement:
    """A sub-field's position in a previous edition and now."""

    subfield_id: str
    old_x: float
    new_x: float


def movements(points: Sequence[CurvePoint], previous: pl.DataFrame) -> list[Movement]:
    """Moves of at least 0.01 between ``previous`` (subfield_id, position) and ``points``."""
    if "subfield_id" not in previous.columns or "position" not in previous.columns:
        raise ReportError.of("curve.error.previous_columns")
    old = {
        str(r["subfield_id"]): float(r["position"])
        for r in previous.iter_rows(named=True)
        if r["position"] is not None and not math.isnan(float(r["position"]))
    }
    out = []
    for p in points:
        if p.subfield_id in old and abs(old[p.subfield_id] - p.x) >= MIN_MOVE:
            out.append(Movement(p.subfield_id, min(max(old[p.subfield_id], 0.0), 1.0), p.x))
    return out


def draw_movements(ax: Axes, moves: Sequence[Movement], drawn: Mapping[str, CurvePoint]) -> None:
    """A grey ghost dot at each previous position and an arrow along the curve to the dot."""
    for m in moves:
        end = drawn[m.subfield_id].x if m.subfield_id in drawn else m.new_x
        xs = np.linspace(m.old_x, end, 40)
        # just above the curve, so the arrow does not hide the line
        ys = curve_y(xs) + 0.035
        verts = np.column_stack([xs, ys])
        path = MplPath(verts, [MplPath.MOVETO] + [MplPath.LINETO] * (len(verts) - 1))
        ax.add_patch(
            FancyArrowPatch(
                path=path,
                arrowstyle="-|>,head_length=4,head_width=2.2",
                color="#8a94a6",
                lw=0.9,
                zorder=3,
                shrinkA=0,
                shrinkB=4,
            )
        )
        ax.scatter(
            [m.old_x],
            [float(curve_y(m.old_x))],
            s=22,
            marker="o",
            facecolors="white",
            edgecolors="#9aa3b2",
            linewidths=0.9,
            linestyle=(0, (1.5, 1.0)),
            zorder=3,
        )


def draw_expert_moves(ax: Axes, drawn: Sequence[CurvePoint]) -> None:
    """For each dot an expert moved: a small hollow diamond at the model's position and a
    dashed arrow along the curve (under it) from there to the expert's dot."""
    for p in drawn:
        if p.model_x is None:
            continue
        xs = np.linspace(p.model_x, p.x, 40)
        ys = curve_y(xs) - 0.035  # under the curve: movement arrows go above it
        verts = np.column_stack([xs, ys])
        path = MplPath(verts, [MplPath.MOVETO] + [MplPath.LINETO] * (len(verts) - 1))
        ax.add_patch(
            FancyArrowPatch(
                path=path, arrowstyle="-|>,head_length=4,head_width=2.2", color=EXPERT_COLOR,
                lw=1.1, ls=(0, (3, 2)), zorder=3, shrinkA=0, shrinkB=4,
                gid=f"techcurve-expert-arrow-{p.subfield_id}",
            )
        )  # fmt: skip
        ax.scatter(
            [p.model_x], [float(curve_y(p.model_x))], s=26, marker="D", facecolors="white",
            edgecolors=EXPERT_COLOR, linewidths=0.9, zorder=3,
        )  # fmt: skip
