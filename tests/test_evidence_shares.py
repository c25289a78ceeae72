"""Roles of sources and the shares against each source's own items (per source, per
role) and the hype side read from them, with exact expected values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from techcurve.errors import ConfigError
from techcurve.indicators import compute_indicators
from techcurve.indicators.hype import hype_summary
from techcurve.indicators.shares import ShareInputs, role_shares, source_shares
from techcurve.indicators.sources import load_registry, roles_frame
from techcurve.store import Store
from techcurve.store import indicators as tables
from techcurve.store.sources import source_roles


def test_shipped_registry_gives_each_source_of_the_data_pack_its_role() -> None:
    reg = load_registry()
    got = {s: (reg.role_of(s, k).role, reg.role_of(s, k).subrole) for s, k in [
        ("arxiv", "paper"), ("cset_ai", "patent"), ("36kr", "article"), ("juejin", "article"),
        ("v2ex", "article"), ("weibo", "article"), ("cctv_xwlb", "article"),
        ("hn_hiring", "attention"), ("crunchbase", "financing")]}  # fmt: skip
    assert got == {
        "arxiv": ("maturity", "paper"),
        "cset_ai": ("maturity", "patent"),
        "36kr": ("hype", "media"),
        "juejin": ("hype", "developer"),
        "v2ex": ("hype", "developer"),
        "weibo": ("hype", "public"),
        "cctv_xwlb": ("hype", "state"),
        "hn_hiring": ("hype", "developer"),
        "crunchbase": ("money", "financing"),
    }
    assert reg.role_of("36kr", "article").zh == "36氪热榜"
    assert reg.role_of("google_trends", "attention").shares is False


def test_unlisted_sources_take_the_defaults_of_their_kind_and_patents_stay_patents() -> None:
    reg = load_registry()
    mine = reg.role_of("my_export", "article")
    assert (mine.role, mine.subrole, mine.listed) == ("hype", "media", False)
    # CNKI is listed as papers, but its patent records are patents
    assert reg.role_of("cnki", "patent").subrole == "patent"
    assert reg.role_of("my_counts", "attention").subrole == "public"


def test_config_adds_sources_and_rejects_unknown_roles() -> None:
    reg = load_registry({"csdn": {"role": "hype", "subrole": "developer", "zh": "CSDN"}})
    assert reg.role_of("csdn", "article").subrole == "developer"
    with pytest.raises(ConfigError, match="unknown role 'hype'/'policy'"):
        load_registry({"x": {"role": "hype", "subrole": "policy"}})


def test_roles_frame_says_which_sources_go_into_shares() -> None:
    pairs = pl.DataFrame({"source": ["google_trends", "weibo", "itjuzi"],
                          "kind": ["attention", "article", "financing"]})  # fmt: skip
    got = roles_frame(load_registry(), pairs)
    assert got.select("source", "subrole", "in_shares").rows() == [
        ("google_trends", "public", False),
        ("itjuzi", "financing", False),
        ("weibo", "public", True),
    ]


def _inputs() -> ShareInputs:
    # Weibo: 1,000 topics in 2021 and 4,000 in 2022 (the platform grew); "a" matched 10
    # then 20: its share halved although its count doubled. V2EX: 100 topics a year.
    volumes = pl.DataFrame(
        {
            "kind": ["article"] * 4 + ["financing"],
            "year": [2021, 2022, 2021, 2022, 2022],
            "site": ["微博热搜", "微博热搜", "V2EX", "V2EX", None],
            "source": ["weibo", "weibo", "v2ex", "v2ex", "itjuzi"],
            "n": [1000, 4000, 100, 100, 7],
        }
    )
    links = pl.DataFrame(
        {
            "subfield_id": ["a", "a", "a", "b"],
            "year": [2021, 2022, 2022, 2022],
            "kind": ["article"] * 4,
            "site": ["微博热搜", "微博热搜", "V2EX", "V2EX"],
            "source": ["weibo", "weibo", "v2ex", "v2ex"],
            "n": [10, 20, 5, 2],
        }
    )
    yearly = pl.DataFrame(
        {
            "subfield_id": ["a", "a"],
            "source": ["hn_hiring", "google_trends"],
            "term": ["x", "x"],
            "kind": ["attention", "attention"],
            "year": [2022, 2022],
            "count": [3.0, 80.0],
            "total": [300.0, 100.0],
            "has_total": [True, True],
            "share": [0.01, 0.8],
        }
    )
    return ShareInputs(pl.DataFrame({"subfield_id": ["a", "b"]}), links, volumes, yearly)


def test_source_shares_are_matched_items_over_the_sources_own_items() -> None:
    got = source_shares(_inputs(), load_registry())
    rows = got.select("subfield_id", "source", "year", "subrole", "n", "total", "share").rows()
    assert rows == [
        ("a", "hn_hiring", 2022, "developer", 3.0, 300.0, 0.01),
        ("a", "v2ex", 2021, "developer", 0.0, 100.0, 0.0),
        ("a", "v2ex", 2022, "developer", 5.0, 100.0, 0.05),
        ("a", "weibo", 2021, "public", 10.0, 1000.0, 0.01),
        ("a", "weibo", 2022, "public", 20.0, 4000.0, 0.005),
        ("b", "v2ex", 2021, "developer", 0.0, 100.0, 0.0),
        ("b", "v2ex", 2022, "developer", 2.0, 100.0, 0.02),
        ("b", "weibo", 2021, "public", 0.0, 1000.0, 0.0),
        ("b", "weibo", 2022, "public", 0.0, 4000.0, 0.0),
    ]  # Google Trends (scaled to its own peak) and financing are not shares


def test_role_shares_average_the_sources_of_a_role_one_vote_each() -> None:
    got = role_shares(source_shares(_inputs(), load_registry()))
    expected = pl.DataFrame(
        {
            "subfield_id": ["a", "a", "b", "b"],
            "year": [2021, 2022, 2021, 2022],
            "paper_share": [None] * 4,
            "patent_share": [None] * 4,
            "media_share": [None] * 4,
            "developer_share": [0.0, (0.05 + 0.01) / 2, 0.0, 0.02],
            "public_share": [0.01, 0.005, 0.0, 0.0],
            "state_share": [None] * 4,
        },
        schema_overrides={"year": pl.Int32, "paper_share": pl.Float64, "patent_share": pl.Float64,
                          "media_share": pl.Float64, "state_share": pl.Float64},
    )  # fmt: skip
    assert_frame_equal(got, expected)


def test_a_years_share_does_not_change_when_later_years_are_added() -> None:
    # no leakage: the 2021 values are the same with or without 2022's evidence
    full = role_shares(source_shares(_inputs(), load_registry()))
    ins = _inputs()
    cut = ShareInputs(
        ins.known,
        ins.links.filter(pl.col("year") <= 2021),
        ins.volumes.filter(pl.col("year") <= 2021),
        ins.yearly.filter(pl.col("year") <= 2021),
    )
    early = role_shares(source_shares(cut, load_registry()))
    assert_frame_equal(early, full.filter(pl.col("year") <= 2021))


def _series(sub: str, source: str, shares: list[float], n: float = 10.0) -> pl.DataFrame:
    years = list(range(2019, 2019 + len(shares)))
    return pl.DataFrame(
        {
            "subfield_id": sub,
            "source": source,
            "kind": "article",
            "subrole": "developer",
            "year": years,
            "n": n,
            "total": 1000.0,
            "share": shares,
        },
        schema_overrides={"year": pl.Int32},
    )


def test_hype_summary_reads_level_fall_from_peak_and_growth_per_source() -> None:
    shares = pl.concat(
        [
            # a: peaked 2020, then fell; smoothed (2-year mean): .01 .03 .03 .01 .005
            _series("a", "v2ex", [0.01, 0.05, 0.01, 0.01, 0.0]),
            # b: still rising; smoothed .0 .005 .015 .025 .035
            _series("b", "v2ex", [0.0, 0.01, 0.02, 0.03, 0.04]),
            # c: nothing ever matched
            _series("c", "v2ex", [0.0] * 5, n=0.0),
        ]
    )
    got = hype_summary(shares, pl.DataFrame({"subfield_id": ["a", "b", "c", "d"]}))
    rows = {r["subfield_id"]: r for r in got.iter_rows(named=True)}
    assert rows["a"]["hype_vs_peak"] == pytest.approx(0.005 / 0.03)
    assert rows["a"]["hype_peak_year"] == 2020
    assert rows["a"]["hype_growth"] == pytest.approx((0.005 / 0.03) ** 0.5 - 1)  # per year
    assert rows["b"]["hype_vs_peak"] == pytest.approx(1.0)
    assert rows["b"]["hype_growth"] == pytest.approx((0.035 / 0.015) ** 0.5 - 1)
    # level in 2023: a has share 0 → rank 0; b the only one above 0 → rank 3/3
    assert (rows["a"]["hype_level"], rows["b"]["hype_level"], rows["c"]["hype_level"]) == (
        0.0,
        1.0,
        0.0,
    )
    assert rows["c"]["hype_vs_peak"] is None  # fewer than 5 matched items
    assert (rows["a"]["hype_sources"], rows["c"]["hype_sources"]) == (1, 0)
    assert rows["d"]["hype_level"] is None and rows["d"]["hype_sources"] == 0
    assert {r["hype_latest_year"] for r in rows.values()} == {2023}


def test_the_indicators_stage_writes_the_share_columns_and_the_roles_it_used(
    tmp_path: Path,
) -> None:
    from test_indicators_sql import _random_frames

    frames = _random_frames(0)
    with Store.open(tmp_path / "s.duckdb", create=True) as st:
        for name, frame in frames.items():
            st.append(name, frame)
        compute_indicators(st, as_of=date(2023, 12, 31))
        roles = source_roles(st)
        ind = tables.indicators(st)
    # src1/src2 are not in the registry: the defaults of each kind
    assert roles.filter(pl.col("source") == "src1").select("kind", "role", "subrole").rows() == [
        ("article", "hype", "media"),
        ("paper", "maturity", "paper"),
        ("patent", "maturity", "patent"),
        ("financing", "money", "financing"),
    ]  # by role, subrole
    assert roles.filter(pl.col("source") == "mag")["listed"].to_list() == [True]
    shares = [c for c in ind.columns if c.endswith("_share")]
    assert shares == ["paper_share", "patent_share", "media_share", "developer_share",
                      "public_share", "state_share"]  # fmt: skip
    media = ind.filter(pl.col("media_share").is_not_null())["media_share"]
    assert media.len() > 0 and media.min() >= 0.0 and media.max() <= 1.0  # type: ignore[operator]
    assert ind["state_share"].null_count() == ind.height  # no state-media source here
