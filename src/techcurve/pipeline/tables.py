"""The store's tables as polars frames, for notebooks: :func:`indicators`,
:func:`summary`, :func:`assessments` and :func:`records` (``.to_pandas()`` on any of them
with the ``pandas`` extra: ``pip install techcurve[pandas]``).

>>> import techcurve.pipeline as tc
>>> tc.indicators("my.duckdb").filter(pl.col("subfield_id") == "vr")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from techcurve.store import Store
from techcurve.store import frames as stored
from techcurve.store import indicators as computed

PathLike = str | Path


def indicators(db: PathLike, *, subfield: str | None = None) -> pl.DataFrame:
    """The indicators per sub-field per year (one sub-field's with ``subfield``), as
    :func:`techcurve.pipeline.compute` wrote them."""
    with Store.open(db, read_only=True) as st:
        return computed.indicators(st, subfield_ids=None if subfield is None else [subfield])


def summary(db: PathLike, *, subfield: str | None = None) -> pl.DataFrame:
    """The as-of summary per sub-field (what the models read)."""
    with Store.open(db, read_only=True) as st:
        return computed.summary(st, subfield_ids=None if subfield is None else [subfield])


def assessments(db: PathLike) -> pl.DataFrame:
    """The placements per sub-field (model and final columns), as ``assess`` wrote them."""
    with Store.open(db, read_only=True) as st:
        return stored.assessments(st)


def records(db: PathLike, *, subfield: str | None = None, limit: int | None = 1000) -> pl.DataFrame:
    """The stored records, newest first (those ``subfield`` matched, with the terms that
    fired); at most ``limit`` rows (None: all of them)."""
    with Store.open(db, read_only=True) as st:
        return stored.records(st, subfield_id=subfield, limit=limit)


__all__ = ["assessments", "indicators", "records", "summary"]
