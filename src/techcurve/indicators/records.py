"""What the indicators read from records, reduced to a few rows per sub-field and year.

**As-of cut-off.** A record counts when its ``date`` ≤ as-of (records without a date:
``year`` ≤ as-of year; records with neither are ignored).

:func:`record_stats` reduces the records in polars; the store path runs the same
grouping in DuckDB SQL (:func:`techcurve.store.indicators.link_stats` and
:func:`~techcurve.store.indicators.record_volumes`), so its memory does not grow with
the number of records. Both give the same frames (``tests/test_indicators_sql.py``).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from techcurve.store.indicators import LINK_STATS_COLUMNS, RECORD_AMOUNTS, VOLUME_COLUMNS


def counted(as_of: date) -> pl.Expr:
    """True for the records the indicators count at ``as_of`` (the as-of cut-off)."""
    return (
        pl.when(pl.col("date").is_not_null())
        .then(pl.col("date") <= as_of)
        .otherwise(pl.col("year").is_not_null() & (pl.col("year") <= as_of.year))
    )


def counted_records(records: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The records counted at ``as_of``, with ``year`` filled from the date."""
    return records.filter(counted(as_of)).with_columns(
        pl.coalesce(pl.col("year"), pl.col("date").dt.year()).cast(pl.Int32).alias("year")
    )


def record_stats(
    records: pl.DataFrame, matches: pl.DataFrame, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Everything the indicators read from records, reduced to a few rows per year.

    Returns ``(links, volumes)``: ``links`` (:data:`LINK_STATS_COLUMNS`) aggregates the
    matched records counted at ``as_of`` per (sub-field, year, kind, site, source); ``volumes``
    (:data:`VOLUME_COLUMNS`) counts all counted records per (kind, year, site, source). Both
    have a few rows per sub-field and year however many records there are.
    """
    recs = _with_site(counted_records(records, as_of))
    amounts = list(RECORD_AMOUNTS)
    links = (
        matches.select("record_id", "subfield_id")
        .join(recs, on="record_id", how="inner")
        .with_columns(pl.when(pl.col("kind") == "paper").then(pl.col("record_id")).alias("_paper"))
        .group_by("subfield_id", "year", "kind", "site", "source")
        .agg(
            pl.len().alias("n"),
            *(pl.col(c).sum().alias(c) for c in amounts),
            *(pl.col(c).count().alias(c + "_n") for c in amounts),
            pl.all_horizontal(pl.col(c).is_null() for c in amounts).sum().alias("undisclosed"),
            pl.col("_paper")
            .sort_by("date", "record_id", nulls_last=True)
            .first()
            .alias("first_paper"),
            pl.col("date").filter(pl.col("kind") == "paper").min().alias("first_paper_date"),
        )
    )
    return (
        links.select(pl.col(c).cast(t) for c, t in LINK_STATS_COLUMNS.items()),
        _volumes(recs),
    )


def _with_site(recs: pl.DataFrame) -> pl.DataFrame:
    site = pl.when(pl.col("kind") == "article").then(pl.coalesce("venue", "source"))
    return recs.with_columns(site.alias("site"))


def _volumes(recs: pl.DataFrame) -> pl.DataFrame:
    volumes = recs.group_by("kind", "year", "site", "source").agg(pl.len().alias("n"))
    return volumes.select(pl.col(c).cast(t) for c, t in VOLUME_COLUMNS.items())


def record_volumes(records: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """All records counted at ``as_of`` per (kind, year, site, source)
    (:data:`VOLUME_COLUMNS`): the second frame of :func:`record_stats`, alone. Volumes
    of several partitions add up (sum ``n`` per key)."""
    return _volumes(_with_site(counted_records(records, as_of)))
