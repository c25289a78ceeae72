"""The learnt model: a phase probability per sub-field, learnt from expert placements.

Fitted on dated labels, each described by its sub-field's whole evidence history up to
the label's date (:func:`~techcurve.assess.learnt_features.history_features`: levels,
growth, acceleration, distance from its own peak, time since first evidence, the
maturity-vs-hype balance, financing, agreement across sources). The learner (``learner``)
is an ordinal cumulative-logit model over the phase order (:mod:`techcurve.assess.ordinal`,
the default: one direction in feature space moves a technology along the phases) or
scikit-learn's multinomial :class:`~sklearn.linear_model.LogisticRegression` (a
direction per phase), each with a strong L2 penalty (``c``) on standardised features:
with tens to a few hundred labels a regularised linear model is what the data can
support (boosted trees need far more rows to beat it and give no per-feature
contribution to explain a placement), its probabilities are usable as they are, and
each feature's pull on a placement is a coefficient × its standardised value — which is
what the reasons show. docs/models.md says why the ordinal learner became the default.

Per sub-field it gives a probability per phase (``Assessment.probabilities``), the most
probable phase, a position inside that phase set by the probability-weighted mean phase
order, a years-to-plateau band, a confidence (the top probability) and the reasons.

**Abstaining.** It says "insufficient" when the sub-field has no evidence up to the date,
or when its top probability is below ``threshold_``. Unless ``threshold`` is given, the
threshold is calibrated by cross-validation on the training labels: ``folds``-fold
cross-validation grouped by technology (a technology's rows are never split) gives each
training row an out-of-fold top probability; among the thresholds that keep at least
``min_coverage`` of those rows placed, the one with the best out-of-fold exact agreement
on the rows it keeps is chosen (ties: the lowest). Never the rows being scored.

**Years to plateau.** With at least ``band_min_labels`` training labels that give a band
(and two bands among them) a second logistic model is fitted on the same features;
otherwise the band follows the probability-weighted phase order *m*
(:data:`BAND_CUTS`: *m* < 0.5 ">10", < 2 "5-10", < 3 "2-5", else "<2") and is
"obsolete" when every evidence column present has fallen at least ``obsolete_drop``
from its own peak, peaked at least :data:`FADED_YEARS` years ago, and none is rising.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import numpy as np
import polars as pl

from techcurve.assess._base import StageModel, check_columns, needing, position_in, to_date
from techcurve.assess.learnt_features import (
    DEFAULT_ROLES,
    PREFIX,
    RISING,
    history_features,
    split_feature,
)
from techcurve.assess.ordinal import OrdinalFit, fit_ordinal
from techcurve.datatypes import Assessment, Phase, Phrase, Reason, ReasonValue, YearsBand
from techcurve.errors import AssessError

log = logging.getLogger(__name__)

_R = "learnt."
#: (upper bound of the probability-weighted phase order, band) for the rule-based band
BAND_CUTS: tuple[tuple[float, YearsBand], ...] = (
    (0.5, YearsBand.GT10),
    (2.0, YearsBand.Y5_10),
    (3.0, YearsBand.Y2_5),
    (math.inf, YearsBand.LT2),
)


#: years since every evidence kind's peak before a faded sub-field counts as obsolete
FADED_YEARS = 3


@dataclass(frozen=True, slots=True)
class _Fitted:
    """One fitted logistic model over the standardised features."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, features); a single class: zeros
    intercept: np.ndarray  # (classes,)

    def proba(self, z: np.ndarray) -> np.ndarray:
        logits = z @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def pull(self, k: int, z: np.ndarray) -> np.ndarray:
        """Each feature's pull toward class ``k`` for one row ``z``: the class's
        coefficient relative to the mean over classes × the standardised value."""
        return (self.coef[k] - self.coef.mean(axis=0)) * z


#: the learners of ``LearntModel(learner=...)``
LEARNERS = ("multinomial", "ordinal")


def _fit_phases(z: np.ndarray, y: Sequence[str], c: float, learner: str) -> _Fitted | OrdinalFit:
    """The phase model: multinomial logistic, or cumulative-logit over the phase order."""
    if learner == "ordinal":
        order = [ph.value for ph in Phase]
        return fit_ordinal(z, [order.index(v) for v in y], order, c)
    return _fit_logistic(z, y, c)


def _fit_logistic(z: np.ndarray, y: Sequence[str], c: float) -> _Fitted:
    classes = tuple(sorted(set(y)))
    if len(classes) == 1:
        return _Fitted(classes, np.zeros((1, z.shape[1])), np.zeros(1))
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=c, max_iter=2000).fit(z, list(y))
    coef, icpt = lr.coef_, lr.intercept_
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: make it two
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        icpt = np.array([-icpt[0] / 2, icpt[0] / 2])
    return _Fitted(tuple(str(k) for k in lr.classes_), coef, icpt)


@dataclass(frozen=True, slots=True)
class _Scaler:
    """Training means (to impute missing values) and standard deviations."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> _Scaler:
        with np.errstate(all="ignore"):
            mean = np.nan_to_num(np.nanmean(x, axis=0), nan=0.0)
            filled = np.where(np.isnan(x), mean, x)
            std = filled.std(axis=0)
        return cls(mean, np.where(std > 1e-12, std, 1.0))

    def __call__(self, x: np.ndarray, clip: float | None = None) -> np.ndarray:
        z = (np.where(np.isnan(x), self.mean, x) - self.mean) / self.std
        return np.clip(z, -clip, clip) if clip is not None else z


def _matrix(frame: pl.DataFrame, feats: Sequence[str]) -> np.ndarray:
    cols = [
        frame[f].cast(pl.Float64).fill_null(math.nan).to_numpy()
        if f in frame.columns
        else np.full(frame.height, math.nan)
        for f in feats
    ]
    return np.column_stack(cols) if cols else np.zeros((frame.height, 0))


class LearntModel(StageModel):
    """Ordinal (or multinomial) logistic regression on history features, fitted on dated labels.

    Parameters: ``c`` (inverse L2 strength, 0.1), ``threshold`` (a fixed abstention
    threshold on the top probability; None = calibrated), ``min_coverage`` (share of
    training rows the calibrated threshold keeps, 0.7), ``folds`` (cross-validation
    folds for the calibration, 5), ``band_min_labels`` (labels with a band needed to
    learn the band, 30), ``obsolete_drop`` (0.7), ``clip`` (standardised values are
    clipped to ±clip, 3.0, so a value far outside the labelled range does not decide
    alone; None: no clipping), ``roles`` (evidence columns per role,
    :data:`~techcurve.assess.learnt_features.DEFAULT_ROLES`), ``show`` (features named
    in the reasons, 3), ``learner`` (``"multinomial"``: a coefficient vector per phase;
    ``"ordinal"``: one direction along the phase order, :mod:`techcurve.assess.ordinal`).

    Learnt: ``features_``, ``scaler_``, ``phase_model_``, ``band_model_`` (or None),
    ``threshold_``, ``n_train_``, ``n_technologies_``, ``cv_``.
    """

    name = "learnt"
    requires_labels: ClassVar[bool] = True

    def __init__(
        self,
        *,
        c: float | Sequence[float] = (0.01, 0.03, 0.1, 0.3, 1.0),
        threshold: float | None = None,
        min_coverage: float = 0.7,
        folds: int = 5,
        band_min_labels: int = 30,
        obsolete_drop: float = 0.7,
        clip: float | None = 3.0,
        roles: Mapping[str, Sequence[str]] | None = None,
        show: int = 3,
        learner: str = "ordinal",
    ) -> None:
        self.c = c
        self.threshold = threshold
        self.min_coverage = min_coverage
        self.folds = folds
        self.band_min_labels = band_min_labels
        self.obsolete_drop = obsolete_drop
        self.clip = clip
        self.roles = roles
        self.show = show
        self.learner = learner

    def _check_params(self) -> None:
        grid = self.c if isinstance(self.c, list | tuple) else [self.c]
        if not grid or not all(isinstance(v, int | float) and v > 0 for v in grid):
            raise AssessError.of("learnt.bad_param", name="c", value=self.c, need="> 0")
        if self.threshold is not None and not 0 <= self.threshold <= 1:
            raise AssessError.of(
                "learnt.bad_param", name="threshold", value=self.threshold, need="0–1"
            )
        if not 0 < self.min_coverage <= 1:
            raise AssessError.of(
                "learnt.bad_param", name="min_coverage", value=self.min_coverage, need="0–1"
            )
        if self.learner not in LEARNERS:
            need = " | ".join(LEARNERS)
            raise AssessError.of("learnt.bad_param", name="learner", value=self.learner, need=need)
        if not isinstance(self.folds, int) or self.folds < 2:
            raise AssessError.of("learnt.bad_param", name="folds", value=self.folds, need="≥ 2")

    # -- fit -----------------------------------------------------------------------------------
    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> LearntModel:
        """Learn from ``labels``: the as-of profiles of labelled rows (``subfield_id,
        phase``, optional ``years_band``, and the ``h.*`` history features of
        :func:`~techcurve.assess.profiles.labelled_profiles`), or plain ``subfield_id,
        phase`` rows read as of ``summary``'s date (features from ``indicators``)."""
        self._check_params()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        if labels is None:
            raise needing("labels", AssessError.of("learnt.needs_labels"))
        check_columns(labels, ("subfield_id", "phase"), "labels")
        train = self._training_frame(summary, labels, indicators)
        # a labelled row without any evidence up to its date teaches nothing
        present = [c for c in train.columns if c.startswith(PREFIX) and c.endswith(".present")]
        if present:
            train = train.filter(pl.any_horizontal(pl.col(c).fill_null(0) > 0 for c in present))
        feats = [
            c
            for c in train.columns
            if c.startswith(PREFIX) and train[c].null_count() < train.height
        ]
        if not feats or train.height == 0:
            raise AssessError.of("learnt.no_features")
        phases = [_phase(v, r) for v, r in zip(train["phase"], train["subfield_id"], strict=True)]
        x = _matrix(train, feats)
        self.features_ = feats
        self.scaler_ = _Scaler.fit(x)
        z = self.scaler_(x, self.clip)
        groups = train["subfield_id"].to_list()
        self.n_train_ = train.height
        self.n_technologies_ = len(set(groups))
        self.c_, self.cv_ = self._cross_validate(z, phases, groups)
        self.phase_model_ = _fit_phases(z, phases, self.c_, self.learner)
        self.threshold_ = float(self.threshold) if self.threshold is not None else self.cv_
        self.band_model_ = self._band_model(train, z)
        self.fitted_ = True
        return self

    def _training_frame(
        self, summary: pl.DataFrame, labels: pl.DataFrame, indicators: pl.DataFrame | None
    ) -> pl.DataFrame:
        if any(c.startswith(PREFIX) for c in labels.columns):
            return labels
        if indicators is None or "as_of" not in summary.columns or summary.height == 0:
            raise needing("indicators", AssessError.of("learnt.needs_indicators"))
        day = to_date(summary["as_of"][0])
        feats = history_features(indicators, day, roles=self.roles)
        return labels.join(feats, on="subfield_id", how="left")

    def _cross_validate(
        self, z: np.ndarray, phases: list[str], groups: list[str]
    ) -> tuple[float, float]:
        """(the penalty, the abstention threshold) from grouped cross-validation on the
        training rows: the ``c`` of the grid with the lowest out-of-fold log loss (when
        ``c`` is a list), then the threshold of :meth:`_threshold` for it."""
        grid = [float(v) for v in (self.c if isinstance(self.c, list | tuple) else [self.c])]  # type: ignore[arg-type]
        n_groups = len(set(groups))
        if n_groups < 2 or len(set(phases)) < 2:
            return grid[0], 0.0
        y = np.array(phases)
        from sklearn.model_selection import GroupKFold

        splits = list(GroupKFold(n_splits=min(self.folds, n_groups)).split(z, y, groups))
        best: tuple[float, float, np.ndarray, np.ndarray] | None = None
        for c in grid:
            top = np.zeros(len(y))
            right = np.zeros(len(y), dtype=bool)
            loss = 0.0
            for tr, te in splits:
                fitted = _fit_phases(z[tr], y[tr].tolist(), c, self.learner)
                p = fitted.proba(z[te])
                top[te] = p.max(axis=1)
                right[te] = np.array(fitted.classes)[p.argmax(axis=1)] == y[te]
                index = {k: i for i, k in enumerate(fitted.classes)}
                seen = np.array(
                    [p[i, index[v]] if v in index else 0.0 for i, v in enumerate(y[te])]
                )
                loss -= float(np.log(np.clip(seen, 1e-6, 1.0)).sum())
            if best is None or loss < best[1] - 1e-9:
                best = (c, loss, top, right)
        assert best is not None
        return best[0], self._threshold(best[2], best[3])

    def _threshold(self, top: np.ndarray, right: np.ndarray) -> float:
        """Among the out-of-fold top probabilities that keep at least ``min_coverage`` of
        the rows, the one with the best exact agreement on the rows kept (ties: lowest)."""
        best, best_acc = 0.0, -1.0
        for cand in sorted(set(top.tolist())):
            kept = top >= cand
            if kept.mean() < self.min_coverage:
                break
            acc = float(right[kept].mean())
            if acc > best_acc + 1e-12:
                best, best_acc = cand, acc
        return round(best, 4)

    def _band_model(self, train: pl.DataFrame, z: np.ndarray) -> _Fitted | None:
        if "years_band" not in train.columns:
            return None
        bands = train["years_band"].to_list()
        have = [i for i, b in enumerate(bands) if b]
        if len(have) < self.band_min_labels or len({bands[i] for i in have}) < 2:
            return None
        y = [YearsBand.parse(str(bands[i])).value for i in have]
        return _fit_logistic(z[have], y, self.c_)

    # -- predict -------------------------------------------------------------------------------
    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One assessment per row of ``summary``; the features come from ``indicators``
        (all sub-fields' per-year rows) as of the summary's date."""
        self._check_fitted()
        if indicators is None:
            raise needing("indicators", AssessError.of("learnt.needs_indicators"))
        check_columns(summary, ("subfield_id", "as_of"), "summary")
        day = to_date(summary["as_of"][0])
        ids = summary["subfield_id"].to_list()
        feats = history_features(indicators, day, ids=ids, roles=self.roles)
        return self.predict_profiles(feats, cutoff=day)

    def predict_profiles(
        self, profiles: pl.DataFrame, *, cutoff: date | None = None
    ) -> list[Assessment]:
        """One assessment per profile row (``subfield_id`` and the ``h.*`` features)."""
        self._check_fitted()
        check_columns(profiles, ("subfield_id",), "profiles")
        x = _matrix(profiles, self.features_)
        z = self.scaler_(x, self.clip)
        proba = self.phase_model_.proba(z)
        band_p = self.band_model_.proba(z) if self.band_model_ is not None else None
        out = []
        for i, sid in enumerate(profiles["subfield_id"].to_list()):
            raw = dict(zip(self.features_, x[i].tolist(), strict=True))
            bp = band_p[i] if band_p is not None else None
            out.append(self._one(str(sid), raw, z[i], proba[i], bp))
        return out

    def _one(
        self,
        sid: str,
        raw: Mapping[str, float],
        z: np.ndarray,
        p: np.ndarray,
        band_p: np.ndarray | None,
    ) -> Assessment:
        probs = {ph.value: 0.0 for ph in Phase}
        for name, v in zip(self.phase_model_.classes, p.tolist(), strict=True):
            probs[name] = round(float(v), 4)
        reasons = [Reason("probabilities", json.dumps(probs), _R + "probabilities", dict(probs))]
        if not _has_evidence(raw):
            reasons.append(Reason("features_present", 0.0, _R + "no_evidence"))
            return Assessment(sid, self.name, None, None, None, 0.0, tuple(reasons), "insufficient")
        k = int(np.argmax(p))
        phase = Phase(self.phase_model_.classes[k])
        top = float(p[k])
        reasons += self._feature_reasons(raw, z, k, phase)
        fitted: dict[str, ReasonValue] = {
            "n": self.n_train_,
            "techs": self.n_technologies_,
            "threshold": self.threshold_,
        }
        if top < self.threshold_:
            values: dict[str, ReasonValue] = {
                "phase": Phrase(f"common.phase.{phase.value}"),
                "p": top,
                **fitted,
            }
            reasons.append(Reason("top_probability", round(top, 4), _R + "abstain", values))
            return Assessment(
                sid,
                self.name,
                None,
                None,
                None,
                round(top, 3),
                tuple(reasons),
                "insufficient",
                probs,
            )
        mean_order = sum(Phase(ph).order * v for ph, v in probs.items())
        position = position_in(phase, 0.5 + (mean_order - phase.order) / 2)
        band, how = self._band(raw, mean_order, band_p)
        reasons.append(Reason("fitted", float(self.n_train_), _R + "fitted", fitted))
        reasons.append(
            Reason(
                "years_band", band.value, _R + "band." + how, {"band": band.value, "m": mean_order}
            )
        )
        return Assessment(
            sid, self.name, phase, position, band, round(top, 3), tuple(reasons), "assessed", probs
        )

    def _feature_reasons(
        self, raw: Mapping[str, float], z: np.ndarray, k: int, phase: Phase
    ) -> list[Reason]:
        """The ``show`` features that pulled most toward ``phase``: coefficient of the
        phase (relative to the mean over phases) × standardised value."""
        pull = self.phase_model_.pull(k, z)
        order = np.argsort(-pull, kind="stable")[: max(self.show, 0)]
        out = []
        for j in order:
            if pull[j] <= 0:
                break
            name = self.features_[j]
            value = raw[name]
            values: dict[str, ReasonValue] = {
                "name": feature_phrase(name),
                "value": value_phrase(name, value),
                "phase": Phrase(f"common.phase.{phase.value}"),
                "pull": float(pull[j]),
            }
            out.append(Reason(name, None if math.isnan(value) else value, _R + "feature", values))
        return out

    def _band(
        self, raw: Mapping[str, float], mean_order: float, band_p: np.ndarray | None
    ) -> tuple[YearsBand, str]:
        if band_p is not None and self.band_model_ is not None:
            return YearsBand(self.band_model_.classes[int(np.argmax(band_p))]), "learnt"
        if _faded(raw, float(self.obsolete_drop)):
            return YearsBand.OBSOLETE, "obsolete"
        return next(b for cut, b in BAND_CUTS if mean_order < cut), "rule"


def _phase(value: Any, sid: Any) -> str:
    try:
        return Phase.parse(str(value or "")).value
    except ValueError as e:
        raise AssessError.of("learnt.bad_label", id=sid, error=e) from None


def _has_evidence(raw: Mapping[str, float]) -> bool:
    return any(v > 0 for k, v in raw.items() if k.endswith(".present") and not math.isnan(v))


def _faded(raw: Mapping[str, float], drop: float) -> bool:
    """Every column present has fallen ``drop`` from its own peak, at least
    :data:`FADED_YEARS` ago, and none is rising."""
    cols = [split_feature(k)[0] for k, v in raw.items() if k.endswith(".present") and v == 1.0]
    if not cols:
        return False
    falls = [raw.get(f"{PREFIX}{c}.from_peak", math.nan) for c in cols]
    growth = [raw.get(f"{PREFIX}{c}.growth", math.nan) for c in cols]
    since = [raw.get(f"{PREFIX}{c}.years_since_peak", math.nan) for c in cols]
    return (
        all(f >= drop for f in falls)
        and all(y >= FADED_YEARS for y in since)
        and not any(g > RISING for g in growth)
    )


def feature_phrase(name: str) -> Phrase:
    """A feature's name in words: ``learnt.kind.<kind>`` of ``learnt.column.<column>``."""
    column, kind = split_feature(name)
    if column in ("all", "balance"):
        return Phrase(f"{_R}cross.{column}_{kind}")
    col = (
        Phrase(f"{_R}column.{column}")
        if column in _KNOWN_COLUMNS
        else Phrase(_R + "column.other", {"id": column})
    )
    return Phrase(f"{_R}kind.{kind}", {"column": col})


def value_phrase(name: str, value: float) -> Phrase:
    """A feature's value in words (``learnt.value.*``)."""
    if math.isnan(value):
        return Phrase(_R + "value.missing")
    _, kind = split_feature(name)
    if kind == "log_level":
        return Phrase(_R + "value.relative", {"value": math.expm1(value)})
    if kind in ("age", "years_since_peak"):
        return Phrase(_R + "value.years", {"value": value})
    if kind in ("from_peak", "onset"):
        return Phrase(_R + "value.share", {"value": value})
    if kind in ("growth", "acceleration", "level"):
        return Phrase(_R + "value.log_change", {"value": value})
    if kind == "present":
        return Phrase(_R + ("value.yes" if value > 0 else "value.no"))
    if kind == "breadth":
        return Phrase(_R + "value.count", {"value": value})
    return Phrase(_R + "value.plain", {"value": value})


_KNOWN_COLUMNS = {c for cols in DEFAULT_ROLES.values() for c in cols}

__all__ = ["BAND_CUTS", "LearntModel", "feature_phrase", "value_phrase"]
