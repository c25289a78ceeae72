"""The yearly series and fitted curves drawn on each sub-field's appendix card.

Per assessed sub-field, from the ``indicators`` table: patents and papers per year,
the cumulative series the time-series model fits an S-curve to (patents, else
papers), and the attention series it fits a hype bell to (attention, else articles,
else the opinion index). The fits are :func:`techcurve.assess.timeseries.fit_s_curve`
and :func:`~techcurve.assess.timeseries.fit_bell` with the
:class:`~techcurve.assess.timeseries.TimeSeriesModel` defaults, so the card shows the
curves that model would use, whichever model placed the sub-field.

A fit is reported as *identified* only when it can be trusted (the bell also needs
``min_years`` years with non-zero attention, fitted from the first of them): an S-curve whose
series is "still accelerating — saturation not yet identifiable" (the model's own
test) has no κ; a bell whose peak lies outside the observed years, whose width hits
its bound, or that explains less than half of the variance has no peak. Either way
the reason is kept, and the card says it.

Series stop where their evidence kind's **coverage** ends
(:func:`coverage_end`): a patent source that stops in 2015 makes every cumulative
patent series flat afterwards, and an S-curve fitted to that flat tail would find a
saturation that is only the end of the data.

>>> with Store.open("techcurve.duckdb") as st:                       # doctest: +SKIP
...     cov = coverage_end(st, 2022)
...     cards = subfield_series(st, ["llm"], 2022, cov, "zh")
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from techcurve.assess.timeseries import (
    BellFit,
    SFit,
    TimeSeriesModel,
    bell,
    fit_bell,
    fit_s_curve,
    gompertz,
    logistic,
)
from techcurve.indicators import volume_coverage_end
from techcurve.render.charts import SERIES_COLORS
from techcurve.store import Store

PLOT_YEARS = 30  # at most this many years before the as-of year are drawn
BELL_MIN_R2 = 0.5
S_KINDS = {"patents_cum": "patent", "papers_cum": "paper"}
POINTS = 40  # samples of a fitted curve in the chart: smooth enough, small SVG

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "patents_cum": "累计专利",
        "papers_cum": "累计论文",
        "attention": "关注度指数",
        "articles": "媒体文章数",
        "opinion_index": "舆论指数",
        "logistic": "Logistic",
        "gompertz": "Gompertz",
        "s_fit": "{curve} S 曲线（{series}）：κ ≈ {kappa}，拐点 {tm:.1f} 年，"
        "10%→90% 用时 Δt = {dt:.1f} 年，R² = {r2:.2f}；{last} 年达 κ 的 {share:.0%}",
        "s_accel": "{series}仍在加速增长——饱和点尚不可识别，未拟合 κ",
        "s_steady": "{series}仍在匀速增长——饱和点尚不可识别，未拟合 κ",
        "s_short": "{series}有数据的年份不足 {n} 年，无 S 曲线",
        "s_none": "无累计专利或论文序列，无 S 曲线",
        "s_fail": "{series}的 S 曲线拟合未收敛",
        "b_fit": "关注度钟形曲线（{series}）：峰值 {mu:.1f} 年，σ = {sigma:.1f} 年，R² = {r2:.2f}",
        "b_rising": "{series}仍在上升（拟合峰值 {mu:.0f} 年在数据之后）——峰值尚不可识别",
        "b_early": "{series}的拟合峰值 {mu:.0f} 年早于数据起点——峰值不可识别",
        "b_flat": "{series}没有明显的峰（σ 达到上限）——钟形曲线不可识别",
        "b_poor": "{series}的钟形曲线拟合不佳（R² = {r2:.2f}）——未画出",
        "b_short": "关注度序列有数据的年份不足 {n} 年，无钟形曲线",
        "b_fail": "{series}的钟形曲线拟合未收敛",
        "coverage": "{kind}数据截至 {year} 年，其后不计入",
        "kind_patent": "专利",
        "kind_paper": "论文",
        "and": "、",
        "no_series": "无逐年指标，无法绘制曲线",
        "sep": "；",
        "key_patents": "年度专利",
        "key_papers": "年度论文",
        "key_fit": "拟合曲线",
        "key_kappa": "κ（饱和值）",
        "key_as_of": "数据截止年份",
    },
    "en": {
        "patents_cum": "cumulative patents",
        "papers_cum": "cumulative papers",
        "attention": "attention index",
        "articles": "media articles",
        "opinion_index": "opinion index",
        "logistic": "Logistic",
        "gompertz": "Gompertz",
        "s_fit": "{curve} S-curve ({series}): κ ≈ {kappa}, inflection {tm:.1f}, "
        "10→90 % in Δt = {dt:.1f} years, R² = {r2:.2f}; {last} at {share:.0%} of κ",
        "s_accel": "{series} still accelerating — saturation not yet identifiable, no κ",
        "s_steady": "{series} still growing steadily — saturation not yet identifiable, no κ",
        "s_short": "{series}: fewer than {n} years with data, no S-curve",
        "s_none": "no cumulative patent or paper series, no S-curve",
        "s_fail": "{series}: the S-curve fit did not converge",
        "b_fit": "attention bell ({series}): peak {mu:.1f}, σ = {sigma:.1f} years, R² = {r2:.2f}",
        "b_rising": "{series} still rising (fitted peak {mu:.0f} after the data) — "
        "peak not yet identifiable",
        "b_early": "{series}: fitted peak {mu:.0f} before the data starts — not identifiable",
        "b_flat": "{series} has no clear peak (σ at its bound) — no bell",
        "b_poor": "{series}: the bell fits poorly (R² = {r2:.2f}) — not drawn",
        "b_short": "attention: fewer than {n} years with data, no bell",
        "b_fail": "{series}: the bell fit did not converge",
        "coverage": "{kind} data end in {year}; later years are left out",
        "kind_patent": "patent",
        "kind_paper": "paper",
        "and": " and ",
        "no_series": "no yearly indicators: nothing to draw",
        "sep": "; ",
        "key_patents": "patents per year",
        "key_papers": "papers per year",
        "key_fit": "fitted curve",
        "key_kappa": "κ (saturation)",
        "key_as_of": "data cut-off year",
    },
}


def coverage_end(store: Store, as_of_year: int) -> dict[str, int]:
    """The last year each evidence kind's sources cover, up to ``as_of_year``.

    The rule is :func:`techcurve.indicators.coverage_end` (the one the time-series model
    uses), applied to the store's records and counts up to ``as_of_year``.
    """
    empty_r = pl.DataFrame(schema={"kind": pl.Utf8, "year": pl.Int64, "v": pl.Float64})
    empty_c = pl.DataFrame(schema={"kind": pl.Utf8, "year": pl.Int64, "count": pl.Float64})
    # the records' volume per kind and year, counted in the store (not loaded row by row)
    volumes = (
        store.sql(
            "SELECT kind, year, count(*) AS v FROM records WHERE year <= ? GROUP BY kind, year",
            [as_of_year],
        )
        if store.has_table("records")
        else empty_r
    )
    cnts = (
        store.sql("SELECT kind, year, count FROM counts WHERE year <= ?", [as_of_year])
        if store.has_table("counts")
        else empty_c
    )
    return volume_coverage_end(volumes, cnts)


def _r(v: float | None, digits: int = 4) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), digits)


def _fmt_big(v: float) -> str:
    return f"{v:,.0f}"


def _s_fit(
    years: np.ndarray, cum: dict[str, np.ndarray], model: TimeSeriesModel, tx: dict[str, str]
) -> dict[str, Any]:
    """The model's S-curve choice: the first cumulative series with enough years."""
    chosen: tuple[str, np.ndarray, np.ndarray] | None = None
    short: str | None = None
    for name in model.s_series:
        y = cum.get(name)
        if y is None:
            continue
        ok = ~np.isnan(y)
        t, v = years[ok], y[ok]
        if len(v) == 0 or float(np.max(v)) <= 0:
            continue
        nz = np.nonzero(v > 0)[0]
        t, v = t[nz[0] :], v[nz[0] :]
        if len(t) >= model.min_years:
            chosen = (name, t, v)
            break
        short = short or name
    if chosen is None:
        if short is None:
            return {"identified": False, "series": None, "reason": tx["s_none"]}
        return {
            "identified": False,
            "series": short,
            "reason": tx["s_short"].format(series=tx[short], n=model.min_years),
        }
    name, t, v = chosen
    fit: SFit | None = fit_s_curve(
        t,
        v,
        curve=model.curve,
        series=name,
        kappa_max_ratio=model.kappa_max_ratio,
        steady_ratio=model.steady_ratio,
    )
    if fit is None:
        return {"identified": False, "series": name, "reason": tx["s_fail"].format(series=tx[name])}
    if fit.accelerating:
        key = "s_steady" if fit.steady else "s_accel"
        return {
            "identified": False,
            "series": name,
            "curve": fit.curve,
            "accelerating": True,
            "steady": fit.steady,
            "reason": tx[key].format(series=tx[name]),
        }
    share = fit.last_value / fit.kappa
    return {
        "identified": True,
        "series": name,
        "curve": fit.curve,
        "kappa": _r(fit.kappa, 1),
        "alpha": _r(fit.alpha),
        "midpoint": _r(fit.t_m, 2),
        "growth_time": _r(fit.growth_time, 2),
        "t90": _r(fit.t90, 2),
        "r2": _r(fit.r2),
        "last_year": fit.last_year,
        "share_of_kappa": _r(share),
        "text": tx["s_fit"].format(
            curve=tx[fit.curve],
            series=tx[name],
            kappa=_fmt_big(fit.kappa),
            tm=fit.t_m,
            dt=fit.growth_time,
            r2=fit.r2,
            last=fit.last_year,
            share=share,
        ),
    }


def _bell_fit(
    years: np.ndarray, att: dict[str, np.ndarray], model: TimeSeriesModel, tx: dict[str, str]
) -> dict[str, Any]:
    """The model's hype-bell choice: the first attention series with enough years."""
    chosen: tuple[str, np.ndarray, np.ndarray] | None = None
    for name in model.attention_series:
        y = att.get(name)
        if y is None:
            continue
        ok = ~np.isnan(y)
        t, v = years[ok], y[ok]
        # from the first year with attention, and enough non-zero years: a bell through
        # decades of zeros and one or two values "fits" with R² = 1 and means nothing
        nz = np.nonzero(v > 0)[0]
        if len(nz) >= model.min_years:
            chosen = (name, t[nz[0] :], v[nz[0] :])
            break
    if chosen is None:
        return {
            "identified": False,
            "series": None,
            "reason": tx["b_short"].format(n=model.min_years),
        }
    name, t, v = chosen
    fit: BellFit | None = fit_bell(t, v, series=name)
    if fit is None:
        return {"identified": False, "series": name, "reason": tx["b_fail"].format(series=tx[name])}
    base: dict[str, Any] = {
        "series": name,
        "height": _r(fit.height, 3),
        "peak_year": _r(fit.mu, 2),
        "sigma": _r(fit.sigma, 2),
        "r2": _r(fit.r2),
        "observed_peak_year": fit.observed_peak_year,
    }
    reason: str | None = None
    if fit.mu > float(t[-1]):
        reason = tx["b_rising"].format(series=tx[name], mu=fit.mu)
    elif fit.mu < float(t[0]):
        reason = tx["b_early"].format(series=tx[name], mu=fit.mu)
    elif fit.sigma >= 29.9:
        reason = tx["b_flat"].format(series=tx[name])
    elif fit.r2 < BELL_MIN_R2:
        reason = tx["b_poor"].format(series=tx[name], r2=fit.r2)
    if reason:
        return {**base, "identified": False, "reason": reason}
    return {
        **base,
        "identified": True,
        "text": tx["b_fit"].format(series=tx[name], mu=fit.mu, sigma=fit.sigma, r2=fit.r2),
    }


def subfield_series(
    store: Store,
    subfield_ids: Sequence[str],
    as_of_year: int,
    coverage: dict[str, int],
    lang: str = "zh",
) -> dict[str, dict[str, Any]]:
    """Per sub-field: the yearly series to draw, the S-curve and bell fits, a caption.

    The series run over consecutive years (gaps in ``indicators`` are years without
    evidence: 0 per year, the cumulative value carried), from the first year with
    evidence (at most :data:`PLOT_YEARS` before ``as_of_year``) to ``as_of_year``;
    patents and papers stop at their kind's coverage end (later values ``None``).
    Fits use the whole series, as the time-series model does. Sub-fields without
    indicator rows get ``{"series": None, "caption": …}``.
    """
    tx = TEXTS[lang]
    model = TimeSeriesModel()
    out: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(subfield_ids))
    frame: pl.DataFrame | None = None
    if ids and store.has_table("indicators"):
        frame = store.table("indicators").filter(
            pl.col("subfield_id").is_in(ids) & (pl.col("year") <= as_of_year)
        )
    groups: dict[str, pl.DataFrame] = {}
    if frame is not None and frame.height:
        groups = {str(k[0]): g.sort("year") for k, g in frame.group_by("subfield_id")}
    for sid in ids:
        g = groups.get(sid)
        if g is None or g.height == 0:
            out[sid] = {"series": None, "s_fit": None, "bell_fit": None, "caption": tx["no_series"]}
            continue
        out[sid] = _one(g, as_of_year, coverage, model, tx)
    return out


def _col(g: pl.DataFrame, name: str) -> list[float | None]:
    if name not in g.columns:
        return [None] * g.height
    return [None if v is None else float(v) for v in g[name].to_list()]


def _one(
    g: pl.DataFrame,
    as_of_year: int,
    coverage: dict[str, int],
    model: TimeSeriesModel,
    tx: dict[str, str],
) -> dict[str, Any]:
    first = int(g["year"].min())  # type: ignore[arg-type]
    years = np.arange(first, as_of_year + 1, dtype=float)
    idx = {int(y): i for i, y in enumerate(g["year"].to_list())}
    pos = [idx.get(int(y)) for y in years]

    def dense(name: str, fill: str) -> np.ndarray:
        col = _col(g, name)
        vals = np.full(len(years), np.nan)
        last = 0.0
        for i, p in enumerate(pos):
            v = col[p] if p is not None else None
            if v is None:
                vals[i] = last if fill == "carry" else (0.0 if fill == "zero" else np.nan)
            else:
                vals[i] = v
                last = v
        return vals

    per_year = {"patents": dense("patents", "zero"), "papers": dense("papers", "zero")}
    cum = {"patents_cum": dense("patents_cum", "carry"), "papers_cum": dense("papers_cum", "carry")}
    ends: dict[int, list[str]] = {}
    for cname, kind in S_KINDS.items():
        end = coverage.get(kind)
        if end is not None and end < as_of_year and float(np.nanmax(cum[cname])) > 0:
            cut = years > end
            cum[cname][cut] = np.nan
            per_year[cname.removesuffix("_cum")][cut] = np.nan
            ends.setdefault(end, []).append(tx["kind_" + kind])
    notes = [
        tx["coverage"].format(kind=tx["and"].join(kinds), year=end)
        for end, kinds in sorted(ends.items())
    ]
    att = {name: dense(name, "none") for name in model.attention_series}
    s = _s_fit(years, cum, model, tx)
    b = _bell_fit(years, att, model, tx)

    # the drawn range: from the first year with anything to show, at most PLOT_YEARS back
    shown = [cum[k] for k in cum] + [att[b["series"]]] if b.get("series") else list(cum.values())
    start_i = len(years) - 1
    for arr in shown:
        nz = np.nonzero(np.nan_to_num(arr) > 0)[0]
        if len(nz):
            start_i = min(start_i, int(nz[0]))
    start_i = max(start_i, len(years) - 1 - PLOT_YEARS)
    sl = slice(start_i, None)

    def lst(a: np.ndarray) -> list[float | None]:
        return [None if math.isnan(v) else round(float(v), 3) for v in a[sl]]

    series: dict[str, Any] = {
        "years": [int(y) for y in years[sl]],
        "patents": lst(per_year["patents"]),
        "papers": lst(per_year["papers"]),
        "cumulative": s["series"],
        "cumulative_values": lst(cum[s["series"]]) if s.get("series") else None,
        "attention": b["series"],
        "attention_values": lst(att[b["series"]]) if b.get("series") else None,
    }
    caption = [s.get("text") or s["reason"], b.get("text") or b["reason"], *notes]
    return {
        "series": series,
        "key": _key(series, s, b, tx),
        "s_fit": s,
        "bell_fit": b,
        "as_of_year": as_of_year,
        "coverage": {k: v for k, v in coverage.items() if k in S_KINDS.values()},
        "data_end": max(ends) if ends else None,
        "caption": tx["sep"].join(caption),
    }


def _key(
    series: dict[str, Any], s: dict[str, Any], b: dict[str, Any], tx: dict[str, str]
) -> list[dict[str, str]]:
    """The chart's legend, drawn in HTML under it: only what the chart shows."""
    c = SERIES_COLORS
    key: list[dict[str, str]] = []
    if any(v for v in series["patents"]):
        key.append({"mark": "bar", "color": c["patents"], "label": tx["key_patents"]})
    if any(v for v in series["papers"]):
        key.append({"mark": "line", "color": c["papers"], "label": tx["key_papers"]})
    if series["cumulative"]:
        key.append({"mark": "thick", "color": c["cumulative"], "label": tx[series["cumulative"]]})
    if series["attention"]:
        key.append({"mark": "thick", "color": c["attention"], "label": tx[series["attention"]]})
    if s.get("identified") or b.get("identified"):
        key.append({"mark": "dash", "color": c["fit"], "label": tx["key_fit"]})
    if s.get("identified"):
        key.append({"mark": "dot", "color": c["fit"], "label": tx["key_kappa"]})
    key.append({"mark": "vline", "color": c["as_of"], "label": tx["key_as_of"]})
    return key


def fitted_points(
    fit: dict[str, Any] | None, start: float, end: float
) -> tuple[list[float], list[float]] | None:
    """:data:`POINTS` samples of an identified fit (S-curve or bell) over ``start``–``end``."""
    if not fit or not fit.get("identified"):
        return None
    xs = np.linspace(start, end, POINTS)
    if "kappa" in fit:
        f = logistic if fit["curve"] == "logistic" else gompertz
        ys = f(xs, fit["kappa"], fit["alpha"], fit["midpoint"])
    else:
        ys = bell(xs, fit["height"], fit["peak_year"], fit["sigma"])
    return [float(x) for x in xs], [float(y) for y in ys]
