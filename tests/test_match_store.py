"""match_store streams records in batches, reading the next batch and writing the last
batch's links in threads: the links must be those of one match_frame over all records,
and a failure half-way must leave the store as it was."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import techcurve.match.incremental as match_mod
from techcurve.match import match_frame, match_store, needed_columns
from techcurve.store import Store
from techcurve.taxonomy import load_taxonomy
from test_engine import make_store


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    real = match_mod.iter_record_batches

    def small_batches(st: Store, columns: list[str], where: str = "") -> Iterator[pl.DataFrame]:
        return real(st, columns, where, rows=700)  # 3,000 records: 5 batches

    monkeypatch.setattr(match_mod, "iter_record_batches", small_batches)
    st = Store.open(make_store(tmp_path / "tc.duckdb", n=3000))
    yield st
    st.close()


def _links(st: Store) -> pl.DataFrame:
    return st.sql("SELECT record_id, subfield_id, terms FROM matches").sort(
        "record_id", "subfield_id"
    )


def test_batched_links_are_those_of_one_pass_over_all_records(store: Store) -> None:
    tax = load_taxonomy()
    res = match_store(store, tax, full=True)
    records = store.sql(f"SELECT {', '.join(needed_columns(tax.queries))} FROM records")
    want = match_frame(records, tax.queries).sort("record_id", "subfield_id")
    assert _links(store).equals(want)
    stored = store.one("SELECT count(*), count(DISTINCT record_id) FROM matches")
    assert stored == (want.height, want["record_id"].n_unique())
    assert (res.links, res.matched_records) == stored


def test_a_failure_half_way_leaves_the_store_untouched(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tax = load_taxonomy()
    match_store(store, tax, full=True)
    before = _links(store)
    calls = {"n": 0}

    def failing(frame: pl.DataFrame, queries: object) -> pl.DataFrame:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom")
        return match_frame(frame, queries)  # type: ignore[arg-type]

    monkeypatch.setattr(match_mod, "match_frame", failing)
    with pytest.raises(RuntimeError, match="boom"):
        match_store(store, tax, full=True)
    assert _links(store).equals(before)
    # the thread reading ahead stopped (and closed its cursor) before the error surfaced
    assert not [t for t in threading.enumerate() if t.name == "techcurve-records"]


def test_an_incremental_run_over_several_batches_equals_a_full_run(
    store: Store, tmp_path: Path
) -> None:
    from test_engine import make_records
    from test_incremental import _edited

    match_store(store, load_taxonomy(), full=True)
    store.append("records", make_records(1200, start=3000, seed=2, ingest_id=2))
    edited = _edited(tmp_path, {"ar": {"terms": ["AR", "增强现实", "mixed reality"]}})
    res = match_store(store, edited)
    assert res.mode == "incremental" and res.rematched_records == 4200
    incremental = _links(store)
    match_store(store, edited, full=True)
    assert incremental.equals(_links(store))
