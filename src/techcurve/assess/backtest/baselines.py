"""The two baselines every model is compared with, fitted on the training fold only.

* :class:`MajorityBaseline` — always the most common phase of the training fold (ties
  → the earlier phase); its probabilities are the fold's phase frequencies with one
  pseudo-count per phase (Laplace), so the log loss of a model can be compared with
  "knowing only how often each phase is labelled".
* :class:`AgeOnlyBaseline` — a one-feature multinomial logistic model of the phase on
  the **age** (years from the technology's first evidence to the label date), fitted
  on the training fold by penalised maximum likelihood (L2 on the slopes, one
  pseudo-row per phase at the mean age so that phases absent from the fold keep a
  small probability). Rows without an age get the majority baseline's answer. Why
  this learner: the age is the one obvious "model" a reviewer would try first, and a
  logistic gives probabilities (log loss) from one feature without a tuning knob
  beyond the penalty.

Both follow the estimator contract (``fit`` returns self; learnt values end in ``_``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize

from techcurve.assess.profiles import Prediction
from techcurve.assess.scoring import PHASES
from techcurve.errors import AssessError
from techcurve.text import t


def _top(probs: dict[str, float]) -> str:
    return max(PHASES, key=lambda p: (round(probs[p], 12), -PHASES.index(p)))


class MajorityBaseline:
    """Always the training fold's most common phase."""

    name = "majority"

    def fit(self, phases: Sequence[str], ages: Sequence[float | None] = ()) -> MajorityBaseline:
        counts = Counter(phases)
        total = len(phases) + len(PHASES)
        self.probabilities_ = {p: (counts.get(p, 0) + 1) / total for p in PHASES}
        self.phase_ = max(PHASES, key=lambda p: (counts.get(p, 0), -PHASES.index(p)))
        self.n_ = len(phases)
        return self

    def predict(self, ages: Sequence[float | None], how: str) -> list[Prediction]:
        if not hasattr(self, "phase_"):
            raise AssessError(t("backtest.not_fitted", "en", model=self.name))
        return [Prediction("assessed", self.phase_, None, None, how, self.probabilities_)] * len(
            ages
        )

    def get_params(self) -> dict[str, object]:
        return {"prior": "laplace"}


class AgeOnlyBaseline:
    """The phase from the age alone (a one-feature multinomial logistic model)."""

    name = "age-only"

    def __init__(self, penalty: float = 1.0) -> None:
        self.penalty = penalty

    def get_params(self) -> dict[str, object]:
        return {"penalty": self.penalty, "feature": "age"}

    def fit(self, phases: Sequence[str], ages: Sequence[float | None]) -> AgeOnlyBaseline:
        self.majority_ = MajorityBaseline().fit(phases)
        pairs = [(p, a) for p, a in zip(phases, ages, strict=True) if a is not None]
        if not pairs:
            self.coef_ = None
            return self
        x = np.array([a for _, a in pairs], dtype=float)
        self.mean_ = float(x.mean())
        self.scale_ = float(x.std()) or 1.0
        z = np.concatenate([(x - self.mean_) / self.scale_, np.zeros(len(PHASES))])
        y = np.concatenate([[PHASES.index(p) for p, _ in pairs], np.arange(len(PHASES))])
        onehot = np.eye(len(PHASES))[y]
        k = len(PHASES)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            b, s = w[:k], w[k:]
            logits = b[None, :] + z[:, None] * s[None, :]
            logits -= logits.max(axis=1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            resid = np.exp(logp) - onehot
            value = -(onehot * logp).sum() + 0.5 * self.penalty * float(s @ s)
            grad = np.concatenate([resid.sum(axis=0), z @ resid + self.penalty * s])
            return float(value), grad

        res = minimize(loss, np.zeros(2 * k), jac=True, method="L-BFGS-B")
        self.coef_ = res.x
        return self

    def probabilities(self, age: float) -> dict[str, float]:
        """Phase → probability at ``age`` (years)."""
        if self.coef_ is None:
            return dict(self.majority_.probabilities_)
        k = len(PHASES)
        z = (age - self.mean_) / self.scale_
        logits = [self.coef_[i] + z * self.coef_[k + i] for i in range(k)]
        top = max(logits)
        e = [math.exp(v - top) for v in logits]
        return {p: v / sum(e) for p, v in zip(PHASES, e, strict=True)}

    def predict(self, ages: Sequence[float | None], how: str) -> list[Prediction]:
        if not hasattr(self, "majority_"):
            raise AssessError(t("backtest.not_fitted", "en", model=self.name))
        out: list[Prediction] = []
        for age in ages:
            if age is None or self.coef_ is None:
                note = how + t("backtest.no_age", "en")
                m = self.majority_
                out.append(Prediction("assessed", m.phase_, None, None, note, m.probabilities_))
                continue
            probs = self.probabilities(age)
            out.append(Prediction("assessed", _top(probs), None, None, how, probs))
        return out


def make_baseline(name: str) -> MajorityBaseline | AgeOnlyBaseline:
    """A new baseline by name ("majority" or "age-only")."""
    return MajorityBaseline() if name == "majority" else AgeOnlyBaseline()


__all__ = ["AgeOnlyBaseline", "MajorityBaseline", "make_baseline"]
