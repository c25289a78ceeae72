"""The two baselines every model is compared with, fitted on the training fold only.

* :class:`MajorityBaseline` — always the most common phase of the training fold (ties
  → the earlier phase); its probabilities are the fold's phase frequencies with one
  pseudo-count per phase (Laplace), so the log loss of a model can be compared with
  "knowing only how often each phase is labelled".
* :class:`AgeOnlyBaseline` — an ordinal (cumulative-logit) model of the phase order on
  the **age** (years from the technology's first evidence to the label date; the
  feature is the standardised log(1 + age), as ages are skewed by old umbrella terms),
  fitted on the training fold by maximum likelihood with an L2 penalty ½·β² on the
  slope (scikit-learn's default strength, C = 1; not tuned on labels) and one
  pseudo-row per phase at the mean age (phases absent from the fold keep a small
  probability). Ages outside the fold's range are taken at its edge; rows without an
  age get the majority baseline's answer. Why this learner: the age is the first
  "model" a reviewer would try; the phases are ordered, and an ordinal model lets a
  middle phase (peak, trough) be the most likely one over an age range, which a
  one-feature multinomial logistic (logits linear in the age) mostly cannot; and it
  gives probabilities for the log loss.

Both follow the estimator contract (``fit`` returns self; learnt values end in ``_``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from techcurve.assess.ordinal import OrdinalFit, fit_ordinal
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
            raise AssessError.of("backtest.not_fitted", model=self.name)
        return [Prediction("assessed", self.phase_, None, None, how, self.probabilities_)] * len(
            ages
        )

    def get_params(self) -> dict[str, object]:
        return {"prior": "laplace"}


class AgeOnlyBaseline:
    """The phase from the age alone: an ordinal (cumulative-logit) model of the phase
    order on the standardised log age."""

    name = "age-only"

    def __init__(self, penalty: float = 0.5) -> None:
        self.penalty = penalty

    def get_params(self) -> dict[str, object]:
        return {"model": "ordinal logit", "feature": "log(1 + age)", "penalty": self.penalty}

    def fit(self, phases: Sequence[str], ages: Sequence[float | None]) -> AgeOnlyBaseline:
        self.majority_ = MajorityBaseline().fit(phases)
        pairs = [(p, a) for p, a in zip(phases, ages, strict=True) if a is not None]
        self.model_: OrdinalFit | None = None
        if not pairs:
            return self
        x = np.log1p(np.maximum([a for _, a in pairs], 0.0))
        self.mean_ = float(x.mean())
        self.scale_ = float(x.std()) or 1.0
        self.range_ = (float(x.min()), float(x.max()))
        # fit_ordinal adds one pseudo-row per phase at the mean age (z = 0): phases
        # absent from the fold keep a small probability, the cut-points stay finite;
        # the penalty ``penalty``·β² is its ½·β²/C with C = 1 / (2·penalty)
        z = ((x - self.mean_) / self.scale_)[:, None]
        y = [PHASES.index(p) for p, _ in pairs]
        self.model_ = fit_ordinal(z, y, PHASES, c=1 / (2 * self.penalty))
        return self

    def probabilities(self, age: float) -> dict[str, float]:
        """Phase → probability at ``age`` (years)."""
        if self.model_ is None:
            return dict(self.majority_.probabilities_)
        # Ages outside the fold's range are taken at its edge: a baseline should not
        # extrapolate a logit to certainty beyond the ages it saw.
        x = min(max(math.log1p(max(age, 0.0)), self.range_[0]), self.range_[1])
        z = (x - self.mean_) / self.scale_
        p = self.model_.proba(np.array([[z]]))[0]
        return {ph: float(v) for ph, v in zip(PHASES, p, strict=True)}

    def predict(self, ages: Sequence[float | None], how: str) -> list[Prediction]:
        if not hasattr(self, "majority_"):
            raise AssessError.of("backtest.not_fitted", model=self.name)
        out: list[Prediction] = []
        for age in ages:
            if age is None or self.model_ is None:
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
