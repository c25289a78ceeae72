"""The ``indicators`` table: one row per sub-field per year.

**Rows.** A sub-field has a row for every year in which it has a matched record or a
primary count row (even a zero count), so time series stay dense where the sources
cover them.

**patents / papers / articles** per year = matched records of that kind + the primary
count series of that kind (summed over sources, rounded to whole numbers); ``*_cum`` is
the running sum over the sub-field's years. Financing count series add to
``fin_events`` the same way.

**Financing** (matched ``financing`` records): ``fin_events`` counts events;
``fin_amount_{point,low,high}_cny`` sum the *disclosed* amounts only. An undisclosed
(null) amount never counts as 0: a year whose events are all undisclosed has a null
amount (0.0 only when there were no events).

**opinion_index** per year = 100 × Σ_site weight(site) × matched articles of the site
that year / all articles of the site that year (shares, because sites differ in size).
The site is the record's ``venue`` (else its ``source``); primary article count series
count as one site each (their source), with share = count / total. Weights come from
``opinion_weights`` ({site: weight}, matched case-insensitively), default
``opinion_default_weight`` (1.0). The value is 0 in years where the store holds any
article evidence but none for the sub-field, and null in years without any.

**attention** per year: for each attention source, the primary series' share =
count / total (a source without totals uses the raw count); monthly shares are averaged
into a yearly mean share (a whole-year row wins). Each source is then scaled so its
largest share over all sub-fields and years is 100, and ``attention`` is the mean over
the sources that have a value that year (null where none does).

**paper_share … state_share** per year: shares against each source's own items,
averaged over the sources of one subrole (:mod:`~techcurve.indicators.shares`). They
read only evidence of that year, so they are free of later evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from techcurve.indicators.params import IndicatorParams
from techcurve.indicators.series import SERIES, counted_counts, primary_series, yearly_series
from techcurve.indicators.shares import ShareInputs, role_shares, source_shares
from techcurve.indicators.sources import load_registry
from techcurve.store.indicators import INDICATOR_COLUMNS

#: ``indicators`` amount column → the record column it sums
FIN_AMOUNTS = {
    "fin_amount_point_cny": "amount_point_cny",
    "fin_amount_low_cny": "amount_low_cny",
    "fin_amount_high_cny": "amount_high_cny",
}


def disclosed_amounts() -> list[pl.Expr]:
    """Each :data:`FIN_AMOUNTS` column as its sum where some event disclosed an amount
    (``<column>_n`` > 0), 0 where there were no events, else null (never 0 for
    undisclosed)."""
    return [
        pl.when(pl.col(a + "_n").fill_null(0) > 0)
        .then(pl.col(a))
        .when(pl.col("fin_events") == 0)
        .then(pl.lit(0.0))
        .otherwise(None)
        .alias(a)
        for a in FIN_AMOUNTS
    ]


#: record kind → the yearly count column
_KIND_COLUMNS = (
    ("patent", "patents"),
    ("paper", "papers"),
    ("article", "articles"),
    ("financing", "fin_events"),
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The inputs of the indicator rules, cut off at the as-of date."""

    as_of: date
    subfields: pl.DataFrame  # subfield_id, domain_id
    known: pl.DataFrame  # subfield_id
    links: pl.DataFrame  # link stats of known sub-fields (LINK_STATS_COLUMNS)
    volumes: pl.DataFrame  # all records per (kind, year, site) (VOLUME_COLUMNS)
    counts: pl.DataFrame  # the count rows counted at as-of, of every series
    series_rows: pl.DataFrame  # the rows of the primary series, with their subfield_id
    yearly: pl.DataFrame  # the primary series per year (yearly_series), in key order
    matched_series: pl.DataFrame  # source, term, kind of every series linked to a sub-field


def gather_evidence(
    subfields: pl.DataFrame,
    links: pl.DataFrame,
    volumes: pl.DataFrame,
    counts: pl.DataFrame,
    count_matches: pl.DataFrame,
    *,
    as_of: date,
) -> Evidence:
    """The :class:`Evidence` of the known sub-fields at ``as_of``."""
    subs = subfields.select(pl.col("subfield_id").cast(pl.Utf8), pl.col("domain_id").cast(pl.Utf8))
    known = subs.select("subfield_id")
    cnts = counted_counts(counts, as_of)
    series = primary_series(cnts, count_matches.join(known, on="subfield_id", how="semi"))
    series_rows = cnts.join(series, on=SERIES, how="inner")
    return Evidence(
        as_of=as_of,
        subfields=subs,
        known=known,
        links=links.join(known, on="subfield_id", how="semi"),
        volumes=volumes,
        counts=cnts,
        series_rows=series_rows,
        # in key order: the sums and means over it then add up in the same order every
        # run (a group-by's row order is arbitrary), so repeated runs give identical floats
        yearly=yearly_series(series_rows).sort("subfield_id", *SERIES, "year"),
        matched_series=count_matches.select(SERIES).unique(),
    )


@dataclass(frozen=True, slots=True)
class YearTable:
    """The ``indicators`` table and what the summary reads beside it."""

    indicators: pl.DataFrame  # INDICATOR_COLUMNS, by sub-field and year
    #: the rows of ``indicators`` with every column, among them ``fin_amount_*_n`` (the
    #: disclosed amounts) and ``fin_undisclosed`` (events with no amount)
    rows: pl.DataFrame
    article_years: pl.DataFrame  # year: the years with any article evidence
    #: attention series per (sub-field, source, year): ``share`` and its ``_scaled`` value
    attention_shares: pl.DataFrame
    #: shares against each source's own items (:data:`~.shares.SOURCE_SHARE_COLUMNS`)
    source_shares: pl.DataFrame


def year_table(ev: Evidence, params: IndicatorParams) -> YearTable:
    """The per-year indicators of every sub-field with evidence."""
    rows = _yearly_counts(ev)
    opinion, article_years = _opinion_index(ev, params)
    rows = rows.join(opinion, on=["subfield_id", "year"], how="left")
    rows = rows.join(
        article_years.with_columns(pl.lit(True).alias("_art_year")), on="year", how="left"
    ).with_columns(
        pl.when(pl.col("_art_year").fill_null(False))
        .then(pl.col("opinion_index").fill_null(0.0))
        .otherwise(None)
        .alias("opinion_index")
    )
    shares = _attention_shares(ev)
    attention = shares.group_by("subfield_id", pl.col("year").cast(pl.Int32)).agg(
        pl.col("_scaled").mean().alias("attention")
    )
    rows = rows.join(attention, on=["subfield_id", "year"], how="left")
    per_source = source_shares(
        ShareInputs(ev.known, ev.links, ev.volumes, ev.yearly), load_registry(params.sources)
    )
    rows = rows.join(role_shares(per_source), on=["subfield_id", "year"], how="left")
    indicators = rows.select(pl.col(c).cast(t) for c, t in INDICATOR_COLUMNS.items()).sort(
        "subfield_id", "year"
    )
    return YearTable(indicators, rows, article_years, shares, per_source)


def _yearly_counts(ev: Evidence) -> pl.DataFrame:
    """Patents, papers, articles and financing events per sub-field and year (records +
    primary count series), with the financing amounts and the running sums."""
    fin = pl.col("kind") == "financing"
    rec_year = ev.links.group_by("subfield_id", "year").agg(
        *(
            pl.col("n").filter(pl.col("kind") == k).sum().cast(pl.Float64).alias(name)
            for k, name in _KIND_COLUMNS
        ),
        *(pl.col(src).filter(fin).sum().alias(dst) for dst, src in FIN_AMOUNTS.items()),
        *(
            pl.col(src + "_n").filter(fin).sum().alias(dst + "_n")
            for dst, src in FIN_AMOUNTS.items()
        ),
        pl.col("undisclosed").filter(fin).sum().alias("fin_undisclosed"),
    )
    cnt_year = ev.yearly.group_by("subfield_id", "year").agg(
        *(
            pl.col("count").filter(pl.col("kind") == k).sum().alias(name)
            for k, name in _KIND_COLUMNS
        )
    )
    years = pl.concat(
        [
            ev.links.select("subfield_id", "year"),
            ev.series_rows.select("subfield_id", pl.col("year").cast(pl.Int32)),
        ]
    ).unique()
    base = years.join(rec_year, on=["subfield_id", "year"], how="left").join(
        cnt_year, on=["subfield_id", "year"], how="left", suffix="_c"
    )
    base = base.with_columns(
        *(
            (pl.col(c).fill_null(0.0) + pl.col(c + "_c").fill_null(0.0))
            .round(0)
            .cast(pl.Int64)
            .alias(c)
            for _, c in _KIND_COLUMNS
        ),
        (
            pl.col("fin_undisclosed").fill_null(0)
            + pl.col("fin_events_c").fill_null(0.0).round(0).cast(pl.Int64)
        ).alias("fin_undisclosed"),
    )
    base = base.with_columns(disclosed_amounts()).sort("subfield_id", "year")
    return base.with_columns(
        *(
            pl.col(c).cum_sum().over("subfield_id").alias(c + "_cum")
            for c in ("patents", "papers", "articles")
        )
    )


def _opinion_index(ev: Evidence, p: IndicatorParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(opinion, article_years)``: the opinion index per sub-field and year where the
    sub-field has article evidence, and the years with any article evidence."""
    weights = pl.DataFrame(
        {
            "_site_key": [k.strip().lower() for k in p.opinion_weights],
            "_w": list(p.opinion_weights.values()),
        },
        schema={"_site_key": pl.Utf8, "_w": pl.Float64},
    )
    site_totals = (
        ev.volumes.filter(pl.col("kind") == "article")
        .group_by("site", "year")
        .agg(pl.col("n").sum().alias("_site_n"))
    )
    rec_shares = (
        ev.links.filter(pl.col("kind") == "article")
        .group_by("subfield_id", "site", "year")
        .agg(pl.col("n").sum().alias("_n"))
        .join(site_totals, on=["site", "year"], how="inner")
        .select("subfield_id", "site", "year", (pl.col("_n") / pl.col("_site_n")).alias("_share"))
    )
    art_series = ev.yearly.filter((pl.col("kind") == "article") & (pl.col("total") > 0))
    cnt_shares = art_series.select(
        "subfield_id",
        pl.col("source").alias("site"),
        pl.col("year").cast(pl.Int32),
        (pl.col("count") / pl.col("total")).alias("_share"),
    )
    opinion = (
        pl.concat([rec_shares.with_columns(pl.col("year").cast(pl.Int32)), cnt_shares])
        .with_columns(pl.col("site").str.strip_chars().str.to_lowercase().alias("_site_key"))
        .join(weights, on="_site_key", how="left")
        .sort("subfield_id", "year", "site", maintain_order=True)  # see Evidence.yearly
        .group_by("subfield_id", "year")
        .agg(
            (
                100.0 * (pl.col("_w").fill_null(p.opinion_default_weight) * pl.col("_share")).sum()
            ).alias("opinion_index")
        )
    )
    article_years = pl.concat(
        [
            site_totals.select(pl.col("year").cast(pl.Int32)),
            ev.counts.filter((pl.col("kind") == "article") & (pl.col("total") > 0)).select(
                pl.col("year").cast(pl.Int32)
            ),
        ]
    ).unique()
    return opinion, article_years


def _attention_shares(ev: Evidence) -> pl.DataFrame:
    """The attention series' yearly shares, each source scaled to 100 at its maximum
    over all sub-fields and years (column ``_scaled``)."""
    att = ev.yearly.filter((pl.col("kind") == "attention") & pl.col("share").is_not_null())
    return att.with_columns(pl.col("share").max().over("source").alias("_max")).with_columns(
        pl.when(pl.col("_max") > 0)
        .then(100.0 * pl.col("share") / pl.col("_max"))
        .otherwise(0.0)
        .alias("_scaled")
    )
