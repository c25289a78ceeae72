"""The curve's shape and the dots on it: which sub-fields are drawn where.

The curve is a function ``y = curve_y(x)`` on x ∈ [0, 1] — a bell (the peak of inflated
expectations near x ≈ 0.24) plus a logistic S (the slope rising to the plateau) — drawn
over the same x range as :data:`techcurve.datatypes.PHASE_BOUNDS`, so a sub-field's
``position`` is a point on the curve. :func:`dodge_points` spreads dots that share a
position along the curve (the drawing only; tables keep the exact positions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from techcurve.datatypes import PHASE_BOUNDS, Phase, YearsBand
from techcurve.editions import select_assessments
from techcurve.errors import ReportError
from techcurve.render.curve.uncertainty import phase_probabilities, whisker

# y range of the phase-name strip under the curve; labels may use the space above it
STRIP_BOTTOM, STRIP_TOP = -0.24, -0.16
Y_TOP = 1.32  # top of the plot, room above the peak for labels


def curve_y(x: float | np.ndarray) -> np.ndarray:
    """Height of the maturity curve at position ``x`` (0–1): a bell plus a logistic S.

    Peak ≈ 0.99 at x ≈ 0.24, trough ≈ 0.07 near x ≈ 0.45, plateau ≈ 0.53 at x = 1.
    """
    xa = np.asarray(x, dtype=float)
    bell = 0.95 * np.exp(-0.5 * ((xa - 0.24) / 0.075) ** 2)
    slope = 0.50 / (1.0 + np.exp(-(xa - 0.70) / 0.075))
    return 0.04 + bell + slope


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One sub-field as drawn on the curve."""

    subfield_id: str
    label: str
    domain_id: str
    x: float
    y: float
    band: YearsBand | None
    confidence: float | None = None  # None: drawn solid (an expert's placement, or unknown)
    #: the whisker: how far back and forth along the curve (see :mod:`.uncertainty`)
    reach: tuple[float, float] | None = None
    #: the final placement is an expert's (drawn with a ring)
    expert: bool = False
    #: the model's position when an expert moved the dot away from it (an arrow is drawn)
    model_x: float | None = None


def parse_band(value: str | None) -> YearsBand | None:
    """The years-to-plateau band of a stored value; None when missing or unknown."""
    if value is None:
        return None
    try:
        return YearsBand.parse(value)
    except ValueError:
        return None


def display_name(row: dict[str, object], lang: str, fallback: str) -> str:
    """The row's ``name_zh``/``name_en`` in ``lang`` first, the other next, else ``fallback``."""
    order = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    for key in order:
        v = row.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return fallback


def curve_points(
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    *,
    lang: str = "zh",
    model: str | None = None,
    as_of: str | None = None,
) -> tuple[list[CurvePoint], int]:
    """The dots to draw (sorted by position) and how many sub-fields were left off."""
    sel = select_assessments(assessments, model=model, as_of=as_of)
    sf = {str(r["subfield_id"]): r for r in subfields.iter_rows(named=True)}
    points: list[CurvePoint] = []
    skipped = 0
    for r in sel.iter_rows(named=True):
        pos = r["plot_position"]
        if pos is None or (isinstance(pos, float) and math.isnan(pos)):
            skipped += 1
            continue
        sid = str(r["subfield_id"])
        info = sf.get(sid, {})
        domain = str(info.get("domain_id") or r.get("domain_id") or "")
        x = min(max(float(pos), 0.0), 1.0)
        confidence, reach = _uncertainty(r, x)
        expert, model_x = _expert(r, x)
        points.append(
            CurvePoint(
                subfield_id=sid,
                label=display_name(info, lang, sid),
                domain_id=domain,
                x=x,
                y=float(curve_y(x)),
                band=parse_band(r["plot_band"]),
                confidence=confidence,
                reach=reach,
                expert=expert,
                model_x=model_x,
            )
        )
    points.sort(key=lambda p: (p.x, p.subfield_id))
    return points, skipped


def _uncertainty(
    row: Mapping[str, Any], x: float
) -> tuple[float | None, tuple[float, float] | None]:
    """A row's confidence and whisker; an expert's placement is drawn solid, no whisker."""
    if any(row.get(c) is not None for c in ("expert_phase", "expert_position")):
        return None, None
    conf = row.get("confidence")
    confidence = float(conf) if isinstance(conf, int | float) and math.isfinite(conf) else None
    return confidence, whisker(phase_probabilities(row.get("probabilities")), x)


#: an expert's dot this far (or farther) from the model's gets an arrow from it
EXPERT_MOVE = 0.01


def _expert(row: Mapping[str, Any], x: float) -> tuple[bool, float | None]:
    """Whether the row's placement is an expert's, and the model's position when the
    expert moved the dot at least :data:`EXPERT_MOVE` from it."""
    if row.get("expert_who") is None:
        return False, None
    pos = row.get("position")
    if not isinstance(pos, int | float) or not math.isfinite(pos):
        return True, None
    model_x = min(max(float(pos), 0.0), 1.0)
    return True, (model_x if abs(model_x - x) >= EXPERT_MOVE else None)


# -- dodging: dots that share a position are spread along the curve ------------------
def _arc_lengths(xs: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Cumulative length of the curve at ``xs`` (sorted), with x and y scaled to points."""
    ys = curve_y(xs)
    seg = np.hypot(np.diff(xs) * sx, np.diff(ys) * sy)
    return np.concatenate([[0.0], np.cumsum(seg)])


def dodge_points(
    points: Sequence[CurvePoint],
    *,
    spacing_pt: float,
    x_scale: float,
    y_scale: float,
    spread_pt: float | None = None,
    min_spacing_pt: float | None = None,
) -> list[CurvePoint]:
    """Points moved along the curve so that no two dots are closer than ``spacing_pt``.

    Several sub-fields often get the same position (a model clamps to a phase edge, or
    two have identical evidence); drawn as one dot they hide each other and their
    labels fan out on long leader lines. Each phase is handled alone, so a dot never
    leaves the phase it was assessed in: within it, overlapping dots become a group
    centred on their mean position and set ``spacing_pt`` apart (measured along the
    curve, with ``x_scale``/``y_scale`` points per data unit); groups that then touch
    merge, and a group is shifted back inside the phase if it sticks out. Order along
    the curve is kept. Only the drawing moves: positions in tables stay exact.
    """
    out: list[CurvePoint] = []
    spread_pt = spacing_pt if spread_pt is None else spread_pt
    grid = np.linspace(0.0, 1.0, 4001)
    s_grid = _arc_lengths(grid, x_scale, y_scale)
    by_phase: dict[Phase, list[CurvePoint]] = {}
    for p in points:
        by_phase.setdefault(Phase.at(p.x), []).append(p)
    for phase, pts in by_phase.items():
        pts = sorted(pts, key=lambda p: (p.x, p.subfield_id))
        lo, hi = PHASE_BOUNDS[phase]
        s_lo = float(np.interp(lo, grid, s_grid)) + spacing_pt / 2
        s_hi = float(np.interp(min(hi, 1.0), grid, s_grid)) - spacing_pt / 2
        # a crowded phase spreads its dots wider (up to ``spread_pt``) while room allows,
        # so that their labels can sit beside them
        d = max(spacing_pt, min(spread_pt, (s_hi - s_lo) / (len(pts) + 1)))
        if len(pts) > 1 and (len(pts) - 1) * d > s_hi - s_lo:
            d = max((s_hi - s_lo) / (len(pts) - 1), 0.0)  # too crowded: tighter spacing
        s0 = [float(np.interp(p.x, grid, s_grid)) for p in pts]
        placed = _spread(s0, d, s_lo, s_hi)
        lanes = 1 if min_spacing_pt is None or d >= min_spacing_pt else _lanes(min_spacing_pt, d)
        for i, (p, orig, s) in enumerate(zip(pts, s0, placed, strict=True)):
            x = p.x if abs(s - orig) < 1e-6 else float(np.interp(s, s_grid, grid))
            if lanes > 1:
                off = _lane(i % lanes) * (min_spacing_pt or 0.0)
                out.append(_beside(p, x, off, x_scale, y_scale))
            else:
                out.append(replace(p, x=x, y=float(curve_y(x))))
    out.sort(key=lambda p: (p.x, p.subfield_id))
    return out


def _lanes(min_spacing: float, d: float) -> int:
    """How many lanes dots ``d`` apart along the curve need to stay ``min_spacing`` apart."""
    return max(2, math.ceil(min_spacing / max(d, 1e-9)))


def _lane(k: int) -> int:
    """The k-th lane's side and distance from the curve: 0, +1, -1, +2, -2 …"""
    return (k + 1) // 2 * (1 if k % 2 else -1)


def _beside(p: CurvePoint, x: float, off_pt: float, sx: float, sy: float) -> CurvePoint:
    """``p`` at ``x`` on the curve, raised (or lowered) so that it sits ``off_pt`` points
    from the curve measured across it: the move is vertical, so x (and with it the
    phase) stays, and steeper parts of the curve take a longer move (at most 5×)."""
    eps = 1e-4
    slope_pt = float(curve_y(x + eps) - curve_y(x - eps)) / (2 * eps) * sy / sx
    across = max(1.0 / math.hypot(slope_pt, 1.0), 0.2)  # |cos| of the curve's angle
    return replace(p, x=x, y=float(curve_y(x)) + off_pt / across / sy)


def _spread(s0: list[float], d: float, s_lo: float, s_hi: float) -> list[float]:
    """Arc positions ``s0`` (sorted) set at least ``d`` apart and kept in [s_lo, s_hi]."""
    groups: list[list[int]] = []
    for i in range(len(s0)):
        groups.append([i])
        while len(groups) > 1:
            a, b = groups[-2], groups[-1]
            if _group_start(b, s0, d) - _group_end(a, s0, d) >= d - 1e-9:
                break
            groups[-2:] = [a + b]
    placed: list[float] = []
    for g in groups:
        start = _group_start(g, s0, d)
        placed += [start + k * d for k in range(len(g))]
    # keep every dot inside its phase: shift from both ends, keeping the spacing
    for i in range(len(placed)):
        placed[i] = max(placed[i], s_lo + i * d)
    for i in range(len(placed) - 1, -1, -1):
        placed[i] = min(placed[i], s_hi - (len(placed) - 1 - i) * d)
    return placed


def _group_start(group: list[int], s0: list[float], d: float) -> float:
    return sum(s0[i] for i in group) / len(group) - (len(group) - 1) * d / 2


def _group_end(group: list[int], s0: list[float], d: float) -> float:
    return _group_start(group, s0, d) + (len(group) - 1) * d


def one_domain(
    domain: str, domains: pl.DataFrame, subfields: pl.DataFrame, assessments: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The sub-fields and assessments of ``domain`` alone (a :class:`ReportError` naming
    the domains when there is no such domain): what a domain's curve draws, and all that
    its kept outputs are keyed by (:mod:`~techcurve.render.curve.output`)."""
    known = [str(d) for d in domains["domain_id"]] if "domain_id" in domains.columns else []
    known += [str(d) for d in subfields["domain_id"].unique(maintain_order=True) if d not in known]
    if domain not in known:
        raise ReportError.of("curvekey.error.domain", domain=repr(domain), known=", ".join(known))
    sub = subfields.filter(pl.col("domain_id") == domain)
    return sub, assessments.filter(pl.col("subfield_id").is_in(sub["subfield_id"].implode()))
