"""Assess: place every sub-field on the maturity curve.

Reads the ``summary`` and ``indicators`` tables, writes the ``assessments`` table
(docs/architecture.md). Two interchangeable stage models (scikit-learn style):

* :class:`SnapshotModel` (``"snapshot"``): the report's method as explicit rules on
  cumulative patents, age, opinion index, financing and the attention series;
* :class:`TimeSeriesModel` (``"timeseries"``): logistic/Gompertz S-curves of the
  patent and paper series and a hype bell of attention;
* :class:`NeighbourModel` (``"neighbours"``): learnt from labelled rows — the nearest
  labelled indicator profiles (as of each label's date) vote on the phase
  (:func:`assess_labelled` fits it on a labels file and assesses the store).

Expert overrides (:func:`load_overrides`, :func:`apply_overrides`) are shown beside
the model, never instead of it. The rules are documented in ``docs/models.md``.
:func:`backtest` scores the models against labelled statements (a labels CSV, or the
ThoughtWorks Radar through :func:`read_radar` and :func:`radar_labels`) as of each
statement's date; see ``docs/backtest.md``.

>>> frame = assess(summary, indicators, model="snapshot")          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess._base import (
    ASSESSMENT_SCHEMA,
    StageModel,
    assessments_to_frame,
    check_params,
    to_date,
)
from techcurve.assess.backtest import BacktestResult, Scores, backtest, labelled_profiles
from techcurve.assess.labelled import assess_labelled
from techcurve.assess.labels import load_labels, resolve_labels
from techcurve.assess.neighbours import NeighbourModel, profile_features
from techcurve.assess.overrides import Override, apply_overrides, load_overrides
from techcurve.assess.radar import RING_PHASES, radar_labels, read_radar
from techcurve.assess.snapshot import SnapshotModel
from techcurve.assess.timeseries import TimeSeriesModel
from techcurve.errors import AssessError

__all__ = [
    "ASSESSMENT_SCHEMA",
    "MODELS",
    "RING_PHASES",
    "BacktestResult",
    "NeighbourModel",
    "Override",
    "Scores",
    "SnapshotModel",
    "TimeSeriesModel",
    "apply_overrides",
    "assess",
    "assess_labelled",
    "assessments_to_frame",
    "backtest",
    "labelled_profiles",
    "load_labels",
    "load_overrides",
    "make_model",
    "profile_features",
    "radar_labels",
    "read_radar",
    "resolve_labels",
]

MODELS: dict[str, type[StageModel]] = {
    SnapshotModel.name: SnapshotModel,
    TimeSeriesModel.name: TimeSeriesModel,
    NeighbourModel.name: NeighbourModel,
}


def _expected_models() -> str:
    plain = [n for n, c in MODELS.items() if not c.requires_labels]
    learnt = [n for n, c in MODELS.items() if c.requires_labels]
    text = f"(expected one of: {', '.join(plain)})"
    if learnt:
        text += f"; fitted on labels: {', '.join(learnt)} (`techcurve assess-labelled`)"
    return text


def make_model(model: str, params: Mapping[str, Any] | None = None) -> StageModel:
    """A new, unfitted model by name with ``params`` (unknown names raise AssessError)."""
    cls = MODELS.get(model)
    if cls is None:
        raise AssessError(f"unknown model {model!r} {_expected_models()}")
    params = dict(params or {})
    check_params(cls, params)
    return cls(**params)


def _summary_as_of(summary: pl.DataFrame, as_of: date | str | None) -> date:
    have: date | None = None
    if "as_of" in summary.columns and summary.height:
        values = {to_date(v) for v in summary["as_of"].drop_nulls().to_list()}
        if len(values) > 1:
            raise AssessError(
                f"the summary mixes as-of dates ({', '.join(sorted(map(str, values)))}): "
                "re-run `techcurve indicators` with one --as-of date"
            )
        have = values.pop() if values else None
    if as_of is None:
        if have is None:
            raise AssessError("the summary has no as_of date: pass as_of= or re-run indicators")
        return have
    want = to_date(as_of)
    if have is not None and have != want:
        raise AssessError(
            f"the summary was computed as of {have} but as_of={want} was asked for: "
            f"re-run `techcurve indicators --as-of {want}` first"
        )
    return want


def assess(
    summary: pl.DataFrame,
    indicators: pl.DataFrame | None,
    *,
    model: str = "snapshot",
    params: Mapping[str, Any] | None = None,
    overrides: Sequence[Override] | str | Path | None = None,
    as_of: date | str | None = None,
    labels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Place every sub-field of ``summary``; returns the ``assessments`` table frame.

    ``model`` names a model in :data:`MODELS`; ``params`` are its keyword parameters
    (the ``assess.<model>`` config section). The model is fitted on all rows of
    ``summary`` and predicts them. ``overrides`` (a list from :func:`load_overrides`,
    or a path to an overrides YAML file) adds the ``expert_*``/``final_*`` columns of
    :func:`apply_overrides`. ``as_of`` must match the summary's own as-of date.
    ``labels`` is passed to ``fit``: a model fitted on labels (``neighbours``) needs
    them — the as-of profiles from :func:`labelled_profiles` — the others ignore them.

    Columns: subfield_id, model, as_of, status, phase, position, years_band,
    confidence, reasons (JSON list of {indicator, value, text}), one row per sub-field.
    """
    if summary.height == 0:
        raise AssessError("the summary table is empty: run `techcurve indicators` first")
    day = _summary_as_of(summary, as_of)
    if "as_of" not in summary.columns:
        summary = summary.with_columns(pl.lit(day).alias("as_of"))
    est = make_model(model, params)
    ind = indicators
    if ind is not None and "year" in ind.columns:
        ind = ind.filter(pl.col("year") <= day.year)
    est.fit(summary, labels, indicators=ind)
    results = est.predict(summary, indicators=ind)
    frame = assessments_to_frame(results, day)
    if overrides is not None:
        if isinstance(overrides, str | Path):
            overrides = load_overrides(overrides, known_ids=set(summary["subfield_id"].to_list()))
        frame = apply_overrides(frame, overrides)
    return frame
