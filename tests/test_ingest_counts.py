"""Count-level ingest: every profile on real excerpts (tests/data/counts/README.md credits them)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from techcurve.errors import IngestError
from techcurve.ingest.count_files import detect_profile, parse_trends_month
from techcurve.ingest.counts import FRAME_COLUMNS, ingest_counts, read_counts
from techcurve.normalize import normalize
from techcurve.store import Store

DATA = Path(__file__).parent / "data" / "counts"
PAPERS = DATA / "hypecycle" / "paper_dict.json"
PATENTS = DATA / "hypecycle" / "patent_dict.json"
HN = DATA / "hn_whoishiring_terms_monthly.csv"
SO = DATA / "stackoverflow_questions_by_tag_year.csv"
ML = DATA / "google_trends" / "ML.csv"
IPHONE = DATA / "google_trends" / "iphone.csv"
BROKEN = DATA / "long_broken.csv"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.open(tmp_path / "db" / "t.duckdb", create=True)
    yield st
    st.close()


@pytest.mark.parametrize(
    ("path", "profile"),
    [
        (PAPERS, "hypecycle-json"),
        (HN, "hn-hiring"),
        (SO, "stackoverflow-tags"),
        (ML, "google-trends"),
        (BROKEN, "long-csv"),
    ],
)
def test_detect_profile(path: Path, profile: str) -> None:
    assert detect_profile(path) == profile


def test_detect_profile_explains_unknown_headers(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(
        IngestError, match=r"x\.csv: cannot tell which count profile.*\['name', 'value'\]"
    ):
        detect_profile(f)


def _first(path: Path, **kw: str) -> dict:
    return read_counts(path, **kw).frame.row(0, named=True)


def test_hypecycle_json_papers_with_totals() -> None:
    r = read_counts(PAPERS)
    assert r.profile == "hypecycle-json"
    assert r.frame.schema == pl.Schema(FRAME_COLUMNS)
    assert (r.rows_read, r.frame.height, r.rejects.height) == (112, 112, 0)
    assert set(r.frame["term"]) == {"Augmented reality", "Deep learning"}
    assert _first(PAPERS) == {
        "row": 1,
        "source": "mag",
        "term": "Deep learning",
        "kind": "paper",
        "year": 1960,
        "month": 0,
        "count": 1.0,
        "total": 316457.0,
    }
    ar2015 = r.frame.filter((pl.col("term") == "Augmented reality") & (pl.col("year") == 2015))
    assert ar2015.select("count", "total").row(0) == (1093.0, 5729525.0)


def test_hypecycle_json_patents() -> None:
    r = read_counts(PATENTS)
    assert (r.rows_read, r.rejects.height) == (80, 0)
    assert set(r.frame["source"]) == {"uspto"} and set(r.frame["kind"]) == {"patent"}
    row = r.frame.filter((pl.col("term") == "Deep learning") & (pl.col("year") == 2015)).row(
        0, named=True
    )
    assert (row["count"], row["total"]) == (6.0, 3596659.0)


def test_hypecycle_json_without_totals_file_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "paper_dict.json"
    shutil.copy(PAPERS, f)
    r = read_counts(f, source="wos")
    assert r.frame["total"].null_count() == r.frame.height
    assert set(r.frame["source"]) == {"wos"}


def test_hypecycle_totals_file_is_not_a_count_file() -> None:
    with pytest.raises(
        IngestError, match=r"total_paper_dict\.json: expected \{term: \{year: count\}\}"
    ):
        read_counts(DATA / "hypecycle" / "total_paper_dict.json")


def test_hypecycle_kind_must_be_known(tmp_path: Path) -> None:
    f = tmp_path / "dict.json"
    f.write_text('{"X": {"2001": 3}}', encoding="utf-8")
    with pytest.raises(IngestError, match="pass --kind"):
        read_counts(f)
    assert _first(f, kind="paper", source="x")["count"] == 3.0


def test_hn_hiring() -> None:
    r = read_counts(HN)
    assert (r.rows_read, r.frame.height, r.rejects.height) == (16, 16, 0)
    assert _first(HN) == {
        "row": 2,
        "source": "hn_hiring",
        "term": "AR",
        "kind": "attention",
        "year": 2017,
        "month": 11,
        "count": 7.0,
        "total": 926.0,
    }
    last = r.frame.row(-1, named=True)
    assert (last["row"], last["term"], last["year"], last["month"], last["count"]) == (
        17,
        "VR",
        2018,
        2,
        8.0,
    )


def test_stackoverflow_tags() -> None:
    r = read_counts(SO)
    assert (r.rows_read, r.rejects.height) == (27, 0)
    row = r.frame.filter((pl.col("term") == "blockchain") & (pl.col("year") == 2017)).row(
        0, named=True
    )
    assert row == {
        "row": 24,
        "source": "stackoverflow",
        "term": "blockchain",
        "kind": "attention",
        "year": 2017,
        "month": 0,
        "count": 681.0,
        "total": 2305207.0,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-Jan", (2012, 1)),
        ("Jan-04", (2004, 1)),
        ("Dec-06", (2006, 12)),
        ("22-Feb", (2022, 2)),
        ("2012-01", (2012, 1)),
        ("2012-01-01", (2012, 1)),
        ("12-Foo", None),
        ("2012-13", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_trends_month(text: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_trends_month(text) == expected


def test_google_trends_both_date_styles() -> None:
    ml = read_counts(ML)
    assert (ml.rows_read, ml.rejects.height) == (146, 0)
    assert set(ml.frame["term"]) == {"machine learning"}
    assert ml.frame.select("year", "month", "count", "total").row(0) == (2010, 1, 7.0, 100.0)
    assert ml.frame.select("year", "month", "count").row(-1) == (2022, 2, 84.0)
    ip = read_counts(IPHONE)
    assert ip.frame.select("term", "year", "month", "count").row(0) == ("iPhone", 2006, 12, 1.0)
    assert ip.frame.select("year", "month").row(-1) == (2008, 1)


def test_google_trends_term(tmp_path: Path) -> None:
    f = tmp_path / "quantum.csv"
    f.write_text("date,popularity\n19-Mar,5\nbad,7\n", encoding="utf-8")
    with pytest.raises(IngestError, match="pass --term"):
        read_counts(f)
    r = read_counts(f, term="quantum computing")
    assert r.frame.select("term", "year", "month").row(0) == ("quantum computing", 2019, 3)
    assert r.rejects.row(0, named=True) == {
        "file": str(f),
        "row": 3,
        "column": "date",
        "value": "bad",
        "reason": "not a month (expected 12-Jan, Jan-04 or 2012-01)",
    }


def test_term_override_only_for_single_series_files() -> None:
    with pytest.raises(IngestError, match="--term cannot be used with profile hn-hiring"):
        read_counts(HN, term="x")


def test_long_csv_rejects_every_bad_row() -> None:
    r = read_counts(BROKEN)
    assert r.profile == "long-csv"
    # 12 data rows (the blank line 12 is not a row): 3 stored, 1 duplicate, 8 rejected
    assert (r.rows_read, r.frame.height, r.duplicates, r.rejects.height) == (12, 3, 1, 8)
    assert r.frame.select("row", "term", "year", "month", "count", "total", "source").rows() == [
        (2, "增强现实", 2019, 0, 120.0, 1000.0, "cnki"),
        (3, "增强现实", 2020, 0, 150.0, 1100.0, "cnki"),
        (14, "区块链", 2021, 0, 7.0, None, "cnki"),
    ]
    assert r.rejects.select("row", "column", "value").rows() == [
        (4, "year", "20x1"),
        (5, "count", "-3"),
        (6, "kind", "gadget"),
        (7, "month", "13"),
        (8, "count", "5000"),
        (9, "term", ""),
        (11, "count", "151.0"),
        (13, "count", "abc"),
    ]
    reasons = r.rejects["reason"].to_list()
    assert reasons[0] == "not a year between 1800 and 2100"
    assert reasons[1] == "negative count"
    assert reasons[2].startswith("unknown kind")
    assert reasons[4] == "count exceeds the period total"
    assert reasons[6].startswith("repeats row 3 ")
    assert reasons[7] == "not a number"


def test_long_csv_needs_kind_and_term(tmp_path: Path) -> None:
    f = tmp_path / "series.csv"
    f.write_text("year,count\n2019,4\n2020,6\n", encoding="utf-8")
    with pytest.raises(IngestError, match="no 'term'"):
        read_counts(f, kind="paper")
    with pytest.raises(IngestError, match="no 'kind' column"):
        read_counts(f, term="边缘计算")
    r = read_counts(f, term="边缘计算", kind="Patent")
    assert r.frame.select("source", "term", "kind", "year", "count").rows() == [
        ("series", "边缘计算", "patent", 2019, 4.0),
        ("series", "边缘计算", "patent", 2020, 6.0),
    ]


def test_technology_column_and_gbk(tmp_path: Path) -> None:
    f = tmp_path / "gbk.csv"
    f.write_bytes("technology,year,kind,count\n人工智能,2020,paper,12\n".encode("gb18030"))
    assert _first(f)["term"] == "人工智能"


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        read_counts(tmp_path / "missing.csv")
    with pytest.raises(IngestError, match="is a folder"):
        read_counts(DATA)
    with pytest.raises(IngestError, match="unknown count profile 'x'"):
        read_counts(HN, profile="x")
    with pytest.raises(IngestError, match="missing column.*num_comments"):
        read_counts(SO, profile="hn-hiring")
    with pytest.raises(IngestError, match="unknown evidence kind"):
        read_counts(SO, kind="tweets")


def test_ingest_stores_logs_and_is_idempotent(store: Store) -> None:
    seen: list[int] = []
    files = [PAPERS, PATENTS, HN, SO, ML, IPHONE]
    first = ingest_counts(store, files, progress=seen.append)
    assert [(s.profile, s.rows_read, s.stored, s.duplicates, s.rejected) for s in first] == [
        ("hypecycle-json", 112, 112, 0, 0),
        ("hypecycle-json", 80, 80, 0, 0),
        ("hn-hiring", 16, 16, 0, 0),
        ("stackoverflow-tags", 27, 27, 0, 0),
        ("google-trends", 146, 146, 0, 0),
        ("google-trends", 14, 14, 0, 0),
    ]
    assert seen == [112, 80, 16, 27, 146, 14]
    assert store.count("counts") == 395
    log = store.table("ingest_log").sort("ingest_id")
    assert log["ingest_id"].to_list() == [1, 2, 3, 4, 5, 6]
    assert log["kind"].to_list() == [
        "paper",
        "patent",
        "attention",
        "attention",
        "attention",
        "attention",
    ]
    assert log["sha256"].str.len_chars().to_list() == [64] * 6
    row = store.table(
        "counts", "source = 'hn_hiring' AND term = 'Machine Learning' AND year = 2018 AND month = 2"
    ).row(0, named=True)
    assert (row["count"], row["total"], row["ingest_id"]) == (111.0, 808.0, 3)
    assert row["term_norm"] == normalize("Machine Learning")

    again = ingest_counts(store, files)
    assert [(s.stored, s.duplicates) for s in again] == [(0, s.rows_read) for s in first]
    assert store.count("counts") == 395
    assert store.count("ingest_log") == 12


def test_ingest_writes_rejects_file(store: Store) -> None:
    (s,) = ingest_counts(store, [BROKEN])
    assert (s.rows_read, s.stored, s.duplicates, s.rejected) == (12, 3, 1, 8)
    assert s.rejects_path == str(Path(store.path).parent / "rejects" / "long_broken.rejects.csv")
    assert Path(s.rejects_path).read_bytes().startswith(b"\xef\xbb\xbffile,row,")  # BOM
    with open(s.rejects_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["file", "row", "column", "value", "reason"]
    assert rows[1] == [str(BROKEN), "4", "year", "20x1", "not a year between 1800 and 2100"]
    assert len(rows) == 9
    logged = store.table("ingest_log").row(0, named=True)
    assert (logged["rejected"], logged["rejects_path"], logged["profile"]) == (
        8,
        s.rejects_path,
        "long-csv",
    )
    (s2,) = ingest_counts(store, [BROKEN])
    assert (s2.stored, s2.duplicates, s2.rejected) == (0, 4, 8)


def test_dry_run_writes_nothing(store: Store) -> None:
    (s,) = ingest_counts(store, [BROKEN], dry_run=True)
    assert (s.stored, s.rejected, s.rejects_path) == (3, 8, None)
    assert store.count("counts") == 0
    assert store.count("ingest_log") == 0
    assert not (Path(store.path).parent / "rejects").exists()
