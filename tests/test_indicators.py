"""Indicators: exact values on a small hand-built store, and properties on random ones."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.errors import ConfigError
from techcurve.indicators import (
    INDICATOR_COLUMNS,
    SUMMARY_COLUMNS,
    IndicatorParams,
    compute_indicators,
    indicator_frames,
    last_complete_year,
    shares,
)
from techcurve.store import COUNT_COLUMNS, COUNT_MATCH_COLUMNS, RECORD_COLUMNS, Store
from techcurve.store import indicators as tables

AS_OF = date(2021, 6, 30)

SUBFIELDS = [
    ("ar", "interaction"),
    ("vr", "interaction"),
    ("bc", "blockchain"),
    ("empty", "network"),
]

# record_id, kind, venue, date, year, point, low, high, matched sub-fields
RECORDS = [
    ("cnki:p1", "paper", "计算机学报", date(2015, 3, 1), 2015, None, None, None, ["ar"]),
    ("cnki:p2", "paper", "软件学报", None, 2016, None, None, None, ["ar", "vr"]),
    (
        "cnki:p3",
        "paper",
        "软件学报",
        date(2022, 1, 1),
        2022,
        None,
        None,
        None,
        ["ar"],
    ),  # after as_of
    ("pat:1", "patent", "CNIPA", date(2018, 5, 1), 2018, None, None, None, ["ar"]),
    ("pat:2", "patent", "CNIPA", date(2019, 5, 1), 2019, None, None, None, ["ar"]),
    ("pat:3", "patent", "CNIPA", date(2019, 7, 1), 2019, None, None, None, ["ar"]),
    ("pat:4", "patent", "CNIPA", date(2020, 2, 1), 2020, None, None, None, ["vr"]),
    ("pat:5", "patent", "CNIPA", date(2020, 3, 1), 2020, None, None, None, ["ar"]),
    ("pat:6", "patent", "CNIPA", date(2021, 9, 1), 2021, None, None, None, ["ar"]),  # after as_of
    ("art:a1", "article", "36kr", date(2020, 1, 5), 2020, None, None, None, ["ar"]),
    ("art:a2", "article", "36kr", date(2020, 2, 5), 2020, None, None, None, []),
    ("art:a3", "article", "36kr", date(2020, 3, 5), 2020, None, None, None, ["vr"]),
    ("art:a4", "article", "36kr", date(2020, 4, 5), 2020, None, None, None, ["bc"]),
    ("art:g1", "article", "GeekPark", date(2020, 5, 5), 2020, None, None, None, ["ar"]),
    ("art:g2", "article", "GeekPark", date(2020, 6, 5), 2020, None, None, None, []),
    ("fin:f1", "financing", None, date(2020, 8, 1), 2020, 1e7, 5e6, 2e7, ["bc"]),
    ("fin:f2", "financing", None, date(2020, 9, 1), 2020, None, None, None, ["bc"]),  # 未透露
    ("fin:f3", "financing", None, date(2021, 3, 1), 2021, None, None, None, ["ar"]),  # 未透露
]

# source, term, kind, year, month, count, total
COUNTS = [
    *(
        ("mag", "Augmented reality", "paper", y, 0, c, t)
        for y, c, t in [
            (2012, 2, 100),
            (2013, 0, 100),
            (2017, 5, 100),
            (2018, 10, 200),
            (2019, 30, 300),
            (2020, 40, 400),
        ]
    ),
    # an umbrella term also matched to ar but not primary: must never count
    ("mag", "AR", "paper", 2011, 0, 1000, 5000),
    ("mag", "AR", "paper", 2019, 0, 2000, 5000),
    ("hn_hiring", "AR", "attention", 2019, 1, 1, 100),
    ("hn_hiring", "AR", "attention", 2019, 2, 3, 100),
    ("hn_hiring", "AR", "attention", 2020, 1, 4, 100),
    ("hn_hiring", "AR", "attention", 2021, 1, 2, 100),
    ("hn_hiring", "AR", "attention", 2021, 7, 50, 100),  # after as_of
    ("hn_hiring", "VR", "attention", 2020, 1, 8, 100),
    ("stackoverflow", "augmented-reality", "attention", 2019, 0, 10, 1000),
    ("stackoverflow", "augmented-reality", "attention", 2020, 0, 20, 1000),
]

# source, term, kind, subfield, is_primary
COUNT_MATCHES = [
    ("mag", "Augmented reality", "paper", "ar", True),
    ("mag", "AR", "paper", "ar", False),
    ("hn_hiring", "AR", "attention", "ar", True),
    ("hn_hiring", "VR", "attention", "vr", True),
    ("stackoverflow", "augmented-reality", "attention", "ar", True),
]


def count_frames(
    counts: list[tuple[object, ...]], count_matches: list[tuple[object, ...]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``counts`` and ``count_matches`` frames from rows in store column order."""
    cols = ("source", "term", "kind", "year", "month", "count", "total")
    return (
        pl.DataFrame(counts, schema={k: COUNT_COLUMNS[k] for k in cols}, orient="row"),
        pl.DataFrame(count_matches, schema=COUNT_MATCH_COLUMNS, orient="row"),
    )


def _frames() -> dict[str, pl.DataFrame]:
    subfields = pl.DataFrame(
        {"subfield_id": [s for s, _ in SUBFIELDS], "domain_id": [d for _, d in SUBFIELDS]}
    )
    records = pl.DataFrame(
        {
            "record_id": [r[0] for r in RECORDS],
            "kind": [r[1] for r in RECORDS],
            "source": [r[0].split(":")[0] for r in RECORDS],
            "venue": [r[2] for r in RECORDS],
            "date": [r[3] for r in RECORDS],
            "year": [r[4] for r in RECORDS],
            "amount_point_cny": [r[5] for r in RECORDS],
            "amount_low_cny": [r[6] for r in RECORDS],
            "amount_high_cny": [r[7] for r in RECORDS],
        },
        schema={
            k: RECORD_COLUMNS[k]
            for k in (
                "record_id",
                "kind",
                "source",
                "venue",
                "date",
                "year",
                "amount_point_cny",
                "amount_low_cny",
                "amount_high_cny",
            )
        },
    )
    matches = pl.DataFrame(
        [(r[0], s, "t") for r in RECORDS for s in r[8]],
        schema={"record_id": pl.Utf8, "subfield_id": pl.Utf8, "terms": pl.Utf8},
        orient="row",
    )
    counts, count_matches = count_frames(COUNTS, COUNT_MATCHES)
    return {
        "subfields": subfields,
        "records": records,
        "matches": matches,
        "counts": counts,
        "count_matches": count_matches,
    }


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.open(tmp_path / "t.duckdb", create=True)
    for name, frame in _frames().items():
        st.append(name, frame)
    yield st
    st.close()


CONFIG = {"indicators": {"opinion_weights": {"36KR": 2.0}}}


def _row(df: pl.DataFrame, sub: str, year: int | None = None) -> dict:
    f = df.filter(pl.col("subfield_id") == sub)
    if year is not None:
        f = f.filter(pl.col("year") == year)
    assert f.height == 1, f
    return f.row(0, named=True)


def test_tables_have_exactly_the_documented_columns(store: Store) -> None:
    res = compute_indicators(store, as_of=AS_OF, config=CONFIG)
    ind, summ = tables.indicators(store), tables.summary(store)
    assert ind.columns == list(INDICATOR_COLUMNS)
    assert summ.columns == list(SUMMARY_COLUMNS)
    # the columns beyond the architecture's list
    assert summ.columns[-11:] == [
        "fin_undisclosed",
        "attention_latest",
        "attention_latest_year",
        "patents_coverage_end",
        "papers_coverage_end",
        "hype_level",
        "hype_vs_peak",
        "hype_peak_year",
        "hype_growth",
        "hype_sources",
        "hype_latest_year",
    ]
    assert res.as_of == AS_OF
    assert (res.subfields, res.summary_rows, res.indicator_rows) == (4, 4, ind.height)
    assert res.without_evidence == 1


def test_yearly_counts_records_plus_primary_series(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    ind = tables.indicators(store)
    ar = ind.filter(pl.col("subfield_id") == "ar").sort("year")
    # 2011 comes only from the non-primary "AR" series: no row; 2013 is a zero count row
    assert ar["year"].to_list() == [2012, 2013, 2015, 2016, 2017, 2018, 2019, 2020, 2021]
    assert ar["papers"].to_list() == [2, 0, 1, 1, 5, 10, 30, 40, 0]
    assert ar["papers_cum"].to_list() == [2, 2, 3, 4, 9, 19, 49, 89, 89]
    assert ar["patents"].to_list() == [0, 0, 0, 0, 0, 1, 2, 1, 0]  # pat:6 is after as_of
    assert ar["patents_cum"].to_list() == [0, 0, 0, 0, 0, 1, 3, 4, 4]
    assert _row(ind, "ar", 2020)["articles"] == 2
    assert _row(ind, "vr", 2020)["patents"] == 1
    assert store.count("indicators", "subfield_id = 'empty'") == 0


def test_birth_year_and_evidence(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    summ = tables.summary(store)
    # ar: the primary count series reaches back to 2012 (the umbrella "AR" 2011 does not count)
    assert (_row(summ, "ar")["birth_year"], _row(summ, "ar")["birth_evidence"]) == (
        2012,
        "counts:mag:Augmented reality:2012",
    )
    assert (_row(summ, "vr")["birth_year"], _row(summ, "vr")["birth_evidence"]) == (2016, "cnki:p2")
    assert _row(summ, "bc")["birth_year"] is None
    assert _row(summ, "bc")["birth_evidence"] is None


def test_birth_min_count_is_configurable(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config={"indicators": {"birth_min_count": 3}})
    ar = _row(tables.summary(store), "ar")
    assert (ar["birth_year"], ar["birth_evidence"]) == (2017, "counts:mag:Augmented reality:2017")
    vr = _row(tables.summary(store), "vr")
    assert vr["birth_year"] is None  # one paper record in 2016 < 3


def test_opinion_index_is_weighted_site_share(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    ind, summ = tables.indicators(store), tables.summary(store)
    # ar 2020: 36kr 1 of 4 articles (weight 2), GeekPark 1 of 2 (weight 1) → 100·(0.5 + 0.5)
    assert _row(ind, "ar", 2020)["opinion_index"] == pytest.approx(100.0)
    assert _row(ind, "vr", 2020)["opinion_index"] == pytest.approx(50.0)
    assert _row(ind, "bc", 2020)["opinion_index"] == pytest.approx(50.0)
    # years without any article in the store: null, not 0
    assert _row(ind, "ar", 2019)["opinion_index"] is None
    assert _row(ind, "bc", 2020)["articles_cum"] == 1
    ops = dict(zip(summ["subfield_id"], summ["opinion_index"], strict=True))
    assert ops == pytest.approx({"ar": 100.0, "vr": 50.0, "bc": 50.0, "empty": 0.0})


def test_opinion_default_weights_and_window(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config={"indicators": {}})
    assert _row(tables.indicators(store), "ar", 2020)["opinion_index"] == pytest.approx(75.0)
    # 2020 is outside a one-year window ending 2021: no article evidence → null for all
    compute_indicators(store, as_of=AS_OF, config={"indicators": {"opinion_window": 1}})
    assert tables.summary(store)["opinion_index"].null_count() == 4


def test_financing_undisclosed_amounts_are_not_zero(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    ind, summ = tables.indicators(store), tables.summary(store)
    bc = _row(ind, "bc", 2020)
    assert bc["fin_events"] == 2
    assert (bc["fin_amount_point_cny"], bc["fin_amount_low_cny"], bc["fin_amount_high_cny"]) == (
        1e7,
        5e6,
        2e7,
    )
    ar = _row(ind, "ar", 2021)
    assert ar["fin_events"] == 1
    assert ar["fin_amount_point_cny"] is None  # all undisclosed: unknown, not 0
    assert _row(ind, "ar", 2020)["fin_amount_point_cny"] == 0.0  # no events: truly 0
    s_bc, s_ar, s_empty = _row(summ, "bc"), _row(summ, "ar"), _row(summ, "empty")
    assert (s_bc["fin_events"], s_bc["fin_amount_point_cny"], s_bc["fin_undisclosed"]) == (
        2,
        1e7,
        1,
    )
    assert (s_ar["fin_events"], s_ar["fin_amount_point_cny"], s_ar["fin_undisclosed"]) == (
        1,
        None,
        1,
    )
    assert (s_empty["fin_events"], s_empty["fin_amount_point_cny"], s_empty["fin_undisclosed"]) == (
        0,
        0.0,
        0,
    )


def test_attention_shares_scaled_per_source(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    ind, summ = tables.indicators(store), tables.summary(store)
    # hn shares: ar 2019 mean(0.01, 0.03)=0.02, 2020 0.04, 2021 0.02 (July is after as_of);
    # vr 2020 0.08 = hn's maximum → 25, 50, 25 and 100. stackoverflow: 0.01, 0.02 → 50, 100.
    ar = ind.filter(pl.col("subfield_id") == "ar").sort("year")
    att = dict(zip(ar["year"], ar["attention"], strict=True))
    assert att[2019] == pytest.approx(37.5)
    assert att[2020] == pytest.approx(75.0)
    assert att[2021] == pytest.approx(25.0)
    assert att[2018] is None
    assert _row(ind, "vr", 2020)["attention"] == pytest.approx(100.0)
    s = _row(summ, "ar")
    assert s["attention_peak_year"] == 2020
    assert s["attention_vs_peak"] == pytest.approx(25.0 / 75.0)
    # 2020: hn +100 %, so +100 % → 1.0; 2021: hn −50 % → −0.5; mean 0.25
    assert s["attention_growth"] == pytest.approx(0.25)
    assert _row(summ, "vr")["attention_vs_peak"] == pytest.approx(1.0)
    assert _row(summ, "vr")["attention_growth"] is None  # a single year
    # the latest level itself, on the common 0–100 scale: comparable across sub-fields
    assert (s["attention_latest"], s["attention_latest_year"]) == (pytest.approx(25.0), 2021)
    assert _row(summ, "vr")["attention_latest"] == pytest.approx(100.0)
    assert _row(summ, "empty")["attention_latest"] is None


def test_growth_of_patents_and_papers(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    s = _row(tables.summary(store), "ar")
    # raw patents 2017..2020 = 0, 1, 2, 1: 2018 skipped (zero base), 2019 +100 %, 2020 −50 %
    assert s["patent_growth"] == pytest.approx(0.25)
    # paper shares 2017..2020 = 0.05, 0.05, 0.1, 0.1 → 0, +1, 0
    assert s["paper_growth"] == pytest.approx(1 / 3)
    assert s["evidence_years"] == 8  # 2013 has only a zero count
    assert (s["patents_cum"], s["papers_cum"], s["articles_total"]) == (4, 89, 2)


def test_subfield_without_evidence_gets_a_row(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    s = _row(tables.summary(store), "empty")
    assert s["domain_id"] == "network"
    assert s["as_of"] == AS_OF
    assert (s["patents_cum"], s["papers_cum"], s["evidence_years"]) == (0, 0, 0)
    for col in ("birth_year", "attention_peak_year", "attention_vs_peak", "patent_growth"):
        assert s[col] is None


def test_as_of_filters_records_and_counts(store: Store) -> None:
    compute_indicators(store, as_of=date(2016, 12, 31), config=CONFIG)
    ind, summ = tables.indicators(store), tables.summary(store)
    assert ind["year"].max() == 2016
    ar = _row(summ, "ar")
    assert (ar["patents_cum"], ar["papers_cum"], ar["fin_events"]) == (0, 4, 0)
    assert ar["attention_peak_year"] is None
    assert ar["as_of"] == date(2016, 12, 31)
    # papers: shares 2013..2016 = 0, (no row), (no row) → no defined transition
    assert ar["paper_growth"] is None


def test_recompute_replaces_tables(store: Store) -> None:
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    n = store.count("indicators")
    compute_indicators(store, as_of=AS_OF, config=CONFIG)
    assert store.count("indicators") == n
    with store.transaction():  # inside a caller's transaction, as pipeline.compute does
        compute_indicators(store, as_of=AS_OF, config=CONFIG)
    assert store.count("summary") == 4


def test_several_primaries_use_the_largest_series() -> None:
    f = _frames()
    cm = f["count_matches"].with_columns(
        pl.when(pl.col("term") == "AR")
        .then(True)
        .otherwise(pl.col("is_primary"))
        .alias("is_primary")
    )
    ind, _ = indicator_frames(
        f["subfields"], f["records"], f["matches"], f["counts"], cm, as_of=AS_OF
    )
    ar = ind.filter(pl.col("subfield_id") == "ar")
    assert ar.filter(pl.col("year") == 2019)["papers"].item() == 2000
    assert ar.filter(pl.col("year") == 2018)["papers"].item() == 0


def test_params_from_config() -> None:
    p = IndicatorParams.from_config({"opinion_weights": {"36kr": 2}, "growth_years": 2})
    assert p.opinion_weights == {"36kr": 2.0}
    assert p.growth_years == 2
    assert IndicatorParams.from_config(None) == IndicatorParams()
    with pytest.raises(ConfigError, match="unknown key"):
        IndicatorParams.from_config({"opinion_weight": {}})
    with pytest.raises(ConfigError, match="opinion_window"):
        IndicatorParams.from_config({"opinion_window": 0})
    with pytest.raises(ConfigError, match="opinion_weights.36kr"):
        IndicatorParams.from_config({"opinion_weights": {"36kr": -1}})


def test_last_complete_year() -> None:
    assert last_complete_year(date(2021, 6, 30)) == 2020
    assert last_complete_year(date(2021, 12, 31)) == 2021


# -- properties -----------------------------------------------------------------------------

KINDS = ["patent", "paper", "article", "financing"]
SUBS = [("s1", "d1"), ("s2", "d1"), ("s3", "d2"), ("s4", "d2")]


@st.composite
def stores(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    n = draw(st.integers(0, 40))
    recs = []
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        year = draw(st.integers(2000, 2012))
        amount = draw(st.none() | st.floats(0, 1e9))
        recs.append(
            (
                f"r:{i}",
                kind,
                "src",
                draw(st.sampled_from(["a", "b", None])),
                date(year, 6, 1),
                year,
                amount,
            )
        )
    records = pl.DataFrame(
        recs,
        schema={
            "record_id": pl.Utf8,
            "kind": pl.Utf8,
            "source": pl.Utf8,
            "venue": pl.Utf8,
            "date": pl.Date,
            "year": pl.Int32,
            "amount_point_cny": pl.Float64,
        },
        orient="row",
    ).with_columns(
        pl.col("amount_point_cny").alias("amount_low_cny"),
        pl.col("amount_point_cny").alias("amount_high_cny"),
    )
    links = sorted(
        draw(
            st.sets(st.tuples(st.integers(0, max(n - 1, 0)), st.sampled_from([s for s, _ in SUBS])))
        )
    )
    matches = pl.DataFrame(
        [(f"r:{i}", s) for i, s in links if i < n],
        schema={"record_id": pl.Utf8, "subfield_id": pl.Utf8},
        orient="row",
    )
    rows, cms = [], []
    for t in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["patent", "paper", "attention"]))
        term = f"t{t}"
        monthly = kind == "attention" and draw(st.booleans())
        for year in sorted(draw(st.sets(st.integers(2000, 2012), max_size=6))):
            total = draw(st.none() | st.floats(1, 1e6))
            count = draw(st.floats(0, total if total is not None else 1e6))
            rows.append(("db", term, kind, year, 3 if monthly else 0, count, total))
        for s in draw(st.sets(st.sampled_from([s for s, _ in SUBS]), max_size=2)):
            cms.append(("db", term, kind, s, draw(st.booleans())))
    counts, count_matches = count_frames(rows, cms)
    subfields = pl.DataFrame(
        SUBS, schema={"subfield_id": pl.Utf8, "domain_id": pl.Utf8}, orient="row"
    )
    return {
        "subfields": subfields,
        "records": records,
        "matches": matches,
        "counts": counts,
        "count_matches": count_matches,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames=stores(), as_of_year=st.integers(2003, 2013))
def test_indicator_properties(frames: dict[str, pl.DataFrame], as_of_year: int) -> None:
    ind, summ = indicator_frames(**frames, as_of=date(as_of_year, 6, 30))
    assert ind.schema == pl.Schema(INDICATOR_COLUMNS)
    assert summ.schema == pl.Schema(SUMMARY_COLUMNS)
    assert summ.height == len(SUBS)
    assert ind.select(pl.struct("subfield_id", "year").is_unique().all()).item()
    assert (ind["year"] <= as_of_year).all()
    for c in (
        "patents",
        "papers",
        "articles",
        "fin_events",
        "patents_cum",
        "papers_cum",
        "articles_cum",
    ):
        assert (ind[c] >= 0).all(), c
    for c in ("patents_cum", "papers_cum", "articles_cum"):
        diffs = ind.sort("subfield_id", "year").select(
            pl.col(c).diff().over("subfield_id").drop_nulls()
        )
        assert (diffs[c] >= 0).all(), c
    last = ind.sort("year").group_by("subfield_id").agg(pl.col("patents_cum").last())
    joined = summ.join(last, on="subfield_id", how="left", suffix="_ind")
    assert (joined["patents_cum"] == joined["patents_cum_ind"].fill_null(0)).all()
    att = ind["attention"].drop_nulls()
    assert ((att >= 0) & (att <= 100 + 1e-9)).all()
    vs = summ["attention_vs_peak"].drop_nulls()
    assert ((vs >= 0) & (vs <= 1 + 1e-9)).all()
    op = summ["opinion_index"].drop_nulls()
    assert ((op >= 0) & (op <= 100 + 1e-9)).all()
    for a in ("fin_amount_point_cny", "fin_amount_low_cny", "fin_amount_high_cny"):
        assert (ind[a].drop_nulls() >= 0).all()
    sh = shares(summ, "patents_cum")
    for _domain, group in sh.group_by("domain_id"):
        if group["value"].sum() > 0:
            assert math.isclose(group["share_of_domain"].sum(), 100.0, rel_tol=1e-9)
        else:
            assert group["share_of_domain"].null_count() == group.height
    if sh["value"].sum() > 0:
        assert math.isclose(sh["share_of_all"].sum(), 100.0, rel_tol=1e-9)


def test_coverage_end_is_the_last_year_a_kind_has_real_volume() -> None:
    from techcurve.indicators import coverage_end

    records = pl.DataFrame(
        {"kind": ["paper"] * 4 + ["patent"], "year": [2018, 2019, 2019, 2024, 2010]}
    )
    counts = pl.DataFrame(
        {
            "kind": ["patent", "patent", "patent"],
            "year": [2014, 2015, 2016],
            "count": [900.0, 1000.0, 20.0],
        }
    )
    # papers: 2024 has 1 record (50% of the best year 2019 with 2) → covered;
    # patents: 2016 holds 2% of 2015's volume → not covered.
    assert coverage_end(records, counts) == {"paper": 2024, "patent": 2015}
    assert coverage_end(records.clear(), counts.clear()) == {}
