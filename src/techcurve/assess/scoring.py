"""How well predicted phases agree with labelled ones: the metrics of the backtest.

* **coverage**: rows placed / rows labelled (a model may abstain: "insufficient");
* **exact** and **within-one-phase** agreement on the rows placed, each with a 95 %
  interval (:func:`agreement_interval`: the Wilson interval widened to hold the
  bootstrap-over-technologies interval — rows of one technology are not independent,
  so Wilson alone is too narrow; the percentile bootstrap alone collapses at 0 % and
  100 % and with few technologies);
* **Spearman's ρ** between labelled and predicted phase order;
* for models that give phase probabilities, the **log loss** (probabilities clipped at
  :data:`PROB_FLOOR`) and a **calibration table** (:func:`calibration`);
* the baselines' exact agreement **on the same rows** the model placed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from techcurve.datatypes import Phase

PHASES: tuple[str, ...] = tuple(p.value for p in Phase)
BASELINES: tuple[str, ...] = ("majority", "age-only")
NOT_ASSESSED = "insufficient"
PROB_FLOOR = 1e-6  # a probability of 0 for the labelled phase costs -log(1e-6) ≈ 13.8
BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 20261203
#: upper edges of the calibration bins of the top probability (it is ≥ 0.2 for 5 phases)
CALIBRATION_EDGES: tuple[float, ...] = (0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Rows whose top phase probability is in (lo, hi]: how sure the model was on
    average (``predicted``) and how often its top phase was the label (``observed``)."""

    lo: float
    hi: float
    n: int
    predicted: float
    observed: float


@dataclass(frozen=True, slots=True)
class Scores:
    """Agreement of one model (or baseline) with the labels of one protocol's rows."""

    model: str
    n_labels: int
    n_assessed: int
    exact: float | None
    exact_ci: tuple[float, float] | None
    within_one: float | None
    within_one_ci: tuple[float, float] | None
    spearman: float | None
    # exact agreement of each baseline (fitted on the same training fold) on the rows
    # this model placed
    same_rows: Mapping[str, float | None] = field(default_factory=dict)
    band_n: int = 0
    band_exact: float | None = None
    log_loss: float | None = None  # on the placed rows, when every one has probabilities
    same_rows_log_loss: Mapping[str, float | None] = field(default_factory=dict)
    calibration: tuple[CalibrationBin, ...] = ()
    # label phase (rows) × predicted phase + "insufficient"
    confusion: tuple[tuple[int, ...], ...] = ()

    @property
    def coverage(self) -> float:
        return self.n_assessed / self.n_labels if self.n_labels else 0.0

    @property
    def majority_same_rows(self) -> float | None:
        return self.same_rows.get("majority")

    @property
    def gain_over_majority(self) -> float | None:
        m = self.majority_same_rows
        return None if self.exact is None or m is None else self.exact - m


def wilson_interval(k: int, n: int) -> tuple[float, float] | None:
    """Wilson score 95 % interval for k successes in n trials (None when n is 0).

    >>> [round(x, 3) for x in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return (float(ci.low), float(ci.high))


def bootstrap_interval(
    hits: Sequence[bool], groups: Sequence[str], reps: int = BOOTSTRAP_REPS
) -> tuple[float, float] | None:
    """95 % percentile interval of the agreement rate when whole technologies
    (``groups``) are resampled with replacement (fixed seed: the same rows give the
    same interval). None without rows."""
    if not hits:
        return None
    names = sorted(set(groups))
    pos = {g: i for i, g in enumerate(names)}
    k = np.zeros(len(names))
    n = np.zeros(len(names))
    for h, g in zip(hits, groups, strict=True):
        k[pos[g]] += h
        n[pos[g]] += 1
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    weights = rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=reps)
    rates = (weights @ k) / (weights @ n)
    lo, hi = np.quantile(rates, [0.025, 0.975])
    return (float(lo), float(hi))


def agreement_interval(hits: Sequence[bool], groups: Sequence[str]) -> tuple[float, float] | None:
    """The 95 % interval the backtest reports: the union of the Wilson interval and
    the bootstrap-over-technologies interval (see the module docstring)."""
    w = wilson_interval(sum(hits), len(hits))
    b = bootstrap_interval(hits, groups)
    if w is None or b is None:
        return w
    return (min(w[0], b[0]), max(w[1], b[1]))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None with fewer than 3 pairs or a constant side."""
    if len(x) != len(y) or len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def log_loss(labels: Sequence[str], probabilities: Sequence[Mapping[str, float]]) -> float | None:
    """Mean −log p(labelled phase), with p clipped at :data:`PROB_FLOOR`.

    >>> round(log_loss(["peak"], [{"peak": 0.5, "trough": 0.5}]), 3)
    0.693
    """
    if not labels:
        return None
    total = 0.0
    for lab, probs in zip(labels, probabilities, strict=True):
        total -= math.log(max(float(probs.get(lab, 0.0)), PROB_FLOOR))
    return total / len(labels)


def calibration(
    labels: Sequence[str], probabilities: Sequence[Mapping[str, float]]
) -> tuple[CalibrationBin, ...]:
    """Bins of the top probability (edges :data:`CALIBRATION_EDGES`): mean top
    probability vs how often the top phase was the label; empty bins are left out."""
    out: list[CalibrationBin] = []
    lo = 0.0
    for hi in CALIBRATION_EDGES:
        top: list[float] = []
        hits: list[bool] = []
        for lab, probs in zip(labels, probabilities, strict=True):
            phase, p = _top(probs)
            if lo < p <= hi or (lo == 0.0 and p == 0.0):
                top.append(p)
                hits.append(phase == lab)
        if top:
            out.append(CalibrationBin(lo, hi, len(top), sum(top) / len(top), sum(hits) / len(top)))
        lo = hi
    return tuple(out)


def _top(probs: Mapping[str, float]) -> tuple[str, float]:
    # Ties go to the earlier phase.
    phase = max(PHASES, key=lambda p: (probs.get(p, 0.0), -PHASES.index(p)))
    return phase, float(probs.get(phase, 0.0))


@dataclass(frozen=True, slots=True)
class ScoredRow:
    """What :func:`score` needs of one prediction."""

    row: int
    group: str  # the technology (the bootstrap resamples these)
    label: str
    phase: str | None  # None when the model did not place the row
    label_band: str | None = None
    band: str | None = None
    probabilities: Mapping[str, float] | None = None


def score(
    model: str,
    rows: Sequence[ScoredRow],
    baselines: Mapping[str, Mapping[int, ScoredRow]] | None = None,
) -> Scores:
    """The :class:`Scores` of one model's predictions; ``baselines`` maps a baseline's
    name to its prediction per row (scored on the rows this model placed)."""
    idx = {p: i for i, p in enumerate(PHASES)}
    confusion = [[0] * (len(PHASES) + 1) for _ in PHASES]
    placed = [r for r in rows if r.phase is not None]
    for r in rows:
        confusion[idx[r.label]][idx[r.phase] if r.phase is not None else len(PHASES)] += 1
    exact = [r.phase == r.label for r in placed]
    within = [abs(idx[r.phase] - idx[r.label]) <= 1 for r in placed if r.phase]
    groups = [r.group for r in placed]
    banded = [r for r in placed if r.label_band is not None and r.band is not None]
    probs = [r.probabilities for r in placed]
    has_probs = bool(placed) and all(p for p in probs)
    labels = [r.label for r in placed]
    same: dict[str, float | None] = {}
    same_ll: dict[str, float | None] = {}
    for name, preds in (baselines or {}).items():
        got = [preds[r.row] for r in placed if r.row in preds]
        same[name] = sum(g.phase == g.label for g in got) / len(got) if got else None
        if has_probs and got and all(g.probabilities for g in got):
            same_ll[name] = log_loss([g.label for g in got], [g.probabilities or {} for g in got])
    return Scores(
        model=model,
        n_labels=len(rows),
        n_assessed=len(placed),
        exact=sum(exact) / len(placed) if placed else None,
        exact_ci=agreement_interval(exact, groups),
        within_one=sum(within) / len(placed) if placed else None,
        within_one_ci=agreement_interval(within, groups),
        spearman=spearman([idx[r.label] for r in placed], [idx[r.phase or ""] for r in placed]),
        same_rows=same,
        band_n=len(banded),
        band_exact=sum(r.band == r.label_band for r in banded) / len(banded) if banded else None,
        log_loss=log_loss(labels, [p or {} for p in probs]) if has_probs else None,
        same_rows_log_loss=same_ll,
        calibration=calibration(labels, [p or {} for p in probs]) if has_probs else (),
        confusion=tuple(tuple(r) for r in confusion),
    )


__all__ = [
    "BASELINES",
    "CALIBRATION_EDGES",
    "NOT_ASSESSED",
    "PHASES",
    "CalibrationBin",
    "ScoredRow",
    "Scores",
    "agreement_interval",
    "bootstrap_interval",
    "calibration",
    "log_loss",
    "score",
    "spearman",
    "wilson_interval",
]
