"""The store: one embedded DuckDB file that every stage reads and writes.

Tables (schema version :data:`SCHEMA_VERSION`):

``meta``            key/value: schema version, created-at, taxonomy hash.
``ingest_log``      one row per ingested file: counts of rows read/stored/duplicate/rejected.
``records``         patent, paper, article and financing records (one table, ``kind`` column).
                    The matcher normalises their text as it reads it (not stored: see below).
``counts``          count-level evidence: (source, term, kind, year, month) → count, period total.
``domains``         the taxonomy's domains.
``subfields``       the taxonomy's sub-fields and their queries.
``matches``         record ↔ sub-field links with the terms that fired.
``count_matches``   count-series term ↔ sub-field links (``is_primary`` marks the series used).
``match_queries``   each sub-field's query as last matched, for incremental re-matching
                    (:mod:`techcurve.store.matches`).
``indicators``      per sub-field per year (wide).
``summary``         per sub-field at the as-of date: the inputs of the assessment.
``source_roles``    per (source, kind): the role the source played in the indicators
                    (:mod:`techcurve.store.sources`).
``assessments``     per sub-field per model: phase, position, band, confidence, reasons (JSON),
                    and with expert overrides the ``expert_*`` and ``final_*`` columns.
``editions``        saved curves (edition name → each sub-field's final phase and position),
                    for ``techcurve diff`` and movement arrows.
``expert_placements`` every placement an expert (or a panel's consensus) ever made of a
                    sub-field: phase, position, band, confidence, who, affiliation, when,
                    rationale, origin (yaml | panel | form), panel/round; the current
                    placement of a sub-field is its latest row, unless that row is a
                    withdrawal (``withdrawn``) (:mod:`techcurve.store.panel`).
``panels``          Delphi panels: name, the most rounds before a round's spread counts as
                    consensus anyway.
``experts``         a panel's experts: name, affiliation, domains, and the SHA-256 of their
                    personal token (the token itself is never stored).
``rounds``          a panel's rounds: number, the sub-fields asked (JSON), opened/closed at,
                    status (open | closed).
``responses``       an expert's answer for one sub-field in one round (re-submitting in an
                    open round replaces it).
``round_results``   a closed round's aggregates per sub-field: median, its phase, quartiles,
                    IQR in phase widths, share agreeing, consensus, outliers (JSON).
``fetches``         each API request ``techcurve fetch`` had answered: source, the exact
                    request (never a credential), API version, fetched at, rows
                    (:mod:`techcurve.store.fetches`).
``fetch_series``    which fetched count series stands for which sub-field, with the query
                    asked and what of the sub-field's query the API could not express.
``fetch_totals``    the fetched period totals of each source (the denominators of shares).

The long text columns of ``records`` (title, abstract) are compressed with zstd rather
than DuckDB's default choice (FSST/dictionary): a faster insert and a smaller file, for
a slightly slower scan (measured in docs/performance.md, "Store settings", "zstd for the
long text columns"). The normalised text the matcher searches is not stored (it was
until schema version 3): normalising it as it is read costs the match less than storing
it cost, which doubled the text every ingest writes, stages and compresses (measured in
docs/performance.md, "Fourth session", item 1).

``records`` and ``matches`` have no primary key: DuckDB keeps a key's index in memory
(gigabytes at 10M records), and both are unique by construction: ingest inserts only
record ids not yet stored, the first occurrence in a file winning, and the matcher
yields each (record, sub-field) pair once. The small tables keep their keys.

Opening sets DuckDB's memory limit (:func:`resolve_memory_limit`: the argument, else
``TECHCURVE_MEMORY_LIMIT``, else :data:`DEFAULT_MEMORY_LIMIT`), its thread count
(``TECHCURVE_THREADS``, default all cores) and a spill folder beside the file
(``<store>.tmp``), so every stage works in bounded memory, and switches DuckDB's
progress bar off; ``preserve_insertion_order`` stays on (ingest relies on it).
docs/performance.md, "Store settings", has the measurements behind the default.

A store of an older schema version is migrated in place when opened for writing (one
transaction; version 1 → 2 drops the keys of ``records`` and ``matches``, 2 → 3 the
normalised text columns, 3 → 4 adds the expert and panel tables, 4 → 5 the fetch tables); opened read-only it is read as it is.

DuckDB allows one writer or many readers per file (an OS file lock). A process that
finds the store held waits up to ``wait`` seconds (``TECHCURVE_WAIT``; the CLI's
``--wait``, default the config key ``store.wait_seconds``), then raises
:class:`StoreError`: ``store.busy`` when the other process writes, ``store.busy_reading``
when it reads. Which one is told by DuckDB's lock error itself, not by a lock-info file
of our own: a reader takes a shared lock, and DuckDB's error for a writer that meets one
adds that the file could still be opened read-only; a reader is only ever blocked by a
writer. The OS releases the lock when a process dies, so unlike a file of our own this
cannot be left stale by a killed process.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from techcurve.errors import StoreError, phrase
from techcurve.store.meta import Meta

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5
DEFAULT_DB = "techcurve.duckdb"

#: DuckDB's memory limit when neither ``Store.open(memory_limit=…)`` nor the environment
#: variable ``TECHCURVE_MEMORY_LIMIT`` sets one; DuckDB spills to ``<store>.tmp`` beyond
#: it. Against DuckDB's own default (80% of RAM) it cuts the peak memory of a full match
#: of 10M records at the same speed, and 1M records run as fast as without a limit
#: (measured in docs/performance.md, "Store settings", "Why 1.5GB").
DEFAULT_MEMORY_LIMIT = "1.5GB"
MEMORY_LIMIT_ENV = "TECHCURVE_MEMORY_LIMIT"
THREADS_ENV = "TECHCURVE_THREADS"

#: Seconds :meth:`Store.open` waits for a store another process holds, when not given:
#: the CLI sets it from ``--wait`` or the config key ``store.wait_seconds``; unset, the
#: library does not wait (the dashboard answers from its cache instead).
WAIT_ENV = "TECHCURVE_WAIT"
_POLL_SECONDS = 0.2

RECORD_COLUMNS: dict[str, pl.DataType] = {
    "record_id": pl.Utf8(),  # "<source>:<source_id>" or "<source>:h:<content hash>"
    "kind": pl.Utf8(),  # patent | paper | article | financing
    "source": pl.Utf8(),  # dataset / profile name, e.g. "crunchbase", "cnki"
    "source_id": pl.Utf8(),
    "title": pl.Utf8(),
    "abstract": pl.Utf8(),  # abstract, body, summary or company description
    "keywords": pl.Utf8(),  # ";"-joined
    "date": pl.Date(),  # first day of the period when only a month/year is known
    "date_precision": pl.Utf8(),  # day | month | year | none
    "year": pl.Int32(),
    "venue": pl.Utf8(),  # journal, conference, media site, patent office
    "organization": pl.Utf8(),  # patent applicant or financed company
    "ipc": pl.Utf8(),  # ";"-joined IPC codes (patents)
    "url": pl.Utf8(),
    "amount_text": pl.Utf8(),  # financing amount as printed ("数千万人民币", "US$ 5M", "未透露")
    "amount_low_cny": pl.Float64(),
    "amount_high_cny": pl.Float64(),
    "amount_point_cny": pl.Float64(),
    "currency": pl.Utf8(),
    "round_raw": pl.Utf8(),
    "round": pl.Utf8(),  # normalised: seed, angel, pre-a, a, a+, b, ..., ipo, strategic, m&a, other
    "investors": pl.Utf8(),
    "sector": pl.Utf8(),  # the source's own sector/category label
    "ingest_id": pl.Int64(),
}

COUNT_COLUMNS: dict[str, pl.DataType] = {
    "source": pl.Utf8(),
    "term": pl.Utf8(),
    "kind": pl.Utf8(),  # paper | patent | article | financing | attention
    "year": pl.Int32(),
    "month": pl.Int32(),  # 0 = the whole year
    "count": pl.Float64(),
    "total": pl.Float64(),  # the period's total over all terms (for shares); null if unknown
    "term_norm": pl.Utf8(),
    "ingest_id": pl.Int64(),
}

COUNT_MATCH_COLUMNS: dict[str, pl.DataType] = {
    "source": pl.Utf8(),
    "term": pl.Utf8(),
    "kind": pl.Utf8(),
    "subfield_id": pl.Utf8(),
    "is_primary": pl.Boolean(),  # the one series of (sub-field, source, kind) that is used
}

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS ingest_log (
    ingest_id BIGINT PRIMARY KEY, path VARCHAR, kind VARCHAR, profile VARCHAR, sha256 VARCHAR,
    rows_read BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT,
    rejects_path VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS records (
    record_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, source VARCHAR NOT NULL, source_id VARCHAR,
    title VARCHAR USING COMPRESSION zstd, abstract VARCHAR USING COMPRESSION zstd,
    keywords VARCHAR, date DATE, date_precision VARCHAR,
    year INTEGER, venue VARCHAR, organization VARCHAR, ipc VARCHAR, url VARCHAR,
    amount_text VARCHAR, amount_low_cny DOUBLE, amount_high_cny DOUBLE, amount_point_cny DOUBLE,
    currency VARCHAR, round_raw VARCHAR, round VARCHAR, investors VARCHAR, sector VARCHAR,
    ingest_id BIGINT);
CREATE TABLE IF NOT EXISTS counts (
    source VARCHAR NOT NULL, term VARCHAR NOT NULL, kind VARCHAR NOT NULL, year INTEGER NOT NULL,
    month INTEGER NOT NULL, count DOUBLE NOT NULL, total DOUBLE, term_norm VARCHAR, ingest_id BIGINT,
    PRIMARY KEY (source, term, kind, year, month));
CREATE TABLE IF NOT EXISTS domains (
    domain_id VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, aliases VARCHAR);
CREATE TABLE IF NOT EXISTS subfields (
    subfield_id VARCHAR PRIMARY KEY, domain_id VARCHAR, name_zh VARCHAR, name_en VARCHAR,
    query VARCHAR, definition VARCHAR);
CREATE TABLE IF NOT EXISTS matches (
    record_id VARCHAR NOT NULL, subfield_id VARCHAR NOT NULL, terms VARCHAR);
CREATE TABLE IF NOT EXISTS editions (
    edition VARCHAR NOT NULL, subfield_id VARCHAR NOT NULL, model VARCHAR, as_of VARCHAR,
    phase VARCHAR, position DOUBLE, years_band VARCHAR, saved_at TIMESTAMP,
    PRIMARY KEY (edition, subfield_id));
CREATE TABLE IF NOT EXISTS count_matches (
    source VARCHAR NOT NULL, term VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    subfield_id VARCHAR NOT NULL, is_primary BOOLEAN,
    PRIMARY KEY (source, term, kind, subfield_id));
CREATE TABLE IF NOT EXISTS match_queries (subfield_id VARCHAR PRIMARY KEY, query VARCHAR);
CREATE TABLE IF NOT EXISTS expert_placements (
    placement_id BIGINT PRIMARY KEY, subfield_id VARCHAR NOT NULL, phase VARCHAR,
    position DOUBLE, years_band VARCHAR, confidence DOUBLE, who VARCHAR, affiliation VARCHAR,
    made_at TIMESTAMP NOT NULL, rationale VARCHAR, origin VARCHAR NOT NULL, panel_id BIGINT,
    round_id BIGINT, withdrawn BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS panels (
    panel_id BIGINT PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, max_rounds INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS experts (
    expert_id BIGINT PRIMARY KEY, panel_id BIGINT NOT NULL, name VARCHAR NOT NULL,
    affiliation VARCHAR, domains VARCHAR, token_hash VARCHAR NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS rounds (
    round_id BIGINT PRIMARY KEY, panel_id BIGINT NOT NULL, number INTEGER NOT NULL,
    subfields VARCHAR NOT NULL, opened_at TIMESTAMP NOT NULL, closed_at TIMESTAMP,
    status VARCHAR NOT NULL, UNIQUE (panel_id, number));
CREATE TABLE IF NOT EXISTS responses (
    round_id BIGINT NOT NULL, expert_id BIGINT NOT NULL, subfield_id VARCHAR NOT NULL,
    phase VARCHAR NOT NULL, position DOUBLE NOT NULL, years_band VARCHAR, confidence DOUBLE,
    rationale VARCHAR, submitted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, expert_id, subfield_id));
CREATE TABLE IF NOT EXISTS round_results (
    round_id BIGINT NOT NULL, subfield_id VARCHAR NOT NULL, answers INTEGER NOT NULL,
    median DOUBLE, median_phase VARCHAR, q1 DOUBLE, q3 DOUBLE, iqr_phases DOUBLE,
    share_agreeing DOUBLE, years_band VARCHAR, confidence DOUBLE, consensus BOOLEAN NOT NULL,
    outliers VARCHAR,
    PRIMARY KEY (round_id, subfield_id));
CREATE TABLE IF NOT EXISTS fetches (
    source VARCHAR NOT NULL, request VARCHAR NOT NULL, term VARCHAR, kind VARCHAR NOT NULL,
    api_version VARCHAR, fetched_at TIMESTAMP NOT NULL, rows INTEGER NOT NULL,
    PRIMARY KEY (source, request));
CREATE TABLE IF NOT EXISTS fetch_series (
    source VARCHAR NOT NULL, kind VARCHAR NOT NULL, subfield_id VARCHAR NOT NULL,
    term VARCHAR NOT NULL, notes VARCHAR, PRIMARY KEY (source, kind, subfield_id));
CREATE TABLE IF NOT EXISTS fetch_totals (
    source VARCHAR NOT NULL, kind VARCHAR NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
    total DOUBLE NOT NULL, PRIMARY KEY (source, kind, year, month));
"""

#: the tables of expert placements and the panel, added by schema version 4
PANEL_TABLES = ("expert_placements", "panels", "experts", "rounds", "responses", "round_results")
#: the tables of ``techcurve fetch``, added by schema version 5
FETCH_TABLES = ("fetches", "fetch_series", "fetch_totals")


def _table_ddl(name: str) -> str:
    """The ``CREATE TABLE`` statement of one table of :data:`_DDL`."""
    for stmt in _DDL.split(";"):
        if f"CREATE TABLE IF NOT EXISTS {name} (" in stmt:
            return stmt.strip()
    raise KeyError(name)


def _sql_str(value: str) -> str:
    return value.replace("'", "''")


def resolve_memory_limit(memory_limit: str | None = None) -> str:
    """DuckDB's memory limit for a store: ``memory_limit`` if given, else the environment
    variable ``TECHCURVE_MEMORY_LIMIT``, else :data:`DEFAULT_MEMORY_LIMIT`.

    >>> resolve_memory_limit("1GB")
    '1GB'
    """
    return memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def _v1_to_v2(store: Store) -> None:
    """records and matches lose their primary keys (their in-memory indexes cost
    gigabytes at 10M records); the rows are copied once."""
    store._rebuild("records")
    store._rebuild("matches")


def _v2_to_v3(store: Store) -> None:
    """records loses the normalised text columns (title_norm, text_norm): the matcher
    normalises the text as it reads it; the rows are copied once."""
    store._rebuild("records")


def _v3_to_v4(store: Store) -> None:
    """the expert placements (with their history) and the expert panel's tables
    (panels, experts, rounds, responses, round_results) are added, empty."""
    for name in PANEL_TABLES:
        store.con.execute(_table_ddl(name))


def _v4_to_v5(store: Store) -> None:
    """the tables of fetched evidence (fetches, fetch_series, fetch_totals) are added, empty."""
    for name in FETCH_TABLES:
        store.con.execute(_table_ddl(name))


#: schema version → the function that migrates a store of it to the next version.
_MIGRATIONS: dict[int, Callable[[Store], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5,
}  # fmt: skip


class Store:
    """An open techcurve store.

    >>> with Store.open("techcurve.duckdb", create=True) as st:   # doctest: +SKIP
    ...     st.table("records").height
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str) -> None:
        self.con = con
        self.path = path
        self.memory_limit: str | None = None  # as set by open(), e.g. "2GB"
        # opened read-only: no table can come or go while it is open (a writer needs the
        # file to itself), so the tables are listed once for has_table
        self._read_only = False
        self._tables: frozenset[str] | None = None

    # -- opening ---------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path = DEFAULT_DB,
        *,
        create: bool = False,
        read_only: bool = False,
        memory_limit: str | None = None,
        wait: float | None = None,
    ) -> Store:
        """Open (or with ``create=True`` create) the store at ``path``.

        ``memory_limit`` caps DuckDB's memory, e.g. ``"2GB"`` (default: the environment
        variable ``TECHCURVE_MEMORY_LIMIT``, else :data:`DEFAULT_MEMORY_LIMIT`); beyond it
        DuckDB spills to ``<path>.tmp``. A store of an older schema is migrated in place
        unless ``read_only``. ``wait``: seconds to wait for a store another process holds
        (default ``TECHCURVE_WAIT``, else none).
        """
        p = Path(path)
        if not create and not p.exists():
            raise StoreError.of("store.missing", path=str(p))
        if create:
            p.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(p, read_only, wait)
        st = cls(con, str(p))
        st._read_only = read_only
        try:
            st.memory_limit = resolve_memory_limit(memory_limit)
            st._configure(st.memory_limit, os.environ.get(THREADS_ENV))
            if create:
                st._create_schema()
            st._check_version(read_only=read_only)
        except BaseException:
            con.close()
            raise
        return st

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self, limit: str, threads: str | None) -> None:
        # These are settings of the DuckDB instance, shared by every connection to the
        # file in this process: the last store opened sets them.
        try:
            self.con.execute(f"SET memory_limit = '{_sql_str(limit)}'")
        except duckdb.Error:
            raise StoreError.of(
                "store.bad_memory_limit", limit=limit, env=MEMORY_LIMIT_ENV
            ) from None
        if threads:
            try:
                self.con.execute(f"SET threads = {int(threads)}")
            except (ValueError, duckdb.Error):
                raise StoreError.of("store.bad_threads", env=THREADS_ENV, threads=threads) from None
        # The library never prints: no DuckDB progress bar on long statements either.
        self.con.execute("SET enable_progress_bar = false")
        # DuckDB's own default is the same folder, but only while the path it was given
        # is unchanged; naming it keeps spilling beside the store whatever the cwd.
        spill = str(Path(self.path).resolve()) + ".tmp"
        row = self.one("SELECT current_setting('temp_directory')")
        if row is None or str(row[0]) != spill:
            try:
                self.con.execute(f"SET temp_directory = '{_sql_str(spill)}'")
            except duckdb.Error as e:  # already spilling elsewhere in this process
                log.info("%s: keeping DuckDB's temp_directory (%s)", self.path, e)

    def _create_schema(self) -> None:
        self.con.execute(_DDL)
        if self.get_meta(Meta.SCHEMA_VERSION) is None:
            self.con.execute(
                "INSERT INTO meta VALUES (?, ?), (?, CAST(now() AS VARCHAR))",
                [Meta.SCHEMA_VERSION.value, str(SCHEMA_VERSION), Meta.CREATED_AT.value],
            )

    def _check_version(self, *, read_only: bool = False) -> None:
        try:
            row = self.one("SELECT value FROM meta WHERE key = ?", [Meta.SCHEMA_VERSION.value])
        except duckdb.CatalogException:
            raise StoreError.of("store.not_a_store", path=self.path) from None
        have = int(str(row[0])) if row is not None and str(row[0]).isdigit() else None
        if have == SCHEMA_VERSION:
            return
        if have is not None and have > SCHEMA_VERSION:
            raise StoreError.of(
                "store.newer_schema", path=self.path, have=have, reads=SCHEMA_VERSION
            )
        if have is None or have not in _MIGRATIONS:
            raise StoreError.of(
                "store.old_schema",
                path=self.path,
                have=row[0] if row else "?",
                needs=SCHEMA_VERSION,
            )
        if read_only:
            # Older versions differ in keys and in extra columns: they read the same.
            log.info(
                "%s: schema version %d, read as it is (migrated to %d when next opened "
                "for writing)", self.path, have, SCHEMA_VERSION,
            )  # fmt: skip
            return
        self._migrate(have)

    def _migrate(self, have: int) -> None:
        """Bring a store of schema version ``have`` to :data:`SCHEMA_VERSION` in one
        transaction: an error (or Ctrl-C) leaves it as it was."""
        with self.transaction():
            for version in range(have, SCHEMA_VERSION):
                step = _MIGRATIONS[version]
                said = phrase(
                    "store.migrating", path=self.path, old=version, new=version + 1,
                    step=" ".join(str(step.__doc__).split()),
                )  # fmt: skip
                log.warning(said.say("en"), extra={"phrase": said})
                step(self)
            self.set_meta(Meta.SCHEMA_VERSION, str(SCHEMA_VERSION))

    def _rebuild(self, name: str) -> None:
        """Re-create table ``name`` from the current DDL and copy its rows over, in
        their order (``rowid`` order is file order for ``records``): a plain scan keeps
        it under ``preserve_insertion_order``, without sorting the table."""
        if not self.has_table(name):
            return
        old = [
            str(r[0])
            for r in self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "ORDER BY column_index",
                [name],
            ).fetchall()
        ]
        tmp = f"{name}_migrating"
        self.con.execute(_table_ddl(name).replace(f" {name} (", f" {tmp} (", 1))
        new = {
            str(r[0])
            for r in self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [tmp]
            ).fetchall()
        }
        cols = ", ".join(f'"{c}"' for c in old if c in new)
        self.con.execute(f"INSERT INTO {tmp} ({cols}) SELECT {cols} FROM {name}")
        self.con.execute(f"DROP TABLE {name}")
        self.con.execute(f"ALTER TABLE {tmp} RENAME TO {name}")

    # -- generic helpers ---------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: an exception (or Ctrl-C) inside rolls everything back."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def table(self, name: str, where: str = "") -> pl.DataFrame:
        """A whole table (optionally filtered by a SQL ``where`` clause) as a polars frame."""
        sql = f"SELECT * FROM {name}" + (f" WHERE {where}" if where else "")
        return self.con.sql(sql).pl()

    def sql(self, query: str, params: Sequence[object] | None = None) -> pl.DataFrame:
        """Run a query and return a polars frame."""
        if params:
            return self.con.sql(query, params=params).pl()
        return self.con.sql(query).pl()

    def one(self, query: str, params: list[object] | None = None) -> tuple[object, ...] | None:
        """The first row of a query, or None; the result is fully consumed."""
        rows = self.con.execute(query, params or []).fetchall()
        return rows[0] if rows else None

    def has_table(self, name: str) -> bool:
        """Whether a table (or view) ``name`` exists."""
        if self._read_only:
            if self._tables is None:
                rows = self.con.execute("SELECT table_name FROM information_schema.tables")
                self._tables = frozenset(str(r[0]) for r in rows.fetchall())
            return name in self._tables
        r = self.one("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
        return bool(r and r[0])

    def replace_table(self, name: str, df: pl.DataFrame) -> None:
        """Replace a derived table (indicators, summary, assessments …) by ``df``."""
        self.con.register("_tc_df", df.to_arrow())
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _tc_df")
        finally:
            self.con.unregister("_tc_df")

    def append(self, name: str, df: pl.DataFrame) -> None:
        """Append rows; the columns of ``df`` must be a subset of the table's, by name."""
        if df.height == 0:
            return
        self.con.register("_tc_df", df.to_arrow())
        try:
            cols = ", ".join(f'"{c}"' for c in df.columns)
            self.con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _tc_df")
        finally:
            self.con.unregister("_tc_df")

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", [key])
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def next_ingest_id(self) -> int:
        row = self.one("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingest_log")
        return int(row[0]) if row else 1  # type: ignore[call-overload]

    def count(self, name: str, where: str = "") -> int:
        sql = f"SELECT count(*) FROM {name}" + (f" WHERE {where}" if where else "")
        row = self.one(sql)
        return int(row[0]) if row else 0  # type: ignore[call-overload]


def resolve_wait(wait: float | None = None) -> float:
    """Seconds to wait for a busy store: ``wait``, else ``TECHCURVE_WAIT``, else 0."""
    if wait is not None:
        return max(0.0, float(wait))
    env = os.environ.get(WAIT_ENV, "").strip()
    try:
        return max(0.0, float(env)) if env else 0.0
    except ValueError:
        raise StoreError.of("store.bad_wait", value=env, env=WAIT_ENV) from None


def _connect(p: Path, read_only: bool, wait: float | None) -> duckdb.DuckDBPyConnection:
    """DuckDB's connection to ``p``, waiting up to ``wait`` seconds while another
    process holds the file."""
    deadline: float | None = None
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only)
        except duckdb.IOException as e:
            text = str(e)
            if "lock" not in text.lower():
                raise StoreError.of("store.cannot_open", path=str(p), error=text) from None
            if deadline is None:
                seconds = resolve_wait(wait)
                deadline = time.monotonic() + seconds
            left = deadline - time.monotonic()
            if left > 0:
                time.sleep(min(_POLL_SECONDS, left))
                continue
            # a writer meeting a reader's shared lock is told it could open read-only
            reading = not read_only and "read-only" in text
            pid = re.search(r"PID (\d+)", text)
            raise StoreError.of(
                "store.busy_reading" if reading else "store.busy",
                path=str(p),
                pid=pid.group(1) if pid else "?",
                seconds=seconds,
            ) from None
        except duckdb.Error as e:
            raise StoreError.of("store.not_a_store_file", path=str(p), error=str(e)) from None


def init_store(path: str | Path = DEFAULT_DB, *, force: bool = False) -> Path:
    """Create an empty store at ``path`` (``force`` deletes an existing one first)."""
    p = Path(path)
    if p.exists():
        if not force:
            # Opening validates the version: an existing, current store is fine.
            Store.open(p).close()
            return p
        p.unlink()
        wal = p.with_name(p.name + ".wal")
        if wal.exists():
            wal.unlink()
    Store.open(p, create=True).close()
    return p
