"""The rejects file: every input row ingest did not store, and why.

Record files and count files write the same file, ``<stem>.rejects.csv`` with the
columns :data:`REJECT_COLUMNS`, in UTF-8 with a BOM so that Excel shows Chinese text.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from techcurve.ingest.base import Reject

REJECT_COLUMNS = ("file", "row", "column", "value", "reason")


def write_rejects(rejects: Sequence[Reject], target: Path) -> Path:
    """Write rejects as CSV (:data:`REJECT_COLUMNS`; UTF-8 with BOM for Excel)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(REJECT_COLUMNS)
        for r in rejects:
            w.writerow(
                [r.path, r.row, r.column or "", r.value if r.value is not None else "", r.reason]
            )
    return target


def relabel(rejects: list[Reject], labels: dict[str, str]) -> list[Reject]:
    """Rejects naming a derived column name the source's own field instead."""
    if not labels:
        return rejects
    return [
        Reject(r.path, r.row, labels.get(r.column, r.column), r.value, r.reason)
        if r.column in labels
        else r
        for r in rejects
    ]
