"""Provenance: which sources, how many records and what cut-off stand behind a figure.

Records and count series carry a ``source`` (the dataset, e.g. ``cnki``, ``uspto``);
the names a reader knows, :func:`source_display_name` and :func:`source_line` (the line
under a figure, the curve's too) live in :mod:`techcurve.render.sources` (the curve
draws its line without the report) and are re-exported here.

>>> source_display_name("itjuzi", "zh")
'IT桔子'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from techcurve.render.sources import (
    KINDS,
    SOURCE_NAMES,
    kind_label,
    source_display_name,
    source_line,
)
from techcurve.render.sources import join_names as _join
from techcurve.report.model import Provenance, ProvenanceKind
from techcurve.store import Store
from techcurve.store.report import count_source_stats, kind_sources, record_source_stats
from techcurve.text import Lang, t

#: the evidence kinds of records, in the order the report lists them
RECORD_KINDS = ("patent", "paper", "article", "financing")


@dataclass(frozen=True, slots=True)
class SourceStat:
    """One source of one evidence kind: how much it holds and how recent it is."""

    kind: str
    source: str
    name: str
    records: int  # records, or count rows for count-level series
    matched: int  # records linked to at least one sub-field (count series: linked terms)
    level: str  # "records" | "counts"
    first: str | None  # earliest date (records) or year (counts)
    last: str | None  # the source's own data cut-off


def source_stats(store: Store, lang: str = "zh") -> list[SourceStat]:
    """Every source per evidence kind with counts and date range, biggest first per kind."""
    out = [
        SourceStat(
            kind=str(r["kind"]),
            source=str(r["source"]),
            name=source_display_name(str(r["source"]), lang),
            records=int(r["n"]),
            matched=int(r["matched"] or 0),
            level=level,
            first=r["first"],
            last=r["last"],
        )
        for level, frame in (
            ("records", record_source_stats(store)),
            ("counts", count_source_stats(store)),
        )
        for r in frame.iter_rows(named=True)
    ]
    order = {k: i for i, k in enumerate(KINDS)}
    out.sort(key=lambda s: (order.get(s.kind, 99), s.level, -s.records))
    return out


def sources_by_kind(stats: list[SourceStat]) -> dict[str, list[str]]:
    """Display names per evidence kind, in the order of :func:`source_stats`."""
    out: dict[str, list[str]] = {}
    for s in stats:
        names = out.setdefault(s.kind, [])
        if s.name not in names:
            names.append(s.name)
    return out


def source_names(store: Store, lang: str = "zh") -> dict[str, list[str]]:
    """The sources' display names per evidence kind (records, then count series), the
    sources with the most rows first."""
    out: dict[str, list[str]] = {}
    for kind, source in kind_sources(store):
        names = out.setdefault(kind, [])
        name = source_display_name(source, lang)
        if name not in names:
            names.append(name)
    return out


def join_sources(src: dict[str, list[str]], lang: Lang, kinds: Sequence[str] = ()) -> str:
    """The sources behind a page, grouped by evidence kind (all record kinds by default).

    Asked for given ``kinds``, a kind without source names is still named; the article
    group also names the attention series' sources.
    """
    parts = []
    for k in kinds or RECORD_KINDS:
        names = src.get(k, []) + (src.get("attention", []) if k == "article" else [])
        label = t(f"report.sources_of.{k}", lang)
        if not names and kinds:
            parts.append(label)
        elif names:
            parts.append(t("report.named_sources", lang, label=label, names=_join(names, lang)))
    return t("report.sep.clause", lang).join(parts) if parts else "techcurve"


def page_source(src: dict[str, list[str]], lang: Lang, kinds: Sequence[str] = ()) -> str:
    """The "数据来源：…；techcurve 整理分析" line of a page."""
    return t("report.source_line", lang, sources=join_sources(src, lang, kinds))


def provenance(
    stats: list[SourceStat], kinds: tuple[str, ...], cutoff: str | None, lang: Lang
) -> Provenance:
    """The provenance block of one figure: cut-off, evidence kinds, record counts, sources."""
    per_kind: list[ProvenanceKind] = []
    for k in kinds:
        ks = [s for s in stats if s.kind == k]
        if not ks:
            continue
        per_kind.append(
            ProvenanceKind(
                kind=k,
                label=kind_label(k, lang),
                records=sum(s.records for s in ks if s.level == "records"),
                matched=sum(s.matched for s in ks if s.level == "records"),
                count_rows=sum(s.records for s in ks if s.level == "counts"),
                sources=tuple(s.name for s in ks),
                last=max((s.last for s in ks if s.last), default=None),
            )
        )
    parts = []
    for p in per_kind:
        counts = []
        if p.records:
            counts.append(
                t("report.provenance.records", lang, records=p.records, matched=p.matched)
            )
        if p.count_rows:
            counts.append(t("report.provenance.count_rows", lang, count_rows=p.count_rows))
        parts.append(
            t(
                "report.provenance.kind",
                lang,
                label=p.label,
                counts=t("report.sep.comma", lang).join(counts),
                sources=_join(p.sources, lang),
            )
        )
    text = (t("report.provenance.cutoff", lang, cutoff=cutoff) if cutoff else "") + t(
        "report.sep.clause", lang
    ).join(parts)
    return Provenance(cutoff=cutoff, kinds=tuple(per_kind), text=text)


__all__ = [
    "KINDS",
    "RECORD_KINDS",
    "SOURCE_NAMES",
    "SourceStat",
    "join_sources",
    "kind_label",
    "page_source",
    "provenance",
    "source_display_name",
    "source_line",
    "source_names",
    "source_stats",
    "sources_by_kind",
]
