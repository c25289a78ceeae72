"""The work one partition needs: pure functions a worker (or this process) runs.

They take a Parquet file path and plain values and return polars frames, so Dask
can ship them to workers by reference (workers import ``techcurve``) and send the
small results back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from techcurve.indicators.records import counted, record_volumes
from techcurve.match import match_frame, needed_columns
from techcurve.taxonomy.query import Query

#: The record columns :func:`techcurve.indicators.indicator_frames` reads.
INDICATOR_RECORD_COLUMNS = (
    "record_id", "kind", "source", "venue", "date", "year",
    "amount_point_cny", "amount_low_cny", "amount_high_cny",
)  # fmt: skip


def match_file(path: str, queries: Mapping[str, Query], batch_rows: int = 500_000) -> pl.DataFrame:
    """The links of the records in one Parquet file (``match_frame`` per batch)."""
    import pyarrow.parquet as pq

    cols = needed_columns(queries)
    parts = [match_frame(pl.DataFrame(schema={c: pl.Utf8 for c in cols}), queries)]
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=cols):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        parts.append(match_frame(frame, queries))
    return pl.concat(parts)


def indicator_records(path: str, matched_ids: pl.Series, as_of: date) -> pl.DataFrame:
    """The records of one file that the indicators can read.

    ``indicator_frames`` reads matched records, every article (site totals for the
    opinion index) and, per kind, the latest year any record covers (where growth
    series end). Everything else cannot change an indicator, so it stays on the worker:
    this keeps what travels to the client to a fraction of the records.
    """
    recs = pl.read_parquet(path, columns=list(INDICATOR_RECORD_COLUMNS)).filter(counted(as_of))
    if recs.height == 0:
        return recs
    year = pl.coalesce(pl.col("year"), pl.col("date").dt.year())
    latest = (
        recs.filter(year == year.max().over("kind"))
        .group_by("kind")
        .agg(pl.col("record_id").min())
        .get_column("record_id")
    )
    keep = (
        pl.col("record_id").is_in(matched_ids.implode())
        | (pl.col("kind") == "article")
        | pl.col("record_id").is_in(latest.implode())
    )
    return recs.filter(keep)


def indicator_volumes(path: str, as_of: date) -> pl.DataFrame:
    """All records of one file counted at ``as_of`` per (kind, year, site, source): the
    shares' denominators, which need every record, matched or not."""
    recs = pl.read_parquet(path, columns=list(INDICATOR_RECORD_COLUMNS))
    return record_volumes(recs, as_of)


def indicator_parts(
    path: str, matched_ids: pl.Series, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`indicator_records` and :func:`indicator_volumes` of one file, in one task."""
    return indicator_records(path, matched_ids, as_of), indicator_volumes(path, as_of)
