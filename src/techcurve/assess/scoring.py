"""How well predicted phases agree with labelled ones: the scores, their intervals,
and the leave-one-out baselines (majority, age-only) the backtest compares against."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from techcurve.datatypes import Phase

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


def score(rows: pl.DataFrame, model: str, majority: Mapping[int, str]) -> Scores:
    """The :class:`Scores` of one model's predictions (rows of the predictions frame:
    ``row, label, label_band, status, phase, years_band``) against their labels;
    ``majority`` maps a row to the leave-one-out majority baseline's phase."""
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
    "NOT_ASSESSED",
    "PHASES",
    "Scores",
    "loo_age_only",
    "loo_majority",
    "score",
    "spearman",
    "wilson_interval",
]
