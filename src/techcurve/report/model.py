"""The report's data: a tree of small frozen dataclasses, one per page.

:func:`techcurve.report.build.build_report_data` fills a :class:`ReportData` from the
store; the HTML template lays it out, the PDF prints that HTML, :meth:`ReportData.to_json`
is the ``<name>.data.json`` written beside the report, and its ``figures``
(:class:`AuditDocument`) are what ``techcurve audit`` checks. Each page object holds
everything its page prints (titles, rows, source line, provenance), so a page can be
rendered on its own.

The JSON form (:func:`to_json`) is each dataclass as an object of its fields, with two
field markers: :func:`optional` fields are left out when None (keys that only some
variants of a page have), and :func:`inline` fields put their object's fields into the
parent's (the parts of a page that exist only when it has data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any

from techcurve.report.analyst_model import AnalystPage

_OMIT_NONE = "omit_none"
_INLINE = "inline"


def optional() -> Any:
    """A field (default None) that the JSON form leaves out while it is None."""
    return field(default=None, metadata={_OMIT_NONE: True})


def inline() -> Any:
    """A dataclass field (default None) whose fields the JSON form puts into the parent's."""
    return field(default=None, metadata={_INLINE: True})


def to_json(v: object) -> Any:
    """The JSON-ready form of a report object: NaN/inf → None, dates → ISO strings."""
    if type(v) is str or type(v) is int or type(v) is bool or v is None:
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if is_dataclass(v) and not isinstance(v, type):
        out: dict[str, Any] = {}
        for f in fields(v):
            x = getattr(v, f.name)
            if f.metadata.get(_INLINE):
                if x is not None:
                    out.update(to_json(x))
            elif not (x is None and f.metadata.get(_OMIT_NONE)):
                out[f.name] = to_json(x)
        return out
    if isinstance(v, Mapping):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [to_json(x) for x in v]
    if isinstance(v, date):
        return v.isoformat()
    return v


# -- provenance: behind every figure ------------------------------------------------------
@dataclass(frozen=True)
class ProvenanceKind:
    """One evidence kind behind a figure: its counts, sources and latest date."""

    kind: str
    label: str
    records: int
    matched: int
    count_rows: int
    sources: tuple[str, ...]
    last: str | None


@dataclass(frozen=True)
class Provenance:
    """A figure's cut-off, the evidence kinds behind it, and the line that says so."""

    cutoff: str | None
    kinds: tuple[ProvenanceKind, ...]
    text: str


# -- methods and sources ---------------------------------------------------------------------
@dataclass(frozen=True)
class SourceRow:
    """One source of one evidence kind, as the methods page lists it."""

    kind: str
    kind_label: str
    source: str
    name: str
    level: str  # "records" | "counts"
    records: int
    matched: int
    first: str | None
    last: str | None
    role: str = ""  # "hype: developer attention": the role it played (source_roles)


@dataclass(frozen=True)
class EvidenceCount:
    """Records, matched records and count rows of one evidence kind."""

    kind: str
    label: str
    records: int
    matched: int
    count_rows: int


@dataclass(frozen=True)
class IngestRow:
    """One ingested file."""

    path: str
    kind: str
    profile: str | None
    rows_read: int
    stored: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class StoreFacts:
    """The store's meta facts the methods page prints (left out when not recorded)."""

    taxonomy_version: str | None = optional()
    taxonomy_hash: str | None = optional()
    schema_version: str | None = optional()
    as_of: str | None = optional()


@dataclass(frozen=True)
class MethodsPage:
    """Methods and sources: evidence counts, sources, ingested files, the model."""

    action_title: str
    evidence: tuple[EvidenceCount, ...]
    records_total: int
    sources: tuple[SourceRow, ...]
    ingest: tuple[IngestRow, ...]
    meta: StoreFacts
    models: tuple[str, ...]
    assessed_model: str | None
    assessed_params: Mapping[str, Any]  # the model's parameters as stored (JSON)
    n_subfields: int
    n_domains: int
    source: str
    provenance: Provenance


# -- hot words ------------------------------------------------------------------------------
@dataclass(frozen=True)
class HotWord:
    rank: int
    subfield_id: str
    name: str
    domain: str
    opinion_index: float


@dataclass(frozen=True)
class HotWordsPage:
    """The ten sub-fields with the highest opinion index."""

    action_title: str
    rows: tuple[HotWord, ...]
    empty: str | None
    source: str
    provenance: Provenance


# -- patents --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainPatents:
    domain_id: str
    name: str
    color: str
    patents: int
    share_centi: int  # hundredths of a percent; the domains' shares sum to 10,000
    share_pct: float


@dataclass(frozen=True)
class TopSubfield:
    rank: int
    subfield_id: str
    name: str
    domain_id: str
    domain: str
    patents: int


@dataclass(frozen=True)
class PatentHeadlines:
    """The patents page's titles and sums (only when there are patents)."""

    action_title: str
    top10_title: str
    shares_sum_centi: int
    top3_share_pct: float
    top10_patents: int
    top10_share_pct: float
    as_of: str | None


@dataclass(frozen=True)
class PatentsPage:
    """Cumulative patents by domain and the top-10 sub-fields."""

    empty: str | None
    source: str
    domains: tuple[DomainPatents, ...]
    top10: tuple[TopSubfield, ...]
    total: int
    provenance: Provenance
    headlines: PatentHeadlines | None = inline()


# -- financing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FinancingWindow:
    start: str
    end: str
    label: str


@dataclass(frozen=True)
class MonthAmount:
    month: int
    label: str
    amount_yi: float
    events: int
    amount_text: str  # printed so that the months add up to the printed total


@dataclass(frozen=True)
class DomainAmount:
    domain_id: str
    name: str
    color: str
    amount_yi: float
    share_centi: int
    share_pct: float
    top_subfield: str | None
    amount_text: str


@dataclass(frozen=True)
class RoundAmount:
    group: str  # a, b, c, d (D and later), other
    label: str
    events: int
    share_centi: int
    share_pct: float
    amount_yi: float
    amount_text: str


@dataclass(frozen=True)
class SubfieldAmount:
    subfield_id: str
    name: str
    domain_id: str
    domain: str
    color: str
    amount_yi: float


@dataclass(frozen=True)
class FinancingDetail:
    """The financing pages' numbers, tables and titles (only when there are events)."""

    window: FinancingWindow
    events: int
    amount_yi: float
    amount_low_yi: float
    amount_high_yi: float
    amount_text: str
    undisclosed: int
    vague: int
    yi_level_events: int
    months: tuple[MonthAmount, ...]
    domains: tuple[DomainAmount, ...]
    domain_shares_sum_centi: int
    rounds: tuple[RoundAmount, ...]
    round_shares_sum_centi: int
    early_share_pct: float
    subfields: tuple[SubfieldAmount, ...]
    month_title: str
    domain_title: str
    round_title: str
    tree_title: str
    note: str


@dataclass(frozen=True)
class FinancingPage:
    """Financing in the window: by month, domain, round and sub-field."""

    empty: str | None
    source: str
    provenance: Provenance
    detail: FinancingDetail | None = inline()


# -- the curve ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhaseCount:
    phase: str
    name: str
    count: int


@dataclass(frozen=True)
class CurvePoint:
    subfield_id: str
    name: str
    domain_id: str
    position: float
    phase: str
    years_band: str | None


@dataclass(frozen=True)
class CurvePage:
    """The maturity curve: the sub-fields on it and how many per phase."""

    action_title: str
    n_points: int
    n_insufficient: int
    phase_counts: tuple[PhaseCount, ...]
    points: tuple[CurvePoint, ...]
    source: str
    provenance: Provenance


@dataclass(frozen=True)
class DomainCurvePage:
    """One domain's curve (a page after the full curve): its dots and how many per phase."""

    domain_id: str
    name: str
    kicker: str
    action_title: str
    n_points: int
    phase_counts: tuple[PhaseCount, ...]


# -- the appendix: one card per sub-field on the curve, a table for the rest ---------------
@dataclass(frozen=True)
class YearlySeries:
    """The yearly values a card's chart draws (None: outside the evidence's coverage)."""

    years: tuple[int, ...]
    patents: tuple[float | None, ...]
    papers: tuple[float | None, ...]
    cumulative: str | None  # the S-curve's series: patents_cum | papers_cum
    cumulative_values: tuple[float | None, ...] | None
    attention: str | None  # the bell's series: attention | articles | opinion_index
    attention_values: tuple[float | None, ...] | None


@dataclass(frozen=True)
class SCurveParams:
    kappa: float | None
    alpha: float | None
    midpoint: float | None
    growth_time: float | None
    t90: float | None
    r2: float | None
    last_year: int
    share_of_kappa: float | None


@dataclass(frozen=True)
class SCurveFit:
    """The S-curve on a card: its parameters when identified, else why not."""

    identified: bool
    series: str | None
    reason: str | None = optional()
    curve: str | None = optional()
    accelerating: bool | None = optional()
    steady: bool | None = optional()
    params: SCurveParams | None = inline()
    text: str | None = optional()


@dataclass(frozen=True)
class BellParams:
    height: float | None
    peak_year: float | None
    sigma: float | None
    r2: float | None
    observed_peak_year: int


@dataclass(frozen=True)
class BellCurveFit:
    """The hype bell on a card: its parameters when fitted, and why it is not drawn."""

    identified: bool
    series: str | None
    reason: str | None = optional()
    params: BellParams | None = inline()
    text: str | None = optional()


@dataclass(frozen=True)
class KeyItem:
    """One entry of a card chart's legend."""

    mark: str  # bar | line | thick | dash | dot | vline
    color: str
    label: str


@dataclass(frozen=True)
class ChartFrame:
    """What a drawn card chart shows besides its series: legend, years and coverage."""

    key: tuple[KeyItem, ...]
    as_of_year: int
    coverage: Mapping[str, int]  # evidence kind → last year its sources cover
    data_end: int | None


@dataclass(frozen=True)
class SeriesChart:
    """A card's chart: series and fits, or only a caption saying why there is none."""

    series: YearlySeries | None
    s_fit: SCurveFit | None
    bell_fit: BellCurveFit | None
    caption: str
    frame: ChartFrame | None = inline()


@dataclass(frozen=True)
class SampleRecord:
    """A matched record shown under a sub-field, with the query terms that matched."""

    kind: str
    source: str
    year: int | None
    title: str
    terms: str


@dataclass(frozen=True)
class SubfieldRow:
    """One assessed sub-field: its placement, indicators, query and sample records."""

    subfield_id: str
    name: str
    domain: str
    status: str | None
    phase: str
    model_phase: str | None  # the model's phase when an expert moved it
    position: float | None
    years_band: str
    confidence: float | None
    #: the model's phase probabilities in words ("期望膨胀期 10%、…"), None without them
    probabilities: str | None
    reasons: str
    expert: str | None
    patents_cum: float | None
    birth_year: int | None
    opinion_index: float | None
    query: str
    #: the summary's further indicators (only those the summary has): papers_cum,
    #: articles_total, fin_events, evidence_years, attention_peak_year, fin_amount_yi
    indicators: Mapping[str, float | None]
    samples: tuple[SampleRecord, ...]


@dataclass(frozen=True)
class SubfieldCard(SubfieldRow):
    """A sub-field on the curve: its card with the reasons and the yearly chart."""

    reasons_list: tuple[str, ...]
    chart: SeriesChart


@dataclass(frozen=True)
class InsufficientRow(SubfieldRow):
    """A sub-field the evidence cannot place, with what is missing."""

    missing: str


@dataclass(frozen=True)
class InsufficientPage:
    count: int
    rows: tuple[InsufficientRow, ...]


# -- conclusions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Spearman:
    rho: float
    p_value: float
    n: int
    strength: str  # strong | moderate | weak


@dataclass(frozen=True)
class ConclusionsPage:
    """The key conclusions: sentences restating the other pages' numbers."""

    items: tuple[str, ...]
    spearman: Spearman | None
    empty: str | None
    provenance: Provenance


# -- the audit's view: tables as printed and the claims about them -------------------------
@dataclass(frozen=True)
class ClaimTarget:
    """What a claim's number is of: the ``sum``/``value``/``total``/``share`` of a table."""

    table: str
    total: bool | None = optional()
    sum: tuple[str, ...] | None = optional()
    value: str | None = optional()
    share: tuple[str, ...] | None = optional()
    growth: str | None = optional()  # the change of a part over the one before it


@dataclass(frozen=True)
class AuditTable:
    """A printed table in the audit schema (see :mod:`techcurve.audit`)."""

    id: str
    title: str
    parts: tuple[tuple[str, str], ...]
    shares: bool | None = optional()
    base: int | None = optional()
    total: str | None = optional()
    growth: tuple[tuple[str, str], ...] | None = optional()


@dataclass(frozen=True)
class AuditClaim:
    """A number a sentence states, and the table it must agree with."""

    id: str
    text: str
    value: str
    of: ClaimTarget


@dataclass(frozen=True)
class AuditDocument:
    """The report's tables and claims: a figures document for :mod:`techcurve.audit`."""

    title: str
    tables: tuple[AuditTable, ...]
    claims: tuple[AuditClaim, ...]


# -- the whole report -----------------------------------------------------------------------
@dataclass(frozen=True)
class ReportData:
    """Every number, sentence and table row the report prints, page by page."""

    lang: str
    title: str
    subtitle: str
    as_of: str | None  # the date the assessment is for
    cutoff: str | None  # the latest evidence used ("数据截止"), else ``as_of``
    generator: str
    domain_colors: Mapping[str, str]
    methods: MethodsPage
    conclusions: ConclusionsPage
    hot_words: HotWordsPage
    patents: PatentsPage
    financing: FinancingPage
    curve: CurvePage
    appendix: tuple[SubfieldCard, ...]
    insufficient: InsufficientPage
    labels: Mapping[str, str]  # the template's headings and table headers
    figures: AuditDocument
    #: one page per domain with a dot, after the full curve (taxonomy order)
    domain_curves: tuple[DomainCurvePage, ...] = ()
    pages: tuple[AnalystPage, ...] | None = optional()  # None: no pages folder given

    def to_json(self) -> dict[str, Any]:
        """The report data as written to ``<name>.data.json``."""
        out: dict[str, Any] = to_json(self)
        return out
