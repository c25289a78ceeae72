"""The ``summary`` table: one row per sub-field at the as-of date.

Every sub-field in ``subfields`` gets a row, with zeros and nulls when it has no
evidence, so the assessment can call it "insufficient".

**Totals.** ``patents_cum``, ``papers_cum``, ``articles_total``, ``fin_events`` and
``fin_amount_*`` are totals over all years up to as-of (an amount total is null only
when no event disclosed that amount), plus ``fin_undisclosed`` (events with no amount
at all; events from financing count series are undisclosed by nature).

**birth_year** = the earliest year with at least ``birth_min_count`` matched paper
records, or a primary paper count ≥ ``birth_min_count`` in one source.
``birth_evidence`` is the earliest matched paper record of that year (its
``record_id``, e.g. ``cnki:…``) or, when only a count series reaches back that far,
``counts:<source>:<term>:<year>``. A record wins a tie: it is something an expert can
open and check for a false match.

**opinion_index** = the mean yearly value over the last ``opinion_window`` years up to
the as-of year (missing years = 0), scaled so the top sub-field is 100 (null for all
when the store has no article evidence in that window).

**Attention.** ``attention_peak_year`` = the year of the highest attention (earliest on
ties); ``attention_vs_peak`` = attention in the latest year with a value / peak
attention (0–1; null when the peak is 0). ``attention_latest`` = that latest attention
value itself (0–100, on the common scale of the per-year attention, so it compares
across sub-fields: a sub-field with attention but no opinion index or financing can
still be "hot"), in year ``attention_latest_year``. ``attention_growth`` = mean of the
relative year-on-year changes of the share over the last ``attention_growth_years``
(2) transitions ending at the latest attention year; each transition averages the
changes of the sources present in both years (so a source starting or ending does not
fake a jump); null when no base share is > 0.

**patent_growth / paper_growth** = mean relative YoY change over the last
``growth_years`` (3) transitions ending at the last complete year with data: the as-of
year minus 1 (the as-of year itself if as-of is 31 December), but no later than the
last year any record or matched count series of that kind covers (so a source that
ends in 2015 is not read as a collapse). The series is the share Σcount / Σtotal of the
sub-field's primary count series of that kind when they carry totals (normalised for
the database's own growth), else the raw yearly count (records + counts, missing years
= 0). Transitions from a zero base are skipped; null when none is defined.

**evidence_years** = distinct years with a matched record or a primary count > 0.
``patents_coverage_end`` / ``papers_coverage_end``: the last year the store's patent /
paper sources cover (:func:`~techcurve.indicators.series.volume_coverage_end`).

**hype_level, hype_vs_peak, hype_peak_year, hype_growth, hype_sources,
hype_latest_year**: the hype side read from the shares against each source's own items
(:mod:`~techcurve.indicators.hype`).
"""

from __future__ import annotations

from typing import cast

import polars as pl

from techcurve.indicators.frames import FIN_AMOUNTS, Evidence, YearTable, disclosed_amounts
from techcurve.indicators.hype import hype_summary
from techcurve.indicators.params import IndicatorParams
from techcurve.indicators.series import SERIES, last_complete_year, mean_growth, volume_coverage_end
from techcurve.store.indicators import SUMMARY_COLUMNS

#: summary columns that are 0, not null, for a sub-field without evidence
_ZERO_WHEN_MISSING = (
    "patents_cum",
    "papers_cum",
    "articles_total",
    "fin_events",
    "evidence_years",
    "fin_undisclosed",
    "hype_sources",
)


def summary_table(ev: Evidence, table: YearTable, params: IndicatorParams) -> pl.DataFrame:
    """The ``summary`` frame (:data:`SUMMARY_COLUMNS`) of every sub-field, by id."""
    att_sum = _attention_summary(table.indicators)
    parts = (
        _totals(table),
        _birth(ev, params),
        _opinion(ev, table, params),
        att_sum,
        _attention_growth(table.attention_shares, att_sum, params),
        *(_growth(ev, table, params, kind) for kind in ("patent", "paper")),
        _evidence_years(ev),
        hype_summary(table.source_shares, ev.known),
    )
    summary = ev.subfields.with_columns(pl.lit(ev.as_of, pl.Date).alias("as_of"))
    for frame in parts:
        summary = summary.join(frame, on="subfield_id", how="left")
    summary = summary.with_columns(
        *(pl.col(c).fill_null(0) for c in _ZERO_WHEN_MISSING),
        *(
            pl.when(pl.col("fin_events").fill_null(0) == 0)
            .then(pl.lit(0.0))
            .otherwise(pl.col(a))
            .alias(a)
            for a in FIN_AMOUNTS
        ),
    )
    cov = volume_coverage_end(
        ev.volumes.group_by("kind", "year").agg(pl.col("n").sum().cast(pl.Float64).alias("v")),
        ev.counts,
    )
    summary = summary.with_columns(
        pl.lit(cov.get("patent")).alias("patents_coverage_end"),
        pl.lit(cov.get("paper")).alias("papers_coverage_end"),
    )
    return summary.select(pl.col(c).cast(t) for c, t in SUMMARY_COLUMNS.items()).sort("subfield_id")


def _totals(table: YearTable) -> pl.DataFrame:
    """The counts and amounts over all years; an amount total is null only when no
    event at all disclosed that amount."""
    totals = table.indicators.group_by("subfield_id").agg(
        pl.col("patents").sum().alias("patents_cum"),
        pl.col("papers").sum().alias("papers_cum"),
        pl.col("articles").sum().alias("articles_total"),
        pl.col("fin_events").sum().alias("fin_events"),
        *(pl.col(a).sum().alias(a) for a in FIN_AMOUNTS),
    )
    disclosed = table.rows.group_by("subfield_id").agg(
        *(pl.col(a + "_n").fill_null(0).sum().alias(a + "_n") for a in FIN_AMOUNTS),
        pl.col("fin_undisclosed").sum().alias("fin_undisclosed"),
    )
    return totals.join(disclosed, on="subfield_id", how="left").with_columns(disclosed_amounts())


def _birth(ev: Evidence, p: IndicatorParams) -> pl.DataFrame:
    """``birth_year`` and ``birth_evidence``: a record wins a tie with a count series."""
    # papers have no site but a source: one links row per sub-field, year and source
    papers = (
        ev.links.filter(pl.col("kind") == "paper")
        .group_by("subfield_id", "year")
        .agg(
            pl.col("n").sum(),
            pl.col("first_paper")
            .sort_by("first_paper_date", "first_paper", nulls_last=True)
            .first(),
        )
    )
    rec_birth = (
        papers.filter(pl.col("n") >= p.birth_min_count)
        .sort("subfield_id", "year")
        .group_by("subfield_id", maintain_order=True)
        .first()
        .select(
            "subfield_id",
            pl.col("year").cast(pl.Int32).alias("_ry"),
            pl.col("first_paper").alias("_re"),
        )
    )
    cnt_birth = (
        ev.yearly.filter((pl.col("kind") == "paper") & (pl.col("count") >= p.birth_min_count))
        .sort(["subfield_id", "year", "source", "term"])
        .group_by("subfield_id", maintain_order=True)
        .first()
        .select(
            "subfield_id",
            pl.col("year").cast(pl.Int32).alias("_cy"),
            pl.format("counts:{}:{}:{}", "source", "term", "year").alias("_ce"),
        )
    )
    return (
        rec_birth.join(cnt_birth, on="subfield_id", how="full", coalesce=True)
        .with_columns(
            use_rec=pl.col("_ry").is_not_null()
            & (pl.col("_cy").is_null() | (pl.col("_ry") <= pl.col("_cy")))
        )
        .select(
            "subfield_id",
            pl.when("use_rec").then("_ry").otherwise("_cy").alias("birth_year"),
            pl.when("use_rec").then("_re").otherwise("_ce").alias("birth_evidence"),
        )
    )


def _opinion(ev: Evidence, table: YearTable, p: IndicatorParams) -> pl.DataFrame:
    """The opinion index over the window, scaled to the top sub-field."""
    as_of = ev.as_of
    first_year = as_of.year - p.opinion_window + 1
    in_window = pl.col("year").is_between(first_year, as_of.year)
    window_has_articles = table.article_years.filter(in_window).height > 0
    op_window = (
        table.indicators.filter(in_window)
        .group_by("subfield_id")
        .agg((pl.col("opinion_index").fill_null(0.0).sum() / p.opinion_window).alias("_op"))
    )
    op_window = ev.known.join(op_window, on="subfield_id", how="left").with_columns(
        pl.col("_op").fill_null(0.0)
    )
    top = op_window["_op"].max() if op_window.height else None
    return op_window.select(
        "subfield_id",
        (
            (100.0 * pl.col("_op") / top)
            if (window_has_articles and top)
            else pl.lit(0.0 if window_has_articles else None, pl.Float64)
        ).alias("opinion_index"),
    )


def _attention_summary(indicators: pl.DataFrame) -> pl.DataFrame:
    """Peak year, latest value and year, and latest / peak of the yearly attention
    (with ``_latest_year`` for :func:`_attention_growth`)."""
    att_rows = indicators.filter(pl.col("attention").is_not_null())
    return (
        att_rows.sort(["subfield_id", "attention", "year"], descending=[False, True, False])
        .group_by("subfield_id", maintain_order=True)
        .agg(
            pl.col("year").first().alias("attention_peak_year"),
            pl.col("attention").first().alias("_peak"),
            pl.col("attention").sort_by("year").last().alias("_latest"),
            pl.col("year").max().alias("_latest_year"),
        )
        .with_columns(
            pl.when(pl.col("_peak") > 0)
            .then(pl.col("_latest") / pl.col("_peak"))
            .otherwise(None)
            .alias("attention_vs_peak"),
            pl.col("_latest").alias("attention_latest"),
            pl.col("_latest_year").alias("attention_latest_year"),
        )
    )


def _attention_growth(
    shares: pl.DataFrame, att_sum: pl.DataFrame, p: IndicatorParams
) -> pl.DataFrame:
    """``attention_growth``: the mean change of the sources' shares over the last
    transitions ending at the latest attention year."""
    src_share = shares.select("subfield_id", "source", pl.col("year").cast(pl.Int32), "share")
    prev = src_share.select(
        "subfield_id", "source", (pl.col("year") + 1).alias("year"), pl.col("share").alias("_prev")
    )
    return (
        src_share.join(prev, on=["subfield_id", "source", "year"], how="inner")
        .filter(pl.col("_prev") > 0)
        .sort("subfield_id", "year", "source")
        .group_by("subfield_id", "year")
        .agg((pl.col("share") / pl.col("_prev") - 1.0).mean().alias("_g"))
        .join(att_sum.select("subfield_id", "_latest_year"), on="subfield_id", how="inner")
        .filter(pl.col("year") > pl.col("_latest_year") - p.attention_growth_years)
        .sort("subfield_id", "year")
        .group_by("subfield_id")
        .agg(pl.col("_g").mean().alias("attention_growth"))
    )


def _growth(ev: Evidence, table: YearTable, p: IndicatorParams, kind: str) -> pl.DataFrame:
    """``patent_growth`` or ``paper_growth`` (``kind``): of the share series where the
    sub-field's count series carry totals, else of the raw yearly counts."""
    name = f"{kind}_growth"
    covered_counts = ev.counts.join(ev.matched_series, on=SERIES, how="semi")
    ends = [
        cast(int | None, ev.volumes.filter(pl.col("kind") == kind)["year"].max()),
        cast(int | None, covered_counts.filter(pl.col("kind") == kind)["year"].max()),
    ]
    data_end = max((int(e) for e in ends if e is not None), default=None)
    if data_end is None:
        return pl.DataFrame(schema={"subfield_id": pl.Utf8, name: pl.Float64})
    last = min(last_complete_year(ev.as_of), data_end)
    window = pl.col("year").is_between(last - p.growth_years + 1, last)
    ks = ev.yearly.filter(pl.col("kind") == kind)
    with_totals = ks.filter(pl.col("has_total") & (pl.col("total") > 0))
    share_ids = with_totals.select("subfield_id").unique()
    shares = with_totals.group_by("subfield_id", "year").agg(
        (pl.col("count").sum() / pl.col("total").sum()).alias("v")
    )
    g_share = mean_growth(shares.with_columns(pl.col("year").cast(pl.Int32)), "v", window)
    grid = ev.known.join(share_ids, on="subfield_id", how="anti").join(
        pl.DataFrame(
            {"year": list(range(last - p.growth_years, last + 1))}, schema={"year": pl.Int32}
        ),
        how="cross",
    )
    col = f"{kind}s"
    raw = grid.join(
        table.rows.select("subfield_id", "year", col), on=["subfield_id", "year"], how="left"
    ).select("subfield_id", "year", pl.col(col).fill_null(0).cast(pl.Float64).alias("v"))
    g_raw = mean_growth(raw, "v", window)
    return pl.concat([g_share, g_raw]).rename({"growth": name})


def _evidence_years(ev: Evidence) -> pl.DataFrame:
    """``evidence_years``: distinct years with a matched record or a primary count > 0."""
    return (
        pl.concat(
            [
                ev.links.select("subfield_id", pl.col("year").cast(pl.Int32)),
                ev.series_rows.filter(pl.col("count") > 0).select(
                    "subfield_id", pl.col("year").cast(pl.Int32)
                ),
            ]
        )
        .unique()
        .group_by("subfield_id")
        .agg(pl.len().cast(pl.Int64).alias("evidence_years"))
    )


def shares(summary: pl.DataFrame, column: str = "patents_cum") -> pl.DataFrame:
    """Each sub-field's share (percent) of its domain's and of the overall ``column`` total.

    Returns ``subfield_id, domain_id, value, share_of_domain, share_of_all``; shares are
    null where the denominator is 0. Within a domain with a positive total, the shares
    add up to 100.
    """
    return summary.select(
        "subfield_id",
        "domain_id",
        pl.col(column).cast(pl.Float64).alias("value"),
    ).with_columns(
        pl.when(pl.col("value").sum().over("domain_id") > 0)
        .then(100.0 * pl.col("value") / pl.col("value").sum().over("domain_id"))
        .otherwise(None)
        .alias("share_of_domain"),
        pl.when(pl.col("value").sum() > 0)
        .then(100.0 * pl.col("value") / pl.col("value").sum())
        .otherwise(None)
        .alias("share_of_all"),
    )
