"""Labelled rows as indicator profiles, and predictions of a label-learnt model that
never saw the row it predicts.

A label says where a technology stood *in its year*, so a model fitted on labels
(``requires_labels``, e.g. the neighbours model) is fitted on each labelled
technology's profile **as of its label date** (:func:`labelled_profiles`).
"""

from __future__ import annotations

from collections.abc import Mapping
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

#: one prediction: (status, phase, years band, confidence, note)
Prediction = tuple[str, str | None, str | None, float, str | None]

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
        raise AssessError(t("assess.held_out.no_labels", "en"))
    return pl.concat(parts, how="vertical_relaxed").sort("as_of", "row")


def held_out_predictions(
    name: str,
    params: Mapping[str, Any] | None,
    test: pl.DataFrame,
    train: pl.DataFrame | None,
    *,
    exclude_same_technology: bool = True,
) -> dict[int, Prediction]:
    """row → (status, phase, band, confidence, note) for a model fitted on labels.

    Without ``train`` the training rows are ``test`` itself minus every row of the same
    technology (leave-one-technology-out, which also leaves the row itself out). With
    ``train`` (a separate label file) rows of the same technology are left out as well
    unless ``exclude_same_technology`` is false.
    """
    pool = test if train is None else train
    how = t("assess.held_out.loo" if train is None else "assess.held_out.transfer", "en")
    out: dict[int, Prediction] = {}
    empty = pl.DataFrame()
    groups = test.partition_by("subfield_id", as_dict=False, maintain_order=True)
    for group in groups:
        sid = group["subfield_id"][0]
        fold = pool
        if train is None or exclude_same_technology:
            fold = pool.filter(pl.col("subfield_id") != sid)
        n_tech = fold["subfield_id"].n_unique() if fold.height else 0
        rows = group["row"].to_list()
        if fold.height == 0:
            for row in rows:
                note = t("assess.held_out.no_rows", "en", how=how)
                out[row] = ("insufficient", None, None, 0.0, note)
            continue
        est = make_model(name, params)
        predict_profiles = getattr(est, "predict_profiles", None)
        if predict_profiles is None:  # pragma: no cover - every label-learnt model has it
            raise AssessError(t("assess.held_out.no_profiles", "en", model=name))
        try:
            est.fit(empty, fold)
            preds = predict_profiles(group)
        except AssessError as e:
            for row in rows:
                out[row] = (
                    "insufficient",
                    None,
                    None,
                    0.0,
                    t("assess.model_failed", "en", error=e),
                )
            continue
        other = train is None or exclude_same_technology
        key = "assess.held_out.fold_other" if other else "assess.held_out.fold"
        for row, a in zip(rows, preds, strict=True):
            note = t(key, "en", how=how, rows=fold.height, n=n_tech)
            if a.status != "assessed":
                note += "; " + "; ".join(
                    r.text() for r in a.reasons if r.indicator.startswith("feat")
                )
            out[row] = (
                a.status,
                a.phase.value if a.phase is not None else None,
                a.years_band.value if a.years_band is not None else None,
                float(a.confidence),
                note,
            )
    return out


__all__ = ["PROFILE_LABEL_COLUMNS", "held_out_predictions", "labelled_profiles"]
