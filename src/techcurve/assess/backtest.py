"""Backtest: assess labelled technologies as of each label's date and score agreement.

For every distinct as-of date among the labels, the indicators and the summary are
recomputed from the store's evidence (:class:`~techcurve.assess.evidence.Evidence`);
each model is fitted on that summary — every sub-field, no labels — and predicts the
labelled sub-fields.

Models fitted **on labels** (``requires_labels``, e.g. the neighbours model) are never
scored on a row they were fitted on: each labelled row is predicted by a model fitted
on the labelled rows of **other technologies only** (leave-one-technology-out — leaving
out just the row itself would let the same technology's neighbouring years, whose
profile is nearly identical, leak its label), or, with ``train_labels``, by a model
fitted on a separate label file (cross-label transfer; rows of the same technology are
left out of the training set too unless ``exclude_same_technology=False``). Their
training rows are the **as-of profiles** of
:func:`~techcurve.assess.profiles.labelled_profiles`.

Beside the models, two baselines predict every row, each with **leave-one-out** (they
are fitted on the labels, so a row never helps predict itself):

* ``majority``: the most common labelled phase among the other rows;
* ``age-only``: the phase whose median age (as-of year − birth year) among the other
  rows is closest to this row's age (the majority when the birth year is unknown).

Scores per model (:class:`~techcurve.assess.scoring.Scores`): n labelled and n assessed
(a model may say "insufficient"), exact agreement and within-one-phase agreement with
Wilson 95 % intervals, Spearman's rank correlation of predicted with labelled phase
order, the majority baseline's exact agreement on the same rows and the gain over it,
the years-to-plateau band agreement where labels give one, and a confusion matrix.

>>> res = backtest(Evidence.from_store(st), "labels.csv")       # doctest: +SKIP
>>> res.table()                                               # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess._base import num
from techcurve.assess.evidence import Evidence, FrameCache
from techcurve.assess.label_files import LABEL_SCHEMA, load_labels, resolve_labels
from techcurve.assess.profiles import Prediction, held_out_predictions, labelled_profiles
from techcurve.assess.registry import make_model, requires_labels, resolve_models
from techcurve.assess.scoring import (
    BASELINES,
    NOT_ASSESSED,
    PHASES,
    Scores,
    loo_age_only,
    loo_majority,
    score,
)
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams
from techcurve.text import t

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """What :func:`backtest` found: per-model scores and every prediction."""

    labels: int
    as_of_dates: tuple[date, ...]
    scores: tuple[Scores, ...]
    predictions: pl.DataFrame  # one row per label per model (see _PRED_SCHEMA)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    label_counts: Mapping[str, int] = field(default_factory=dict)

    def table(self) -> pl.DataFrame:
        """One row per model and baseline: the agreement table printed by the CLI."""
        rows = []
        for s in self.scores:
            rows.append(
                {
                    "model": s.model,
                    "n": s.n_labels,
                    "assessed": s.n_assessed,
                    "exact": s.exact,
                    "exact_lo": s.exact_ci[0] if s.exact_ci else None,
                    "exact_hi": s.exact_ci[1] if s.exact_ci else None,
                    "within_one": s.within_one,
                    "within_one_lo": s.within_one_ci[0] if s.within_one_ci else None,
                    "within_one_hi": s.within_one_ci[1] if s.within_one_ci else None,
                    "spearman": s.spearman,
                    "majority_same_rows": s.majority_same_rows,
                    "gain_over_majority": s.gain_over_majority,
                    "band_n": s.band_n,
                    "band_exact": s.band_exact,
                }
            )
        return pl.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the table, confusion matrices, label counts, predictions."""
        return {
            "labels": self.labels,
            "label_counts": dict(self.label_counts),
            "as_of_dates": [d.isoformat() for d in self.as_of_dates],
            "phases": list(PHASES),
            "scores": [
                {
                    **{
                        k: getattr(s, k)
                        for k in (
                            "model",
                            "n_labels",
                            "n_assessed",
                            "exact",
                            "exact_ci",
                            "within_one",
                            "within_one_ci",
                            "spearman",
                            "majority_same_rows",
                            "gain_over_majority",
                            "band_n",
                            "band_exact",
                        )
                    },
                    "confusion": {
                        "rows": list(PHASES),
                        "columns": [*PHASES, NOT_ASSESSED],
                        "counts": [list(r) for r in s.confusion],
                    },
                }
                for s in self.scores
            ],
            "params": {k: dict(v) for k, v in self.params.items()},
            "predictions": self.predictions.with_columns(pl.col("as_of").cast(pl.Utf8)).to_dicts(),
        }


_PRED_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "technology": pl.Utf8(),
    "subfield_id": pl.Utf8(),
    "year": pl.Int32(),
    "as_of": pl.Date(),
    "label": pl.Utf8(),
    "label_band": pl.Utf8(),
    "uncertain": pl.Boolean(),
    "source": pl.Utf8(),
    "model": pl.Utf8(),
    "status": pl.Utf8(),
    "phase": pl.Utf8(),
    "years_band": pl.Utf8(),
    "confidence": pl.Float64(),
    "age": pl.Float64(),
    "note": pl.Utf8(),
}


def _predict_models(
    models: Sequence[str],
    params: Mapping[str, Mapping[str, Any]],
    summary: pl.DataFrame,
    indicators: pl.DataFrame,
    ids: list[str],
) -> dict[str, dict[str, Prediction]]:
    """model → sub-field → its prediction, for models fitted on the summary."""
    out: dict[str, dict[str, Prediction]] = {}
    wanted = summary.filter(pl.col("subfield_id").is_in(ids))
    for name in models:
        est = make_model(name, params.get(name))
        res: dict[str, Prediction] = {}
        try:
            # Fitted on every sub-field's summary, never on the labels.
            fit_on = summary if name == "snapshot" else wanted
            est.fit(fit_on, indicators=indicators)
            for a in est.predict(wanted, indicators=indicators):
                note = None
                if a.status != "assessed":
                    note = "; ".join(r.text() for r in a.reasons)
                res[a.subfield_id] = (
                    a.status,
                    a.phase.value if a.phase is not None else None,
                    a.years_band.value if a.years_band is not None else None,
                    float(a.confidence),
                    note,
                )
        except AssessError as e:
            for sid in ids:
                res[sid] = (
                    "insufficient",
                    None,
                    None,
                    0.0,
                    t("assess.model_failed", "en", error=e),
                )
        out[name] = res
    return out


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    """How :func:`backtest` runs, beside the evidence and the labels."""

    models: tuple[str, ...]
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    certain_only: bool = False
    train_labels: str | Path | pl.DataFrame | None = None
    exclude_same_technology: bool = True


def backtest(
    evidence: Evidence | FrameCache,
    labels: str | Path | pl.DataFrame,
    *,
    models: str | Sequence[str] = "all",
    params: Mapping[str, Mapping[str, Any]] | None = None,
    indicator_params: IndicatorParams | None = None,
    certain_only: bool = False,
    train_labels: str | Path | pl.DataFrame | None = None,
    exclude_same_technology: bool = True,
) -> BacktestResult:
    """Assess each labelled technology as of its date with each model; score agreement.

    ``evidence`` is the store's evidence (:meth:`Evidence.from_store`), or a
    :class:`FrameCache` over it to share the as-of frames between backtests; ``labels``
    a labels CSV (:func:`~techcurve.assess.label_files.load_labels`) or a frame with
    :data:`~techcurve.assess.label_files.LABEL_SCHEMA` (``subfield_id`` optional — e.g.
    from :func:`~techcurve.assess.radar.radar_labels`). ``models`` is a model name, a
    list, or "all"; ``params`` maps a model name to its parameters (the config's
    ``assess`` section); ``indicator_params`` are used when ``evidence`` is not a
    :class:`FrameCache`. ``certain_only`` drops labels marked uncertain.

    Models fitted on labels (``neighbours``) are scored leave-one-technology-out on
    ``labels``; with ``train_labels`` (another labels file or frame, e.g. the radar's)
    they are fitted on those instead — cross-label transfer — leaving out rows of the
    labelled row's own technology unless ``exclude_same_technology`` is false.
    """
    opts = BacktestOptions(
        models=tuple(resolve_models(models)),
        params={k: dict(v or {}) for k, v in (params or {}).items()},
        certain_only=certain_only,
        train_labels=train_labels,
        exclude_same_technology=exclude_same_technology,
    )
    frames = (
        evidence if isinstance(evidence, FrameCache) else FrameCache(evidence, indicator_params)
    )
    lab = _prepare_labels(labels, frames.ev, certain_only)
    bases, ages, preds = _plain_predictions(frames, lab, opts)
    learnt = [n for n in opts.models if requires_labels(n)]
    if learnt:
        preds += _learnt_predictions(frames, lab, bases, learnt, opts)
    label_list = lab["phase"].to_list()  # lab is in the order rows were visited in
    preds += _baseline_predictions(lab, label_list, ages)
    frame = pl.DataFrame(preds, schema=_PRED_SCHEMA, orient="row")
    majority = dict(frame.filter(pl.col("model") == "majority").select("row", "phase").iter_rows())
    scores = tuple(
        score(frame.filter(pl.col("model") == m), m, majority) for m in [*opts.models, *BASELINES]
    )
    used = {m: make_model(m, opts.params.get(m)).get_params() for m in opts.models}
    counts = Counter(label_list)
    return BacktestResult(
        labels=lab.height,
        as_of_dates=tuple(sorted(set(lab["as_of"].to_list()))),
        scores=scores,
        predictions=frame,
        params=used,
        label_counts={p: counts.get(p, 0) for p in PHASES},
    )


def _prepare_labels(
    labels: str | Path | pl.DataFrame, ev: Evidence, certain_only: bool, what: str = "labels"
) -> pl.DataFrame:
    lab = load_labels(labels) if isinstance(labels, str | Path) else labels
    missing = [c for c in LABEL_SCHEMA if c not in lab.columns]
    if missing:
        raise AssessError(
            t("assess.labels_lack_columns", "en", what=what, columns=", ".join(missing))
        )
    if "subfield_id" not in lab.columns:
        lab = resolve_labels(lab, ev.subfields)
    if certain_only:
        lab = lab.filter(~pl.col("uncertain").fill_null(False))
    if lab.height == 0:
        raise AssessError(t("assess.no_labels_left", "en", what=what))
    return lab.sort("as_of", "row")


def _prediction_row(base: Mapping[str, Any], model: str, p: Prediction) -> dict[str, Any]:
    status, phase, band, conf, note = p
    return {
        **base,
        "model": model,
        "status": status,
        "phase": phase,
        "years_band": band,
        "confidence": conf,
        "note": note,
    }


def _plain_predictions(
    frames: FrameCache, lab: pl.DataFrame, opts: BacktestOptions
) -> tuple[dict[int, dict[str, Any]], list[float | None], list[dict[str, Any]]]:
    """The models fitted on each as-of summary: (row → its label columns, each row's age,
    the prediction rows)."""
    plain = [n for n in opts.models if not requires_labels(n)]
    preds: list[dict[str, Any]] = []
    ages: list[float | None] = []
    bases: dict[int, dict[str, Any]] = {}
    for day in sorted(set(lab["as_of"].to_list())):
        rows = lab.filter(pl.col("as_of") == day)
        ids = sorted(set(rows["subfield_id"].to_list()))
        log.info("backtest: as of %s, %d labels", day, rows.height)
        ind, summ = frames(day)
        birth = dict(summ.select("subfield_id", "birth_year").iter_rows())
        got = _predict_models(plain, opts.params, summ, ind, ids)
        for r in rows.iter_rows(named=True):
            b = num(birth.get(r["subfield_id"]))
            age = float(day.year - b) if b is not None else None
            ages.append(age)
            base = _label_columns(r, age)
            bases[r["row"]] = base
            preds += [_prediction_row(base, n, got[n][r["subfield_id"]]) for n in plain]
    return bases, ages, preds


def _label_columns(r: Mapping[str, Any], age: float | None) -> dict[str, Any]:
    return {
        "row": r["row"],
        "technology": r["technology"],
        "subfield_id": r["subfield_id"],
        "year": r["year"],
        "as_of": r["as_of"],
        "label": r["phase"],
        "label_band": r["years_band"],
        "uncertain": r["uncertain"],
        "source": r["source"],
        "age": age,
    }


def _learnt_predictions(
    frames: FrameCache,
    lab: pl.DataFrame,
    bases: Mapping[int, Mapping[str, Any]],
    learnt: Sequence[str],
    opts: BacktestOptions,
) -> list[dict[str, Any]]:
    """The models fitted on labels, each row predicted by a model that never saw it."""
    test = labelled_profiles(frames, lab)
    train = None
    if opts.train_labels is not None:
        train_lab = _prepare_labels(
            opts.train_labels, frames.ev, opts.certain_only, "training labels"
        )
        train = labelled_profiles(frames, train_lab)
    preds: list[dict[str, Any]] = []
    for name in learnt:
        got = held_out_predictions(
            name,
            opts.params.get(name),
            test,
            train,
            exclude_same_technology=opts.exclude_same_technology,
        )
        preds += [_prediction_row(base, name, got[row]) for row, base in bases.items()]
    return preds


def _baseline_predictions(
    lab: pl.DataFrame, label_list: list[str], ages: list[float | None]
) -> list[dict[str, Any]]:
    preds: list[dict[str, Any]] = []
    for bname, guesses in (
        ("majority", loo_majority(label_list)),
        ("age-only", loo_age_only(label_list, ages)),
    ):
        for r, guess, age in zip(lab.iter_rows(named=True), guesses, ages, strict=True):
            p: Prediction = ("assessed", guess, None, None, "leave-one-out")  # type: ignore[assignment]
            preds.append(_prediction_row(_label_columns(r, age), bname, p))
    return preds


__all__ = ["BacktestOptions", "BacktestResult", "Prediction", "backtest"]
