"""The snapshot model's inputs: the thresholds learnt from all sub-fields, and the
signals (maturity, hype, the attention series' shape) read from one summary row."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.assess._base import check_columns, clip01, num, to_date
from techcurve.assess.snapshot_settings import SnapshotSettings
from techcurve.datatypes import Reason
from techcurve.errors import AssessError

_R = "reasons.snapshot."

SUMMARY_REQUIRED = (
    "subfield_id",
    "as_of",
    "patents_cum",
    "papers_cum",
    "birth_year",
    "articles_total",
    "opinion_index",
    "fin_events",
    "attention_peak_year",
    "attention_vs_peak",
    "attention_growth",
    "patent_growth",
    "paper_growth",
    "evidence_years",
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What :func:`learn_thresholds` learns from the summary of all sub-fields."""

    patents_low: float
    patents_high: float
    patents_max: float
    papers_low: float
    papers_high: float
    papers_max: float
    opinion_hot: float
    fin_hot: float
    fin_max: float
    attention_hot: float


@dataclass(frozen=True, slots=True)
class Signals:
    """What the rules look at for one sub-field (None = not known)."""

    year: int
    patents: float
    papers: float
    age: float | None
    birth_year: int | None
    s_patents: float
    s_age: float | None
    maturity: float
    opinion: float | None
    fin_events: float | None
    fin_amount: float | None
    hype: float | None
    attention: float | None  # latest attention level, 0–100 on the common scale
    ratio: float | None  # attention now / its own peak
    peak_year: int | None
    growth: float | None
    patent_growth: float | None
    paper_growth: float | None
    evidence_years: float


FALLBACK_PATENTS = (10.0, 100.0)
"""The patent marks (low, high) used when too few sub-fields have patents to learn them
from (an articles-only store, say) and the settings fix none."""


def patents_ranked(summary: pl.DataFrame, cfg: SnapshotSettings) -> bool:
    """Whether the patent marks are the settings' or learnt from enough sub-fields with
    patents (``min_fit_subfields``); if not, :data:`FALLBACK_PATENTS` stand in."""
    fixed = cfg.patents_low is not None and cfg.patents_high is not None
    return fixed or len(_positive(summary["patents_cum"])) >= cfg.min_fit_subfields


def unranked_reason(summary: pl.DataFrame, cfg: SnapshotSettings) -> Reason:
    """What a placement says when the patent marks could not be learnt."""
    values = {
        "got": len(_positive(summary["patents_cum"])),
        "n": cfg.min_fit_subfields,
        "low": FALLBACK_PATENTS[0],
        "high": FALLBACK_PATENTS[1],
    }
    return Reason("patents_cum", None, _R + "patents_unranked", values)


def learn_thresholds(summary: pl.DataFrame, cfg: SnapshotSettings) -> Thresholds:
    """The patent, opinion, financing and attention thresholds of ``summary``'s
    sub-fields (quantiles, unless the settings fix them)."""
    patents = _positive(summary["patents_cum"])
    ranked = patents_ranked(summary, cfg)  # if not: fixed marks, and each placement says so
    low = cfg.patents_low
    if low is None:
        low = _quantile(patents, cfg.patents_low_q) if ranked else FALLBACK_PATENTS[0]
    high = cfg.patents_high
    if high is None:
        high = _quantile(patents, cfg.patents_high_q) if ranked else FALLBACK_PATENTS[1]
    low = max(float(low), 1.0)
    high = max(float(high), low * 1.5)  # tied quantiles: keep a usable middle band
    papers = _positive(summary["papers_cum"]) or [1.0]
    p_low = max(_quantile(papers, cfg.patents_low_q), 1.0)
    p_high = max(_quantile(papers, cfg.patents_high_q), p_low * 1.5)
    opinion = _nonnull(summary["opinion_index"])
    fin = _nonnull(summary["fin_events"])
    fhot = max(_hot_mark(fin, cfg.fin_hot, cfg.fin_hot_q, 1.0), 1.0)
    att = _nonnull(summary["attention_latest"]) if "attention_latest" in summary.columns else []
    return Thresholds(
        patents_low=low,
        patents_high=high,
        patents_max=float(max([high * 2.0, *patents])),
        papers_low=p_low,
        papers_high=p_high,
        papers_max=float(max([p_high * 2.0, *papers])),
        opinion_hot=min(
            max(_hot_mark(opinion, cfg.opinion_hot, cfg.opinion_hot_q, 50.0), 1e-6), 99.0
        ),
        fin_hot=fhot,
        fin_max=float(max([fhot * 2.0, *fin])),
        attention_hot=min(
            max(_hot_mark(att, cfg.attention_hot, cfg.attention_hot_q, 50.0), 1e-6), 99.0
        ),
    )


def _hot_mark(values: list[float], fixed: float | None, q: float, default: float) -> float:
    """A fixed mark, else the ``q`` quantile of ``values``, else ``default``."""
    if fixed is not None:
        return float(fixed)
    if values:
        return _quantile(values, q)
    return default


def check_summary(summary: pl.DataFrame) -> None:
    """Raise AssessError when ``summary`` lacks a column the rules read."""
    check_columns(summary, SUMMARY_REQUIRED, "summary")


def missing_evidence(row: Mapping[str, Any], cfg: SnapshotSettings) -> list[Reason]:
    """Why ``row`` cannot be placed (empty when it can)."""
    out: list[Reason] = []
    years = num(row.get("evidence_years")) or 0.0
    if years < cfg.min_evidence_years:
        out.append(
            Reason(
                "evidence_years",
                years,
                _R + "too_few_years",
                {"years": years, "needed": cfg.min_evidence_years},
            )
        )
    patents = num(row.get("patents_cum")) or 0.0
    papers = num(row.get("papers_cum")) or 0.0
    if patents <= 0 and papers <= 0:
        out.append(Reason("patents_cum", 0.0, _R + "no_patents_or_papers"))
    if cfg.require_attention and not _has_attention(row):
        out.append(Reason("opinion_index", None, _R + "no_attention"))
    elif cfg.require_attention and _no_recent_hype(row):
        latest = int(num(row.get("hype_latest_year")) or 0)
        values = {"since": latest - 2, "latest": latest}
        out.append(Reason("hype_sources", 0.0, _R + "no_recent_hype", values))
    return out


def _no_recent_hype(row: Mapping[str, Any]) -> bool:
    """The store has hype sources (``hype_latest_year``) but none matched the sub-field
    in the last three years, and no attention series says otherwise."""
    return (
        num(row.get("hype_latest_year")) is not None
        and (num(row.get("hype_sources")) or 0) == 0
        and num(row.get("attention_latest_year")) is None
    )


#: summary column of the shares-based hype side → the attention column it stands in for
HYPE_FOR_ATTENTION = {
    "attention_vs_peak": "hype_vs_peak",
    "attention_peak_year": "hype_peak_year",
    "attention_growth": "hype_growth",
}


def merge_hype(summary: pl.DataFrame) -> pl.DataFrame:
    """The summary with the shares-based hype side (``hype_*``, read against each
    source's own items) standing in for the attention series where it is known: level
    (×100, on the attention scale), fall from its peak, peak year and growth. Without
    ``hype_*`` columns (an older store) the summary is returned unchanged."""
    if "hype_level" not in summary.columns:
        return summary
    level = pl.col("hype_level") * 100.0
    att = pl.col("attention_latest") if "attention_latest" in summary.columns else None
    exprs = [
        pl.coalesce(pl.col(h), pl.col(a)).alias(a)
        for a, h in HYPE_FOR_ATTENTION.items()
        if h in summary.columns
    ]
    latest = level if att is None else pl.max_horizontal(level, att)
    exprs.append(latest.alias("attention_latest"))
    return summary.with_columns(exprs)


def read_signals(row: Mapping[str, Any], cfg: SnapshotSettings, th: Thresholds) -> Signals:
    """The signals of one summary row, scored against the learnt thresholds."""
    year = to_date(row["as_of"]).year
    patents = num(row.get("patents_cum")) or 0.0
    papers = num(row.get("papers_cum")) or 0.0
    s_p = max(
        _band_score(
            math.log1p(patents),
            math.log1p(th.patents_low),
            math.log1p(th.patents_high),
            math.log1p(th.patents_max),
            cfg.patents_low_q,
            cfg.patents_high_q,
        ),
        # papers count too, discounted: papers lead patents by years (MODELS-NOTES)
        cfg.paper_discount
        * _band_score(
            math.log1p(papers),
            math.log1p(th.papers_low),
            math.log1p(th.papers_high),
            math.log1p(th.papers_max),
            cfg.patents_low_q,
            cfg.patents_high_q,
        ),
    )
    birth = num(row.get("birth_year"))
    age = max(0.0, year - birth) if birth is not None else None
    s_a = clip01(age / cfg.mature_age) if age is not None else None
    w = cfg.patent_weight
    ratio = num(row.get("attention_vs_peak"))
    peak = num(row.get("attention_peak_year"))
    return Signals(
        year=year,
        patents=patents,
        papers=papers,
        age=age,
        birth_year=int(birth) if birth is not None else None,
        s_patents=s_p,
        s_age=s_a,
        maturity=s_p if s_a is None else w * s_p + (1 - w) * s_a,
        opinion=num(row.get("opinion_index")),
        fin_events=num(row.get("fin_events")),
        fin_amount=num(row.get("fin_amount_point_cny")),
        hype=hype_level(row, cfg, th),
        attention=num(row.get("attention_latest")),
        ratio=clip01(ratio) if ratio is not None else None,
        peak_year=int(peak) if peak is not None else None,
        growth=num(row.get("attention_growth")),
        patent_growth=num(row.get("patent_growth")),
        paper_growth=num(row.get("paper_growth")),
        evidence_years=num(row.get("evidence_years")) or 0.0,
    )


def hype_level(row: Mapping[str, Any], cfg: SnapshotSettings, th: Thresholds) -> float | None:
    """The hype level H (0–1) from the opinion index, financing and the latest attention
    level: the weighted mean of the parts that are known (None when none is)."""
    opinion = num(row.get("opinion_index"))
    fin = num(row.get("fin_events"))
    att = num(row.get("attention_latest"))
    h_op = (
        _band_score(opinion, 0.0, th.opinion_hot, 100.0, 0.0, cfg.hot_level)
        if opinion is not None
        else None
    )
    h_fin = (
        _band_score(
            math.log1p(fin),
            0.0,
            math.log1p(th.fin_hot),
            math.log1p(th.fin_max),
            0.0,
            cfg.hot_level,
        )
        if fin is not None
        else None
    )
    h_att = (
        _band_score(att, 0.0, th.attention_hot, 100.0, 0.0, cfg.hot_level)
        if att is not None
        else None
    )
    # With opinion and financing only it is (1 − fin_weight)·opinion + fin_weight·financing.
    parts = [
        (h, w)
        for h, w in (
            (h_op, 1 - cfg.fin_weight),
            (h_fin, cfg.fin_weight),
            (h_att, cfg.attention_weight),
        )
        if h is not None and w > 0
    ]
    if parts:
        return sum(h * w for h, w in parts) / sum(w for _, w in parts)
    return h_op if h_op is not None else (h_fin if h_fin is not None else h_att)


def _nonnull(series: pl.Series) -> list[float]:
    return [float(v) for v in series.to_list() if num(v) is not None]


def _positive(series: pl.Series) -> list[float]:
    return [v for v in _nonnull(series) if v > 0]


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default)."""
    xs = sorted(values)
    if not xs:
        raise AssessError.of("assess.snapshot.no_values")
    pos = q * (len(xs) - 1)
    i = int(math.floor(pos))
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (pos - i)


def _band_score(x: float, lo: float, hi: float, top: float, q_lo: float, q_hi: float) -> float:
    """Piecewise-linear score: 0 at 0, ``q_lo`` at ``lo``, ``q_hi`` at ``hi``, 1 at ``top``.

    With ``lo``/``hi`` the q_lo/q_hi quantiles this approximates the percentile rank,
    and it still works when the thresholds are fixed numbers rather than learnt.
    """
    if x <= 0:
        return 0.0
    if x < lo:
        return q_lo * x / lo
    if x < hi:
        return q_lo + (q_hi - q_lo) * (x - lo) / max(hi - lo, 1e-12)
    return q_hi + (1 - q_hi) * clip01((x - hi) / max(top - hi, 1e-12))


def _has_attention(row: Mapping[str, Any]) -> bool:
    return (
        (num(row.get("articles_total")) or 0) > 0
        or (num(row.get("opinion_index")) or 0) > 0
        or num(row.get("attention_vs_peak")) is not None
        or (num(row.get("fin_events")) or 0) > 0
        or (num(row.get("attention_latest")) or 0) > 0
    )


__all__ = [
    "SUMMARY_REQUIRED",
    "Signals",
    "Thresholds",
    "check_summary",
    "hype_level",
    "learn_thresholds",
    "merge_hype",
    "missing_evidence",
    "read_signals",
]
