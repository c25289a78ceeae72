"""The maturity curve: the hype-cycle shape with every assessed sub-field as a dot on it.

The curve is a function ``y = curve_y(x)`` on x ∈ [0, 1] — a bell (the peak of inflated
expectations near x ≈ 0.24) plus a logistic S (the slope rising to the plateau) — drawn
over the same x range as :data:`techcurve.datatypes.PHASE_BOUNDS`, so a sub-field's
``position`` is a point on the curve. Colour shows the domain, marker shape the
years-to-plateau band (Gartner style), and every dot has its name as a label.

Labels are placed greedily, left to right: for each dot, candidate label boxes next to
it and then stacked further above and below it (in columns around its x) are measured
with the renderer and tried nearest first; the first one that overlaps no other label,
no dot, no leader line and not the curve wins, and a thin leader line joins labels set
away from their dot. :func:`label_boxes` returns the final boxes so that tests can
check that no two labels overlap.

>>> render_curve(assessments, subfields, domains, [Path("curve.svg")])  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from techcurve.datatypes import PHASE_BOUNDS, Phase, YearsBand
from techcurve.errors import ReportError
from techcurve.render.charts import domain_colors
from techcurve.render.fonts import SUPPORTED_FORMATS, chart_style, new_figure, save_figure
from techcurve.store import Store

log = logging.getLogger(__name__)

LABEL_GID = "techcurve-label"
# y range of the phase-name strip under the curve; labels may use the space above it
STRIP_BOTTOM, STRIP_TOP = -0.24, -0.16
LEADER_CROSS_COST = 20.0  # per crossing of two leader lines, in pixels of extra length
MODEL_PREFERENCE = ("final", "expert", "ensemble", "snapshot", "timeseries")

# Marker per years-to-plateau band: hollow circle, filled circle, diamond, triangle, cross.
BAND_MARKERS: dict[YearsBand | None, dict[str, object]] = {
    YearsBand.LT2: {"marker": "o", "filled": False},
    YearsBand.Y2_5: {"marker": "o", "filled": True},
    YearsBand.Y5_10: {"marker": "D", "filled": True},
    YearsBand.GT10: {"marker": "^", "filled": True},
    YearsBand.OBSOLETE: {"marker": "X", "filled": True},
    None: {"marker": "s", "filled": False},
}
BAND_NAMES: dict[str, dict[YearsBand | None, str]] = {
    "zh": {
        YearsBand.LT2: "2年以内",
        YearsBand.Y2_5: "2–5年",
        YearsBand.Y5_10: "5–10年",
        YearsBand.GT10: "10年以上",
        YearsBand.OBSOLETE: "到达成熟期前即被淘汰",
        None: "未评估",
    },
    "en": {
        YearsBand.LT2: "less than 2 years",
        YearsBand.Y2_5: "2 to 5 years",
        YearsBand.Y5_10: "5 to 10 years",
        YearsBand.GT10: "more than 10 years",
        YearsBand.OBSOLETE: "obsolete before plateau",
        None: "not estimated",
    },
}
TEXT = {
    "zh": {
        "title": "中国技术成熟度评估曲线",
        "band_legend": "距离生产成熟期的年限",
        "domain_legend": "技术领域",
        "y": "期望",
        "x": "时间",
        "cutoff": "数据截止：{}",
        "source": "数据来源：专利、论文、技术媒体报道与融资事件；techcurve 评估",
        "count": "{n} 个细分技术领域",
        "skipped": "；另有 {n} 个证据不足，未上图",
        "previous": "{}版位置 → 现位置",
        "previous_plain": "上一版位置 → 现位置",
    },
    "en": {
        "title": "Technology maturity assessment curve",
        "band_legend": "Plateau will be reached in",
        "domain_legend": "Domain",
        "y": "Expectations",
        "x": "Time",
        "cutoff": "Data cut-off: {}",
        "source": "Source: patents, papers, tech-media articles and financing events; "
        "techcurve assessment",
        "count": "{n} technology sub-fields",
        "skipped": "; {n} more lack evidence and are not shown",
        "previous": "position in edition {} → now",
        "previous_plain": "previous position → now",
    },
}


# -- the shape ---------------------------------------------------------------------
def curve_y(x: float | np.ndarray) -> np.ndarray:
    """Height of the maturity curve at position ``x`` (0–1): a bell plus a logistic S.

    Peak ≈ 0.99 at x ≈ 0.24, trough ≈ 0.07 near x ≈ 0.45, plateau ≈ 0.53 at x = 1.
    """
    xa = np.asarray(x, dtype=float)
    bell = 0.95 * np.exp(-0.5 * ((xa - 0.24) / 0.075) ** 2)
    slope = 0.50 / (1.0 + np.exp(-(xa - 0.70) / 0.075))
    return 0.04 + bell + slope


# -- input ---------------------------------------------------------------------------
def select_assessments(
    assessments: pl.DataFrame, *, model: str | None = None, as_of: str | None = None
) -> pl.DataFrame:
    """One row per sub-field with ``plot_position``, ``plot_phase`` and ``plot_band``.

    Uses ``final_position`` / ``final_phase`` / ``final_years_band`` where those columns
    exist (expert overrides applied), else ``position`` / ``phase`` / ``years_band``.
    When the table holds several models, ``model`` picks one; by default the first of
    :data:`MODEL_PREFERENCE` present, else the alphabetically first.
    """
    if "subfield_id" not in assessments.columns:
        raise ReportError(
            "the assessments table has no subfield_id column: run `techcurve assess` first"
        )
    df = assessments
    if "model" in df.columns and df.height:
        models = sorted(str(m) for m in df["model"].drop_nulls().unique().to_list())
        if model is not None:
            if model not in models:
                raise ReportError(
                    f"no assessments by model {model!r} (the store has: {', '.join(models)})"
                )
            df = df.filter(pl.col("model") == model)
        elif len(models) > 1:
            pick = next((m for m in MODEL_PREFERENCE if m in models), models[0])
            df = df.filter(pl.col("model") == pick)
    if as_of is not None and "as_of" in df.columns and df.height:
        have = df["as_of"].cast(pl.Utf8).str.slice(0, 10)
        dates = sorted(set(have.drop_nulls().to_list()))
        if as_of in dates:
            df = df.filter(have == as_of)
        elif len(dates) > 1:
            raise ReportError(
                f"the assessments are as of {', '.join(dates)}, not {as_of}: "
                f"run `techcurve assess --as-of {as_of}` first"
            )
        else:
            log.warning("assessments are as of %s, not %s", dates or "?", as_of)

    def pick_col(name: str) -> pl.Expr:
        parts = [pl.col(f"final_{name}")] if f"final_{name}" in df.columns else []
        if name in df.columns:
            parts.append(pl.col(name))
        if not parts:
            return pl.lit(None)
        return pl.coalesce(parts) if len(parts) > 1 else parts[0]

    return df.with_columns(
        pick_col("position").cast(pl.Float64).alias("plot_position"),
        pick_col("phase").cast(pl.Utf8).alias("plot_phase"),
        pick_col("years_band").cast(pl.Utf8).alias("plot_band"),
    ).unique("subfield_id", keep="first", maintain_order=True)


def _parse_band(value: str | None) -> YearsBand | None:
    if value is None:
        return None
    try:
        return YearsBand.parse(value)
    except ValueError:
        return None


def _name(row: dict[str, object], lang: str, fallback: str) -> str:
    order = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    for key in order:
        v = row.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return fallback


def _em(c: str) -> float:
    return 1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55


def _width(text: str) -> float:
    return sum(_em(c) for c in text)


def _chunks(text: str, max_em: float) -> list[str]:
    """``text`` cut where a line may break: after '/' (keeping each '/'-part whole when it
    fits a line), else also between CJK characters, after spaces and before brackets."""
    if "/" in text:
        parts = text.split("/")
        out: list[str] = []
        for i, part in enumerate(parts):
            piece = part + ("/" if i < len(parts) - 1 else "")
            out += [piece] if _width(piece) <= max_em else _chunks(piece.replace("/", "\0"), max_em)
        return [c.replace("\0", "/") for c in out]
    chunks: list[str] = []
    cur = ""
    for i, c in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        cur += c
        wide = _em(c) == 1.0 and c not in "（(【"
        if (
            c in " /、，,"
            or nxt in "（(【"
            or (wide and nxt and _em(nxt) == 1.0 and nxt not in "）)】，、")
        ):
            chunks.append(cur)
            cur = ""
    if cur:
        chunks.append(cur)
    return chunks


def _pack(chunks: list[str], max_em: float) -> list[str]:
    lines: list[list[str]] = []
    line: list[str] = []
    for ch in chunks:
        if line and _width("".join(line) + ch.rstrip()) > max_em:
            lines.append(line)
            line = [ch.lstrip()]
        else:
            line.append(ch)
    if line:
        lines.append(line)
    # no orphan: a last line under 2 em takes the previous line's last chunk
    if len(lines) > 1 and _width("".join(lines[-1])) < 2 and len(lines[-2]) > 1:
        lines[-1].insert(0, lines[-2].pop())
    return ["".join(ln).strip() for ln in lines]


def wrap_label(text: str, max_em: float) -> str:
    """Wrap ``text`` into balanced lines of at most ``max_em`` em (CJK = 1 em, others ≈ 0.55).

    Breaks after '/' when every part fits a line (so "自然语言处理（NLP）/自然语言理解（NLU）"
    splits at the slash), else after spaces, '、', '，', between two CJK characters and
    before an opening bracket. Lines are balanced: no orphan character on the last line.
    """
    if _width(text) <= max_em:
        return text
    chunks = _chunks(text, max_em)
    lines = _pack(chunks, max_em)
    width = max_em
    while width > 2:  # narrow the measure while the line count stays the same
        trial = _pack(chunks, width - 0.5)
        if any(_width(t) > width - 0.5 for t in trial):
            break
        if len(trial) != len(lines):
            break
        lines, width = trial, width - 0.5
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One sub-field as drawn on the curve."""

    subfield_id: str
    label: str
    domain_id: str
    x: float
    y: float
    band: YearsBand | None


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
        points.append(
            CurvePoint(
                subfield_id=sid,
                label=_name(info, lang, sid),
                domain_id=domain,
                x=x,
                y=float(curve_y(x)),
                band=_parse_band(r["plot_band"]),
            )
        )
    points.sort(key=lambda p: (p.x, p.subfield_id))
    return points, skipped


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
        groups: list[list[int]] = []
        for i in range(len(pts)):
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
        for p, orig, s in zip(pts, s0, placed, strict=True):
            x = p.x if abs(s - orig) < 1e-6 else float(np.interp(s, s_grid, grid))
            out.append(
                CurvePoint(p.subfield_id, p.label, p.domain_id, x, float(curve_y(x)), p.band)
            )
    out.sort(key=lambda p: (p.x, p.subfield_id))
    return out


def _group_start(group: list[int], s0: list[float], d: float) -> float:
    return sum(s0[i] for i in group) / len(group) - (len(group) - 1) * d / 2


def _group_end(group: list[int], s0: list[float], d: float) -> float:
    return _group_start(group, s0, d) + (len(group) - 1) * d


# -- label placement -----------------------------------------------------------------
def _overlaps(cands: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each candidate box (M×4: x0, y0, x1, y1) whether it overlaps any of ``boxes``."""
    if boxes.size == 0:
        return np.zeros(len(cands), dtype=bool)
    c = cands[:, None, :]
    b = boxes[None, :, :]
    hit = (c[..., 0] < b[..., 2]) & (c[..., 2] > b[..., 0])
    hit &= (c[..., 1] < b[..., 3]) & (c[..., 3] > b[..., 1])
    return np.asarray(hit.any(axis=1))


def _contains_points(cands: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """For each candidate box whether any point of ``pts`` (K×2) lies inside it."""
    if pts.size == 0:
        return np.zeros(len(cands), dtype=bool)
    c = cands[:, None, :]
    p = pts[None, :, :]
    inside = (p[..., 0] > c[..., 0]) & (p[..., 0] < c[..., 2])
    inside &= (p[..., 1] > c[..., 1]) & (p[..., 1] < c[..., 3])
    return np.asarray(inside.any(axis=1))


def _nearest_on_box(px: float, py: float, box: np.ndarray) -> tuple[float, float]:
    return (min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3]))


def _candidate_costs(
    px: float,
    py: float,
    base: np.ndarray,
    boxes: np.ndarray,
    placed: np.ndarray,
    marks: np.ndarray,
    curve_boxes: np.ndarray,
    curve_pts: np.ndarray,
    leader_pts: np.ndarray,
    leaders: np.ndarray,
) -> np.ndarray:
    """Total cost of each candidate box; ``inf`` where it would overlap a label or a dot."""
    bad = _overlaps(boxes, placed) | _overlaps(boxes, marks)
    # crossing the curve or sitting on a leader line is allowed only as a last resort
    soft = _overlaps(boxes, curve_boxes) | _contains_points(boxes, leader_pts)
    cost = base + np.where(soft, 1e5, 0.0)
    ex = np.clip(px, boxes[:, 0], boxes[:, 2])
    ey = np.clip(py, boxes[:, 1], boxes[:, 3])
    ts = np.linspace(0.2, 1.0, 9)
    sx = px + (ex[:, None] - px) * ts  # M×9 sample points along each leader
    sy = py + (ey[:, None] - py) * ts
    # a leader that crosses the curve, or runs through another dot, reads as pointing
    # at the wrong thing
    side = np.sign(sy - np.interp(sx, curve_pts[:, 0], curve_pts[:, 1]))
    crosses_curve = (side != side[:, :1]).any(axis=1)
    far = np.hypot(sx - px, sy - py) > 6
    on_mark = np.zeros(len(boxes), dtype=bool)
    for k in range(len(ts)):
        hit = (sx[:, k : k + 1] > marks[None, :, 0]) & (sx[:, k : k + 1] < marks[None, :, 2])
        hit &= (sy[:, k : k + 1] > marks[None, :, 1]) & (sy[:, k : k + 1] < marks[None, :, 3])
        on_mark |= hit.any(axis=1) & far[:, k]
    cost = cost + np.where(crosses_curve, 60.0, 0.0) + np.where(on_mark, 30.0, 0.0)
    if placed.size:
        # a leader line that crosses another label is confusing: penalise it
        cross = np.zeros(len(boxes), dtype=bool)
        for t in np.linspace(0.15, 0.95, 9):
            sp = np.column_stack([px + (ex - px) * t, py + (ey - py) * t])
            hit = (sp[:, None, 0] > placed[None, :, 0]) & (sp[:, None, 0] < placed[None, :, 2])
            hit &= (sp[:, None, 1] > placed[None, :, 1]) & (sp[:, None, 1] < placed[None, :, 3])
            cross |= hit.any(axis=1)
        cost = cost + np.where(cross, 400.0, 0.0)
        if leaders.size:
            # leader lines crossing each other make a fan that is hard to follow
            cost = cost + LEADER_CROSS_COST * _crossings(px, py, ex, ey, leaders)
    return np.where(bad, np.inf, cost)


def _crossings(
    px: float, py: float, ex: np.ndarray, ey: np.ndarray, segs: np.ndarray
) -> np.ndarray:
    """How many of ``segs`` (L×4) each segment (px, py)→(ex[i], ey[i]) properly crosses."""

    def orient(
        ax_: np.ndarray,
        ay: np.ndarray,
        bx: np.ndarray,
        by: np.ndarray,
        cx: np.ndarray,
        cy: np.ndarray,
    ) -> np.ndarray:
        return np.sign((bx - ax_) * (cy - ay) - (by - ay) * (cx - ax_))

    a_x = np.full((len(ex), 1), px)
    a_y = np.full((len(ex), 1), py)
    b_x, b_y = ex[:, None], ey[:, None]
    c_x, c_y, d_x, d_y = (segs[None, :, k] for k in range(4))
    o1 = orient(a_x, a_y, b_x, b_y, c_x, c_y)
    o2 = orient(a_x, a_y, b_x, b_y, d_x, d_y)
    o3 = orient(c_x, c_y, d_x, d_y, a_x, a_y)
    o4 = orient(c_x, c_y, d_x, d_y, b_x, b_y)
    return ((o1 * o2 < 0) & (o3 * o4 < 0)).sum(axis=1)


def _place_labels(
    fig: Figure,
    ax: Axes,
    points: list[CurvePoint],
    fontsize: float,
    marker_pt: float,
    *,
    extra_marks: Sequence[tuple[float, float]] = (),
) -> None:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px_per_pt = fig.dpi / 72.0
    r_mark = marker_pt / 2 * px_per_pt + 1.5
    pad = 1.5 * px_per_pt  # clearance around every label box
    gap = 2.0 * px_per_pt

    to_disp = ax.transData.transform
    xy = to_disp(np.array([[p.x, p.y] for p in points])) if points else np.zeros((0, 2))
    area = ax.get_window_extent(renderer)
    # keep labels inside the axes and above the phase-name strip
    strip_top = float(to_disp((0.0, STRIP_TOP))[1])
    lo_x, hi_x = area.x0 + 2, area.x1 - 2
    lo_y, hi_y = strip_top + 2, area.y1 - 2

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
    # unit normals of the curve (in display space) at each dot, pointing up
    if len(points):
        eps = 1e-3
        xs_ = np.array([p.x for p in points])
        a_ = to_disp(np.column_stack([xs_ - eps, curve_y(xs_ - eps)]))
        b_ = to_disp(np.column_stack([xs_ + eps, curve_y(xs_ + eps)]))
        tan = b_ - a_
        normals = np.column_stack([-tan[:, 1], tan[:, 0]])
        normals /= np.hypot(normals[:, 0], normals[:, 1])[:, None]
        normals[normals[:, 1] < 0] *= -1
    else:
        normals = np.zeros((0, 2))
    placed = np.zeros((0, 4))
    leader_pts = np.zeros((0, 2))
    leaders = np.zeros((0, 4))

    for i, p in enumerate(points):
        text = ax.text(
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
        ext = text.get_window_extent(renderer)
        w, h = ext.width + 2 * pad, ext.height + 2 * pad
        px, py = xy[i]

        # candidate centres: beside the dot first, then stacked in columns above/below
        cands: list[tuple[float, float, float]] = []  # (cx, cy, cost)
        near = [
            (px + r_mark + gap + w / 2, py),
            (px - r_mark - gap - w / 2, py),
            (px, py + r_mark + gap + h / 2),
            (px, py - r_mark - gap - h / 2),
            (px + r_mark + w / 2, py + r_mark + h / 2),
            (px - r_mark - w / 2, py + r_mark + h / 2),
            (px + r_mark + w / 2, py - r_mark - h / 2),
            (px - r_mark - w / 2, py - r_mark - h / 2),
        ]
        for k, (cx, cy) in enumerate(near):
            cands.append((cx, cy, k * 0.1))
        step = h * 0.55
        n_steps = int((hi_y - lo_y) / step) + 2
        dxs = [0.0]
        for j in range(1, 9):
            dxs += [j * w * 0.5, -j * w * 0.5]
        for s in range(1, n_steps):
            for sign in (1.0, -1.0):
                cy = py + sign * (r_mark + gap + h / 2 + s * step)
                for dx in dxs:
                    cx = px + dx
                    # leader length, with sideways moves costing more than vertical ones
                    cost = math.hypot(dx * 1.6, cy - py) + 8
                    cands.append((cx, cy, cost))
        # a fan along the curve's normal (both sides, tilted up to ±60°): in a dense
        # run of dots on a slope these give short leaders that do not cross
        nx, ny = normals[i]
        for side in (1.0, -1.0):
            base_ang = math.atan2(side * ny, side * nx)
            for tilt in (0.0, 0.35, -0.35, 0.7, -0.7, 1.05, -1.05):
                ux, uy = math.cos(base_ang + tilt), math.sin(base_ang + tilt)
                ox = w / 2 * max(-1.0, min(1.0, ux * 2.5))
                oy = h / 2 * max(-1.0, min(1.0, uy * 2.5))
                for k in range(1, 16):
                    dist = r_mark + gap + k * h * 0.45
                    cands.append(
                        (px + ux * dist + ox, py + uy * dist + oy, dist + 6 + abs(tilt) * 6)
                    )
        arr = np.array(cands)
        arr = arr[np.argsort(arr[:, 2], kind="stable")]
        boxes = np.column_stack(
            [arr[:, 0] - w / 2, arr[:, 1] - h / 2, arr[:, 0] + w / 2, arr[:, 1] + h / 2]
        )
        inside = (boxes[:, 0] >= lo_x) & (boxes[:, 2] <= hi_x)
        inside &= (boxes[:, 1] >= lo_y) & (boxes[:, 3] <= hi_y)
        arr, boxes = arr[inside], boxes[inside]
        # candidates are tried in chunks, cheapest first; penalties only add to the
        # base cost, so once a chunk starts above the best total found we can stop
        best, best_cost = -1, math.inf
        for start in range(0, len(arr), 256):
            if arr[start, 2] >= best_cost:
                break
            sl = slice(start, start + 256)
            costs = _candidate_costs(
                px,
                py,
                arr[sl, 2],
                boxes[sl],
                placed,
                marks,
                curve_boxes,
                curve_pts,
                leader_pts,
                leaders,
            )
            k = int(np.argmin(costs))
            if costs[k] < best_cost:
                best, best_cost = start + k, float(costs[k])
        if best < 0:
            log.warning("no free space for the label of %s; it may overlap", p.subfield_id)
            arr = np.array([[px + r_mark + gap + w / 2, py, 0.0]])
            boxes = np.array([[arr[0, 0] - w / 2, py - h / 2, arr[0, 0] + w / 2, py + h / 2]])
            best = 0
        cx, cy = float(arr[best, 0]), float(arr[best, 1])
        box = boxes[best]
        placed = np.vstack([placed, box])
        dx_, dy_ = ax.transData.inverted().transform((cx, cy))
        text.set_position((float(dx_), float(dy_)))
        if arr[best, 2] >= 1.0:  # set away from its dot: draw a leader line
            ex, ey = _nearest_on_box(px, py, box + np.array([pad, pad, -pad, -pad]))
            vx, vy = ex - px, ey - py
            dist = math.hypot(vx, vy) or 1.0
            sx, sy = px + vx / dist * r_mark, py + vy / dist * r_mark
            inv = ax.transData.inverted()
            (a0, a1), (b0, b1) = inv.transform([(sx, sy), (ex, ey)])
            ax.add_line(
                Line2D(
                    [a0, b0], [a1, b1], lw=0.45, color="#9a9a9a", zorder=2, solid_capstyle="butt"
                )
            )
            n = max(int(dist / 3), 2)
            t = np.linspace(0, 1, n)[:, None]
            leaders = np.vstack([leaders, [sx, sy, ex, ey]])
            leader_pts = np.vstack(
                [leader_pts, np.column_stack([sx + (ex - sx) * t[:, 0], sy + (ey - sy) * t[:, 0]])]
            )


# -- movement against a previous edition ------------------------------------------------
@dataclass(frozen=True, slots=True)
class Movement:
    """A sub-field's position in a previous edition and now."""

    subfield_id: str
    old_x: float
    new_x: float


def _movements(points: Sequence[CurvePoint], previous: pl.DataFrame) -> list[Movement]:
    """Moves of at least 0.01 between ``previous`` (subfield_id, position) and ``points``."""
    if "subfield_id" not in previous.columns or "position" not in previous.columns:
        raise ReportError(
            "the previous edition needs subfield_id and position columns "
            "(load it with techcurve.editions.load_edition)"
        )
    old = {
        str(r["subfield_id"]): float(r["position"])
        for r in previous.iter_rows(named=True)
        if r["position"] is not None and not math.isnan(float(r["position"]))
    }
    out = []
    for p in points:
        if p.subfield_id in old and abs(old[p.subfield_id] - p.x) >= 0.01:
            out.append(Movement(p.subfield_id, min(max(old[p.subfield_id], 0.0), 1.0), p.x))
    return out


def _draw_movements(ax: Axes, moves: Sequence[Movement], drawn: dict[str, CurvePoint]) -> None:
    """A grey ghost dot at each previous position and an arrow along the curve to the dot."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path as MplPath

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


# -- drawing -------------------------------------------------------------------------
def draw_curve(
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    domains: pl.DataFrame,
    *,
    lang: str = "zh",
    title: str | None = None,
    cutoff: str | None = None,
    source_line: str | None = None,
    model: str | None = None,
    compare: pl.DataFrame | None = None,
    compare_label: str | None = None,
) -> Figure:
    """The curve as a matplotlib figure (see :func:`render_curve` for the arguments)."""
    if lang not in TEXT:
        raise ReportError(f"unknown language {lang!r} for the curve (expected 'zh' or 'en')")
    tx = TEXT[lang]
    points, skipped = curve_points(assessments, subfields, lang=lang, model=model)
    if not points:
        raise ReportError(
            "no sub-field has a curve position to draw: run `techcurve assess` first "
            f"({skipped} assessed as insufficient)"
            if skipped
            else "no assessments to draw: run `techcurve assess` first"
        )
    dom_rows = list(domains.iter_rows(named=True)) if "domain_id" in domains.columns else []
    dom_order = [str(r["domain_id"]) for r in dom_rows]
    dom_order += [d for d in dict.fromkeys(p.domain_id for p in points) if d not in dom_order]
    colors = domain_colors(dom_order)
    dom_names = {str(r["domain_id"]): _name(r, lang, str(r["domain_id"])) for r in dom_rows}

    n = len(points)
    fontsize = 8.0 if n <= 50 else 7.0
    max_em = 10.5 if lang == "zh" else 16.0
    wrapped = [
        CurvePoint(p.subfield_id, wrap_label(p.label, max_em), p.domain_id, p.x, p.y, p.band)
        for p in points
    ]
    # more sub-fields: a bigger canvas, wider as well as taller so the curve keeps its shape
    width = 16.0 if n <= 60 else min(16.0 + (n - 60) * 0.06, 22.0)
    height = 9.0 if n <= 40 else min(9.0 + (n - 40) * 0.035, 13.5)
    marker_pt = 7.0
    # the source line wraps to the plot's width; the legends sit above it
    src_text = _wrap_source(source_line or tx["source"], 0.94 * width * 72 / 8.5 - 2)
    src_h = 0.165 * (src_text.count("\n") + 1)
    legend_y = 0.16 + src_h
    top_in, bottom_in = 0.85, 0.90 + src_h  # room for the title, and for legends + footer
    ax_rect = (0.04, bottom_in / height, 0.94, 1 - (top_in + bottom_in) / height)
    # spread dots that share a position along the curve (drawing only)
    x_scale = ax_rect[2] * width * 72 / 1.02
    y_scale = ax_rect[3] * height * 72 / (1.32 - STRIP_BOTTOM)
    drawn = dodge_points(
        wrapped, spacing_pt=marker_pt + 4.0, spread_pt=15.0, x_scale=x_scale, y_scale=y_scale
    )
    moves = _movements(points, compare) if compare is not None else []

    with chart_style():
        fig = new_figure(width, height)
        ax = fig.add_axes(ax_rect)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(STRIP_BOTTOM, 1.32)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(tx["y"], fontsize=10, color="#555555")
        ax.set_xlabel(tx["x"], fontsize=10, color="#555555", labelpad=2)
        for sp in ("left", "bottom"):
            ax.spines[sp].set_color("#888888")

        # phase bands, dividers and names
        for k, phase in enumerate(Phase):
            lo, hi = PHASE_BOUNDS[phase]
            hi = min(hi, 1.01)
            if k % 2 == 1:
                ax.axvspan(lo, hi, color="#f3f5f8", zorder=0, lw=0)
            if k:
                ax.axvline(lo, color="#c4c9d0", lw=0.8, ls=(0, (4, 3)), zorder=1)
            ax.text(
                (lo + hi) / 2,
                (STRIP_BOTTOM + STRIP_TOP) / 2,
                phase.zh if lang == "zh" else phase.en,
                ha="center",
                va="center",
                fontsize=10,
                color="#4a5568",
                zorder=4,
            )
        ax.axhline(STRIP_TOP, color="#d5d9de", lw=0.6, zorder=1)

        xs = np.linspace(0, 1, 600)
        ax.plot(xs, curve_y(xs), color="#3b5b92", lw=2.4, zorder=2, solid_capstyle="round")

        # dots: one scatter per (domain, band) so that colours and shapes stay exact
        drawn_at = {p.subfield_id: p for p in drawn}
        if moves:
            _draw_movements(ax, moves, drawn_at)
        groups: dict[tuple[str, YearsBand | None], list[CurvePoint]] = {}
        for p in drawn:
            groups.setdefault((p.domain_id, p.band), []).append(p)
        for (dom, band), pts in groups.items():
            style = BAND_MARKERS[band]
            c = colors.get(dom, "#555555")
            ax.scatter(
                [p.x for p in pts],
                [p.y for p in pts],
                s=marker_pt**2,
                marker=str(style["marker"]),
                facecolors=c if style["filled"] else "white",
                edgecolors=c,
                linewidths=1.3,
                zorder=4,
            )

        ghosts = [(m.old_x, float(curve_y(m.old_x))) for m in moves]
        _place_labels(fig, ax, drawn, fontsize, marker_pt, extra_marks=ghosts)

        # legends: domains, then years-to-plateau bands, in one row under the axes
        used_domains = [d for d in dom_order if any(p.domain_id == d for p in points)]
        dom_handles = [
            Line2D([], [], ls="", marker="o", markersize=7, color=colors[d]) for d in used_domains
        ]
        leg1 = fig.legend(
            dom_handles,
            [dom_names.get(d, d) for d in used_domains],
            title=tx["domain_legend"],
            loc="lower left",
            bbox_to_anchor=(0.04, legend_y / height),
            ncol=min(len(used_domains), 7),
            frameon=False,
            fontsize=9,
            title_fontsize=9,
            alignment="left",
            handletextpad=0.3,
            columnspacing=1.2,
        )
        bands_used = [b for b in BAND_MARKERS if any(p.band == b for p in points)]
        band_handles = []
        for b in bands_used:
            st = BAND_MARKERS[b]
            band_handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker=str(st["marker"]),
                    markersize=7,
                    markerfacecolor="#555555" if st["filled"] else "white",
                    markeredgecolor="#555555",
                    markeredgewidth=1.2,
                )
            )
        band_labels = [BAND_NAMES[lang][b] for b in bands_used]
        if moves:
            band_handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker="o",
                    markersize=5,
                    markerfacecolor="white",
                    markeredgecolor="#9aa3b2",
                )
            )
            band_labels.append(
                tx["previous"].format(compare_label) if compare_label else tx["previous_plain"]
            )
        fig.legend(
            band_handles,
            band_labels,
            title=tx["band_legend"],
            loc="lower right",
            bbox_to_anchor=(0.98, legend_y / height),
            ncol=len(band_labels),
            frameon=False,
            fontsize=9,
            title_fontsize=9,
            alignment="left",
            handletextpad=0.3,
            columnspacing=1.2,
        )
        fig.add_artist(leg1)

        # title, subtitle and footer
        fig.text(
            0.04,
            1 - 0.32 / height,
            title or tx["title"],
            fontsize=17,
            va="center",
            color="#1a202c",
        )
        sub = tx["count"].format(n=n) + (tx["skipped"].format(n=skipped) if skipped else "")
        fig.text(0.04, 1 - 0.62 / height, sub, fontsize=10, va="center", color="#555555")
        fig.text(
            0.04,
            0.08 / height,
            src_text,
            fontsize=8.5,
            va="bottom",
            color="#555555",
            linespacing=1.35,
            gid="techcurve-source",
        )
        if cutoff:  # top right, level with the subtitle: the first thing a reader checks
            fig.text(
                0.98,
                1 - 0.62 / height,
                tx["cutoff"].format(cutoff),
                fontsize=10,
                va="center",
                ha="right",
                color="#555555",
                gid="techcurve-cutoff",
            )
    return fig


def _wrap_source(text: str, max_em: float) -> str:
    """Break a long source line after '；' / '; ' (else anywhere) into lines of ``max_em``."""
    parts = re.split(r"(?<=；)|(?<=; )", text)
    lines: list[str] = []
    cur = ""
    for part in parts:
        if cur and _width(cur + part) > max_em:
            lines.append(cur.rstrip())
            cur = ""
        while _width(part) > max_em:  # one part longer than a line: hard break
            cut = len(part)
            while _width(part[:cut]) > max_em:
                cut -= 1
            lines.append(part[:cut])
            part = part[cut:]
        cur += part
    if cur:
        lines.append(cur.rstrip())
    return "\n".join(lines)


def label_boxes(fig: Figure) -> list[Bbox]:
    """The display-space bounding boxes of the sub-field labels drawn by :func:`draw_curve`."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [
        t.get_window_extent(renderer)
        for ax in fig.axes
        for t in ax.texts
        if (t.get_gid() or "").startswith(LABEL_GID + "-")
    ]


def render_curve(
    assessments: pl.DataFrame,
    subfields: pl.DataFrame,
    domains: pl.DataFrame,
    out_paths: Sequence[Path],
    *,
    lang: str = "zh",
    title: str | None = None,
    cutoff: str | None = None,
    source_line: str | None = None,
    model: str | None = None,
    compare: pl.DataFrame | None = None,
    compare_label: str | None = None,
    dpi: int = 220,
) -> list[Path]:
    """Draw the maturity curve and write it to every path in ``out_paths``.

    ``assessments`` is the store's ``assessments`` table (``final_*`` columns are used
    where present); ``subfields`` gives names and domains, ``domains`` the domain names
    and legend order. The format follows each extension (.svg, .png at ``dpi`` ≥ 200,
    .pdf); an unknown one raises :class:`ReportError` before anything is drawn.
    ``compare`` (columns ``subfield_id``, ``position``: a saved edition, see
    :func:`techcurve.editions.load_edition`) adds a ghost dot at each sub-field's
    previous position and an arrow along the curve to where it is now;
    ``compare_label`` names that edition in the legend.

    >>> render_curve(a, s, d, [Path("out/curve.svg"), Path("out/curve.png")])  # doctest: +SKIP
    [PosixPath('out/curve.svg'), PosixPath('out/curve.png')]
    """
    paths = [Path(p) for p in out_paths]
    if not paths:
        raise ReportError("render_curve needs at least one output path (.svg, .png or .pdf)")
    for p in paths:
        if p.suffix.lower().lstrip(".") not in SUPPORTED_FORMATS:
            raise ReportError(
                f"cannot write {p}: unknown image format {p.suffix or '(none)'!r} "
                f"(use one of: {', '.join('.' + f for f in SUPPORTED_FORMATS)})"
            )
    fig = draw_curve(
        assessments,
        subfields,
        domains,
        lang=lang,
        title=title,
        cutoff=cutoff,
        source_line=source_line,
        model=model,
        compare=compare,
        compare_label=compare_label,
    )
    return [save_figure(fig, p, dpi=dpi) for p in paths]


def curve_from_store(
    store: Store,
    out_paths: Sequence[Path | str],
    *,
    lang: str = "zh",
    title: str | None = None,
    compare: str | None = None,
) -> list[Path]:
    """:func:`render_curve` with everything taken from an open store.

    The cut-off is the store's ``as_of``, the source line names the sources behind the
    records and count series (:func:`techcurve.report.provenance.source_line`), and
    ``compare`` is the name of a saved edition (``techcurve edition save``) whose
    positions become movement arrows.
    """
    from techcurve.editions import load_edition
    from techcurve.report.provenance import source_line

    if not store.has_table("assessments") or store.count("assessments") == 0:
        raise ReportError(f"store {store.path} has no assessments: run `techcurve assess` first")
    previous = load_edition(store, compare) if compare else None
    return render_curve(
        store.table("assessments"),
        store.table("subfields"),
        store.table("domains"),
        [Path(p) for p in out_paths],
        lang=lang,
        title=title,
        cutoff=store.get_meta("as_of"),
        source_line=source_line(store, lang),
        compare=previous,
        compare_label=compare,
    )
