"""The store path of the indicators (records aggregated in DuckDB SQL) equals the frame
path (:func:`indicator_frames`, records in polars) that the Dask engine and the tests use."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from techcurve.indicators import compute_indicators, indicator_frames, record_stats
from techcurve.store import COUNT_MATCH_COLUMNS, RECORD_COLUMNS, Store
from techcurve.store import indicators as tables

RECORD_FIELDS = (
    "record_id", "kind", "source", "venue", "date", "year",
    "amount_point_cny", "amount_low_cny", "amount_high_cny",
)  # fmt: skip
SUBFIELDS = [("a", "d1"), ("b", "d1"), ("c", "d2"), ("none", "d2")]
KINDS = ("patent", "paper", "article", "financing")


def _random_frames(seed: int, n: int = 400) -> dict[str, pl.DataFrame]:
    """Records of every kind with the cases the rules care about: no date (year only),
    neither, dates after the as-of, shared dates (ties broken by id), articles without
    a venue, financing with some or no amounts; and links to unknown sub-fields."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = rng.choice(KINDS)
        day = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 13 * 365, 30))
        dated = rng.random()
        d, y = (
            (day, day.year) if dated < 0.7 else (None, day.year) if dated < 0.95 else (None, None)
        )
        amounts = [None, None, None]
        if kind == "financing":
            amounts = [rng.choice([None, rng.randrange(1, 50) * 1e6]) for _ in range(3)]
        venue = rng.choice([None, "36kr", "GeekPark", "InfoQ "]) if kind == "article" else None
        rows.append(
            (f"{rng.choice(['x', 'y'])}:{rng.randrange(10**6):06d}:{i}", kind,
             rng.choice(["src1", "src2"]), venue, d, y, *amounts)
        )  # fmt: skip
    records = pl.DataFrame(rows, schema={k: RECORD_COLUMNS[k] for k in RECORD_FIELDS}, orient="row")
    ids = records["record_id"].to_list()
    links = {
        (rid, s)
        for rid in rng.sample(ids, k=n * 3 // 4)
        for s in rng.sample(["a", "b", "c", "gone"], k=rng.randrange(1, 3))
    }
    matches = pl.DataFrame(
        sorted(links), schema={"record_id": pl.Utf8, "subfield_id": pl.Utf8}, orient="row"
    ).with_columns(pl.lit("t").alias("terms"))
    subfields = pl.DataFrame(SUBFIELDS, schema=["subfield_id", "domain_id"], orient="row")
    counts = pl.DataFrame(
        [("mag", "A", "paper", y, 0, float(y - 2005), 100.0, None, None) for y in range(2008, 2024)],
        schema=["source", "term", "kind", "year", "month", "count", "total", "term_norm",
                "ingest_id"],
        orient="row",
    )  # fmt: skip
    count_matches = pl.DataFrame(
        [("mag", "A", "paper", "a", True)], schema=COUNT_MATCH_COLUMNS, orient="row"
    )
    return {
        "subfields": subfields,
        "records": records,
        "matches": matches,
        "counts": counts.cast({"year": pl.Int32, "month": pl.Int32, "ingest_id": pl.Int64}),
        "count_matches": count_matches,
    }


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("as_of", [date(2018, 6, 30), date(2023, 12, 31)])
def test_store_path_equals_frame_path(tmp_path: Path, seed: int, as_of: date) -> None:
    frames = _random_frames(seed)
    with Store.open(tmp_path / "s.duckdb", create=True) as st:
        for name, frame in frames.items():
            st.append(name, frame)
        compute_indicators(st, as_of=as_of)
        stored = tables.indicators(st), tables.summary(st)
        sql_stats = tables.link_stats(st, as_of), tables.record_volumes(st, as_of)
    # the reduction itself: DuckDB's (store) and polars' (frames) give the same rows
    # (both keep links to sub-fields the taxonomy lost: the indicators drop them later)
    known = frames["matches"]
    # (an amount sum over no disclosed amount is null in SQL and 0 in polars: the rules
    # read it only where the count of disclosed amounts, ``<amount>_n``, is > 0)
    for got, expected in zip(sql_stats, record_stats(frames["records"], known, as_of), strict=True):
        assert got.height > 0
        keys = [c for c in ("subfield_id", "year", "kind", "site", "source") if c in got.columns]
        disclosed = [
            pl.when(pl.col(c + "_n") > 0).then(c).alias(c)
            for c in RECORD_FIELDS[6:]
            if c + "_n" in got.columns
        ]
        assert_frame_equal(
            got.with_columns(disclosed).sort(keys, nulls_last=True),
            expected.with_columns(disclosed).sort(keys, nulls_last=True),
            check_exact=True,
        )
    # the store's counts come back through DuckDB; the frame path gets them as stored
    want = indicator_frames(
        frames["subfields"],
        frames["records"],
        frames["matches"],
        frames["counts"].drop("term_norm", "ingest_id"),
        frames["count_matches"],
        as_of=as_of,
    )
    for got, expected in zip(stored, want, strict=True):
        assert got.height > 0
        assert_frame_equal(got, expected, check_exact=True)


def test_birth_evidence_is_the_earliest_dated_paper_then_the_smallest_id() -> None:
    records = pl.DataFrame(
        [
            ("p:b", "paper", "s", None, date(2015, 3, 1), 2015),
            ("p:a", "paper", "s", None, None, 2015),  # no date: after every dated one
            ("p:c", "paper", "s", None, date(2015, 3, 1), 2015),
            ("p:0", "paper", "s", None, None, 2016),
        ],
        schema={k: RECORD_COLUMNS[k] for k in RECORD_FIELDS[:6]},
        orient="row",
    ).with_columns(pl.lit(None, pl.Float64).alias(c) for c in RECORD_FIELDS[6:])
    matches = pl.DataFrame({"record_id": ["p:a", "p:b", "p:c", "p:0"], "subfield_id": ["s"] * 4})
    links, volumes = record_stats(records, matches, date(2020, 1, 1))
    firsts = dict(links.select("year", "first_paper").iter_rows())
    assert firsts == {2015: "p:b", 2016: "p:0"}
    assert volumes["n"].sum() == 4
