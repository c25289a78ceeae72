"""The time-series model on synthetic curves with known parameters."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from techcurve.assess import TimeSeriesModel, assess
from techcurve.assess.timeseries import bell, fit_bell, fit_s_curve, gompertz, logistic
from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import AssessError

YEARS = np.arange(2000, 2023, dtype=float)
RNG = np.random.default_rng(7)


def noisy(y: np.ndarray, rel: float = 0.02) -> np.ndarray:
    return y * (1 + RNG.normal(0, rel, size=y.shape))


@pytest.mark.parametrize("curve", [logistic, gompertz])
@pytest.mark.parametrize("t_m", [2008.0, 2012.5, 2016.0])
def test_s_curve_recovers_midpoint(curve, t_m: float) -> None:  # type: ignore[no-untyped-def]
    y = np.maximum.accumulate(noisy(curve(YEARS, 20000.0, 0.45, t_m)))
    fit = fit_s_curve(YEARS, y)
    assert fit is not None and not fit.accelerating
    assert abs(fit.t_m - t_m) <= 1.0
    assert fit.kappa == pytest.approx(20000.0, rel=0.15)


def test_logistic_growth_time_is_ln81_over_alpha() -> None:
    fit = fit_s_curve(YEARS, logistic(YEARS, 1000.0, 0.5, 2010.0), curve="logistic")
    assert fit is not None
    assert fit.growth_time == pytest.approx(np.log(81) / 0.5, rel=1e-3)
    assert fit.t90 == pytest.approx(2010 + np.log(9) / 0.5, rel=1e-4)


def test_unbent_series_is_flagged_accelerating() -> None:
    early = YEARS[YEARS <= 2012]
    fit = fit_s_curve(early, logistic(early, 50000.0, 0.4, 2020.0))
    assert fit is not None and fit.accelerating


def test_bell_recovers_peak() -> None:
    fit = fit_bell(YEARS, noisy(bell(YEARS, 80.0, 2014.0, 2.5), 0.05))
    assert fit is not None
    assert abs(fit.mu - 2014.0) <= 1.0 and fit.sigma == pytest.approx(2.5, rel=0.3)


def indicators() -> pl.DataFrame:
    frames = []

    def add(sid: str, patents: np.ndarray, attention: np.ndarray) -> None:
        frames.append(
            pl.DataFrame(
                {
                    "subfield_id": [sid] * len(YEARS),
                    "year": YEARS.astype(int),
                    "patents_cum": patents,
                    "papers_cum": patents / 2,
                    "attention": attention,
                }
            )
        )

    # saturated S-curve, attention long past → plateau
    add("mature", logistic(YEARS, 30000, 0.6, 2006), bell(YEARS, 60, 2005, 3) + 10)
    # S-curve half-way, attention peaked 2017 and fell → trough
    add("fallen", logistic(YEARS, 30000, 0.3, 2024), bell(YEARS, 80, 2017, 1.5))
    # still exponential, attention rising to a peak ahead → trigger
    add("young", logistic(YEARS, 9e5, 0.5, 2035), bell(YEARS, 90, 2027, 2.5))
    # thin: three years only → insufficient
    add("thin", np.where(YEARS >= 2020, 5.0, np.nan), np.where(YEARS >= 2020, 1.0, np.nan))
    return pl.concat(frames)


def summary() -> pl.DataFrame:
    return pl.DataFrame(
        {"subfield_id": ["mature", "fallen", "young", "thin"], "as_of": [date(2022, 11, 24)] * 4}
    )


def test_model_phases_on_synthetic_subfields() -> None:
    m = TimeSeriesModel().fit(summary(), indicators=indicators())
    res = {a.subfield_id: a for a in m.predict(summary())}
    assert res["mature"].phase is Phase.PLATEAU and res["mature"].years_band is YearsBand.LT2
    assert res["fallen"].phase is Phase.TROUGH
    assert res["young"].phase is Phase.TRIGGER
    assert any(
        "still accelerating — saturation not yet identifiable" in r.text()
        for r in res["young"].reasons
    )
    assert res["thin"].status == "insufficient" and res["thin"].phase is None
    for a in res.values():
        if a.phase is not None:
            assert a.position is not None and Phase.at(a.position) is a.phase
        for r in a.reasons:  # every reason reads in Chinese too
            assert r.text("zh") != r.text("en") and "{" not in r.text("zh")
    assert res["young"].reasons[0].text("zh").startswith("累计专利 ")


def test_timeseries_needs_indicators_and_fit() -> None:
    with pytest.raises(AssessError, match="needs the indicators table"):
        TimeSeriesModel().fit(summary())
    with pytest.raises(AssessError, match=r"call fit\(\) first"):
        TimeSeriesModel().predict(summary())


def test_assess_with_timeseries_model() -> None:
    out = assess(summary(), indicators(), model="timeseries", params={"min_years": 5})
    assert out["model"].to_list() == ["timeseries"] * 4
    assert out.filter(pl.col("subfield_id") == "mature")["phase"].item() == "plateau"


def test_s_curve_stops_where_the_source_stops() -> None:
    """Patents that end in 2015 are not a saturation: the fit ignores the flat tail."""
    years = np.arange(2000, 2026)
    yearly = np.diff(logistic(np.arange(1999, 2026).astype(float), 100_000.0, 0.35, 2018.0))
    yearly[years > 2015] = 0.0  # the source stops covering after 2015
    cum = np.cumsum(yearly)
    ind = pl.DataFrame(
        {
            "subfield_id": ["x"] * len(years),
            "year": years,
            "patents": yearly,
            "patents_cum": cum,
            "papers": [0.0] * len(years),
            "papers_cum": [0.0] * len(years),
            "attention": 50 * np.exp(-((years - 2017) ** 2) / 8.0),
            "opinion_index": [None] * len(years),
            "articles": [0] * len(years),
        }
    )
    summary = pl.DataFrame(
        {"subfield_id": ["x"], "as_of": [date(2025, 12, 31)], "patents_coverage_end": [2015]}
    )
    model = TimeSeriesModel().fit(summary, indicators=ind)
    fits = model.params_["x"]
    assert fits.s_until == 2015 and fits.s_series == "patents_cum"
    assert fits.s is not None and fits.s.last_year == 2015
    # Up to 2015 the logistic (midpoint 2018) is still accelerating: no κ may be claimed.
    assert fits.s.accelerating


def test_a_series_with_nothing_before_its_coverage_end_is_skipped() -> None:
    """Patents that only start after the source stopped covering give no S-curve (no crash)."""
    years = np.arange(2010, 2026)
    ind = pl.DataFrame(
        {
            "subfield_id": ["y"] * len(years),
            "year": years,
            "patents": [0.0] * 10 + [5.0] * 6,
            "patents_cum": np.cumsum([0.0] * 10 + [5.0] * 6),
            "papers": [0.0] * len(years),
            "papers_cum": [0.0] * len(years),
            "attention": np.linspace(1, 50, len(years)),
            "opinion_index": [None] * len(years),
            "articles": [0] * len(years),
        }
    )
    summary = pl.DataFrame(
        {"subfield_id": ["y"], "as_of": [date(2025, 12, 31)], "patents_coverage_end": [2015]}
    )
    fits = TimeSeriesModel().fit(summary, indicators=ind).params_["y"]
    assert fits.s is None and fits.s_series is None
