"""The hype side of the summary, from the shares against each source's own items.

Each hype source (subrole media, developer, public or state) is read on its own, then
the sources are combined, so a platform that starts in 2020 (Weibo) does not fake a rise
and one that ends does not fake a fall:

* **hype_level** (0–1): the mean over the hype sources of the sub-field's percentile
  rank among all sub-fields by share (0 when nothing matched) in the source's last year,
  for the sources whose last year is the latest year L with hype evidence (≤ as-of) or
  the one before. Ranks within one year compare
  sub-fields without any maximum over other years.
* per source, the share smoothed over ``SMOOTH_YEARS`` (2) years (the mean of a year and
  the one before); **hype_vs_peak** = the smoothed share in the source's last year / its
  highest value up to then, and **hype_growth** = the yearly rate over two years,
  √(that smoothed share / the one two years earlier) − 1 (null from a zero base, at
  most ``MAX_GROWTH``); both are means over the
  sources that reach L − 2 and where the sub-field has at least ``MIN_MATCHES`` matched
  items and three years, weighted by matched items × years of the source's series (a
  long series tells a fall from a peak better than one that began last year).
* **hype_peak_year**: the year of the highest smoothed share in the longest of those
  series (ties: the most matched items); **hype_sources**: hype sources with a match in
  the last three years up to L.
"""

from __future__ import annotations

import polars as pl

from techcurve.indicators.sources import ROLES
from techcurve.store.indicators import SUMMARY_COLUMNS

#: matched items a source needs before its series shape (peak, growth) is read
MIN_MATCHES = 5
#: years over which a source's yearly share is averaged before its peak is read (the
#: maximum of a noisy series is biased up: smoothing keeps noise from looking like a fall)
SMOOTH_YEARS = 2
#: growth is capped here (a share two years ago near zero makes any ratio huge)
MAX_GROWTH = 10.0
#: the summary's hype columns, typed as the store defines them
HYPE_SUMMARY_COLUMNS: dict[str, pl.DataType] = {
    c: SUMMARY_COLUMNS[c]
    for c in (
        "subfield_id",
        "hype_level",
        "hype_vs_peak",
        "hype_peak_year",
        "hype_growth",
        "hype_sources",
        "hype_latest_year",
    )
}


def hype_summary(shares: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """:data:`HYPE_SUMMARY_COLUMNS` per sub-field of ``known`` (``subfield_id``) from
    the per-source shares (:data:`~techcurve.indicators.shares.SOURCE_SHARE_COLUMNS`)."""
    hype = shares.filter(pl.col("subrole").is_in(ROLES["hype"]))
    empty = known.select(pl.col("subfield_id").cast(pl.Utf8))
    if hype.height == 0:
        return empty.with_columns(
            pl.lit(None, t).alias(c) for c, t in HYPE_SUMMARY_COLUMNS.items() if c != "subfield_id"
        )
    latest = int(hype["year"].max())  # type: ignore[arg-type]
    level = _level(hype, latest)
    shape = _shape(hype, latest)
    recent = (
        hype.filter((pl.col("year") > latest - 3) & (pl.col("n") > 0))
        .group_by("subfield_id")
        .agg(pl.col("source").n_unique().cast(pl.Int64).alias("hype_sources"))
    )
    out = (
        empty.join(level, on="subfield_id", how="left")
        .join(shape, on="subfield_id", how="left")
        .join(recent, on="subfield_id", how="left")
        .with_columns(
            pl.col("hype_sources").fill_null(0),
            pl.lit(latest, pl.Int32).alias("hype_latest_year"),
        )
    )
    return out.select(pl.col(c).cast(t) for c, t in HYPE_SUMMARY_COLUMNS.items())


def _level(hype: pl.DataFrame, latest: int) -> pl.DataFrame:
    """Mean percentile rank by share among sub-fields, per source, in ``latest``."""
    last = pl.col("year").max().over("source", "kind")
    year = hype.filter((pl.col("year") == last) & (last >= latest - 1)).with_columns(
        pl.when(pl.col("share") > 0)
        .then(
            pl.col("share").rank("average").over("source", "kind") / pl.len().over("source", "kind")
        )
        .otherwise(0.0)
        .alias("_rank")
    )
    return year.group_by("subfield_id").agg(
        pl.col("_rank").sort_by("source", "kind").mean().alias("hype_level")
    )


def _shape(hype: pl.DataFrame, latest: int) -> pl.DataFrame:
    """hype_vs_peak, hype_growth and hype_peak_year from the smoothed per-source series."""
    keys = ["subfield_id", "source", "kind"]
    s = hype.filter(pl.col("year") <= latest).sort(*keys, "year")
    s = s.with_columns(
        pl.col("share").rolling_mean(SMOOTH_YEARS, min_samples=1).over(keys).alias("_sm"),
        pl.col("n").sum().over(keys).alias("_w"),
        pl.len().over(keys).alias("_years"),
        pl.col("year").max().over("source", "kind").alias("_last"),
    )
    s = s.with_columns(
        pl.col("_sm").cum_max().over(keys).alias("_max"),
        pl.col("_sm").shift(2).over(keys).alias("_base"),
    )
    per = (
        s.filter((pl.col("year") == pl.col("_last")) & (pl.col("_last") >= latest - 2))
        .filter((pl.col("_w") >= MIN_MATCHES) & (pl.col("_years") >= 3))
        .with_columns(
            pl.when(pl.col("_max") > 0).then(pl.col("_sm") / pl.col("_max")).alias("_ratio"),
            (pl.col("_w") * pl.col("_years")).alias("_w"),
            pl.when(pl.col("_base") > 0)
            .then(((pl.col("_sm") / pl.col("_base")).sqrt() - 1).clip(upper_bound=MAX_GROWTH))
            .alias("_g"),
        )
    )
    peak_year = (
        s.filter((pl.col("_w") >= MIN_MATCHES) & (pl.col("_last") >= latest - 2))
        .sort(*keys, "year")
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("year")
            .sort_by("_sm", descending=True, maintain_order=True)
            .first()
            .alias("_py"),
            pl.col("_w").first(),
            pl.col("_years").first(),
        )
        .sort("subfield_id", "_years", "_w", "source", descending=[False, True, True, False])
        .group_by("subfield_id", maintain_order=True)
        .agg(pl.col("_py").first().cast(pl.Int32).alias("hype_peak_year"))
    )

    def wmean(col: str) -> pl.Expr:
        ok = pl.col(col).is_not_null()
        w = pl.col("_w").filter(ok)
        return (pl.col(col).filter(ok) * w).sum() / w.sum()

    combined = per.group_by("subfield_id").agg(
        wmean("_ratio").fill_nan(None).alias("hype_vs_peak"),
        wmean("_g").fill_nan(None).alias("hype_growth"),
    )
    return combined.join(peak_year, on="subfield_id", how="full", coalesce=True)


__all__ = ["HYPE_SUMMARY_COLUMNS", "MIN_MATCHES", "hype_summary"]
