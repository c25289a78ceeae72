"""Incremental matching: new records and edited sub-fields are the only work redone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from techcurve.match import match_store
from techcurve.store import Store
from techcurve.taxonomy import DEFAULT_TAXONOMY, Taxonomy, load_taxonomy
from test_engine import make_records, make_store


def _links(st: Store) -> pl.DataFrame:
    return st.table("matches").sort("record_id", "subfield_id")


def _edited(tmp: Path, edit: dict[str, dict[str, object]], drop: tuple[str, ...] = ()) -> Taxonomy:
    """The default taxonomy with some sub-fields changed or removed."""
    data = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    subs = []
    for s in data["subfields"]:
        if s["id"] in drop:
            continue
        if s["id"] in edit:
            s = {k: v for k, v in s.items() if k not in ("terms", "exclude", "query")}
            s.update(edit[s["id"]])
        subs.append(s)
    data["subfields"] = subs
    path = tmp / "tax.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_taxonomy(path)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    st = Store.open(make_store(tmp_path / "tc.duckdb", n=3000))
    yield st
    st.close()


def test_a_second_run_with_nothing_new_matches_nothing(store: Store) -> None:
    tax = load_taxonomy()
    first = match_store(store, tax)
    assert first.mode == "full" and first.rematched_records == 3000
    again = match_store(store, tax)
    assert again.mode == "incremental" and again.rematched_records == 0
    assert (again.links, again.matched_records) == (first.links, first.matched_records)


def test_one_percent_new_records_rematch_only_those(store: Store) -> None:
    tax = load_taxonomy()
    match_store(store, tax)
    store.append("records", make_records(30, seed=9, start=3000, ingest_id=2))
    res = match_store(store, tax)
    assert res.mode == "incremental"
    assert (res.rematched_records, res.rematched_subfields) == (30, 0)
    got = _links(store)
    full = match_store(store, tax, full=True)
    assert full.mode == "full" and full.rematched_records == 3030
    assert got.equals(_links(store))


def test_editing_one_query_rematches_only_that_sub_field(store: Store, tmp_path: Path) -> None:
    match_store(store, load_taxonomy())
    before = _links(store)
    tax = _edited(tmp_path, {"ar": {"terms": ["增强现实", "augmented reality"]}}, drop=("5g",))
    res = match_store(store, tax)
    assert res.mode == "incremental" and res.rematched_subfields == 1
    got = _links(store)
    # AR alone no longer matches; 5G links are gone; every other link is untouched
    assert got.filter(pl.col("terms") == "AR").height == 0
    assert got.filter(pl.col("subfield_id") == "5g").height == 0
    others = ~pl.col("subfield_id").is_in(["ar", "5g"])
    assert got.filter(others).equals(before.filter(others))
    match_store(store, tax, full=True)
    assert got.equals(_links(store))
    assert store.get_meta("taxonomy_hash") == tax.hash


def test_removed_records_make_the_next_run_full(store: Store) -> None:
    tax = load_taxonomy()
    match_store(store, tax)
    store.con.execute("DELETE FROM matches WHERE record_id = 't:000001'")
    store.con.execute("DELETE FROM records WHERE record_id = 't:000001'")
    res = match_store(store, tax)
    assert res.mode == "full" and res.rematched_records == 2999
