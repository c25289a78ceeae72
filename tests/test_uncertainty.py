"""Uncertainty on the curve: a faded dot for low confidence, a whisker towards the other
phases that hold 80 % of the probability; read from a ``probabilities`` column that may
be absent."""

from __future__ import annotations

import json

import polars as pl
import pytest
from matplotlib.collections import PathCollection

from techcurve.datatypes import Phase
from techcurve.render.curve import draw_curve
from techcurve.render.curve.shape import curve_points
from techcurve.render.curve.uncertainty import dot_opacity, likely_phases, whisker
from test_render import synthetic


@pytest.mark.parametrize(
    ("probs", "likely"),
    [
        ({"peak": 0.9, "trough": 0.1}, (Phase.PEAK,)),
        ({"peak": 0.5, "trough": 0.35, "slope": 0.15}, (Phase.PEAK, Phase.TROUGH)),
        ({"trigger": 0.4, "plateau": 0.4, "slope": 0.2}, (Phase.TRIGGER, Phase.PLATEAU)),
        # ties go to the earlier phase; once 80 % is held the rest are left out
        (
            {"trigger": 0.3, "peak": 0.3, "slope": 0.2, "plateau": 0.2},
            (Phase.TRIGGER, Phase.PEAK, Phase.SLOPE),
        ),
        ({}, ()),
        ({"peak": 0.0}, ()),
    ],
)
def test_likely_phases_hold_80_percent(probs: dict[str, float], likely: tuple[Phase, ...]) -> None:
    assert likely_phases([(Phase(k), v) for k, v in probs.items()]) == likely


def test_whisker_reaches_towards_the_likely_phases_by_their_probability() -> None:
    trough_slope = ((Phase.PEAK, 0.1), (Phase.TROUGH, 0.6), (Phase.SLOPE, 0.3))
    # trough + slope hold 90 %: only forwards, 0.12 × the 30 % ahead
    assert whisker(trough_slope, 0.45) == (0.0, 0.036)
    both = ((Phase.PEAK, 0.25), (Phase.TROUGH, 0.5), (Phase.SLOPE, 0.25))
    assert whisker(both, 0.45) == (0.03, 0.03)
    assert whisker(((Phase.TROUGH, 0.85), (Phase.SLOPE, 0.15)), 0.45) is None
    assert whisker((), 0.45) is None


@pytest.mark.parametrize(
    ("confidence", "opacity"), [(None, 1.0), (0.9, 1.0), (0.6, 1.0), (0.5, 0.6), (0.39, 0.3)]
)
def test_dot_opacity(confidence: float | None, opacity: float) -> None:
    assert dot_opacity(confidence) == opacity


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    a, s, d = synthetic(3)
    a = a.with_columns(
        position=pl.Series([0.45, 0.65, 0.9]),
        phase=pl.Series(["trough", "slope", "plateau"]),
        confidence=pl.Series([0.3, 0.5, 0.9]),
    )
    return a, s, d


def test_without_a_probabilities_column_confidence_still_fades_the_dots() -> None:
    a, s, _ = _frames()
    points, _ = curve_points(a, s)
    assert [(p.confidence, p.reach) for p in points] == [(0.3, None), (0.5, None), (0.9, None)]


def test_probabilities_column_gives_whiskers_and_expert_dots_stay_solid() -> None:
    a, s, d = _frames()
    probs = [json.dumps({"trough": 0.6, "slope": 0.3, "peak": 0.1}), None, "{not json"]
    a = a.with_columns(
        probabilities=pl.Series(probs),
        expert_phase=pl.Series([None, "plateau", None], dtype=pl.Utf8),
        expert_position=pl.Series([None, 0.85, None], dtype=pl.Float64),
        final_position=pl.Series([None, 0.85, None], dtype=pl.Float64),
    )
    points, _ = curve_points(a, s)
    assert [(p.subfield_id, p.confidence, p.reach) for p in points] == [
        ("sf000", 0.3, (0.0, 0.036)),
        ("sf001", None, None),
        ("sf002", 0.9, None),
    ]
    fig = draw_curve(a, s, d)
    ax = fig.axes[0]
    assert [
        ln.get_gid() for ln in ax.lines if str(ln.get_gid()).startswith("techcurve-whisker")
    ] == ["techcurve-whisker-sf000"]
    alphas = sorted(
        round(float(c[3]), 2)
        for coll in ax.collections
        if isinstance(coll, PathCollection)
        for c in coll.get_edgecolors()
    )
    assert alphas == [0.3, 1.0, 1.0]
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "浅色：置信度低于 0.6" in legend_texts
    assert "细线：伸向 80% 概率所及的其他阶段" in legend_texts
