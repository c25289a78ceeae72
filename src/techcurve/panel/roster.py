"""The list of experts a panel is created from: a CSV or XLSX file with the columns
``name``, ``affiliation``, ``domains`` (or 姓名, 单位, 领域), read by ingest's readers.
``domains`` holds domain ids separated by ``;``, ``,``, ``、`` or ``；`` (may be empty)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from techcurve.errors import IngestError, PanelError
from techcurve.ingest.base import ROW_COL
from techcurve.ingest.opening import open_table

#: each column and the header names it is known by (compared case-insensitively)
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "专家"),
    "affiliation": ("affiliation", "单位", "机构"),
    "domains": ("domains", "domain", "领域"),
}
_SPLIT = re.compile(r"[;,，、；]")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One expert of the list: name, affiliation, domain ids, and the file's row."""

    name: str
    affiliation: str
    domains: tuple[str, ...]
    row: int


def _columns(columns: list[str], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for col in columns:
        for key, names in HEADERS.items():
            if col.strip().lower() in names:
                found.setdefault(key, col)
    if "name" not in found:
        raise PanelError.of("panel.roster.no_name", path=path, columns=", ".join(columns))
    return found


def read_roster(path: str | Path) -> list[RosterEntry]:
    """The experts listed in ``path`` (rows without a name are skipped; a name given
    twice is an error naming both rows)."""
    p = Path(path)
    if not p.exists():
        raise PanelError.of("panel.roster.missing", path=str(p))
    try:
        table = open_table(p, None, None)
    except IngestError as e:
        raise PanelError.of("panel.roster.unreadable", path=str(p), error=e) from None
    try:
        cols = _columns(table.columns, str(p))
        out: list[RosterEntry] = []
        seen: dict[str, int] = {}
        for batch in table.batches:
            for row in batch.frame.iter_rows(named=True):
                name = (row[cols["name"]] or "").strip()
                if not name:
                    continue
                number = int(row[ROW_COL])
                if name in seen:
                    raise PanelError.of(
                        "panel.roster.twice", path=str(p), name=name, first=seen[name], row=number
                    )
                seen[name] = number
                aff = (row[cols["affiliation"]] or "").strip() if "affiliation" in cols else ""
                raw = (row[cols["domains"]] or "") if "domains" in cols else ""
                domains = tuple(d.strip() for d in _SPLIT.split(raw) if d.strip())
                out.append(RosterEntry(name, aff, domains, number))
    finally:
        table.close()
    if not out:
        raise PanelError.of("panel.roster.empty", path=str(p))
    return out
