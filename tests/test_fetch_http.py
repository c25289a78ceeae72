"""The connectors' HTTP client and bad answers: retries honouring Retry-After and rate
limits, credentials named when refused or missing, malformed, truncated and changed
answers lost nowhere; the taxonomy's ``wiki:`` field; and the live smoke tests
(``TECHCURVE_LIVE=1`` only)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fetch_support import TAXONOMY, TODAY, Replay, openalex_routes
from techcurve import pipeline
from techcurve.errors import FetchError, TaxonomyError
from techcurve.fetch import CONNECTORS, Call, Http, HttpSettings
from techcurve.store import Store, init_store
from techcurve.taxonomy import load_taxonomy

OPENALEX = CONNECTORS["openalex"]
GITHUB = CONNECTORS["github"]
CALL = Call("openalex", "paper", "x", "https://api.openalex.org/works",
            (("filter", "publication_year:2024-2024"), ("group_by", "publication_year")))  # fmt: skip
GH_CALL = Call("github_search", "article", None, "https://api.github.com/search/repositories",
               (("q", "created:2024-01-01..2024-12-31"), ("per_page", "1")), (2024, 0))  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return init_store(tmp_path / "tc.duckdb")


class FakeTime:
    """A clock that moves only when slept on; the sleeps are kept."""

    def __init__(self, sleeps: list[float]) -> None:
        self.now = 0.0
        self.sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _http(replay: Replay, sleeps: list[float], cache: Path | None = None) -> Http:
    fake = FakeTime(sleeps)
    return Http(OPENALEX, cache_path=cache, transport=replay.transport(), sleep=fake.sleep,
                clock=fake.clock, settings=HttpSettings(retries=2, backoff=1.5))  # fmt: skip


def test_a_429_is_retried_after_the_seconds_retry_after_names() -> None:
    answers = iter(["too_many_requests", "openalex_totals"])
    sleeps: list[float] = []
    with _http(Replay([lambda r: next(answers)]), sleeps) as http:
        got = http.get(CALL)
    assert sleeps == [7.0]
    assert got.payload["meta"]["count"] == 41_290_000


def test_a_5xx_is_retried_with_a_doubling_backoff_then_named() -> None:
    sleeps: list[float] = []
    replay = Replay([lambda r: httpx.Response(503, text="busy")])
    with _http(replay, sleeps) as http, pytest.raises(FetchError) as e:
        http.get(CALL)
    assert sleeps == [1.5, 3.0] and len(replay.seen) == 3
    assert str(e.value) == (
        f"openalex answered HTTP 503 to {CALL.request} after 3 tries. What was fetched is "
        "stored: run the same command again later to continue"
    )


def test_an_openalex_403_is_its_rate_limit_and_is_retried() -> None:
    answers = iter([httpx.Response(403, json={"error": "Rate limit exceeded"}), "openalex_totals"])
    sleeps: list[float] = []
    with _http(Replay([lambda r: next(answers)]), sleeps) as http:
        assert http.get(CALL).payload["meta"]["count"] == 41_290_000
    assert sleeps == [1.5]


def test_a_refused_query_says_what_the_api_said_and_is_not_retried() -> None:
    bad = httpx.Response(400, json={"error": "Invalid query", "message": "Unknown filter"})
    replay = Replay([lambda r: bad])
    with _http(replay, []) as http, pytest.raises(FetchError) as e:
        http.get(CALL)
    assert len(replay.seen) == 1
    assert str(e.value).startswith(
        f"openalex refused {CALL.request} with HTTP 400 "
        '({"error":"Invalid query","message":"Unknown filter"}). What was fetched is stored'
    )


def test_githubs_spent_rate_limit_is_waited_out_until_its_reset() -> None:
    answers = iter(["github_rate_limited", "github_total"])
    sleeps: list[float] = []
    fake = FakeTime(sleeps)
    http = Http(GITHUB, transport=Replay([lambda r: next(answers)]).transport(),
                sleep=fake.sleep, clock=fake.clock)  # fmt: skip
    with http, pytest.MonkeyPatch.context() as m:
        m.setattr("techcurve.fetch.http.time.time", lambda: 1_700_000_000.0)
        got = http.get(GH_CALL)
    assert sleeps == [30.0] and got.payload["total_count"] == 52_000_000


def test_a_refused_credential_names_the_variable_to_set(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    replay = Replay([lambda r: "github_bad_credentials"])
    with pytest.raises(FetchError) as e:
        pipeline.fetch(db, "github", taxonomy=TAXONOMY, transport=replay.transport(),
                       today=TODAY, cache=False)  # fmt: skip
    assert e.value.exit_code == 9
    assert str(e.value) == (
        "github refused the request (HTTP 401): the credential is missing or wrong; check the "
        "environment variable GITHUB_TOKEN (or github_token in the config file's fetch section)"
    )
    assert replay.seen[0].headers["authorization"] == "Bearer ghp_wrong"
    assert "ghp_wrong" not in str(e.value)


def test_a_missing_required_key_is_named_before_anything_is_asked(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATENTSVIEW_API_KEY", raising=False)
    replay = Replay([])
    with pytest.raises(FetchError) as e:
        pipeline.fetch(db, "patentsview", taxonomy=TAXONOMY, transport=replay.transport())
    assert str(e.value) == (
        "patentsview needs a credential: set the environment variable PATENTSVIEW_API_KEY "
        "(or patentsview_api_key in the config file's fetch section)"
    )
    assert replay.seen == []


def test_the_key_may_come_from_the_config_file_and_travels_as_a_header(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATENTSVIEW_API_KEY", raising=False)
    config = tmp_path / "my.yaml"
    config.write_text("fetch:\n  patentsview_api_key: pv-secret\n", encoding="utf-8")
    replay = Replay([lambda r: "patentsview_year" if "patent_title" in str(r.url)
                     else "patentsview_total"])  # fmt: skip
    res = pipeline.fetch(db, "patentsview", taxonomy=TAXONOMY, first_year=2023,
                         last_year=2024, subfields=["blockchain"], config=config,
                         transport=replay.transport(), today=TODAY)  # fmt: skip
    assert res.summary.points == 4
    assert {r.headers["x-api-key"] for r in replay.seen} == {"pv-secret"}
    with Store.open(db, read_only=True) as st:
        rows = st.sql("SELECT year, count, total FROM counts ORDER BY year").rows()
        stored = " ".join(str(v) for row in st.sql("SELECT * FROM fetches").rows() for v in row)
    assert rows == [(2023, 1187.0, 324043.0), (2024, 1187.0, 324043.0)]
    assert "pv-secret" not in stored


def test_a_truncated_answer_is_an_error_and_is_not_cached(tmp_path: Path) -> None:
    answers = iter(["openalex_truncated", "openalex_totals"])
    replay = Replay([lambda r: next(answers)])
    cache = tmp_path / "cache.sqlite"
    with _http(replay, [], cache) as http:
        with pytest.raises(FetchError) as e:
            http.get(CALL)
        assert e.value.key == "fetch.malformed"
        assert str(e.value) == (
            f"openalex's answer to {CALL.request} is not valid JSON (Unterminated string "
            "starting at): truncated or an error page. What was fetched is stored and this "
            "answer was not cached: run the same command again to retry"
        )
        assert http.get(CALL).payload["meta"]["count"] == 41_290_000  # asked again
        assert http.get(CALL).from_cache  # … and that answer is kept
    assert len(replay.seen) == 2


def test_a_changed_schema_names_the_missing_field_and_keeps_the_earlier_answers(
    db: Path,
) -> None:
    def routes(request: httpx.Request) -> str:
        return "openalex_changed" if "search" in str(request.url) else "openalex_totals"

    with pytest.raises(FetchError) as e:
        pipeline.fetch(db, "openalex", taxonomy=TAXONOMY, first_year=2020, last_year=2024,
                       subfields=["blockchain"], transport=Replay([routes]).transport(),
                       today=TODAY)  # fmt: skip
    assert e.value.key == "fetch.schema_changed"
    assert "lacks group_by or has it of another type: the API may have changed" in str(e.value)
    with Store.open(db, read_only=True) as st:
        assert st.count("fetch_totals") == 5 and st.count("counts") == 0
    # not cached: a fixed API is asked again
    res = pipeline.fetch(db, "openalex", taxonomy=TAXONOMY, first_year=2020, last_year=2024,
                         subfields=["blockchain"], transport=Replay([openalex_routes]).transport(),
                         today=TODAY)  # fmt: skip
    assert (res.summary.skipped, res.summary.asked, res.summary.cached) == (1, 1, 0)


def test_a_cached_answer_is_not_asked_twice(tmp_path: Path) -> None:
    replay = Replay([lambda r: "openalex_totals"])
    sleeps: list[float] = []
    with _http(replay, sleeps, tmp_path / "c.sqlite") as http:
        first, second = http.get(CALL), http.get(CALL)
    assert (first.from_cache, second.from_cache, len(replay.seen)) == (False, True, 1)
    assert first.payload == second.payload


def test_unknown_sub_fields_and_years_are_said(db: Path) -> None:
    with pytest.raises(FetchError, match=r"^the taxonomy has no sub-field 'nope' \(--subfield "
                       r"takes a sub-field id, e.g. blockchain\)$"):  # fmt: skip
        pipeline.fetch(db, "openalex", taxonomy=TAXONOMY, subfields=["nope"],
                       transport=Replay([]).transport())  # fmt: skip
    with pytest.raises(FetchError, match="the first year 2024 is after the last year 2020"):
        pipeline.fetch(db, "openalex", taxonomy=TAXONOMY, first_year=2024, last_year=2020,
                       transport=Replay([]).transport())  # fmt: skip
    with pytest.raises(FetchError, match="unknown source 'scholar'"):
        pipeline.fetch(db, "scholar")


# -- the taxonomy's wiki: field -----------------------------------------------------------


def _taxonomy(tmp_path: Path, wiki: str) -> Path:
    text = TAXONOMY.read_text(encoding="utf-8").replace(
        "wiki: {en: Smart contract}", f"wiki: {wiki}"
    )
    f = tmp_path / "t.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def test_wiki_titles_are_read_per_edition() -> None:
    tax = load_taxonomy(TAXONOMY)
    got = [(sf.id, sf.wiki_zh, sf.wiki_en) for sf in tax.subfields]
    assert got == [
        ("blockchain", "区块链", "Blockchain"),
        ("smart-contracts", "", "Smart contract"),
    ]


@pytest.mark.parametrize(
    ("wiki", "message"),
    [
        ("{}", "'wiki' is empty: give the zh or en Wikipedia article title under it "
               "(e.g. zh: 区块链, en: Blockchain)"),
        ("{fr: Contrat}", "unknown key 'fr' in 'wiki' (allowed: zh, en)"),
        ("{en: \"Smart [contract]\"}", "'wiki: en' 'Smart [contract]' is not a Wikipedia "
                                       "article title: a title cannot hold # < > [ ] | { }"),
    ],
)  # fmt: skip
def test_a_bad_wiki_field_is_an_error_at_its_line(tmp_path: Path, wiki: str, message: str) -> None:
    with pytest.raises(TaxonomyError) as e:
        load_taxonomy(_taxonomy(tmp_path, wiki))
    assert message in str(e.value) and e.value.line == 19 and e.value.subfield == "smart-contracts"


def test_the_default_taxonomy_names_wikipedia_articles() -> None:
    tax = load_taxonomy()
    by_id = {sf.id: sf for sf in tax.subfields}
    assert (by_id["blockchain-platforms"].wiki_zh, by_id["blockchain-platforms"].wiki_en) == (
        "区块链", "Blockchain")  # fmt: skip
    assert sum(1 for sf in tax.subfields if sf.wiki_en) >= 30


# -- live smoke tests: only with TECHCURVE_LIVE=1 -----------------------------------------

live = pytest.mark.skipif(os.environ.get("TECHCURVE_LIVE") != "1",
                          reason="touches the network: set TECHCURVE_LIVE=1")  # fmt: skip


@live
@pytest.mark.parametrize("source", ["openalex", "wikipedia", "hn", "github", "patentsview"])
def test_live_each_source_answers_in_the_shape_it_is_read_in(db: Path, source: str) -> None:
    if source == "patentsview" and not os.environ.get("PATENTSVIEW_API_KEY"):
        pytest.skip("PATENTSVIEW_API_KEY is not set")
    year = datetime.now(UTC).year - 1
    res = pipeline.fetch(db, source, taxonomy=TAXONOMY, first_year=year, last_year=year,
                         subfields=["blockchain"], cache=False)  # fmt: skip
    assert res.summary.points > 0
    with Store.open(db, read_only=True) as st:
        assert st.one("SELECT max(count) FROM counts")[0] > 0  # type: ignore[index]
        assert st.one("SELECT count(*) FROM counts WHERE total IS NULL")[0] == 0  # type: ignore[index]
