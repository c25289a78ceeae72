"""What every page needs: the store's tables, names, colours, sources and cut-off.

:func:`load_context` reads them once; the page builders (``methods``, ``hot_words``,
``patents``, ``financing``, ``curve``, ``appendix``, ``conclusions``) take the
:class:`ReportContext` instead of a dozen loose arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.errors import ReportError
from techcurve.render.palette import domain_colors
from techcurve.report.format import as_date_str
from techcurve.report.model import Provenance
from techcurve.report.provenance import (
    SourceStat,
    page_source,
    provenance,
    source_names,
    source_stats,
)
from techcurve.store import Store
from techcurve.store.provenance import latest_evidence
from techcurve.store.report import report_tables
from techcurve.text import Lang

DEFAULT_COLOR = "#888888"


@dataclass(frozen=True)
class SummaryRow:
    """A sub-field's row of the summary table, with its names."""

    subfield_id: str
    name: str
    domain_id: str
    domain: str
    patents_cum: float | None
    opinion_index: float | None
    birth_year: int | None


@dataclass(frozen=True)
class ReportContext:
    """The store's tables and the names, colours and sources the pages share."""

    lang: Lang
    as_of: str | None
    assessments: pl.DataFrame
    subfields: pl.DataFrame
    domains: pl.DataFrame
    summary: pl.DataFrame | None
    summary_rows: tuple[SummaryRow, ...]
    subfield_rows: dict[str, dict[str, Any]]  # subfield id → its taxonomy row
    subfield_names: dict[str, str]
    subfield_domains: dict[str, str]  # subfield id → domain id ("" when none)
    domain_names: dict[str, str]
    domain_order: list[str]
    colors: dict[str, str]  # domain id → colour
    stats: list[SourceStat]
    sources: dict[str, list[str]]  # evidence kind → source display names
    #: the latest evidence used, as precise as it is dated ("2026-07"): the "数据截止"
    evidence_end: str | None = None

    @property
    def cutoff(self) -> str | None:
        """The data cut-off a figure states: the latest evidence used, else the as-of date."""
        return self.evidence_end or self.as_of

    def color(self, domain_id: str) -> str:
        return self.colors.get(domain_id, DEFAULT_COLOR)

    def source(self, kinds: tuple[str, ...] = ()) -> str:
        """The source line of a page showing ``kinds`` of evidence (all by default)."""
        return page_source(self.sources, self.lang, kinds)

    def provenance(self, kinds: tuple[str, ...]) -> Provenance:
        """The provenance block of a figure drawn from ``kinds`` of evidence."""
        return provenance(self.stats, kinds, self.cutoff, self.lang)


def _default_as_of(frames: tuple[pl.DataFrame | None, ...]) -> str | None:
    """The latest as-of date of the first frame that has one."""
    for df in frames:
        if df is not None and "as_of" in df.columns:
            vals = [d for d in (as_date_str(x) for x in df["as_of"].to_list()) if d]
            if vals:
                return max(vals)
    return None


def _name(row: dict[str, Any], lang: Lang, fallback: str) -> str:
    keys = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    for k in keys:
        v = row.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return fallback


def load_context(store: Store, lang: Lang, as_of: str | None) -> ReportContext:
    """Read the tables and sources; ``as_of`` defaults to the assessments' latest.

    Raises :class:`ReportError` when the store has no assessments.
    """
    tables = report_tables(store)
    assessments = tables.assessments
    if assessments is None:
        raise ReportError.of("report.error.no_assessments", db=store.path)
    subfields = tables.subfields
    if subfields is None:
        subfields = pl.DataFrame(
            {"subfield_id": assessments["subfield_id"].unique().sort()}
        ).with_columns(
            pl.lit(None, pl.Utf8).alias(c) for c in ("domain_id", "name_zh", "name_en", "query")
        )
    domains = tables.domains
    if domains is None:
        domains = pl.DataFrame(
            {"domain_id": subfields["domain_id"].drop_nulls().unique().sort()}
        ).with_columns(
            pl.lit(None, pl.Utf8).alias("name_zh"), pl.lit(None, pl.Utf8).alias("name_en")
        )
    if as_of is None:
        as_of = _default_as_of((assessments, tables.summary))
    as_of = as_of_str = as_date_str(as_of) if as_of else None

    dom_name = {
        str(r["domain_id"]): _name(r, lang, str(r["domain_id"]))
        for r in domains.iter_rows(named=True)
    }
    dom_order = list(dom_name)
    sf_rows = {str(r["subfield_id"]): r for r in subfields.iter_rows(named=True)}
    sf_name = {k: _name(r, lang, k) for k, r in sf_rows.items()}
    sf_domain = {k: str(r.get("domain_id") or "") for k, r in sf_rows.items()}
    for d in sf_domain.values():
        if d and d not in dom_name:
            dom_name[d] = d
            dom_order.append(d)
    summary_rows = []
    if tables.summary is not None:
        for r in tables.summary.iter_rows(named=True):
            sid = str(r["subfield_id"])
            did = sf_domain.get(sid) or str(r.get("domain_id") or "")
            summary_rows.append(
                SummaryRow(
                    subfield_id=sid,
                    name=sf_name.get(sid, sid),
                    domain_id=did,
                    domain=dom_name.get(did, did),
                    patents_cum=r.get("patents_cum"),
                    opinion_index=r.get("opinion_index"),
                    birth_year=r.get("birth_year"),
                )
            )
    return ReportContext(
        lang=lang,
        as_of=as_of_str,
        assessments=assessments,
        subfields=subfields,
        domains=domains,
        summary=tables.summary,
        summary_rows=tuple(summary_rows),
        subfield_rows=sf_rows,
        subfield_names=sf_name,
        subfield_domains=sf_domain,
        domain_names=dom_name,
        domain_order=dom_order,
        colors=domain_colors(dom_order),
        stats=source_stats(store, lang),
        sources=source_names(store, lang),
        evidence_end=_evidence_end(store, as_of_str),
    )


def _evidence_end(store: Store, as_of: str | None) -> str | None:
    end = latest_evidence(store, as_of)
    return end.text() if end is not None else None
