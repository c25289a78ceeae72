"""techcurve fetch: each source's query, its answers stored as counts with provenance,
resumed runs, and the counts reaching the indicators (docs/connectors.md).

No test here touches the network: the answers are replayed from tests/data/fetch/
(written from each API's documentation; the fixture files say which page).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import polars as pl
import pytest

from fetch_support import TAXONOMY, TODAY, Replay, openalex_routes, param
from techcurve import pipeline
from techcurve.errors import FetchError
from techcurve.fetch import CONNECTORS, Years
from techcurve.store import Store, init_store
from techcurve.taxonomy import load_taxonomy


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return init_store(tmp_path / "tc.duckdb")


def _plan(source: str, subfield: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    tax = load_taxonomy(TAXONOMY)
    plan = CONNECTORS[source].plan(tax.subfield(subfield), tax.queries[subfield])
    return [(s.source, s.kind, s.term) for s in plan.series], [n.say("en") for n in plan.notes]


# -- the query each source asks -----------------------------------------------------------


def test_openalex_asks_the_whole_boolean_query_and_says_what_it_widened() -> None:
    assert _plan("openalex", "blockchain") == (
        [("openalex", "paper",
          '(blockchain OR 区块链 OR "distributed ledger") AND NOT "blockchain game"')],
        [],
    )  # fmt: skip
    assert _plan("openalex", "smart-contracts") == (
        [("openalex", "paper", '"smart contract"')],
        [
            "IPC terms left out (G06Q20): openalex cannot search IPC codes",
            "field scopes ignored (title:smart contract): openalex searches title and abstract",
        ],
    )


def test_hn_asks_the_first_english_term_and_says_the_rest() -> None:
    assert _plan("hn", "blockchain") == (
        [("hn_search", "article", "blockchain")],
        [
            "Chinese terms left out (区块链): hn is mostly in English",
            "only 'blockchain' is searched, the other terms (distributed ledger) are left out: "
            "hn has no OR",
            "exclusions ignored (blockchain game): hn has no NOT",
        ],
    )


def test_github_asks_the_english_terms_with_or() -> None:
    assert _plan("github", "blockchain") == (
        [("github_search", "article", 'blockchain OR "distributed ledger"')],
        [
            "Chinese terms left out (区块链): github is mostly in English",
            "exclusions ignored (blockchain game): github has no NOT",
        ],
    )


def test_patentsview_asks_the_query_as_json_operators_per_grant_year() -> None:
    tax = load_taxonomy(TAXONOMY)
    conn = CONNECTORS["patentsview"]
    [series] = conn.plan(tax.subfield("blockchain"), tax.queries["blockchain"]).series
    assert series.term == '(blockchain OR "distributed ledger") AND NOT "blockchain game"'
    calls = conn.calls(series, series.source, series.kind, Years(2023, 2024, TODAY))
    assert [c.period for c in calls] == [(2023, 0), (2024, 0)]
    assert [c.open for c in calls] == [False, True]
    q = json.loads(dict(calls[0].params)["q"])
    phrase = [{"_text_phrase": {"patent_title": "blockchain"}},
              {"_text_phrase": {"patent_abstract": "blockchain"}}]  # fmt: skip
    assert q["_and"][1:] == [
        {"_gte": {"patent_date": "2023-01-01"}},
        {"_lte": {"patent_date": "2023-12-31"}},
    ]
    assert q["_and"][0]["_and"][0]["_or"][0] == {"_or": phrase}
    assert q["_and"][0]["_and"][1]["_not"] == {
        "_or": [{"_text_phrase": {"patent_title": "blockchain game"}},
                {"_text_phrase": {"patent_abstract": "blockchain game"}}]
    }  # fmt: skip


def test_wikipedia_asks_each_titled_article_and_says_which_edition_has_none() -> None:
    assert _plan("wikipedia", "smart-contracts") == (
        [("wikipedia_en", "attention", "Smart contract")],
        ["no zh Wikipedia article title in the taxonomy (wiki: zh)"],
    )
    conn = CONNECTORS["wikipedia"]
    tax = load_taxonomy(TAXONOMY)
    [zh, _] = conn.plan(tax.subfield("blockchain"), tax.queries["blockchain"]).series
    [call] = conn.calls(zh, zh.source, zh.kind, Years(2024, 2024, TODAY))
    assert call.request == (
        "https://wikimedia.org/api/rest_v1/metrics/pageviews/per-article/zh.wikipedia.org/"
        "all-access/user/%E5%8C%BA%E5%9D%97%E9%93%BE/monthly/2024010100/2024043000"
    )
    assert call.covers == ((2024, 1), (2024, 2), (2024, 3), (2024, 4)) and call.open


# -- storing: counts with totals, provenance, and the indicators ---------------------------


def test_openalex_counts_are_stored_with_totals_and_provenance(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENALEX_MAILTO", "analyst@example.org")
    monkeypatch.setenv("OPENALEX_API_KEY", "oa-key-123")
    replay = Replay([openalex_routes])
    res = pipeline.fetch(
        db, "openalex", taxonomy=TAXONOMY, first_year=2020, last_year=2024,
        subfields=["blockchain"], transport=replay.transport(), today=TODAY,
    )  # fmt: skip
    s = res.summary
    assert (s.series, s.calls, s.asked, s.cached, s.skipped, s.points) == (1, 2, 2, 0, 0, 10)
    # the mailto travels in the User-Agent, never in the request that is stored
    assert [
        r.headers["user-agent"].endswith("(mailto:analyst@example.org)") for r in replay.seen
    ] == [True, True]
    with Store.open(db, read_only=True) as st:
        counts = st.sql(
            "SELECT year, month, count, total FROM counts WHERE source = 'openalex' ORDER BY year"
        )
        log = st.sql(
            "SELECT source, term, kind, api_version, rows, request FROM fetches ORDER BY term NULLS FIRST"
        )
        series = st.sql("SELECT * FROM fetch_series")
    assert counts.rows() == [
        (2020, 0, 0.0, 9_500_000.0),  # a year the answer does not name had none
        (2021, 0, 473.0, 9_890_000.0),
        (2022, 0, 655.0, 10_100_000.0),
        (2023, 0, 801.0, 10_400_000.0),
        (2024, 0, 912.0, 10_900_000.0),
    ]
    assert log.drop("request").rows() == [
        ("openalex", None, "paper", "openalex-works-2025", 5),
        ("openalex", series["term"][0], "paper", "openalex-works-2025", 5),
    ]
    assert log["request"][1] == (
        "https://api.openalex.org/works?filter=title_and_abstract.search%3A%28blockchain+OR+"
        "%E5%8C%BA%E5%9D%97%E9%93%BE+OR+%22distributed+ledger%22%29+AND+NOT+%22blockchain+game"
        "%22%2Cpublication_year%3A2020-2024&group_by=publication_year"
    )
    # the key travels as the api_key parameter of the request sent, never of the one stored
    assert [param(r, "api_key") for r in replay.seen] == ["oa-key-123", "oa-key-123"]
    assert "analyst" not in "".join(log["request"]) and "oa-key" not in "".join(log["request"])
    assert series.rows() == [
        ("openalex", "paper", "blockchain",
         '(blockchain OR 区块链 OR "distributed ledger") AND NOT "blockchain game"', "")
    ]  # fmt: skip
    caches = list(db.parent.glob(db.name + ".fetch-cache.sqlite*"))  # with its WAL
    assert caches and all(b"analyst" not in f.read_bytes() for f in caches)
    assert all(b"oa-key" not in f.read_bytes() for f in caches)


def test_fetched_counts_feed_the_sub_fields_paper_share(db: Path) -> None:
    kw = dict(taxonomy=TAXONOMY, first_year=2020, today=TODAY, cache=False)
    first = pipeline.fetch(db, "openalex", last_year=2023,
                           transport=Replay([openalex_routes]).transport(), **kw)  # type: ignore[arg-type]  # fmt: skip
    assert first.links is None  # never matched: `techcurve match` links them
    pipeline.match(db, taxonomy=TAXONOMY)
    with Store.open(db, read_only=True) as st:
        links = st.sql("SELECT subfield_id, source, kind, is_primary FROM count_matches ORDER BY 1")
    # each sub-field's own series, linked without matching its term
    assert links.rows() == [
        ("blockchain", "openalex", "paper", True),
        ("smart-contracts", "openalex", "paper", True),
    ]
    again = pipeline.fetch(db, "openalex", last_year=2024,
                           transport=Replay([openalex_routes]).transport(), **kw)  # type: ignore[arg-type]  # fmt: skip
    assert again.links == 2  # matched with this taxonomy: linked again at once
    pipeline.compute(db, as_of=date(2024, 12, 31))
    ind = pipeline.indicators(db).filter(pl.col("subfield_id") == "blockchain")
    got = ind.filter(pl.col("year") == 2023).select("papers", "paper_share").row(0)
    assert got == (801, pytest.approx(801 / 10_400_000))


def test_a_rerun_asks_nothing_already_answered(db: Path) -> None:
    first = Replay([openalex_routes])
    kw = dict(taxonomy=TAXONOMY, first_year=2020, last_year=2023, today=TODAY)
    pipeline.fetch(db, "openalex", transport=first.transport(), **kw)  # type: ignore[arg-type]
    again = Replay([openalex_routes])
    res = pipeline.fetch(db, "openalex", transport=again.transport(), **kw)  # type: ignore[arg-type]
    assert (res.summary.asked, res.summary.skipped, len(again.seen)) == (0, 3, 0)


def test_an_open_period_is_asked_again_on_a_later_day_and_replaced(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = dict(taxonomy=TAXONOMY, first_year=2020, last_year=2024, subfields=["blockchain"])
    monkeypatch.setattr("techcurve.fetch.run.datetime", _FixedNow)
    pipeline.fetch(db, "openalex", transport=Replay([openalex_routes]).transport(),
                   today=TODAY, **kw)  # type: ignore[arg-type]  # fmt: skip
    same_day = Replay([openalex_routes])
    res = pipeline.fetch(db, "openalex", transport=same_day.transport(), cache=False,
                         today=TODAY, **kw)  # type: ignore[arg-type]  # fmt: skip
    assert (res.summary.asked, len(same_day.seen)) == (0, 0)
    later = Replay([openalex_routes])
    res = pipeline.fetch(db, "openalex", transport=later.transport(), cache=False,
                         today=date(2024, 4, 16), **kw)  # type: ignore[arg-type]  # fmt: skip
    assert (res.summary.asked, len(later.seen)) == (2, 2)
    with Store.open(db, read_only=True) as st:
        assert st.count("counts", "source = 'openalex'") == 5  # replaced, not doubled


def test_a_timeout_mid_run_keeps_what_was_fetched_and_the_rerun_continues(db: Path) -> None:
    def broken(request: httpx.Request) -> str | Exception | None:
        if "created_at_i%3E%3D1709251200" in str(request.url):  # March 2024
            return httpx.ReadTimeout("timed out", request=request)
        return "hn_month" if param(request, "query") else "hn_month_total"

    kw = dict(taxonomy=TAXONOMY, first_year=2024, last_year=2024, subfields=["blockchain"],
              today=TODAY, sleep=lambda s: None)  # fmt: skip
    with pytest.raises(FetchError) as e:
        pipeline.fetch(db, "hn", transport=Replay([broken]).transport(), **kw)  # type: ignore[arg-type]
    assert e.value.key == "fetch.timeout"
    assert str(e.value).startswith("hn did not answer https://hn.algolia.com/api/v1/search?")
    assert str(e.value).endswith(
        "after 5 tries (ReadTimeout). What was fetched is stored: run the same command again "
        "later to continue"
    )
    with Store.open(db, read_only=True) as st:
        assert st.count("fetches") == 2  # January and February of the totals
    fixed = Replay([lambda r: "hn_month" if param(r, "query") else "hn_month_total"])
    res = pipeline.fetch(db, "hn", transport=fixed.transport(), **kw)  # type: ignore[arg-type]
    assert (res.summary.skipped, res.summary.asked, len(fixed.seen)) == (2, 6, 6)
    with Store.open(db, read_only=True) as st:
        rows = st.sql("SELECT year, month, count, total FROM counts ORDER BY month").rows()
    assert rows == [(2024, m, 37.0, 11873.0) for m in (1, 2, 3, 4)]


def test_wikipedia_stores_months_and_a_missing_article_as_no_counts(db: Path) -> None:
    def routes(request: httpx.Request) -> str:
        url = str(request.url)
        if "/aggregate/" in url:
            return "wikipedia_aggregate_en"
        return "wikipedia_article_en" if "Blockchain" in url else "wikipedia_not_found"

    res = pipeline.fetch(
        db, "wikipedia", taxonomy=TAXONOMY, first_year=2024, last_year=2024,
        subfields=["blockchain"], transport=Replay([routes]).transport(), today=TODAY,
    )  # fmt: skip
    assert res.summary.notes == ()
    with Store.open(db, read_only=True) as st:
        rows = st.sql("SELECT source, term, month, count FROM counts ORDER BY source, month").rows()
        zh_log = st.sql("SELECT rows FROM fetches WHERE term = '区块链'").rows()
    assert rows == [
        ("wikipedia_en", "Blockchain", 1, 152034.0),
        ("wikipedia_en", "Blockchain", 2, 160211.0),
        ("wikipedia_en", "Blockchain", 3, 0.0),  # a month without views
        ("wikipedia_en", "Blockchain", 4, 149876.0),
    ]
    assert zh_log == [(0,)]  # the 404 is answered, with nothing stored


# -- the command line ---------------------------------------------------------------------


def test_the_command_prints_the_summary_and_what_each_sub_field_lacks(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from techcurve.cli import cli
    from techcurve.cli.common import out_console

    monkeypatch.setattr(out_console, "width", 300)  # no wrapping
    replay = Replay([openalex_routes])
    monkeypatch.setattr("techcurve.fetch.http.httpx.HTTPTransport", replay.transport)
    import importlib

    monkeypatch.setattr(importlib.import_module(pipeline.fetch.__module__), "datetime", _FixedNow)
    with pytest.raises(SystemExit) as e:
        cli.main(["--db", str(db), "fetch", "openalex", "--taxonomy", str(TAXONOMY),
                  "--from", "2021", "--to", "2024"])  # fmt: skip
    assert e.value.code == 0
    assert capsys.readouterr().out == (
        "openalex: series for 2 sub-fields; 3 requests asked (0 from the cache), 0 answered "
        "before; 12 counts stored\n"
        "sub-fields whose query the API cannot fully express:\n"
        "  smart-contracts: IPC terms left out (G06Q20): openalex cannot search IPC codes\n"
        "  smart-contracts: field scopes ignored (title:smart contract): openalex searches "
        "title and abstract\n"
    )


class _FixedNow:
    @staticmethod
    def now(tz: object = None) -> object:
        from datetime import datetime

        return datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=tz)  # type: ignore[arg-type]


def test_the_command_says_the_same_in_json_with_the_notes_as_sentences(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from techcurve.cli import cli

    monkeypatch.setattr(
        "techcurve.fetch.http.httpx.HTTPTransport", Replay([openalex_routes]).transport
    )
    with pytest.raises(SystemExit) as e:
        cli.main(["--db", str(db), "--json", "fetch", "openalex", "--taxonomy", str(TAXONOMY),
                  "--from", "2021", "--to", "2024", "--subfield", "smart-contracts"])  # fmt: skip
    assert e.value.code == 0
    got = json.loads(capsys.readouterr().out)
    assert {k: got[k] for k in ("source", "series", "calls", "asked", "points", "links")} == {
        "source": "openalex", "series": 1, "calls": 2, "asked": 2, "points": 8, "links": None,
    }  # fmt: skip
    assert got["notes"] == [
        {"subfield_id": "smart-contracts",
         "note": "IPC terms left out (G06Q20): openalex cannot search IPC codes"},
        {"subfield_id": "smart-contracts", "note": "field scopes ignored (title:smart contract): "
                                                   "openalex searches title and abstract"},
    ]  # fmt: skip


def test_the_notes_read_in_chinese() -> None:
    tax = load_taxonomy(TAXONOMY)
    plan = CONNECTORS["openalex"].plan(
        tax.subfield("smart-contracts"), tax.queries["smart-contracts"]
    )
    assert [n.say("zh") for n in plan.notes] == [
        "去掉了 IPC 词（G06Q20）：openalex 不能按 IPC 检索",
        "字段限定被忽略（title:smart contract）：openalex 在标题和摘要中检索",
    ]


def test_the_pipeline_function_is_not_shadowed_by_its_module() -> None:
    import techcurve.pipeline as tc

    assert tc.FetchResult.__name__ == "FetchResult"  # imports techcurve.pipeline.fetch first
    assert callable(tc.fetch) and tc.fetch.__name__ == "fetch"
    assert tc.assess_labelled.__name__ == "assess_labelled"  # and techcurve.pipeline.backtest
    assert callable(tc.backtest) and tc.backtest.__name__ == "backtest"
