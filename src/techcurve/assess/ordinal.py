"""The cumulative-logit (proportional-odds) model of an ordered outcome.

P(class ≤ k | z) = σ(θ_k − β·z), with cut-points θ_0 < θ_1 < … kept ordered by
parametrising them as a first cut-point and positive steps. It is used by the age-only
baseline (one feature) and by the learnt model's ``learner="ordinal"`` (all features):
the hype-cycle phases are ordered, so one direction β in feature space moves a
technology along the whole order, where a multinomial model spends a coefficient
vector per phase — with tens to a few hundred labels, one vector is what the data can
support, and a middle phase (peak, trough) can still be the most probable one.

Fitting is penalised maximum likelihood (L2 on β, strength ½·β·β / c as scikit-learn's
``C``) with one pseudo-row per class at z = 0, so a class absent from the training rows
keeps a small probability and the cut-points stay finite; L-BFGS-B with the analytic
gradient.

>>> import numpy as np
>>> z = np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0]] * 4)
>>> fit = fit_ordinal(z, [0, 1, 2, 3, 4] * 4, ("a", "b", "c", "d", "e"), c=10.0)
>>> [fit.classes[int(i)] for i in fit.proba(np.array([[-2.0], [2.0]])).argmax(axis=1)]
['a', 'e']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def cut_points(w: np.ndarray) -> np.ndarray:
    """The ordered cut-points from the first cut-point ``w[0]`` and log steps ``w[1:]``."""
    return w[0] + np.concatenate([[0.0], np.cumsum(np.exp(w[1:]))])


def ordinal_probs(theta: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """P(class = k) per row for cut-points ``theta`` and linear predictors ``eta``."""
    cum = 1 / (1 + np.exp(-(theta[None, :] - eta[:, None])))
    cum = np.concatenate([np.zeros((len(eta), 1)), cum, np.ones((len(eta), 1))], axis=1)
    return np.clip(np.diff(cum, axis=1), 1e-12, 1.0)


@dataclass(frozen=True, slots=True)
class OrdinalFit:
    """A fitted cumulative-logit model over standardised features."""

    classes: tuple[str, ...]  # in their order
    theta: np.ndarray  # (classes − 1,) cut-points
    beta: np.ndarray  # (features,)

    def proba(self, z: np.ndarray) -> np.ndarray:
        """(rows, classes) probabilities."""
        p = ordinal_probs(self.theta, z @ self.beta)
        return p / p.sum(axis=1, keepdims=True)

    def pull(self, k: int, z: np.ndarray) -> np.ndarray:
        """Each feature's pull toward class ``k`` for one row ``z``: β_j·z_j moves a row
        toward later classes, so it pulls toward ``k`` in proportion to how far ``k``
        lies from the class order expected at z = 0 (the training rows' centre)."""
        centre = float(np.arange(len(self.classes)) @ self.proba(np.zeros((1, len(z))))[0])
        return (k - centre) * self.beta * z


def fit_ordinal(z: np.ndarray, y: Sequence[int], classes: Sequence[str], c: float) -> OrdinalFit:
    """Fit on standardised features ``z`` (rows × features) and class indices ``y``
    (0 … len(classes) − 1); ``c`` is the inverse L2 strength."""
    from scipy.optimize import minimize

    k = len(classes)
    zz = np.vstack([z, np.zeros((k, z.shape[1]))])
    yy = np.concatenate([np.asarray(y, dtype=int), np.arange(k)])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        theta, beta = cut_points(w[: k - 1]), w[k - 1 :]
        eta = zz @ beta
        edges = np.concatenate([[-np.inf], theta, [np.inf]])
        upper = 1 / (1 + np.exp(-(edges[yy + 1] - eta)))
        lower = 1 / (1 + np.exp(-(edges[yy] - eta)))
        p = np.clip(upper - lower, 1e-12, 1.0)
        d_upper, d_lower = upper * (1 - upper) / p, lower * (1 - lower) / p
        value = float(-np.log(p).sum() + beta @ beta / (2 * c))
        g_beta = zz.T @ (d_upper - d_lower) + beta / c
        g_edges = np.zeros(k + 1)
        np.add.at(g_edges, yy + 1, -d_upper)
        np.add.at(g_edges, yy, d_lower)
        g_theta = g_edges[1:k]
        tail = np.cumsum(g_theta[::-1])[::-1]  # Σ_{j ≥ m} ∂/∂θ_j
        g_w = np.concatenate([[tail[0]], np.exp(w[1 : k - 1]) * tail[1:]])
        return value, np.concatenate([g_w, g_beta])

    start = np.concatenate([[-1.5], np.zeros(k - 2), np.zeros(z.shape[1])])
    w = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return OrdinalFit(tuple(classes), cut_points(w[: k - 1]), w[k - 1 :])
