"""Provenance: which sources, how many records and what cut-off stand behind a figure.

Records and count series carry a ``source`` (the dataset, e.g. ``cnki``, ``uspto``);
:data:`SOURCE_NAMES` turns those into the names a reader knows ("CNKI 中国知网",
"USPTO"). An unknown source is shown as its id with ``_`` and ``-`` as spaces, so a
new source never breaks a report — add its display name here when it matters.

:func:`source_line` is the source line under a figure (the curve's too).

>>> source_display_name("itjuzi", "zh")
'IT桔子'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from techcurve.indicators.sources import load_registry
from techcurve.report.model import Provenance, ProvenanceKind
from techcurve.store import Store
from techcurve.store.report import count_source_stats, kind_sources, record_source_stats
from techcurve.text import Lang, t

KINDS = ("patent", "paper", "article", "financing", "attention")
#: the evidence kinds of records, in the order the report lists them
RECORD_KINDS = ("patent", "paper", "article", "financing")

# source id → (Chinese name, English name): proper names of datasets, not sentences
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "cnki": ("CNKI 中国知网", "CNKI"),
    "cnipa": ("国家知识产权局专利数据库", "CNIPA patents"),
    "uspto": ("USPTO 美国专利", "USPTO patents"),
    "mag": ("Microsoft Academic Graph 论文", "Microsoft Academic Graph"),
    "crunchbase": ("Crunchbase", "Crunchbase"),
    "itjuzi": ("IT桔子", "IT Juzi (IT桔子)"),
    "ruanyf_weekly": ("阮一峰《科技爱好者周刊》", "Ruan Yifeng's tech weekly"),
    "ml_conference_titles": ("机器学习会议论文标题", "ML conference paper titles"),
    "hn_hiring": ("Hacker News 招聘帖", "Hacker News hiring posts"),
    "stackoverflow": ("Stack Overflow 问题数", "Stack Overflow questions"),
    "google_trends": ("Google Trends 搜索热度", "Google Trends"),
    "infoq": ("InfoQ 中文站", "InfoQ China"),
    "csdn": ("CSDN", "CSDN"),
}


def source_display_name(source: str, lang: str = "zh") -> str:
    """The human name of a source id (see :data:`SOURCE_NAMES`)."""
    key = source.strip().lower()
    if key.startswith("mapping:"):  # a profile name, not a source id
        key = key.split(":", 1)[1]
    if key in SOURCE_NAMES:
        zh, en = SOURCE_NAMES[key]
        return zh if lang == "zh" else en
    listed = load_registry().sources.get(key)  # the source registry, data/sources.yaml
    if listed is not None:
        return listed.zh if lang == "zh" else listed.en
    return source.replace("_", " ").replace("-", " ").strip() or "?"


def kind_label(kind: str, lang: Lang) -> str:
    """The name of an evidence kind ("专利", "patents"); an unknown kind is its id."""
    return t(f"report.kind.{kind}", lang) if kind in KINDS else kind


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


def source_line(store: Store, lang: str = "zh", kinds: tuple[str, ...] = ()) -> str:
    """A figure's source line naming the sources behind it, by evidence kind.

    ``数据来源：专利（USPTO 美国专利）；论文（…）；… · techcurve 整理分析``
    """
    lg: Lang = "zh" if lang == "zh" else "en"
    by_kind = sources_by_kind(source_stats(store, lg))
    parts = [
        t("report.named_sources", lg, label=kind_label(k, lg), names=_join(by_kind[k], lg))
        for k in kinds or KINDS
        if by_kind.get(k)
    ]
    body = t("report.sep.clause", lg).join(parts) or "—"
    return t("report.figure_sources", lg, sources=body)


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


def _join(names: Sequence[str], lang: Lang) -> str:
    return t("report.sep.list", lang).join(names)


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
