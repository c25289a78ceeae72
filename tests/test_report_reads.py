"""The report's own time (issue 18): its store reads give the rows the straightforward
queries give, and what it keeps in the per-user cache (the compiled template, the
Spearman p-value) gives what computing it again gives."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from jinja2 import Environment

from techcurve.report import conclusions, render
from techcurve.report.conclusions import _spearmanr
from techcurve.store import Store, init_store, provenance
from techcurve.store.provenance import EvidenceEnd, RecordRef, latest_evidence, records_by_id
from techcurve.store.report import recent_year, sample_records
from test_report import make_store

#: what sample_records returns, as the straightforward query: every link joined to the
#: records, the newest ``limit`` per sub-field (the query of techcurve ≤ 071e423)
REFERENCE_SAMPLES = """
WITH top AS (
    SELECT m.subfield_id,
        unnest(arg_min({'record_id': m.record_id, 'year': r.year, 'terms': m.terms},
                       (r.year IS NULL, -r.year, m.record_id), 5)) AS s
    FROM matches m JOIN records r USING (record_id)
    GROUP BY m.subfield_id
)
SELECT t.subfield_id, r.kind, r.source, t.s.year AS year, r.title, t.s.terms AS terms
FROM top t JOIN records r ON r.record_id = t.s.record_id
ORDER BY t.subfield_id, t.s.year DESC NULLS LAST, t.s.record_id
"""

# record id, year, the sub-fields it matches (with the terms that matched)
RECORDS: list[tuple[str, int | None, dict[str, str]]] = [
    ("a3", 2024, {"a": "t-a3"}),
    ("a1", 2024, {"a": "t-a1"}),
    ("a2", 2024, {"a": "t-a2"}),
    ("s1", 2024, {"a": "t-s1a", "c": "t-s1c"}),  # one record, two sub-fields
    ("a4", 2023, {"a": "t-a4"}),
    ("a5", 2023, {"a": "t-a5"}),
    ("a6", None, {"a": "t-a6"}),  # undated: after every dated record
    ("a7", 2010, {"a": "t-a7"}),
    ("b2", None, {"b": "t-b2"}),
    ("b1", 2024, {"b": "t-b1"}),
    ("c1", 2012, {"c": "t-c1"}),
    ("c3", 2011, {"c": "t-c3"}),
    ("c2", 2011, {"c": "t-c2"}),
    ("c4", 2010, {"c": "t-c4"}),
    ("c6", 2010, {"c": "t-c6"}),
    ("c5", 2010, {"c": "t-c5"}),
    *((f"u{i}", 2024, {}) for i in range(8)),  # matched to nothing
]


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of :data:`RECORDS` (read-only in the tests)."""
    return _samples_store(tmp_path_factory.mktemp("samples"))


def _samples_store(tmp_path: Path) -> Path:
    db = init_store(tmp_path / "tc.duckdb")
    with Store.open(db) as st:
        st.append(
            "records",
            pl.DataFrame(
                {
                    "record_id": [r[0] for r in RECORDS],
                    "kind": ["paper" if r[0] < "c" else "patent" for r in RECORDS],
                    "source": ["cnki" if r[0] < "c" else "cnipa" for r in RECORDS],
                    "title": [f"  Title {r[0]}" for r in RECORDS],
                    "year": [r[1] for r in RECORDS],
                    "date": [date(r[1], 6, 1) if r[1] else None for r in RECORDS],
                    "date_precision": ["month" if r[1] else "none" for r in RECORDS],
                },
                schema_overrides={"year": pl.Int32},
            ),
        )
        st.append(
            "matches",
            pl.DataFrame(
                [
                    {"record_id": rid, "subfield_id": sf, "terms": terms}
                    for rid, _, links in RECORDS
                    for sf, terms in links.items()
                ]
            ),
        )
    return db


def test_sample_records_are_each_subfields_newest_then_by_id(samples_db: Path) -> None:
    with Store.open(samples_db, read_only=True) as st:
        rows = sample_records(st).rows()
    assert rows == [
        ("a", "paper", "cnki", 2024, "  Title a1", "t-a1"),
        ("a", "paper", "cnki", 2024, "  Title a2", "t-a2"),
        ("a", "paper", "cnki", 2024, "  Title a3", "t-a3"),
        ("a", "patent", "cnipa", 2024, "  Title s1", "t-s1a"),
        ("a", "paper", "cnki", 2023, "  Title a4", "t-a4"),
        ("b", "paper", "cnki", 2024, "  Title b1", "t-b1"),
        ("b", "paper", "cnki", None, "  Title b2", "t-b2"),
        ("c", "patent", "cnipa", 2024, "  Title s1", "t-s1c"),
        ("c", "patent", "cnipa", 2012, "  Title c1", "t-c1"),
        ("c", "patent", "cnipa", 2011, "  Title c2", "t-c2"),
        ("c", "patent", "cnipa", 2011, "  Title c3", "t-c3"),
        ("c", "patent", "cnipa", 2010, "  Title c4", "t-c4"),
    ]


@pytest.mark.parametrize("since", [None, -1, 0, 2010, 2011, 2012, 2023, 2024, 2025, 9999])
@pytest.mark.parametrize("limit", [1, 2, 5, 9])
def test_sample_records_start_anywhere_and_give_the_same_rows(
    samples_db: Path, since: int | None, limit: int
) -> None:
    """Where the search starts only changes which links are joined first, never the rows:
    the same frame (values and types) as joining every link."""
    with Store.open(samples_db, read_only=True) as st:
        expected = st.sql(REFERENCE_SAMPLES.replace(", 5)) AS s", f", {limit})) AS s"))
        got = sample_records(st, limit, since=since)
    assert got.schema == expected.schema
    assert got.equals(expected)


def test_sample_records_of_the_report_fixture(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        expected = st.sql(REFERENCE_SAMPLES)
        for since in (None, 2019, 2020, 2021, 2022, 2023):
            assert sample_records(st, since=since).equals(expected)


def test_recent_year_is_where_the_newest_share_of_dated_records_starts(tmp_path: Path) -> None:
    # dated: 2024 × 13, 2023 × 2, 2012 × 1, 2011 × 2, 2010 × 4 (22); two undated
    with Store.open(_samples_store(tmp_path), read_only=True) as st:
        assert recent_year(st) == 2024  # 13 of 22 ≥ 1/8
        assert recent_year(st, share=1) == 2010  # all of them
        assert recent_year(st, share=2) == 2024  # 13 ≥ 11
    with Store.open(tmp_path / "tc.duckdb") as st:
        st.con.execute("UPDATE records SET year = NULL")
        assert recent_year(st) is None
        # no dated record: every sub-field is searched among all its records
        assert sample_records(st).equals(st.sql(REFERENCE_SAMPLES))


def test_records_by_id_reads_only_the_records_named(samples_db: Path) -> None:
    with Store.open(samples_db, read_only=True) as st:
        refs = records_by_id(st, ["c2", "a6", "gone", "c2"])
    assert refs == {
        "a6": RecordRef("a6", "paper", "cnki", "Title a6", None, "none", None),
        "c2": RecordRef("c2", "patent", "cnipa", "Title c2", date(2011, 6, 1), "month", 2011),
    }


def test_the_template_is_compiled_once_and_a_damaged_entry_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compiled: list[str] = []
    compile_ = Environment.compile

    def counting(self: Environment, source: str, *args: object, **kw: object) -> object:
        compiled.append(source)
        return compile_(self, source, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", counting)
    first = render._template()
    assert len(compiled) == 1
    (entry,) = (tmp_path / "techcurve").glob("template-*.jbc")
    second = render._template()
    assert len(compiled) == 1  # read back
    assert second.root_render_func.__code__ == first.root_render_func.__code__
    entry.write_bytes(b"not bytecode")
    render._template()
    assert len(compiled) == 2  # compiled again, and kept again
    render._template()
    assert len(compiled) == 2


def test_the_template_without_a_writable_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no folder under it
    assert render._template() is not None


def test_the_p_value_kept_is_scipys_to_the_last_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    x, y = [1, 2, 2, 4, 5, 9, 3], [3, 3, 1, 7, 8, 2, 2]
    computed = _spearmanr(x, y)
    (entry,) = (tmp_path / "techcurve").glob("stdtr-*.txt")
    assert float.fromhex(entry.read_text()) == computed[1]
    assert _spearmanr(x, y) == computed
    entry.write_text((0.25).hex())  # what is kept is what is read
    assert _spearmanr(x, y) == (computed[0], 0.25)
    entry.write_text("damaged")
    assert _spearmanr(x, y) == computed
    assert float.fromhex(entry.read_text()) == computed[1]


def test_the_p_value_without_a_writable_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    rho, p = _spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    assert (rho, p) == (0.8207826816681233, 0.08858700531354384)  # scipy.stats.spearmanr
    assert not math.isnan(conclusions._two_sided_p(3, conclusions.np.full((2, 2), 2.5)))


@pytest.mark.parametrize("newest", [1, 2, 3, 256])
def test_latest_evidence_is_the_same_however_many_newest_records_are_tried_first(
    samples_db: Path, newest: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top-k of the newest records is only a shortcut: with a k that holds no matched
    record or cuts through a tie (13 records of 2024-06, 8 of them unmatched), the
    answer is still the newest matched record's month."""
    monkeypatch.setattr(provenance, "NEWEST", newest)
    with Store.open(samples_db, read_only=True) as st:
        assert latest_evidence(st, None) == EvidenceEnd(date(2024, 6, 1), "month")
        assert latest_evidence(st, "2024-05-31") == EvidenceEnd(date(2023, 6, 1), "month")
        assert latest_evidence(st, "2011-12-31") == EvidenceEnd(date(2011, 6, 1), "month")
        assert latest_evidence(st, "2010-05-31") is None
