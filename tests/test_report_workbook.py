"""`export xlsx`: the tables behind the report, one sheet each, units in the headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from techcurve import pipeline
from techcurve.errors import ReportError
from test_report import make_store


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("xlsx")
    make_store(d / "tc.duckdb").close()
    return pipeline.export_xlsx(d / "tc.duckdb", d / "tables.xlsx").path


def _rows(path: Path, sheet: str) -> list[tuple]:
    return list(load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


def test_one_sheet_per_table(workbook_path: Path) -> None:
    assert load_workbook(workbook_path, read_only=True).sheetnames == [
        "逐年指标",
        "曲线定位",
        "融资-按月",
        "融资-按领域",
        "融资-按轮次",
        "融资-按细分领域",
    ]


def test_indicators_sheet_names_its_units(workbook_path: Path) -> None:
    rows = _rows(workbook_path, "逐年指标")
    assert rows[0] == (
        "细分领域 id",
        "细分技术领域",
        "技术领域",
        "年份",
        "专利（件）",
        "累计专利（件）",
        "论文（篇）",
        "累计论文（篇）",
        "媒体文章（条）",
        "舆论指数（0–100）",
        "关注度（0–100）",
        "融资事件（起）",
        "融资金额（亿元）",
    )
    five_g = {r[3]: r for r in rows[1:] if r[0] == "5g"}
    assert (five_g[2014][4], five_g[2015][4]) == (123, 89)
    assert sorted(five_g) == list(range(2005, 2023))


def test_placements_carry_phase_position_and_reasons(workbook_path: Path) -> None:
    rows = _rows(workbook_path, "曲线定位")
    assert rows[0][:10] == (
        "细分领域 id",
        "细分技术领域",
        "技术领域",
        "状态",
        "阶段",
        "模型给出的阶段（专家调整时）",
        "曲线位置（0–1）",
        "距成熟年限（年）",
        "置信度（0–1）",
        "各阶段概率（%）",
    )
    by_id = {r[0]: r for r in rows[1:]}
    assert len(by_id) == 12
    assert by_id["5g"][1:9] == ("5G", "网络", "assessed", "生产成熟期", None, 0.86, "2年以内", 0.7)
    assert by_id["5g"][10] == "累计专利 1002391 件"


def test_financing_sheets_add_up_to_the_reports_total(workbook_path: Path) -> None:
    months = _rows(workbook_path, "融资-按月")
    assert months[0] == ("时间窗口", "月份", "融资金额（亿元）", "融资事件（起）")
    assert round(sum(r[2] for r in months[1:]), 1) == 12.5
    assert sum(r[3] for r in months[1:]) == 7
    domains = _rows(workbook_path, "融资-按领域")
    assert [r[1:5] for r in domains[1:]] == [
        ("cloud", "云计算", 8.0, 64.0),
        ("bigdata", "大数据", 2.8, 22.4),
        ("ai", "人工智能", 1.2, 9.6),
        ("network", "网络", 0.5, 4.0),
    ]


def test_english_headers_and_a_wrong_name(tmp_path: Path) -> None:
    make_store(tmp_path / "tc.duckdb").close()
    out = pipeline.export_xlsx(tmp_path / "tc.duckdb", tmp_path / "t.xlsx", lang="en").path
    assert _rows(out, "Financing by domain")[0] == (
        "Window",
        "Domain id",
        "Domain",
        "Amount (亿 CNY)",
        "Share (%)",
        "Sub-field with the most financing",
    )
    with pytest.raises(ReportError, match=r"t\.csv: the workbook's file name must end in \.xlsx"):
        pipeline.export_xlsx(tmp_path / "tc.duckdb", tmp_path / "t.csv")
