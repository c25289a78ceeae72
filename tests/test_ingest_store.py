"""The SQL of ingest (techcurve.store.ingest) and the pieces around it: staged records
and links inserted in file order, the ingest log, count keys, the amount statistics,
DuckDB's memory limit; the stage's memory budget; links made while ingesting."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from techcurve.datatypes import IngestSummary
from techcurve.ingest import ingest_records
from techcurve.ingest.base import ROW_COL
from techcurve.ingest.linking import row_links
from techcurve.ingest.staging import STAGE_MEMORY, Stage, stage_memory
from techcurve.pipeline.linking import TaxonomyMatcher
from techcurve.store import RECORD_COLUMNS, Store, init_store
from techcurve.store.ingest import (
    RECORD_INSERT_COLUMNS,
    StagedScans,
    append_counts,
    financing_amount_counts,
    insert_staged_links,
    insert_staged_records,
    log_ingest,
    lowered_memory_limit,
    memory_bytes,
    parquet_scan,
    registered,
    stored_count_keys,
)
from techcurve.taxonomy import load_taxonomy

AS_OF = date(2026, 11, 29)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store.open(init_store(tmp_path / "tc.duckdb"))
    yield st
    st.close()


def _records(ids: list[str], first_row: int = 2) -> pl.DataFrame:
    """Parsed records (the insert's columns and the row) with these source ids."""
    n = len(ids)
    data: dict[str, list[object]] = {c: [None] * n for c in RECORD_INSERT_COLUMNS}
    data |= {"record_id": [f"t:{i}" for i in ids], "kind": ["paper"] * n, "source": ["t"] * n,
             "source_id": list[object](ids), "title": [f"title {i}" for i in ids]}  # fmt: skip
    schema = {c: RECORD_COLUMNS[c] for c in RECORD_INSERT_COLUMNS} | {ROW_COL: pl.Int64()}
    return pl.DataFrame(data | {ROW_COL: list(range(first_row, first_row + n))}, schema=schema)


def _scans(
    store: Store, groups: list[pl.DataFrame], links: pl.DataFrame | None = None
) -> tuple[AbstractContextManager[None], StagedScans]:
    """The groups (and links) registered with the store while the first item runs."""
    tables = {f"_g{i}": g.to_arrow() for i, g in enumerate(groups)}
    tables["_all"] = pl.concat(groups).to_arrow()
    if links is not None:
        tables["_links"] = links.to_arrow()
    scans = StagedScans("_all", [f"_g{i}" for i in range(len(groups))], ROW_COL,
                        "_links" if links is not None else None)  # fmt: skip
    return registered(store, tables), scans


def _stored(store: Store) -> list[tuple[object, ...]]:
    return store.sql("SELECT source_id, ingest_id FROM records ORDER BY rowid").rows()


def test_insert_staged_records_keeps_file_order_and_the_first_of_each_id(store: Store) -> None:
    ctx, scans = _scans(store, [_records(["1", "2"])])
    with ctx:
        assert insert_staged_records(store, scans, 1) == (2, ["paper"])  # the plain insert
    groups = [_records(["3", "2", "1"], first_row=2), _records(["4", "3", "5"], first_row=5)]
    ctx, scans = _scans(store, groups)
    with ctx:
        assert insert_staged_records(store, scans, 2) == (3, ["paper"])  # the filtered one
        assert insert_staged_records(store, scans, 3) == (0, [])  # all stored already
    assert _stored(store) == [("1", 1), ("2", 1), ("3", 2), ("4", 2), ("5", 2)]
    assert insert_staged_records(store, StagedScans("x", [], ROW_COL), 4) == (0, [])


def test_insert_staged_links_keeps_the_links_of_stored_rows_only(store: Store) -> None:
    ctx, scans = _scans(store, [_records(["1"])])
    with ctx:
        insert_staged_records(store, scans, 1)
    records = _records(["2", "1", "2"], first_row=2)  # "1" is stored, "2" repeats
    links = pl.DataFrame({ROW_COL: [2, 3, 4], "record_id": ["t:2", "t:1", "t:2"],
                          "subfield_id": ["a", "a", "b"], "terms": ["x", "y", "z"]})  # fmt: skip
    ctx, scans = _scans(store, [records], links)
    with ctx:
        assert insert_staged_records(store, scans, 2) == (1, ["paper"])
        assert insert_staged_links(store, scans, 2, every_row=False) == 1
    assert store.sql("SELECT * FROM matches").rows() == [("t:2", "a", "x")]
    assert insert_staged_links(store, StagedScans("x", ["x"], ROW_COL), 2, every_row=True) == 0


def test_parquet_scan_reads_staged_files(store: Store, tmp_path: Path) -> None:
    paths = [tmp_path / "a'1.parquet", tmp_path / "b.parquet"]
    _records(["1"]).write_parquet(paths[0])
    _records(["2"], first_row=3).write_parquet(paths[1])
    assert parquet_scan(paths).startswith("read_parquet([") and "a''1" in parquet_scan(paths)
    scans = StagedScans(parquet_scan(paths), [parquet_scan([p]) for p in paths], ROW_COL)
    assert insert_staged_records(store, scans, 7) == (2, ["paper"])
    assert _stored(store) == [("1", 7), ("2", 7)]


def test_log_ingest_writes_the_summary_row(store: Store) -> None:
    summary = IngestSummary("a.csv", "paper", "generic", 5, 3, 1, 1, "rejects/a.rejects.csv")
    started, finished = datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 6)
    log_ingest(store, 4, summary, sha256="ab", started=started, finished=finished)
    assert store.table("ingest_log").rows() == [
        (4, "a.csv", "paper", "generic", "ab", 5, 3, 1, 1, "rejects/a.rejects.csv", started,
         finished)
    ]  # fmt: skip
    assert store.next_ingest_id() == 5


def test_count_keys_and_append(store: Store) -> None:
    rows = pl.DataFrame(
        {"source": ["s"], "term": ["ai"], "kind": ["paper"], "year": [2020], "month": [0],
         "count": [3.0], "total": [None], "term_norm": ["ai"], "ingest_id": [1]},
        schema_overrides={"year": pl.Int32, "month": pl.Int32, "total": pl.Float64},
    )  # fmt: skip
    append_counts(store, rows)
    keys = pl.DataFrame(
        {"source": ["s", "s"], "term": ["ai", "ai"], "kind": ["paper", "paper"],
         "year": [2020, 2021], "month": [0, 0], "count": [1.0, 2.0]}
    )  # fmt: skip
    assert stored_count_keys(store, keys).rows() == [("s", "ai", "paper", 2020, 0)]


def test_financing_amount_counts_per_source(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "rounds.csv"
    f.write_text(
        "company,money,rounds,date\nA,1000万人民币,A轮,2020-01-01\nB,数千万人民币,B轮,2020-02-01\n"
        "C,未透露,天使轮,2020-03-01\n",
        encoding="utf-8",
    )
    ingest_records(store, [f], kind="financing", profile="itjuzi", as_of=AS_OF)
    got = financing_amount_counts(store)
    assert got.rows() == [("itjuzi", 3, 1, 1, 1)]
    assert got.columns == ["source", "events", "exact", "vague", "undisclosed"]
    assert financing_amount_counts(store, where="date < DATE '2020-02-01'").rows() == [
        ("itjuzi", 1, 1, 0, 0)
    ]


def test_memory_limit_is_lowered_meanwhile_and_restored(tmp_path: Path) -> None:
    assert memory_bytes("1.5 GiB") == 1.5 * 2**30 and memory_bytes("2GB") == 2e9
    assert memory_bytes("512") == 512 and memory_bytes("") is None and memory_bytes("lots") is None
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path, memory_limit="2GB") as st:
        with lowered_memory_limit(st, "500MB"):
            assert st.one("SELECT current_setting('memory_limit')") == ("476.8 MiB",)
        assert st.one("SELECT current_setting('memory_limit')") == ("1.8 GiB",)
        with lowered_memory_limit(st, "3GB"):  # never raised
            assert st.one("SELECT current_setting('memory_limit')") == ("1.8 GiB",)


def test_stage_memory_is_the_budget_or_the_store_limit(tmp_path: Path) -> None:
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path, memory_limit="300MB") as st:
        assert stage_memory(st) == 300_000_000
    with Store.open(path, memory_limit="64GB") as st:
        assert stage_memory(st) == STAGE_MEMORY


def test_stage_holds_records_in_row_groups_in_memory(store: Store, tmp_path: Path) -> None:
    with ThreadPoolExecutor(1) as pool:
        stage = Stage(tmp_path, pool)
        stage.add(_records(["1", "2"]), None)
        stage.add(_records(["3"], first_row=4), None)
        stage.finish()
        assert stage.records == 3
        with stage.scans(store) as scans:
            assert (scans.whole, scans.row_column, scans.links) == ("_tc_stage", ROW_COL, None)
            assert insert_staged_records(store, scans, 1) == (3, ["paper"])
    assert [r[0] for r in _stored(store)] == ["1", "2", "3"]
    assert not list(tmp_path.glob("*.parquet"))


def test_row_links_and_the_taxonomy_matcher(store: Store) -> None:
    tax = load_taxonomy()
    matcher = TaxonomyMatcher(tax)
    assert matcher.in_step(store)  # no records yet
    frame = _records(["1", "2"], first_row=5).with_columns(
        pl.Series("title", ["一种区块链存证方法", "天气预报"])
    )
    links = row_links(frame, matcher)
    assert links.columns == [ROW_COL, "record_id", "subfield_id", "terms"]
    assert links.select(ROW_COL, "record_id").unique().rows() == [(5, "t:1")]
    assert links.height >= 1
