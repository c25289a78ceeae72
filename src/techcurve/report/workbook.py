"""The tables behind the report as one XLSX workbook (openpyxl): ``export xlsx FILE``.

One sheet per table, each with a header row in the report's language that names its
unit ("融资金额（亿元）", "Share (%)"):

* **indicators** — every sub-field's yearly indicators (the store's ``indicators``);
* **placements** — every assessed sub-field: phase, position, years to the plateau,
  confidence, the model's phase probabilities and the reasons, as the report prints
  them (:class:`~.model.SubfieldRow`);
* **financing by month / domain / round / sub-field** — the report's financing
  summaries for its window (:class:`~.model.FinancingDetail`).

Numbers are stored as numbers (amounts in 亿元 with the report's rounding, shares in
percent), so a spreadsheet can add them up; text that starts with ``=`` stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from techcurve.errors import ReportError
from techcurve.report.build import build_report_data
from techcurve.report.model import FinancingDetail, ReportData, SubfieldRow
from techcurve.store import Store
from techcurve.store.report import indicator_series
from techcurve.text import Lang, t

#: the indicators' columns in the sheet, in order (each header names its unit)
INDICATOR_COLUMNS = (
    "patents",
    "patents_cum",
    "papers",
    "papers_cum",
    "articles",
    "opinion_index",
    "attention",
    "fin_events",
    "fin_amount_point_cny",
)
PLACEMENT_COLUMNS = (
    "subfield_id",
    "name",
    "domain",
    "status",
    "phase",
    "model_phase",
    "position",
    "years_band",
    "confidence",
    "probabilities",
    "reasons",
    "expert",
    "patents_cum",
)


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    ws: Worksheet = wb.create_sheet(title[:31])  # Excel's limit on a sheet name
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for line in ws.iter_rows(min_row=2):
        for cell in line:  # a name such as "=HYPERLINK(…)" stays text, never a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    for k, name in enumerate(header, start=1):
        letter = ws.cell(row=1, column=k).column_letter
        ws.column_dimensions[letter].width = min(60, max(10, 2 * len(name)))


def _yi(text: str) -> float:
    """An amount as the report prints it ("1,234.5") as the number it is."""
    return float(text.replace(",", ""))


def _col(key: str, lang: Lang) -> str:
    return t(f"pages.xlsx.col.{key}", lang)


def _indicator_rows(store: Store, data: ReportData) -> list[list[Any]]:
    rows = [*data.appendix, *data.insufficient.rows]
    names = {r.subfield_id: (r.name, r.domain) for r in rows}
    until = int(data.as_of[:4]) if data.as_of else 9999
    df = indicator_series(store, sorted(names), until)
    if df.is_empty():
        return []
    cols = [c for c in INDICATOR_COLUMNS if c in df.columns]
    out: list[list[Any]] = []
    for r in df.sort("subfield_id", "year").iter_rows(named=True):
        sid = str(r["subfield_id"])
        values = [r[c] for c in cols]
        if "fin_amount_point_cny" in cols and values[-1] is not None:
            values[-1] = round(values[-1] / 1e8, 4)  # CNY → 亿元
        out.append([sid, *names[sid], r["year"], *values])
    return out


def _placement(r: SubfieldRow) -> list[Any]:
    return [
        r.subfield_id,
        r.name,
        r.domain,
        r.status,
        r.phase,
        r.model_phase,
        r.position,
        r.years_band,
        r.confidence,
        r.probabilities,
        r.reasons,
        r.expert,
        r.patents_cum,
    ]


def _financing(wb: Workbook, fin: FinancingDetail, lang: Lang) -> None:
    c = lambda k: _col(k, lang)  # noqa: E731 - a short alias for the headers below
    w = fin.window.label
    _sheet(
        wb,
        t("pages.xlsx.sheet.fin_month", lang),
        [c("window"), c("month"), c("amount_yi"), c("events")],
        [[w, m.label, _yi(m.amount_text), m.events] for m in fin.months],
    )
    _sheet(
        wb,
        t("pages.xlsx.sheet.fin_domain", lang),
        [c("window"), c("domain_id"), c("domain"), c("amount_yi"), c("share_pct"), c("top_sub")],
        [
            [w, d.domain_id, d.name, _yi(d.amount_text), d.share_pct, d.top_subfield]
            for d in fin.domains
        ],
    )
    _sheet(
        wb,
        t("pages.xlsx.sheet.fin_round", lang),
        [c("window"), c("round"), c("events"), c("share_pct"), c("amount_yi")],
        [[w, r.label, r.events, r.share_pct, _yi(r.amount_text)] for r in fin.rounds],
    )
    _sheet(
        wb,
        t("pages.xlsx.sheet.fin_subfield", lang),
        [c("window"), c("subfield_id"), c("name"), c("domain"), c("amount_yi")],
        [[w, s.subfield_id, s.name, s.domain, round(s.amount_yi, 4)] for s in fin.subfields],
    )


def report_workbook(store: Store, data: ReportData) -> Workbook:
    """The workbook of ``data``'s tables (and the store's yearly indicators)."""
    lang: Lang = "zh" if data.lang == "zh" else "en"
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        t("pages.xlsx.sheet.indicators", lang),
        [_col(k, lang) for k in ("subfield_id", "name", "domain", "year", *INDICATOR_COLUMNS)],
        _indicator_rows(store, data),
    )
    rows = [*data.appendix, *data.insufficient.rows]
    _sheet(
        wb,
        t("pages.xlsx.sheet.placements", lang),
        [_col(k, lang) for k in PLACEMENT_COLUMNS],
        [_placement(r) for r in rows],
    )
    if data.financing.detail is not None:
        _financing(wb, data.financing.detail, lang)
    return wb


def export_workbook(store: Store, out: Path, *, lang: str = "zh", as_of: str | None = None) -> Path:
    """Write the tables behind the report on ``store`` to the XLSX file ``out``."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ReportError.of("pages.error.xlsx_name", name=out.name)
    wb = report_workbook(store, build_report_data(store, lang=lang, as_of=as_of))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        wb.save(out)
    except OSError as e:
        raise ReportError.of("report.error.write", path=out, error=e.strerror or e) from None
    return out
