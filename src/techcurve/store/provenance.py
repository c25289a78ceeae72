"""Where the evidence behind the outputs comes from: records looked up by id (so a reason
names a record by title, source and date, never by its internal id) and the latest
evidence the indicators used (the curve's and the report's "数据截止").

>>> with Store.open("techcurve.duckdb", read_only=True) as st:  # doctest: +SKIP
...     latest_evidence(st, "2026-12-03").text()
'2026-08'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from techcurve.store.core import Store


@dataclass(frozen=True, slots=True)
class RecordRef:
    """One stored record as a reader sees it: its title, source and date."""

    record_id: str
    kind: str
    source: str
    title: str
    date: date | None
    precision: str | None  # day | month | year | none
    year: int | None

    def when(self) -> str:
        """The record's date as precise as it is known: ``2024-05-17``, ``2024-05`` or ``2024``."""
        if self.date is not None:
            return _period_text(self.date, self.precision or "day")
        return str(self.year) if self.year is not None else ""


@dataclass(frozen=True, slots=True)
class EvidenceEnd:
    """The latest period with evidence: its first day and how precise it is."""

    start: date
    precision: str  # day | month | year

    def text(self) -> str:
        """``2026-08-17`` (a dated record), ``2026-08`` (a month) or ``2026`` (a year)."""
        return _period_text(self.start, self.precision)


def _period_text(d: date, precision: str) -> str:
    if precision == "year":
        return f"{d.year}"
    if precision == "month":
        return f"{d.year}-{d.month:02d}"
    return d.isoformat()


def records_by_id(store: Store, record_ids: Iterable[str]) -> dict[str, RecordRef]:
    """The records of ``record_ids`` that the store holds (unknown ids are left out)."""
    ids = sorted({str(i) for i in record_ids})
    if not ids or not store.has_table("records"):
        return {}
    # the ids' rows first (reading only the ids), then their columns by row: filtering
    # on the ids while reading every column reads all the titles
    rows = store.sql(
        "WITH wanted AS (SELECT rowid AS rid FROM records "
        "                WHERE record_id IN (SELECT unnest(CAST(? AS VARCHAR[])))) "
        "SELECT record_id, kind, source, title, date, date_precision, year FROM records "
        "WHERE rowid IN (SELECT rid FROM wanted)",
        [ids],
    )
    return {
        str(r["record_id"]): RecordRef(
            record_id=str(r["record_id"]),
            kind=str(r["kind"]),
            source=str(r["source"]),
            title=" ".join(str(r["title"] or "").split()),
            date=r["date"],
            precision=r["date_precision"],
            year=r["year"],
        )
        for r in rows.iter_rows(named=True)
    }


_RECORDS_EVIDENCE = """
SELECT r.date AS start, coalesce(nullif(r.date_precision, 'none'), 'day') AS precision
FROM records r SEMI JOIN matches m ON m.record_id = r.record_id
WHERE r.date IS NOT NULL AND r.date <= CAST(? AS DATE)"""
_COUNTS_EVIDENCE = """
SELECT make_date(c.year, greatest(c.month, 1), 1) AS start,
       CASE WHEN c.month = 0 THEN 'year' ELSE 'month' END AS precision
FROM counts c SEMI JOIN count_matches cm
    ON cm.source = c.source AND cm.term = c.term AND cm.kind = c.kind
WHERE c.count > 0 AND make_date(c.year, greatest(c.month, 1), 1) <= CAST(? AS DATE)"""
_STOP = """CASE precision WHEN 'year' THEN make_date(year(start), 12, 31)
                         WHEN 'month' THEN last_day(start) ELSE start END"""
_LATEST_SQL = f"""
SELECT start, precision, {_STOP} AS stop
FROM ({{parts}}) ORDER BY stop DESC, start DESC LIMIT 1
"""
#: the newest ``{k}`` dated records first (no join: a top-k of the records' dates alone,
#: their ids then read by row), then the newest of them that is matched
_NEWEST_MATCHED_SQL = f"""
WITH newest AS MATERIALIZED (
    SELECT rid, start, precision, {_STOP} AS stop FROM (
        SELECT r.rowid AS rid, r.date AS start,
               coalesce(nullif(r.date_precision, 'none'), 'day') AS precision
        FROM records r WHERE r.date IS NOT NULL AND r.date <= CAST(? AS DATE))
    ORDER BY stop DESC, start DESC LIMIT {{k}}
), named AS (
    SELECT n.start, n.precision, n.stop, r.record_id FROM newest n JOIN (
        SELECT rowid AS rid, record_id FROM records WHERE rowid IN (SELECT rid FROM newest)
    ) r USING (rid)
)
SELECT n.start, n.precision, n.stop FROM named n SEMI JOIN matches m ON m.record_id = n.record_id
ORDER BY n.stop DESC, n.start DESC LIMIT 1
"""
#: how many of the newest records are looked up among the matches before all are
NEWEST = 256


def latest_evidence(store: Store, as_of: date | str | None) -> EvidenceEnd | None:
    """The latest period of matched evidence on or before ``as_of`` (any when None):
    the newest dated record matched to a sub-field, or the newest period of a matched
    count series with a count > 0 — the evidence the indicators actually used. A year
    or month counts by its end (a 2026 yearly count is newer than a record of 2026-08)
    and is kept when it starts on or before ``as_of``. None when there is none."""
    bound = str(as_of) if as_of is not None else "9999-12-31"
    found: list[tuple[date, date, str]] = []  # (stop, start, precision) of each kind
    if store.has_table("records") and store.has_table("matches"):
        # the newest matched record is nearly always among the newest records: joining
        # only those to the matches reads a fraction of what joining them all does
        rows = store.sql(_NEWEST_MATCHED_SQL.format(k=NEWEST), [bound])
        if not rows.height:
            rows = store.sql(_LATEST_SQL.format(parts=_RECORDS_EVIDENCE), [bound])
        found += [(r[2], r[0], str(r[1])) for r in rows.iter_rows()]
    if store.has_table("counts") and store.has_table("count_matches"):
        rows = store.sql(_LATEST_SQL.format(parts=_COUNTS_EVIDENCE), [bound])
        found += [(r[2], r[0], str(r[1])) for r in rows.iter_rows()]
    if not found:
        return None
    # the latest by its end, then its start (equal ends and starts: equal precisions)
    _, start, precision = max(found, key=lambda f: (f[0], f[1]))
    return EvidenceEnd(start=start, precision=precision)


__all__ = ["EvidenceEnd", "RecordRef", "latest_evidence", "records_by_id"]
