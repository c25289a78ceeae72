"""The match stage's data access (techcurve.store.matches) and the streamed reading of
records (techcurve.match.batches), on a small hand-made store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from techcurve.match.batches import iter_record_batches, read_ahead
from techcurve.store import RECORD_COLUMNS, Store, init_store
from techcurve.store import matches as stored


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    db = init_store(tmp_path / "m.duckdb")
    with Store.open(db) as st:
        records = pl.DataFrame(
            {
                "record_id": ["a", "b", "c", "d"],
                "kind": ["paper", "patent", "paper", "paper"],
                "source": ["t"] * 4,
                "title": ["AR glasses", "VR", "5G专网", "nothing"],
                "ingest_id": [1, 1, 2, None],
            },
            schema={k: RECORD_COLUMNS[k] for k in ("record_id", "kind", "source", "title")}
            | {"ingest_id": pl.Int64()},
        )
        st.append("records", records)
        st.append(
            "counts",
            pl.DataFrame(
                {
                    "source": ["so", "so", "gt"],
                    "term": ["ar", "ar", "vr"],
                    "kind": ["attention"] * 3,
                    "year": [2020, 2021, 2020],
                    "month": [0, 0, 0],
                    "count": [1.0, 2.0, 5.0],
                }
            ),
        )
        yield st


def _links(st: Store) -> list[tuple[str, str, str]]:
    return st.sql("SELECT * FROM matches ORDER BY ALL").rows()


def test_record_counts_by_ingest(store: Store) -> None:
    assert stored.max_ingest_id(store) == 2
    assert stored.records_up_to(store, 1) == 2
    assert stored.records_up_to(store, 0) == 0
    assert stored.records_without_ingest_id(store) == 1
    assert stored.records_before_last_ingest(store) == 2


def test_record_batches_filter_by_ingest_and_stream_in_batches(store: Store) -> None:
    def ids(where: str = "", rows: int = 10) -> list[str]:
        return [
            i
            for b in iter_record_batches(store, ["record_id"], where, rows)
            for i in b["record_id"]
        ]

    assert sorted(ids()) == ["a", "b", "c", "d"]
    assert sorted(ids(stored.ingested_up_to(1))) == ["a", "b"]
    assert ids(stored.ingested_after(1)) == ["c"]
    batches = list(stored.record_batches(store, ["record_id", "title"], rows=3))
    assert all(b.columns == ["record_id", "title"] and b.height <= 3 for b in batches)
    assert sum(b.height for b in batches) == 4


def test_links_are_added_counted_and_dropped(store: Store) -> None:
    links = pl.DataFrame(
        {
            "record_id": ["a", "b", "c", "c"],
            "subfield_id": ["ar", "vr", "5g", "ar"],
            "terms": ["AR", "VR", "5G", "AR"],
        }
    )
    stored.append_matches(store, links)
    assert stored.link_totals(store) == (4, 3)
    stored.delete_matches_of(store, ["vr", "it's"])
    assert _links(store) == [("a", "ar", "AR"), ("c", "5g", "5G"), ("c", "ar", "AR")]
    stored.delete_matches_of_records_after(store, 1)
    assert _links(store) == [("a", "ar", "AR")]
    stored.empty_matches(store)
    assert _links(store) == [] and stored.link_totals(store) == (0, 0)
    stored.append_matches(store, links.head(1))  # the re-created table takes links again
    assert _links(store) == [("a", "ar", "AR")]


def test_count_series_and_their_links(store: Store) -> None:
    assert stored.count_series_totals(store).sort("term").rows() == [
        ("so", "ar", "attention", 3.0),
        ("gt", "vr", "attention", 5.0),
    ]
    links = pl.DataFrame(
        {
            "source": ["so"],
            "term": ["ar"],
            "kind": ["attention"],
            "subfield_id": ["ar"],
            "is_primary": [True],
        }
    )
    stored.replace_count_matches(store, links)
    stored.replace_count_matches(store, links)  # replaces, does not add
    assert store.sql("SELECT * FROM count_matches").rows() == [
        ("so", "ar", "attention", "ar", True)
    ]


def test_match_state_round_trip(store: Store) -> None:
    assert stored.load_match_state(store) is None
    stored.save_match_state(store, "2", {"ar": "AR", "vr": "VR OR 虚拟现实"}, 2, 3)
    assert stored.load_match_state(store) == stored.MatchState(
        "2", 2, 3, {"ar": "AR", "vr": "VR OR 虚拟现实"}
    )
    stored.save_match_state(store, "2", {"ar": "AR"}, 2, 3)  # the queries are replaced
    state = stored.load_match_state(store)
    assert state is not None and state.queries == {"ar": "AR"}
    stored.reset_match_state(store)
    state = stored.load_match_state(store)
    assert state is not None and state.version == ""


def test_a_store_without_the_match_queries_table_gets_it(store: Store) -> None:
    store.con.execute("DROP TABLE match_queries")
    stored.save_match_state(store, "2", {"ar": "AR"}, 2, 3)
    assert store.sql("SELECT * FROM match_queries").rows() == [("ar", "AR")]


def test_read_ahead_yields_every_batch_in_order_and_closes_the_source() -> None:
    closed: list[bool] = []

    def source() -> Iterator[pl.DataFrame]:
        try:
            for i in range(5):
                yield pl.DataFrame({"i": [i]})
        finally:
            closed.append(True)

    assert [b["i"][0] for b in read_ahead(source())] == [0, 1, 2, 3, 4]
    assert closed == [True]


def test_read_ahead_hands_a_reading_error_to_the_caller() -> None:
    def source() -> Iterator[pl.DataFrame]:
        yield pl.DataFrame({"i": [0]})
        raise OSError("disk gone")

    got: list[int] = []
    with pytest.raises(OSError, match="disk gone"):
        for b in read_ahead(source()):
            got.append(b["i"][0])
    assert got == [0]
