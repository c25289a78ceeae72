"""Record ingest: every format and profile on small real files, the store contract
(stored / duplicate / rejected, rejects file, ingest_log, idempotence, dry run) and the
errors a user can cause. Test files and their sources: tests/data/ingest/README.md."""

from __future__ import annotations

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.errors import IngestError
from techcurve.ingest import ingest_records, inspect_file, read_records, readers
from techcurve.ingest.money import USD_CNY
from techcurve.match import match_text
from techcurve.store import RECORD_COLUMNS, Store

DATA = Path(__file__).parent / "data" / "ingest"
MAPPINGS = Path(__file__).parent.parent / "demo" / "mappings"
AS_OF = date(2026, 11, 29)


def rows_by_title(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["title"]: r for r in frame.iter_rows(named=True)}


# -- profiles on real excerpts ------------------------------------------------------------


def test_crunchbase_excerpt() -> None:
    r = read_records(DATA / "crunchbase_rounds_excerpt.csv", kind="financing", as_of=AS_OF)
    # old-Mac file: CR-only line ends, Mac Roman bytes (™ is 0xAA)
    assert (r.profile, r.encoding) == ("crunchbase", "mac_roman")
    assert (r.rows_read, r.frame.height, r.duplicates, len(r.rejects)) == (14, 13, 1, 0)
    assert set(r.frame.columns) == set(RECORD_COLUMNS) - {"ingest_id"}
    by = rows_by_title(r.frame)
    name = by["#NAME?"]  # the spreadsheet artefact is kept as printed
    assert name["record_id"] == "crunchbase:/company/n-plusn|2012-08-29|angel|600000"
    assert name["amount_text"] == "USD 600000"
    assert name["amount_point_cny"] == pytest.approx(600000 * USD_CNY[2012])
    assert (name["round_raw"], name["round"], name["sector"]) == ("angel", "angel", "software")
    assert (name["date"], name["date_precision"], name["year"]) == (date(2012, 8, 29), "day", 2012)
    dentist = by["1-800-DENTIST"]  # empty amount = undisclosed, never 0
    assert dentist["amount_text"] == "undisclosed"
    assert dentist["amount_point_cny"] is None and dentist["amount_low_cny"] is None
    assert "Anchor™" in by and "Avocado™" in by
    assert "2nd Story Software, Inc." in by  # a quoted field with a comma
    assert by["0xdata"]["round"] == "venture"
    assert by["#waywire"]["round"] == "a"
    # same company, day and type but different amounts: two tranches, both kept
    playsay = (
        r.frame.filter(pl.col("title") == "PlaySay").get_column("amount_text").sort().to_list()
    )
    assert playsay == ["USD 50000", "USD 750000"]


def test_itjuzi_excerpt_with_shifted_header() -> None:
    path = DATA / "itjuzi_invest_events_excerpt.xlsx"
    ins = inspect_file(path, n=3)
    assert (ins.format, ins.profile, ins.kind) == ("xlsx", "itjuzi", "financing")
    assert ins.columns == ("date", "location", "label", "company", "money", "rounds")
    assert ins.notes == (
        "column A has no header but holds dates (e.g. '2017.12.22'): named it 'date'",
    )
    assert ins.rows[0] == {
        "date": "2017.12.22", "location": "香港", "label": "广告营销", "company": "爱点击iClick",
        "money": "1亿美元", "rounds": "IPO上市后", "_row": 2,
    }  # fmt: skip
    r = read_records(path, kind="financing", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height, r.duplicates, len(r.rejects)) == (
        "itjuzi",
        20,
        19,
        1,
        0,
    )
    by = rows_by_title(r.frame)
    iclick = by["爱点击iClick"]
    assert (iclick["date"], iclick["sector"], iclick["round"]) == (
        date(2017, 12, 22),
        "广告营销",
        "post-ipo",
    )
    assert iclick["amount_point_cny"] == pytest.approx(1e8 * USD_CNY[2017])
    assert iclick["currency"] == "USD"
    assert by["联帮在线"]["amount_text"] == "未透露" and by["联帮在线"]["amount_point_cny"] is None
    wanchao = by["万超帮"]  # 数千万人民币
    assert (wanchao["amount_low_cny"], wanchao["amount_high_cny"], wanchao["amount_point_cny"]) == (
        1e7,
        1e8,
        3e7,
    )
    assert by["融贯电商"]["amount_point_cny"] == 2e8  # 亿元及以上人民币
    assert by["壹号餐桌"]["amount_point_cny"] == 3e6  # 数百万人民币
    assert by["钛星猫"]["amount_point_cny"] == 3e5  # 数十万人民币
    assert by["钛星猫"]["date"] == date(2017, 10, 23)
    assert by["Lion Rock狮峰金融"]["currency"] == "HKD"
    assert (by["滴滴出行"]["round_raw"], by["滴滴出行"]["round"]) == ("F轮-上市前", "f")
    assert by["掌动科技"]["round"] == "neeq"


def test_demo_mapping_ruanyf() -> None:
    r = read_records(
        DATA / "weekly_format_sample.csv",
        kind="article",
        mapping=MAPPINGS / "ruanyf_weekly.yaml",
        as_of=AS_OF,
    )
    assert (r.profile, r.rows_read, r.frame.height, len(r.rejects)) == (
        "mapping:ruanyf_weekly",
        20,
        20,
        0,
    )
    assert set(r.frame.get_column("date")) == {date(2018, 4, 1)}
    assert set(r.frame.get_column("date_precision")) == {"month"}
    assert set(r.frame.get_column("venue")) == {"科技爱好者周刊"}
    assert set(r.frame.get_column("source")) == {"ruanyf_weekly"}
    assert r.frame.get_column("keywords").unique().sort().to_list() == [
        "工具",
        "教程",
        "文摘",
        "新闻",
    ]
    first = r.frame.row(0, named=True)
    assert first["title"] == "某网站和某论坛限制第三方调用 API"
    # what the matcher searches in it (normalised as it matches, not stored)
    head = r.frame.head(1)
    assert match_text(head)[0] == "某网站和某论坛限制第三方调用 \x1fapi\x1f 新闻"
    assert match_text(head, "title")[0] == "某网站和某论坛限制第三方调用 \x1fapi\x1f"
    assert first["record_id"].startswith("ruanyf_weekly:h:")


def test_demo_mapping_ml_titles() -> None:
    r = read_records(
        DATA / "ml_conference_titles_excerpt.csv", kind="auto",
        mapping=MAPPINGS / "ml_conference_titles.yaml", as_of=AS_OF,
    )  # fmt: skip
    assert (r.rows_read, r.frame.height, len(r.rejects)) == (20, 20, 0)
    assert set(r.frame.get_column("kind")) == {"paper"}
    assert set(r.frame.get_column("venue")) == {"NIPS"}
    assert set(r.frame.select("date", "date_precision", "year").rows()) == {
        (date(2006, 1, 1), "year", 2006)
    }
    assert "Learning with Hypergraphs: Clustering, Classification, and Embedding" in rows_by_title(
        r.frame
    )


# -- encodings and generic files ---------------------------------------------------------


def test_control_characters_and_nul_bytes_leave_titles_and_other_fields(tmp_path: Path) -> None:
    # titles lose control and invisible format characters, other fields their NUL bytes
    # only; a field empty once they and the spaces around are gone is no value
    f = tmp_path / "c.csv"
    f.write_bytes(
        b"source_id,kind,title,date,venue\n"
        b'A1,paper,"  a\x00b\x01c\xe2\x80\x8b  ",2020-01-01," v\x00\x01 "\n'
        b"A2,paper,x\x7fy\xc2\x85,2020-01-02,\x00\n"
    )
    r = read_records(f, kind="paper", as_of=AS_OF, profile="generic")
    assert r.frame.select("source_id", "title", "venue").rows() == [
        ("A1", "abc", "v\x01"),
        ("A2", "xy", None),
    ]


def test_gbk_csv() -> None:
    r = read_records(DATA / "gbk_papers.csv", kind="paper", as_of=AS_OF)
    assert (r.profile, r.encoding, r.rows_read, r.frame.height) == ("generic", "gb18030", 3, 3)
    by = rows_by_title(r.frame)
    assert by["基于深度学习的图像识别研究"]["keywords"] == "深度学习;图像识别"
    assert by["人工智能在医疗诊断中的应用"]["keywords"] == "人工智能;医疗"  # full-width ；
    assert by["人工智能在医疗诊断中的应用"]["date"] == date(2020, 3, 2)
    chain = by["区块链技术在供应链金融中的应用"]
    assert (chain["keywords"], chain["date"], chain["date_precision"]) == (
        "区块链;供应链金融", date(2021, 6, 1), "month",
    )  # fmt: skip


def test_utf8_bom_semicolon_csv() -> None:
    ins = inspect_file(DATA / "utf8_bom_articles.csv")
    assert (ins.encoding, ins.delimiter, ins.columns) == (
        "utf-8-sig",
        ";",
        ("title", "date", "venue", "url"),
    )
    r = read_records(DATA / "utf8_bom_articles.csv", kind="article", as_of=AS_OF)
    assert r.frame.select("title", "date", "venue", "url").rows() == [
        ("5G专网进入规模商用阶段", date(2022, 11, 24), "36氪", "https://36kr.com/p/1"),
        ("AR眼镜出货量同比增长", date(2022, 11, 24), "InfoQ", "https://infoq.cn/a/2"),
        ("边缘计算白皮书发布", date(2022, 11, 25), "雷锋网", None),
    ]
    assert match_text(r.frame, "title")[0] == "\x1f5g\x1f专网进入规模商用阶段"


def test_utf16_csv_with_ids() -> None:
    r = read_records(DATA / "utf16_patents.csv", kind="patent", as_of=AS_OF)
    assert (r.encoding, r.rows_read, r.frame.height) == ("utf-16", 2, 2)
    assert r.frame.select("record_id", "organization", "ipc").rows() == [
        ("generic:CN112347754A", "清华大学", "G06N 20/00;H04L 9/00"),
        ("generic:US10354439B2", "Magic Leap, Inc.", "G02B 27/01"),
    ]


def test_encoding_override(tmp_path: Path) -> None:
    r = read_records(DATA / "gbk_papers.csv", kind="paper", encoding="gbk", as_of=AS_OF)
    assert r.encoding == "gbk" and r.frame.height == 3
    # read as UTF-8, each GBK line is rejected with its reason (the header is ASCII)
    wrong = read_records(DATA / "gbk_papers.csv", kind="paper", encoding="utf-8")
    assert (wrong.rows_read, wrong.frame.height) == (3, 0)
    assert wrong.rejects[0].reason == (
        "line 2 is not utf-8 text (byte 0xbb): re-save the file as utf-8, or decode such "
        "lines with --fallback-encoding (e.g. gb18030)"
    )
    with pytest.raises(IngestError, match="unknown encoding 'klingon'"):
        read_records(DATA / "gbk_papers.csv", kind="paper", encoding="klingon")


def test_broken_rows_are_rejected_with_line_and_reason() -> None:
    r = read_records(DATA / "broken_rows.csv", kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, r.duplicates, len(r.rejects)) == (13, 6, 1, 6)
    got = [(x.row, x.column, x.value, x.reason) for x in r.rejects]
    assert got == [
        (3, None, "Too many fields,2020-01-02,Venue A,extra",
         "row has 4 fields but the header has 3 (a stray delimiter or quote?): "
         "fix the row and ingest the file again"),
        (4, "date", "2022-13-01", "month 13 in '2022-13-01' is impossible (months are 1-12)"),
        (5, "title", None, "no title: every record needs one (fill it in or drop the row)"),
        (6, "date", "1850", "year 1850 in '1850' is before 1900"),
        (7, "date", "2999-01-01", "'2999-01-01' is after the as-of date 2026-11-29"),
        (10, None, "Too few fields",
         "row has 1 field but the header has 3 (a stray delimiter or quote?): "
         "fix the row and ingest the file again"),
    ]  # fmt: skip
    by = rows_by_title(r.frame)
    assert by["Excel serial"]["date"] == date(2017, 12, 22)
    assert (by["No date at all"]["date"], by["No date at all"]["date_precision"]) == (None, "none")
    assert by["Trailing delimiter"]["date"] == date(2021, 2, 1)
    assert 'Stray "quote' in by


def test_jsonl_financing() -> None:
    r = read_records(DATA / "financing.jsonl", kind="financing", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height, len(r.rejects)) == ("generic", 12, 9, 3)
    assert [(x.row, x.column, x.reason) for x in r.rejects] == [
        (10, None, "not valid JSON (Expecting value at column 33)"),
        (11, None, "a JSON str, not an object with named fields"),
        (13, "amount", "'some money' is not an amount (expected e.g. 1.5亿元, 5000万元, 数千万人民币, "
                       "近亿元, US$5M, $1.2B or 未透露)"),
    ]  # fmt: skip
    by = rows_by_title(r.frame)
    a = by["智能驾驶公司A"]
    assert (a["amount_point_cny"], a["round"], a["investors"], a["sector"]) == (
        1.5e8,
        "b",
        "红杉中国;高瓴",
        "汽车交通",
    )
    assert by["Robotics Co"]["amount_point_cny"] == pytest.approx(5e6 * USD_CNY[2020])
    assert by["Cloud Giant"]["amount_point_cny"] == pytest.approx(1.2e9 * USD_CNY[2019])
    assert by["Cloud Giant"]["round"] == "pre-ipo"
    b = by["芯片公司B"]
    assert (b["amount_low_cny"], b["amount_high_cny"], b["amount_point_cny"]) == (8e7, 1e8, 9e7)
    assert (b["date"], b["date_precision"], b["round"]) == (date(2022, 11, 1), "month", "a+")
    assert by["芯片公司C"]["amount_point_cny"] == 2e8
    assert by["出海公司D"]["amount_point_cny"] == pytest.approx(3e8 * USD_CNY[2018])
    assert by["出海公司D"]["round"] == "m&a"
    assert (by["SaaS公司E"]["amount_point_cny"], by["SaaS公司E"]["round"]) == (5e7, "seed")
    assert by["不透露公司F"]["amount_text"] == "未透露"
    g = by["空金额公司G"]
    assert (g["amount_text"], g["amount_point_cny"], g["round"]) == (
        "undisclosed",
        None,
        "post-ipo",
    )


def test_user_mapping_as_dict_with_constant_join_and_coalesce(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("name,alt,yr,id1,id2\nA,,2019,7,x\n,B,2020,8,\n", encoding="utf-8")
    mapping = {
        "source": "mine", "kind": "paper",
        "fields": {"title": ["name", "alt"], "year": "yr", "venue": "=Journal X",
                   "source_id": {"join": ["id1", "id2"], "sep": "-"}},
    }  # fmt: skip
    r = read_records(p, kind="paper", mapping=mapping, as_of=AS_OF)
    assert r.profile == "mapping:mine"
    assert r.frame.select("record_id", "title", "year", "venue").rows() == [
        ("mine:7-x", "A", 2019, "Journal X"),
        ("mine:8", "B", 2020, "Journal X"),
    ]


def test_many_batches_keep_row_numbers_and_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "BATCH_ROWS", 3)
    p = tmp_path / "many.csv"
    lines = (
        ["title,date"] + [f"t{i % 7},2020-01-0{1 + i % 7}" for i in range(20)] + ["bad,2020-13-01"]
    )
    p.write_text("\r".join(lines) + "\r", encoding="utf-8")  # CR-only line ends
    r = read_records(p, kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, r.duplicates) == (21, 7, 13)
    assert [(x.row, x.value) for x in r.rejects] == [(22, "2020-13-01")]


# -- the store -------------------------------------------------------------------------------


def test_ingest_records_accounts_for_every_row(store: Store, tmp_path: Path) -> None:
    seen: list[int] = []
    [s] = ingest_records(
        store, [DATA / "broken_rows.csv"], kind="paper", as_of=AS_OF, progress=seen.append
    )
    assert (s.kind, s.profile, s.rows_read, s.stored, s.duplicates, s.rejected) == (
        "paper",
        "generic",
        13,
        6,
        1,
        6,
    )
    assert sum(seen) == 13
    assert s.rejects_path == str(tmp_path / "rejects" / "broken_rows.rejects.csv")
    with open(s.rejects_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["file", "row", "column", "value", "reason"]
    assert [r[1:4] for r in rows[1:]] == [
        ["3", "", "Too many fields,2020-01-02,Venue A,extra"],
        ["4", "date", "2022-13-01"],
        ["5", "title", ""],
        ["6", "date", "1850"],
        ["7", "date", "2999-01-01"],
        ["10", "", "Too few fields"],
    ]
    assert store.count("records") == 6
    log = store.table("ingest_log").row(0, named=True)
    sha = hashlib.sha256((DATA / "broken_rows.csv").read_bytes()).hexdigest()
    assert (log["ingest_id"], log["sha256"], log["rows_read"], log["stored"], log["duplicates"], log["rejected"]) == (
        1, sha, 13, 6, 1, 6,
    )  # fmt: skip
    assert log["finished_at"] >= log["started_at"]
    assert set(store.table("records").get_column("ingest_id")) == {1}


def test_reingest_stores_nothing_new_and_dry_run_rolls_back(store: Store, tmp_path: Path) -> None:
    path = DATA / "crunchbase_rounds_excerpt.csv"
    [dry] = ingest_records(store, [path], kind="financing", dry_run=True, as_of=AS_OF)
    assert (dry.stored, dry.duplicates) == (13, 1)
    assert store.count("records") == 0 and store.count("ingest_log") == 0
    [first] = ingest_records(store, [path], kind="financing", as_of=AS_OF)
    [again] = ingest_records(store, [path], kind="auto", as_of=AS_OF)
    assert (first.stored, first.duplicates, first.rejected) == (13, 1, 0)
    assert (again.stored, again.duplicates, again.rejected) == (0, 14, 0)
    assert store.count("records") == 13 and store.count("ingest_log") == 2
    assert not (tmp_path / "rejects").exists()


def test_several_files_are_all_stored_or_none(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(IngestError, match="cannot tell which profile") as e:
        ingest_records(store, [DATA / "utf8_bom_articles.csv", bad], kind="article", as_of=AS_OF)
    assert str(e.value).startswith(
        "1 of 2 files cannot be ingested (bad.csv), so none was stored (--keep-going stores "
        f"the others); the first: {bad}: cannot tell which profile fits this file"
    )
    assert store.count("records") == 0  # the good file is not stored either
    assert store.count("ingest_log") == 0
    kept = ingest_records(
        store, [DATA / "utf8_bom_articles.csv", bad], kind="article", as_of=AS_OF, keep_going=True
    )
    assert [(s.stored, s.skipped is None) for s in kept] == [(3, True), (0, False)]
    assert kept[1].skipped is not None and kept[1].skipped.startswith(
        f"{bad}: cannot tell which profile fits this file (columns: name)"
    )
    assert store.count("records") == 3
    assert store.count("ingest_log") == 1


def test_cnki_and_itjuzi_into_one_store(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "rej"
    summaries = ingest_records(
        store,
        [DATA / "cnki_lots_of_english_excerpt.net", DATA / "cnki_cover_all_15.net"],
        kind="paper",
        rejects_dir=out,
        as_of=AS_OF,
    )
    assert [(s.kind, s.stored, s.rejected) for s in summaries] == [
        ("paper", 3, 1),
        ("paper,patent", 15, 0),
    ]
    assert summaries[0].rejects_path == str(out / "cnki_lots_of_english_excerpt.rejects.csv")
    [s] = ingest_records(
        store, [DATA / "itjuzi_invest_events_excerpt.xlsx"], kind="financing", as_of=AS_OF
    )
    assert (s.stored, s.duplicates) == (19, 1)
    kinds = store.sql("SELECT kind, count(*) AS n FROM records GROUP BY kind ORDER BY kind").rows()
    assert kinds == [("financing", 19), ("paper", 17), ("patent", 1)]


# -- errors ------------------------------------------------------------------------------------


def test_missing_file() -> None:
    with pytest.raises(IngestError, match=r"nope\.csv: file does not exist"):
        read_records(DATA / "nope.csv", kind="paper")


def test_mapping_naming_a_missing_column(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_records(p, kind="paper", mapping={"fields": {"title": "title"}})
    assert (
        str(e.value)
        == f"{p}: column 'title' named by the mapping is not in the file (columns: a, b, c)"
    )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"fields": {"titel": "a"}}, "unknown field 'titel' in the mapping"),
        ({"fields": {"venue": "a"}}, "the mapping must map 'title'"),
        ({"fields": {"title": "a"}, "kind": "blog"}, "kind 'blog' is not one of"),
        ({"fields": {"title": "a"}, "colour": 1}, "unknown key(s) 'colour'"),
        ({"fields": {"title": {"x": 1}}}, "field 'title' maps to"),
        ({"title": "a"}, "unknown key(s) 'title'"),
    ],
)
def test_bad_mappings(tmp_path: Path, mapping: dict[str, object], message: str) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_records(p, kind="paper", mapping=mapping)


def test_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="mapping file does not exist"):
        read_records(DATA / "gbk_papers.csv", kind="paper", mapping=tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields: [unclosed\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad\.yaml: not valid YAML at line"):
        read_records(DATA / "gbk_papers.csv", kind="paper", mapping=bad)


def test_unknown_profile_and_kind() -> None:
    with pytest.raises(IngestError, match="unknown profile 'incopat'"):
        read_records(DATA / "gbk_papers.csv", kind="paper", profile="incopat")
    with pytest.raises(IngestError, match="unknown kind 'blog'"):
        read_records(DATA / "gbk_papers.csv", kind="blog")
    with pytest.raises(IngestError, match="'attention' is count-level evidence"):
        read_records(DATA / "gbk_papers.csv", kind="attention")
    with pytest.raises(
        IngestError, match="holds financing records, not paper: pass --kind financing"
    ):
        read_records(DATA / "crunchbase_rounds_excerpt.csv", kind="paper")
    with pytest.raises(IngestError, match="holds paper and patent records, not article"):
        read_records(DATA / "cnki_cover_all_15.net", kind="article")
    with pytest.raises(IngestError, match="the cnki profile reads NoteExpress"):
        read_records(DATA / "gbk_papers.csv", kind="paper", profile="cnki")


def test_format_profiles_and_xls(tmp_path: Path) -> None:
    txt = tmp_path / "titles.txt"
    shutil.copy(DATA / "utf8_bom_articles.csv", txt)
    r = read_records(txt, kind="article", profile="csv", as_of=AS_OF)
    assert (r.profile, r.frame.height) == ("generic", 3)
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(IngestError, match=r"old.xls: not a readable XLS workbook"):
        read_records(xls, kind="paper")


def test_inspect_undetectable_file_says_why(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a\tb\n1\t2\n", encoding="utf-8")
    ins = inspect_file(p)
    assert (ins.format, ins.delimiter, ins.columns, ins.profile) == ("csv", "\t", ("a", "b"), None)
    assert ins.rows == ({"a": "1", "b": "2", "_row": 2},)
    assert "cannot tell which profile fits this file (columns: a, b)" in ins.notes[0]


# -- properties ------------------------------------------------------------------------------

_csv_chars = st.sampled_from(list('ab, "\n\r;\t2019-13年月日\\x'))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(_csv_chars, max_size=25), max_size=8))
def test_malformed_csv_rows_only_raise_ingest_error(tmp_path: Path, rows: list[str]) -> None:
    p = tmp_path / "fuzz.csv"
    p.write_text("title,date,venue\n" + "\n".join(rows) + "\n", encoding="utf-8")
    try:
        r = read_records(p, kind="paper", as_of=AS_OF)
    except IngestError:
        return
    assert r.rows_read == r.frame.height + r.duplicates + len(r.rejects)
    assert all(x.row >= 2 for x in r.rejects)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_raise_ingest_error(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "fuzz.csv"
    p.write_bytes(b"title,date\n" + data)
    try:
        r = read_records(p, kind="paper", as_of=AS_OF)
    except IngestError:
        return
    assert r.rows_read == r.frame.height + r.duplicates + len(r.rejects)
