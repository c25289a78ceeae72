"""Backtest: assess labelled technologies as of each label's date and score agreement.

For every distinct as-of date among the labels, the indicators and the summary are
recomputed with the pure :func:`techcurve.indicators.indicator_frames` on frames read
**once** from the store (nothing in the store is rewritten); each model is fitted on
that summary — every sub-field, no labels — and predicts the labelled sub-fields.
Count rows are cut off strictly: a whole-year row counts only when its year is
complete at the as-of date (a statement of July 2014 cannot know 2014's patent total).

Models fitted **on labels** (``requires_labels``, e.g. the neighbours model) are never
scored on a row they were fitted on: each labelled row is predicted by a model fitted
on the labelled rows of **other technologies only** (leave-one-technology-out — leaving
out just the row itself would let the same technology's neighbouring years, whose
profile is nearly identical, leak its label), or, with ``train_labels``, by a model
fitted on a separate label file (cross-label transfer; rows of the same technology are
left out of the training set too unless ``exclude_same_technology=False``). Their
training rows are the **as-of profiles** of :func:`labelled_profiles`: each labelled
technology's indicators recomputed as of its own label date.

Beside the models, two baselines predict every row, each with **leave-one-out** (they
are fitted on the labels, so a row never helps predict itself):

* ``majority``: the most common labelled phase among the other rows;
* ``age-only``: the phase whose median age (as-of year − birth year) among the other
  rows is closest to this row's age (the majority when the birth year is unknown).

Scores per model (:class:`Scores`): n labelled and n assessed (a model may say
"insufficient"), exact agreement and within-one-phase agreement with Wilson 95 %
intervals, Spearman's rank correlation of predicted with labelled phase order, the
majority baseline's exact agreement on the same rows and the gain over it, the
years-to-plateau band agreement where labels give one, and a confusion matrix.

>>> res = backtest("techcurve.duckdb", "labels.csv")          # doctest: +SKIP
>>> res.table()                                               # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess._base import num
from techcurve.assess.labels import LABEL_SCHEMA, load_labels, resolve_labels
from techcurve.assess.neighbours import profile_features
from techcurve.datatypes import Phase
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams, indicator_frames, last_complete_year
from techcurve.store import Store

log = logging.getLogger(__name__)

PHASES: tuple[str, ...] = tuple(p.value for p in Phase)
BASELINES: tuple[str, ...] = ("majority", "age-only")
NOT_ASSESSED = "insufficient"
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Scores:
    """Agreement of one model (or baseline) with the labels."""

    model: str
    n_labels: int
    n_assessed: int
    exact: float | None
    exact_ci: tuple[float, float] | None
    within_one: float | None
    within_one_ci: tuple[float, float] | None
    spearman: float | None
    majority_same_rows: float | None  # the LOO majority baseline's exact agreement, same rows
    gain_over_majority: float | None
    band_n: int
    band_exact: float | None
    confusion: tuple[tuple[int, ...], ...]  # label phase (rows) × predicted phase + "insufficient"

    @property
    def coverage(self) -> float:
        return self.n_assessed / self.n_labels if self.n_labels else 0.0


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


# -- statistics ---------------------------------------------------------------------------
def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for k successes in n trials (None when n is 0).

    >>> [round(x, 3) for x in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when undefined."""
    if len(x) != len(y) or len(x) < 3:
        return None
    rx, ry = _ranks(x), _ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


# -- baselines (leave-one-out) ---------------------------------------------------------------
def _argmax_phase(counts: Mapping[str, int]) -> str:
    # Ties go to the earlier phase, so the baseline is deterministic.
    return max(PHASES, key=lambda p: (counts.get(p, 0), -PHASES.index(p)))


def loo_majority(labels: Sequence[str]) -> list[str]:
    """For each row, the most common label among the *other* rows.

    >>> loo_majority(["peak", "peak", "trough"])
    ['peak', 'peak', 'peak']
    """
    total = Counter(labels)
    out = []
    for lab in labels:
        total[lab] -= 1
        out.append(_argmax_phase(total))
        total[lab] += 1
    return out


def loo_age_only(labels: Sequence[str], ages: Sequence[float | None]) -> list[str]:
    """For each row, the phase whose median age among the other rows is closest to its age.

    Rows without an age, or when no other row of any phase has one, get the
    leave-one-out majority.
    """
    majority = loo_majority(labels)
    out = []
    for i, (_lab, age) in enumerate(zip(labels, ages, strict=True)):
        if age is None:
            out.append(majority[i])
            continue
        medians: dict[str, float] = {}
        for p in PHASES:
            xs = sorted(
                a
                for j, (lj, a) in enumerate(zip(labels, ages, strict=True))
                if j != i and lj == p and a is not None
            )
            if xs:
                m = len(xs) // 2
                medians[p] = xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2
        if not medians:
            out.append(majority[i])
            continue
        out.append(min(medians, key=lambda p: (abs(medians[p] - age), PHASES.index(p))))
    return out


# -- evidence as of a date --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Evidence:
    """The store's tables that :func:`indicator_frames` needs, read once."""

    subfields: pl.DataFrame
    records: pl.DataFrame
    matches: pl.DataFrame
    counts: pl.DataFrame
    count_matches: pl.DataFrame

    @classmethod
    def from_store(cls, st: Store) -> Evidence:
        """Read the tables of an opened store (nothing is written)."""
        for t in ("subfields", "records", "matches", "counts", "count_matches"):
            if not st.has_table(t):
                raise AssessError(f"the store has no {t} table: run `techcurve match` first")
        if st.count("subfields") == 0:
            raise AssessError("the store has no taxonomy: run `techcurve match` first")
        return cls(
            subfields=st.sql("SELECT * FROM subfields ORDER BY subfield_id"),
            records=st.sql(
                "SELECT record_id, kind, source, venue, date, year, amount_point_cny, "
                "amount_low_cny, amount_high_cny FROM records"
            ),
            matches=st.sql("SELECT record_id, subfield_id FROM matches"),
            counts=st.sql(
                "SELECT c.source, c.term, c.kind, c.year, c.month, c.count, c.total FROM counts c "
                "SEMI JOIN count_matches m USING (source, term, kind)"
            ),
            count_matches=st.sql(
                "SELECT source, term, kind, subfield_id, is_primary FROM count_matches"
            ),
        )

    def frames(
        self, as_of: date, params: IndicatorParams | None = None
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """``indicators`` and ``summary`` as of ``as_of``, with whole-year count rows only
        for years complete by then (monthly rows up to the as-of month)."""
        complete = last_complete_year(as_of)
        counts = self.counts.filter(
            pl.when(pl.col("month") == 0)
            .then(pl.col("year") <= complete)
            .otherwise(
                (pl.col("year") < as_of.year)
                | ((pl.col("year") == as_of.year) & (pl.col("month") <= as_of.month))
            )
        )
        return indicator_frames(
            self.subfields.select("subfield_id", "domain_id"),
            self.records,
            self.matches,
            counts,
            self.count_matches,
            as_of=as_of,
            params=params,
        )


class FrameCache:
    """:meth:`Evidence.frames` per as-of date, computed once per date."""

    def __init__(self, ev: Evidence, params: IndicatorParams | None = None) -> None:
        self.ev = ev
        self.params = params
        self._frames: dict[date, tuple[pl.DataFrame, pl.DataFrame]] = {}

    def __call__(self, day: date) -> tuple[pl.DataFrame, pl.DataFrame]:
        if day not in self._frames:
            self._frames[day] = self.ev.frames(day, self.params)
        return self._frames[day]


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
        _, summ = frames(day)
        prof = profile_features(summ).drop("year")
        rows = labels.filter(pl.col("as_of") == day).select(PROFILE_LABEL_COLUMNS)
        parts.append(rows.join(prof, on="subfield_id", how="left"))
    if not parts:
        raise AssessError("no labelled rows to build profiles from")
    return pl.concat(parts, how="vertical_relaxed").sort("as_of", "row")


def held_out_predictions(
    name: str,
    params: Mapping[str, Any] | None,
    test: pl.DataFrame,
    train: pl.DataFrame | None,
    *,
    exclude_same_technology: bool = True,
) -> dict[int, tuple[str, str | None, str | None, float, str | None]]:
    """row → (status, phase, band, confidence, note) for a model fitted on labels.

    Without ``train`` the training rows are ``test`` itself minus every row of the same
    technology (leave-one-technology-out, which also leaves the row itself out). With
    ``train`` (a separate label file) rows of the same technology are left out as well
    unless ``exclude_same_technology`` is false.
    """
    from techcurve.assess import make_model

    pool = test if train is None else train
    how = "leave-one-technology-out" if train is None else "fitted on the training labels"
    out: dict[int, tuple[str, str | None, str | None, float, str | None]] = {}
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
                out[row] = ("insufficient", None, None, 0.0, f"{how}: no other labelled rows")
            continue
        est = make_model(name, params)
        predict_profiles = getattr(est, "predict_profiles", None)
        if predict_profiles is None:  # pragma: no cover - every label-learnt model has it
            raise AssessError(f"the {name} model cannot predict from as-of profiles")
        try:
            est.fit(empty, fold)
            preds = predict_profiles(group)
        except AssessError as e:
            for row in rows:
                out[row] = ("insufficient", None, None, 0.0, f"model failed: {e}")
            continue
        other = "other " if train is None or exclude_same_technology else ""
        for row, a in zip(rows, preds, strict=True):
            note = f"{how}: {fold.height} rows of {n_tech} {other}technologies"
            if a.status != "assessed":
                note += "; " + "; ".join(
                    r.text for r in a.reasons if r.indicator.startswith("feat")
                )
            out[row] = (
                a.status,
                a.phase.value if a.phase is not None else None,
                a.years_band.value if a.years_band is not None else None,
                float(a.confidence),
                note,
            )
    return out


# -- the backtest ------------------------------------------------------------------------------
def _predict_models(
    models: Sequence[str],
    params: Mapping[str, Mapping[str, Any]],
    summary: pl.DataFrame,
    indicators: pl.DataFrame,
    ids: list[str],
) -> dict[str, dict[str, tuple[str, str | None, str | None, float, str | None]]]:
    """model → sub-field → (status, phase, band, confidence, note)."""
    from techcurve.assess import make_model

    out: dict[str, dict[str, tuple[str, str | None, str | None, float, str | None]]] = {}
    wanted = summary.filter(pl.col("subfield_id").is_in(ids))
    for name in models:
        est = make_model(name, params.get(name))
        res: dict[str, tuple[str, str | None, str | None, float, str | None]] = {}
        try:
            # Fitted on every sub-field's summary, never on the labels.
            fit_on = summary if name == "snapshot" else wanted
            est.fit(fit_on, indicators=indicators)
            for a in est.predict(wanted, indicators=indicators):
                note = None
                if a.status != "assessed":
                    note = "; ".join(r.text for r in a.reasons)
                res[a.subfield_id] = (
                    a.status,
                    a.phase.value if a.phase is not None else None,
                    a.years_band.value if a.years_band is not None else None,
                    float(a.confidence),
                    note,
                )
        except AssessError as e:
            for sid in ids:
                res[sid] = ("insufficient", None, None, 0.0, f"model failed: {e}")
        out[name] = res
    return out


def _resolve_models(models: str | Sequence[str]) -> list[str]:
    from techcurve.assess import MODELS

    names = [models] if isinstance(models, str) else list(models)
    if names == ["all"]:
        return list(MODELS)
    unknown = [m for m in names if m not in MODELS]
    if unknown or not names:
        raise AssessError(
            f"unknown model(s) {', '.join(unknown) or '(none)'} for the backtest "
            f"(expected: {', '.join(MODELS)} or all)"
        )
    return names


def backtest(
    db: str | Path | Store,
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

    ``db`` is a store path (opened read-only) or an open :class:`Store`; ``labels`` a
    labels CSV (:func:`~techcurve.assess.labels.load_labels`) or a frame with
    :data:`~techcurve.assess.labels.LABEL_SCHEMA` (``subfield_id`` optional — e.g. from
    :func:`~techcurve.assess.radar.radar_labels`). ``models`` is a model name, a list,
    or "all"; ``params`` maps a model name to its parameters (the config's ``assess``
    section). ``certain_only`` drops labels marked uncertain.

    Models fitted on labels (``neighbours``) are scored leave-one-technology-out on
    ``labels``; with ``train_labels`` (another labels file or frame, e.g. the radar's)
    they are fitted on those instead — cross-label transfer — leaving out rows of the
    labelled row's own technology unless ``exclude_same_technology`` is false.
    """
    names = _resolve_models(models)
    plain: dict[str, dict[str, Any]] = {k: dict(v or {}) for k, v in (params or {}).items()}
    opts = _Options(
        names, plain, indicator_params, certain_only, train_labels, exclude_same_technology
    )
    if isinstance(db, Store):
        return _backtest(db, labels, opts)
    path = Path(db)
    if not path.exists():
        raise AssessError(
            f"store {path} does not exist: run `techcurve init` and the pipeline first"
        )
    with Store.open(path, read_only=True) as st:
        return _backtest(st, labels, opts)


@dataclass(frozen=True, slots=True)
class _Options:
    names: list[str]
    params: dict[str, dict[str, Any]]
    indicator_params: IndicatorParams | None
    certain_only: bool
    train_labels: str | Path | pl.DataFrame | None
    exclude_same_technology: bool


def _prepare_labels(
    labels: str | Path | pl.DataFrame, ev: Evidence, certain_only: bool, what: str = "labels"
) -> pl.DataFrame:
    lab = load_labels(labels) if isinstance(labels, str | Path) else labels
    missing = [c for c in LABEL_SCHEMA if c not in lab.columns]
    if missing:
        raise AssessError(f"the {what} frame lacks column(s) {', '.join(missing)}")
    if "subfield_id" not in lab.columns:
        lab = resolve_labels(lab, ev.subfields)
    if certain_only:
        lab = lab.filter(~pl.col("uncertain").fill_null(False))
    if lab.height == 0:
        raise AssessError(f"no {what} rows to backtest (all were filtered out)")
    return lab.sort("as_of", "row")


def _backtest(st: Store, labels: str | Path | pl.DataFrame, opts: _Options) -> BacktestResult:
    from techcurve.assess import MODELS

    names, params, indicator_params = opts.names, opts.params, opts.indicator_params
    ev = Evidence.from_store(st)
    lab = _prepare_labels(labels, ev, opts.certain_only)
    frames = FrameCache(ev, indicator_params)
    plain_names = [n for n in names if not MODELS[n].requires_labels]
    learnt_names = [n for n in names if MODELS[n].requires_labels]

    preds: list[dict[str, Any]] = []
    ages: list[float | None] = []
    bases: dict[int, dict[str, Any]] = {}
    dates = sorted(set(lab["as_of"].to_list()))
    for day in dates:
        rows = lab.filter(pl.col("as_of") == day)
        ids = sorted(set(rows["subfield_id"].to_list()))
        log.info("backtest: as of %s, %d labels", day, rows.height)
        ind, summ = frames(day)
        birth = dict(summ.select("subfield_id", "birth_year").iter_rows())
        got = _predict_models(plain_names, params, summ, ind, ids)
        for r in rows.iter_rows(named=True):
            b = num(birth.get(r["subfield_id"]))
            age = float(day.year - b) if b is not None else None
            ages.append(age)
            base = {
                "row": r["row"],
                "technology": r["technology"],
                "subfield_id": r["subfield_id"],
                "year": r["year"],
                "as_of": day,
                "label": r["phase"],
                "label_band": r["years_band"],
                "uncertain": r["uncertain"],
                "source": r["source"],
                "age": age,
            }
            bases[r["row"]] = base
            for name in plain_names:
                status, phase, band, conf, note = got[name][r["subfield_id"]]
                preds.append(
                    {
                        **base,
                        "model": name,
                        "status": status,
                        "phase": phase,
                        "years_band": band,
                        "confidence": conf,
                        "note": note,
                    }
                )
    if learnt_names:
        test = labelled_profiles(frames, lab)
        train = None
        if opts.train_labels is not None:
            train_lab = _prepare_labels(opts.train_labels, ev, opts.certain_only, "training labels")
            train = labelled_profiles(frames, train_lab)
        for name in learnt_names:
            got_l = held_out_predictions(
                name,
                params.get(name),
                test,
                train,
                exclude_same_technology=opts.exclude_same_technology,
            )
            for row, base in bases.items():
                status, phase, band, conf, note = got_l[row]
                preds.append(
                    {
                        **base,
                        "model": name,
                        "status": status,
                        "phase": phase,
                        "years_band": band,
                        "confidence": conf,
                        "note": note,
                    }
                )
    ordered = lab.sort("as_of", "row")  # the order rows were visited in
    label_list = ordered["phase"].to_list()
    for bname, guesses in (
        ("majority", loo_majority(label_list)),
        ("age-only", loo_age_only(label_list, ages)),
    ):
        for r, guess, age in zip(ordered.iter_rows(named=True), guesses, ages, strict=True):
            preds.append(
                {
                    "row": r["row"],
                    "technology": r["technology"],
                    "subfield_id": r["subfield_id"],
                    "year": r["year"],
                    "as_of": r["as_of"],
                    "label": r["phase"],
                    "label_band": r["years_band"],
                    "uncertain": r["uncertain"],
                    "source": r["source"],
                    "model": bname,
                    "status": "assessed",
                    "phase": guess,
                    "years_band": None,
                    "confidence": None,
                    "age": age,
                    "note": "leave-one-out",
                }
            )
    frame = pl.DataFrame(preds, schema=_PRED_SCHEMA, orient="row")
    majority = dict(frame.filter(pl.col("model") == "majority").select("row", "phase").iter_rows())
    scores = tuple(
        _score(frame.filter(pl.col("model") == m), m, majority) for m in [*names, *BASELINES]
    )
    from techcurve.assess import make_model

    used = {m: make_model(m, params.get(m)).get_params() for m in names}
    counts = dict(Counter(label_list))
    return BacktestResult(
        labels=lab.height,
        as_of_dates=tuple(dates),
        scores=scores,
        predictions=frame,
        params=used,
        label_counts={p: counts.get(p, 0) for p in PHASES},
    )


def _score(rows: pl.DataFrame, model: str, majority: Mapping[int, str]) -> Scores:
    idx = {p: i for i, p in enumerate(PHASES)}
    confusion = [[0] * (len(PHASES) + 1) for _ in PHASES]
    exact = within = band_hits = band_n = 0
    lab_o: list[float] = []
    pred_o: list[float] = []
    maj_hits = 0
    n = rows.height
    assessed = 0
    for r in rows.iter_rows(named=True):
        li = idx[r["label"]]
        if r["status"] != "assessed" or r["phase"] is None:
            confusion[li][len(PHASES)] += 1
            continue
        assessed += 1
        pi = idx[r["phase"]]
        confusion[li][pi] += 1
        exact += pi == li
        within += abs(pi - li) <= 1
        lab_o.append(li)
        pred_o.append(pi)
        maj_hits += majority.get(r["row"]) == r["label"]
        if r["label_band"] is not None and r["years_band"] is not None:
            band_n += 1
            band_hits += r["label_band"] == r["years_band"]
    ex = exact / assessed if assessed else None
    mj = maj_hits / assessed if assessed else None
    return Scores(
        model=model,
        n_labels=n,
        n_assessed=assessed,
        exact=ex,
        exact_ci=wilson_interval(exact, assessed),
        within_one=within / assessed if assessed else None,
        within_one_ci=wilson_interval(within, assessed),
        spearman=spearman(lab_o, pred_o),
        majority_same_rows=mj,
        gain_over_majority=(ex - mj) if ex is not None and mj is not None else None,
        band_n=band_n,
        band_exact=band_hits / band_n if band_n else None,
        confusion=tuple(tuple(r) for r in confusion),
    )


__all__ = [
    "BASELINES",
    "BacktestResult",
    "PROFILE_LABEL_COLUMNS",
    "Evidence",
    "FrameCache",
    "Scores",
    "backtest",
    "held_out_predictions",
    "labelled_profiles",
    "loo_age_only",
    "loo_majority",
    "spearman",
    "wilson_interval",
]
