"""The tables of ``techcurve fetch``: what each API answered, kept as count-level evidence.

``fetches``       one row per answered request: ``source, request`` (the exact URL asked,
                  never a credential: tokens, keys and the OpenAlex mailto travel in
                  headers added below the cache), ``term`` (None for a period total),
                  ``kind, api_version, fetched_at, rows`` (points stored).
``fetch_series``  ``source, kind, subfield_id`` → ``term`` (the query asked for the
                  sub-field) and ``notes`` (what of its query the API cannot express).
``fetch_totals``  ``source, kind, year, month`` → ``total``: the period's total over all
                  items of the source, the denominator of its shares.

The points themselves go into ``counts`` like any count file's rows (``ingest_id`` null),
so the match and indicator stages read them as they read every count series; the match
stage links a fetched series to the sub-field it was fetched for
(:func:`fetched_links`) instead of matching its term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import polars as pl

from techcurve.store.core import Store

__all__ = [
    "answered_requests",
    "fetch_log",
    "fetched_links",
    "save_answer",
    "save_series",
]


def answered_requests(store: Store, source: str) -> dict[str, datetime]:
    """Every request of ``source`` already answered → when it was fetched."""
    rows = store.con.execute(
        "SELECT request, fetched_at FROM fetches WHERE source = ?", [source]
    ).fetchall()
    return {str(r): f for r, f in rows}


def save_series(store: Store, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
    """Record (or replace) ``(source, kind, subfield_id, term, notes)`` rows."""
    data = list(rows)
    if not data:
        return
    store.con.executemany(
        "INSERT OR REPLACE INTO fetch_series (source, kind, subfield_id, term, notes) "
        "VALUES (?, ?, ?, ?, ?)",
        data,
    )


def save_answer(
    store: Store,
    *,
    source: str,
    kind: str,
    term: str | None,
    request: str,
    api_version: str,
    points: Sequence[tuple[int, int, float]],
    fetched_at: datetime,
) -> None:
    """Store one answered request in one transaction: its ``(year, month, count)`` points
    as ``counts`` rows of ``(source, term, kind)`` (or, when ``term`` is None, as the
    source's period totals, filled into the counts that lack them), and its
    ``fetches`` row. Points already stored are replaced (a refreshed period)."""
    with store.transaction():
        if term is None:
            _save_totals(store, source, kind, points)
        else:
            _save_counts(store, source, kind, term, points)
        store.con.execute(
            "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?)",
            [source, request, term, kind, api_version, fetched_at, len(points)],
        )


def _save_totals(
    store: Store, source: str, kind: str, points: Sequence[tuple[int, int, float]]
) -> None:
    store.con.executemany(
        "INSERT OR REPLACE INTO fetch_totals VALUES (?, ?, ?, ?, ?)",
        [(source, kind, y, m, c) for y, m, c in points],
    )
    store.con.execute(
        "UPDATE counts SET total = t.total FROM fetch_totals t "
        "WHERE counts.source = t.source AND counts.kind = t.kind AND counts.year = t.year "
        "AND counts.month = t.month AND counts.source = ? AND counts.kind = ?",
        [source, kind],
    )


def _save_counts(
    store: Store, source: str, kind: str, term: str, points: Sequence[tuple[int, int, float]]
) -> None:
    from techcurve.normalize import normalize

    frame = pl.DataFrame(
        {
            "year": [p[0] for p in points],
            "month": [p[1] for p in points],
            "count": [float(p[2]) for p in points],
        },
        schema={"year": pl.Int32, "month": pl.Int32, "count": pl.Float64},
    )
    store.con.register("_tc_points", frame.to_arrow())
    try:
        store.con.execute(
            "DELETE FROM counts WHERE source = ? AND term = ? AND kind = ? "
            "AND EXISTS (SELECT 1 FROM _tc_points p "
            "WHERE p.year = counts.year AND p.month = counts.month)",
            [source, term, kind],
        )
        store.con.execute(
            "INSERT INTO counts (source, term, kind, year, month, count, total, term_norm) "
            "SELECT ?, ?, ?, p.year, p.month, p.count, t.total, ? FROM _tc_points p "
            "LEFT JOIN fetch_totals t ON t.source = ? AND t.kind = ? "
            "AND t.year = p.year AND t.month = p.month",
            [source, term, kind, normalize(term), source, kind],
        )
    finally:
        store.con.unregister("_tc_points")


def fetched_links(store: Store) -> pl.DataFrame:
    """``source, term, kind, subfield_id`` of every fetched series (empty in a store
    opened read-only before schema version 5)."""
    schema = {"source": pl.Utf8, "term": pl.Utf8, "kind": pl.Utf8, "subfield_id": pl.Utf8}
    if not store.has_table("fetch_series"):
        return pl.DataFrame(schema=schema)
    return store.sql("SELECT source, term, kind, subfield_id FROM fetch_series").cast(
        schema  # type: ignore[arg-type]
    )


def fetch_log(store: Store, source: str | None = None) -> pl.DataFrame:
    """The ``fetches`` rows (of one source), oldest first: the provenance of fetched counts."""
    where = "WHERE source = ?" if source else ""
    return store.sql(
        f"SELECT * FROM fetches {where} ORDER BY fetched_at, request",
        [source] if source else None,
    )
