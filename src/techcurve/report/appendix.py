"""The appendix: one card per sub-field on the curve (placement, reasons, indicators,
query, sample records and the yearly chart), and one table of the sub-fields the
evidence cannot place, each with what is missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from techcurve.datatypes import Phase, YearsBand
from techcurve.render.curve import BAND_NAMES, select_assessments
from techcurve.render.curve.uncertainty import phase_probabilities
from techcurve.report.context import ReportContext
from techcurve.report.format import YI, is_nan
from techcurve.report.model import (
    InsufficientPage,
    InsufficientRow,
    SampleRecord,
    SeriesChart,
    SubfieldCard,
    SubfieldRow,
)
from techcurve.report.provenance import source_display_name
from techcurve.report.reasons import (
    Lookups,
    lookups,
    reason_items,
    reason_sentence,
    reason_sentences,
)
from techcurve.report.series import coverage_end, no_chart, subfield_series
from techcurve.store import Store
from techcurve.store.report import last_indicator_year, sample_records
from techcurve.text import Lang, t

#: the summary's indicators a card shows beyond the table's columns
CARD_INDICATORS = (
    "papers_cum",
    "articles_total",
    "fin_events",
    "fin_amount_point_cny",
    "evidence_years",
    "attention_peak_year",
)
#: the reasons of an insufficient assessment that "what is missing" names in short
MISSING_INDICATORS = ("evidence_years", "patents_cum", "opinion_index", "s_curve", "attention_bell")


@dataclass(frozen=True)
class _Placed:
    """An assessment row as the appendix reads it: the row and its reasons' items."""

    row: SubfieldRow
    reason_items: tuple[dict[str, Any], ...]
    sentences: tuple[str, ...]  # the reasons in the report's language


def _phase(raw: str | None) -> Phase | None:
    try:
        return Phase.parse(raw) if raw else None
    except ValueError:
        return None


def _band(raw: str | None) -> YearsBand | None:
    try:
        return YearsBand.parse(raw) if raw else None
    except ValueError:
        return None


def _probabilities(raw: Any, lang: Lang) -> str | None:
    """The phase probabilities in words, in phase order (None when the model gave none)."""
    probs = phase_probabilities(raw)
    if not probs:
        return None
    return t("report.sep.list", lang).join(
        t("report.probability", lang, phase=ph.label(lang), p=p) for ph, p in probs
    )


def _round(v: Any, digits: int) -> float | None:
    return None if v is None or is_nan(v) else round(float(v), digits)


def _indicators(summary: dict[str, Any]) -> dict[str, float | None]:
    ind = {k: summary.get(k) for k in CARD_INDICATORS if k in summary}
    point = ind.pop("fin_amount_point_cny", None)
    if point is not None:
        ind["fin_amount_yi"] = round(float(point) / YI, 4)
    return ind


def _samples(store: Store, lang: Lang) -> dict[str, tuple[SampleRecord, ...]]:
    """Up to 5 matched records per sub-field, the most recent first."""
    out: dict[str, list[SampleRecord]] = {}
    for r in sample_records(store).iter_rows(named=True):
        out.setdefault(str(r["subfield_id"]), []).append(
            SampleRecord(
                kind=r["kind"],
                source=source_display_name(str(r["source"]), lang),
                year=r["year"],
                title=(r["title"] or "").strip()[:200],
                terms=r["terms"] or "",
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _expert_note(r: dict[str, Any], lang: Lang) -> str | None:
    """Who placed the sub-field, when and why, and where the model had it — for a
    sub-field whose final placement is an expert's (or a panel's); None otherwise."""
    if r.get("expert_who") is None:
        return None
    when = r.get("expert_when")
    note = t(
        "report.expert_note", lang, who=r["expert_who"], when=str(when) if when else "–",
        why=r.get("expert_why") or "",
    )  # fmt: skip
    model_pos, phase = r.get("position"), _phase(r.get("phase"))
    if phase is not None and model_pos is not None and model_pos != r.get("plot_position"):
        note += t(
            "report.expert_model", lang, phase=phase.zh if lang == "zh" else phase.en,
            position=round(float(model_pos), 3),
        )  # fmt: skip
    return note


def _placed(store: Store, ctx: ReportContext) -> list[_Placed]:
    """Every assessed sub-field of the cut-off, by domain, then position (highest first)."""
    lang = ctx.lang
    by_sum = {r.subfield_id: r for r in ctx.summary_rows}
    raw_sum: dict[str, dict[str, Any]] = {}
    if ctx.summary is not None:
        raw_sum = {str(r["subfield_id"]): r for r in ctx.summary.iter_rows(named=True)}
    samples = _samples(store, lang)
    band_names = BAND_NAMES[lang]
    rows = list(select_assessments(ctx.assessments, as_of=ctx.as_of).iter_rows(named=True))
    look = lookups(store, [r.get("reasons") for r in rows])
    out: list[_Placed] = []
    for r in rows:
        sid = str(r["subfield_id"])
        sentences = reason_sentences(r.get("reasons"), lang, look)
        phase = r.get("plot_phase")
        ph = _phase(phase)
        band = _band(r.get("plot_band"))
        expert = _expert_note(r, lang)
        s = by_sum.get(sid)
        model_phase = r.get("phase")
        dom = ctx.subfield_domains.get(sid, "")
        row = SubfieldRow(
            subfield_id=sid,
            name=ctx.subfield_names.get(sid, sid),
            domain=ctx.domain_names.get(dom, dom),
            status=r.get("status"),
            phase=(ph.zh if lang == "zh" else ph.en) if ph else "–",
            model_phase=model_phase if model_phase and model_phase != phase else None,
            position=_round(r.get("plot_position"), 3),
            years_band=band_names.get(band, "–") if band else "–",
            confidence=_round(r.get("confidence"), 2),
            probabilities=_probabilities(r.get("probabilities"), lang),
            reasons=t("report.sep.clause", lang).join(sentences),
            expert=expert,
            patents_cum=s.patents_cum if s else None,
            birth_year=s.birth_year if s else None,
            opinion_index=_round(s.opinion_index, 2) if s else None,
            query=str(ctx.subfield_rows.get(sid, {}).get("query") or ""),
            indicators=_indicators(raw_sum.get(sid, {})),
            samples=samples.get(sid, ()),
        )
        out.append(_Placed(row, tuple(reason_items(r.get("reasons"))), sentences))
    out.sort(
        key=lambda p: (
            p.row.domain,
            -1 if p.row.position is None else -p.row.position,
            p.row.name,
        )
    )
    return out


def _charts(store: Store, ids: list[str], as_of: str | None, lang: Lang) -> dict[str, SeriesChart]:
    """Each card's yearly series, fitted S-curve and bell (see :mod:`.series`)."""
    if not ids:
        return {}
    year = int(as_of[:4]) if as_of else last_indicator_year(store)
    if year is None:
        return {sid: no_chart("") for sid in ids}
    return subfield_series(store, ids, year, coverage_end(store, year), lang)


def missing_evidence(reason_items: Sequence[Mapping[str, Any]], lang: Lang) -> str:
    """A short "what is missing" from an insufficient assessment's reasons."""
    missing = []
    for it in reason_items:
        ind = str(it.get("indicator") or "")
        v = it.get("value")
        if ind in MISSING_INDICATORS:
            num = "–" if v is None else f"{float(v):.0f}"
            missing.append(t(f"report.missing.{ind}", lang, v=num))
        elif it.get("key") or it.get("text"):
            missing.append(reason_sentence(it, Lookups(), lang))
    sep = t("report.sep.clause", lang)
    return sep.join(dict.fromkeys(missing)) or t("report.missing.none", lang)


def appendix_pages(
    store: Store, ctx: ReportContext
) -> tuple[tuple[SubfieldCard, ...], InsufficientPage]:
    """The cards of the sub-fields on the curve, and the table of the rest."""
    placed = _placed(store, ctx)
    on_curve = [p for p in placed if p.row.position is not None]
    charts = _charts(store, [p.row.subfield_id for p in on_curve], ctx.as_of, ctx.lang)
    cards = tuple(
        SubfieldCard(
            **_row_fields(p.row),
            reasons_list=p.sentences,
            chart=charts[p.row.subfield_id],
        )
        for p in on_curve
    )
    rest = tuple(
        InsufficientRow(**_row_fields(p.row), missing=missing_evidence(p.reason_items, ctx.lang))
        for p in placed
        if p.row.position is None
    )
    return cards, InsufficientPage(count=len(rest), rows=rest)


def _row_fields(row: SubfieldRow) -> dict[str, Any]:
    """The fields of a row, to build a card or an insufficient row from it."""
    return {f.name: getattr(row, f.name) for f in fields(SubfieldRow)}
