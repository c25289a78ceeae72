"""The consistency audit: the InfoQ report's published figures and techcurve's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from techcurve.audit import ERROR, WARNING, audit_figures, audit_file, parse_num
from techcurve.cli import cli
from techcurve.errors import ReportError

INFOQ = Path(__file__).parents[1] / "src" / "techcurve" / "data" / "figures" / "infoq_2022.yaml"


@pytest.fixture(scope="module")
def infoq() -> list[tuple[str, str, str]]:
    res = audit_file(INFOQ)
    return [(f.level, f.check, f.where) for f in res.findings]


def test_finds_seed_spec_item_1_domain_shares_sum_to_99_65(infoq: list) -> None:
    assert (ERROR, "shares_sum", "T2") in infoq


def test_finds_item_2_top3_stated_76_69_but_slices_give_76_34(infoq: list) -> None:
    assert (ERROR, "claim", "T2-top3") in infoq


def test_finds_item_3_cloud_ai_84_7_vs_72_57_and_accepts_72_6(infoq: list) -> None:
    assert (ERROR, "claim", "T5-core2") in infoq
    assert not [f for f in infoq if f[2] == "T5-p17"]  # 72.6 is 72.57 rounded


def test_finds_item_4_months_sum_to_58_4_not_58_2(infoq: list) -> None:
    assert (WARNING, "total", "T4") in infoq


def test_finds_item_5_round_shares_99_97_and_not_shares_of_104(infoq: list) -> None:
    assert (ERROR, "shares_sum", "T7") in infoq
    res = audit_file(INFOQ)
    base = [f.message for f in res.findings if f.check == "share_base"]
    assert len(base) == 2 and "A轮 40.36%" in base[0] and "其他 22.10%" in base[1]
    assert "40.38%" in base[0] and "22.12%" in base[1]
    assert not [f for f in infoq if f[2] == "T7-early"]  # 62.5 = A + B (62.48) rounded


def test_finds_item_6_smart_city_growth_3_20_vs_3_71(infoq: list) -> None:
    res = audit_file(INFOQ)
    growth = [f for f in res.findings if f.check == "growth"]
    assert len(growth) == 1 and "2020" in growth[0].message
    assert growth[0].computed == pytest.approx(3.71, abs=0.005)


def test_nothing_else_is_flagged_and_the_unverifiable_is_said(infoq: list) -> None:
    assert len([f for f in infoq if f[0] in (ERROR, WARNING)]) == 8
    assert ("info", "unverifiable", "T3-top10") in infoq


def test_consistent_figures_pass() -> None:
    doc = {
        "tables": [
            {"id": "s", "shares": True, "base": 7, "parts": {"a": "14.28", "b": "85.72"}},
            {"id": "t", "parts": [["x", "1,000"], ["y", "2,500"]], "total": "3,500"},
            {"id": "g", "parts": {"2020": 100, "2021": 110}, "growth": {"2021": "10.0"}},
        ],
        "claims": [
            {
                "id": "c",
                "text": "x and y: 3,500 in all",
                "value": "3,500",
                "of": {"table": "t", "total": True},
            },
            {
                "id": "d",
                "text": "y is 71.43%",
                "value": "71.43%",
                "of": {"table": "t", "share": ["y"]},
            },
        ],
    }
    res = audit_figures(doc)
    assert res.findings == [] and not res.failed


def test_a_claim_must_print_its_value() -> None:
    doc = {
        "tables": [{"id": "t", "parts": {"x": "1"}}],
        "claims": [
            {"id": "c", "text": "x is one", "value": "1", "of": {"table": "t", "value": "x"}}
        ],
    }
    assert [f.check for f in audit_figures(doc).findings] == ["claim_text"]


def test_printed_precision() -> None:
    assert parse_num("30.12%").half_unit == pytest.approx(0.005)
    assert parse_num("1,002,391").value == 1002391
    assert parse_num("9.50").half_unit == pytest.approx(0.005)
    assert parse_num("9.50", 1).half_unit == pytest.approx(0.05)
    with pytest.raises(ReportError, match="not a number"):
        parse_num("about 5", where="T1")


def test_bad_files_say_what_to_fix(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    p.write_text(
        "tables:\n  - id: a\n    parts: {x: 1}\nclaims:\n  - id: c\n    value: 1\n    of: {table: nope, sum: all}\n"
    )
    with pytest.raises(ReportError, match="table 'nope'"):
        audit_file(p)
    p.write_text("hello: 1\n")
    with pytest.raises(ReportError, match="holds no figures"):
        audit_file(p)


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["audit", "--figures", str(INFOQ)])
    assert res.exit_code == 1
    ok = tmp_path / "r.data.json"
    ok.write_text(
        json.dumps(
            {
                "figures": {
                    "tables": [{"id": "t", "parts": {"a": "100.00"}, "shares": True}],
                    "claims": [],
                }
            }
        )
    )
    res = runner.invoke(cli, ["--json", "audit", str(ok)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["failed"] is False


def test_findings_can_be_read_in_chinese() -> None:
    en, zh = audit_file(INFOQ), audit_file(INFOQ, lang="zh")
    assert [(f.level, f.check, f.where) for f in zh.findings] == [
        (f.level, f.check, f.where) for f in en.findings
    ]
    base = [f.message for f in zh.findings if f.check == "share_base"]
    assert base[0] == (
        "T7 (2022年1月-11月技术领域融资阶段统计 (p.19; share of 104 events))：A轮 40.36% "
        "不是 104 的整数份（相当于 104 中的 41.9744）；最接近的占比为 39.42% 或 40.38%"
    )
