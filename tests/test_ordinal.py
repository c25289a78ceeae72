"""The cumulative-logit model (assess/ordinal.py): ordered cut-points, an exact gradient,
the order recovered from one feature, and pulls that point along the order."""

from __future__ import annotations

import numpy as np
from scipy.optimize import approx_fprime

from techcurve.assess.ordinal import cut_points, fit_ordinal, ordinal_probs

CLASSES = ("trigger", "peak", "trough", "slope", "plateau")


def test_cut_points_stay_ordered_whatever_the_parameters() -> None:
    theta = cut_points(np.array([0.3, -5.0, 2.0, 0.0]))
    assert theta[0] == 0.3
    assert np.all(np.diff(theta) > 0)
    p = ordinal_probs(theta, np.array([-3.0, 0.0, 3.0]))
    assert p.shape == (3, 5) and np.allclose(p.sum(axis=1), 1.0)
    # a larger linear predictor moves the mass to later classes
    assert p[0].argmax() < p[2].argmax()


def test_the_fit_is_at_a_stationary_point_of_the_penalised_likelihood() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 3))
    y = np.clip(np.round(z @ np.array([1.0, -0.5, 0.0]) + 2 + rng.normal(0, 0.7, 60)), 0, 4)
    fit = fit_ordinal(z, y.astype(int).tolist(), CLASSES, c=1.0)

    def objective(w: np.ndarray) -> float:
        theta, beta = w[:4], w[4:]
        if np.any(np.diff(theta) <= 0):
            return np.inf
        zz = np.vstack([z, np.zeros((5, 3))])
        yy = np.concatenate([y.astype(int), np.arange(5)])
        p = ordinal_probs(theta, zz @ beta)
        return float(-np.log(p[np.arange(len(yy)), yy]).sum() + beta @ beta / 2)

    w = np.concatenate([fit.theta, fit.beta])
    grad = approx_fprime(w, objective, 1e-6)
    assert np.abs(grad).max() < 1e-3, grad
    # the generating direction is found: its signs and the order of its sizes
    assert fit.beta[0] > -fit.beta[1] > abs(fit.beta[2])
    assert fit.beta[1] < 0


def test_one_feature_recovers_the_order_and_pulls_point_along_it() -> None:
    z = np.repeat(np.linspace(-2, 2, 5), 6)[:, None]
    y = np.repeat(np.arange(5), 6).tolist()
    fit = fit_ordinal(z, y, CLASSES, c=10.0)
    got = [CLASSES[int(i)] for i in fit.proba(np.linspace(-2, 2, 5)[:, None]).argmax(axis=1)]
    assert got == list(CLASSES)
    assert fit.classes == CLASSES
    late = np.array([2.0])
    # a late row's feature pulls toward the plateau and away from the trigger
    assert fit.pull(4, late)[0] > 0 > fit.pull(0, late)[0]
