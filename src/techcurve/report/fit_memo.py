"""The appendix cards' curve fits, kept between runs (docs/performance.md, issue 18).

A report with 150 placed sub-fields fits ~400 curves (an S-curve as logistic and as
Gompertz, and a bell, per card) with SciPy's ``curve_fit``: ~10 ms each, most of the
report's time, and the same again every time the report (or a dashboard card) is built
from the same series. A fit depends only on its series, its options and the fitting
code, so its result is kept in the per-user cache (:mod:`techcurve.cache`) under a key
of exactly these (the years' and values' bytes, the options, the versions of SciPy,
NumPy and techcurve and the fitting modules' contents): a changed series is
fitted again, an unchanged one is read back, and the card is the same either way.

>>> with FitMemo.opened() as memo:                              # doctest: +SKIP
...     fit = memo.s_curve(years, values, curve="best", series="patents_cum")
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
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


def _code_stamp() -> str:
    """What the fitting code is: SciPy's and NumPy's versions, techcurve's, and the
    contents of the fitting modules (an edited module fits again; a fresh checkout of
    the same code, with new modification times, does not)."""
    try:
        scipy = metadata.version("scipy")
    except metadata.PackageNotFoundError:
        scipy = "?"
    h = hashlib.sha256()
    for module in (timeseries, forward_jac):
        try:
            h.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            h.update(b"?")
    return f"{scipy}|{np.__version__}|{__version__}|{h.hexdigest()}"


def _key(kind: str, years: np.ndarray, values: np.ndarray, options: dict[str, Any]) -> str:
    h = hashlib.sha256(kind.encode())
    for a in (years, values):
        arr = np.ascontiguousarray(a, dtype=np.float64)
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    h.update(repr(sorted(options.items())).encode())
    return h.hexdigest()


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

    def _get(self, kind: str, years: np.ndarray, values: np.ndarray, **options: Any) -> Any:
        key = _key(kind, years, values, options)
        if key in self.used:
            return self.used[key]
        if key in self.known:
            fit = self.known[key]
        elif kind == "s":
            fit = timeseries.fit_s_curve(years, values, **options)
        else:
            fit = timeseries.fit_bell(years, values, **options)
        self.used[key] = fit
        return fit

    def s_curve(self, years: np.ndarray, values: np.ndarray, **options: Any) -> SFit | None:
        """:func:`~techcurve.assess.timeseries.fit_s_curve`, memoised."""
        fit: SFit | None = self._get("s", years, values, **options)
        return fit

    def bell(self, years: np.ndarray, values: np.ndarray, **options: Any) -> BellFit | None:
        """:func:`~techcurve.assess.timeseries.fit_bell`, memoised."""
        fit: BellFit | None = self._get("bell", years, values, **options)
        return fit


__all__ = ["FitMemo"]
