"""Placeholders in the analyst's pages: ``{{measure:subject:year}}`` filled from the report.

The syntax (docs/outputs.md, "Analyst pages", has the table)::

    {{patents_cum:llm}}             the sub-field llm's cumulative patents (1,204)
    {{patents:llm:2018}}            its patents of 2018
    {{patents_yoy:llm:2018}}        their change over 2017 (+25.0%)
    {{phase:llm}}                   its phase on the curve (期望膨胀期)
    {{financing_share:ai}}          the domain ai's share of the financing amount (31.20%)
    {{phase_count:peak}}            how many sub-fields are in a phase
    {{financing_total}}             the financing amount of the report's window (亿元)

A measure takes a sub-field id, a domain id, a phase id or nothing (:data:`MEASURES`),
and a year where it is a yearly value. Every value comes from the report's own data
(:class:`~.model.ReportData`: the same rounding as its tables) or, for yearly values,
from the store's ``indicators`` table. A placeholder naming an unknown measure,
sub-field, domain, phase or year raises :class:`ReportError` with the file and line and
what exists. Each number filled in becomes an audit claim (:class:`PageAudit`) against
the report table it comes from, or a table of the page's own (a sub-field's yearly
series, with the year-over-year change as its ``growth``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from techcurve.datatypes import Phase
from techcurve.errors import ReportError
from techcurve.report.analyst_model import FilledValue
from techcurve.report.format import fmt_int, fmt_num, fmt_pct
from techcurve.report.model import (
    AuditClaim,
    AuditTable,
    ClaimTarget,
    ReportData,
    SubfieldRow,
)
from techcurve.text import Lang

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_PARTS = re.compile(r"^\s*([a-z][a-z_]*)\s*(?::\s*([^:\s]+)\s*)?(?::\s*([^:\s]+)\s*)?$")
#: the indicators' yearly columns a page can name (and their ``_yoy`` changes)
YEARLY = ("patents", "papers", "articles", "fin_events", "patents_cum", "papers_cum")


@dataclass(frozen=True)
class Measure:
    """What a measure names (``subfield``, ``domain``, ``phase`` or nothing) and whether
    it takes a year (``no``, ``optional``, ``required``)."""

    subject: str
    year: str


MEASURES: dict[str, Measure] = {
    "name": Measure("subfield", "no"),
    "phase": Measure("subfield", "no"),
    "position": Measure("subfield", "no"),
    "confidence": Measure("subfield", "no"),
    "years_band": Measure("subfield", "no"),
    "patents_cum": Measure("subfield", "optional"),
    "papers_cum": Measure("subfield", "optional"),
    **{m: Measure("subfield", "required") for m in YEARLY if not m.endswith("_cum")},
    **{f"{m}_yoy": Measure("subfield", "required") for m in YEARLY},
    "domain": Measure("domain", "no"),
    "domain_patents": Measure("domain", "no"),
    "patent_share": Measure("domain", "no"),
    "financing_share": Measure("domain", "no"),
    "financing_amount": Measure("domain", "no"),
    "phase_count": Measure("phase", "no"),
    "on_curve": Measure("", "no"),
    "financing_total": Measure("", "no"),
    "financing_events": Measure("", "no"),
    "financing_window": Measure("", "no"),
    "cutoff": Measure("", "no"),
}


@dataclass(frozen=True)
class Facts:
    """What placeholders are filled from: the report's data and the yearly indicators."""

    data: ReportData
    domain_names: Mapping[str, str]  # domain id → name
    #: (sub-field id, column) → {year: value}, from the store's ``indicators``
    yearly: Mapping[tuple[str, str], Mapping[int, float]]

    def rows(self) -> dict[str, SubfieldRow]:
        rows: list[SubfieldRow] = [*self.data.appendix, *self.data.insufficient.rows]
        return {r.subfield_id: r for r in rows}


@dataclass
class PageAudit:
    """The tables and claims of the numbers filled into pages (see :mod:`techcurve.audit`)."""

    known_tables: frozenset[str]  # the report's own tables, which claims may point at
    parts: dict[str, dict[str, str]] = field(default_factory=dict)
    growth: dict[str, dict[str, str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    claims: list[AuditClaim] = field(default_factory=list)

    def own(self, table: str, title: str, label: str, value: str) -> None:
        self.titles.setdefault(table, title)
        self.parts.setdefault(table, {})[label] = value

    def tables(self) -> tuple[AuditTable, ...]:
        return tuple(
            AuditTable(
                tid,
                self.titles[tid],
                tuple(sorted(parts.items())),  # a series' years in order
                growth=tuple(self.growth[tid].items()) if tid in self.growth else None,
            )
            for tid, parts in self.parts.items()
        )


@dataclass(frozen=True)
class _Ask:
    """One placeholder being filled: where it is and what it names."""

    where: str  # "pages/movers.zh.md:12"
    text: str  # the placeholder as written
    measure: str
    subject: str | None
    year: int | None


def _known(names: list[str], wanted: str, limit: int = 12) -> str:
    """``names`` for an error message: the closest to ``wanted`` first, at most ``limit``."""
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    rest = [n for n in names if n not in close]
    shown = close + rest[: max(0, limit - len(close))]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" … (+{more})" if more > 0 else "")


def parse(text: str, where: str) -> _Ask:
    """The placeholder ``text`` (without braces) checked against :data:`MEASURES`."""
    m = _PARTS.match(text)
    if m is None:
        raise ReportError.of("pages.error.syntax", where=where, placeholder=f"{{{{{text}}}}}")
    name, subject, year = m.group(1), m.group(2), m.group(3)
    ph = f"{{{{{text.strip()}}}}}"
    if name not in MEASURES:
        raise ReportError.of(
            "pages.error.measure",
            where=where,
            placeholder=ph,
            measure=name,
            known=_known(sorted(MEASURES), name, limit=len(MEASURES)),
        )
    want = MEASURES[name]
    if want.subject and subject is None:
        raise ReportError.of(
            "pages.error.no_subject", where=where, placeholder=ph, kind=want.subject
        )
    if not want.subject and subject is not None:
        raise ReportError.of("pages.error.extra_subject", where=where, placeholder=ph)
    if want.year == "required" and year is None:
        raise ReportError.of("pages.error.no_year", where=where, placeholder=ph)
    if year is not None and (want.year == "no" or not year.isdigit() or len(year) != 4):
        raise ReportError.of("pages.error.bad_year", where=where, placeholder=ph, year=year)
    return _Ask(where, ph, name, subject, int(year) if year is not None else None)


class Filler:
    """Fills the placeholders of pages from :class:`Facts`, collecting the audit's claims."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.lang: Lang = "zh" if facts.data.lang == "zh" else "en"
        self.rows = facts.rows()
        self.audit = PageAudit(frozenset(t.id for t in facts.data.figures.tables))
        self._by_subject: dict[str, Callable[[_Ask], str]] = {
            "subfield": self._subfield,
            "domain": self._domain,
            "phase": self._phase,
            "": self._report,
        }

    def fill_line(
        self, line: str, where: str, page: str, lineno: int
    ) -> tuple[str, list[FilledValue]]:
        """``line`` with its placeholders filled, and what each printed."""
        values: list[FilledValue] = []
        claims_before = len(self.audit.claims)

        def one(m: re.Match[str]) -> str:
            ask = parse(m.group(1), where)
            text = self._by_subject[MEASURES[ask.measure].subject](ask)
            values.append(FilledValue(ask.text, lineno, ask.measure, ask.subject, ask.year, text))
            return text

        filled = PLACEHOLDER.sub(one, line)
        for k in range(claims_before, len(self.audit.claims)):
            c = self.audit.claims[k]
            cid = f"page:{page}:{lineno}:{k - claims_before + 1}:{c.id}"
            self.audit.claims[k] = AuditClaim(cid, filled.strip(), c.value, c.of)
        return filled, values

    # -- claims ---------------------------------------------------------------------------
    def _claim(self, measure: str, value: str, of: ClaimTarget) -> None:
        self.audit.claims.append(AuditClaim(measure, "", value.rstrip("%"), of))

    def _table_claim(self, measure: str, value: str, table: str, part: str) -> None:
        """A claim on a report table's part, or on a page table when the report has none."""
        if table not in self.audit.known_tables:
            self.audit.own(f"pages:{table}", table, part, value.rstrip("%"))
            table = f"pages:{table}"
        self._claim(measure, value, ClaimTarget(table, value=part))

    # -- sub-fields -----------------------------------------------------------------------
    def _row(self, ask: _Ask) -> SubfieldRow:
        sid = ask.subject or ""
        if sid not in self.rows:
            raise ReportError.of(
                "pages.error.subfield",
                where=ask.where,
                placeholder=ask.text,
                name=sid,
                known=_known(sorted(self.rows), sid),
            )
        return self.rows[sid]

    def _subfield(self, ask: _Ask) -> str:
        row = self._row(ask)
        m = ask.measure
        if ask.year is not None or m.endswith("_yoy"):
            return self._yearly(ask, row)
        value: object
        if m == "name":
            return row.name
        if m == "phase":
            return row.phase
        if m == "years_band":
            return row.years_band
        if m == "patents_cum":
            value = row.patents_cum
        elif m == "papers_cum":
            value = row.indicators.get("papers_cum")
        else:
            value = row.position if m == "position" else row.confidence
        if value is None:
            raise ReportError.of("pages.error.no_value", where=ask.where, placeholder=ask.text)
        assert isinstance(value, int | float)
        text = fmt_int(value) if m.endswith("_cum") else fmt_num(value)
        table = f"pages:{m}"
        self.audit.own(table, m, row.name, text)
        self._claim(m, text, ClaimTarget(table, value=row.name))
        return text

    def _series(self, ask: _Ask, row: SubfieldRow, column: str) -> Mapping[int, float]:
        series = self.facts.yearly.get((row.subfield_id, column), {})
        if ask.year not in series:
            years = sorted(series)
            raise ReportError.of(
                "pages.error.year",
                where=ask.where,
                placeholder=ask.text,
                year=ask.year,
                years=f"{years[0]}–{years[-1]}" if years else "–",
            )
        return series

    def _yearly(self, ask: _Ask, row: SubfieldRow) -> str:
        assert ask.year is not None
        column = ask.measure.removesuffix("_yoy")
        series = self._series(ask, row, column)
        table = f"pages:{row.subfield_id}:{column}"
        title = f"{row.name} {column}"
        cur = fmt_int(series[ask.year])
        if not ask.measure.endswith("_yoy"):
            self.audit.own(table, title, str(ask.year), cur)
            self._claim(ask.measure, cur, ClaimTarget(table, value=str(ask.year)))
            return cur
        prev_year = ask.year - 1
        if prev_year not in series or not series[prev_year]:
            raise ReportError.of(
                "pages.error.no_change", where=ask.where, placeholder=ask.text, year=prev_year
            )
        change = f"{(series[ask.year] / series[prev_year] - 1) * 100:+,.1f}"
        self.audit.own(table, title, str(prev_year), fmt_int(series[prev_year]))
        self.audit.own(table, title, str(ask.year), cur)
        self.audit.growth.setdefault(table, {})[str(ask.year)] = change
        self._claim(ask.measure, change, ClaimTarget(table, growth=str(ask.year)))
        return change + "%"

    # -- domains, phases, the report ------------------------------------------------------
    def _domain(self, ask: _Ask) -> str:
        did, names = ask.subject or "", self.facts.domain_names
        if did not in names:
            raise ReportError.of(
                "pages.error.domain",
                where=ask.where,
                placeholder=ask.text,
                name=did,
                known=_known(sorted(names), did),
            )
        name, m = names[did], ask.measure
        if m == "domain":
            return name
        data = self.facts.data
        fin = data.financing.detail
        found: tuple[str, str] | None = None
        if m in ("patent_share", "domain_patents"):
            for d in data.patents.domains:
                if d.domain_id == did:
                    found = (
                        ("patent_domain_share", fmt_pct(d.share_pct))
                        if m == "patent_share"
                        else ("patent_domain_count", fmt_int(d.patents))
                    )
        elif fin is not None:
            for x in fin.domains:
                if x.domain_id == did:
                    found = (
                        ("financing_domain_share", fmt_pct(x.share_pct))
                        if m == "financing_share"
                        else ("financing_domain_amount", x.amount_text)
                    )
        if found is None:
            raise ReportError.of("pages.error.no_value", where=ask.where, placeholder=ask.text)
        self._table_claim(m, found[1], found[0], name)
        return found[1]

    def _phase(self, ask: _Ask) -> str:
        counts = {p.phase: p for p in self.facts.data.curve.phase_counts}
        pid = ask.subject or ""
        if pid not in {p.value for p in Phase}:
            raise ReportError.of(
                "pages.error.phase",
                where=ask.where,
                placeholder=ask.text,
                name=pid,
                known=", ".join(p.value for p in Phase),
            )
        pc = counts.get(pid)
        n = str(pc.count) if pc is not None else "0"
        if pc is not None:
            self._table_claim(ask.measure, n, "curve_phase_counts", pc.name)
        return n

    def _report(self, ask: _Ask) -> str:
        data, m = self.facts.data, ask.measure
        if m == "cutoff":
            return data.cutoff or "–"
        if m == "on_curve":
            n = str(data.curve.n_points)
            self._total_claim(m, n, "curve_phase_counts")
            return n
        fin = data.financing.detail
        if fin is None:
            raise ReportError.of("pages.error.no_value", where=ask.where, placeholder=ask.text)
        if m == "financing_window":
            return fin.window.label
        if m == "financing_events":
            self._total_claim(m, str(fin.events), "financing_month_events")
            return str(fin.events)
        self._total_claim(m, fin.amount_text, "financing_month_amount")
        return fin.amount_text

    def _total_claim(self, measure: str, value: str, table: str) -> None:
        if table in self.audit.known_tables:
            self._claim(measure, value, ClaimTarget(table, total=True))
        else:
            self._table_claim(measure, value, table, measure)
