"""The curve page: the sub-fields on the maturity curve and how many per phase."""

from __future__ import annotations

from techcurve.datatypes import Phase
from techcurve.render.curve import curve_points
from techcurve.report.context import ReportContext
from techcurve.report.model import CurvePage, CurvePoint, DomainCurvePage, PhaseCount
from techcurve.report.provenance import KINDS
from techcurve.text import t


def curve_page(ctx: ReportContext) -> CurvePage:
    lang = ctx.lang
    points, skipped = curve_points(ctx.assessments, ctx.subfields, lang=lang, as_of=ctx.as_of)
    counts = tuple(
        PhaseCount(
            phase=ph.value,
            name=ph.zh if lang == "zh" else ph.en,
            count=sum(1 for p in points if Phase.at(p.x) == ph),
        )
        for ph in Phase
    )
    top = max(counts, key=lambda c: c.count) if points else None
    return CurvePage(
        action_title=t("report.title.curve", lang, n=len(points), k=top.count, phase=top.name)
        if top
        else "",
        n_points=len(points),
        n_insufficient=skipped,
        phase_counts=counts,
        points=tuple(
            CurvePoint(
                subfield_id=p.subfield_id,
                name=p.label,
                domain_id=p.domain_id,
                position=round(p.x, 4),
                phase=Phase.at(p.x).value,
                years_band=p.band.value if p.band else None,
            )
            for p in points
        ),
        source=ctx.source(),
        provenance=ctx.provenance(KINDS),
    )


def domain_curve_pages(ctx: ReportContext, curve: CurvePage) -> tuple[DomainCurvePage, ...]:
    """One page per domain that has a dot on the full curve, in taxonomy order."""
    lang = ctx.lang
    order = ctx.domain_order + [
        d for d in dict.fromkeys(p.domain_id for p in curve.points) if d not in ctx.domain_order
    ]
    pages = []
    for dom in order:
        points = [p for p in curve.points if p.domain_id == dom]
        if not points:
            continue
        counts = tuple(
            PhaseCount(
                phase=ph.value,
                name=ph.zh if lang == "zh" else ph.en,
                count=sum(1 for p in points if p.phase == ph.value),
            )
            for ph in Phase
        )
        top = max(counts, key=lambda c: c.count)
        name = ctx.domain_names.get(dom, dom)
        pages.append(
            DomainCurvePage(
                domain_id=dom,
                name=name,
                kicker=t("curvekey.report_kicker", lang),
                action_title=t(
                    "curvekey.report_title", lang, domain=name, n=len(points), k=top.count,
                    phase=top.name,
                ),
                n_points=len(points),
                phase_counts=counts,
            )
        )  # fmt: skip
    return tuple(pages)
