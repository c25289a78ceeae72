"""The reads of the report: its tables, source statistics, samples, financing and series.

Every SQL statement the report (:mod:`techcurve.report`) runs against the store, as a
named function returning a polars frame (or a small dataclass). A table that does not
exist reads as empty, so a report can be written from a partly filled store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from techcurve.store.core import Store

__all__ = [
    "ReportTables",
    "count_source_stats",
    "count_volumes",
    "financing_events",
    "indicator_series",
    "ingest_log",
    "kind_sources",
    "last_financing_date",
    "last_indicator_year",
    "record_source_stats",
    "record_volumes",
    "recent_year",
    "report_tables",
    "sample_records",
]


@dataclass(frozen=True)
class ReportTables:
    """The tables the report lays out; each is None when missing or empty."""

    subfields: pl.DataFrame | None
    domains: pl.DataFrame | None
    assessments: pl.DataFrame | None
    summary: pl.DataFrame | None


def _nonempty(store: Store, name: str) -> pl.DataFrame | None:
    if not store.has_table(name):
        return None
    df = store.table(name)
    return df if df.height else None


def report_tables(store: Store) -> ReportTables:
    """The sub-fields, domains, assessments and summary tables (None when empty)."""
    return ReportTables(
        subfields=_nonempty(store, "subfields"),
        domains=_nonempty(store, "domains"),
        assessments=_nonempty(store, "assessments"),
        summary=_nonempty(store, "summary"),
    )


_INGEST_LOG_SCHEMA = {
    "path": pl.Utf8,
    "kind": pl.Utf8,
    "profile": pl.Utf8,
    "rows_read": pl.Int64,
    "stored": pl.Int64,
    "duplicates": pl.Int64,
    "rejected": pl.Int64,
}


def ingest_log(store: Store) -> pl.DataFrame:
    """One row per ingested file, in ingest order: path, kind, profile and its counts."""
    if not store.has_table("ingest_log"):
        return pl.DataFrame(schema=_INGEST_LOG_SCHEMA)
    return store.sql(
        "SELECT path, kind, profile, rows_read, stored, duplicates, rejected "
        "FROM ingest_log ORDER BY ingest_id"
    )


_STATS_SCHEMA = {
    "kind": pl.Utf8,
    "source": pl.Utf8,
    "n": pl.Int64,
    "matched": pl.Int64,
    "first": pl.Utf8,
    "last": pl.Utf8,
}


def record_source_stats(store: Store) -> pl.DataFrame:
    """Per (kind, source) of the records: rows ``n``, ``matched`` records, first/last date.

    Biggest source first within a kind; empty when there are no records.
    """
    if not (store.has_table("records") and store.count("records")):
        return pl.DataFrame(schema=_STATS_SCHEMA)
    # one pass over the records, each tested against the set of matched ids
    # (record ids are unique, so this counts distinct matched records)
    matched = (
        "count(*) FILTER (WHERE r.record_id IN (SELECT record_id FROM matches))"
        if store.has_table("matches")
        else "0"
    )
    return store.sql(
        f"SELECT r.kind, r.source, count(*) AS n, {matched} AS matched, "
        "CAST(min(r.date) AS VARCHAR) AS first, CAST(max(r.date) AS VARCHAR) AS last "
        "FROM records r GROUP BY r.kind, r.source ORDER BY r.kind, n DESC"
    )


def count_source_stats(store: Store) -> pl.DataFrame:
    """Per (kind, source) of the count series: rows ``n``, ``matched`` (linked terms), years.

    Biggest source first within a kind; empty when there are no count series.
    """
    if not (store.has_table("counts") and store.count("counts")):
        return pl.DataFrame(schema=_STATS_SCHEMA)
    linked = (
        "(SELECT count(DISTINCT cm.term) FROM count_matches cm "
        "WHERE cm.source = c.source AND cm.kind = c.kind)"
        if store.has_table("count_matches")
        else "0"
    )
    return store.sql(
        f"SELECT c.kind, c.source, count(*) AS n, {linked} AS matched, "
        "CAST(min(c.year) AS VARCHAR) AS first, CAST(max(c.year) AS VARCHAR) AS last "
        "FROM counts c GROUP BY c.kind, c.source ORDER BY c.kind, n DESC"
    )


def kind_sources(store: Store) -> list[tuple[str, str]]:
    """(kind, source) pairs of the records, then of the count series; per table ordered
    by kind and, within a kind, by how many rows the source holds (most first)."""
    out: list[tuple[str, str]] = []
    for table in ("records", "counts"):
        if not store.has_table(table):
            continue
        q = f"SELECT kind, source FROM {table} GROUP BY kind, source ORDER BY kind, count(*) DESC"
        out += [(str(k), str(s)) for k, s in store.sql(q).iter_rows()]
    return out


#: Up to ``limit`` matched records per sub-field, the most recent first (then by id).
#: Joining every link to the records for its year is most of the cost, so the records
#: from the year ``since`` on are joined first: a sub-field with ``limit`` matched records
#: among them has its newest there (every older or undated record sorts after them); only
#: the links of the sub-fields with fewer are joined to all the records. A top-``limit``
#: aggregate per sub-field picks (row, year, id, terms); the titles are then read for those
#: rows alone, by ``rowid``, not joined by record id.
_SAMPLES_SQL = """
WITH recent AS MATERIALIZED (
    SELECT m.subfield_id, count(*) AS n,
        arg_min({{'rid': r.rowid, 'record_id': m.record_id, 'year': r.year, 'terms': m.terms}},
                (-r.year, m.record_id), {limit}) AS s
    FROM matches m JOIN records r USING (record_id)
    WHERE r.year >= {since}
    GROUP BY m.subfield_id
), done AS (
    SELECT subfield_id, s FROM recent WHERE n >= {limit}
), older AS MATERIALIZED (
    SELECT record_id, subfield_id, terms FROM matches
    WHERE subfield_id NOT IN (SELECT subfield_id FROM done)
), top AS MATERIALIZED (
    SELECT subfield_id, unnest(s) AS s FROM (
        SELECT subfield_id, s FROM done
        UNION ALL
        SELECT m.subfield_id,
            arg_min({{'rid': r.rowid, 'record_id': m.record_id, 'year': r.year, 'terms': m.terms}},
                    (r.year IS NULL, -r.year, m.record_id), {limit})
        FROM older m JOIN records r USING (record_id)
        GROUP BY m.subfield_id)
)
SELECT t.subfield_id, r.kind, r.source, t.s.year AS year, r.title, t.s.terms AS terms
FROM top t JOIN (
    SELECT rowid AS rid, kind, source, title FROM records WHERE rowid IN (SELECT s.rid FROM top)
) r ON r.rid = t.s.rid
ORDER BY t.subfield_id, t.s.year DESC NULLS LAST, t.s.record_id
"""
#: the newest years holding at least 1 / RECENT_SHARE of the dated records are
#: searched first for each sub-field's samples
RECENT_SHARE = 8


def recent_year(store: Store, share: int = RECENT_SHARE) -> int | None:
    """The newest year from which on at least ``1 / share`` of the dated records lie
    (None when no record has a year)."""
    row = store.one(
        "SELECT max(year) FROM ("
        "  SELECT year, sum(count(*)) OVER (ORDER BY year DESC) AS newer,"
        "         sum(count(*)) OVER () AS dated"
        "  FROM records WHERE year IS NOT NULL GROUP BY year) "
        "WHERE newer * ? >= dated",
        [int(share)],
    )
    return None if row is None or row[0] is None else int(row[0])  # type: ignore[call-overload]


def sample_records(store: Store, limit: int = 5, *, since: int | None = None) -> pl.DataFrame:
    """Up to ``limit`` matched records per sub-field, newest first (then by record id):
    subfield_id, kind, source, year, title and the query ``terms`` that matched.

    ``since`` is only where the search starts (the records from that year on are
    searched first; by default :func:`recent_year`): any value gives the same rows.
    """
    if not (store.has_table("matches") and store.has_table("records")):
        return pl.DataFrame(
            schema={
                "subfield_id": pl.Utf8,
                "kind": pl.Utf8,
                "source": pl.Utf8,
                "year": pl.Int64,
                "title": pl.Utf8,
                "terms": pl.Utf8,
            }
        )
    if since is None:
        since = recent_year(store)
    # no dated record: every sub-field is searched among all its records
    start = int(since) if since is not None else "NULL"
    return store.sql(_SAMPLES_SQL.format(limit=int(limit), since=start))


def _has_matched_records(store: Store) -> bool:
    return store.has_table("records") and store.has_table("matches")


def last_financing_date(store: Store, on_or_before: str | None) -> date | None:
    """The date of the latest financing event matched to a sub-field, on or before the
    ISO date ``on_or_before`` (any date when None)."""
    if not _has_matched_records(store):
        return None
    row = store.sql(
        "SELECT max(r.date) AS d FROM records r JOIN matches m USING (record_id) "
        "WHERE r.kind = 'financing' AND r.date <= CAST(? AS DATE)",
        [on_or_before or "9999-12-31"],
    )
    return row["d"][0] if row.height and row["d"][0] is not None else None


def financing_events(store: Store, start: str, end: str) -> pl.DataFrame:
    """Financing events from ``start`` to ``end`` (ISO dates, inclusive), one row per
    (event, matched sub-field): record_id, date, amount_point_cny, amount_low_cny,
    amount_high_cny, round, subfield_id; ordered by record id, then sub-field."""
    if not _has_matched_records(store):
        return pl.DataFrame()
    return store.sql(
        "SELECT r.record_id, r.date, r.amount_point_cny, r.amount_low_cny, r.amount_high_cny, "
        "r.round, m.subfield_id FROM records r JOIN matches m USING (record_id) "
        "WHERE r.kind = 'financing' AND r.date >= CAST(? AS DATE) AND r.date <= CAST(? AS DATE) "
        "ORDER BY r.record_id, m.subfield_id",
        [start, end],
    )


def last_indicator_year(store: Store) -> int | None:
    """The latest year of the indicators table (None when it is missing or empty)."""
    if not store.has_table("indicators"):
        return None
    y = store.sql("SELECT max(year) AS y FROM indicators")["y"][0]
    return int(y) if y is not None else None


def indicator_series(store: Store, subfield_ids: Sequence[str], until_year: int) -> pl.DataFrame:
    """The indicators rows of ``subfield_ids`` up to ``until_year`` (empty when none)."""
    if not subfield_ids or not store.has_table("indicators"):
        return pl.DataFrame()
    return store.sql(
        "SELECT * FROM indicators WHERE subfield_id IN (SELECT unnest(?)) AND year <= ?",
        [list(subfield_ids), until_year],
    )


def record_volumes(store: Store, until_year: int) -> pl.DataFrame:
    """Records per kind and year up to ``until_year``: kind, year, v."""
    if not store.has_table("records"):
        return pl.DataFrame(schema={"kind": pl.Utf8, "year": pl.Int64, "v": pl.Float64})
    return store.sql(
        "SELECT kind, year, count(*) AS v FROM records WHERE year <= ? GROUP BY kind, year",
        [until_year],
    )


def count_volumes(store: Store, until_year: int) -> pl.DataFrame:
    """The count series' rows up to ``until_year``: kind, year, count."""
    if not store.has_table("counts"):
        return pl.DataFrame(schema={"kind": pl.Utf8, "year": pl.Int64, "count": pl.Float64})
    return store.sql("SELECT kind, year, count FROM counts WHERE year <= ?", [until_year])
