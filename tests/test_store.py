"""The store: schema version 3 (no keys on ``records`` and ``matches``, no normalised
text stored), the in-place migration of version-1 and version-2 stores, uniqueness kept by ingest instead of a key, and the
DuckDB settings made when a store is opened (memory limit, threads, spill folder)."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import techcurve.ingest.files as ingest_files
import techcurve.ingest.staging as staging
import techcurve.store as store_mod
from techcurve.cli import cli
from techcurve.errors import StoreError
from techcurve.ingest import ingest_records, readers
from techcurve.match import match_store
from techcurve.store import SCHEMA_VERSION, Store, init_store
from techcurve.store import panel as panel_store
from techcurve.store.core import FETCH_TABLES, PANEL_TABLES
from techcurve.store.ingest import StagedScans, memory_bytes
from techcurve.taxonomy import load_taxonomy

AS_OF = date(2026, 11, 29)

# The version-1 schema as released: records and matches with primary keys.
V1_DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE ingest_log (
    ingest_id BIGINT PRIMARY KEY, path VARCHAR, kind VARCHAR, profile VARCHAR, sha256 VARCHAR,
    rows_read BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT,
    rejects_path VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP);
CREATE TABLE records (
    record_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, source VARCHAR NOT NULL, source_id VARCHAR,
    title VARCHAR, abstract VARCHAR, keywords VARCHAR, date DATE, date_precision VARCHAR,
    year INTEGER, venue VARCHAR, organization VARCHAR, ipc VARCHAR, url VARCHAR,
    amount_text VARCHAR, amount_low_cny DOUBLE, amount_high_cny DOUBLE, amount_point_cny DOUBLE,
    currency VARCHAR, round_raw VARCHAR, round VARCHAR, investors VARCHAR, sector VARCHAR,
    title_norm VARCHAR, text_norm VARCHAR, ingest_id BIGINT);
CREATE TABLE counts (
    source VARCHAR NOT NULL, term VARCHAR NOT NULL, kind VARCHAR NOT NULL, year INTEGER NOT NULL,
    month INTEGER NOT NULL, count DOUBLE NOT NULL, total DOUBLE, term_norm VARCHAR, ingest_id BIGINT,
    PRIMARY KEY (source, term, kind, year, month));
CREATE TABLE domains (
    domain_id VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, aliases VARCHAR);
CREATE TABLE subfields (
    subfield_id VARCHAR PRIMARY KEY, domain_id VARCHAR, name_zh VARCHAR, name_en VARCHAR,
    query VARCHAR, definition VARCHAR);
CREATE TABLE matches (
    record_id VARCHAR NOT NULL, subfield_id VARCHAR NOT NULL, terms VARCHAR,
    PRIMARY KEY (record_id, subfield_id));
CREATE TABLE editions (
    edition VARCHAR NOT NULL, subfield_id VARCHAR NOT NULL, model VARCHAR, as_of VARCHAR,
    phase VARCHAR, position DOUBLE, years_band VARCHAR, saved_at TIMESTAMP,
    PRIMARY KEY (edition, subfield_id));
CREATE TABLE count_matches (
    source VARCHAR NOT NULL, term VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    subfield_id VARCHAR NOT NULL, is_primary BOOLEAN,
    PRIMARY KEY (source, term, kind, subfield_id));
INSERT INTO meta VALUES ('schema_version', '1'), ('created_at', '2024-01-01');
"""

CSV_HEAD = "source_id,kind,title,abstract,date\n"


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A generic-profile CSV of (source_id, title) rows, papers of 2020."""
    path.write_text(
        CSV_HEAD + "".join(f"{i},paper,{t},about {t},2020-01-01\n" for i, t in rows),
        encoding="utf-8",
    )
    return path


def _v1_store(tmp_path: Path) -> Path:
    """A version-1 store holding two records (in this order) and one link."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(V1_DDL)
    con.execute(
        "INSERT INTO ingest_log (ingest_id, path, stored) VALUES (1, 'old.csv', 2);"
        "INSERT INTO records (record_id, kind, source, source_id, title, ingest_id) VALUES "
        "('generic:9', 'paper', 'generic', '9', 'nine', 1), "
        "('generic:1', 'paper', 'generic', '1', 'one', 1);"
        "INSERT INTO matches VALUES ('generic:9', 'ar', 'ar');"
        "INSERT INTO domains VALUES ('d', 'd', 'd', '');"
    )
    con.close()
    return path


def _keys(st: Store) -> dict[str, int]:
    rows = st.con.execute(
        "SELECT table_name, count(*) FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY' GROUP BY table_name"
    ).fetchall()
    return {str(t): int(n) for t, n in rows}


# -- schema and migration -------------------------------------------------------------


def test_records_and_matches_have_no_key_and_the_small_tables_keep_theirs(store: Store) -> None:
    keys = _keys(store)
    assert "records" not in keys and "matches" not in keys
    assert {"meta", "ingest_log", "counts", "domains", "subfields", "editions"} <= set(keys)
    assert {"count_matches"} <= set(keys)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "5"
    # record_id stays required without the key
    with pytest.raises(duckdb.ConstraintException):
        store.con.execute(
            "INSERT INTO records (record_id, kind, source) VALUES (NULL, 'paper', 'x')"
        )


def test_a_version_1_store_is_migrated_in_place_and_keeps_its_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _v1_store(tmp_path)
    with caplog.at_level(logging.WARNING, logger="techcurve.store"):
        st = Store.open(path)
    try:
        assert "migrating the store from schema version 1 to 2" in caplog.text
        assert "migrating the store from schema version 2 to 3" in caplog.text
        assert st.get_meta("schema_version") == "5"
        assert "records" not in _keys(st) and "matches" not in _keys(st)
        assert not {"title_norm", "text_norm"} & set(st.table("records").columns)
        assert "domains" in _keys(st)  # other tables untouched
        # rows kept, in their order (rowid order is file order for records)
        assert st.sql("SELECT record_id, title FROM records ORDER BY rowid").rows() == [
            ("generic:9", "nine"),
            ("generic:1", "one"),
        ]
        assert st.sql("SELECT * FROM matches").rows() == [("generic:9", "ar", "ar")]
        assert st.count("ingest_log") == 1 and st.count("domains") == 1
        assert not st.has_table("records_migrating")
    finally:
        st.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="techcurve.store"):
        Store.open(path).close()  # once only
    assert "migrating" not in caplog.text


def test_a_migrated_store_ingests_and_matches(tmp_path: Path) -> None:
    path = _v1_store(tmp_path)
    f = _csv(tmp_path / "new.csv", [("1", "one again"), ("2", "AR glasses"), ("9", "nine again")])
    with Store.open(path) as st:
        [s] = ingest_records(st, [f], kind="auto", profile="generic", as_of=AS_OF)
        assert (s.stored, s.duplicates) == (1, 2)  # ids 1 and 9 were stored in version 1
        assert st.sql("SELECT source_id FROM records ORDER BY rowid").to_series().to_list() == [
            "9",
            "1",
            "2",
        ]
        match_store(st, load_taxonomy(), full=True)
        dup = st.one("SELECT count(*) - count(DISTINCT (record_id, subfield_id)) FROM matches")
        assert dup == (0,)
        assert "matches" not in _keys(st)  # re-created from its own (keyless) DDL


def test_opening_a_version_1_store_read_only_reads_it_as_it_is(tmp_path: Path) -> None:
    path = _v1_store(tmp_path)
    with Store.open(path, read_only=True) as st:
        assert st.get_meta("schema_version") == "1"
        assert st.count("records") == 2
    with Store.open(path) as st:
        assert st.get_meta("schema_version") == "5"


def _v2_store(tmp_path: Path) -> Path:
    """A version-2 store (version 1 without the two keys) holding two records with
    their normalised text, one link and the match state that describes them."""
    path = tmp_path / "v2.duckdb"
    ddl = V1_DDL.replace("record_id VARCHAR PRIMARY KEY,", "record_id VARCHAR NOT NULL,")
    ddl = ddl.replace(",\n    PRIMARY KEY (record_id, subfield_id))", ")")
    ddl = ddl.replace("('schema_version', '1')", "('schema_version', '2')")
    con = duckdb.connect(str(path))
    con.execute(ddl)
    con.execute(
        "INSERT INTO ingest_log (ingest_id, path, stored) VALUES (1, 'old.csv', 2);"
        "INSERT INTO records (record_id, kind, source, source_id, title, title_norm, "
        "text_norm, ingest_id) VALUES "
        "('generic:9', 'paper', 'generic', '9', 'AR nine', '\x1far\x1f \x1fnine\x1f', "
        "'\x1far\x1f \x1fnine\x1f', 1), "
        "('generic:1', 'paper', 'generic', '1', 'one', '\x1fone\x1f', '\x1fone\x1f', 1);"
        "INSERT INTO matches VALUES ('generic:9', 'ar', 'AR');"
    )
    con.close()
    return path


def test_a_version_2_store_loses_the_normalised_text_and_keeps_its_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _v2_store(tmp_path)
    with Store.open(path, read_only=True) as st:  # read as it is
        assert st.get_meta("schema_version") == "2" and st.count("records") == 2
    with caplog.at_level(logging.WARNING, logger="techcurve.store"):
        st = Store.open(path)
    try:
        assert "migrating the store from schema version 2 to 3" in caplog.text
        assert "1 to 2" not in caplog.text
        assert st.get_meta("schema_version") == "5"
        assert st.table("records").columns == [
            c for c in store_mod.RECORD_COLUMNS if c not in ("title_norm", "text_norm")
        ]
        assert st.sql("SELECT record_id, title FROM records ORDER BY rowid").rows() == [
            ("generic:9", "AR nine"),
            ("generic:1", "one"),
        ]
        assert st.sql("SELECT * FROM matches").rows() == [("generic:9", "ar", "AR")]
    finally:
        st.close()


def test_a_failed_migration_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _v1_store(tmp_path)
    rebuild = Store._rebuild

    def fail_on_matches(self: Store, name: str) -> None:
        if name == "matches":
            raise KeyboardInterrupt
        rebuild(self, name)

    monkeypatch.setattr(Store, "_rebuild", fail_on_matches)
    with pytest.raises(KeyboardInterrupt):
        Store.open(path)
    monkeypatch.undo()
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
            ("1",)
        ]
        keyed = con.execute(
            "SELECT DISTINCT table_name FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND table_name IN ('records', 'matches')"
        ).fetchall()
        assert sorted(keyed) == [("matches",), ("records",)]
        assert con.execute("SELECT count(*) FROM records").fetchall() == [(2,)]
    finally:
        con.close()


def test_a_store_of_a_newer_or_unknown_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tc.duckdb"
    init_store(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer techcurve"):
        Store.open(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError) as e:
        Store.open(path)
    assert (
        str(e.value) == f"{path} has schema version 0, this techcurve needs 5: re-create the store"
    )


def test_a_version_3_store_gains_the_empty_expert_and_panel_tables(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v3.duckdb"
    init_store(path)
    con = duckdb.connect(str(path))
    for name in (*PANEL_TABLES, *FETCH_TABLES):
        con.execute(f"DROP TABLE {name}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with Store.open(path, read_only=True) as st:  # read as it is: no placements
        assert not st.has_table("expert_placements")
        assert panel_store.current_placements(st).height == 0
    with caplog.at_level(logging.WARNING, logger="techcurve.store"):
        st = Store.open(path)
    try:
        assert "migrating the store from schema version 3 to 4" in caplog.text
        assert "migrating the store from schema version 4 to 5" in caplog.text
        assert st.get_meta("schema_version") == "5"
        assert [st.count(n) for n in PANEL_TABLES] == [0, 0, 0, 0, 0, 0]
    finally:
        st.close()


def test_a_version_4_store_gains_the_empty_fetch_tables(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v4.duckdb"
    init_store(path)
    con = duckdb.connect(str(path))
    for name in FETCH_TABLES:
        con.execute(f"DROP TABLE {name}")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    with Store.open(path, read_only=True) as st:  # read as it is
        assert not st.has_table("fetches")
    with caplog.at_level(logging.WARNING, logger="techcurve.store"):
        st = Store.open(path)
    try:
        assert (
            "migrating the store from schema version 4 to 5: the tables of fetched" in caplog.text
        )
        assert st.get_meta("schema_version") == "5"
        assert [st.count(n) for n in FETCH_TABLES] == [0, 0, 0]
    finally:
        st.close()


# -- uniqueness without a key ---------------------------------------------------------


def test_reingesting_the_same_file_stores_nothing_new(store: Store, tmp_path: Path) -> None:
    f = _csv(tmp_path / "a.csv", [(str(i), f"t{i}") for i in range(5)])
    [first] = ingest_records(store, [f], kind="auto", profile="generic", as_of=AS_OF)
    [again] = ingest_records(store, [f], kind="auto", profile="generic", as_of=AS_OF)
    assert (first.stored, first.duplicates) == (5, 0)
    assert (again.stored, again.duplicates) == (0, 5)
    assert store.count("records") == 5
    assert store.one("SELECT count(DISTINCT record_id) FROM records") == (5,)


@pytest.mark.parametrize("batch_rows", [3, 1000])  # the repeats across batches, or in one
def test_repeated_ids_in_one_file_keep_the_first_in_file_order(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int
) -> None:
    monkeypatch.setattr(readers, "BATCH_ROWS", batch_rows)
    rows = [("5", "a"), ("3", "b"), ("5", "c"), ("1", "d"), ("3", "e"), ("9", "f"), ("1", "g")]
    [s] = ingest_records(
        store, [_csv(tmp_path / "r.csv", rows)], kind="auto", profile="generic", as_of=AS_OF
    )
    assert (s.rows_read, s.stored, s.duplicates) == (7, 4, 3)
    got = store.sql("SELECT source_id, title FROM records ORDER BY rowid").rows()
    assert got == [("5", "a"), ("3", "b"), ("1", "d"), ("9", "f")]


@pytest.mark.parametrize("repeats", [False, True])  # the plain insert, or the filtered one
@pytest.mark.parametrize("memory", [1 << 30, 0, 500])  # held in memory, as files, spilled
def test_records_staged_in_row_groups_keep_file_order(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repeats: bool, memory: int
) -> None:
    # batches of 3 parsed rows are staged as whole 4-row groups (and a tail): held in
    # memory, or written as Parquet files, or held until past the budget, then written
    monkeypatch.setattr(readers, "BATCH_ROWS", 3)
    monkeypatch.setattr(staging, "ROW_GROUP", 4)
    monkeypatch.setattr(staging, "STAGE_MEMORY", memory)
    staged: list[int] = []
    kinds: set[str] = set()
    insert = ingest_files.insert_staged_records

    def spy(st: Store, scans: StagedScans, ingest_id: int) -> tuple[int, list[str]]:
        kinds.add("files" if "read_parquet" in scans.whole else "memory")
        staged.extend(int(st.one(f"SELECT count(*) FROM {u}")[0]) for u in scans.units)  # type: ignore[index]
        return insert(st, scans, ingest_id)

    monkeypatch.setattr(ingest_files, "insert_staged_records", spy)
    ids = [str(i) for i in range(19)] + (["4", "17"] if repeats else [])
    rows = [(i, f"t{n}") for n, i in enumerate(ids)]
    [s] = ingest_records(
        store, [_csv(tmp_path / "g.csv", rows)], kind="auto", profile="generic", as_of=AS_OF
    )
    assert staged == ([4, 4, 4, 4, 4, 1] if repeats else [4, 4, 4, 4, 3])
    assert kinds == {"memory" if memory > 1 << 20 else "files"}
    assert (s.stored, s.duplicates) == (19, 2 if repeats else 0)
    got = store.sql("SELECT source_id, title FROM records ORDER BY rowid").rows()
    assert got == [(str(i), f"t{i}") for i in range(19)]
    assert not any(st.startswith("_tc_stage") for (st,) in store.con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
    ).fetchall())  # fmt: skip


def test_the_store_memory_limit_bounds_what_ingest_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    budgets: list[int] = []
    stage_init = staging.Stage.__init__

    def spy(self: object, folder: Path, pool: object, memory: int = 0, name: str = "s") -> None:
        budgets.append(memory)
        stage_init(self, folder, pool, memory, name)  # type: ignore[arg-type]

    monkeypatch.setattr(staging.Stage, "__init__", spy)
    path = init_store(tmp_path / "tc.duckdb")
    for limit in ("2GB", "512MB"):
        with Store.open(path, memory_limit=limit) as st:
            f = _csv(tmp_path / f"{limit}.csv", [(limit, "t")])
            ingest_records(st, [f], kind="auto", profile="generic", as_of=AS_OF)
    assert budgets == [staging.STAGE_MEMORY, 512_000_000]


def test_a_file_overlapping_the_store_adds_only_new_ids_first_occurrence_first(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "BATCH_ROWS", 2)
    ingest_records(
        store,
        [_csv(tmp_path / "a.csv", [("1", "old1"), ("2", "old2")])],
        kind="auto",
        profile="generic",
        as_of=AS_OF,
    )
    rows = [("7", "x"), ("2", "dup"), ("6", "y"), ("7", "again"), ("1", "dup"), ("8", "z")]
    [s] = ingest_records(
        store, [_csv(tmp_path / "b.csv", rows)], kind="auto", profile="generic", as_of=AS_OF
    )
    assert (s.stored, s.duplicates) == (3, 3)
    got = store.sql("SELECT source_id, title, ingest_id FROM records ORDER BY rowid").rows()
    assert got == [("1", "old1", 1), ("2", "old2", 1), ("7", "x", 2), ("6", "y", 2), ("8", "z", 2)]


# -- DuckDB settings ------------------------------------------------------------------


def _limit(st: Store) -> str:
    return str(st.one("SELECT current_setting('memory_limit')")[0])  # type: ignore[index]


def test_memory_limit_argument_then_environment_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = init_store(tmp_path / "tc.duckdb")
    monkeypatch.delenv("TECHCURVE_MEMORY_LIMIT", raising=False)
    with Store.open(path) as st:
        assert st.memory_limit == store_mod.DEFAULT_MEMORY_LIMIT == "1.5GB"
        assert _limit(st) == "1.3 GiB"
        spill = st.one("SELECT current_setting('temp_directory')")
        assert spill == (str(path.resolve()) + ".tmp",)
    monkeypatch.setenv("TECHCURVE_MEMORY_LIMIT", "1GiB")
    with Store.open(path, read_only=True) as st:
        assert _limit(st) == "1.0 GiB"
    with Store.open(path, memory_limit="300MB") as st:
        assert _limit(st) == "286.1 MiB"


def test_a_bad_memory_limit_or_thread_count_is_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = init_store(tmp_path / "tc.duckdb")
    with pytest.raises(StoreError, match="memory limit 'lots'.*e.g. 2GB"):
        Store.open(path, memory_limit="lots")
    monkeypatch.setenv("TECHCURVE_THREADS", "1")
    with Store.open(path) as st:
        assert st.one("SELECT current_setting('threads')") == (1,)
    monkeypatch.setenv("TECHCURVE_THREADS", "many")
    with pytest.raises(StoreError, match="TECHCURVE_THREADS"):
        Store.open(path)


def test_ingest_lowers_the_limit_while_inserting_only_and_never_raises_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    seen: list[str] = []
    insert = ingest_files.insert_staged_records

    def spy(st: Store, scans: StagedScans, ingest_id: int) -> tuple[int, list[str]]:
        seen.append(_limit(st))
        return insert(st, scans, ingest_id)

    monkeypatch.setattr(ingest_files, "insert_staged_records", spy)
    path = init_store(tmp_path / "tc.duckdb")
    f = _csv(tmp_path / "a.csv", [("1", "t")])
    with Store.open(path, memory_limit="2GB") as st:
        ingest_records(st, [f], kind="auto", profile="generic", as_of=AS_OF)
        assert _limit(st) == "1.8 GiB"  # the store's limit again
    with Store.open(path, memory_limit="256MB") as st:
        ingest_records(st, [f], kind="auto", profile="generic", as_of=AS_OF)
        assert _limit(st) == "244.1 MiB"
    assert seen == ["953.6 MiB", "244.1 MiB"]  # ingest's 1GB, then the lower store limit
    assert memory_bytes("1.8 GiB") == pytest.approx(1.8 * 2**30)
    assert memory_bytes("512MB") == 512e6 and memory_bytes("80%") is None


def test_cli_memory_limit_option_reaches_the_store_and_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TECHCURVE_MEMORY_LIMIT", raising=False)
    db = str(tmp_path / "tc.duckdb")
    seen: list[str | None] = []
    configure = Store._configure

    def spy(self: Store, limit: str, threads: str | None) -> None:
        seen.append(limit)
        configure(self, limit, threads)

    monkeypatch.setattr(Store, "_configure", spy)
    runner = CliRunner()
    res = runner.invoke(cli, ["--db", db, "--memory-limit", "700MB", "init"])
    assert res.exit_code == 0, res.output
    assert seen == ["700MB"]
    assert "TECHCURVE_MEMORY_LIMIT" not in os.environ
    res = runner.invoke(cli, ["--db", db, "--memory-limit", "a lot", "match"])
    assert isinstance(res.exception, StoreError)
    assert "memory limit 'a lot'" in str(res.exception) and "--memory-limit" in str(res.exception)
    res = runner.invoke(cli, ["--db", db, "init"], env={"TECHCURVE_MEMORY_LIMIT": "600MB"})
    assert res.exit_code == 0 and seen[-1] == "600MB"


def test_an_error_while_inserting_is_reported_as_itself_not_as_an_aborted_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 10M records the old insert ran out of memory, and restoring the memory limit
    # inside the aborted transaction replaced that error by "transaction is aborted".

    def fail(st: Store, stage: Path, ingest_id: int) -> tuple[int, list[str]]:
        st.con.execute("INSERT INTO meta VALUES ('schema_version', 'again')")  # a key error
        raise AssertionError("unreachable")

    monkeypatch.setattr(ingest_files, "insert_staged_records", fail)
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path, memory_limit="1GB") as st:
        with pytest.raises(StoreError, match="(?i)duplicate key") as err:
            ingest_records(st, [_csv(tmp_path / "a.csv", [("1", "t")])], kind="auto", as_of=AS_OF)
        assert "aborted" not in str(err.value)
        assert _limit(st) == "953.6 MiB" and st.count("records") == 0
        assert st.get_meta("schema_version") == "5"


def _table_asked(st: Store, name: str) -> bool:
    row = st.one("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
    return bool(row and row[0])


def test_has_table_of_a_read_only_store_lists_its_tables_once(tmp_path: Path) -> None:
    """Read-only, the tables are listed once (none can come or go while it is open):
    the same answers as the query per name; opened for writing, a new table is seen."""
    db = tmp_path / "tc.duckdb"
    init_store(db)
    names = ["records", "matches", "meta", "summary", "no_such_table", "RECORDS", "extra"]
    with Store.open(db) as st:
        st.con.execute("CREATE TABLE extra (x INTEGER)")
        asked = {n: _table_asked(st, n) for n in names}
        assert not st.has_table("later")
        st.con.execute("CREATE TABLE later (x INTEGER)")
        assert st.has_table("later")  # opened for writing: asked each time
    assert asked["records"] and asked["extra"] and not asked["no_such_table"]
    with Store.open(db, read_only=True) as ro:
        assert {n: ro.has_table(n) for n in names} == asked
        assert ro.has_table("later")
