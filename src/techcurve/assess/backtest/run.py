"""The backtest itself: assess labelled technologies as of each label's date and score
each model and both baselines under each protocol."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess._base import num
from techcurve.assess.backtest.baselines import make_baseline
from techcurve.assess.backtest.protocols import (
    DEFAULT_SPLIT_YEAR,
    Protocol,
    folds,
    protocol_predictions,
)
from techcurve.assess.backtest.report import BacktestResult, ProtocolResult, Target, TargetCheck
from techcurve.assess.evidence import Evidence, FrameCache
from techcurve.assess.label_files import LABEL_SCHEMA, load_labels, resolve_label_names
from techcurve.assess.label_names import UnknownTechnologiesError, UnknownTechnology
from techcurve.assess.profiles import Prediction, labelled_profiles
from techcurve.assess.registry import make_model, requires_labels, resolve_models
from techcurve.assess.scoring import BASELINES, PHASES, ScoredRow, score
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams
from techcurve.text import t

log = logging.getLogger(__name__)

LabelsArg = str | Path | pl.DataFrame

PRED_SCHEMA: dict[str, pl.DataType] = {
    "protocol": pl.Utf8(),
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
    **{f"p_{p}": pl.Float64() for p in PHASES},
}
"""The predictions frame: one row per protocol per scored label per model."""


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    """How :func:`backtest` runs, beside the evidence and the labels."""

    models: tuple[str, ...]
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    certain_only: bool = False
    train_labels: LabelsArg | None = None
    exclude_same_technology: bool = True
    split_year: int = DEFAULT_SPLIT_YEAR
    mapping: Mapping[str, str] | None = None
    strict: bool = False
    target: Target = field(default_factory=Target)

    def protocols(self) -> tuple[Protocol, ...]:
        if self.train_labels is not None:
            return (Protocol("transfer"),)
        return (Protocol("loto"), Protocol("temporal", self.split_year))


def backtest(
    evidence: Evidence | FrameCache,
    labels: LabelsArg,
    *,
    models: str | Sequence[str] = "all",
    params: Mapping[str, Mapping[str, Any]] | None = None,
    indicator_params: IndicatorParams | None = None,
    **options: Any,
) -> BacktestResult:
    """Assess each labelled technology as of its date with each model; score agreement.

    ``evidence`` is the store's evidence (:meth:`Evidence.from_store`), or a
    :class:`FrameCache` over it to share the as-of frames between backtests; ``labels``
    a labels CSV (:func:`~techcurve.assess.label_files.load_labels`) or a frame with
    :data:`~techcurve.assess.label_files.LABEL_SCHEMA` (``subfield_id`` optional).
    ``models`` is a model name, a list, or "all"; ``params`` maps a model name to its
    parameters; ``indicator_params`` are used when ``evidence`` is not a FrameCache.
    ``options`` are the fields of :class:`BacktestOptions`: ``certain_only`` (drop
    uncertain labels), ``split_year`` (temporal split, default 2018), ``mapping``
    (name → sub-field id for technologies), ``strict`` (fail on unknown technologies
    instead of skipping them), ``train_labels`` (fit on another label set: transfer)
    and ``exclude_same_technology``.

    Protocols: leave-one-technology-out and the temporal split (or transfer with
    ``train_labels``); see :mod:`techcurve.assess.backtest.protocols`.
    """
    opts = BacktestOptions(
        models=tuple(resolve_models(models)),
        params={k: dict(v or {}) for k, v in (params or {}).items()},
        **options,
    )
    frames = (
        evidence if isinstance(evidence, FrameCache) else FrameCache(evidence, indicator_params)
    )
    lab, skipped = _prepare_labels(labels, frames, opts)
    plain = _plain_predictions(frames, lab, opts)
    learnt = [n for n in opts.models if requires_labels(n)]
    profiles = labelled_profiles(frames, lab) if learnt else None
    train_lab = train_profiles = None
    if opts.train_labels is not None:
        train_lab, _ = _prepare_labels(opts.train_labels, frames, opts, "training labels")
        train_profiles = labelled_profiles(frames, train_lab) if learnt else None
    results: list[ProtocolResult] = []
    pred_frames: list[pl.DataFrame] = []
    for protocol in opts.protocols():
        fs = folds(protocol, lab, train_lab, exclude_same_technology=opts.exclude_same_technology)
        got = protocol_predictions(fs, learnt, opts.params, profiles, train_profiles)
        tested = pl.concat([f.test for f in fs]) if fs else lab.clear()
        for name, by_row in plain.items():
            got[name] = {r: by_row[r] for r in tested["row"].to_list()}
        n_train = train_lab.height if train_lab is not None else sum(f.train.height for f in fs[:1])
        if protocol.name == "loto":
            n_train = lab.height
        results.append(_score_protocol(protocol, tested, got, opts, n_train))
        pred_frames.append(_prediction_frame(protocol, tested, got, opts.models))
    used = {m: make_model(m, opts.params.get(m)).get_params() for m in opts.models}
    used |= {b: make_baseline(b).get_params() for b in BASELINES}
    counts = Counter(lab["phase"].to_list())
    return BacktestResult(
        labels=lab.height,
        as_of_dates=tuple(sorted(set(lab["as_of"].to_list()))),
        protocols=tuple(results),
        predictions=pl.concat(pred_frames) if pred_frames else pl.DataFrame(schema=PRED_SCHEMA),
        params=used,
        label_counts={p: counts.get(p, 0) for p in PHASES},
        skipped=skipped,
        target=opts.target,
    )


def _prepare_labels(
    labels: LabelsArg, frames: FrameCache, opts: BacktestOptions, what: str = "labels"
) -> tuple[pl.DataFrame, tuple[UnknownTechnology, ...]]:
    """The labels to score (resolved, filtered, with each row's ``age``) and the
    unknown technologies left out."""
    lab = load_labels(labels) if isinstance(labels, str | Path) else labels
    missing = [c for c in LABEL_SCHEMA if c not in lab.columns]
    if missing:
        raise AssessError.of("assess.labels_lack_columns", what=what, columns=", ".join(missing))
    skipped: tuple[UnknownTechnology, ...] = ()
    if "subfield_id" not in lab.columns:
        res = resolve_label_names(lab, frames.ev.subfields, opts.mapping)
        if res.unknown and opts.strict:
            raise UnknownTechnologiesError(res)
        if res.unknown:  # BacktestResult.skipped lists them; the CLI warns
            log.info("%s", res.unknown_text())
        skipped = res.unknown
        lab = res.labels
    if opts.certain_only:
        lab = lab.filter(~pl.col("uncertain").fill_null(False))
    if lab.height == 0:
        raise AssessError.of("assess.no_labels_left", what=what)
    return _with_ages(frames, lab.sort("as_of", "row")), skipped


def _with_ages(frames: FrameCache, lab: pl.DataFrame) -> pl.DataFrame:
    """``lab`` with ``age``: years from the sub-field's first evidence (its birth year
    as of the label date) to the label date; null when it has none yet."""
    ages: list[float | None] = []
    for day, sid in lab.select("as_of", "subfield_id").iter_rows():
        _, summ = frames(day)
        birth = summ.filter(pl.col("subfield_id") == sid)["birth_year"]
        b = num(birth[0]) if birth.len() else None
        ages.append(float(day.year - b) if b is not None else None)
    return lab.with_columns(pl.Series("age", ages, dtype=pl.Float64))


def _plain_predictions(
    frames: FrameCache, lab: pl.DataFrame, opts: BacktestOptions
) -> dict[str, dict[int, Prediction]]:
    """model → row → prediction, for the models fitted on each as-of summary (every
    sub-field, never the labels)."""
    plain = [n for n in opts.models if not requires_labels(n)]
    out: dict[str, dict[int, Prediction]] = {n: {} for n in plain}
    if not plain:
        return out
    for day in sorted(set(lab["as_of"].to_list())):
        rows = lab.filter(pl.col("as_of") == day)
        ids = sorted(set(rows["subfield_id"].to_list()))
        log.info("backtest: as of %s, %d labels", day, rows.height)
        ind, summ = frames(day)
        got = {n: _predict_model(n, opts.params.get(n), summ, ind, ids) for n in plain}
        for row, sid in rows.select("row", "subfield_id").iter_rows():
            for n in plain:
                out[n][row] = got[n][sid]
    return out


def _predict_model(
    name: str,
    params: Mapping[str, Any] | None,
    summary: pl.DataFrame,
    indicators: pl.DataFrame,
    ids: list[str],
) -> dict[str, Prediction]:
    """sub-field → prediction of one rule model fitted on the as-of summary."""
    wanted = summary.filter(pl.col("subfield_id").is_in(ids))
    est = make_model(name, params)
    try:
        # The snapshot model's thresholds are fitted on every sub-field of the date.
        est.fit(summary if name == "snapshot" else wanted, indicators=indicators)
        res: dict[str, Prediction] = {}
        for a in est.predict(wanted, indicators=indicators):
            note = None
            if a.status != "assessed":
                note = "; ".join(r.text() for r in a.reasons)
            res[a.subfield_id] = Prediction.of(a, note)
        return res
    except AssessError as e:
        return dict.fromkeys(ids, Prediction.insufficient(t("assess.model_failed", "en", error=e)))


def _scored(r: Mapping[str, Any], p: Prediction) -> ScoredRow:
    placed = p.status == "assessed" and p.phase is not None
    return ScoredRow(
        row=r["row"],
        group=r["subfield_id"],
        label=r["phase"],
        phase=p.phase if placed else None,
        label_band=r["years_band"],
        band=p.years_band,
        probabilities=p.probabilities,
    )


def _score_protocol(
    protocol: Protocol,
    tested: pl.DataFrame,
    got: Mapping[str, Mapping[int, Prediction]],
    opts: BacktestOptions,
    n_train: int,
) -> ProtocolResult:
    rows = list(tested.iter_rows(named=True))
    scored = {m: [_scored(r, got[m][r["row"]]) for r in rows] for m in got}
    base = {b: {s.row: s for s in scored[b]} for b in BASELINES}
    names = [m for m in opts.models if m in scored] + list(BASELINES)
    scores = tuple(score(m, scored[m], base) for m in names)
    targets: tuple[TargetCheck, ...] = ()
    if protocol.name == "loto":
        targets = tuple(opts.target.check(s) for s in scores if s.model not in BASELINES)
    return ProtocolResult(protocol, len(rows), n_train, scores, targets)


def _prediction_frame(
    protocol: Protocol,
    tested: pl.DataFrame,
    got: Mapping[str, Mapping[int, Prediction]],
    models: Sequence[str],
) -> pl.DataFrame:
    out: list[dict[str, Any]] = []
    for name in [*(m for m in models if m in got), *BASELINES]:
        for r in tested.iter_rows(named=True):
            p = got[name][r["row"]]
            probs = p.probabilities or {}
            out.append(
                {
                    "protocol": protocol.name,
                    "row": r["row"],
                    "technology": r["technology"],
                    "subfield_id": r["subfield_id"],
                    "year": r["year"],
                    "as_of": r["as_of"],
                    "label": r["phase"],
                    "label_band": r["years_band"],
                    "uncertain": r["uncertain"],
                    "source": r["source"],
                    "model": name,
                    "status": p.status,
                    "phase": p.phase,
                    "years_band": p.years_band,
                    "confidence": p.confidence,
                    "age": r["age"],
                    "note": p.how,
                    **{f"p_{ph}": probs.get(ph) if probs else None for ph in PHASES},
                }
            )
    return pl.DataFrame(out, schema=PRED_SCHEMA, orient="row")


__all__ = ["PRED_SCHEMA", "BacktestOptions", "backtest"]
