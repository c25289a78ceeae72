"""Whole tables as polars frames for the library API (:mod:`techcurve.pipeline.tables`):
the assessments and the records, optionally those a sub-field matched."""

from __future__ import annotations

import polars as pl

from techcurve.errors import StoreError
from techcurve.store.core import Store


def assessments(store: Store) -> pl.DataFrame:
    """The ``assessments`` table by sub-field; :class:`StoreError` before ``assess``."""
    if not store.has_table("assessments"):
        raise StoreError.of("pipeline.not_assessed", store=store.path)
    return store.sql("SELECT * FROM assessments ORDER BY subfield_id, model")


def records(
    store: Store, *, subfield_id: str | None = None, limit: int | None = None
) -> pl.DataFrame:
    """The ``records`` table (newest first), or the records ``subfield_id`` matched with
    the terms that fired (``terms``); at most ``limit`` rows (None: all)."""
    tail = "ORDER BY date DESC NULLS LAST, year DESC NULLS LAST, record_id"
    params: list[object] = []
    if subfield_id is None:
        sql = f"SELECT * FROM records {tail}"
    else:
        sql = (
            "SELECT r.*, m.terms FROM matches m JOIN records r USING (record_id) "
            f"WHERE m.subfield_id = ? {tail.replace('date', 'r.date').replace('year', 'r.year')}"
        )
        params.append(subfield_id)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return store.sql(sql, params)


__all__ = ["assessments", "records"]
