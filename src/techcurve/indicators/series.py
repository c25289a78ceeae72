"""Count series and year windows: the primary series, their yearly values, where the
sources end, and mean year-on-year growth.

**As-of cut-off.** A count row counts when its year < as-of year, or it is a whole-year
row (``month`` 0) of the as-of year, or a monthly row of the as-of year with ``month`` ≤
as-of month.

**Count series.** For each (sub-field, source, kind) exactly one term series is used:
the ``count_matches`` row with ``is_primary`` true (if the match stage marked several,
the one with the largest total count, then the first term, is used and a warning is
logged), so overlapping umbrella terms never add up. Monthly rows are summed to a year
unless the series has a whole-year row for that year, which then wins.
"""

from __future__ import annotations

import logging
from datetime import date

import polars as pl

log = logging.getLogger(__name__)

#: The columns that name one count series.
SERIES = ["source", "term", "kind"]

#: A year is covered by an evidence kind when its volume is at least this share of the
#: kind's best year, so one stray late record does not extend a source that ended.
COVERAGE_SHARE = 0.1


def last_complete_year(as_of: date) -> int:
    """The last calendar year fully before (or ending on) ``as_of``."""
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1


def counted_counts(counts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The count rows counted at ``as_of`` (the as-of cut-off above)."""
    return counts.filter(
        (pl.col("year") < as_of.year)
        | (
            (pl.col("year") == as_of.year)
            & ((pl.col("month") == 0) | (pl.col("month") <= as_of.month))
        )
    )


def primary_series(counts: pl.DataFrame, count_matches: pl.DataFrame) -> pl.DataFrame:
    """(subfield_id, source, term, kind): one primary series per (sub-field, source, kind)."""
    prim = count_matches.filter(pl.col("is_primary").fill_null(False)).select(
        "subfield_id", *SERIES
    )
    sizes = counts.group_by(SERIES).agg(pl.col("count").sum().alias("_n"))
    ranked = (
        prim.join(sizes, on=SERIES, how="left")
        .with_columns(pl.col("_n").fill_null(0.0))
        .sort(
            ["subfield_id", "source", "kind", "_n", "term"],
            descending=[False, False, False, True, False],
        )
    )
    several = ranked.group_by("subfield_id", "source", "kind").len().filter(pl.col("len") > 1)
    if several.height:
        log.warning(
            "%d (sub-field, source, kind) groups have several primary count series; "
            "using the largest of each (e.g. %s)",
            several.height,
            several.row(0),
        )
    return ranked.unique(["subfield_id", "source", "kind"], keep="first", maintain_order=True).drop(
        "_n"
    )


def yearly_series(series_rows: pl.DataFrame) -> pl.DataFrame:
    """Per (sub-field, source, term, kind, year): count, total (summed months unless a
    whole-year row exists) and share (mean of row shares, whole-year rows winning)."""
    rows = series_rows.with_columns(
        pl.when(pl.col("total") > 0)
        .then(pl.col("count") / pl.col("total"))
        .when(pl.col("total").is_null())
        .then(pl.col("count"))
        .otherwise(None)
        .alias("_share"),
        (pl.col("month") == 0).alias("_whole"),
    )
    keys = ["subfield_id", *SERIES, "year"]
    whole = pl.col("_whole")
    # sorted, so each group's floats are summed in one order: the same result every run
    rows = rows.sort(*keys, "month")
    return rows.group_by(keys).agg(
        pl.when(whole.any())
        .then(pl.col("count").filter(whole).sum())
        .otherwise(pl.col("count").sum())
        .alias("count"),
        pl.when(whole.any())
        .then(pl.col("total").filter(whole).sum())
        .otherwise(pl.col("total").sum())
        .alias("total"),
        pl.when(whole.any())
        .then(pl.col("total").filter(whole).is_not_null().all())
        .otherwise(pl.col("total").is_not_null().all())
        .alias("has_total"),
        pl.when(whole.any())
        .then(pl.col("_share").filter(whole).mean())
        .otherwise(pl.col("_share").mean())
        .alias("share"),
    )


def mean_growth(
    values: pl.DataFrame, value_col: str, years: pl.Expr, by: str = "subfield_id"
) -> pl.DataFrame:
    """Per ``by``: mean of v(y)/v(y-1) − 1 over the rows selected by ``years`` (zero bases
    skipped), as column ``growth``."""
    prev = values.select(by, (pl.col("year") + 1).alias("year"), pl.col(value_col).alias("_prev"))
    return (
        values.join(prev, on=[by, "year"], how="inner")
        .filter(years & (pl.col("_prev") > 0) & pl.col(value_col).is_not_null())
        .sort(by, "year")  # each mean over its years in one order: the same floats every run
        .group_by(by)
        .agg((pl.col(value_col) / pl.col("_prev") - 1.0).mean().alias("growth"))
    )


def coverage_end(records: pl.DataFrame, counts: pl.DataFrame) -> dict[str, int]:
    """The last year each evidence kind's sources cover.

    A kind's volume in a year is its records (matched or not) plus its count-series
    values; the kind covers a year when that volume is at least :data:`COVERAGE_SHARE`
    of its best year's. Kinds without evidence are absent. ``records`` needs ``kind,
    year``; ``counts`` needs ``kind, year, count``.

    >>> r = pl.DataFrame({"kind": ["patent"] * 3, "year": [2014, 2015, 2020]})
    >>> c = pl.DataFrame({"kind": ["patent"] * 2, "year": [2014, 2015], "count": [50.0, 60.0]})
    >>> coverage_end(r, c)
    {'patent': 2015}
    """
    volumes = (
        records.filter(pl.col("year").is_not_null())
        .group_by("kind", "year")
        .agg(pl.len().cast(pl.Float64).alias("v"))
    )
    return volume_coverage_end(volumes, counts)


def volume_coverage_end(volumes: pl.DataFrame, counts: pl.DataFrame) -> dict[str, int]:
    """:func:`coverage_end` from the records' volumes per (kind, year) (column ``v``,
    the number of records), for callers that count the records in the store."""
    parts = []
    if volumes.height:
        parts.append(volumes.select("kind", "year", pl.col("v").cast(pl.Float64)))
    if counts.height:
        parts.append(
            counts.group_by("kind", "year").agg(pl.col("count").cast(pl.Float64).sum().alias("v"))
        )
    if not parts:
        return {}
    vol = (
        pl.concat([p.with_columns(pl.col("year").cast(pl.Int64)) for p in parts])
        .group_by("kind", "year")
        .agg(pl.col("v").sum())
    )
    best = vol.group_by("kind").agg(pl.col("v").max().alias("best"))
    ends = (
        vol.join(best, on="kind")
        .filter((pl.col("best") > 0) & (pl.col("v") >= COVERAGE_SHARE * pl.col("best")))
        .group_by("kind")
        .agg(pl.col("year").max())
    )
    return {str(k): int(y) for k, y in ends.iter_rows()}
