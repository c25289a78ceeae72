"""The table of sub-fields as an XLSX file (openpyxl), the rows as the page shows them."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from techcurve.serve.views import Row
from techcurve.text import Lang, t

COLUMNS = ("subfield_id", "name", "domain", "status", "phase", "position", "band", "confidence")


def table_xlsx(rows: Sequence[Row], lang: Lang) -> bytes:
    """One sheet: a header row in ``lang`` and one row per sub-field."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("serve.table.sheet", lang)
    ws.append([t(f"serve.table.col.{c}", lang) for c in COLUMNS])
    for r in rows:
        ws.append(
            [
                r.subfield_id,
                r.name,
                r.domain,
                r.status,
                r.phase_name if r.phase else "",
                r.position,
                r.band_name if r.band else "",
                r.confidence,
            ]
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:  # a name such as "=HYPERLINK(…)" stays text, never a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["COLUMNS", "table_xlsx"]
