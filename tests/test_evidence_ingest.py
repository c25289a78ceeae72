"""The data pack's evidence sources through the demo's mappings and the CSET count profile,
on real excerpts (tests/data/evidence/README.md credits each source)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from techcurve.ingest import read_records
from techcurve.ingest.counts import read_counts

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "evidence"
MAPPINGS = ROOT / "demo" / "mappings"
AS_OF = date(2026, 12, 1)


def read(mapping: str, excerpt: str, kind: str = "article"):
    return read_records(DATA / excerpt, kind=kind, mapping=MAPPINGS / mapping, as_of=AS_OF)


def test_one_hot_list_file_holds_three_platforms_each_its_own_source() -> None:
    r = read("hotlist_cn.yaml", "hotlist_excerpt.csv")
    assert r.frame["source"].to_list() == ["36kr", "36kr", "juejin", "juejin", "sspai"]
    assert r.frame["venue"].to_list() == ["36kr", "36kr", "juejin", "juejin", "sspai"]
    assert [i.split(":h:")[0] for i in r.frame["record_id"]] == r.frame["source"].to_list()
    assert r.frame["date"].to_list() == [date(2023, 10, 25)] * 5
    assert r.frame["url"][4] == "https://sspai.com/post/83042"


def test_linuxcn_searches_both_titles_and_keeps_undated_articles_undated() -> None:
    r = read("linuxcn.yaml", "linuxcn_excerpt.csv")
    assert r.frame.height == 3 and not r.rejects
    first = r.frame.row(0, named=True)
    assert first["title"].startswith("LFCS 系列第一讲") and " / Part 1 - LFCS" in first["title"]
    assert first["date"] is None and first["year"] is None
    assert r.frame["date"][1] == date(2013, 10, 1)
    assert r.frame["date_precision"][1] == "month"
    assert r.frame["record_id"][1] == "linuxcn:published/201310/Audacious 3.4 for Linux Review.md"


def test_cctv_items_are_state_media_articles_with_their_transcript_start() -> None:
    r = read("cctv_xwlb.yaml", "cctv_excerpt.csv")
    assert r.frame["record_id"].to_list() == [
        "cctv_xwlb:2015-08-05#14",
        "cctv_xwlb:2016-03-10#8",
        "cctv_xwlb:2012-07-02#1",
    ]
    assert "人工智能美女机器人" in r.frame["abstract"][0]
    assert r.frame["abstract"][2] is None
    assert set(r.frame["venue"]) == {"新闻联播"}


@pytest.mark.parametrize(
    ("mapping", "excerpt", "source", "ids", "first_day"),
    [
        ("weibo_hotsearch.yaml", "weibo_excerpt.csv", "weibo", None, date(2020, 11, 24)),
        ("zhihu_hot.yaml", "zhihu_excerpt.csv", "zhihu", ["zhihu:428615674", "zhihu:429620705"],
         date(2020, 11, 24)),
        ("v2ex_hot.yaml", "v2ex_excerpt.csv", "v2ex", ["v2ex:742058", "v2ex:742124"],
         date(2021, 1, 6)),
        ("github_trending.yaml", "github_trending_excerpt.csv", "github_trending",
         ["github_trending:bamos/block", "github_trending:giulio92/GLTableCollectionView"],
         date(2017, 2, 8)),
    ],
)  # fmt: skip
def test_attention_platforms_are_dated_by_their_first_day(
    mapping: str, excerpt: str, source: str, ids: list[str] | None, first_day: date
) -> None:
    r = read(mapping, excerpt)
    assert set(r.frame["source"]) == {source}
    assert r.frame["date"][0] == first_day
    if ids is not None:
        assert r.frame["record_id"].to_list() == ids
    else:  # no id in the file: a hash of title, date and kind
        assert all(i.startswith("weibo:h:") for i in r.frame["record_id"])


def test_github_repositories_are_searched_by_name_and_description() -> None:
    r = read("github_trending.yaml", "github_trending_excerpt.csv")
    assert r.frame["title"][0] == "bamos/block"
    assert r.frame["abstract"][0] == (
        "An intelligent block matrix library for numpy, PyTorch, and beyond."
    )


def test_a_hacker_news_story_listed_twice_is_stored_once() -> None:
    r = read("hn_daily_top10.yaml", "hn_top10_excerpt.csv")
    assert r.rows_read == 4 and r.duplicates == 1
    assert r.frame["record_id"].to_list() == ["hn_top10:1528441", "hn_top10:1530274",
                                              "hn_top10:27432326"]  # fmt: skip
    assert r.frame["keywords"][0] == "projects.washingtonpost.com"


def test_arxiv_titles_are_papers_and_the_odd_1989_date_is_kept() -> None:
    r = read("arxiv_cs.yaml", "arxiv_excerpt.csv", kind="paper")
    assert r.frame["kind"].to_list() == ["paper", "paper"]
    assert r.frame["record_id"].to_list() == ["arxiv:cs/9301111", "arxiv:cs/9301112"]
    assert r.frame["date"].to_list() == [date(1989, 12, 31), date(1990, 3, 31)]
    assert r.frame["keywords"][1] == "cs.GR"


def test_cset_counts_are_one_series_per_ai_category_with_all_ai_as_total() -> None:
    r = read_counts(DATA / "cset_excerpt.csv")
    rows = sorted(r.frame.select("source", "term", "kind", "year", "count", "total").rows())
    # 2017, summed over CN and US and every patent type; _ALL_AI is the total
    assert rows == [
        ("cset_ai", "computer vision", "patent", 2017, 200 + 28 + 6151 + 976 + 3468,
         456 + 501 + 15261 + 2638 + 10870),
        ("cset_ai", "natural language processing", "patent", 2017, 16 + 1 + 804 + 248 + 948,
         456 + 501 + 15261 + 2638 + 10870),
    ]  # fmt: skip
    # 2019 is incomplete (publication lag): rejected with the reason, one row per series
    assert (
        r.rejects["reason"].to_list()
        == ["priority year after 2018: incomplete because of the publication lag"] * 2
    )
    assert r.rejects["value"].to_list() == ["2019", "2019"]
    assert r.rows_read == 4


def test_a_row_without_a_platform_takes_the_mappings_source(tmp_path: Path) -> None:
    f = tmp_path / "mixed.csv"
    f.write_text("site,title,day\n36kr,A,2024-01-02\n,B,2024-01-03\n", encoding="utf-8")
    mapping = {"source": "hotlist_cn", "kind": "article",
               "fields": {"source": "site", "title": "title", "date": "day"}}  # fmt: skip
    r = read_records(f, kind="article", mapping=mapping, as_of=AS_OF)
    assert r.frame["source"].to_list() == ["36kr", "hotlist_cn"]
    assert r.frame["record_id"][1].startswith("hotlist_cn:h:")
