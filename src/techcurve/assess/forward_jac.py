"""SciPy's ``jac="2-point"`` Jacobian for ``curve_fit``, without its per-call overhead.

The time-series model and the report's appendix cards fit hundreds of three-parameter
curves (:mod:`techcurve.assess.timeseries`); SciPy's trust-region loop asks for a
Jacobian ~16 times per fit, and its finite-difference routine (``approx_derivative``:
argument checks, bound preparation, a generator of perturbed points) cost about a
quarter of each fit (docs/performance.md, "The report's fits", issue 18).
:func:`forward_jacobian` computes the same forward differences with the same arithmetic
— the same relative step ``√eps · max(1, |p|)`` signed like ``p``, the same adjustment
at the bounds, the residuals ``f(x, *p) − y`` subtracted in the same order, the same
column layout — so a fit with it is bit for bit the fit with ``jac="2-point"``
(``tests/test_speed.py`` compares both on series that hit the bounds and on series that
do not). It follows SciPy 1.17's ``scipy.optimize._numdiff``; the report's fit cache
is keyed by SciPy's version, and that test fails if a SciPy release changes the scheme.

>>> jac = forward_jacobian(logistic, y, lower, upper)              # doctest: +SKIP
>>> popt, _ = curve_fit(logistic, x, y, p0=p0, bounds=(lower, upper), jac=jac)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: SciPy's relative step for float64 forward differences: √(machine ε)
REL_STEP = float(np.finfo(np.float64).eps ** 0.5)

Model = Callable[..., np.ndarray]


def _steps(p: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """The absolute steps, turned or shortened where a step would leave the bounds
    (``_compute_absolute_step`` and ``_adjust_scheme_to_bounds``, one-sided, one step)."""
    sign = (p >= 0).astype(float) * 2 - 1
    h = REL_STEP * sign * np.maximum(1.0, np.abs(p))
    lower_dist = p - lb
    upper_dist = ub - p
    stepped = p + h
    violated = (stepped < lb) | (stepped > ub)
    fitting = np.abs(h) <= np.maximum(lower_dist, upper_dist)
    h = h.copy()
    h[violated & fitting] *= -1
    forward = (upper_dist >= lower_dist) & ~fitting
    h[forward] = upper_dist[forward]
    backward = (upper_dist < lower_dist) & ~fitting
    h[backward] = -lower_dist[backward]
    return h


def forward_jacobian(
    f: Model, y: np.ndarray, lower: Sequence[float], upper: Sequence[float]
) -> Callable[..., np.ndarray]:
    """``jac`` for ``curve_fit(f, x, y, bounds=(lower, upper))``: the Jacobian of the
    residuals ``f(x, *p) − y`` by forward differences, as ``jac="2-point"`` computes it."""
    lb = np.asarray(lower, dtype=float)
    ub = np.asarray(upper, dtype=float)

    def jac(x: np.ndarray, *params: float) -> np.ndarray:
        p = np.array(params, dtype=float)
        r0 = f(x, *p) - y
        h = _steps(p, lb, ub)
        columns = np.empty((p.size, r0.size))  # one row per parameter, transposed below
        for i in range(p.size):
            q = np.copy(p)
            q[i] = p[i] + h[i]
            columns[i] = ((f(x, *q) - y) - r0) / ((p[i] + h[i]) - p[i])
        return columns.T

    return jac


__all__ = ["REL_STEP", "forward_jacobian"]
