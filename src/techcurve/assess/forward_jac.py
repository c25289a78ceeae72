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


def _step(p: float, lb: float, ub: float) -> float:
    """The absolute step for parameter value ``p`` in ``[lb, ub]``, turned back or
    shortened where it would leave the bounds (``_compute_absolute_step`` and
    ``_adjust_scheme_to_bounds``, one-sided, one step: the same operations on floats)."""
    h = REL_STEP * (1.0 if p >= 0 else -1.0) * max(1.0, abs(p))
    lower_dist = p - lb
    upper_dist = ub - p
    fitting = abs(h) <= max(lower_dist, upper_dist)
    if not fitting:
        return upper_dist if upper_dist >= lower_dist else -lower_dist
    if p + h < lb or p + h > ub:
        return -h
    return h


def forward_jacobian(
    f: Model, y: np.ndarray, lower: Sequence[float], upper: Sequence[float]
) -> Callable[..., np.ndarray]:
    """``jac`` for ``curve_fit(f, x, y, bounds=(lower, upper))``: the Jacobian of the
    residuals ``f(x, *p) − y`` by forward differences, as ``jac="2-point"`` computes it."""
    bounds = [(float(lo), float(hi)) for lo, hi in zip(lower, upper, strict=True)]

    def jac(x: np.ndarray, *params: float) -> np.ndarray:
        p = [float(v) for v in params]
        r0 = f(x, *p) - y
        columns = np.empty((len(p), r0.size))  # one row per parameter, transposed below
        for i, (lb, ub) in enumerate(bounds):
            q = list(p)
            q[i] = p[i] + _step(p[i], lb, ub)
            columns[i] = ((f(x, *q) - y) - r0) / (q[i] - p[i])
        return columns.T

    return jac


__all__ = ["REL_STEP", "forward_jacobian"]
