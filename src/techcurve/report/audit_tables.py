"""The report's tables and claims in the audit schema (:mod:`techcurve.audit`).

:func:`audit_document` restates every table the report prints (as printed, in strings)
and every sentence whose numbers come from a table (as a claim pointing at the parts it
sums), so ``techcurve audit report.data.json`` checks a techcurve report with the same
rules as any other report. The report makes printed parts add up to their printed
total in the first place with :func:`techcurve.report.format.round_to_total`.
"""

from __future__ import annotations

import re

from techcurve.report.model import (
    AuditClaim,
    AuditDocument,
    AuditTable,
    ClaimTarget,
    ConclusionsPage,
    CurvePage,
    FinancingDetail,
    FinancingPage,
    MethodsPage,
    PatentsPage,
)


def _num(v: str) -> str:
    return v.rstrip("%").strip()


def _pct(v: float) -> str:
    return f"{v:.2f}"


def _int(v: float) -> str:
    return f"{round(v):,}"


class _Collector:
    """The tables and claims found so far."""

    def __init__(self) -> None:
        self.tables: list[AuditTable] = []
        self.claims: list[AuditClaim] = []

    def claim(self, cid: str, text: str, value: str, of: ClaimTarget) -> None:
        if text:
            self.claims.append(AuditClaim(cid, text, _num(value), of))


def _methods(c: _Collector, methods: MethodsPage) -> None:
    ev = [e for e in methods.evidence if e.records]
    if not ev:
        return
    total = _int(methods.records_total)
    c.tables.append(
        AuditTable(
            "evidence_records",
            "records by evidence kind",
            tuple((e.label, _int(e.records)) for e in ev),
            total=total,
        )
    )
    c.claim(
        "methods_title", methods.action_title, total, ClaimTarget("evidence_records", total=True)
    )


def _patents(c: _Collector, pat: PatentsPage) -> None:
    doms, h = pat.domains, pat.headlines
    if not doms or h is None:
        return
    total = _int(pat.total)
    share_t, top_t = "patent_domain_share", "patent_top10"
    c.tables.append(
        AuditTable(
            share_t,
            "patent share by domain (%)",
            tuple((d.name, _pct(d.share_pct)) for d in doms),
            shares=True,
        )
    )
    c.tables.append(
        AuditTable(
            "patent_domain_count",
            "cumulative patents by domain",
            tuple((d.name, _int(d.patents)) for d in doms),
            total=total,
        )
    )
    top = pat.top10
    rest = pat.total - sum(x.patents for x in top)
    c.tables.append(
        AuditTable(
            top_t,
            "top-10 sub-fields by cumulative patents, and the rest",
            (*((x.name, _int(x.patents)) for x in top), ("(other sub-fields)", _int(rest))),
            total=total,
        )
    )
    names = tuple(d.name for d in doms)
    if len(doms) >= 2:
        top2 = _pct(doms[0].share_pct + doms[1].share_pct)
        c.claim("patents_title_top2", h.action_title, top2, ClaimTarget(share_t, sum=names[:2]))
        last = _pct(doms[-1].share_pct)
        c.claim("patents_title_last", h.action_title, last, ClaimTarget(share_t, value=names[-1]))
    if top:
        share = ClaimTarget(top_t, share=tuple(x.name for x in top))
        c.claim("top10_title_share", h.top10_title, _pct(h.top10_share_pct), share)
        first = ClaimTarget(top_t, value=top[0].name)
        c.claim("top10_title_first", h.top10_title, _int(top[0].patents), first)


def _financing_tables(c: _Collector, fin: FinancingDetail) -> None:
    amount, events = fin.amount_text, str(fin.events)
    months, fd, rounds = fin.months, fin.domains, fin.rounds
    c.tables += [
        AuditTable(
            "financing_month_amount",
            "financing amount by month (亿元)",
            tuple((m.label, m.amount_text) for m in months),
            total=amount,
        ),
        AuditTable(
            "financing_month_events",
            "financing events by month",
            tuple((m.label, str(m.events)) for m in months),
            total=events,
        ),
    ]
    if fd:
        c.tables += [
            AuditTable(
                "financing_domain_share",
                "financing amount share by domain (%)",
                tuple((d.name, _pct(d.share_pct)) for d in fd),
                shares=True,
            ),
            AuditTable(
                "financing_domain_amount",
                "financing amount by domain (亿元)",
                tuple((d.name, d.amount_text) for d in fd),
                total=amount,
            ),
        ]
    c.tables += [
        AuditTable(
            "financing_round_share",
            "share of financing events by round (%)",
            tuple((r.label, _pct(r.share_pct)) for r in rounds),
            shares=True,
            base=fin.events,
        ),
        AuditTable(
            "financing_round_events",
            "financing events by round",
            tuple((r.label, str(r.events)) for r in rounds),
            total=events,
        ),
        AuditTable(
            "financing_round_amount",
            "financing amount by round (亿元)",
            tuple((r.label, r.amount_text) for r in rounds),
            total=amount,
        ),
    ]


def _financing(c: _Collector, page: FinancingPage) -> None:
    fin = page.detail
    if fin is None or not fin.months:
        return
    _financing_tables(c, fin)
    mt, fd = fin.month_title, fin.domains
    month_amount = "financing_month_amount"
    c.claim("financing_title_amount", mt, fin.amount_text, ClaimTarget(month_amount, total=True))
    c.claim(
        "financing_title_events",
        mt,
        str(fin.events),
        ClaimTarget("financing_month_events", total=True),
    )
    peak = max(fin.months, key=lambda m: m.amount_yi)
    peak_of = ClaimTarget(month_amount, value=peak.label)
    c.claim("financing_title_peak", mt, peak.amount_text, peak_of)
    if len(fd) >= 2:
        c.claim(
            "financing_domain_title",
            fin.domain_title,
            _pct(fd[0].share_pct + fd[1].share_pct),
            ClaimTarget("financing_domain_share", sum=(fd[0].name, fd[1].name)),
        )
    ab = tuple(r.label for r in fin.rounds if r.group in ("a", "b"))
    c.claim(
        "financing_round_title",
        fin.round_title,
        _pct(fin.early_share_pct),
        ClaimTarget("financing_round_share", sum=ab),
    )


def _curve(c: _Collector, cur: CurvePage) -> None:
    if not cur.n_points:
        return
    pc = cur.phase_counts
    c.tables.append(
        AuditTable(
            "curve_phase_counts",
            "sub-fields per phase",
            tuple((x.name, str(x.count)) for x in pc),
            total=str(cur.n_points),
        )
    )
    top = max(pc, key=lambda x: x.count)
    table = "curve_phase_counts"
    c.claim("curve_title_n", cur.action_title, str(cur.n_points), ClaimTarget(table, total=True))
    c.claim("curve_title_k", cur.action_title, str(top.count), ClaimTarget(table, value=top.name))


def _conclusions(c: _Collector, conc: ConclusionsPage) -> None:
    """The key conclusions restate numbers of the tables above."""
    items = conc.items
    restated = [x for x in c.claims if x.id != "methods_title"]
    for k, sentence in enumerate(items):
        for x in restated:
            if x.value and _contains(sentence, x.value) and _mentions_parts(sentence, x.of):
                c.claims.append(AuditClaim(f"conclusion{k + 1}:{x.id}", sentence, x.value, x.of))
    sp = conc.spearman
    if sp and items:
        rho = f"{sp.rho:.2f}"
        c.tables.append(AuditTable("spearman", "rank correlation", (("rho", rho),)))
        c.claim("conclusion1:rho", items[0], rho, ClaimTarget("spearman", value="rho"))


def audit_document(
    title: str,
    methods: MethodsPage,
    patents: PatentsPage,
    financing: FinancingPage,
    curve: CurvePage,
    conclusions: ConclusionsPage,
) -> AuditDocument:
    """The tables and claims of the report's pages (see :mod:`techcurve.audit`)."""
    c = _Collector()
    _methods(c, methods)
    _patents(c, patents)
    _financing(c, financing)
    _curve(c, curve)
    _conclusions(c, conclusions)
    return AuditDocument(title=title, tables=tuple(c.tables), claims=tuple(c.claims))


def _contains(text: str, value: str) -> bool:
    want = value.replace(",", "")
    return any(m.replace(",", "") == want for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def _mentions_parts(sentence: str, of: ClaimTarget) -> bool:
    """A conclusion restates a claim when it names the same parts (domain names etc.)."""
    parts = of.sum or of.share or ((of.value,) if of.value is not None else ())
    return all(str(p) in sentence for p in parts)
