"""What the routes ask for, read through the :class:`~techcurve.serve.gate.StoreGate`.

Each function returns a :class:`~techcurve.serve.gate.Served` value (with the time it
was read when the store was busy and the cache answered) or raises
:class:`~techcurve.serve.gate.StoreBusy`. The curve and table, a sub-field's page, the
report's pages and a page of records are cached until the store changes.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from techcurve.datatypes import Phase
from techcurve.report.build import assemble
from techcurve.report.context import load_context
from techcurve.report.pages import read_pages
from techcurve.report.render import render_html, report_charts
from techcurve.report.series import coverage_end
from techcurve.serve.filters import Filters
from techcurve.serve.gate import Served, StoreGate
from techcurve.serve.views import (
    Dashboard,
    Detail,
    Dot,
    Move,
    Row,
    build_dashboard,
    edition_moves,
)
from techcurve.serve.views import subfield_detail as _detail
from techcurve.store import Store
from techcurve.store import browse as stored
from techcurve.text import Lang, t

PAGE_SIZE = 50  # records and rejects per page
#: the report's pages, in the report's order (the sections of its template)
REPORT_PAGES = ("methods", "conclusions", "hot", "patents", "financing", "curve", "appendix")


def dashboard(gate: StoreGate, lang: Lang) -> Served[Dashboard]:
    """The curve's dots and the table's rows."""
    return gate.cached(("dashboard", lang), lambda st: build_dashboard(st, lang))


def moves(gate: StoreGate, lang: Lang, edition: str) -> Served[tuple[Move, ...]]:
    """The arrows from ``edition`` to today (empty for an edition the store lacks)."""
    dots = dashboard(gate, lang).value.dots
    return gate.cached(("moves", lang, edition), lambda st: edition_moves(st, edition, dots))


def detail(gate: StoreGate, lang: Lang, subfield_id: str) -> Served[Detail]:
    """A sub-field's page; :class:`~techcurve.errors.AssessError` for an unknown id."""

    def coverage(as_of_year: int) -> dict[str, int]:  # the same for every sub-field
        return gate.cached(("coverage", as_of_year), lambda st: coverage_end(st, as_of_year)).value

    return gate.cached(
        ("detail", lang, subfield_id), lambda st: _detail(gate.db, st, subfield_id, lang, coverage)
    )


@dataclass(frozen=True, slots=True)
class CurveView:
    """What the curve page shows for one set of filters: the dots, the arrows, the
    sub-fields not placed, and the chart's data as HTML-safe JSON."""

    dots: tuple[Dot, ...]
    moves: tuple[Move, ...]
    unplaced: tuple[Row, ...]
    data_json: Markup


CURVE_LABELS = (
    "phase", "confidence", "band", "expert", "expert_by", "legend_expert", "domain", "sep",
    "x_axis", "y_axis",
)  # fmt: skip


def curve_view(gate: StoreGate, lang: Lang, f: Filters, edition: str | None) -> Served[CurveView]:
    """The curve page's data under the filters ``f`` and the compared ``edition``
    (built once per store change and set of filters)."""
    served = dashboard(gate, lang)
    dash = served.value

    def build(st: Store) -> CurveView:
        dots = tuple(f.apply(dash.dots))
        shown = {d.subfield_id for d in dots}
        moves: tuple[Move, ...] = ()
        if edition and any(e.edition == edition for e in dash.editions):
            moves = tuple(
                m for m in edition_moves(st, edition, dash.dots) if m.subfield_id in shown
            )
        unplaced = tuple(r for r in Filters(domain=f.domain).apply(dash.rows) if r.position is None)
        data = {
            "line": dash.line,
            "dots": [asdict(d) for d in dots],
            "domains": [asdict(d) for d in dash.domains],
            "moves": [asdict(m) for m in moves],
            "labels": {k: t(f"serve.curve.{k}", lang) for k in CURVE_LABELS},
            "phases": [[p.value, p.label(lang)] for p in Phase],
        }
        return CurveView(dots, moves, unplaced, htmlsafe_json_dumps(data))

    view = gate.cached(("curve", lang, f, edition), build)
    return Served(view.value, served.as_of or view.as_of)


@dataclass(frozen=True, slots=True)
class RecordRow:
    """A matched record as the records table shows it."""

    record_id: str
    title: str
    source: str
    kind: str
    date: str | None
    terms: str
    url: str | None  # only http(s) links; other schemes are dropped


@dataclass(frozen=True, slots=True)
class RecordsPage:
    subfield_id: str
    page: int
    pages: int
    total: int
    rows: tuple[RecordRow, ...]


def _link(url: object) -> str | None:
    u = str(url or "").strip()
    return u if re.match(r"(?i)https?://", u) else None


def records(gate: StoreGate, subfield_id: str, page: int) -> Served[RecordsPage]:
    """Page ``page`` (from 1) of the records matched to ``subfield_id``."""

    def read(st: Store) -> RecordsPage:
        got = stored.matched_records(
            st, subfield_id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        rows = tuple(
            RecordRow(
                str(r["record_id"]),
                " ".join(str(r["title"] or "").split()),
                str(r["source"] or ""),
                str(r["kind"] or ""),
                r["date"] or (str(r["year"]) if r["year"] else None),
                str(r["terms"] or ""),
                _link(r["url"]),
            )
            for r in got.rows.iter_rows(named=True)
        )
        pages = max(1, -(-got.total // PAGE_SIZE))
        return RecordsPage(subfield_id, page, pages, got.total, rows)

    return gate.cached(("records", subfield_id, page), read)


# -- the report's pages -------------------------------------------------------------------
class _Blank(defaultdict[str, Markup]):
    """The report's charts with the ones not drawn standing as nothing."""

    def __init__(self, charts: dict[str, Markup]) -> None:
        super().__init__(lambda: Markup(""), charts)


@dataclass(frozen=True, slots=True)
class ReportPage:
    """One page of the report as its own HTML renders it: its section and its style."""

    page: str
    title: str
    style: str
    section: str
    toc: tuple[tuple[str, str], ...]  # (page, heading) of every page


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_TOC = re.compile(r'<a href="#([\w.-]+)">([^<]*)</a>')


def _pages_stamp(folder: Path | None) -> tuple[str, ...]:
    """The analyst's page files and when each changed: a page edited while the dashboard
    runs is shown at the next request."""
    if folder is None or not folder.is_dir():
        return ()
    return tuple(f"{f.name}:{f.stat().st_mtime_ns}" for f in sorted(folder.glob("*.md")))


def analyst_counterpart(page: str, lang: Lang, analyst: Path | None) -> str | None:
    """The analyst's page in ``lang`` that ``page`` (``page-NAME.xx``, a page of another
    language) stands for — what the language switch of an analyst's page leads to — or
    None."""
    if analyst is None or not page.startswith("page-"):
        return None
    stem = re.sub(r"\.(zh|en)$", "", page.removeprefix("page-"))
    names = {p.name for p in read_pages(analyst, lang)}
    for name in (f"{stem}.{lang}", stem):
        if name in names:
            return f"page-{name}"
    return None


def report_page(
    gate: StoreGate, lang: Lang, page: str, analyst: Path | None = None
) -> Served[ReportPage] | None:
    """The report's page ``page`` (one of :data:`REPORT_PAGES`, or ``page-NAME`` for the
    analyst's page NAME in the folder ``analyst``), rendered by the report's own template
    from the same :class:`~techcurve.report.model.ReportData`; the appendix without its
    card charts (each sub-field's page draws them). None: there is no such page."""
    if page not in REPORT_PAGES:
        names = {f"page-{p.name}" for p in read_pages(analyst, lang)} if analyst else set()
        if page not in names:
            return None

    def read(st: Store) -> ReportPage:
        ctx = load_context(st, lang, None)
        data = assemble(st, ctx, pages=analyst)
        drawn = {page} - {"appendix"} if page in REPORT_PAGES else set()
        html = render_html(data, _Blank(report_charts(data, ctx, drawn)))
        m = re.search(
            rf'<section(?: class="analyst")? id="{re.escape(page)}">(.*?)</section>', html, re.S
        )
        style = _STYLE.search(html)
        return ReportPage(
            page,
            data.title,
            style.group(1) if style else "",
            m.group(1) if m else "",
            tuple(_TOC.findall(html)),
        )

    return gate.cached(("report", lang, page, analyst, _pages_stamp(analyst)), read)


# -- the ingest log ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IngestEntry:
    ingest_id: int
    path: str
    kind: str
    profile: str
    rows_read: int
    stored: int
    duplicates: int
    rejected: int
    finished_at: str | None
    has_rejects: bool


@dataclass(frozen=True, slots=True)
class Reject:
    row: str
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class RejectsPage:
    ingest_id: int
    path: str  # the rejects file ("" when it is gone)
    page: int
    pages: int
    total: int
    rows: tuple[Reject, ...]


def ingest_log(gate: StoreGate) -> Served[tuple[IngestEntry, ...]]:
    def read(st: Store) -> tuple[IngestEntry, ...]:
        return tuple(
            IngestEntry(
                int(r["ingest_id"]),
                str(r["path"] or ""),
                str(r["kind"] or ""),
                str(r["profile"] or ""),
                int(r["rows_read"] or 0),
                int(r["stored"] or 0),
                int(r["duplicates"] or 0),
                int(r["rejected"] or 0),
                r["finished_at"],
                bool(r["rejects_path"]),
            )
            for r in stored.ingest_entries(st).iter_rows(named=True)
        )

    return gate.cached(("ingest",), read)


def rejects(gate: StoreGate, ingest_id: int, page: int) -> Served[RejectsPage] | None:
    """Page ``page`` of the rejects ingest ``ingest_id`` wrote beside its input (the
    store names the file; a request never names a path); None: no such ingest."""
    served = gate.cached(("rejects_path", ingest_id), lambda st: stored.rejects_path(st, ingest_id))
    if served.value is None:
        return None
    path = Path(served.value)
    rows: list[Reject] = []
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                rows.append(
                    Reject(
                        r.get("row", ""),
                        r.get("column", ""),
                        r.get("value", ""),
                        r.get("reason", ""),
                    )
                )
    start = (page - 1) * PAGE_SIZE
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    out = RejectsPage(
        ingest_id,
        str(path) if path.is_file() else "",
        page,
        pages,
        len(rows),
        tuple(rows[start : start + PAGE_SIZE]),
    )
    return Served(out, served.as_of)


__all__ = [
    "CURVE_LABELS",
    "PAGE_SIZE",
    "CurveView",
    "REPORT_PAGES",
    "IngestEntry",
    "RecordRow",
    "RecordsPage",
    "Reject",
    "RejectsPage",
    "ReportPage",
    "curve_view",
    "dashboard",
    "detail",
    "ingest_log",
    "moves",
    "records",
    "rejects",
    "analyst_counterpart",
    "report_page",
]
