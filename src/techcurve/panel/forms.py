"""The Excel forms of a round, for experts who work offline: one XLSX per expert.

Sheet ``subfields``: one row per sub-field of the round — id, name, the model's phase,
position, band and confidence, the evidence (items per kind and the latest year) — then
the expert's columns: phase and years band (drop-downs of the phase and band names in
the form's language), position and confidence (numbers from 0 to 1, checked by Excel
too) and the rationale. The expert's own answer, if any, is filled in. Sheet ``_key``
(very hidden and protected) says which round and expert the form belongs to — ids, not
the expert's token, so a form passed on opens nothing in the web app.

Reading a form back (:func:`read_form`, with ingest's XLSX reader) names every invalid
cell: file, sheet, row, column and why.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import IngestError, PanelError, Phrase, phrase
from techcurve.ingest.base import ROW_COL
from techcurve.ingest.readers import column_letter
from techcurve.ingest.spreadsheets import open_xlsx
from techcurve.panel.model import RoundView, SubfieldView
from techcurve.text import Lang, t

SHEET = "subfields"
KEY_SHEET = "_key"
FORM_VERSION = "1"
#: the columns of the sheet, in order; the last five are the expert's
COLUMNS = (
    "id", "name", "model_phase", "model_position", "model_band", "model_confidence",
    "evidence", "phase", "position", "years_band", "confidence", "rationale",
)  # fmt: skip
INPUTS = COLUMNS[7:]


def band_label(band: YearsBand, lang: Lang) -> str:
    """A band's name in ``lang`` (as the curve's legend says it)."""
    return t(f"curve.band.{band.name.lower()}", lang)


def _band_value(text: str) -> str:
    """A band given by its name in either language, or as written (``5-10``)."""
    for band in YearsBand:
        if text.strip() in (band_label(band, "zh"), band_label(band, "en")):
            return band.value
    return text


def _evidence(s: SubfieldView, lang: Lang) -> str:
    return "; ".join(
        t("panel.form.evidence_item", lang, kind=e.kind, items=e.items, year=e.latest_year or "–")
        for e in s.evidence
    )


def _row(s: SubfieldView, lang: Lang) -> list[Any]:
    m, own = s.model, s.previous
    return [
        s.subfield_id,
        s.name_zh if lang == "zh" else s.name_en,
        Phase(m.phase).label(lang) if m.phase else t("panel.form.insufficient", lang),
        m.position,
        band_label(YearsBand(m.years_band), lang) if m.years_band else None,
        m.confidence,
        _evidence(s, lang),
        Phase(own.phase).label(lang) if own else None,
        own.position if own else None,
        band_label(YearsBand(own.years_band), lang) if own and own.years_band else None,
        own.confidence if own else None,
        own.rationale if own else None,
    ]


def write_form(view: RoundView, path: str | Path, *, lang: Lang = "zh") -> Path:
    """Write ``view``'s round as an XLSX form for its expert at ``path``."""
    from openpyxl import Workbook  # noqa: PLC0415 - only forms pay for the import
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append([t(f"panel.form.col.{c}", lang) for c in COLUMNS])
    for s in view.subfields:
        ws.append(_row(s, lang))
    last = max(2, len(view.subfields) + 1)
    letter = {c: column_letter(i) for i, c in enumerate(COLUMNS)}

    def validate(col: str, dv: DataValidation) -> None:
        dv.error = t("panel.form.dv_error", lang)
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{letter[col]}2:{letter[col]}{last}")

    phases = ",".join(p.label(lang) for p in Phase)
    bands = ",".join(band_label(b, lang) for b in YearsBand)
    validate("phase", DataValidation(type="list", formula1=f'"{phases}"', allow_blank=True))
    validate("years_band", DataValidation(type="list", formula1=f'"{bands}"', allow_blank=True))
    for col in ("position", "confidence"):
        validate(col, DataValidation(type="decimal", operator="between", formula1="0",
                                     formula2="1", allow_blank=True))  # fmt: skip
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(COLUMNS, start=1):
        ws.cell(1, i).font = bold
        ws.column_dimensions[column_letter(i - 1)].width = (
            40 if col in ("evidence", "rationale") else 16
        )
        if col in INPUTS:
            for r in range(1, last + 1):
                ws.cell(r, i).fill = fill
    ws.freeze_panes = "C2"
    key = wb.create_sheet(KEY_SHEET)
    for row in (
        ("key", "value"),
        ("form", FORM_VERSION),
        ("panel", view.panel.name),
        ("round_id", view.round.round_id),
        ("round", view.round.number),
        ("expert_id", view.expert.expert_id),
        ("expert", view.expert.name),
    ):
        key.append(list(row))
    key.sheet_state = "veryHidden"
    key.protection.sheet = True
    key.protection.password = secrets.token_hex(8)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def form_name(view: RoundView) -> str:
    """The file name of an expert's form: round, expert id and a file-safe name."""
    safe = re.sub(r"[^\w.-]+", "_", view.expert.name).strip("_") or "expert"
    return f"round{view.round.number}-{view.expert.expert_id:03d}-{safe}.xlsx"


@dataclass(frozen=True, slots=True)
class FormProblem:
    """An invalid cell (or file) of a form: where, and why (a catalogue phrase)."""

    path: str
    sheet: str | None
    row: int | None
    column: str | None  # "H (phase)"
    why: Phrase

    def text(self, lang: Lang) -> str:
        where = [self.path]
        if self.sheet:
            where.append(t("panel.form.at_sheet", lang, sheet=self.sheet))
        if self.row is not None:
            where.append(t("panel.form.at_row", lang, row=self.row))
        if self.column:
            where.append(t("panel.form.at_column", lang, column=self.column))
        return ", ".join(where) + ": " + self.why.say(lang)


@dataclass(frozen=True, slots=True)
class FormContent:
    """What a form holds: its round and expert (from the key) and the rows filled in."""

    path: str
    panel: str
    round_id: int
    expert_id: int
    rows: tuple[tuple[int, str, dict[str, str | None]], ...]  # (row, sub-field, inputs)


def _problem(path: str, key: str, **fields: Any) -> FormProblem:
    return FormProblem(path, None, None, None, phrase(key, **fields))


def _read_key(p: Path) -> dict[str, str]:
    table = open_xlsx(p, KEY_SHEET)
    try:
        return {
            str(r["key"]): str(r["value"])
            for b in table.batches
            for r in b.frame.iter_rows(named=True)
            if r.get("key")
        }
    finally:
        table.close()


def read_form(path: str | Path) -> tuple[FormContent | None, list[FormProblem]]:
    """The content of the form at ``path`` and the problems of the file as a whole
    (unreadable, not a techcurve form, columns changed); rows are checked by
    :func:`answer_problem` against the round."""
    p = Path(path)
    name = str(p)
    try:
        key = _read_key(p)
        table = open_xlsx(p, SHEET)
    except IngestError as e:
        if e.key == "ingest.no_sheet":
            return None, [_problem(name, "panel.form.no_key", sheet=KEY_SHEET)]
        said = Phrase(e.key, dict(e.fields)) if e.key else str(e)
        return None, [_problem(name, "panel.form.unreadable", error=said)]
    try:
        if key.get("form") != FORM_VERSION or not {"round_id", "expert_id"} <= set(key):
            return None, [_problem(name, "panel.form.no_key", sheet=KEY_SHEET)]
        if len(table.columns) != len(COLUMNS):
            return None, [
                FormProblem(name, SHEET, 1, None, phrase("panel.form.columns_changed",
                                                         want=len(COLUMNS), have=len(table.columns)))
            ]  # fmt: skip
        rows = []
        for batch in table.batches:
            for r in batch.frame.iter_rows():
                cells = dict(zip(COLUMNS, r[: len(COLUMNS)], strict=True))
                number = int(r[table.columns.index(ROW_COL)] if ROW_COL in table.columns else r[-1])
                inputs = {c: cells[c] for c in INPUTS}
                if not cells["id"] or not any(v and str(v).strip() for v in inputs.values()):
                    continue  # unanswered rows are skipped
                rows.append((number, str(cells["id"]).strip(), inputs))
    finally:
        table.close()
    return FormContent(name, key.get("panel", ""), int(key["round_id"]), int(key["expert_id"]),
                       tuple(rows)), []  # fmt: skip


def form_inputs(inputs: dict[str, str | None]) -> dict[str, Any]:
    """A row's inputs as the fields :func:`~techcurve.panel.answers.validate_answer` reads
    (band names in either language turned into bands)."""
    raw: dict[str, Any] = dict(inputs)
    if raw.get("years_band"):
        raw["years_band"] = _band_value(str(raw["years_band"]))
    return raw


def answer_problem(path: str, row: int, error: PanelError) -> FormProblem:
    """The problem of an invalid answer, placed at its cell."""
    field = error.field
    column = None
    if field in COLUMNS:
        column = f"{column_letter(COLUMNS.index(field))} ({field})"
    why = (
        Phrase(error.key, dict(error.fields))
        if error.key
        else phrase("panel.form.plain", text=str(error))
    )
    return FormProblem(path, SHEET, row, column, why)


def problems_text(problems: Sequence[FormProblem], lang: Lang) -> str:
    """Every problem on its own line."""
    return "\n".join(p.text(lang) for p in problems)
