"""The panel and experts commands end to end through the CLI (in-process): links shown
once, a round answered in Excel forms, invalid cells reported with exit code 8, the
consensus listed as an expert placement; zh messages and --json."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from techcurve.cli import cli
from techcurve.errors import PanelError

DATA = Path(__file__).parent / "data" / "panel"


def tc(db: Path, *args: str, env: dict[str, str] | None = None) -> str:
    r = CliRunner().invoke(cli, ["--db", str(db), *args], env=env)
    assert r.exit_code == 0, (r.output, r.exception)
    return r.output


def _fill(path: Path, row: int, col: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["subfields"]
    ws[f"{col}{row}"] = value
    wb.save(path)


def test_a_round_in_excel_from_create_to_consensus(assessed_db: Path, tmp_path: Path) -> None:
    links = tmp_path / "links.csv"
    out = tc(assessed_db, "panel", "create", "--name", "2026", "--experts",
             str(DATA / "experts.csv"), "--links-out", str(links))  # fmt: skip
    rows = list(csv.reader(links.open(encoding="utf-8")))
    assert rows[0] == ["name", "link"] and [r[0] for r in rows[1:]] == ["Ada Wang", "Bo Li"]
    assert f"Ada Wang: {rows[1][1]}" in out and rows[1][1].startswith("/expert/")
    assert "cannot be shown again" in out
    assert tc(assessed_db, "panel", "open-round", "--subfield", "ar") == (
        "round 1 is open: 1 sub-fields\n"
    )
    tc(assessed_db, "panel", "export-form", "-o", str(tmp_path / "forms"), "--lang", "en")
    ada, bo = sorted((tmp_path / "forms").iterdir())
    _fill(ada, 2, "I", 0.2)
    _fill(bo, 2, "I", 1.4)
    r = CliRunner().invoke(
        cli, ["--db", str(assessed_db), "panel", "import-form", str(ada), str(bo)]
    )
    assert isinstance(r.exception, PanelError) and r.exception.exit_code == 8
    assert (
        f"{bo}, sheet subfields, row 2, column I (position): sub-field ar, position: 1.4 is not between 0 and 1"
        in r.output
    )
    _fill(bo, 2, "I", 0.22)
    tc(assessed_db, "panel", "import-form", str(bo))
    status = json.loads(tc(assessed_db, "--json", "panel", "status"))
    assert [(r["experts_answered"], r["answers"]) for r in status["rounds"]] == [(2, 2)]
    closed = tc(assessed_db, "panel", "close-round", "--lang", "en")
    assert "round 1 is closed: consensus on 1 sub-fields, none yet on 0" in closed
    assert "Outlier" not in closed  # 0.20 and 0.22: none
    listed = json.loads(tc(assessed_db, "--json", "experts", "list"))
    assert [(p["subfield_id"], p["phase"], p["position"], p["who"]) for p in listed] == [
        ("ar", "peak", 0.21, "panel 2026, round 1")
    ]
    zh = tc(assessed_db, "panel", "status", env={"TECHCURVE_LANG": "zh"})
    assert zh.startswith("专家组 2026：2 位专家，1 轮（最多 3 轮）")
    exported = tmp_path / "placements.yaml"
    tc(assessed_db, "experts", "export", str(exported))
    said = tc(assessed_db, "experts", "import", str(exported))
    assert " ".join(said.split()) == f"{exported}: 1 expert placements, 0 new"  # rich wraps


def test_a_wrong_panel_name_is_one_line_with_exit_code_8(assessed_db: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", str(assessed_db), "panel", "status"])
    assert isinstance(r.exception, PanelError) and r.exception.exit_code == 8
    assert str(r.exception) == "the store has no panel yet: run techcurve panel create first"
