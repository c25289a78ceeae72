"""Provenance: which sources, how many records and what cut-off stand behind a figure.

Records and count series carry a ``source`` (the dataset, e.g. ``cnki``, ``uspto``);
:data:`SOURCE_NAMES` turns those into the names a reader knows ("CNKI 中国知网",
"USPTO"). An unknown source is shown as its id with ``_`` and ``-`` as spaces, so a
new source never breaks a report — add its display name here when it matters.

>>> source_display_name("itjuzi", "zh")
'IT桔子'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from techcurve.store import Store

KINDS = ("patent", "paper", "article", "financing", "attention")

# source id → (Chinese name, English name)
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

KIND_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "patent": "专利",
        "paper": "论文",
        "article": "媒体文章",
        "financing": "融资事件",
        "attention": "关注度序列",
    },
    "en": {
        "patent": "patents",
        "paper": "papers",
        "article": "media articles",
        "financing": "financing events",
        "attention": "attention series",
    },
}


def source_display_name(source: str, lang: str = "zh") -> str:
    """The human name of a source id (see :data:`SOURCE_NAMES`)."""
    key = source.strip().lower()
    if key.startswith("mapping:"):  # a profile name, not a source id
        key = key.split(":", 1)[1]
    if key in SOURCE_NAMES:
        zh, en = SOURCE_NAMES[key]
        return zh if lang == "zh" else en
    return source.replace("_", " ").replace("-", " ").strip() or "?"


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
    queries: list[tuple[str, str]] = []  # (level, SQL giving kind, source, n, matched, first, last)
    if store.has_table("records") and store.count("records"):
        # one pass over the records, each tested against the set of matched ids
        # (record ids are unique, so this counts distinct matched records)
        matched_sql = (
            "count(*) FILTER (WHERE r.record_id IN (SELECT record_id FROM matches))"
            if store.has_table("matches")
            else "0"
        )
        queries.append(
            (
                "records",
                f"SELECT r.kind, r.source, count(*) AS n, {matched_sql} AS matched, "
                "CAST(min(r.date) AS VARCHAR) AS first, CAST(max(r.date) AS VARCHAR) AS last "
                "FROM records r GROUP BY r.kind, r.source ORDER BY r.kind, n DESC",
            )
        )
    if store.has_table("counts") and store.count("counts"):
        linked = (
            "(SELECT count(DISTINCT cm.term) FROM count_matches cm "
            "WHERE cm.source = c.source AND cm.kind = c.kind)"
            if store.has_table("count_matches")
            else "0"
        )
        queries.append(
            (
                "counts",
                f"SELECT c.kind, c.source, count(*) AS n, {linked} AS matched, "
                "CAST(min(c.year) AS VARCHAR) AS first, CAST(max(c.year) AS VARCHAR) AS last "
                "FROM counts c GROUP BY c.kind, c.source ORDER BY c.kind, n DESC",
            )
        )
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
        for level, q in queries
        for r in store.sql(q).iter_rows(named=True)
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


def source_line(store: Store, lang: str = "zh", kinds: tuple[str, ...] = ()) -> str:
    """A figure's source line naming the sources behind it, by evidence kind.

    ``数据来源：专利（USPTO 美国专利）；论文（…）；… · techcurve 整理分析``
    """
    by_kind = sources_by_kind(source_stats(store, lang))
    labels = KIND_LABELS["zh" if lang == "zh" else "en"]
    parts = []
    for k in kinds or KINDS:
        names = by_kind.get(k)
        if names:
            sep = "、" if lang == "zh" else ", "
            parts.append(
                f"{labels[k]}（{sep.join(names)}）"
                if lang == "zh"
                else f"{labels[k]} ({sep.join(names)})"
            )
    body = ("；" if lang == "zh" else "; ").join(parts) or "—"
    if lang == "zh":
        return f"数据来源：{body}；techcurve 整理分析"
    return f"Sources: {body}; techcurve analysis"


def provenance(
    stats: list[SourceStat], kinds: tuple[str, ...], cutoff: str | None, lang: str
) -> dict[str, Any]:
    """The provenance block of one figure: cut-off, evidence kinds, record counts, sources."""
    labels = KIND_LABELS["zh" if lang == "zh" else "en"]
    rows = [s for s in stats if s.kind in kinds]
    per_kind: list[dict[str, Any]] = []
    for k in kinds:
        ks = [s for s in rows if s.kind == k]
        if not ks:
            continue
        per_kind.append(
            {
                "kind": k,
                "label": labels.get(k, k),
                "records": sum(s.records for s in ks if s.level == "records"),
                "matched": sum(s.matched for s in ks if s.level == "records"),
                "count_rows": sum(s.records for s in ks if s.level == "counts"),
                "sources": [s.name for s in ks],
                "last": max((s.last for s in ks if s.last), default=None),
            }
        )
    sep = "、" if lang == "zh" else ", "
    parts = []
    for p in per_kind:
        n = []
        if p["records"]:
            n.append(
                f"{p['records']:,} 条记录（{p['matched']:,} 条匹配）"
                if lang == "zh"
                else f"{p['records']:,} records ({p['matched']:,} matched)"
            )
        if p["count_rows"]:
            n.append(
                f"{p['count_rows']:,} 条计数" if lang == "zh" else f"{p['count_rows']:,} count rows"
            )
        srcs = sep.join(p["sources"])
        parts.append(
            f"{p['label']}：{'，'.join(n)}，来源 {srcs}"
            if lang == "zh"
            else f"{p['label']}: {', '.join(n)} from {srcs}"
        )
    if lang == "zh":
        text = ("数据截止 " + cutoff + "；" if cutoff else "") + "；".join(parts)
    else:
        text = ("Data cut-off " + cutoff + "; " if cutoff else "") + "; ".join(parts)
    return {"cutoff": cutoff, "kinds": per_kind, "text": text}
