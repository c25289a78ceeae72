"""The formats and profiles analysts export: RIS, Web of Science, EndNote, RefWorks,
CNKI E-Study, Wanfang, OpenAlex, PatentsView, CNIPA (CSV and XLSX), XLS, JSON arrays,
Parquet and UTF-16 without a BOM — each on a small file written for the tests in the
real format (tests/data/ingest/README.md), with exact expected records and rejects.
The real samples in ``$TECHCURVE_DATA/bibexports`` are read too when present."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from techcurve.errors import IngestError
from techcurve.ingest import inspect_file, read_records
from techcurve.ingest.money import USD_CNY
from techcurve.ingest.openalex import rebuild_abstract

DATA = Path(__file__).parent / "data" / "ingest"
AS_OF = date(2026, 11, 29)
FIELDS = ("record_id", "kind", "title", "date", "date_precision", "venue", "organization",
          "keywords", "ipc", "url")  # fmt: skip


def records(frame: pl.DataFrame, *cols: str) -> list[tuple[Any, ...]]:
    return frame.select(cols or FIELDS).rows()


def rejects(r: Any) -> list[tuple[int, str | None, str | None]]:
    return [(x.row, x.column, x.value) for x in r.rejects]


# -- tagged bibliographic exports ------------------------------------------------------


def test_ris_cnki_and_zotero_styles() -> None:
    path = DATA / "ris_export.ris"
    ins = inspect_file(path)
    assert (ins.format, ins.encoding, ins.profile) == ("ris", "utf-8", "ris")
    r = read_records(path, kind="auto", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height, r.duplicates) == ("ris", 7, 4, 0)
    assert records(r.frame) == [
        ("ris:doi:10.11897/sp.j.1016.2020.00801", "paper", "基于深度学习的边缘计算任务调度方法",
         date(2020, 1, 1), "year", "计算机学报", "清华大学计算机系", "深度学习;边缘计算;任务调度",
         None, "https://doi.org/10.11897/sp.j.1016.2020.00801"),
        ("ris:doi:10.5555/jeml.2021.017", "paper",
         "Federated learning for privacy-preserving medical imaging", date(2021, 3, 15), "day",
         "Journal of Example Machine Learning", None, "federated learning;privacy", None,
         "https://example.org/jeml/2021/017"),
        ("ris:CN110138736A", "patent", "一种基于区块链的数据共享方法", date(2019, 8, 20), "day",
         "示例科技有限公司", "示例科技有限公司", None, None, None),
        # the last record has no ER line: kept; JF is its journal, Y1 its year
        ("ris:h:9570b0eb793ca55d", "paper", "5G专网在智能制造中的应用", date(2022, 1, 1), "year",
         "电信科学", None, "5G专网;智能制造", None, None),
    ]  # fmt: skip
    # an untagged line continues the abstract
    assert r.frame.get_column("abstract")[0] == (
        "提出一种基于深度强化学习的边缘计算任务调度方法， 降低了平均时延。"
    )
    assert rejects(r) == [
        (1, None, "Exported by techcurve tests"),
        (44, "DA/PY/Y1", "2989"),
        (49, "TI/T1", None),
    ]
    assert "text outside any record" in r.rejects[0].reason
    assert r.rejects[1].reason == "'2989' is after the as-of date 2026-11-29"


def test_web_of_science_tagged() -> None:
    r = read_records(DATA / "wos_export.txt", kind="paper", as_of=AS_OF)
    assert (r.profile, r.encoding, r.rows_read, r.frame.height) == ("wos", "utf-8-sig", 4, 3)
    assert records(r.frame) == [
        ("wos:WOS:000000000000001", "paper",
         "Blockchain-based traceability for cold-chain logistics: a field study in three "
         "provinces", date(2021, 3, 15), "day", "JOURNAL OF EXAMPLE SUPPLY CHAIN RESEARCH",
         "Example Univ, Sch Management, Hangzhou 310000, Peoples R China.",
         "Blockchain;traceability;cold chain;Internet of Things", None,
         "https://doi.org/10.5555/jescr.2021.0042"),
        ("wos:WOS:000000000000002", "paper",
         "Edge inference of large language models on mobile devices", date(2023, 1, 1), "month",
         "EXAMPLE TRANSACTIONS ON MOBILE COMPUTING", None, "EDGE COMPUTING;INFERENCE", None,
         None),  # no DE: Keywords Plus; PD "JAN-FEB" → January
        ("wos:WOS:000000000000003", "paper", "Augmented reality in manufacturing",
         date(2019, 1, 1), "year", "HANDBOOK OF EXAMPLE INDUSTRIAL TECHNOLOGY", None, None, None,
         None),
    ]  # fmt: skip
    assert rejects(r) == [(47, "TI", None)]


def test_cnki_estudy_in_gbk() -> None:
    r = read_records(DATA / "estudy_export_gbk.txt", kind="auto", as_of=AS_OF)
    assert (r.profile, r.encoding, r.rows_read, r.frame.height) == ("estudy", "gb18030", 4, 3)
    assert records(r.frame) == [
        ("cnki:RJXB202103001", "paper", "基于知识图谱的智能问答系统研究", date(2021, 3, 2), "day",
         "软件学报", "北京大学信息科学技术学院", "知识图谱;智能问答;自然语言处理", None,
         "https://kns.cnki.net/kcms/detail/detail.aspx?FileName=RJXB202103001&DbName=CJFQ2021"),
        # no Year: the publication time gives the date
        ("cnki:JSJJ20220110001", "paper", "数字孪生驱动的智能工厂建模方法", date(2022, 1, 10),
         "day", "计算机集成制造系统", "浙江大学机械工程学院", "数字孪生;智能工厂", None,
         "https://kns.cnki.net/kcms/detail/detail.aspx?FileName=JSJJ20220110001&DbName=CAPJ2022"),
        # Year 2020 but published online 2021-01-05: the issue year wins
        ("cnki:XAXB202001002", "paper", "隐私计算技术综述", date(2020, 1, 1), "year",
         "信息安全学报", None, "隐私计算;联邦学习;多方安全计算", None,
         "https://kns.cnki.net/kcms/detail/detail.aspx?FileName=XAXB202001002&DbName=CJFQ2020"),
    ]  # fmt: skip
    assert rejects(r) == [(31, "Title-题名", None)]


def test_endnote_tagged_with_a_patent() -> None:
    r = read_records(DATA / "endnote_export.txt", kind="auto", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height, len(r.rejects)) == ("endnote", 3, 3, 0)
    assert records(r.frame) == [
        ("endnote:doi:10.1360/ssi-2022-0001", "paper", "面向自动驾驶的多传感器融合感知方法",
         date(2022, 6, 18), "day", "中国科学:信息科学", "上海交通大学电子信息与电气工程学院",
         "自动驾驶;多传感器融合;感知", None,
         "https://kns.cnki.net/kcms/detail/detail.aspx?FileName=PZKX202206001"),
        ("endnote:CN111901113A", "patent", "一种量子密钥分发装置", date(2020, 11, 3), "day",
         "CNKI", "示例量子科技有限公司", None, None, None),
        ("endnote:h:2b5d14bee408c943", "paper", "低代码开发平台的设计与实现", date(2019, 1, 1),
         "year", "华中科技大学", None, "低代码;可视化开发", None, None),
    ]  # fmt: skip


def test_refworks_tagged() -> None:
    r = read_records(DATA / "refworks_export.txt", kind="auto", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height) == ("refworks", 3, 2)
    assert records(r.frame) == [
        ("refworks:doi:10.7544/issn1000-1239.2021.20210001", "paper", "云原生架构下的微服务治理研究",
         date(2021, 8, 15), "day", "计算机研究与发展", "中国科学院计算技术研究所",
         "云原生;微服务;服务网格", None,
         "https://kns.cnki.net/kcms/detail/detail.aspx?FileName=JFYZ202108001"),
        ("refworks:CN112348204A", "patent", "一种基于联邦学习的风控模型训练方法", date(2021, 2, 9),
         "day", "CNKI", "示例金融科技有限公司", None, "G06N20/00", None),
    ]  # fmt: skip
    assert rejects(r) == [(31, "FD/YR", "2013-13-01")]
    assert r.rejects[0].reason == "month 13 in '2013-13-01' is impossible (months are 1-12)"


def test_wanfang_noteexpress() -> None:
    r = read_records(DATA / "wanfang_export.net", kind="paper", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height) == ("wanfang", 2, 2)
    assert records(r.frame) == [
        ("wanfang:doi:10.12267/j.issn.2096-5931.2021.01.001", "paper", "工业互联网平台安全防护体系研究",
         date(2021, 1, 1), "year", "信息通信技术与政策", "中国信息通信研究院", "工业互联网;安全防护",
         None, "http://www.wanfangdata.com.cn/details/detail.do?_type=perio&id=xxtx202101001"),
        ("wanfang:h:10eab4144a5d2c34", "paper", "基于虚拟现实的远程教学系统设计", date(2020, 1, 1),
         "year", "华南理工大学", None, "虚拟现实;远程教学", None, None),
    ]  # fmt: skip


def test_tagged_profile_on_the_wrong_file() -> None:
    with pytest.raises(IngestError, match="the wos profile reads wos exports, but this file is"):
        read_records(DATA / "ris_export.ris", kind="paper", profile="wos", as_of=AS_OF)


# -- OpenAlex, PatentsView, CNIPA --------------------------------------------------------


def test_openalex_works_response() -> None:
    path = DATA / "openalex_works.json"
    ins = inspect_file(path)
    assert (ins.format, ins.profile, ins.kind) == ("json", "openalex", "paper")
    r = read_records(path, kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height) == (3, 2)
    assert records(r.frame, *FIELDS, "abstract") == [
        ("openalex:W4000000001", "paper", "Graph neural networks for traffic forecasting",
         date(2020, 7, 1), "day", "Example Transactions on Intelligent Transportation",
         "Example University", "Graph neural network", None,
         "https://doi.org/10.5555/example.2020.001",
         "We forecast traffic with graphs; traffic improves."),
        # no title: display_name; no keywords: concepts; no date: the year
        ("openalex:W4000000002", "paper", "Serverless computing: a survey", date(2019, 1, 1),
         "year", None, None, "Serverless computing;Cloud computing", None,
         "https://example.org/serverless", None),
    ]  # fmt: skip
    assert rejects(r) == [(3, "title", None)]


def test_openalex_jsonl_snapshot(tmp_path: Path) -> None:
    p = tmp_path / "works.jsonl"
    p.write_text(
        '{"id": "https://openalex.org/W9", "display_name": "Digital twins", '
        '"publication_year": 2022, "abstract_inverted_index": {"b": [1], "a": [0]}}\n',
        encoding="utf-8",
    )
    r = read_records(p, kind="paper", as_of=AS_OF)
    assert (r.profile, r.frame.height) == ("openalex", 1)
    assert r.frame.select("record_id", "title", "abstract", "year").row(0) == (
        "openalex:W9", "Digital twins", "a b", 2022,
    )  # fmt: skip
    assert rebuild_abstract({"x": [2], "y": [0, 1]}) == "y y x"
    assert rebuild_abstract(None) is None


def test_patentsview_tsv() -> None:
    r = read_records(DATA / "patentsview_patents.tsv", kind="patent", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height, r.duplicates) == ("patentsview", 4, 2, 1)
    assert records(r.frame) == [
        ("patentsview:10000001", "patent",
         "Systems and methods for augmented reality display calibration", date(2018, 6, 19),
         "day", "USPTO", "Example Reality Corp.", None, "G02B27/01", None),
        ("patentsview:10000002", "patent", "Blockchain ledger for supply chain provenance",
         date(2018, 6, 19), "day", "USPTO", None, None, "H04L9/32", None),
    ]  # fmt: skip
    assert rejects(r) == [(4, "patent_date", "2018-13-01")]


def test_cnipa_csv_in_gb18030_with_full_width_headers() -> None:
    r = read_records(DATA / "cnipa_patents_gbk.csv", kind="auto", as_of=AS_OF)
    assert (r.profile, r.encoding, r.rows_read, r.frame.height) == ("cnipa", "gb18030", 4, 3)
    assert records(r.frame) == [
        ("cnipa:CN111310000A", "patent", "一种基于深度学习的图像去噪方法", date(2020, 3, 5), "day",
         "CNIPA", "示例大学", None, "G06T5/00;G06N3/04;G06N3/08", None),
        ("cnipa:CN110400000B", "patent", "一种边缘计算节点的任务卸载方法, 装置及系统",
         date(2019, 7, 22), "day", "CNIPA", "示例通信有限公司;示例大学", None,
         "H04L29/08;H04W28/08", None),
        # no publication number yet: the application number is the id; 分类号 empty → 主分类号
        ("cnipa:CN202110000001.2", "patent", "一种虚拟现实头盔", date(2021, 1, 4), "day", "CNIPA",
         "示例光学有限公司", None, "G02B27/01", None),
    ]  # fmt: skip
    assert rejects(r) == [(5, "申请日", "2021-02-30")]
    assert "2021-02 has 28 days" in r.rejects[0].reason


def test_cnipa_xlsx_with_date_cells_and_serials() -> None:
    r = read_records(DATA / "cnipa_patents.xlsx", kind="patent", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height) == ("cnipa", 4, 3)
    assert r.frame.select("record_id", "date", "ipc").rows() == [
        ("cnipa:CN111310000A", date(2020, 3, 5), "G06T5/00;G06N3/04"),
        ("cnipa:CN110400000B", date(2019, 7, 22), "H04L29/08"),
        ("cnipa:CN202110000001.2", date(2021, 1, 4), "G02B27/01"),  # Excel serial 44200
    ]
    assert rejects(r) == [(6, "名称", None)]


# -- spreadsheets, JSON arrays, Parquet, encodings --------------------------------------


def test_xls_itjuzi_style_financing() -> None:
    path = DATA / "itjuzi_events.xls"
    ins = inspect_file(path)
    assert (ins.format, ins.profile, ins.columns) == (
        "xls", "itjuzi", ("公司", "时间", "轮次", "金额", "投资方", "行业"),
    )  # fmt: skip
    r = read_records(path, kind="financing", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, r.duplicates) == (7, 5, 1)
    got = records(
        r.frame, "title", "date", "amount_text", "amount_low_cny", "amount_point_cny",
        "amount_high_cny", "currency", "round_raw", "round",
    )  # fmt: skip
    usd = USD_CNY[2021]
    assert got == [
        ("示例智能", date(2021, 3, 8), "数千万人民币", 1e7, 3e7, 1e8, "CNY", "A+轮", "a+"),
        ("示例芯片", date(2021, 4, 1), "近亿元", 8e7, 9e7, 1e8, "CNY", "B轮", "b"),
        ("示例机器人", date(2021, 5, 20), "US$5M", 5e6 * usd, 5e6 * usd, 5e6 * usd, "USD",
         "战略投资", "strategic"),
        ("示例安全", date(2021, 6, 1), "未透露", None, None, None, None, "天使轮", "angel"),
        ("示例云", date(2021, 6, 2), "150000000", 1.5e8, 1.5e8, 1.5e8, "CNY", "C轮", "c"),
    ]  # fmt: skip
    assert rejects(r) == [(8, "时间", "2021.13.1")]


def test_json_array_of_financing_events() -> None:
    r = read_records(DATA / "financing_array.json", kind="financing", as_of=AS_OF)
    assert (r.profile, r.rows_read, r.frame.height) == ("itjuzi", 5, 3)
    assert r.frame.select("title", "investors", "amount_point_cny").rows() == [
        ("示例智能", "红杉中国;高瓴创投", 3e7),  # a JSON list becomes ;-joined
        ("示例芯片", None, 9e7),
        ("示例机器人", None, 5e6 * USD_CNY[2021]),
    ]
    assert rejects(r) == [(3, None, "42"), (5, "金额", "一些钱")]
    assert r.rejects[0].reason == "record 3 is a JSON int, not an object with named fields"


def test_json_errors_name_the_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('[\n  {"title": "a"},\n  {"title": }\n]\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"broken.json row 3: not valid JSON"):
        read_records(p, kind="paper")
    p.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(IngestError, match="expected an array of objects"):
        read_records(p, kind="paper")


def test_parquet_columns_become_text() -> None:
    path = DATA / "papers.parquet"
    ins = inspect_file(path, kind="paper")
    assert (ins.format, ins.profile) == ("parquet", "generic")
    assert ins.rows[0] == {
        "title": "Quantum error correction with surface codes", "year": "2018",
        "date": "2018-05-01", "keywords": "quantum computing;error correction",
        "venue": "Example Physics Letters", "citations": "12.0", "is_oa": "true", "_row": 1,
    }  # fmt: skip
    r = read_records(path, kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height) == (3, 2)
    assert r.frame.select("title", "date", "date_precision", "keywords").rows() == [
        ("Quantum error correction with surface codes", date(2018, 5, 1), "day",
         "quantum computing;error correction"),
        ("数字人驱动技术研究", date(2022, 1, 1), "year", "数字人;虚拟人"),
    ]  # fmt: skip
    assert rejects(r) == [(3, "title", None)]


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("utf16le_nobom.csv", "utf-16-le", ","),
        ("utf16be_nobom.csv", "utf-16-be", ","),
        ("utf16be_bom.tsv", "utf-16", "\t"),
    ],
)
def test_utf16_with_and_without_bom(name: str, encoding: str, delimiter: str) -> None:
    ins = inspect_file(DATA / name)
    assert (ins.encoding, ins.delimiter, ins.columns) == (
        encoding,
        delimiter,
        ("title", "date", "venue"),
    )
    r = read_records(DATA / name, kind="article", as_of=AS_OF)
    assert r.frame.select("title", "date", "venue").rows() == [
        ("量子计算云平台发布", date(2022, 3, 1), "InfoQ"),
        ("RISC-V 芯片出货量增长", date(2022, 3, 2), "36氪"),
    ]


def test_encoding_override_wins(tmp_path: Path) -> None:
    p = tmp_path / "latin.csv"
    p.write_bytes("title\nCafé AI\n".encode("cp1252"))
    r = read_records(p, kind="article", encoding="cp1252", as_of=AS_OF)
    assert (r.encoding, r.frame.get_column("title").to_list()) == ("cp1252", ["Café AI"])
    with pytest.raises(IngestError, match="unknown encoding 'klingon'"):
        read_records(p, kind="article", encoding="klingon")


# -- the real samples (GPL-3.0, not copied here): read when the data pack is present -----

_SHARED = Path(os.environ.get("TECHCURVE_DATA", Path(__file__).parents[2] / "shared" / "data"))


@pytest.mark.skipif(not (_SHARED / "bibexports").is_dir(), reason="no shared data pack")
@pytest.mark.parametrize(
    ("name", "fmt", "profile", "counts"),
    [
        ("demo_cnki_202101.txt", "estudy", "estudy", (20, 20, 0, 0)),
        ("demo_wanfang_202101.NET", "cnki", "wanfang", (20, 20, 0, 0)),
        ("demo_wos_202101.txt", "wos", "wos", (10, 10, 0, 0)),
    ],
)
def test_real_bibexports(name: str, fmt: str, profile: str, counts: tuple[int, ...]) -> None:
    path = _SHARED / "bibexports" / name
    assert (inspect_file(path).format, inspect_file(path).profile) == (fmt, profile)
    r = read_records(path, kind="paper", as_of=AS_OF)
    assert (r.rows_read, r.frame.height, r.duplicates, len(r.rejects)) == counts
    assert r.frame.get_column("title").null_count() == 0
    assert r.frame.get_column("date").null_count() == 0  # E-Study: PubTime fills a missing year
