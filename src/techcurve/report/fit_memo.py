"""The appendix cards' curve fits, kept between runs (docs/performance.md, issue 18).

A report with 150 placed sub-fields fits ~400 curves (an S-curve as logistic and as
Gompertz, and a bell, per card) with SciPy's ``curve_fit``: ~10 ms each, most of the
report's time, and the same again every time the report (or a dashboard card) is built
from the same series. A fit depends only on its series, its options and the fitting
code, so its result is kept in the per-user cache (:mod:`techcurve.cache`) under a key
of exactly these (the years' and values' bytes, the options, the versions of SciPy,
NumPy and techcurve and the fitting modules' contents): a changed series is
fitted again, an unchanged one is read back, and the card is the same either way. The
new fits of a report are fitted all at once (:meth:`FitMemo.prefetch`), in two processes
when there are many (:func:`fit_all`); :mod:`techcurve.assess.forward_jac` makes each
cheaper. Neither changes a fit.

>>> with FitMemo.opened() as memo:                              # doctest: +SKIP
...     fit = memo.s_curve(years, values, curve="best", series="patents_cum")
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import pickle
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from techcurve import cache
from techcurve.assess import forward_jac, timeseries
from techcurve.assess.timeseries import BellFit, SFit
from techcurve.version import __version__

#: at most this many fits are kept (the newest first): a few reports' worth
KEEP = 20_000
#: from this many new fits on, two processes fit them (a forked process costs ~20 ms)
PARALLEL_FROM = 24


def _code_stamp() -> str:
    """What the fitting code is: SciPy's and NumPy's versions, techcurve's, and the
    contents of the fitting modules (an edited module fits again; a fresh checkout of
    the same code, with new modification times, does not)."""
    try:
        scipy = metadata.version("scipy")
    except metadata.PackageNotFoundError:
        scipy = "?"
    return f"{scipy}|{np.__version__}|{__version__}|{cache.code_stamp(timeseries, forward_jac)}"


def _key(kind: str, years: np.ndarray, values: np.ndarray, options: dict[str, Any]) -> str:
    h = hashlib.sha256(kind.encode())
    for a in (years, values):
        arr = np.ascontiguousarray(a, dtype=np.float64)
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    h.update(repr(sorted(options.items())).encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class FitRequest:
    """One fit: :func:`~techcurve.assess.timeseries.fit_s_curve` (``kind="s"``) or
    :func:`~techcurve.assess.timeseries.fit_bell` (``"bell"``) of a series, with options."""

    kind: str
    years: np.ndarray
    values: np.ndarray
    options: dict[str, Any]

    def key(self) -> str:
        return _key(self.kind, self.years, self.values, self.options)


def fit(request: FitRequest) -> SFit | BellFit | None:
    """The fit ``request`` asks for, done now."""
    if request.kind == "s":
        return timeseries.fit_s_curve(request.years, request.values, **request.options)
    return timeseries.fit_bell(request.years, request.values, **request.options)


def _fit_list(requests: Sequence[FitRequest]) -> list[SFit | BellFit | None]:
    return [fit(r) for r in requests]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fit_all(requests: Sequence[FitRequest]) -> list[SFit | BellFit | None]:
    """The fits of ``requests``, in order. From :data:`PARALLEL_FROM` fits on, with two
    cores and ``fork``, half of them are fitted in a forked process while this one
    fits the other half: the same code on the same inputs, so the same fits. The child
    only runs NumPy and SciPy (no polars, no DuckDB, whose thread pools a fork does not
    copy), and only the main thread forks (not a dashboard's request threads)."""
    n = len(requests)
    if (
        n < PARALLEL_FROM
        or _cores() < 2
        or "fork" not in mp.get_all_start_methods()
        or threading.current_thread() is not threading.main_thread()
    ):
        return _fit_list(requests)
    import scipy.optimize  # noqa: F401, PLC0415 - once, before the fork, not in both

    # both halves get as many S-curves (two fits each) as bells
    order = sorted(range(n), key=lambda i: requests[i].kind)
    mine, theirs = order[0::2], order[1::2]
    my_fits: list[SFit | BellFit | None] | None = None
    their_fits: list[SFit | BellFit | None] | None = None
    try:
        with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
            future = pool.submit(_fit_list, [requests[i] for i in theirs])
            my_fits = _fit_list([requests[i] for i in mine])
            their_fits = future.result()
    except (OSError, BrokenProcessPool):  # no second process: what is left is fitted here
        pass
    if my_fits is None:
        my_fits = _fit_list([requests[i] for i in mine])
    if their_fits is None:
        their_fits = _fit_list([requests[i] for i in theirs])
    out: list[SFit | BellFit | None] = [None] * n
    for i, f in zip(mine + theirs, my_fits + their_fits, strict=True):
        out[i] = f
    return out


@dataclass(slots=True)
class FitMemo:
    """Fits read from and added to one cache entry (see the module's docstring)."""

    path: Path | None
    known: dict[str, SFit | BellFit | None]
    used: dict[str, SFit | BellFit | None] = field(default_factory=dict)

    @classmethod
    @contextmanager
    def opened(cls) -> Iterator[FitMemo]:
        """The memo of this code's fits; written back (when it learnt any) on exit."""
        path = cache.entry("fits", _code_stamp(), suffix=".pickle")
        known: dict[str, SFit | BellFit | None] = {}
        data = cache.read(path)
        if data:
            try:
                loaded = pickle.loads(data)
                if isinstance(loaded, dict):
                    known = loaded
            except Exception:  # noqa: BLE001 - a damaged entry is only a miss
                known = {}
        memo = cls(path, known)
        yield memo
        memo.save()

    def save(self) -> None:
        if self.path is None or all(k in self.known for k in self.used):
            return
        merged = dict(self.used)
        for k, v in self.known.items():
            if len(merged) >= KEEP:
                break
            merged.setdefault(k, v)
        cache.write(self.path, pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL))
        cache.trim("fits", 4)  # one file per version of the fitting code: the newest few

    def prefetch(self, requests: Sequence[FitRequest]) -> None:
        """Fit, all at once (:func:`fit_all`), the ``requests`` not known yet."""
        todo: dict[str, FitRequest] = {}
        for r in requests:
            key = r.key()
            if key in self.known:
                self.used.setdefault(key, self.known[key])
            elif key not in self.used:
                todo.setdefault(key, r)
        self.used.update(zip(todo, fit_all(list(todo.values())), strict=True))

    def fit(self, request: FitRequest) -> SFit | BellFit | None:
        """:func:`fit`, memoised."""
        key = request.key()
        if key not in self.used:
            self.used[key] = self.known[key] if key in self.known else fit(request)
        return self.used[key]

    def s_curve(self, years: np.ndarray, values: np.ndarray, **options: Any) -> SFit | None:
        """:func:`~techcurve.assess.timeseries.fit_s_curve`, memoised."""
        s: SFit | None = self.fit(FitRequest("s", years, values, options))  # type: ignore[assignment]
        return s

    def bell(self, years: np.ndarray, values: np.ndarray, **options: Any) -> BellFit | None:
        """:func:`~techcurve.assess.timeseries.fit_bell`, memoised."""
        b: BellFit | None = self.fit(FitRequest("bell", years, values, options))  # type: ignore[assignment]
        return b


__all__ = ["FitMemo", "FitRequest", "fit", "fit_all"]
