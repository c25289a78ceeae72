"""The Excel forms of a round: written per expert, filled with openpyxl as an expert
would, read back; invalid cells named by file, sheet, row and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import techcurve.pipeline.panel as tp
from techcurve.panel.forms import COLUMNS

DATA = Path(__file__).parent / "data" / "panel"


@pytest.fixture
def forms(assessed_db: Path, tmp_path: Path) -> list[Path]:
    tp.create_panel(assessed_db, "p", DATA / "experts.csv")
    tp.open_round(assessed_db, subfields=["ar", "machine-learning"])
    return tp.export_forms(assessed_db, tmp_path / "forms", lang="zh")


def _fill(path: Path, rows: dict[int, dict[str, object]]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["subfields"]
    for row, values in rows.items():
        for col, v in values.items():
            ws.cell(row, COLUMNS.index(col) + 1).value = v
    wb.save(path)


def test_a_form_per_expert_with_dropdowns_and_a_hidden_key(forms: list[Path]) -> None:
    assert [f.name for f in forms] == ["round1-001-Ada_Wang.xlsx", "round1-002-Bo_Li.xlsx"]
    wb = openpyxl.load_workbook(forms[0])
    ws = wb["subfields"]
    assert [c.value for c in ws[1]][:3] == ["子领域编号", "子领域", "模型：阶段"]
    assert [c.value for c in ws[2]][:6] == ["ar", "AR", "技术萌芽期", 0.097, "5–10年", 0.63]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert (
        rules["H2:H3"].formula1
        == '"技术萌芽期,期望膨胀期,泡沫破裂低谷期,稳步爬升复苏期,生产成熟期"'
    )
    assert rules["J2:J3"].type == "list" and rules["I2:I3"].type == "decimal"
    key = wb["_key"]
    assert key.sheet_state == "veryHidden" and key.protection.sheet
    assert [tuple(r) for r in key.iter_rows(values_only=True)][3:6] == [
        ("round_id", 1), ("round", 1), ("expert_id", 1),
    ]  # fmt: skip


def test_filled_forms_are_read_back_into_the_round(assessed_db: Path, forms: list[Path]) -> None:
    _fill(forms[0], {2: {"phase": "期望膨胀期", "position": 0.2, "years_band": "2–5年"},
                     3: {"position": 0.3, "confidence": 0.8}})  # fmt: skip
    _fill(forms[1], {2: {"position": 0.15}})
    result = tp.import_forms(assessed_db, forms)
    assert [(f.expert, f.stored, f.problems) for f in result.files] == [
        ("Ada Wang", 2, ()), ("Bo Li", 1, ()),
    ]  # fmt: skip
    status = tp.panel_status(assessed_db)
    assert [(r.experts_answered, r.answers) for r in status.rounds] == [(2, 3)]
    # exported again, Ada's form holds her answers
    again = tp.export_forms(assessed_db, forms[0].parent / "again", lang="en")
    ws = openpyxl.load_workbook(again[0])["subfields"]
    assert [c.value for c in ws[2]][7:10] == ["Peak of Inflated Expectations", 0.2, "2 to 5 years"]


def test_every_invalid_cell_is_named_and_nothing_is_stored(
    assessed_db: Path, forms: list[Path]
) -> None:
    _fill(forms[0], {2: {"position": 1.7}, 3: {"phase": "plateau"}})
    _fill(forms[1], {2: {"years_band": "someday", "position": 0.1}})
    result = tp.import_forms(assessed_db, forms)
    assert [p.text("en") for p in result.problems] == [
        f"{forms[0]}, sheet subfields, row 2, column I (position): "
        "sub-field ar, position: 1.7 is not between 0 and 1",
        f"{forms[0]}, sheet subfields, row 3, column L (rationale): sub-field machine-learning, "
        "rationale: your phase plateau is more than one phase from the model's, peak: give a rationale",
        f"{forms[1]}, sheet subfields, row 2, column J (years_band): sub-field ar, years_band: "
        "unknown years-to-plateau band 'someday' (expected one of: <2, 2-5, 5-10, >10, obsolete)",
    ]
    assert result.stored == 0
    _fill(forms[0], {3: {"phase": None, "position": 0.3}})
    partial = tp.import_forms(assessed_db, forms[:1], partial=True)
    assert (partial.stored, len(partial.problems)) == (1, 1)


def test_every_bad_cell_of_one_row_is_named(assessed_db: Path, forms: list[Path]) -> None:
    """A row with three bad cells gets three problems, not only the first."""
    _fill(forms[0], {2: {"phase": "someday", "years_band": "soon", "confidence": 2}})
    result = tp.import_forms(assessed_db, forms[:1])
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "H (phase)"),
        (2, "J (years_band)"),
        (2, "K (confidence)"),
    ]
    assert result.stored == 0


def test_a_form_of_another_round_or_not_a_form_is_refused(
    assessed_db: Path, forms: list[Path], tmp_path: Path
) -> None:
    tp.close_round(assessed_db)
    tp.open_round(assessed_db, subfields=["ar"])
    other = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a"])  # type: ignore[union-attr]
    wb.save(other)
    result = tp.import_forms(assessed_db, [forms[0], other])
    assert [p.text("en") for p in result.problems] == [
        f"{forms[0]}: this form is not one of round 2 of panel 'p'",
        f"{other}: not an expert form written by techcurve (its hidden sheet _key is missing)",
    ]
