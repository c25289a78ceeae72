"""The dashboard's data: what each page and API answer shows, as frozen dataclasses.

Built from the same sources as the static outputs: the dots from
:func:`techcurve.render.curve.shape.curve_points` (the final placement: an expert's
where there is one, else the model's), their opacity and whiskers from
:mod:`techcurve.render.curve.uncertainty`, the arrows from an edition from
:func:`techcurve.render.curve.movements.movements`, a sub-field's reasons and placement
from :func:`techcurve.pipeline.explain.explain` and its series and fitted curves from
:func:`techcurve.report.series.subfield_series` (the report's appendix cards). The
dataclasses double as the JSON API's response models (FastAPI describes them in the
OpenAPI document).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from techcurve.datatypes import Phase, YearsBand
from techcurve.editions import select_assessments
from techcurve.pipeline.explain import explain_open
from techcurve.render.curve.bands import band_name
from techcurve.render.curve.movements import movements
from techcurve.render.curve.shape import curve_points, curve_y, display_name, parse_band
from techcurve.render.curve.uncertainty import dot_opacity
from techcurve.render.palette import domain_colors
from techcurve.report.model import SeriesChart
from techcurve.report.series import fitted_points, subfield_series
from techcurve.store import Store
from techcurve.store import curve as stored_curve
from techcurve.store.assessments import subfields
from techcurve.store.editions import edition_rows, saved_editions
from techcurve.text import Lang, t

CURVE_SAMPLES = 201  # points of the hype-cycle line


@dataclass(frozen=True, slots=True)
class Domain:
    domain_id: str
    name: str
    color: str


@dataclass(frozen=True, slots=True)
class Dot:
    """A sub-field on the curve: where (final placement), what and how sure."""

    subfield_id: str
    name: str
    domain_id: str
    domain: str
    x: float
    y: float
    phase: str | None
    phase_name: str
    band: str | None
    band_name: str
    confidence: float | None  # None: an expert's placement (drawn solid) or unknown
    opacity: float
    reach: tuple[float, float] | None  # the whisker: back and forth along the curve
    expert: bool
    expert_who: str | None = None  # who placed it (an expert's placement)
    model_x: float | None = None  # the model's position (an expert's placement: arrow's tail)
    model_y: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A sub-field in the table (placed or not)."""

    subfield_id: str
    name: str
    domain_id: str
    domain: str
    status: str
    phase: str | None
    phase_name: str
    position: float | None
    band: str | None
    band_name: str
    confidence: float | None
    expert: bool


@dataclass(frozen=True, slots=True)
class Edition:
    edition: str
    saved_at: str | None
    n: int


@dataclass(frozen=True, slots=True)
class Move:
    """A sub-field's position in an edition (``old_x``) and now (``new_x``)."""

    subfield_id: str
    old_x: float
    new_x: float
    old_y: float
    new_y: float


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the curve and the table show, in one language."""

    lang: str
    as_of: str | None
    line: tuple[tuple[float, float], ...]
    domains: tuple[Domain, ...]
    dots: tuple[Dot, ...]
    rows: tuple[Row, ...]
    editions: tuple[Edition, ...]


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def _phase(v: object) -> Phase | None:
    try:
        return Phase(str(v)) if v else None
    except ValueError:
        return None


def phase_name(phase: Phase | str | None, lang: Lang) -> str:
    p = _phase(phase)
    return p.label(lang) if p is not None else t("serve.curve.no_phase", lang)


def band_text(band: YearsBand | str | None, lang: Lang) -> str:
    b = parse_band(band) if isinstance(band, str) else band
    return band_name(b, lang)


def _is_expert(r: dict[str, object]) -> bool:
    return any(r.get(c) is not None for c in ("expert_phase", "expert_position"))


def _model_point(r: dict[str, object]) -> tuple[str | None, float | None, float | None]:
    """An expert's dot: who placed it and where the model had it (for the arrow)."""
    if not _is_expert(r):
        return None, None, None
    x = _num(r.get("position"))
    who = str(r["expert_who"]) if r.get("expert_who") else None
    if x is None:
        return who, None, None
    return who, round(x, 4), round(float(curve_y(x)), 4)


def build_dashboard(st: Store, lang: Lang) -> Dashboard:
    """The curve's dots and the table's rows of every sub-field, in ``lang``."""
    # what curve_inputs reads but the latest-evidence date (a scan of every record)
    assessed = stored_curve.assessments(st)
    subs = subfields(st)
    sel = select_assessments(assessed)
    dom_rows = list(stored_curve.domains(st).iter_rows(named=True))
    colors = domain_colors([str(d["domain_id"]) for d in dom_rows])
    doms = {
        str(d["domain_id"]): Domain(
            str(d["domain_id"]), display_name(d, lang, str(d["domain_id"])), ""
        )
        for d in dom_rows
    }
    names = {str(r["subfield_id"]): r for r in subs.iter_rows(named=True)}
    by_id = {str(r["subfield_id"]): r for r in sel.iter_rows(named=True)}
    points, _ = curve_points(assessed, subs, lang=lang)
    dots = []
    for p in points:
        r = by_id[p.subfield_id]
        ph = _phase(r.get("plot_phase"))
        who, model_x, model_y = _model_point(r)
        dots.append(
            Dot(
                subfield_id=p.subfield_id,
                name=p.label,
                domain_id=p.domain_id,
                domain=doms[p.domain_id].name if p.domain_id in doms else p.domain_id,
                x=round(p.x, 4),
                y=round(p.y, 4),
                phase=ph.value if ph else None,
                phase_name=phase_name(ph, lang),
                band=p.band.value if p.band else None,
                band_name=band_name(p.band, lang),
                confidence=p.confidence,
                opacity=dot_opacity(p.confidence),
                reach=p.reach,
                expert=_is_expert(r),
                expert_who=who,
                model_x=model_x,
                model_y=model_y,
            )
        )
    rows = []
    for sid, info in names.items():
        r = by_id.get(sid, {})
        dom = str(info.get("domain_id") or "")
        ph = _phase(r.get("plot_phase"))
        band = r.get("plot_band")
        rows.append(
            Row(
                subfield_id=sid,
                name=display_name(info, lang, sid),
                domain_id=dom,
                domain=doms[dom].name if dom in doms else dom,
                status=str(r.get("status") or "missing"),
                phase=ph.value if ph else None,
                phase_name=phase_name(ph, lang),
                position=_num(r.get("plot_position")),
                band=str(band) if band else None,
                band_name=band_text(str(band) if band else None, lang),
                confidence=_num(r.get("confidence")),
                expert=_is_expert(r),
            )
        )
    xs = [i / (CURVE_SAMPLES - 1) for i in range(CURVE_SAMPLES)]
    return Dashboard(
        lang=lang,
        as_of=stored_curve.as_of(st),
        line=tuple((round(x, 4), round(float(curve_y(x)), 4)) for x in xs),
        domains=tuple(Domain(d.domain_id, d.name, colors[d.domain_id]) for d in doms.values()),
        dots=tuple(dots),
        rows=tuple(rows),
        editions=_editions(st),
    )


def _editions(st: Store) -> tuple[Edition, ...]:
    if not st.has_table("editions"):
        return ()
    return tuple(
        Edition(str(r["edition"]), r["saved_at"], int(r["n"]))
        for r in saved_editions(st).iter_rows(named=True)
    )


def edition_moves(st: Store, edition: str, dots: tuple[Dot, ...]) -> tuple[Move, ...]:
    """The arrows from ``edition``'s positions to today's (moves of at least 0.01)."""
    prev = edition_rows(st, edition)
    pts, _ = curve_points(
        pl.DataFrame(
            [{"subfield_id": d.subfield_id, "position": d.x, "years_band": d.band} for d in dots],
            schema={"subfield_id": pl.Utf8, "position": pl.Float64, "years_band": pl.Utf8},
        ),
        pl.DataFrame(schema={"subfield_id": pl.Utf8}),
    )
    return tuple(
        Move(
            m.subfield_id,
            round(m.old_x, 4),
            round(m.new_x, 4),
            round(float(curve_y(m.old_x)), 4),
            round(float(curve_y(m.new_x)), 4),
        )
        for m in movements(pts, prev)
    )


# -- one sub-field ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Line:
    """One line of a series chart (``fit``: a fitted curve, drawn dashed)."""

    name: str
    xs: tuple[float, ...]
    ys: tuple[float | None, ...]
    fit: bool


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    lines: tuple[Line, ...]
    caption: str


@dataclass(frozen=True, slots=True)
class PlacementView:
    phase: str | None
    phase_name: str
    position: float | None
    band: str | None
    band_name: str


@dataclass(frozen=True, slots=True)
class Probability:
    phase: str
    phase_name: str
    p: float


@dataclass(frozen=True, slots=True)
class Detail:
    """A sub-field's page: names, placement (model and final), reasons, query, charts."""

    subfield_id: str
    name_zh: str
    name_en: str
    name: str
    domain_id: str
    domain: str
    query: str
    model: str
    status: str
    model_placement: PlacementView
    final: PlacementView
    expert_who: str | None
    expert_why: str | None
    confidence: float | None
    probabilities: tuple[Probability, ...]
    reasons: tuple[str, ...]
    charts: tuple[Chart, ...]


def _placement(phase: Phase | None, pos: float | None, band: YearsBand | None, lang: Lang):
    return PlacementView(
        phase.value if phase else None,
        phase_name(phase, lang),
        pos,
        band.value if band else None,
        band_name(band, lang),
    )


def subfield_detail(
    db: Path,
    st: Store,
    subfield_id: str,
    lang: Lang,
    coverage: Callable[[int], dict[str, int]],
) -> Detail:
    """The page of ``subfield_id``; :class:`~techcurve.errors.AssessError` when unknown.
    ``coverage``: the evidence kinds' coverage ends for an as-of year (the app's cached
    ones, the same for every sub-field)."""
    ex = explain_open(st, db, subfield_id, lang=lang, n_records=0)
    a = ex.assessments[0]
    info = ex.subfield
    as_of_year = int(str(a.as_of or "")[:4] or 0) or None
    charts: tuple[Chart, ...] = ()
    if as_of_year:
        card = subfield_series(st, [subfield_id], as_of_year, coverage(as_of_year), lang)
        charts = series_charts(card[subfield_id], lang)
    doms = {str(d["domain_id"]): d for d in st.table("domains").iter_rows(named=True)}
    dom = doms.get(info.domain_id, {})
    return Detail(
        subfield_id=info.subfield_id,
        name_zh=info.name_zh,
        name_en=info.name_en,
        name=(info.name_zh if lang == "zh" else info.name_en) or info.subfield_id,
        domain_id=info.domain_id,
        domain=display_name(dom, lang, info.domain_id),
        query=info.query,
        model=a.model,
        status=a.status,
        model_placement=_placement(*_tuple(a.model_placement), lang),
        final=_placement(*_tuple(a.final), lang),
        expert_who=a.expert.who if a.expert else None,
        expert_why=a.expert.why if a.expert else None,
        confidence=a.confidence,
        probabilities=tuple(Probability(p.value, p.label(lang), v) for p, v in a.probabilities),
        reasons=a.reasons,
        charts=charts,
    )


def _tuple(p: object) -> tuple[Phase | None, float | None, YearsBand | None]:
    return (p.phase, p.position, p.years_band)  # type: ignore[attr-defined]


def series_charts(chart: SeriesChart, lang: Lang) -> tuple[Chart, ...]:
    """The card's series as line charts: yearly patents and papers; the cumulative series
    with its S-curve; the attention series with its bell (fits only where identified)."""
    s = chart.series
    if s is None:
        return (Chart(t("serve.subfield.series", lang), (), chart.caption),)
    years = tuple(float(y) for y in s.years)
    yearly = [
        Line(t(f"report.series.key_{k}", lang), years, vals, False)
        for k, vals in (("patents", s.patents), ("papers", s.papers))
        if any(v for v in vals)
    ]
    out = [Chart(t("serve.chart.yearly", lang), tuple(yearly), chart.caption)]
    for series, values, fit in (
        (s.cumulative, s.cumulative_values, chart.s_fit),
        (s.attention, s.attention_values, chart.bell_fit),
    ):
        if series is None or values is None:
            continue
        lines = [Line(t(f"report.series.{series}", lang), years, values, False)]
        pts = fitted_points(fit, years[0], years[-1])
        if pts is not None:
            lines.append(Line(t("report.series.key_fit", lang), tuple(pts[0]), tuple(pts[1]), True))
        text = fit.text if fit is not None and fit.text else ""
        out.append(Chart(t(f"report.series.{series}", lang), tuple(lines), text or ""))
    return tuple(out)


__all__ = [
    "Chart",
    "Dashboard",
    "Detail",
    "Domain",
    "Dot",
    "Edition",
    "Line",
    "Move",
    "PlacementView",
    "Probability",
    "Row",
    "build_dashboard",
    "edition_moves",
    "series_charts",
    "subfield_detail",
]
