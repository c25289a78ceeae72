"""The snapshot model on the hype side read from shares against each source's own items
(summary columns hype_*): what stands in for the attention series, the rising and
through-the-trough rules, faded without any recent match, and the reason given when no
hype evidence is recent."""

from __future__ import annotations

from typing import Any

import polars as pl

from techcurve.assess import SnapshotModel
from techcurve.assess.snapshot_signals import merge_hype
from techcurve.datatypes import Assessment, Phase, YearsBand
from test_assess import BACKGROUND, SUMMARY_SCHEMA, row

SCHEMA: dict[str, Any] = {
    **SUMMARY_SCHEMA,
    "attention_latest": pl.Float64,
    "attention_latest_year": pl.Int32,
    "hype_level": pl.Float64,
    "hype_vs_peak": pl.Float64,
    "hype_peak_year": pl.Int32,
    "hype_growth": pl.Float64,
    "hype_sources": pl.Int64,
    "hype_latest_year": pl.Int32,
}


def place(*rows: dict[str, Any]) -> dict[str, Assessment]:
    bg = [{**r, "hype_level": 0.1 + 0.05 * i, "hype_sources": 3, "hype_latest_year": 2022}
          for i, r in enumerate(BACKGROUND)]  # fmt: skip
    s = pl.DataFrame([*bg, *rows], schema=SCHEMA, orient="row")
    return {a.subfield_id: a for a in SnapshotModel().fit(s).predict(s)}


def texts(a: Assessment) -> str:
    return " | ".join(r.text() for r in a.reasons)


def hyped(sid: str, **kw: Any) -> dict[str, Any]:
    base = {"hype_sources": 4, "hype_latest_year": 2022}
    return row(sid, **(base | kw))


def test_hype_columns_stand_in_for_the_attention_series_where_known() -> None:
    s = pl.DataFrame(
        [
            hyped("x", hype_level=0.42, hype_vs_peak=0.3, hype_peak_year=2018, hype_growth=-0.2,
                  attention_latest=10.0),
            hyped("y", hype_level=None, attention_vs_peak=0.7, attention_latest=None),
        ],
        schema=SCHEMA,
        orient="row",
    )  # fmt: skip
    got = merge_hype(s).select(
        "attention_latest", "attention_vs_peak", "attention_peak_year", "attention_growth"
    )
    assert got.rows() == [(42.0, 0.3, 2018, -0.2), (None, 0.7, 2022, 0.05)]


def test_an_old_umbrella_term_whose_attention_rises_fast_is_early_not_on_the_slope() -> None:
    # born 1970 (an old paper count), many papers, few patents; attention ×2.8 in two
    # years and at its own peak: the brain-computer-interface case
    a = place(
        hyped("bci", patents_cum=27, papers_cum=3789, birth_year=1970, hype_level=0.28,
              hype_vs_peak=0.89, hype_peak_year=2022, hype_growth=1.83)
    )["bci"]  # fmt: skip
    assert a.phase is Phase.TRIGGER, texts(a)
    assert "attention growing +183%/yr (> +30%) near its own peak" in texts(a)


def test_hot_and_rising_fast_is_the_peak() -> None:
    a = place(
        hyped("agents", patents_cum=2000, birth_year=1964, hype_level=0.97, hype_vs_peak=1.0,
              hype_peak_year=2022, hype_growth=5.0)
    )["agents"]  # fmt: skip
    assert a.phase is Phase.PEAK, texts(a)


def test_mature_and_long_past_a_moderate_fall_is_through_the_trough() -> None:
    # attention at half of its 2014 peak, 8 years on, with many patents: the slope
    a = place(
        hyped("dl", patents_cum=7000, birth_year=2008, hype_level=0.5, hype_vs_peak=0.49,
              hype_peak_year=2014, hype_growth=-0.26)
    )["dl"]  # fmt: skip
    assert a.phase is Phase.SLOPE, texts(a)
    assert "8 years after it (≥ 6)" in texts(a) and "through the trough" in texts(a)


def test_nothing_matched_in_the_latest_year_after_a_collapse_is_faded() -> None:
    # the GAN case: papers still growing, but no hype source matched it in 2022
    a = place(
        hyped("gan", patents_cum=0, papers_cum=580, birth_year=2014, hype_level=0.0,
              hype_vs_peak=0.0, hype_peak_year=2018, hype_growth=-1.0, paper_growth=0.3)
    )["gan"]  # fmt: skip
    assert a.phase is Phase.TROUGH, texts(a)
    assert a.years_band is YearsBand.OBSOLETE


def test_no_recent_hype_evidence_is_insufficient_and_says_in_which_years() -> None:
    a = place(hyped("quiet", hype_sources=0, hype_level=0.0, attention_vs_peak=None,
                    attention_peak_year=None, attention_growth=None))["quiet"]  # fmt: skip
    assert a.status == "insufficient"
    assert a.reasons[0].text("zh") == (
        "2020–2022 年间没有任何热度来源（科技媒体、开发者、公众、官方媒体）提到它：无法判断当前热度"
    )
    assert texts(a) == (
        "no hype evidence in 2020–2022 (no tech-media, developer, public or state-media item "
        "matched): its current hype cannot be judged"
    )


def test_hot_and_at_its_own_peak_is_the_peak_even_when_growth_slowed() -> None:
    # the large-models case: top hype level, at 95 % of this year's peak, growth +22 %/yr
    a = place(
        hyped("llm", patents_cum=0, papers_cum=5000, birth_year=2010, hype_level=0.9,
              hype_vs_peak=0.95, hype_peak_year=2022, hype_growth=0.22, opinion_index=60)
    )["llm"]  # fmt: skip
    assert a.phase is Phase.PEAK, texts(a)
    assert "attention at 95% of its 2022 peak (still at it)" in texts(a)
