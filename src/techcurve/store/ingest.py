"""The SQL of ingest: storing parsed records, their links and count series, the ingest
log, DuckDB's memory limit meanwhile, and what ingest reads back (stored ids and keys,
the financing amount statistics).

Ingest stages a file's parsed records (in memory as Arrow tables, or as Parquet files)
and hands them here as :class:`StagedScans`: SQL table expressions these functions
insert from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa

from techcurve.datatypes import IngestSummary
from techcurve.store.core import RECORD_COLUMNS, Store

#: The columns of ``records`` a parsed record carries (all but the ingest id).
RECORD_INSERT_COLUMNS = tuple(c for c in RECORD_COLUMNS if c != "ingest_id")

#: The key of a count series period in ``counts``.
COUNT_KEY = ("source", "term", "kind", "year", "month")


@dataclass(frozen=True, slots=True)
class StagedScans:
    """A file's staged records as SQL table expressions: all of them (``whole``) and
    each row group (``units``, in file order), the column holding each record's row
    in the file, and the staged links (``None``: no links were staged)."""

    whole: str
    units: list[str]
    row_column: str
    links: str | None = None


def parquet_scan(paths: Sequence[Path]) -> str:
    """The SQL table expression reading ``paths`` (Parquet files) as one table."""
    return "read_parquet([{}])".format(
        ", ".join("'{}'".format(str(p).replace("'", "''")) for p in paths)
    )


@contextmanager
def registered(store: Store, tables: Mapping[str, pa.Table]) -> Iterator[None]:
    """``tables`` readable by name in the store's SQL while the block runs."""
    try:
        for name, table in tables.items():
            store.con.register(name, table)
        yield
    finally:
        for name in tables:
            store.con.unregister(name)


def insert_staged_records(
    store: Store, staged: StagedScans, ingest_id: int
) -> tuple[int, list[str]]:
    """Insert the staged records, in file order, leaving out ids already stored and
    repeats within the file (the first occurrence wins); (rows stored, their kinds).

    ``records`` has no key, so this is what keeps ``record_id`` unique. One look at the
    staged ids (a narrow scan) picks the cheapest of three plans:

    * every id already stored (a file ingested again): nothing to insert;
    * no repeats and no id stored (the usual first ingest): one plain ``INSERT …
      SELECT`` of everything staged, no join and no sort; a scan keeps file order
      under DuckDB's ``preserve_insertion_order`` (its default, which the store keeps);
    * otherwise the rows to keep (the first of each id not stored) are found on the
      narrow columns, then each staged row group is inserted in turn, filtered to them
      and sorted by row: no wide sort of the whole file.

    One ``INSERT … WHERE record_id NOT IN (…) QUALIFY row_number() … ORDER BY row``
    was much slower and ran out of memory on large files (docs/performance.md,
    "Store settings").
    """
    if not staged.units:
        return 0, []
    cols = ", ".join(f'"{c}"' for c in RECORD_INSERT_COLUMNS)
    row = f'"{staged.row_column}"'
    check = store.one(
        f"""
        SELECT count(*), count(DISTINCT record_id),
               count(*) FILTER (WHERE record_id IN (SELECT record_id FROM records))
        FROM {staged.whole}
        """
    )
    n, distinct, stored_before = (int(v) for v in check or (0, 0, 0))  # type: ignore[call-overload]
    if n == stored_before:
        return 0, []
    insert = f"INSERT INTO records ({cols}, ingest_id) SELECT {cols}, {int(ingest_id)} FROM "
    ordered = store.one("SELECT current_setting('preserve_insertion_order')") == (True,)
    if distinct == n and stored_before == 0 and ordered:
        stored = _inserted(store, insert + staged.whole)
    else:
        store.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _tc_keep AS
            SELECT min(s.{row}) AS keep_row FROM {staged.whole} s
            WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = s.record_id)
            GROUP BY s.record_id
            """
        )
        stored = sum(
            _inserted(
                store,
                insert + f"{unit} WHERE {row} IN (SELECT keep_row FROM _tc_keep) ORDER BY {row}",
            )
            for unit in staged.units
        )
        store.con.execute("DROP TABLE _tc_keep")
    kinds = store.con.execute(
        "SELECT DISTINCT kind FROM records WHERE ingest_id = ? ORDER BY kind", [int(ingest_id)]
    ).fetchall()
    return stored, [str(k) for (k,) in kinds]


def undated_stored(store: Store, ingest_id: int) -> int:
    """How many of the records ingest ``ingest_id`` stored have no date."""
    row = store.one(
        "SELECT count(*) FROM records WHERE ingest_id = ? AND date IS NULL", [int(ingest_id)]
    )
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def insert_staged_links(
    store: Store, staged: StagedScans, ingest_id: int, *, every_row: bool
) -> int:
    """Insert the staged links of the rows ingest ``ingest_id`` stored into ``matches``,
    in file order; how many.

    ``every_row``: every staged record was stored (no repeats, none stored before), so
    every link is kept; otherwise the links of the first row of each record id that
    this ingest stored."""
    if staged.links is None:
        return 0
    row = f'"{staged.row_column}"'
    sql = f"INSERT INTO matches SELECT record_id, subfield_id, terms FROM {staged.links}"
    if not every_row:
        sql += f"""
            WHERE {row} IN (
                SELECT min(s.{row}) FROM {staged.whole} s
                WHERE s.record_id IN (
                    SELECT record_id FROM records WHERE ingest_id = {int(ingest_id)})
                GROUP BY s.record_id)"""
    return _inserted(store, sql)


def _inserted(store: Store, sql: str) -> int:
    """Run an INSERT and return how many rows it inserted."""
    got = store.con.execute(sql).fetchall()
    return int(got[0][0]) if got else 0


def log_ingest(
    store: Store,
    ingest_id: int,
    summary: IngestSummary,
    *,
    sha256: str,
    started: datetime,
    finished: datetime,
) -> None:
    """Add the ``ingest_log`` row of one ingested file."""
    store.con.execute(
        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [ingest_id, summary.path, summary.kind, summary.profile, sha256, summary.rows_read,
         summary.stored, summary.duplicates, summary.rejected, summary.rejects_path, started,
         finished],
    )  # fmt: skip


def stored_count_keys(store: Store, keys: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``keys`` (:data:`COUNT_KEY` columns) that ``counts`` already holds."""
    with registered(store, {"_tc_keys": keys.select(COUNT_KEY).to_arrow()}):
        return store.con.sql(
            "SELECT k.source, k.term, k.kind, k.year, k.month FROM _tc_keys k "
            "JOIN counts c USING (source, term, kind, year, month)"
        ).pl()


def append_counts(store: Store, rows: pl.DataFrame) -> None:
    """Add count rows (the columns of ``counts``) to the store."""
    store.append("counts", rows)


_AMOUNTS_SQL = """
SELECT source,
       count(*) AS events,
       count(*) FILTER (WHERE amount_point_cny IS NOT NULL
                          AND amount_low_cny = amount_high_cny) AS exact,
       count(*) FILTER (WHERE amount_point_cny IS NOT NULL
                          AND amount_low_cny < amount_high_cny) AS vague,
       count(*) FILTER (WHERE amount_point_cny IS NULL) AS undisclosed
FROM records
WHERE kind = 'financing'{where}
GROUP BY source
ORDER BY source
"""


def financing_amount_counts(store: Store, *, where: str = "") -> pl.DataFrame:
    """Per source (sorted): ``source, events, exact, vague, undisclosed``, counting the
    stored financing events whose amount is exact, vague (a word or a range: low <
    high) or undisclosed. ``where`` is an extra SQL condition on ``records``."""
    sql = _AMOUNTS_SQL.format(where=f" AND ({where})" if where else "")
    return store.con.sql(sql).pl()


# -- DuckDB's memory limit ---------------------------------------------------------------

_SIZE_UNITS = {
    "": 1, "B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "PIB": 2**50,
}  # fmt: skip


def memory_bytes(text: str) -> float | None:
    """Bytes in a DuckDB memory size such as ``"1.8 GiB"`` or ``"512MB"``; None if not one.

    >>> memory_bytes("512MB"), memory_bytes("80%")
    (512000000.0, None)
    """
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).upper() not in _SIZE_UNITS:
        return None
    return float(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]


@contextmanager
def lowered_memory_limit(store: Store, limit: str) -> Iterator[None]:
    """Lower DuckDB's memory limit to ``limit`` meanwhile; a lower store limit is kept.

    Enter it outside a transaction: a ``SET`` inside one that an error aborted fails
    too ("transaction is aborted"), hiding the error.
    """
    row = store.one("SELECT current_setting('memory_limit')")
    before = str(row[0]) if row else None
    have, want = memory_bytes(before or ""), memory_bytes(limit)
    if want is None or (have is not None and have <= want):
        yield
        return
    store.con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        # The store's setting as given ("2GB"), not as DuckDB prints it ("1.8 GiB").
        restore = store.memory_limit or before
        store.con.execute(f"SET memory_limit = '{restore}'")
