"""The time-series model: the curve as a hype bell plus an S-curve (Fenn & Raskino).

Per sub-field it fits

* an **S-curve** (logistic or Gompertz, ``scipy.optimize.curve_fit``) to cumulative
  patents per year (papers when there are no patents): saturation κ, midpoint
  (inflection) t_m and rate α; the share of κ reached at the as-of year locates the
  maturity side (Loglet convention: < 10 % emerging, 10–50 % growth, 50–90 %
  maturity, > 90 % saturation) and the fitted time to 90 % of κ gives the
  years-to-plateau band;
* a **hype bell** (Gaussian) to attention per year: peak year μ and width σ; where
  the as-of year sits against μ, and how far attention has fallen from the peak,
  locates the hype side.

A series that has not bent yet (its yearly increments still peak in the last years,
or the fit puts the inflection at or after the last year, or κ far above what has
been reached) is reported as "still accelerating — saturation not yet identifiable"
and no κ is used: fits on truncated exponential series are unstable. Likewise a series
growing **steadily** (its latest 3-year mean increment still at least ``steady_ratio``
of its fastest) has not bent either: a straight line fits an S-curve with any κ.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from techcurve.assess._base import (
    StageModel,
    check_columns,
    clip01,
    needing,
    position_in,
    to_date,
)
from techcurve.assess.forward_jac import forward_jacobian
from techcurve.datatypes import Assessment, Phase, Phrase, Reason, ReasonValue, YearsBand
from techcurve.errors import AssessError

INDICATORS_REQUIRED = ("subfield_id", "year")
_R = "reasons.timeseries."


def _words(series: str) -> Phrase | str:
    """A cumulative series in words (``text/reasons.yaml``), else its name spelt out."""
    if series in ("patents_cum", "papers_cum"):
        return Phrase(_R + "series." + series)
    return series.replace("_", " ")


def logistic(t: np.ndarray, kappa: float, alpha: float, t_m: float) -> np.ndarray:
    """κ / (1 + e^(−α (t − t_m))): midpoint t_m, 10→90 % of κ in ln 81 / α years."""
    return kappa / (1.0 + np.exp(-alpha * (t - t_m)))


def gompertz(t: np.ndarray, kappa: float, alpha: float, t_m: float) -> np.ndarray:
    """κ · e^(−e^(−α (t − t_m))): inflection t_m (at κ/e), asymmetric, slower to saturate."""
    return kappa * np.exp(-np.exp(-alpha * (t - t_m)))


def bell(t: np.ndarray, height: float, mu: float, sigma: float) -> np.ndarray:
    """Gaussian hype bell: peak ``height`` in year ``mu``, width ``sigma`` years."""
    return height * np.exp(-0.5 * ((t - mu) / sigma) ** 2)


_CURVES = {"logistic": logistic, "gompertz": gompertz}


def _t_fraction(curve: str, alpha: float, t_m: float, q: float) -> float:
    """Year at which the S-curve reaches fraction ``q`` of κ."""
    if curve == "logistic":
        return t_m + math.log(q / (1 - q)) / alpha
    return t_m - math.log(-math.log(q)) / alpha


@dataclass(frozen=True, slots=True)
class SFit:
    """An S-curve fitted to one cumulative series."""

    series: str
    curve: str  # logistic | gompertz
    kappa: float
    alpha: float
    t_m: float
    r2: float
    last_year: int
    last_value: float
    accelerating: bool  # True: saturation not identifiable, do not use kappa
    steady: bool = False  # not bent because increments stay near their maximum

    @property
    def growth_time(self) -> float:
        """Δt: years from 10 % to 90 % of κ."""
        return _t_fraction(self.curve, self.alpha, self.t_m, 0.9) - _t_fraction(
            self.curve, self.alpha, self.t_m, 0.1
        )

    @property
    def t90(self) -> float:
        return _t_fraction(self.curve, self.alpha, self.t_m, 0.9)


@dataclass(frozen=True, slots=True)
class BellFit:
    """A hype bell fitted to one attention series."""

    series: str
    height: float
    mu: float
    sigma: float
    r2: float
    last_year: int
    last_value: float
    observed_peak: float
    observed_peak_year: int


@dataclass(frozen=True, slots=True)
class SeriesFits:
    """What :meth:`TimeSeriesModel.fit` learnt for one sub-field."""

    s: SFit | None  # the S-curve, None when no series had enough years or no fit converged
    bell: BellFit | None  # the hype bell, likewise
    s_series: str | None  # the cumulative series the S-curve was tried on
    a_series: str | None  # the attention series the bell was tried on
    s_until: int | None  # the year the S-curve's series was cut at (its source's coverage end)


def fit_s_curve(
    years: np.ndarray,
    values: np.ndarray,
    *,
    curve: str = "best",
    series: str = "patents_cum",
    kappa_max_ratio: float = 4.0,
    steady_ratio: float = 0.8,
) -> SFit | None:
    """Fit logistic and/or Gompertz to a cumulative series (None when no fit converges).

    ``curve="best"`` keeps the one with the smaller squared error (both have three
    parameters, so this is also the AIC choice).
    """
    y = np.asarray(values, dtype=float)
    t = np.asarray(years, dtype=float)
    if len(t) < 4 or float(np.max(y)) <= 0:
        return None
    t0 = float(t[0])
    x = t - t0
    ymax = float(np.max(y))
    inc = np.diff(y, prepend=0.0)
    tm0 = float(x[int(np.argmax(inc))])
    names = ["logistic", "gompertz"] if curve == "best" else [curve]
    # imported here: scipy.optimize is slow to import (docs/performance.md, "Stages after
    # ingest", "What the profiles showed (before)"), and assessing
    # with the other models (or a report without cards) never fits a curve
    from scipy.optimize import OptimizeWarning, curve_fit

    best: tuple[float, str, np.ndarray] | None = None
    for name in names:
        f = _CURVES[name]
        p0 = [ymax * 1.5, 0.5, max(tm0, 0.0)]
        lower = [ymax * 0.98, 0.01, -30.0]
        upper = [ymax * 100.0, 5.0, float(x[-1]) + 40.0]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                jac = forward_jacobian(f, y, lower, upper)  # = "2-point", cheaper
                popt, _ = curve_fit(f, x, y, p0=p0, bounds=(lower, upper), maxfev=20000, jac=jac)
        except (RuntimeError, ValueError):
            continue
        sse = float(np.sum((f(x, *popt) - y) ** 2))
        if best is None or sse < best[0]:
            best = (sse, name, popt)
    if best is None:
        return None
    sse, name, popt = best
    sst = float(np.sum((y - y.mean()) ** 2)) or 1.0
    kappa, alpha, tm = (float(v) for v in popt)
    t_m = tm + t0
    last_year = int(t[-1])
    # Not bent yet: increments (3-year mean) still peak at the end, or the inflection is
    # not behind us, or κ is a far extrapolation of what has been seen.
    smooth = np.convolve(inc, np.ones(3) / 3, mode="valid") if len(inc) >= 3 else inc
    peak_at_end = int(np.argmax(smooth)) >= len(smooth) - 1
    top = float(np.max(smooth)) if len(smooth) else 0.0
    steady = bool(top > 0 and float(smooth[-1]) >= steady_ratio * top and not peak_at_end)
    accelerating = bool(
        peak_at_end or steady or t_m >= last_year - 0.5 or kappa > kappa_max_ratio * float(y[-1])
    )
    return SFit(
        series=series,
        curve=name,
        kappa=kappa,
        alpha=alpha,
        t_m=t_m,
        r2=1.0 - sse / sst,
        last_year=last_year,
        last_value=float(y[-1]),
        accelerating=accelerating,
        steady=steady,
    )


def fit_bell(years: np.ndarray, values: np.ndarray, *, series: str = "attention") -> BellFit | None:
    """Fit a Gaussian hype bell to an attention series (None when it does not converge)."""
    y = np.asarray(values, dtype=float)
    t = np.asarray(years, dtype=float)
    if len(t) < 4 or float(np.max(y)) <= 0:
        return None
    t0 = float(t[0])
    x = t - t0
    i = int(np.argmax(y))
    span = float(x[-1] - x[0]) or 1.0
    p0 = [float(y[i]), float(x[i]), max(span / 4, 1.0)]
    lower = [0.0, -10.0, 0.5]
    upper = [float(y[i]) * 10.0, float(x[-1]) + 20.0, 30.0]
    from scipy.optimize import OptimizeWarning, curve_fit  # see fit_s_curve

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            jac = forward_jacobian(bell, y, lower, upper)  # = "2-point", cheaper
            popt, _ = curve_fit(bell, x, y, p0=p0, bounds=(lower, upper), maxfev=20000, jac=jac)
    except (RuntimeError, ValueError):
        return None
    sse = float(np.sum((bell(x, *popt) - y) ** 2))
    sst = float(np.sum((y - y.mean()) ** 2)) or 1.0
    return BellFit(
        series=series,
        height=float(popt[0]),
        mu=float(popt[1]) + t0,
        sigma=float(popt[2]),
        r2=1.0 - sse / sst,
        last_year=int(t[-1]),
        last_value=float(y[-1]),
        observed_peak=float(y[i]),
        observed_peak_year=int(t[i]),
    )


class TimeSeriesModel(StageModel):
    """Phase from the S-curve of cumulative patents/papers and the hype bell of attention.

    Parameters (keyword; defaults in ``docs/models.md``):

    curve
        "logistic", "gompertz" or "best" (smaller squared error).
    s_series
        Cumulative series tried for the S-curve, in order of preference.
    attention_series
        Per-year attention series tried for the bell, in order of preference.
    min_years
        Points needed in a series to fit it.
    kappa_max_ratio
        κ more than this multiple of the latest value = not identifiable.
    steady_ratio
        Latest 3-year mean increment at least this share of its maximum = still growing
        steadily, saturation not identifiable.
    trigger_z
        Before the attention peak, more than this many σ before it = trigger.
    trough_ratio
        After the peak, attention below this share of the peak = trough.
    slope_share, plateau_share
        Share of κ reached from which a sub-field is on the slope / plateau.
    """

    name = "timeseries"

    def __init__(
        self,
        *,
        curve: str = "best",
        s_series: tuple[str, ...] = ("patents_cum", "papers_cum"),
        attention_series: tuple[str, ...] = ("attention", "articles", "opinion_index"),
        min_years: int = 6,
        kappa_max_ratio: float = 4.0,
        steady_ratio: float = 0.8,
        trigger_z: float = 1.2,
        trough_ratio: float = 0.6,
        slope_share: float = 0.5,
        plateau_share: float = 0.9,
    ) -> None:
        self.curve = curve
        self.s_series = s_series
        self.attention_series = attention_series
        self.min_years = min_years
        self.kappa_max_ratio = kappa_max_ratio
        self.steady_ratio = steady_ratio
        self.trigger_z = trigger_z
        self.trough_ratio = trough_ratio
        self.slope_share = slope_share
        self.plateau_share = plateau_share

    def _validate_params(self) -> None:
        if self.curve not in ("best", *_CURVES):
            raise AssessError.of("assess.timeseries.bad_curve", curve=self.curve)
        if not 0 < self.slope_share < self.plateau_share < 1:
            raise AssessError.of(
                "assess.timeseries.bad_shares", slope=self.slope_share, plateau=self.plateau_share
            )
        if not 0 < self.trough_ratio < 1:
            raise AssessError.of("assess.timeseries.bad_trough", value=self.trough_ratio)
        if int(self.min_years) < 4:
            raise AssessError.of("assess.timeseries.bad_min_years", value=self.min_years)

    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> TimeSeriesModel:
        """Fit the S-curve and the bell of every sub-field in ``summary`` (stored in ``params_``)."""
        self._validate_params()
        check_columns(summary, ("subfield_id", "as_of"), "summary")
        if indicators is None:
            error = AssessError.of("assess.timeseries.needs_indicators")
            raise needing("indicators", error)
        check_columns(indicators, INDICATORS_REQUIRED, "indicators")
        if labels is not None:
            check_columns(labels, ("subfield_id", "phase"), "labels")
        self.params_: dict[str, SeriesFits] = {}
        # one pass to split the indicators by sub-field, not one filter per sub-field
        by_sid = {
            str(k[0]): g for k, g in indicators.partition_by("subfield_id", as_dict=True).items()
        }
        empty = indicators.clear()
        for row in summary.iter_rows(named=True):
            sid = str(row["subfield_id"])
            year = to_date(row["as_of"]).year
            rows = by_sid.get(sid, empty).filter(pl.col("year") <= year).sort("year")
            coverage = {
                "patents_cum": row.get("patents_coverage_end"),
                "papers_cum": row.get("papers_coverage_end"),
            }
            self.params_[sid] = self._fit_one(rows, coverage)
        self.fitted_ = True
        return self

    def _series(
        self,
        rows: pl.DataFrame,
        names: tuple[str, ...],
        coverage: dict[str, int | None] | None = None,
    ) -> tuple[str, np.ndarray, np.ndarray] | None:
        """The first of ``names`` with enough years of data, cut at its coverage end."""
        for name in names:
            if name not in rows.columns:
                continue
            s = rows.select("year", name).drop_nulls()
            end = (coverage or {}).get(name)
            if end is not None:
                s = s.filter(pl.col("year") <= end)
            if s.height >= self.min_years and float(s[name].max() or 0) > 0:  # type: ignore[arg-type]
                return name, s["year"].to_numpy().astype(float), s[name].to_numpy().astype(float)
        return None

    def _fit_one(
        self, rows: pl.DataFrame, coverage: dict[str, int | None] | None = None
    ) -> SeriesFits:
        s_fit: SFit | None = None
        s_name: str | None = None
        until: int | None = None
        # A cumulative series is flat after its source stops (patents and papers of the
        # demo end in 2015): fitting through that tail would invent a saturation, so each
        # series is cut at its kind's coverage end.
        s = self._series(rows, tuple(self.s_series), coverage)
        if s is not None:
            name, t, y = s
            end = (coverage or {}).get(name)
            if end is not None and int(rows["year"].max() or 0) > end:  # type: ignore[arg-type]
                until = int(end)
            # Start the cumulative series at its first non-zero year.
            nz = np.nonzero(y > 0)[0]
            t, y = t[nz[0] :], y[nz[0] :]
            s_name = name
            if len(t) >= self.min_years:
                s_fit = fit_s_curve(
                    t,
                    y,
                    curve=self.curve,
                    series=name,
                    kappa_max_ratio=self.kappa_max_ratio,
                    steady_ratio=self.steady_ratio,
                )
        a = self._series(rows, tuple(self.attention_series))
        if a is None:
            return SeriesFits(s_fit, None, s_name, None, until)
        name, t, y = a
        return SeriesFits(s_fit, fit_bell(t, y, series=name), s_name, name, until)

    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One assessment per row of ``summary`` from the fits made in :meth:`fit`."""
        self._check_fitted()
        out = []
        for row in summary.iter_rows(named=True):
            sid = str(row["subfield_id"])
            fits = self.params_.get(sid)
            if fits is None:
                if indicators is None:
                    raise AssessError.of("assess.timeseries.not_fitted_for", id=sid)
                year = to_date(row["as_of"]).year
                fits = self._fit_one(
                    indicators.filter(
                        (pl.col("subfield_id") == sid) & (pl.col("year") <= year)
                    ).sort("year")
                )
            out.append(self._assess(sid, to_date(row["as_of"]).year, fits))
        return out

    def _assess(self, sid: str, year: int, fits: SeriesFits) -> Assessment:
        sf, bf = fits.s, fits.bell
        if sf is None or bf is None:
            missing = self._missing_fits(sf, bf)
            return Assessment(sid, self.name, None, None, None, 0.0, tuple(missing), "insufficient")
        share = None if sf.accelerating else sf.last_value / sf.kappa
        reasons = [self._s_curve_reason(sf, share)]
        if fits.s_until is not None:
            until = fits.s_until
            values = {"series": _words(sf.series), "until": until}
            reasons.append(Reason("coverage", until, _R + "coverage", values))
        ratio = bf.last_value / bf.observed_peak if bf.observed_peak > 0 else 0.0
        reasons.append(_bell_reason(bf, ratio))
        phase, f, rule = self._rule(year, share, ratio, bf)
        reasons.append(Reason("rule", phase.value, rule.key, rule.values))
        band, why = self._band(phase, year, share, sf)
        reasons.append(Reason("years_band", band.value, why.key, why.values))
        fit_quality = clip01(min(sf.r2, bf.r2))
        conf = 0.2 + 0.5 * fit_quality + (0.2 if share is not None else 0.0)
        return Assessment(
            subfield_id=sid,
            model=self.name,
            phase=phase,
            position=position_in(phase, f),
            years_band=band,
            confidence=round(clip01(conf), 2),
            reasons=tuple(reasons),
        )

    def _missing_fits(self, sf: SFit | None, bf: BellFit | None) -> list[Reason]:
        missing: list[Reason] = []
        if sf is None:
            values: dict[str, ReasonValue] = {"min_years": self.min_years}
            missing.append(Reason("s_curve", None, _R + "no_s_curve", values))
        if bf is None:
            values = {"series": ", ".join(self.attention_series), "min_years": self.min_years}
            missing.append(Reason("attention_bell", None, _R + "no_bell", values))
        return missing

    def _s_curve_reason(self, sf: SFit, share: float | None) -> Reason:
        if share is None:
            key = _R + ("steady" if sf.steady else "accelerating")
            values = {
                "series": _words(sf.series),
                "value": sf.last_value,
                "within": 1 - self.steady_ratio,
            }
            return Reason(sf.series, sf.last_value, key, values)
        values = {
            "curve": sf.curve,
            "series": _words(sf.series),
            "kappa": sf.kappa,
            "t_m": sf.t_m,
            "growth_time": sf.growth_time,
            "year": sf.last_year,
            "share": share,
            "r2": sf.r2,
        }
        return Reason(sf.series, round(share, 3), _R + "s_curve", values)

    def _rule(
        self, year: int, share: float | None, ratio: float, bf: BellFit
    ) -> tuple[Phase, float, Phrase]:
        """The phase, the fraction through it, and the rule that decided."""
        z = (year - bf.mu) / bf.sigma
        past_peak = bf.observed_peak_year < bf.last_year and year > bf.mu
        if share is not None and share >= self.plateau_share:
            f = (share - self.plateau_share) / (1 - self.plateau_share)
            values = {"share": share, "plateau": self.plateau_share}
            return Phase.PLATEAU, f, Phrase(_R + "rule.plateau", values)
        if share is not None and share >= self.slope_share:
            f = (share - self.slope_share) / (self.plateau_share - self.slope_share)
            values = {"share": share, "slope": self.slope_share, "plateau": self.plateau_share}
            return Phase.SLOPE, f, Phrase(_R + "rule.slope", values)
        if past_peak and ratio < self.trough_ratio:
            f = 0.5 * clip01((self.trough_ratio - ratio) / self.trough_ratio + 0.3)
            if share is not None:
                f = max(f, 0.5 + 0.5 * clip01((share - 0.1) / (self.slope_share - 0.1)))
            values = {"ratio": ratio, "trough": self.trough_ratio, "slope": self.slope_share}
            return Phase.TROUGH, f, Phrase(_R + "rule.trough", values)
        if z < -self.trigger_z:
            f = clip01((z + 3.0) / (3.0 - self.trigger_z))
            values = {"year": year, "z": -z, "trigger_z": self.trigger_z}
            return Phase.TRIGGER, f, Phrase(_R + "rule.trigger", values)
        if z < 0:
            f = 0.5 * clip01((z + self.trigger_z) / self.trigger_z)
        else:
            f = 0.5 + 0.5 * clip01((1 - ratio) / (1 - self.trough_ratio))
        values = {"year": year, "trigger_z": self.trigger_z}
        return Phase.PEAK, f, Phrase(_R + "rule.peak", values)

    def _band(
        self, phase: Phase, year: int, share: float | None, sf: SFit
    ) -> tuple[YearsBand, Phrase]:
        """The years-to-plateau band, and why."""
        if phase is Phase.PLATEAU:
            return YearsBand.LT2, Phrase(_R + "band.plateau")
        if share is not None:
            left = max(sf.t90 - year, 0.0)
            band = YearsBand.from_years(left)
            values = {"t90": sf.t90, "left": left, "year": year, "band": band.value}
            return band, Phrase(_R + "band.expected", values)
        band = YearsBand.GT10 if phase in (Phase.TRIGGER, Phase.PEAK) else YearsBand.Y5_10
        values = {"phase": phase.value, "band": band.value}
        return band, Phrase(_R + "band.not_identifiable", values)


def _bell_reason(bf: BellFit, ratio: float) -> Reason:
    values: dict[str, ReasonValue] = {
        "series": bf.series,
        "mu": bf.mu,
        "sigma": bf.sigma,
        "r2": bf.r2,
        "year": bf.last_year,
        "ratio": ratio,
        "peak_year": bf.observed_peak_year,
    }
    return Reason("attention_bell", round(bf.mu, 1), _R + "bell", values)


__all__ = [
    "BellFit",
    "SFit",
    "SeriesFits",
    "TimeSeriesModel",
    "bell",
    "fit_bell",
    "fit_s_curve",
    "gompertz",
    "logistic",
]
