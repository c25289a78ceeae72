"""The patents page: cumulative patents by domain (shares summing to 100 %) and the
top-10 sub-fields."""

from __future__ import annotations

from techcurve.report.context import ReportContext
from techcurve.report.format import fmt_int, fmt_pct, is_nan, largest_remainder
from techcurve.report.model import DomainPatents, PatentHeadlines, PatentsPage, TopSubfield
from techcurve.text import t


def _patents(v: float | None) -> float:
    return float(v or 0)


def patents_page(ctx: ReportContext) -> PatentsPage:
    lang = ctx.lang
    rows = [r for r in ctx.summary_rows if r.patents_cum is not None and not is_nan(r.patents_cum)]
    total = sum(_patents(r.patents_cum) for r in rows)
    source = ctx.source(("patent",))
    prov = ctx.provenance(("patent",))
    if not rows or total <= 0:
        what = t("report.no_data.patents", lang)
        return PatentsPage(t("report.no_data", lang, what=what), source, (), (), 0, prov)
    by_dom: dict[str, float] = {}
    for r in rows:
        by_dom[r.domain_id] = by_dom.get(r.domain_id, 0.0) + _patents(r.patents_cum)
    order = ctx.domain_order
    doms = sorted(by_dom, key=lambda d: (-by_dom[d], order.index(d) if d in order else 99))
    centi = largest_remainder([by_dom[d] for d in doms])
    domains = tuple(
        DomainPatents(
            domain_id=d,
            name=ctx.domain_names.get(d, d),
            color=ctx.color(d),
            patents=int(round(by_dom[d])),
            share_centi=c,
            share_pct=c / 100,
        )
        for d, c in zip(doms, centi, strict=True)
    )
    rows.sort(key=lambda r: (-_patents(r.patents_cum), r.subfield_id))
    top10 = tuple(
        TopSubfield(
            rank=i + 1,
            subfield_id=r.subfield_id,
            name=r.name,
            domain_id=r.domain_id,
            domain=r.domain,
            patents=int(round(_patents(r.patents_cum))),
        )
        for i, r in enumerate(rows[:10])
    )
    top_sum = sum(x.patents for x in top10)
    top10_share = top_sum / total * 100
    top3 = sum(d.share_centi for d in domains[:3]) / 100
    first, last = domains[0], domains[-1]
    if len(domains) >= 2:
        title = t(
            "report.title.patents",
            lang,
            d1=first.name,
            d2=domains[1].name,
            s2=fmt_pct((first.share_centi + domains[1].share_centi) / 100),
            dl=last.name,
            sl=fmt_pct(last.share_pct),
        )
    else:
        title = t("report.title.patents_one", lang, d1=first.name, s1=fmt_pct(first.share_pct))
    headlines = PatentHeadlines(
        action_title=title,
        top10_title=t(
            "report.title.top10",
            lang,
            share=fmt_pct(top10_share),
            first=top10[0].name,
            n=fmt_int(top10[0].patents),
        ),
        shares_sum_centi=sum(d.share_centi for d in domains),
        top3_share_pct=round(top3, 2),
        top10_patents=top_sum,
        top10_share_pct=round(top10_share, 2),
        as_of=ctx.as_of,
    )
    return PatentsPage(None, source, domains, top10, int(round(total)), prov, headlines)
