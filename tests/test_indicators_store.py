"""The indicators' tables in the store (techcurve.store.indicators) and the pipeline's
indicators stage: typed readers, the as-of key, the SQL reads, exact error texts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from techcurve import pipeline
from techcurve.errors import ConfigError, StoreError
from techcurve.indicators import (
    INDICATOR_COLUMNS,
    SUMMARY_COLUMNS,
    IndicatorParams,
    IndicatorsResult,
    compute_indicators,
)
from techcurve.store import RECORD_COLUMNS, Store
from techcurve.store import indicators as tables
from test_indicators import AS_OF, CONFIG, _frames


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.open(tmp_path / "t.duckdb", create=True)
    for name, frame in _frames().items():
        st.append(name, frame)
    yield st
    st.close()


def test_readers_fail_in_library_terms_before_the_indicators_exist(store: Store) -> None:
    assert not tables.has_indicators(store)
    assert tables.indicators_as_of(store) is None
    with pytest.raises(StoreError, match=r"holds no indicators: they have not been computed$"):
        tables.indicators(store)
    with pytest.raises(StoreError, match="have not been computed"):
        tables.summary(store)


def test_compute_writes_both_tables_and_the_as_of_key(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    assert tables.has_indicators(store)
    assert tables.indicators_as_of(store) == AS_OF
    ind, summ = tables.indicators(store), tables.summary(store)
    assert ind.columns == list(INDICATOR_COLUMNS)
    assert summ.columns == list(SUMMARY_COLUMNS)
    assert dict(summ.schema) == SUMMARY_COLUMNS
    assert dict(ind.schema) == INDICATOR_COLUMNS
    assert summ["subfield_id"].to_list() == ["ar", "bc", "empty", "vr"]
    assert ind.select("subfield_id", "year").rows() == [
        ("ar", 2012), ("ar", 2013), ("ar", 2015), ("ar", 2016), ("ar", 2017), ("ar", 2018),
        ("ar", 2019), ("ar", 2020), ("ar", 2021),
        ("bc", 2020),
        ("vr", 2016), ("vr", 2020),
    ]  # fmt: skip
    assert_frame_equal(ind, store.table("indicators").sort("subfield_id", "year"))


def test_readers_select_years_and_subfields(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    upto = tables.indicators(store, as_of=date(2016, 12, 31))
    assert upto.select("subfield_id", "year").rows() == [
        ("ar", 2012), ("ar", 2013), ("ar", 2015), ("ar", 2016), ("vr", 2016),
    ]  # fmt: skip
    vr = tables.indicators(store, subfield_ids=["vr"])
    assert vr.select("year", "patents", "papers").rows() == [(2016, 0, 1), (2020, 1, 0)]
    assert tables.indicators(store, subfield_ids=[]).height == 0
    assert tables.summary(store, subfield_ids=["vr", "empty"])["subfield_id"].to_list() == [
        "empty",
        "vr",
    ]


def test_sql_reads_of_counts_keep_linked_series_up_to_the_year(store: Store) -> None:
    got = tables.linked_counts(store, 2019).sort("source", "term", "year", "month")
    assert got.columns == ["source", "term", "kind", "year", "month", "count", "total"]
    assert got["year"].max() == 2019
    assert set(got.select("source", "term").unique().rows()) == {
        ("hn_hiring", "AR"), ("mag", "AR"), ("mag", "Augmented reality"),
        ("stackoverflow", "augmented-reality"),
    }  # fmt: skip
    assert got.height == 10  # the rows of 2020 and 2021 are left out (hn_hiring VR has none)
    assert tables.count_links(store).height == 5
    assert tables.subfield_domains(store).columns == ["subfield_id", "domain_id"]
    assert tables.has_subfields(store)
    assert tables.record_links(store).height == 17


def test_record_watermark(tmp_path: Path) -> None:
    with Store.open(tmp_path / "w.duckdb", create=True) as st:
        assert tables.record_watermark(st) == 0
        rows = pl.DataFrame(
            {"record_id": ["a:1", "a:2"], "kind": ["paper"] * 2, "source": ["a"] * 2,
             "ingest_id": [3, 7]},
            schema={c: RECORD_COLUMNS[c] for c in ("record_id", "kind", "source", "ingest_id")},
        )  # fmt: skip
        st.append("records", rows)
        assert tables.record_watermark(st) == 7


def test_pipeline_indicators_returns_its_result(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    pipeline.init(db)
    with pytest.raises(
        StoreError, match=r"^store .*p\.duckdb has no taxonomy: the records have not been matched$"
    ):
        pipeline.compute(db, as_of=AS_OF)
    with Store.open(db) as st:
        for name, frame in _frames().items():
            st.append(name, frame)
    res = pipeline.compute(db, as_of=AS_OF)
    assert isinstance(res, IndicatorsResult)
    assert (res.as_of, res.subfields, res.summary_rows, res.without_evidence) == (AS_OF, 4, 4, 1)
    assert res.indicator_rows == 12
    assert res.params == IndicatorParams()
    with Store.open(db, read_only=True) as st:
        assert tables.indicators_as_of(st) == AS_OF
        assert tables.summary(st).height == 4


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (
            {"opinion_weight": {}},
            "config section 'indicators': unknown key(s) opinion_weight (known: "
            "attention_growth_years, birth_min_count, growth_years, opinion_default_weight, "
            "opinion_weights, opinion_window, sources)",
        ),
        (
            {"growth_years": 1.5},
            "config 'indicators.growth_years' must be a whole number ≥ 1, not 1.5",
        ),
        (
            {"birth_min_count": "2"},
            "config 'indicators.birth_min_count' must be a number ≥ 0, not '2'",
        ),
        (
            {"opinion_weights": [1]},
            "config 'indicators.opinion_weights' must map site names to weights "
            "(e.g. {36kr: 1.5}), not list",
        ),
    ],
)
def test_config_errors_keep_their_text(cfg: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        IndicatorParams.from_config(cfg)
    assert str(err.value) == message
