"""The key conclusions: sentences restating the numbers of the other pages, and the rank
correlation of attention and maturity."""

from __future__ import annotations

import math
from importlib import metadata

import numpy as np

from techcurve import cache
from techcurve.report.context import ReportContext
from techcurve.report.format import fmt_int, fmt_num, fmt_pct, fmt_yi, is_nan
from techcurve.report.model import (
    ConclusionsPage,
    CurvePage,
    FinancingPage,
    PatentsPage,
    Spearman,
)
from techcurve.report.provenance import KINDS
from techcurve.text import Lang, t


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank (``scipy.stats.rankdata``'s default)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first = np.concatenate(([True], xs[1:] != xs[:-1]))
    starts = np.concatenate((np.flatnonzero(first), [len(x)]))
    mean_rank = (starts[:-1] + starts[1:] + 1) / 2.0
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = mean_rank[np.cumsum(first) - 1]
    return ranks


def _spearmanr(x: list[float], y: list[float]) -> tuple[float, float]:
    """ρ and its two-sided p-value, computed as ``scipy.stats.spearmanr`` computes them
    (ranks, ``np.corrcoef`` of the two rank columns, Student's t with n − 2 degrees of
    freedom): the same numbers without importing ``scipy.stats`` (~0.5 s,
    docs/performance.md). NaN when an input is constant."""
    a = np.column_stack((np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)))
    if (a[:, 0][0] == a[:, 0]).all() or (a[:, 1][0] == a[:, 1]).all():
        return math.nan, math.nan
    ranked = np.column_stack((_average_ranks(a[:, 0]), _average_ranks(a[:, 1])))
    rs = np.corrcoef(ranked, rowvar=False)
    dof = len(x) - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = rs * np.sqrt((dof / ((rs + 1.0) * (1.0 - rs))).clip(0))
    return float(rs[1, 0]), _two_sided_p(dof, t_stat)


#: at most this many p-values are kept (the newest; each a few bytes)
KEEP_P_VALUES = 256


def _two_sided_p(dof: int, t_stat: np.ndarray) -> float:
    """``2 · stdtr(dof, −|t|)`` of ``t_stat[1, 0]``, SciPy's number to the last bit, kept
    in the per-user cache (:mod:`techcurve.cache`) under SciPy's and NumPy's versions and
    the exact bits of ``dof`` and ``t``: importing ``scipy.special`` takes ~0.3 s of a
    report that needs it for this one number (docs/performance.md)."""
    t = float(t_stat[1, 0])
    path = cache.entry("stdtr", _versions(), dof, t.hex(), suffix=".txt")
    kept = cache.read(path)
    if kept is not None:
        try:
            return float.fromhex(kept.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass  # a damaged entry: computed again and rewritten
    from scipy.special import stdtr  # noqa: PLC0415 - only when the number is not kept

    prob = float((2 * stdtr(dof, -np.abs(t_stat)))[1, 0])
    cache.write(path, prob.hex().encode("ascii"))
    cache.trim("stdtr", KEEP_P_VALUES)
    return prob


def _versions() -> str:
    try:
        scipy = metadata.version("scipy")
    except metadata.PackageNotFoundError:
        scipy = "?"
    return f"scipy {scipy}|numpy {np.__version__}"


def spearman(ctx: ReportContext) -> tuple[Spearman, float] | None:
    """The rank correlation of opinion index and cumulative patents (≥ 3 sub-fields),
    and ρ unrounded (the sentence prints it to two decimals)."""
    pairs = [
        (float(r.opinion_index), float(r.patents_cum))
        for r in ctx.summary_rows
        if r.opinion_index is not None
        and r.patents_cum is not None
        and not is_nan(r.opinion_index)
        and not is_nan(r.patents_cum)
    ]
    if len(pairs) < 3:
        return None
    rho, pval = _spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
    if math.isnan(rho):
        return None
    strength = "strong" if abs(rho) >= 0.6 else "moderate" if abs(rho) >= 0.3 else "weak"
    return Spearman(rho=round(rho, 4), p_value=pval, n=len(pairs), strength=strength), rho


def _sentences(
    corr: tuple[Spearman, float] | None,
    pat: PatentsPage,
    fin: FinancingPage,
    cur: CurvePage,
    lang: Lang,
) -> list[str]:
    items: list[str] = []
    if corr is not None:
        sp, rho = corr
        items.append(
            t(
                "report.conclusion.corr",
                lang,
                strength=t(f"report.strength.{sp.strength}", lang),
                n=sp.n,
                rho=fmt_num(rho),
                p=f"{sp.p_value:.2g}",
            )
        )
    if pat.domains and pat.headlines:
        d = pat.domains
        s3 = fmt_pct(pat.headlines.top3_share_pct)
        items.append(
            t("report.conclusion.patent", lang, d1=d[0].name, s1=fmt_pct(d[0].share_pct), s3=s3)
        )
    if fin.detail is not None:
        f = fin.detail
        ds = f.domains
        if len(ds) >= 2:
            items.append(
                t(
                    "report.conclusion.fin",
                    lang,
                    window=f.window.label,
                    amount=fmt_yi(f.amount_yi),
                    events=fmt_int(f.events),
                    d1=ds[0].name,
                    d2=ds[1].name,
                    s2=fmt_pct((ds[0].share_centi + ds[1].share_centi) / 100),
                )
            )
        items.append(t("report.conclusion.round", lang, share=fmt_pct(f.early_share_pct)))
    if cur.n_points:
        top = max(cur.phase_counts, key=lambda c: c.count)
        items.append(
            t("report.conclusion.phase", lang, n=cur.n_points, k=top.count, phase=top.name)
        )
    return items


def conclusions_page(
    ctx: ReportContext, patents: PatentsPage, financing: FinancingPage, curve: CurvePage
) -> ConclusionsPage:
    corr = spearman(ctx)
    lang = ctx.lang
    return ConclusionsPage(
        items=tuple(_sentences(corr, patents, financing, curve, lang)),
        spearman=corr[0] if corr else None,
        empty=None if corr else t("report.no_data", lang, what=t("report.no_data.corr", lang)),
        provenance=ctx.provenance(KINDS),
    )
