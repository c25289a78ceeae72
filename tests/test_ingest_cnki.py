"""CNKI NoteExpress exports: real files, with their quirks (see tests/data/ingest/README.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from techcurve.ingest import inspect_file, read_records
from techcurve.ingest.cnki import parse_noteexpress

DATA = Path(__file__).parent / "data" / "ingest"
AS_OF = date(2026, 11, 29)


def test_year_2989_is_rejected_with_its_line() -> None:
    r = read_records(DATA / "cnki_lots_of_english_excerpt.net", kind="paper", as_of=AS_OF)
    assert (r.profile, r.encoding, r.rows_read, r.frame.height, r.duplicates) == (
        "cnki",
        "utf-8",
        4,
        3,
        0,
    )
    [rej] = r.rejects
    assert (rej.row, rej.column, rej.value) == (40, "Year", "2989")
    assert rej.reason == "'2989' is after the as-of date 2026-11-29"
    assert r.frame.get_column("year").to_list() == [2019, 2019, 2019]
    assert set(r.frame.get_column("date_precision")) == {"year"}
    first = r.frame.row(0, named=True)
    assert first["title"].startswith("Evaluation of in-person and on-line food safety education")
    assert first["kind"] == "paper" and first["source"] == "cnki"
    assert (
        first["record_id"].startswith("cnki:h:") and len(first["record_id"]) == len("cnki:h:") + 16
    )


def test_patent_record_and_records_without_year() -> None:
    r = read_records(DATA / "cnki_cover_all_15.net", kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, r.duplicates, len(r.rejects)) == (15, 15, 0, 0)
    assert r.frame.get_column("kind").value_counts().sort("kind").rows() == [
        ("paper", 14),
        ("patent", 1),
    ]
    patent = r.frame.filter(pl.col("kind") == "patent").row(0, named=True)
    assert patent["record_id"] == "cnki:CN108722921A"
    assert patent["source_id"] == "CN108722921A"
    assert patent["title"] == "一种铁路故障检测器清洗装置"
    assert patent["organization"] == "芜湖华佳新能源技术有限公司"  # the applicant
    assert (patent["date"], patent["date_precision"]) == (date(2018, 11, 2), "day")
    undated = r.frame.filter(pl.col("date").is_null())
    assert undated.height == 3
    assert set(undated.get_column("date_precision")) == {"none"}
    thesis = r.frame.filter(pl.col("title").str.starts_with("云环境下")).row(0, named=True)
    assert thesis["venue"] == "北京交通大学"  # the school
    assert thesis["keywords"] == (
        "铁路运输;“门到门”货运产品;产品设计;服务网络优化;云计算;大数据;支持向量机;IBM DOcplexcloud软件"
    )
    journal = r.frame.filter(pl.col("title").str.starts_with("基于灰色关联")).row(0, named=True)
    assert journal["venue"] == "铁道运输与经济"
    assert journal["abstract"].startswith("选择合理的铁路物流服务方案")


def test_cr_line_ends_and_an_address_broken_over_lines() -> None:
    r = read_records(DATA / "cnki_line_break_in_address.net", kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, len(r.rejects)) == (1, 1, 0)
    rec = r.frame.row(0, named=True)
    assert rec["title"] == "基于公共行政理念的政府公共关系发展历程探析"
    assert rec["keywords"] == "政府公共关系;公共行政;发展历程;理念"
    assert rec["venue"] == "湖北社会科学"
    assert rec["organization"].endswith("湖北武汉430074 ,湖北武汉430074")
    assert rec["year"] == 2005


def test_parser_quirks() -> None:
    text = (
        "{Reference Type}: Journal Article\r{Title}：全角冒号\r{Keywords}: a;;b\r"
        "{Subsidiary Author,}: x\r\r\r"
        "{Title}: second record without a type line\n"
        "stray continuation\n"
    )
    records, rejects = parse_noteexpress(text)
    assert rejects == []
    assert [n for n, _ in records] == [1, 7]
    assert records[0][1] == {
        "Reference Type": ["Journal Article"],
        "Title": ["全角冒号"],
        "Keywords": ["a;;b"],
        "Subsidiary Author": ["x"],
    }
    assert records[1][1] == {"Title": ["second record without a type line stray continuation"]}
    _, rejects = parse_noteexpress("junk before any field\n{Title}: t\n", "f.net")
    assert [(r.row, r.value) for r in rejects] == [(1, "junk before any field")]


def test_inspect_detects_cnki() -> None:
    ins = inspect_file(DATA / "cnki_cover_all_15.net", n=2)
    assert (ins.format, ins.profile, ins.encoding) == ("cnki", "cnki", "utf-8")
    assert "Title" in ins.columns and "_kind" not in ins.columns
    assert len(ins.rows) == 2
    assert ins.records is not None and ins.records.height == 2
