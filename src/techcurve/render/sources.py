"""The sources behind a figure, by the names a reader knows, and a figure's source line.

Records and count series carry a ``source`` (the dataset, e.g. ``cnki``, ``uspto``);
:data:`SOURCE_NAMES` turns those into the names a reader knows ("CNKI 中国知网",
"USPTO"). An unknown source is shown as its id with ``_`` and ``-`` as spaces, so a
new source never breaks a figure — add its display name here when it matters.

:func:`source_line` is the line under the curve (and the report's figures): it reads
only how many rows each source holds (:func:`techcurve.store.curve.source_sizes`), so
drawing the curve needs neither the report nor its source statistics.

>>> source_display_name("itjuzi", "zh")
'IT桔子'
"""

from __future__ import annotations

from collections.abc import Sequence

from techcurve.indicators.sources import load_registry
from techcurve.store import Store
from techcurve.store.curve import source_sizes
from techcurve.text import Lang, t

KINDS = ("patent", "paper", "article", "financing", "attention")

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


def source_line(store: Store, lang: str = "zh", kinds: tuple[str, ...] = ()) -> str:
    """A figure's source line naming the sources behind it, by evidence kind: per kind
    the count series' sources, then the records', each biggest first.

    ``数据来源：专利（USPTO 美国专利）；论文（…）；… · techcurve 整理分析``
    """
    lg: Lang = "zh" if lang == "zh" else "en"
    order = {k: i for i, k in enumerate(KINDS)}
    sizes = sorted(source_sizes(store), key=lambda s: (order.get(s.kind, 99), s.level, -s.rows))
    by_kind: dict[str, list[str]] = {}
    for s in sizes:
        names = by_kind.setdefault(s.kind, [])
        name = source_display_name(s.source, lg)
        if name not in names:
            names.append(name)
    parts = [
        t("report.named_sources", lg, label=kind_label(k, lg), names=join_names(by_kind[k], lg))
        for k in kinds or KINDS
        if by_kind.get(k)
    ]
    body = t("report.sep.clause", lg).join(parts) or "—"
    return t("report.figure_sources", lg, sources=body)


def join_names(names: Sequence[str], lang: Lang) -> str:
    """Source names joined as a list ("甲、乙", "A, B")."""
    return t("report.sep.list", lang).join(names)
