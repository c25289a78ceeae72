"""The financing pages: events matched to a sub-field in the window, by month, domain,
round and sub-field.

The window is the calendar year of the latest matched financing event on or before the
cut-off, from January to that event's month: a data pack whose financing stops before
the cut-off still gets its latest year reported (and the title says which). Amounts are
point estimates; an event matched to several sub-fields is split equally among them.
Printed amounts (0.1 亿) are rounded so that each table's rows add up to its printed
total, and shares sum to exactly 100.00 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from techcurve.report.context import ReportContext
from techcurve.report.format import (
    YI,
    as_date_str,
    fmt_int,
    fmt_pct,
    fmt_yi,
    is_nan,
    largest_remainder,
    round_to_total,
)
from techcurve.report.model import (
    DomainAmount,
    FinancingDetail,
    FinancingPage,
    FinancingWindow,
    MonthAmount,
    RoundAmount,
    SubfieldAmount,
)
from techcurve.store import Store
from techcurve.store.report import financing_events, last_financing_date
from techcurve.text import Lang, t

ROUND_GROUPS = ("a", "b", "c", "d", "other")
_ROUND_RE = {
    "a": re.compile(r"^(pre-?)?a\+*$"),
    "b": re.compile(r"^(pre-?)?b\+*$"),
    "c": re.compile(r"^(pre-?)?c\+*$"),
    "d": re.compile(r"^(pre-?)?[d-h]\+*$|^pre-?ipo$"),
}


def round_group(value: str | None) -> str:
    """The report's round group (a, b, c, d = D and later, other) of a normalised round."""
    v = (value or "").strip().lower().replace(" ", "")
    for g, rx in _ROUND_RE.items():
        if rx.match(v):
            return g
    return "other"


@dataclass(frozen=True)
class FinancingEvent:
    """One financing event in the window and the sub-fields it matched."""

    date: date
    point: float | None  # the amount's point estimate in CNY (None: undisclosed)
    low: float | None
    high: float | None
    round: str | None
    subfields: tuple[str, ...]

    @property
    def amount(self) -> float:
        """The point estimate, 0 when undisclosed."""
        return 0.0 if self.point is None or is_nan(self.point) else float(self.point)

    @property
    def undisclosed(self) -> bool:
        return self.point is None or is_nan(self.point)

    @property
    def vague(self) -> bool:
        """A range, not one number (e.g. "数千万")."""
        lo, hi = self.low, self.high
        return lo is not None and hi is not None and not is_nan(lo) and not is_nan(hi) and lo != hi


def _amount(v: float | None) -> float:
    return 0.0 if v is None or is_nan(v) else float(v)


def _yi(cny: float) -> float:
    return round(cny / YI, 4)


def month_label(month: int, lang: Lang) -> str:
    """ "1月" / "Jan"."""
    return t(f"report.month.{month}", lang)


def load_events(store: Store, start: str, end: str) -> list[FinancingEvent]:
    """The matched financing events from ``start`` to ``end`` (ISO), by record id."""
    events: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for r in financing_events(store, start, end).iter_rows(named=True):
        events.setdefault(str(r["record_id"]), (r, []))[1].append(str(r["subfield_id"]))
    return [
        FinancingEvent(
            date=r["date"],
            point=r["amount_point_cny"],
            low=r["amount_low_cny"],
            high=r["amount_high_cny"],
            round=r["round"],
            subfields=tuple(subs),
        )
        for r, subs in events.values()
    ]


def _months(events: list[FinancingEvent], last_month: int, lang: Lang) -> list[MonthAmount]:
    out = []
    for m in range(1, last_month + 1):
        evs = [e for e in events if e.date.month == m]
        out.append(
            MonthAmount(m, month_label(m, lang), _yi(sum(e.amount for e in evs)), len(evs), "")
        )
    return out


def _by_subfield(events: list[FinancingEvent]) -> dict[str, float]:
    """Each event's amount split equally among the sub-fields it matched."""
    by_sf: dict[str, float] = {}
    for e in events:
        share = e.amount / len(e.subfields)
        for s in e.subfields:
            by_sf[s] = by_sf.get(s, 0.0) + share
    return by_sf


def _domains(by_sf: dict[str, float], ctx: ReportContext) -> list[DomainAmount]:
    sf_domain = ctx.subfield_domains
    by_dom: dict[str, float] = {}
    for s, v in by_sf.items():
        d = sf_domain.get(s, "")
        by_dom[d] = by_dom.get(d, 0.0) + v
    doms = [d for d in sorted(by_dom, key=lambda d: -by_dom[d]) if by_dom[d] > 0]
    centi = largest_remainder([by_dom[d] for d in doms])
    out = []
    for d, c in zip(doms, centi, strict=True):
        subs = sorted((s for s in by_sf if sf_domain.get(s, "") == d), key=lambda s: -by_sf[s])
        out.append(
            DomainAmount(
                domain_id=d,
                name=ctx.domain_names.get(d, d or "?"),
                color=ctx.color(d),
                amount_yi=_yi(by_dom[d]),
                share_centi=c,
                share_pct=c / 100,
                top_subfield=ctx.subfield_names.get(subs[0], subs[0]) if subs else None,
                amount_text="",
            )
        )
    return out


def _rounds(events: list[FinancingEvent], lang: Lang) -> list[RoundAmount]:
    n = {g: 0 for g in ROUND_GROUPS}
    amount = {g: 0.0 for g in ROUND_GROUPS}
    for e in events:
        g = round_group(e.round)
        n[g] += 1
        amount[g] += e.amount
    centi = largest_remainder([n[g] for g in ROUND_GROUPS])
    return [
        RoundAmount(g, t(f"report.round.{g}", lang), n[g], c, c / 100, _yi(amount[g]), "")
        for g, c in zip(ROUND_GROUPS, centi, strict=True)
    ]


def _subfields(by_sf: dict[str, float], ctx: ReportContext) -> tuple[SubfieldAmount, ...]:
    sf_domain = ctx.subfield_domains
    return tuple(
        SubfieldAmount(
            subfield_id=s,
            name=ctx.subfield_names.get(s, s),
            domain_id=sf_domain.get(s, ""),
            domain=ctx.domain_names.get(sf_domain.get(s, ""), ""),
            color=ctx.color(sf_domain.get(s, "")),
            amount_yi=_yi(by_sf[s]),
        )
        for s in sorted(by_sf, key=lambda s: (-by_sf[s], s))
        if by_sf[s] > 0
    )


_Row = TypeVar("_Row", MonthAmount, DomainAmount, RoundAmount)


def _printed(rows: list[_Row], total_yi: float) -> tuple[_Row, ...]:
    """The rows with amounts printed so that they add up to the printed total."""
    texts = round_to_total([r.amount_yi for r in rows], total_yi)
    return tuple(replace(r, amount_text=x) for r, x in zip(rows, texts, strict=True))


def _two_first(domains: tuple[DomainAmount, ...], lang: Lang) -> str:
    if len(domains) >= 2:
        d1, d2 = domains[0], domains[1]
        s2 = fmt_pct((d1.share_centi + d2.share_centi) / 100)
        return t("report.title.domains", lang, d1=d1.name, d2=d2.name, s2=s2)
    if domains:
        d1 = domains[0]
        return t("report.title.domains_one", lang, d1=d1.name, s1=fmt_pct(d1.share_pct))
    return ""


def window_of(store: Store, as_of: str | None, lang: Lang) -> FinancingWindow | None:
    """The financing window for the cut-off ``as_of`` (None: no matched event before it)."""
    end = as_date_str(last_financing_date(store, as_of))
    if end is None:
        return None
    year, month = int(end[:4]), int(end[5:7])
    label = t(
        "report.window",
        lang,
        year=year,
        first=month_label(1, lang),
        last=month_label(month, lang),
    )
    return FinancingWindow(start=f"{year}-01-01", end=end, label=label)


def financing_detail(
    events: list[FinancingEvent], window: FinancingWindow, ctx: ReportContext
) -> FinancingDetail:
    """The numbers, tables and titles of the financing pages for ``events``."""
    lang = ctx.lang
    total_point = sum(e.amount for e in events)
    total_low = sum(_amount(e.low) for e in events)
    total_high = sum(_amount(e.high) for e in events)
    total_yi = total_point / YI
    undisclosed = sum(1 for e in events if e.undisclosed)
    vague = sum(1 for e in events if e.vague)
    big = sum(1 for e in events if e.amount >= YI)
    by_sf = _by_subfield(events)
    months = _printed(_months(events, int(window.end[5:7]), lang), total_yi)
    domains = _printed(_domains(by_sf, ctx), total_yi)
    rounds = _printed(_rounds(events, lang), total_yi)
    subfields = _subfields(by_sf, ctx)
    early_centi = rounds[0].share_centi + rounds[1].share_centi
    peak = max(months, key=lambda m: m.amount_yi)
    sep = t("report.sep.list", lang)
    return FinancingDetail(
        window=window,
        events=len(events),
        amount_yi=round(total_yi, 4),
        amount_low_yi=_yi(total_low),
        amount_high_yi=_yi(total_high),
        amount_text=fmt_yi(total_yi),
        undisclosed=undisclosed,
        vague=vague,
        yi_level_events=big,
        months=months,
        domains=domains,
        domain_shares_sum_centi=sum(d.share_centi for d in domains),
        rounds=rounds,
        round_shares_sum_centi=sum(r.share_centi for r in rounds),
        early_share_pct=early_centi / 100,
        subfields=subfields,
        month_title=t(
            "report.title.months",
            lang,
            window=window.label,
            amount=fmt_yi(total_yi),
            events=fmt_int(len(events)),
            peak=peak.label,
            peak_amount=peak.amount_text,
        ),
        domain_title=_two_first(domains, lang),
        round_title=t("report.title.rounds", lang, share=fmt_pct(early_centi / 100)),
        tree_title=t("report.title.tree", lang, names=sep.join(s.name for s in subfields[:3]))
        if subfields
        else "",
        note=t(
            "report.financing_note",
            lang,
            low=fmt_yi(total_low / YI),
            high=fmt_yi(total_high / YI),
            undisclosed=undisclosed,
            vague=vague,
            big=big,
        ),
    )


def financing_page(store: Store, ctx: ReportContext) -> FinancingPage:
    """The financing pages of the report (``empty`` says why when there is nothing)."""
    source = ctx.source(("financing",))
    prov = ctx.provenance(("financing",))
    window = window_of(store, ctx.as_of, ctx.lang)
    events = load_events(store, window.start, window.end) if window else []
    if window is None or not events:
        empty = t("report.no_data", ctx.lang, what=t("report.no_data.financing", ctx.lang))
        return FinancingPage(empty, source, prov)
    return FinancingPage(None, source, prov, financing_detail(events, window, ctx))
