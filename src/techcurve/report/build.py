"""Assemble the self-contained HTML report from the store.

One function, :func:`compute_report_data`, computes every number the report prints
into a plain, JSON-ready dict (the "report data"); the action titles and conclusion
sentences are built there too, from the same values and with the same formatting
functions the template uses, so text and tables cannot disagree. The template
(``templates/report.html.j2``, autoescaped) only lays the dict out; the charts are
drawn from it and inlined as SVG, and the CSS is inline: the file opens offline.
:func:`build_report` writes the HTML and the dict beside it as ``<stem>.data.json``
for tests and audits.

>>> with Store.open("techcurve.duckdb") as st:                       # doctest: +SKIP
...     build_report(st, Path("out/report.html"), as_of="2022-11-24")
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import ReportError
from techcurve.render.charts import (
    GlyphSheet,
    domain_colors,
    donut_chart,
    financing_month_chart,
    series_svg,
    top_bar_chart,
    treemap_chart,
)
from techcurve.render.curve import BAND_NAMES, curve_points, draw_curve, select_assessments
from techcurve.render.fonts import figure_svg, font_face_css
from techcurve.report.figures import report_figures, round_to_total
from techcurve.report.pdf import find_chromium, html_to_pdf
from techcurve.report.provenance import (
    KINDS,
    SourceStat,
    provenance,
    source_display_name,
    source_stats,
)
from techcurve.report.series import coverage_end, fitted_points, subfield_series
from techcurve.store import Store
from techcurve.version import __version__

log = logging.getLogger(__name__)

YI = 1e8  # 亿元 = 100 million CNY
TEMPLATES = Path(__file__).parent / "templates"


# -- formatting: shared by the sentences here and by the template -------------------
def fmt_int(v: float | int | None) -> str:
    """``1002391`` → ``"1,002,391"``; ``None`` → ``"–"``."""
    return "–" if v is None else f"{round(v):,}"


def fmt_pct(v: float | None, digits: int = 2) -> str:
    """``30.123`` → ``"30.12%"``."""
    return "–" if v is None else f"{v:.{digits}f}%"


def fmt_yi(v: float | None) -> str:
    """An amount already in 亿元, one decimal: ``58.24`` → ``"58.2"``."""
    return "–" if v is None else f"{v:,.1f}"


def fmt_num(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


FILTERS: dict[str, Callable[..., str]] = {
    "int": fmt_int,
    "pct": fmt_pct,
    "yi": fmt_yi,
    "num": fmt_num,
}


# -- shares that print to exactly 100.00 % ------------------------------------------
def largest_remainder(values: Sequence[float], total: int = 10_000) -> list[int]:
    """Integer shares of ``total`` proportional to ``values`` that sum exactly to ``total``.

    With the default ``total`` the result is in hundredths of a percent, so printed
    shares (``share / 100`` with two decimals) add up to exactly 100.00 %. Ties in the
    remainders go to the larger value, then to the earlier item. All-zero input gives
    all zeros.

    >>> largest_remainder([1, 1, 1])
    [3334, 3333, 3333]
    """
    vals = [max(float(v), 0.0) for v in values]
    s = sum(vals)
    if s <= 0:
        return [0] * len(vals)
    exact = [v / s * total for v in vals]
    floors = [math.floor(e) for e in exact]
    short = total - sum(floors)
    order = sorted(range(len(vals)), key=lambda i: (-(exact[i] - floors[i]), -vals[i], i))
    for i in order[:short]:
        floors[i] += 1
    return floors


# -- texts ----------------------------------------------------------------------------
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "中国技术成熟度评估曲线",
        "subtitle": "基于专利、论文、技术媒体与融资数据的细分技术领域评估",
        "brand": "techcurve",
        "source_generic": "数据来源：{sources}；techcurve 整理分析",
        "src_patent": "专利数据",
        "src_paper": "论文数据",
        "src_article": "技术媒体报道",
        "src_financing": "融资事件数据",
        "kind_patent": "专利",
        "kind_paper": "论文",
        "kind_article": "媒体文章",
        "kind_financing": "融资事件",
        "kind_attention": "关注度序列",
        "no_data": "暂无数据：{what}。",
        "nd_patents": "存储中没有专利指标（请先运行 `techcurve indicators`）",
        "nd_opinion": "没有舆论指数",
        "nd_financing": "所选时间窗内没有与细分领域匹配的融资事件",
        "nd_rounds": "融资事件没有轮次信息",
        "nd_corr": "可计算相关系数的细分领域不足 3 个",
        "month": "{m}月",
        "window": "{y}年1月-{m}月",
        "methods_title": "研究方法与数据来源：{kinds}共 {records} 条记录，覆盖 {n_sub} 个细分技术领域",
        "strength_strong": "强",
        "strength_moderate": "中等程度",
        "strength_weak": "弱",
        "c_corr": "行业关注度与技术成熟度{strength}相关：{n} 个细分技术领域的舆论指数与累计专利数的"
        "斯皮尔曼等级相关系数为 {rho}（p = {p}）",
        "c_patent": "{d1}领域累计专利最多，占 {s1}；专利最多的三个领域合计占 {s3}",
        "c_fin": "{window}技术领域共融资 {amount} 亿元、{events} 起；{d1}与{d2}融资金额合计占 {s2}",
        "c_round": "融资聚焦早期：A轮与B轮事件占 {share}",
        "c_phase": "{n} 个已评估的细分技术领域中，{k} 个处于{phase}，为各阶段最多",
        "hot_title": "{a}、{b}、{c}等话题成为舆论指数最高的技术热词",
        "hot_title_short": "{a}是舆论指数最高的技术热词",
        "pat_title": "{d1}和{d2}领域技术专利最多，合计占 {s2}；{dl}领域专利较少（{sl}）",
        "pat_title_one": "{d1}领域技术专利最多，占 {s1}",
        "top_title": "专利数 TOP10 细分技术领域占全部细分领域累计专利的 {share}，{first}居首（{n} 件）",
        "month_title": "{window}技术领域共融资 {amount} 亿元、{events} 起，{peak}融资金额最高（{peak_amount} 亿元）",
        "dom_title": "{d1}与{d2}赛道融资金额领先，合计占 {s2}",
        "dom_title_one": "{d1}赛道融资金额领先，占 {s1}",
        "round_title": "技术领域聚焦早期融资：A轮与B轮占融资事件的 {share}",
        "tree_title": "{names}在细分技术领域中融资金额居前",
        "curve_title": "{n} 个细分技术领域中，{k} 个处于{phase}",
        "chart_patent": "累计专利技术领域占比",
        "chart_top": "累计专利 TOP10 细分技术领域（件）",
        "chart_month": "{window}融资金额与事件数量",
        "chart_dom": "{window}融资金额技术领域占比",
        "chart_round": "{window}融资轮次占比（按事件数）",
        "chart_tree": "{window}融资金额分布（按细分技术领域，亿元）",
        "chart_sf_left": "专利与论文（件/篇）",
        "chart_sf_right": "关注度",
        "amount_label": "融资金额（亿元）",
        "events_label": "融资事件（起）",
        "round_a": "A轮",
        "round_b": "B轮",
        "round_c": "C轮",
        "round_d": "D轮及以后",
        "round_other": "其他",
        "early_callout": "A+B轮 {share}",
        "fin_note": "金额按点估计汇总（区间 {low}–{high} 亿元）；{undisclosed} 起未披露金额（不计入金额），"
        "{vague} 起为模糊金额（如“数千万”，按 ingest.vague_amounts 设定的点估计计入）；亿元级事件 {big} 起。"
        "一个事件匹配多个细分领域时金额均分。",
    },
    "en": {
        "title": "Technology maturity assessment curve",
        "subtitle": "Technology sub-fields assessed from patents, papers, tech media and financing",
        "brand": "techcurve",
        "source_generic": "Source: {sources}; techcurve analysis",
        "src_patent": "patent data",
        "src_paper": "paper data",
        "src_article": "tech-media articles",
        "src_financing": "financing events",
        "kind_patent": "patents",
        "kind_paper": "papers",
        "kind_article": "media articles",
        "kind_financing": "financing events",
        "kind_attention": "attention series",
        "no_data": "No data: {what}.",
        "nd_patents": "the store holds no patent indicators (run `techcurve indicators` first)",
        "nd_opinion": "no opinion index",
        "nd_financing": "no financing events matched to a sub-field in the window",
        "nd_rounds": "the financing events carry no round",
        "nd_corr": "fewer than 3 sub-fields with both values",
        "month": "{mon}",
        "window": "Jan–{mon} {y}",
        "methods_title": "Methods and sources: {records} records of {kinds} covering "
        "{n_sub} technology sub-fields",
        "strength_strong": "strongly",
        "strength_moderate": "moderately",
        "strength_weak": "weakly",
        "c_corr": "Industry attention and technology maturity are {strength} related: across {n} "
        "sub-fields the Spearman rank correlation between opinion index and cumulative "
        "patents is {rho} (p = {p})",
        "c_patent": "{d1} holds the most patents ({s1}); the top three domains hold {s3}",
        "c_fin": "{window}: {events} financing events raised CNY {amount} 亿 (100 M); "
        "{d1} and {d2} took {s2} of the amount",
        "c_round": "Financing is early-stage: Series A and B make up {share} of events",
        "c_phase": "Of {n} assessed sub-fields, {k} are in the {phase} phase, more than in any other",
        "hot_title": "{a}, {b} and {c} lead the opinion index",
        "hot_title_short": "{a} leads the opinion index",
        "pat_title": "{d1} and {d2} hold the most patents, {s2} together; {dl} has few ({sl})",
        "pat_title_one": "{d1} holds the most patents ({s1})",
        "top_title": "The top 10 sub-fields hold {share} of all cumulative patents; "
        "{first} leads with {n}",
        "month_title": "{window}: CNY {amount} 亿 raised in {events} events; "
        "{peak} had the largest amount ({peak_amount} 亿)",
        "dom_title": "{d1} and {d2} lead financing with {s2} of the amount",
        "dom_title_one": "{d1} leads financing with {s1} of the amount",
        "round_title": "Financing concentrates on early rounds: Series A and B are {share} of events",
        "tree_title": "{names} raised the most among sub-fields",
        "curve_title": "Of {n} technology sub-fields, {k} are in the {phase} phase",
        "chart_patent": "Cumulative patents by domain",
        "chart_top": "Top 10 sub-fields by cumulative patents",
        "chart_month": "{window}: financing amount and events",
        "chart_dom": "{window}: financing amount by domain",
        "chart_round": "{window}: events by round",
        "chart_tree": "{window}: financing amount by sub-field (亿 CNY)",
        "chart_sf_left": "Patents and papers",
        "chart_sf_right": "Attention",
        "amount_label": "Amount (亿 CNY)",
        "events_label": "Events",
        "round_a": "Series A",
        "round_b": "Series B",
        "round_c": "Series C",
        "round_d": "Series D and later",
        "round_other": "Other",
        "early_callout": "A+B {share}",
        "fin_note": "Amounts are point estimates (range {low}–{high} 亿); {undisclosed} events "
        "undisclosed (not in the amounts), {vague} vague (e.g. “tens of millions”, counted at "
        "the point set in ingest.vague_amounts); {big} events of 1亿 or more. An event matched to several "
        "sub-fields is split equally among them.",
    },
}
# The section headings and table headers the template prints.
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "toc": "目录",
        "cover": "封面",
        "methods": "研究方法与数据来源",
        "conclusions": "核心结论",
        "hot": "技术热词",
        "patents": "技术专利",
        "financing": "技术融资",
        "curve": "中国技术成熟度评估曲线",
        "appendix": "附录：细分技术领域评估明细",
        "as_of": "数据截止",
        "kind": "证据类型",
        "records": "记录数",
        "matched": "匹配到细分领域",
        "file": "文件",
        "profile": "格式",
        "read": "读取",
        "stored": "入库",
        "dup": "重复",
        "rejected": "拒绝",
        "taxonomy": "分类体系",
        "version": "版本",
        "hash": "哈希",
        "model": "评估模型",
        "rank": "排名",
        "domain": "技术领域",
        "subfield": "细分技术领域",
        "share": "占比",
        "patents_cum": "累计专利件数",
        "opinion": "舆论指数",
        "amount": "融资金额（亿元）",
        "events": "融资事件（起）",
        "month": "月份",
        "round": "轮次",
        "top_sub": "领先细分领域",
        "phase": "阶段",
        "position": "位置",
        "band": "距成熟年限",
        "confidence": "置信度",
        "reasons": "依据",
        "birth": "诞生年份",
        "query": "检索式",
        "total": "合计",
        "top10_share": "TOP10 占比",
        "expert": "专家调整",
        "method_note": "技术模型以累计专利数、技术诞生时间（最早论文年份）和技术舆论指数确定细分领域所处阶段，"
        "融资事件与专家意见用于校准。",
        "research_note": "本曲线以专利、诞生时间、舆论指数与融资事件四类数据为基础绘制；"
        "横轴为技术发展阶段，纵轴为市场期望。",
        "generated": "由 techcurve {version} 生成",
        "sources": "数据来源与记录数",
        "source_name": "来源",
        "level": "粒度",
        "level_records": "逐条记录",
        "level_counts": "计数序列",
        "first": "最早",
        "last": "截止",
        "papers_cum": "累计论文",
        "articles": "媒体文章",
        "samples": "匹配记录示例（最多 5 条，← 命中的检索词）",
        "no_samples": "无匹配记录（仅有计数序列或无证据）",
        "model_phase": "模型判定",
        "kind_patent": "专利",
        "kind_paper": "论文",
        "kind_article": "文章",
        "kind_financing": "融资",
        "insufficient": "证据不足、未放上曲线的细分技术领域（{n} 个）",
        "insufficient_note": "以下细分技术领域的证据不足以判断所处阶段，模型不作推测；"
        "补充所缺数据或调整检索式后重新评估。",
        "missing": "缺少的证据",
        "query_samples": "检索式与匹配记录",
        "n_samples": "检索式 · {n} 条匹配记录",
        "fits": "逐年指标与拟合曲线",
    },
    "en": {
        "toc": "Contents",
        "cover": "Cover",
        "methods": "Methods and sources",
        "conclusions": "Key conclusions",
        "hot": "Hot words",
        "patents": "Patents",
        "financing": "Financing",
        "curve": "Technology maturity assessment curve",
        "appendix": "Appendix: assessment per sub-field",
        "as_of": "Data cut-off",
        "kind": "Evidence",
        "records": "Records",
        "matched": "Matched to a sub-field",
        "file": "File",
        "profile": "Profile",
        "read": "Read",
        "stored": "Stored",
        "dup": "Duplicates",
        "rejected": "Rejected",
        "taxonomy": "Taxonomy",
        "version": "version",
        "hash": "hash",
        "model": "Assessment model",
        "rank": "Rank",
        "domain": "Domain",
        "subfield": "Sub-field",
        "share": "Share",
        "patents_cum": "Cumulative patents",
        "opinion": "Opinion index",
        "amount": "Amount (亿 CNY)",
        "events": "Events",
        "month": "Month",
        "round": "Round",
        "top_sub": "Leading sub-field",
        "phase": "Phase",
        "position": "Position",
        "band": "Years to plateau",
        "confidence": "Confidence",
        "reasons": "Reasons",
        "birth": "Birth year",
        "query": "Query",
        "total": "Total",
        "top10_share": "Top-10 share",
        "expert": "Expert override",
        "method_note": "The technology model sets each sub-field's phase from cumulative patents, "
        "birth year (earliest paper) and the opinion index; financing and expert views calibrate it.",
        "research_note": "The curve is drawn from four kinds of data: patents, birth year, "
        "opinion index and financing events. The x axis is the stage of development, "
        "the y axis market expectations.",
        "generated": "Generated by techcurve {version}",
        "sources": "Sources and record counts",
        "source_name": "Source",
        "level": "Level",
        "level_records": "records",
        "level_counts": "count series",
        "first": "From",
        "last": "Cut-off",
        "papers_cum": "Cumulative papers",
        "articles": "Media articles",
        "samples": "Sample matched records (up to 5; ← the query terms that fired)",
        "no_samples": "no matched records (count series only, or no evidence)",
        "model_phase": "model",
        "kind_patent": "patent",
        "kind_paper": "paper",
        "kind_article": "article",
        "kind_financing": "financing",
        "insufficient": "Sub-fields with too little evidence to place on the curve ({n})",
        "insufficient_note": "The evidence for these sub-fields cannot place them on the curve, "
        "and the model does not guess; add the missing data or refine the query and assess again.",
        "missing": "Missing evidence",
        "query_samples": "Query and matched records",
        "n_samples": "query · {n} matched records",
        "fits": "Yearly indicators and fitted curves",
    },
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ROUND_GROUPS = ("a", "b", "c", "d", "other")
_ROUND_RE = {
    "a": re.compile(r"^(pre-?)?a\+*$"),
    "b": re.compile(r"^(pre-?)?b\+*$"),
    "c": re.compile(r"^(pre-?)?c\+*$"),
    "d": re.compile(r"^(pre-?)?[d-h]\+*$|^pre-?ipo$"),
}


def round_group(value: str | None) -> str:
    """The report's round group (a, b, c, d = D and later, other) of a normalised round."""
    v = (value or "").strip().lower().replace(" ", "")
    for g, rx in _ROUND_RE.items():
        if rx.match(v):
            return g
    return "other"


# -- loading --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tables:
    subfields: pl.DataFrame
    domains: pl.DataFrame
    assessments: pl.DataFrame
    summary: pl.DataFrame | None


def _table(store: Store, name: str) -> pl.DataFrame | None:
    if not store.has_table(name):
        return None
    df = store.table(name)
    return df if df.height else None


def _clean(v: Any) -> Any:
    """JSON-ready: NaN/inf → None, dates → ISO strings, recursively."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:  # most leaves: nothing to do
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, date):
        return v.isoformat()
    return v


def _as_date_str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v)[:10]
    return s if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else None


# -- the report data ------------------------------------------------------------------
def compute_report_data(
    store: Store, *, lang: str = "zh", as_of: str | None = None, title: str | None = None
) -> dict[str, Any]:
    """Every number, sentence and table row the report prints, as a JSON-ready dict.

    Raises :class:`ReportError` when the store has no assessments.
    """
    if lang not in TEXT:
        raise ReportError(f"unknown report language {lang!r} (expected 'zh' or 'en')")
    data, _ = _compute(store, lang=lang, as_of=as_of, title=title)
    return data


def _compute(
    store: Store, *, lang: str, as_of: str | None, title: str | None
) -> tuple[dict[str, Any], _Tables]:
    tx = TEXT[lang]
    assessments = _table(store, "assessments")
    if assessments is None:
        raise ReportError(
            f"store {store.path} has no assessments, so there is no curve to report: "
            "run `techcurve assess` first"
        )
    subfields = _table(store, "subfields")
    if subfields is None:
        subfields = pl.DataFrame(
            {"subfield_id": assessments["subfield_id"].unique().sort()}
        ).with_columns(
            pl.lit(None, pl.Utf8).alias(c) for c in ("domain_id", "name_zh", "name_en", "query")
        )
    domains = _table(store, "domains")
    if domains is None:
        domains = pl.DataFrame(
            {"domain_id": subfields["domain_id"].drop_nulls().unique().sort()}
        ).with_columns(
            pl.lit(None, pl.Utf8).alias("name_zh"), pl.lit(None, pl.Utf8).alias("name_en")
        )
    summary = _table(store, "summary")
    tables = _Tables(subfields, domains, assessments, summary)

    if as_of is None:
        for df in (assessments, summary):
            if df is not None and "as_of" in df.columns:
                vals = [d for d in (_as_date_str(x) for x in df["as_of"].to_list()) if d]
                if vals:
                    as_of = max(vals)
                    break
    as_of = _as_date_str(as_of) if as_of else None

    name_key = "name_zh" if lang == "zh" else "name_en"
    alt_key = "name_en" if lang == "zh" else "name_zh"

    def nm(row: dict[str, Any], fallback: str) -> str:
        for k in (name_key, alt_key):
            v = row.get(k)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return fallback

    dom_rows = list(domains.iter_rows(named=True))
    dom_name = {str(r["domain_id"]): nm(r, str(r["domain_id"])) for r in dom_rows}
    dom_order = list(dom_name)
    sf_rows = {str(r["subfield_id"]): r for r in subfields.iter_rows(named=True)}
    sf_name = {k: nm(r, k) for k, r in sf_rows.items()}
    sf_domain = {k: str(r.get("domain_id") or "") for k, r in sf_rows.items()}
    for d in sf_domain.values():
        if d and d not in dom_name:
            dom_name[d] = d
            dom_order.append(d)
    colors = domain_colors(dom_order)

    data: dict[str, Any] = {
        "lang": lang,
        "title": title or tx["title"],
        "subtitle": tx["subtitle"],
        "as_of": as_of,
        "generator": f"techcurve {__version__}",
        "domain_colors": colors,
    }

    # -- methods & sources ----------------------------------------------------------
    stats = source_stats(store, lang)
    kinds = _evidence_counts(stats)
    _label_kinds(kinds, tx)
    src_names = _source_names(store, lang)
    meta = {
        k: store.get_meta(k)
        for k in ("taxonomy_version", "taxonomy_hash", "schema_version", "as_of")
        if store.get_meta(k) is not None
    }
    ingest = []
    if store.has_table("ingest_log"):
        for r in store.sql(
            "SELECT path, kind, profile, rows_read, stored, duplicates, rejected "
            "FROM ingest_log ORDER BY ingest_id"
        ).iter_rows(named=True):
            ingest.append(r)
    sel = select_assessments(assessments, as_of=as_of)
    models = (
        sorted(str(m) for m in sel["model"].drop_nulls().unique().to_list())
        if "model" in sel.columns
        else []
    )
    n_records = sum(k["records"] for k in kinds)
    params_raw = store.get_meta("assessed_params")
    try:
        params = json.loads(params_raw) if params_raw else {}
    except json.JSONDecodeError:
        params = {"raw": params_raw}
    data["methods"] = {
        "sources": [
            {
                "kind": x.kind,
                "kind_label": tx.get("kind_" + x.kind, x.kind),
                "source": x.source,
                "name": x.name,
                "level": x.level,
                "records": x.records,
                "matched": x.matched,
                "first": x.first,
                "last": x.last,
            }
            for x in stats
        ],
        "assessed_model": store.get_meta("assessed_model"),
        "assessed_params": params,
        "provenance": provenance(stats, KINDS, as_of, lang),
        "action_title": tx["methods_title"].format(
            kinds="、".join(k["label"] for k in kinds if k["records"])
            if lang == "zh"
            else ", ".join(k["label"] for k in kinds if k["records"]),
            records=fmt_int(n_records),
            n_sub=fmt_int(len(sf_rows)),
        ),
        "evidence": kinds,
        "records_total": n_records,
        "ingest": ingest,
        "meta": meta,
        "models": models,
        "n_subfields": len(sf_rows),
        "n_domains": len(dom_name),
        "source": tx["source_generic"].format(sources=_join_sources(src_names, lang, tx)),
    }

    # -- summary-based pages: hot words and patents ------------------------------------
    srows: list[dict[str, Any]] = []
    if summary is not None:
        for r in summary.iter_rows(named=True):
            sid = str(r["subfield_id"])
            srows.append(
                {
                    "subfield_id": sid,
                    "name": sf_name.get(sid, sid),
                    "domain_id": sf_domain.get(sid) or str(r.get("domain_id") or ""),
                    "patents_cum": r.get("patents_cum"),
                    "opinion_index": r.get("opinion_index"),
                    "birth_year": r.get("birth_year"),
                }
            )
    for r in srows:
        r["domain"] = dom_name.get(r["domain_id"], r["domain_id"])
    data["hot_words"] = _hot_words(srows, tx, src_names, lang)
    data["hot_words"]["provenance"] = provenance(stats, ("article", "attention"), as_of, lang)
    data["patents"] = _patents(srows, dom_order, dom_name, colors, tx, src_names, lang, as_of)
    data["patents"]["provenance"] = provenance(stats, ("patent",), as_of, lang)

    # -- financing -------------------------------------------------------------------
    data["financing"] = _financing(
        store, as_of, sf_name, sf_domain, dom_order, dom_name, colors, tx, src_names, lang
    )
    data["financing"]["provenance"] = provenance(stats, ("financing",), as_of, lang)

    # -- the curve and the appendix ----------------------------------------------------
    points, skipped = curve_points(assessments, subfields, lang=lang, as_of=as_of)
    phase_counts = []
    for ph in Phase:
        k = sum(1 for p in points if Phase.at(p.x) == ph)
        phase_counts.append(
            {"phase": ph.value, "name": ph.zh if lang == "zh" else ph.en, "count": k}
        )
    top_phase = max(phase_counts, key=lambda c: c["count"]) if points else None
    data["curve"] = {
        "action_title": tx["curve_title"].format(
            n=len(points), k=top_phase["count"], phase=top_phase["name"]
        )
        if top_phase
        else "",
        "n_points": len(points),
        "n_insufficient": skipped,
        "phase_counts": phase_counts,
        "points": [
            {
                "subfield_id": p.subfield_id,
                "name": p.label,
                "domain_id": p.domain_id,
                "position": round(p.x, 4),
                "phase": Phase.at(p.x).value,
                "years_band": p.band.value if p.band else None,
            }
            for p in points
        ],
        "source": tx["source_generic"].format(sources=_join_sources(src_names, lang, tx)),
    }
    data["curve"]["provenance"] = provenance(stats, KINDS, as_of, lang)
    rows = _appendix(sel, srows, sf_rows, sf_name, sf_domain, dom_name, lang)
    _add_appendix_details(store, rows, summary, lang)
    # one card (with its chart) per sub-field on the curve; the rest in one table
    data["appendix"] = [r for r in rows if r["position"] is not None]
    for r in data["appendix"]:
        items = r.pop("reason_items")
        r["reasons_list"] = [str(i.get("text") or i.get("indicator") or "") for i in items]
    data["insufficient"] = _insufficient([r for r in rows if r["position"] is None], lang)
    _add_series(store, data["appendix"], as_of, lang)
    data["conclusions"] = _conclusions(data, srows, tx, lang)
    data["conclusions"]["provenance"] = provenance(stats, KINDS, as_of, lang)
    data["labels"] = LABELS[lang]
    data["figures"] = report_figures(data)
    return _clean(data), tables


def _evidence_counts(stats: list[SourceStat]) -> list[dict[str, Any]]:
    """Records, matched records and count rows per evidence kind: the sources' sums."""
    tx_kinds = ("patent", "paper", "article", "financing")
    out: list[dict[str, Any]] = []
    rec: dict[str, int] = {}
    matched: dict[str, int] = {}
    counts: dict[str, int] = {}
    for x in stats:
        if x.level == "records":
            rec[x.kind] = rec.get(x.kind, 0) + x.records
            matched[x.kind] = matched.get(x.kind, 0) + x.matched
        else:
            counts[x.kind] = counts.get(x.kind, 0) + x.records
    for k in (*tx_kinds, *sorted(set(rec) - set(tx_kinds))):
        out.append(
            {
                "kind": k,
                "records": rec.get(k, 0),
                "matched": matched.get(k, 0),
                "count_rows": counts.get(k, 0),
            }
        )
    if counts.get("attention"):
        out.append(
            {"kind": "attention", "records": 0, "matched": 0, "count_rows": counts["attention"]}
        )
    return out


def _source_names(store: Store, lang: str = "zh") -> dict[str, list[str]]:
    """The sources' display names per evidence kind (records, then count series)."""
    out: dict[str, list[str]] = {}
    for table in ("records", "counts"):
        if not store.has_table(table):
            continue
        q = f"SELECT kind, source FROM {table} GROUP BY kind, source ORDER BY kind, count(*) DESC"
        for kind, source in store.sql(q).iter_rows():
            names = out.setdefault(str(kind), [])
            name = source_display_name(str(source), lang)
            if name not in names:
                names.append(name)
    return out


def _join_sources(
    src: dict[str, list[str]], lang: str, tx: dict[str, str], kinds: Sequence[str] = ()
) -> str:
    sep = "、" if lang == "zh" else ", "
    parts = []
    for k in kinds or ("patent", "paper", "article", "financing"):
        names = src.get(k, []) + (src.get("attention", []) if k == "article" else [])
        if not names and kinds:  # asked for this kind: name it even without source names
            parts.append(tx["src_" + k])
        elif names:
            parts.append(
                f"{tx['src_' + k]}（{sep.join(names)}）"
                if lang == "zh"
                else f"{tx['src_' + k]} ({sep.join(names)})"
            )
    return ("；" if lang == "zh" else "; ").join(parts) if parts else tx["brand"]


def _label_kinds(kinds: list[dict[str, Any]], tx: dict[str, str]) -> None:
    for k in kinds:
        k["label"] = tx.get("kind_" + k["kind"], k["kind"])


def _hot_words(
    srows: list[dict[str, Any]], tx: dict[str, str], src: dict[str, list[str]], lang: str
) -> dict[str, Any]:
    rows = [r for r in srows if r["opinion_index"] is not None and not _isnan(r["opinion_index"])]
    rows.sort(key=lambda r: (-float(r["opinion_index"]), r["subfield_id"]))
    top = [
        {
            "rank": i + 1,
            "subfield_id": r["subfield_id"],
            "name": r["name"],
            "domain": r["domain"],
            "opinion_index": round(float(r["opinion_index"]), 2),
        }
        for i, r in enumerate(rows[:10])
    ]
    if len(top) >= 3:
        t = tx["hot_title"].format(a=top[0]["name"], b=top[1]["name"], c=top[2]["name"])
    elif top:
        t = tx["hot_title_short"].format(a=top[0]["name"])
    else:
        t = ""
    return {
        "action_title": t,
        "rows": top,
        "empty": None if top else tx["no_data"].format(what=tx["nd_opinion"]),
        "source": tx["source_generic"].format(sources=_join_sources(src, lang, tx, ("article",))),
    }


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _patents(
    srows: list[dict[str, Any]],
    dom_order: list[str],
    dom_name: dict[str, str],
    colors: dict[str, str],
    tx: dict[str, str],
    src: dict[str, list[str]],
    lang: str,
    as_of: str | None,
) -> dict[str, Any]:
    rows = [r for r in srows if r["patents_cum"] is not None and not _isnan(r["patents_cum"])]
    total = sum(float(r["patents_cum"]) for r in rows)
    source = tx["source_generic"].format(sources=_join_sources(src, lang, tx, ("patent",)))
    if not rows or total <= 0:
        return {
            "empty": tx["no_data"].format(what=tx["nd_patents"]),
            "source": source,
            "domains": [],
            "top10": [],
            "total": 0,
        }
    by_dom: dict[str, float] = {}
    for r in rows:
        by_dom[r["domain_id"]] = by_dom.get(r["domain_id"], 0.0) + float(r["patents_cum"])
    doms = sorted(by_dom, key=lambda d: (-by_dom[d], dom_order.index(d) if d in dom_order else 99))
    centi = largest_remainder([by_dom[d] for d in doms])
    domains: list[dict[str, Any]] = [
        {
            "domain_id": d,
            "name": dom_name.get(d, d),
            "color": colors.get(d, "#888888"),
            "patents": int(round(by_dom[d])),
            "share_centi": c,
            "share_pct": c / 100,
        }
        for d, c in zip(doms, centi, strict=True)
    ]
    rows.sort(key=lambda r: (-float(r["patents_cum"]), r["subfield_id"]))
    top = rows[:10]
    top10: list[dict[str, Any]] = [
        {
            "rank": i + 1,
            "subfield_id": r["subfield_id"],
            "name": r["name"],
            "domain_id": r["domain_id"],
            "domain": r["domain"],
            "patents": int(round(float(r["patents_cum"]))),
        }
        for i, r in enumerate(top)
    ]
    top_sum = sum(t["patents"] for t in top10)
    top10_share = top_sum / total * 100
    top3 = sum(d["share_centi"] for d in domains[:3]) / 100
    if len(domains) >= 2:
        t1 = tx["pat_title"].format(
            d1=domains[0]["name"],
            d2=domains[1]["name"],
            s2=fmt_pct((domains[0]["share_centi"] + domains[1]["share_centi"]) / 100),
            dl=domains[-1]["name"],
            sl=fmt_pct(domains[-1]["share_pct"]),
        )
    else:
        t1 = tx["pat_title_one"].format(d1=domains[0]["name"], s1=fmt_pct(domains[0]["share_pct"]))
    return {
        "action_title": t1,
        "top10_title": tx["top_title"].format(
            share=fmt_pct(top10_share), first=top10[0]["name"], n=fmt_int(top10[0]["patents"])
        ),
        "total": int(round(total)),
        "domains": domains,
        "shares_sum_centi": sum(d["share_centi"] for d in domains),
        "top3_share_pct": round(top3, 2),
        "top10": top10,
        "top10_patents": top_sum,
        "top10_share_pct": round(top10_share, 2),
        "as_of": as_of,
        "empty": None,
        "source": source,
    }


def _financing(
    store: Store,
    as_of: str | None,
    sf_name: dict[str, str],
    sf_domain: dict[str, str],
    dom_order: list[str],
    dom_name: dict[str, str],
    colors: dict[str, str],
    tx: dict[str, str],
    src: dict[str, list[str]],
    lang: str,
) -> dict[str, Any]:
    source = tx["source_generic"].format(sources=_join_sources(src, lang, tx, ("financing",)))
    empty = {"empty": tx["no_data"].format(what=tx["nd_financing"]), "source": source}
    if not (store.has_table("records") and store.has_table("matches")):
        return empty
    # The window is the calendar year of the latest matched financing event on or before
    # the cut-off, from January to that event's month: a data pack whose financing stops
    # before the cut-off still gets its latest year reported (and the title says which).
    row = store.sql(
        "SELECT max(r.date) AS d FROM records r JOIN matches m USING (record_id) "
        "WHERE r.kind = 'financing' AND r.date <= CAST(? AS DATE)",
        [as_of or "9999-12-31"],
    )
    end = _as_date_str(row["d"][0]) if row.height and row["d"][0] is not None else None
    if end is None:
        return empty
    year, month = int(end[:4]), int(end[5:7])
    start = f"{year}-01-01"
    fin = store.sql(
        "SELECT r.record_id, r.date, r.amount_point_cny, r.amount_low_cny, r.amount_high_cny, "
        "r.round, m.subfield_id FROM records r JOIN matches m USING (record_id) "
        "WHERE r.kind = 'financing' AND r.date >= CAST(? AS DATE) AND r.date <= CAST(? AS DATE) "
        "ORDER BY r.record_id, m.subfield_id",
        [start, end],
    )
    if fin.height == 0:
        return empty
    events: dict[str, dict[str, Any]] = {}
    for r in fin.iter_rows(named=True):
        e = events.setdefault(
            str(r["record_id"]),
            {
                "date": r["date"],
                "point": r["amount_point_cny"],
                "low": r["amount_low_cny"],
                "high": r["amount_high_cny"],
                "round": r["round"],
                "subfields": [],
            },
        )
        e["subfields"].append(str(r["subfield_id"]))

    def amt(v: Any) -> float:
        return 0.0 if v is None or _isnan(v) else float(v)

    months: list[dict[str, Any]] = []
    for m in range(1, month + 1):
        evs = [e for e in events.values() if e["date"].month == m]
        months.append(
            {
                "month": m,
                "label": tx["month"].format(m=m, mon=MONTHS_EN[m - 1]),
                "amount_yi": round(sum(amt(e["point"]) for e in evs) / YI, 4),
                "events": len(evs),
            }
        )
    total_point = sum(amt(e["point"]) for e in events.values())
    total_low = sum(amt(e["low"]) for e in events.values())
    total_high = sum(amt(e["high"]) for e in events.values())
    undisclosed = sum(1 for e in events.values() if e["point"] is None or _isnan(e["point"]))
    vague = sum(
        1
        for e in events.values()
        if e["low"] is not None
        and e["high"] is not None
        and not _isnan(e["low"])
        and not _isnan(e["high"])
        and e["low"] != e["high"]
    )
    big = sum(1 for e in events.values() if amt(e["point"]) >= YI)
    window = tx["window"].format(y=year, m=month, mon=MONTHS_EN[month - 1])

    # equal split of an event's amount among the sub-fields it matched
    by_sf: dict[str, float] = {}
    for e in events.values():
        share = amt(e["point"]) / len(e["subfields"])
        for s in e["subfields"]:
            by_sf[s] = by_sf.get(s, 0.0) + share
    by_dom: dict[str, float] = {}
    for s, v in by_sf.items():
        d = sf_domain.get(s, "")
        by_dom[d] = by_dom.get(d, 0.0) + v
    doms = [d for d in sorted(by_dom, key=lambda d: -by_dom[d]) if by_dom[d] > 0]
    centi = largest_remainder([by_dom[d] for d in doms])
    domains: list[dict[str, Any]] = []
    for d, c in zip(doms, centi, strict=True):
        subs = sorted((s for s in by_sf if sf_domain.get(s, "") == d), key=lambda s: -by_sf[s])
        domains.append(
            {
                "domain_id": d,
                "name": dom_name.get(d, d or "?"),
                "color": colors.get(d, "#888888"),
                "amount_yi": round(by_dom[d] / YI, 4),
                "share_centi": c,
                "share_pct": c / 100,
                "top_subfield": sf_name.get(subs[0], subs[0]) if subs else None,
            }
        )
    rounds_n = {g: 0 for g in ROUND_GROUPS}
    rounds_amt = {g: 0.0 for g in ROUND_GROUPS}
    for e in events.values():
        g = round_group(e["round"])
        rounds_n[g] += 1
        rounds_amt[g] += amt(e["point"])
    rc = largest_remainder([rounds_n[g] for g in ROUND_GROUPS])
    rounds: list[dict[str, Any]] = [
        {
            "group": g,
            "label": tx["round_" + g],
            "events": rounds_n[g],
            "share_centi": c,
            "share_pct": c / 100,
            "amount_yi": round(rounds_amt[g] / YI, 4),
        }
        for g, c in zip(ROUND_GROUPS, rc, strict=True)
    ]
    early_centi = rc[0] + rc[1]
    subs_sorted = sorted(by_sf, key=lambda s: (-by_sf[s], s))
    subfields: list[dict[str, Any]] = [
        {
            "subfield_id": s,
            "name": sf_name.get(s, s),
            "domain_id": sf_domain.get(s, ""),
            "domain": dom_name.get(sf_domain.get(s, ""), ""),
            "color": colors.get(sf_domain.get(s, ""), "#888888"),
            "amount_yi": round(by_sf[s] / YI, 4),
        }
        for s in subs_sorted
        if by_sf[s] > 0
    ]
    # printed amounts (0.1 亿) rounded so that each table's rows add up to its printed total
    total_text = fmt_yi(total_point / YI)
    table_rows: list[list[dict[str, Any]]] = [months, domains, rounds]
    for trows in table_rows:
        printed = round_to_total([r["amount_yi"] for r in trows], total_point / YI)
        for trow, txt in zip(trows, printed, strict=True):
            trow["amount_text"] = txt
    peak = max(months, key=lambda m: m["amount_yi"])
    n_events = len(events)
    sep = "、" if lang == "zh" else ", "
    out: dict[str, Any] = {
        "empty": None,
        "window": {"start": start, "end": end, "label": window},
        "events": n_events,
        "amount_yi": round(total_point / YI, 4),
        "amount_low_yi": round(total_low / YI, 4),
        "amount_high_yi": round(total_high / YI, 4),
        "amount_text": total_text,
        "undisclosed": undisclosed,
        "vague": vague,
        "yi_level_events": big,
        "months": months,
        "domains": domains,
        "domain_shares_sum_centi": sum(d["share_centi"] for d in domains),
        "rounds": rounds,
        "round_shares_sum_centi": sum(r["share_centi"] for r in rounds),
        "early_share_pct": early_centi / 100,
        "subfields": subfields,
        "month_title": tx["month_title"].format(
            window=window,
            amount=fmt_yi(total_point / YI),
            events=fmt_int(n_events),
            peak=peak["label"],
            peak_amount=peak["amount_text"],
        ),
        "round_title": tx["round_title"].format(share=fmt_pct(early_centi / 100)),
        "tree_title": tx["tree_title"].format(names=sep.join(s["name"] for s in subfields[:3]))
        if subfields
        else "",
        "note": tx["fin_note"].format(
            low=fmt_yi(total_low / YI),
            high=fmt_yi(total_high / YI),
            undisclosed=undisclosed,
            vague=vague,
            big=big,
        ),
        "source": source,
    }
    if len(domains) >= 2:
        out["domain_title"] = tx["dom_title"].format(
            d1=domains[0]["name"],
            d2=domains[1]["name"],
            s2=fmt_pct((domains[0]["share_centi"] + domains[1]["share_centi"]) / 100),
        )
    elif domains:
        out["domain_title"] = tx["dom_title_one"].format(
            d1=domains[0]["name"], s1=fmt_pct(domains[0]["share_pct"])
        )
    else:
        out["domain_title"] = ""
    return out


def _reasons_text(v: Any) -> str:
    if v is None:
        return ""
    items: Any = v
    if isinstance(v, str):
        try:
            items = json.loads(v)
        except json.JSONDecodeError:
            return v
    if isinstance(items, list):
        return "；".join(
            str(i.get("text") or i.get("indicator") or "") if isinstance(i, dict) else str(i)
            for i in items
        )
    return str(items)


def _reason_items(v: Any) -> list[dict[str, Any]]:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            return []
    return [i for i in v if isinstance(i, dict)] if isinstance(v, list) else []


def _appendix(
    sel: pl.DataFrame,
    srows: list[dict[str, Any]],
    sf_rows: dict[str, dict[str, Any]],
    sf_name: dict[str, str],
    sf_domain: dict[str, str],
    dom_name: dict[str, str],
    lang: str,
) -> list[dict[str, Any]]:
    by_sum = {r["subfield_id"]: r for r in srows}
    band_names = BAND_NAMES[lang]
    rows: list[dict[str, Any]] = []
    for r in sel.iter_rows(named=True):
        sid = str(r["subfield_id"])
        phase = r.get("plot_phase")
        try:
            ph = Phase.parse(phase) if phase else None
        except ValueError:
            ph = None
        model_phase = r.get("phase")
        expert = None
        if r.get("expert_phase") or r.get("expert_position") is not None:
            who = r.get("expert_who") or ""
            why = r.get("expert_why") or ""
            expert = "；".join(x for x in (str(who), str(why)) if x)
        band_raw = r.get("plot_band")
        try:
            band = YearsBand.parse(band_raw) if band_raw else None
        except ValueError:
            band = None
        s = by_sum.get(sid, {})
        pos = r.get("plot_position")
        conf = r.get("confidence")
        rows.append(
            {
                "subfield_id": sid,
                "name": sf_name.get(sid, sid),
                "domain": dom_name.get(sf_domain.get(sid, ""), sf_domain.get(sid, "")),
                "status": r.get("status"),
                "phase": (ph.zh if lang == "zh" else ph.en) if ph else "–",
                "model_phase": model_phase if model_phase and model_phase != phase else None,
                "position": None if pos is None or _isnan(pos) else round(float(pos), 3),
                "years_band": band_names.get(band, "–") if band else "–",
                "confidence": None if conf is None or _isnan(conf) else round(float(conf), 2),
                "reasons": _reasons_text(r.get("reasons")),
                "reason_items": _reason_items(r.get("reasons")),
                "expert": expert,
                "patents_cum": s.get("patents_cum"),
                "birth_year": s.get("birth_year"),
                "opinion_index": None
                if s.get("opinion_index") is None or _isnan(s.get("opinion_index"))
                else round(float(s["opinion_index"]), 2),
                "query": str(sf_rows.get(sid, {}).get("query") or ""),
            }
        )
    rows.sort(
        key=lambda x: (x["domain"], -1 if x["position"] is None else -x["position"], x["name"])
    )
    return rows


MISSING: dict[str, dict[str, str]] = {
    "zh": {
        "evidence_years": "有证据的年份仅 {v} 年",
        "patents_cum": "无专利与论文",
        "opinion_index": "无媒体、关注度与融资数据",
        "s_curve": "累计专利/论文年份不足",
        "attention_bell": "关注度年份不足",
        "none": "未评估",
        "sep": "；",
    },
    "en": {
        "evidence_years": "only {v} year(s) with evidence",
        "patents_cum": "no patents or papers",
        "opinion_index": "no media, attention or financing data",
        "s_curve": "too few years of patents/papers",
        "attention_bell": "too few years of attention",
        "none": "not assessed",
        "sep": "; ",
    },
}


def _insufficient(rows: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The sub-fields not on the curve, each with a short "what is missing"."""
    words = MISSING[lang]
    out = []
    for r in rows:
        items = r.pop("reason_items", None) or []
        missing = []
        for it in items:
            ind = str(it.get("indicator") or "")
            v = it.get("value")
            if ind in words:
                num = "–" if v is None else f"{float(v):.0f}"
                missing.append(words[ind].format(v=num))
            elif it.get("text"):
                missing.append(str(it["text"]))
        out.append({**r, "missing": words["sep"].join(dict.fromkeys(missing)) or words["none"]})
    return {"count": len(out), "rows": out}


def _add_series(store: Store, rows: list[dict[str, Any]], as_of: str | None, lang: str) -> None:
    """Each card's yearly series, fitted S-curve and bell (see :mod:`.series`)."""
    if not rows:
        return
    year: int | None = int(as_of[:4]) if as_of else None
    if year is None and store.has_table("indicators"):
        y = store.sql("SELECT max(year) AS y FROM indicators")["y"][0]
        year = int(y) if y is not None else None
    if year is None:
        for r in rows:
            r["chart"] = {"series": None, "s_fit": None, "bell_fit": None, "caption": ""}
        return
    cards = subfield_series(
        store, [r["subfield_id"] for r in rows], year, coverage_end(store, year), lang
    )
    for r in rows:
        r["chart"] = cards[r["subfield_id"]]


def _conclusions(
    data: dict[str, Any], srows: list[dict[str, Any]], tx: dict[str, str], lang: str
) -> dict[str, Any]:
    items: list[str] = []
    corr: dict[str, Any] | None = None
    pairs = [
        (float(r["opinion_index"]), float(r["patents_cum"]))
        for r in srows
        if r["opinion_index"] is not None
        and r["patents_cum"] is not None
        and not _isnan(r["opinion_index"])
        and not _isnan(r["patents_cum"])
    ]
    if len(pairs) >= 3:
        from scipy.stats import spearmanr

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
        rho, pval = float(res.statistic), float(res.pvalue)
        if not math.isnan(rho):
            strength = "strong" if abs(rho) >= 0.6 else "moderate" if abs(rho) >= 0.3 else "weak"
            corr = {"rho": round(rho, 4), "p_value": pval, "n": len(pairs), "strength": strength}
            items.append(
                tx["c_corr"].format(
                    strength=tx["strength_" + strength],
                    n=len(pairs),
                    rho=fmt_num(rho),
                    p=f"{pval:.2g}",
                )
            )
    pat = data["patents"]
    if pat.get("domains"):
        d = pat["domains"]
        items.append(
            tx["c_patent"].format(
                d1=d[0]["name"], s1=fmt_pct(d[0]["share_pct"]), s3=fmt_pct(pat["top3_share_pct"])
            )
        )
    fin = data["financing"]
    if not fin.get("empty"):
        ds = fin["domains"]
        if len(ds) >= 2:
            items.append(
                tx["c_fin"].format(
                    window=fin["window"]["label"],
                    amount=fmt_yi(fin["amount_yi"]),
                    events=fmt_int(fin["events"]),
                    d1=ds[0]["name"],
                    d2=ds[1]["name"],
                    s2=fmt_pct((ds[0]["share_centi"] + ds[1]["share_centi"]) / 100),
                )
            )
        items.append(tx["c_round"].format(share=fmt_pct(fin["early_share_pct"])))
    cur = data["curve"]
    if cur["n_points"]:
        top = max(cur["phase_counts"], key=lambda c: c["count"])
        items.append(tx["c_phase"].format(n=cur["n_points"], k=top["count"], phase=top["name"]))
    return {
        "items": items,
        "spearman": corr,
        "empty": None if corr else tx["no_data"].format(what=tx["nd_corr"]),
    }


# -- figures --------------------------------------------------------------------------
def _figures(data: dict[str, Any], tables: _Tables, lang: str) -> dict[str, Markup]:
    tx = TEXT[lang]
    figs: dict[str, Markup] = {}

    def add(name: str, fig: Any) -> None:
        figs[name] = Markup(figure_svg(fig))  # noqa: S704 - SVG from matplotlib, text as paths

    pat = data["patents"]
    if pat.get("domains"):
        d = pat["domains"]
        add(
            "patent_share",
            donut_chart(
                [x["name"] for x in d],
                [x["patents"] for x in d],
                colors=[x["color"] for x in d],
                value_labels=[fmt_pct(x["share_pct"]) for x in d],
                title=tx["chart_patent"],
            ),
        )
        t = pat["top10"]
        legend = {x["domain"]: data["domain_colors"].get(x["domain_id"], "#888888") for x in t}
        add(
            "top10",
            top_bar_chart(
                [x["name"] for x in t],
                [x["patents"] for x in t],
                colors=[data["domain_colors"].get(x["domain_id"], "#888888") for x in t],
                legend=legend,
                title=tx["chart_top"],
            ),
        )
    fin = data["financing"]
    if not fin.get("empty"):
        w = fin["window"]["label"]
        add(
            "fin_month",
            financing_month_chart(
                [m["label"] for m in fin["months"]],
                [m["amount_yi"] for m in fin["months"]],
                [m["events"] for m in fin["months"]],
                amount_label=tx["amount_label"],
                events_label=tx["events_label"],
                title=tx["chart_month"].format(window=w),
            ),
        )
        if fin["domains"]:
            add(
                "fin_domain",
                donut_chart(
                    [x["name"] for x in fin["domains"]],
                    [x["amount_yi"] for x in fin["domains"]],
                    colors=[x["color"] for x in fin["domains"]],
                    value_labels=[fmt_pct(x["share_pct"]) for x in fin["domains"]],
                    title=tx["chart_dom"].format(window=w),
                ),
            )
        rounds = [r for r in fin["rounds"] if r["events"]]
        if rounds:
            add(
                "fin_round",
                donut_chart(
                    [r["label"] for r in rounds],
                    [r["events"] for r in rounds],
                    colors=["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#9a9a9a"][: len(rounds)]
                    if len(rounds) == 5
                    else None,
                    value_labels=[fmt_pct(r["share_pct"]) for r in rounds],
                    center_text=tx["early_callout"].format(share=fmt_pct(fin["early_share_pct"])),
                    title=tx["chart_round"].format(window=w),
                ),
            )
        if fin["subfields"]:
            legend = {x["name"]: x["color"] for x in fin["domains"]}
            add(
                "fin_tree",
                treemap_chart(
                    [s["name"] for s in fin["subfields"]],
                    [s["amount_yi"] for s in fin["subfields"]],
                    [s["color"] for s in fin["subfields"]],
                    legend=legend,
                    title=tx["chart_tree"].format(window=w),
                ),
            )
    titles = (tx["chart_sf_left"], tx["chart_sf_right"])
    sheet = GlyphSheet()  # the cards' charts share one set of glyph outlines
    for r in data["appendix"]:
        ch = r.get("chart") or {}
        ser = ch.get("series")
        if not ser:
            continue
        x0, x1 = ser["years"][0], max(ser["years"][-1], ch["as_of_year"])
        s_fit, b_fit = ch.get("s_fit") or {}, ch.get("bell_fit") or {}
        svg = series_svg(
            ser["years"],
            patents=ser["patents"],
            papers=ser["papers"],
            cumulative=ser["cumulative_values"] or (),
            s_fit=fitted_points(s_fit, x0, x1),
            kappa=s_fit.get("kappa") if s_fit.get("identified") else None,
            attention=ser["attention_values"] or (),
            bell_fit=fitted_points(b_fit, x0, x1),
            as_of_year=ch["as_of_year"],
            data_end=ch.get("data_end"),
            titles=titles,
            glyphs=sheet,
        )
        figs["sf-" + r["subfield_id"]] = Markup(svg)  # noqa: S704 - our SVG, text as paths
    if sheet.used:
        figs["glyphs"] = Markup(sheet.svg())  # noqa: S704 - glyph outlines for the cards
    if data["curve"]["n_points"]:
        add(
            "curve",
            draw_curve(
                tables.assessments,
                tables.subfields,
                tables.domains,
                lang=lang,
                title=data["title"],
                cutoff=data["as_of"],
                source_line=data["curve"]["source"],
            ),
        )
    return figs


def data_json_path(out_path: Path) -> Path:
    """Where :func:`build_report` writes the report data: ``report.html`` → ``report.data.json``."""
    return out_path.with_name(out_path.stem + ".data.json")


def build_report(
    store: Store,
    out_path: Path,
    *,
    lang: str = "zh",
    as_of: str | None = None,
    title: str | None = None,
) -> Path:
    """Write the self-contained HTML (or, for ``.pdf``, its print) and its data beside it.

    A ``.pdf`` is the same HTML printed by headless Chromium (see
    :mod:`techcurve.report.pdf`); without Chromium that raises :class:`ReportError`
    saying to run ``make setup``.

    ``as_of`` (YYYY-MM-DD) is the data cut-off (by default the assessments' own as-of
    date); financing pages cover the calendar year of the latest matched financing event
    on or before it, from January to that event's month. The report data
    dict (every number the report prints) goes to :func:`data_json_path`.
    Raises :class:`ReportError` when the store has no assessments.
    """
    if lang not in TEXT:
        raise ReportError(f"unknown report language {lang!r} (expected 'zh' or 'en')")
    out_path = Path(out_path)
    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("html", "htm", "pdf"):
        raise ReportError(
            f"cannot write the report as {out_path.name}: use a .html or .pdf file name"
        )
    if fmt == "pdf":
        find_chromium()  # fail before the work when the PDF cannot be printed
    data, tables = _compute(store, lang=lang, as_of=as_of, title=title)
    figs = _figures(data, tables, lang)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    html = env.get_template("report.html.j2").render(
        d=data, fig=figs, L=LABELS[lang], version=__version__
    )
    # the text's glyphs travel with the file: it renders without any CJK system font
    # (only which characters occur matters: the subsetter need not read the text 1,000×)
    glyphs = "".join(sorted(set(_visible_text(html))))
    html = html.replace("/*@font-face*/", font_face_css(glyphs), 1)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            with tempfile.TemporaryDirectory(prefix="techcurve-report-") as tmp:
                page = Path(tmp) / (out_path.stem + ".html")
                page.write_text(html, encoding="utf-8")
                html_to_pdf(page, out_path)
        else:
            out_path.write_text(html, encoding="utf-8")
        data_json_path(out_path).write_text(
            json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
    except OSError as e:
        raise ReportError(f"cannot write the report to {out_path}: {e.strerror or e}") from None
    return out_path


def _visible_text(html: str) -> str:
    """The characters a page can show: the HTML without its inline SVG (drawn as paths)."""
    return re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)


#: Up to 5 matched records per sub-field, the most recent first (then by id). The 5 are
#: picked by a top-5 aggregate over (record id, year) per sub-field; only they are
#: joined back to the records for their titles, not every link.
_SAMPLES_SQL = """
WITH top AS (
    SELECT m.subfield_id,
        unnest(arg_min({'record_id': m.record_id, 'year': r.year, 'terms': m.terms},
                       (r.year IS NULL, -r.year, m.record_id), 5)) AS s
    FROM matches m JOIN records r USING (record_id)
    GROUP BY m.subfield_id
)
SELECT t.subfield_id, r.kind, r.source, t.s.year AS year, r.title, t.s.terms AS terms
FROM top t JOIN records r ON r.record_id = t.s.record_id
ORDER BY t.subfield_id, t.s.year DESC NULLS LAST, t.s.record_id
"""


def _add_appendix_details(
    store: Store, rows: list[dict[str, Any]], summary: pl.DataFrame | None, lang: str
) -> None:
    """Indicators beyond the table's columns and up to 5 sample records per sub-field.

    Sample records are the most recent matched ones, each with the query terms that
    fired, so a reader can see what the query actually catches.
    """
    by_sum: dict[str, dict[str, Any]] = {}
    if summary is not None:
        by_sum = {str(r["subfield_id"]): r for r in summary.iter_rows(named=True)}
    samples: dict[str, list[dict[str, Any]]] = {}
    if store.has_table("matches") and store.has_table("records"):
        for r in store.sql(_SAMPLES_SQL).iter_rows(named=True):
            samples.setdefault(str(r["subfield_id"]), []).append(
                {
                    "kind": r["kind"],
                    "source": source_display_name(str(r["source"]), lang),
                    "year": r["year"],
                    "title": (r["title"] or "").strip()[:200],
                    "terms": r["terms"] or "",
                }
            )
    keys = (
        "papers_cum",
        "articles_total",
        "fin_events",
        "fin_amount_point_cny",
        "evidence_years",
        "attention_peak_year",
    )
    for row in rows:
        s = by_sum.get(row["subfield_id"], {})
        ind = {k: s.get(k) for k in keys if k in s}
        point = ind.pop("fin_amount_point_cny", None)
        if point is not None:
            ind["fin_amount_yi"] = round(float(point) / YI, 4)
        row["indicators"] = ind
        row["samples"] = samples.get(row["subfield_id"], [])
