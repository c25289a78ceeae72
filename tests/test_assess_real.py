"""The models on REAL series (tests/data/assess, credited in its README).

Assertions are ones a domain expert would accept for the as-of years named; the
synthetic tests (test_assess_timeseries.py) check that fits recover known parameters.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from techcurve.assess import TimeSeriesModel
from techcurve.assess.timeseries import fit_bell, fit_s_curve, gompertz, logistic
from techcurve.datatypes import Phase

DATA = Path(__file__).parent / "data" / "assess"
PATENTS = json.loads((DATA / "patent_dict.json").read_text(encoding="utf-8"))
PAPERS = json.loads((DATA / "paper_dict.json").read_text(encoding="utf-8"))


def cumulative(counts: dict[str, int], last: int) -> tuple[np.ndarray, np.ndarray]:
    """Years and cumulative counts up to ``last``, from the first non-zero year."""
    pairs = sorted((int(y), v) for y, v in counts.items() if int(y) <= last)
    years = np.array([y for y, _ in pairs], dtype=float)
    cum = np.cumsum([v for _, v in pairs]).astype(float)
    first = int(np.nonzero(cum > 0)[0][0])
    return years[first:], cum[first:]


def trends_3d_printing() -> pl.DataFrame:
    """Google Trends "3D printing" as yearly means (months like 'Jan-04' or '12-Jan')."""
    raw = pl.read_csv(DATA / "google_trends_3dprint.csv")

    def year(d: str) -> int:
        a, b = d.split("-")
        return 2000 + int(b if b.isdigit() else a)

    return (
        raw.with_columns(pl.col("date").map_elements(year, return_dtype=pl.Int64).alias("year"))
        .group_by("year")
        .agg(pl.col("popularity").mean().alias("attention"))
        .sort("year")
    )


# 2015 patent counts are partial in the source: "as of 2015" uses data up to 2014.
@pytest.mark.parametrize(
    "term", ["Cloud computing", "Big data", "3D printing", "Augmented reality"]
)
def test_no_saturation_claimed_for_patents_still_taking_off_in_2015(term: str) -> None:
    fit = fit_s_curve(*cumulative(PATENTS[term], 2014))
    assert fit is not None
    assert fit.accelerating, (term, fit)


def test_cloud_computing_papers_as_of_2015_not_saturated() -> None:
    # Cloud-computing titles grew from 1 (2007) to ~3,800 a year by 2013: nobody could
    # read a ceiling off that in 2015, and the model must not pretend to.
    fit = fit_s_curve(*cumulative(PAPERS["Cloud computing"], 2014))
    assert fit is not None and fit.accelerating


def test_quantum_computing_patents_as_of_2015_steady_not_saturated() -> None:
    # ~10 US patents a year for a decade: a straight line, not a saturating S. Saying
    # "61 % of κ" here (what a bare logistic fit says) would call it mature in 2015.
    fit = fit_s_curve(*cumulative(PATENTS["Quantum computer"], 2014))
    assert fit is not None
    assert fit.steady and fit.accelerating


def indicators(term: str, last: int, attention: pl.DataFrame | None = None) -> pl.DataFrame:
    years = list(range(1976, last + 1))
    pat = np.cumsum([PATENTS[term].get(str(y), 0) for y in years])
    pap = np.cumsum([PAPERS[term].get(str(y), 0) for y in years])
    frame = pl.DataFrame(
        {"subfield_id": term, "year": years, "patents_cum": pat, "papers_cum": pap}
    ).with_columns(pl.col("year").cast(pl.Int64))
    if attention is not None:
        frame = frame.join(attention, on="year", how="left")
    return frame


def summary_for(term: str, as_of: date) -> pl.DataFrame:
    return pl.DataFrame({"subfield_id": [term], "as_of": [as_of]})


def test_quantum_computing_2015_without_attention_is_insufficient_not_guessed() -> None:
    ind = indicators("Quantum computer", 2014)
    s = summary_for("Quantum computer", date(2015, 7, 1))
    (a,) = TimeSeriesModel().fit(s, indicators=ind).predict(s)
    assert a.status == "insufficient" and a.phase is None
    assert any("hype bell" in r.text() for r in a.reasons)


def test_3d_printing_attention_peaks_by_2015_and_is_past_it_in_2016() -> None:
    att = trends_3d_printing()
    upto15 = att.filter(pl.col("year") <= 2015)
    bell = fit_bell(upto15["year"].to_numpy(), upto15["attention"].to_numpy())
    assert bell is not None
    assert 2013.5 <= bell.mu <= 2015.5  # the fitted peak year
    by_year = dict(att.iter_rows())
    assert by_year[2016] < by_year[2015]  # past the peak a year later
    assert by_year[2015] > 10 * by_year[2010]  # and the rise was a hype, not noise


def test_3d_printing_as_of_2016_is_past_the_trigger_and_not_mature() -> None:
    # Gartner put consumer 3D printing at the peak in 2012–13 and sliding into the
    # trough in 2014–15: at the peak's far side or in the trough is what an expert accepts.
    ind = indicators("3D printing", 2015, trends_3d_printing())
    s = summary_for("3D printing", date(2016, 12, 31))
    (a,) = TimeSeriesModel().fit(s, indicators=ind.filter(pl.col("year") <= 2016)).predict(s)
    assert a.status == "assessed"
    assert a.phase in (Phase.PEAK, Phase.TROUGH), [r.text() for r in a.reasons]
    assert a.position is not None and a.position > 0.26  # past the top of the bell
    assert any("not yet identifiable" in r.text() for r in a.reasons)


# -- synthetic curves with known parameters: stated tolerances --------------------------
YEARS = np.arange(1995, 2021, dtype=float)


@pytest.mark.parametrize(("curve", "name"), [(logistic, "logistic"), (gompertz, "gompertz")])
def test_known_parameters_recovered_within_tolerance(curve, name: str) -> None:  # type: ignore[no-untyped-def]
    # Noise-free: κ within 5 %, α within 10 %, t_m within half a year.
    y = curve(YEARS, 5000.0, 0.5, 2008.0)
    fit = fit_s_curve(YEARS, y, curve=name)
    assert fit is not None and not fit.accelerating
    assert fit.kappa == pytest.approx(5000.0, rel=0.05)
    assert fit.alpha == pytest.approx(0.5, rel=0.10)
    assert abs(fit.t_m - 2008.0) <= 0.5


def test_bell_recovers_height_and_width() -> None:
    # Noise-free bell: height within 5 %, μ within 0.3 years, σ within 10 %.
    fit = fit_bell(YEARS, 60.0 * np.exp(-0.5 * ((YEARS - 2010.0) / 2.0) ** 2))
    assert fit is not None
    assert fit.height == pytest.approx(60.0, rel=0.05)
    assert abs(fit.mu - 2010.0) <= 0.3
    assert fit.sigma == pytest.approx(2.0, rel=0.10)


def test_straight_line_is_not_read_as_saturation() -> None:
    fit = fit_s_curve(YEARS, 100.0 * (YEARS - 1994.0))
    assert fit is not None and fit.steady and fit.accelerating
