"""The match stage's tables: ``matches``, ``count_matches`` and ``match_queries``, the
records the matcher reads, and the meta keys of incremental matching.

Every SQL statement of :mod:`techcurve.match` is one of these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import polars as pl

from techcurve.store.core import Store, _table_ddl
from techcurve.store.meta import Meta

__all__ = [
    "MatchState",
    "append_matches",
    "count_series_totals",
    "delete_matches_of",
    "delete_matches_of_records_after",
    "empty_matches",
    "ingested_after",
    "ingested_up_to",
    "link_totals",
    "load_match_state",
    "max_ingest_id",
    "record_batches",
    "records_before_last_ingest",
    "records_up_to",
    "records_without_ingest_id",
    "replace_count_matches",
    "reset_match_state",
    "save_match_state",
]


@dataclass(frozen=True, slots=True)
class MatchState:
    """What the links in ``matches`` reflect, as the last match run recorded it."""

    version: str  # the matcher version (``MATCH_VERSION``) that wrote the links
    watermark: int  # every record with ingest_id <= watermark has been matched
    records: int  # how many such records there were then
    queries: dict[str, str]  # sub-field → the canonical query its links reflect


def _int(store: Store, sql: str, params: list[object] | None = None) -> int:
    row = store.one(sql, params)
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]


def _ensure_match_queries(store: Store) -> None:
    """Stores created before ``match_queries`` was part of the schema get it now."""
    store.con.execute(_table_ddl("match_queries"))


# -- records ------------------------------------------------------------------------


def max_ingest_id(store: Store) -> int:
    """The highest ``ingest_id`` of the records (0 without records)."""
    return _int(store, "SELECT max(ingest_id) FROM records")


def records_up_to(store: Store, watermark: int) -> int:
    """How many records have ``ingest_id <= watermark``."""
    return _int(store, "SELECT count(*) FROM records WHERE ingest_id <= ?", [watermark])


def records_without_ingest_id(store: Store) -> int:
    return _int(store, "SELECT count(*) FROM records WHERE ingest_id IS NULL")


def records_before_last_ingest(store: Store) -> int:
    """How many records an ingest older than the latest one stored."""
    return _int(
        store,
        "SELECT count(*) FROM records WHERE ingest_id < (SELECT max(ingest_id) FROM records)",
    )


def ingested_after(watermark: int) -> str:
    """The :func:`record_batches` filter of the records ingested after ``watermark``."""
    return f"ingest_id > {int(watermark)}"


def ingested_up_to(watermark: int) -> str:
    """The :func:`record_batches` filter of the records ingested up to ``watermark``."""
    return f"ingest_id <= {int(watermark)}"


def record_batches(
    store: Store, columns: Iterable[str], where: str = "", rows: int = 500_000
) -> Iterator[pl.DataFrame]:
    """``columns`` of the records (filtered by ``where``, one of :func:`ingested_after`
    and :func:`ingested_up_to`) as polars frames of at most ``rows`` rows, streamed
    through Arrow.

    Reads on a cursor of its own (a second connection to the same database), so the
    caller may write to the store between batches.
    """
    cur = store.con.cursor()
    try:
        cur.execute("SET enable_progress_bar = false")  # a cursor has its own settings
        sql = f"SELECT {', '.join(columns)} FROM records" + (f" WHERE {where}" if where else "")
        reader = cur.sql(sql).to_arrow_reader(rows)
        for batch in reader:
            if batch.num_rows:
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield frame
    finally:
        cur.close()


# -- matches and count_matches --------------------------------------------------------


def empty_matches(store: Store) -> None:
    """Empty ``matches``: DuckDB deletes millions of rows slowly when the table had a
    key, while dropping it and re-creating it from its own DDL takes no time
    (docs/performance.md, "Matching: what the profile showed", "The store side")."""
    ddl = store.one("SELECT sql FROM duckdb_tables() WHERE table_name = 'matches'")
    if ddl is None:
        store.con.execute("DELETE FROM matches")
        return
    store.con.execute("DROP TABLE matches")
    store.con.execute(str(ddl[0]))


def delete_matches_of(store: Store, subfield_ids: Iterable[str]) -> None:
    """Drop the links of these sub-fields."""
    ids = ", ".join("'" + s.replace("'", "''") + "'" for s in sorted(subfield_ids))
    if ids:
        store.con.execute(f"DELETE FROM matches WHERE subfield_id IN ({ids})")


def delete_matches_of_records_after(store: Store, watermark: int) -> None:
    """Drop the links of the records ingested after ``watermark``."""
    store.con.execute(
        "DELETE FROM matches WHERE record_id IN "
        "(SELECT record_id FROM records WHERE ingest_id > ?)",
        [watermark],
    )


def append_matches(store: Store, links: pl.DataFrame) -> None:
    """Add links (``record_id, subfield_id, terms``) to ``matches``."""
    store.append("matches", links)


def link_totals(store: Store) -> tuple[int, int]:
    """(links, distinct records linked) in ``matches``."""
    row = store.one("SELECT count(*), count(DISTINCT record_id) FROM matches") or (0, 0)
    return int(row[0]), int(row[1])  # type: ignore[call-overload]


def count_series_totals(store: Store) -> pl.DataFrame:
    """Each count series (``source, term, kind``) with its total count ``n``."""
    return store.sql(
        "SELECT source, term, kind, sum(count) AS n FROM counts GROUP BY source, term, kind"
    )


def replace_count_matches(store: Store, count_links: pl.DataFrame) -> None:
    """``count_matches`` becomes ``count_links``."""
    store.con.execute("DELETE FROM count_matches")
    store.append("count_matches", count_links)


# -- incremental matching state ----------------------------------------------------------


def load_match_state(store: Store) -> MatchState | None:
    """The recorded match state, or ``None`` when no complete one is recorded."""
    version = store.get_meta(Meta.MATCH_VERSION)
    wm, n = store.get_meta(Meta.MATCH_WATERMARK), store.get_meta(Meta.MATCH_WATERMARK_RECORDS)
    if version is None or wm is None or n is None:
        return None
    _ensure_match_queries(store)
    rows = store.con.execute("SELECT subfield_id, query FROM match_queries").fetchall()
    return MatchState(version, int(wm), int(n), {str(a): str(b) for a, b in rows})


def save_match_state(
    store: Store, version: str, queries: Mapping[str, str], watermark: int, records: int
) -> None:
    """Record that the links reflect ``queries`` (sub-field → canonical query) over the
    ``records`` records ingested up to ``watermark``, by matcher ``version``."""
    _ensure_match_queries(store)
    store.con.execute("DELETE FROM match_queries")
    store.append(
        "match_queries",
        pl.DataFrame(
            {"subfield_id": list(queries), "query": list(queries.values())},
            schema={"subfield_id": pl.Utf8, "query": pl.Utf8},
        ),
    )
    store.set_meta(Meta.MATCH_VERSION, version)
    store.set_meta(Meta.MATCH_WATERMARK, str(watermark))
    store.set_meta(Meta.MATCH_WATERMARK_RECORDS, str(records))


def reset_match_state(store: Store) -> None:
    """Forget the match state: the next match run is a full one."""
    _ensure_match_queries(store)
    store.set_meta(Meta.MATCH_VERSION, "")
