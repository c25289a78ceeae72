"""Matching while ingesting (`ingest --taxonomy`) leaves the store exactly as ingesting
and then matching does: the same links, match state and sub-fields, whatever the
repeats, rejects, batches and earlier ingests; and it does not match what it cannot."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import techcurve.ingest.staging as staging
from techcurve.cli import cli
from techcurve.ingest import ingest_records, readers
from techcurve.match import in_step, match_store
from techcurve.pipeline.linking import TaxonomyMatcher
from techcurve.store import Store, init_store
from techcurve.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from test_engine import _NOISE, _TERMS
from test_incremental import _edited

AS_OF = date(2026, 11, 29)


def _csv(path: Path, ids: list[int], seed: int) -> Path:
    """Patents and papers whose titles and abstracts mix taxonomy terms and distractors;
    one row without a title (rejected)."""
    rng = random.Random(seed)
    lines = ["source_id,kind,title,abstract,date"]
    for i in ids:
        words = rng.sample(_TERMS, rng.choice([0, 1, 2])) + rng.sample(_NOISE, 2)
        rng.shuffle(words)
        kind = rng.choice(["patent", "paper"])
        lines.append(
            f'{i},{kind},"{" ".join(words[:2])}","{" ".join(words[2:])}",2021-0{1 + i % 9}-01'
        )
    lines.append("999999,paper,,no title,2021-01-01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _state(st: Store) -> dict[str, object]:
    q = "SELECT key, value FROM meta WHERE key LIKE 'match_%' OR key LIKE 'taxonomy_%'"
    return {
        "links": st.sql("SELECT * FROM matches ORDER BY ALL").rows(),
        "queries": st.sql("SELECT * FROM match_queries ORDER BY ALL").rows(),
        "meta": st.sql(q + " ORDER BY key").rows(),
        "subfields": st.sql("SELECT * FROM subfields ORDER BY ALL").rows(),
    }


@pytest.fixture()
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # many batches, staged in several files of whole (tiny) row groups
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    monkeypatch.setattr(staging, "ROW_GROUP", 16)


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("memory", [1 << 30, 0, 3000])  # held in memory, as files, spilled
def test_matching_while_ingesting_equals_ingesting_then_matching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory: int
) -> None:
    monkeypatch.setattr(staging, "STAGE_MEMORY", memory)
    tax = load_taxonomy()
    first = _csv(tmp_path / "a.csv", [*range(60), 5, 17, 40], seed=1)  # repeats in the file
    second = _csv(tmp_path / "b.csv", [*range(50, 90), 55], seed=2)  # overlaps the first
    results = []
    for fused in (True, False):
        path = init_store(tmp_path / f"{fused}.duckdb")
        with Store.open(path) as st:
            sums = ingest_records(st, [first], kind="auto", profile="generic", as_of=AS_OF,
                                  matcher=TaxonomyMatcher(tax) if fused else None)  # fmt: skip
            assert in_step(st, tax) is fused
            sums += ingest_records(st, [second], kind="auto", profile="generic", as_of=AS_OF,
                                   matcher=TaxonomyMatcher(tax) if fused else None)  # fmt: skip
            res = match_store(st, tax)
            results.append((_state(st), [(s.stored, s.duplicates, s.rejected) for s in sums]))
            # matched while ingested: nothing was left for match_store
            assert res.rematched_records == (0 if fused else 90)
    (fused_state, fused_sums), (plain_state, plain_sums) = results
    assert fused_sums == plain_sums == [(60, 3, 1), (30, 11, 1)]
    assert len(fused_state["links"]) > 50  # type: ignore[arg-type]
    assert fused_state == plain_state


@pytest.mark.usefixtures("small_batches")
def test_a_store_matched_with_other_queries_is_not_matched_while_ingesting(
    tmp_path: Path,
) -> None:
    other = _edited(tmp_path, {"ar": {"terms": ["增强现实"]}})
    tax = load_taxonomy()
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        ingest_records(st, [_csv(tmp_path / "a.csv", list(range(40)), seed=3)], kind="auto",
                       profile="generic", as_of=AS_OF)  # fmt: skip
        match_store(st, other)
        assert not in_step(st, tax)
        ingest_records(st, [_csv(tmp_path / "b.csv", list(range(40, 80)), seed=4)],
                       kind="auto", profile="generic", as_of=AS_OF, matcher=TaxonomyMatcher(tax))  # fmt: skip
        assert st.one("SELECT count(*) FROM matches m JOIN records r USING (record_id) "
                      "WHERE r.ingest_id = 2") == (0,)  # fmt: skip
        res = match_store(st, tax)
        assert res.mode == "incremental" and res.rematched_records == 80
        got = st.sql("SELECT * FROM matches ORDER BY ALL").rows()
        match_store(st, tax, full=True)
        assert got == st.sql("SELECT * FROM matches ORDER BY ALL").rows()


def test_a_dry_run_matches_nothing(tmp_path: Path) -> None:
    tax = load_taxonomy()
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        ingest_records(st, [_csv(tmp_path / "a.csv", list(range(20)), seed=5)], kind="auto",
                       profile="generic", as_of=AS_OF, dry_run=True, matcher=TaxonomyMatcher(tax))  # fmt: skip
        assert st.count("records") == 0 and st.count("matches") == 0
        assert st.get_meta("match_watermark") is None


def test_cli_ingest_with_a_taxonomy_also_matches(tmp_path: Path) -> None:
    db = str(tmp_path / "tc.duckdb")
    csv = str(_csv(tmp_path / "a.csv", list(range(30)), seed=6))
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "init"]).exit_code == 0
    res = runner.invoke(cli, ["--db", db, "--json", "ingest", "--profile", "generic",
                              "--taxonomy", str(DEFAULT_TAXONOMY), csv])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [s["stored"] for s in out["ingest"]] == [30]
    assert out["match"]["records"] == 30 and out["match"]["rematched_records"] == 0
    assert out["match"]["links"] > 0
    # again: every row a duplicate, nothing to match
    res = runner.invoke(cli, ["--db", db, "ingest", "--profile", "generic",
                              "--taxonomy", str(DEFAULT_TAXONOMY), csv])  # fmt: skip
    assert res.exit_code == 0 and "no new records: nothing to match" in res.output
    with Store.open(db, read_only=True) as st:
        assert st.sql("SELECT count(*) FROM matches").item() == out["match"]["links"]


def test_ingest_and_match_is_one_library_call(tmp_path: Path) -> None:
    from techcurve import pipeline

    csv = _csv(tmp_path / "a.csv", list(range(30)), seed=6)
    db, plain = init_store(tmp_path / "tc.duckdb"), init_store(tmp_path / "plain.duckdb")
    args = {"kind": "auto", "profile": "generic", "as_of": AS_OF}
    dry = pipeline.ingest_and_match(db, [csv], taxonomy=DEFAULT_TAXONOMY, dry_run=True, **args)
    assert ([s.stored for s in dry.ingest], dry.match) == ([30], None)
    both = pipeline.ingest_and_match(db, [csv], taxonomy=DEFAULT_TAXONOMY, **args)
    assert isinstance(both, pipeline.IngestMatchResult)
    assert [(s.rows_read, s.stored, s.rejected) for s in both.ingest] == [(31, 30, 1)]
    assert both.match is not None
    assert (both.match.records, both.match.rematched_records) == (30, 0)
    again = pipeline.ingest_and_match(db, [csv], taxonomy=DEFAULT_TAXONOMY, **args)
    assert ([s.duplicates for s in again.ingest], again.match) == ([30], None)
    alone = pipeline.ingest_and_match(plain, [csv], taxonomy=None, **args)
    assert ([s.stored for s in alone.ingest], alone.match) == ([30], None)
    matched = pipeline.match(plain, taxonomy=DEFAULT_TAXONOMY)
    assert matched.links == both.match.links
    with Store.open(db, read_only=True) as a, Store.open(plain, read_only=True) as b:
        assert _state(a)["links"] == _state(b)["links"]


def test_warm_gives_the_kernels_the_argument_types_ingest_gives_them(tmp_path: Path) -> None:
    # `make setup` warms the kernels (python -m techcurve.match.warm) so that the first
    # run finds them in Numba's cache: a kernel signature the records add would be
    # compiled by that run instead
    from techcurve.match import fastmatch, warm  # noqa: PLC0415
    from techcurve.normalize import fastnorm  # noqa: PLC0415

    tax = load_taxonomy()
    warm(tax.queries)
    kernels = [fastnorm._fold_kernel, fastmatch._accepting, fastmatch._accepting_tail,
               fastmatch._collect]  # fmt: skip
    warmed = [set(k.signatures) for k in kernels]
    assert all(warmed)
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        csv = _csv(tmp_path / "a.csv", list(range(2_500)), seed=7)  # normalised by Numba
        ingest_records(st, [csv], kind="auto", profile="generic", as_of=AS_OF,
                       matcher=TaxonomyMatcher(tax))  # fmt: skip
        match_store(st, tax, full=True)
        assert st.count("matches") > 100
    assert [set(k.signatures) for k in kernels] == warmed
