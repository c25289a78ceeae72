"""Labelled rows as indicator profiles, and predictions of a label-learnt model that
never saw the row it predicts.

A label says where a technology stood *in its year*, so a model fitted on labels
(``requires_labels``, e.g. the neighbours model) is fitted on each labelled
technology's profile **as of its label date** (:func:`labelled_profiles`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.assess.evidence import Evidence, FrameCache
from techcurve.assess.label_files import resolve_labels
from techcurve.assess.learnt_features import history_features
from techcurve.assess.neighbours import profile_features
from techcurve.assess.registry import make_model
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams
from techcurve.text import t


@dataclass(frozen=True, slots=True)
class Prediction:
    """One model's answer for one labelled row.

    ``how`` says how it was made (the fold it was fitted on, or why the model
    abstained); ``probabilities`` maps a phase value to its probability when the model
    gives them (e.g. the label-learnt model; ``None`` for the rule models).
    """

    status: str
    phase: str | None = None
    years_band: str | None = None
    confidence: float | None = None
    how: str | None = None
    probabilities: Mapping[str, float] | None = None

    @classmethod
    def insufficient(cls, how: str) -> Prediction:
        """A model that could not place the row, and why."""
        return cls("insufficient", None, None, 0.0, how)

    @classmethod
    def of(cls, a: Any, how: str | None = None) -> Prediction:
        """From an :class:`~techcurve.datatypes.Assessment` (its ``probabilities`` when it
        has them)."""
        probs = getattr(a, "probabilities", None)
        return cls(
            status=a.status,
            phase=a.phase.value if a.phase is not None else None,
            years_band=a.years_band.value if a.years_band is not None else None,
            confidence=float(a.confidence),
            how=how,
            probabilities=dict(probs) if probs else None,
        )


PROFILE_LABEL_COLUMNS: tuple[str, ...] = (
    "row",
    "technology",
    "subfield_id",
    "year",
    "as_of",
    "phase",
    "years_band",
    "uncertain",
)


def labelled_profiles(
    evidence: Evidence | FrameCache,
    labels: pl.DataFrame,
    indicator_params: IndicatorParams | None = None,
) -> pl.DataFrame:
    """The as-of profile of every labelled row: what a label-learnt model is fitted on.

    ``labels`` is a labels frame with ``subfield_id`` (:func:`resolve_labels` or
    :func:`~techcurve.assess.radar.radar_labels`). For each distinct as-of date the
    indicators and the summary of **all** sub-fields are recomputed as of that date
    (:meth:`Evidence.frames`; the share features are relative to that date's totals)
    and :func:`~techcurve.assess.neighbours.profile_features` gives the labelled
    sub-field's profile. Returns :data:`PROFILE_LABEL_COLUMNS` (``year`` is the label's
    year) followed by the feature columns, one row per label, in label order.
    """
    frames = (
        evidence if isinstance(evidence, FrameCache) else FrameCache(evidence, indicator_params)
    )
    if "subfield_id" not in labels.columns:
        labels = resolve_labels(labels, frames.ev.subfields)
    parts = []
    for day in sorted(set(labels["as_of"].to_list())):
        ind, summ = frames(day)
        prof = profile_features(summ).drop("year")
        # the learnt model's history features (h.*), from the per-year rows as of the date
        prof = prof.join(history_features(ind, day), on="subfield_id", how="left")
        rows = labels.filter(pl.col("as_of") == day).select(PROFILE_LABEL_COLUMNS)
        parts.append(rows.join(prof, on="subfield_id", how="left"))
    if not parts:
        raise AssessError.of("assess.held_out.no_labels")
    return pl.concat(parts, how="vertical_relaxed").sort("as_of", "row")


def fold_predictions(
    name: str,
    params: Mapping[str, Any] | None,
    fold: pl.DataFrame,
    test: pl.DataFrame,
    how: str,
) -> dict[int, Prediction]:
    """row of ``test`` → its :class:`Prediction` by model ``name`` fitted on the profiles
    of ``fold`` (the caller makes sure ``fold`` holds no row it must not see); ``how``
    names the protocol and the fold in each prediction's ``how``."""
    rows = test["row"].to_list()
    if fold.height == 0:
        return {
            r: Prediction.insufficient(t("assess.held_out.no_rows", "en", how=how)) for r in rows
        }
    est = make_model(name, params)
    predict_profiles = getattr(est, "predict_profiles", None)
    if predict_profiles is None:  # pragma: no cover - every label-learnt model has it
        raise AssessError.of("assess.held_out.no_profiles", model=name)
    try:
        est.fit(pl.DataFrame(), fold)
        preds = predict_profiles(test)
    except AssessError as e:
        failed = Prediction.insufficient(t("assess.model_failed", "en", error=e))
        return dict.fromkeys(rows, failed)
    out: dict[int, Prediction] = {}
    for row, a in zip(rows, preds, strict=True):
        note = how
        if a.status != "assessed":
            note += "; " + "; ".join(r.text() for r in a.reasons if r.indicator.startswith("feat"))
        out[row] = Prediction.of(a, note)
    return out


def held_out_predictions(
    name: str,
    params: Mapping[str, Any] | None,
    test: pl.DataFrame,
    train: pl.DataFrame | None,
    *,
    exclude_same_technology: bool = True,
) -> dict[int, Prediction]:
    """row → its :class:`Prediction` by a model fitted on labels that never saw it.

    Without ``train`` the training rows are ``test`` itself minus every row of the same
    technology (leave-one-technology-out, which also leaves the row itself out). With
    ``train`` (a separate label file) rows of the same technology are left out as well
    unless ``exclude_same_technology`` is false.
    """
    pool = test if train is None else train
    how = t("assess.held_out.loo" if train is None else "assess.held_out.transfer", "en")
    other = train is None or exclude_same_technology
    key = "assess.held_out.fold_other" if other else "assess.held_out.fold"
    out: dict[int, Prediction] = {}
    for group in test.partition_by("subfield_id", as_dict=False, maintain_order=True):
        fold = pool.filter(pl.col("subfield_id") != group["subfield_id"][0]) if other else pool
        if fold.height == 0:
            out.update(fold_predictions(name, params, fold, group, how))
            continue
        note = t(key, "en", how=how, rows=fold.height, n=fold["subfield_id"].n_unique())
        out.update(fold_predictions(name, params, fold, group, note))
    return out


def temporal_predictions(
    name: str, params: Mapping[str, Any] | None, profiles: pl.DataFrame, split_year: int
) -> dict[int, Prediction]:
    """row → its :class:`Prediction` for the rows dated after ``split_year``, by model
    ``name`` fitted once on the rows dated up to ``split_year`` (the temporal split)."""
    early = pl.col("as_of").dt.year() <= split_year
    fold, test = profiles.filter(early), profiles.filter(~early)
    n = fold["subfield_id"].n_unique() if fold.height else 0
    how = t("assess.held_out.temporal", "en", year=split_year, rows=fold.height, n=n)
    return fold_predictions(name, params, fold, test, how) if test.height else {}


__all__ = [
    "PROFILE_LABEL_COLUMNS",
    "Prediction",
    "fold_predictions",
    "held_out_predictions",
    "labelled_profiles",
]
