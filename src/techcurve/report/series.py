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
from dataclasses import dataclass

import numpy as np
import polars as pl

from techcurve.assess.timeseries import (
    BellFit,
    SFit,
    TimeSeriesModel,
    bell,
    gompertz,
    logistic,
)
from techcurve.indicators import volume_coverage_end
from techcurve.render.palette import SERIES_COLORS
from techcurve.report.fit_memo import FitMemo, FitRequest
from techcurve.report.model import (
    BellCurveFit,
    BellParams,
    ChartFrame,
    KeyItem,
    SCurveFit,
    SCurveParams,
    SeriesChart,
    YearlySeries,
)
from techcurve.store import Store
from techcurve.store.report import count_volumes, indicator_series, record_volumes
from techcurve.text import Lang, t

PLOT_YEARS = 30  # at most this many years before the as-of year are drawn
BELL_MIN_R2 = 0.5
BELL_SIGMA_BOUND = 29.9  # fit_bell bounds σ at 30 years: at the bound there is no peak
S_KINDS = {"patents_cum": "patent", "papers_cum": "paper"}
POINTS = 40  # samples of a fitted curve in the chart: smooth enough, small SVG


def _tx(name: str, lang: Lang, **values: object) -> str:
    return t(f"report.series.{name}", lang, **values)


def coverage_end(store: Store, as_of_year: int) -> dict[str, int]:
    """The last year each evidence kind's sources cover, up to ``as_of_year``.

    The rule is :func:`techcurve.indicators.coverage_end` (the one the time-series model
    uses), applied to the store's records and counts up to ``as_of_year``.
    """
    return volume_coverage_end(record_volumes(store, as_of_year), count_volumes(store, as_of_year))


def _r(v: float | None, digits: int = 4) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), digits)


@dataclass(frozen=True, slots=True)
class _Chosen:
    """The series a curve is fitted to: its name, years and values."""

    name: str
    years: np.ndarray
    values: np.ndarray


def _s_series(
    years: np.ndarray, cum: dict[str, np.ndarray], model: TimeSeriesModel
) -> tuple[_Chosen | None, str | None]:
    """The model's S-curve choice: the first cumulative series with enough years, from
    its first non-zero year; else None and the first series that had too few years."""
    short: str | None = None
    for name in model.s_series:
        y = cum.get(name)
        if y is None:
            continue
        ok = ~np.isnan(y)
        t_, v = years[ok], y[ok]
        if len(v) == 0 or float(np.max(v)) <= 0:
            continue
        nz = np.nonzero(v > 0)[0]
        t_, v = t_[nz[0] :], v[nz[0] :]
        if len(t_) >= model.min_years:
            return _Chosen(name, t_, v), None
        short = short or name
    return None, short


def _s_request(chosen: _Chosen, model: TimeSeriesModel) -> FitRequest:
    options = {
        "curve": model.curve,
        "series": chosen.name,
        "kappa_max_ratio": model.kappa_max_ratio,
        "steady_ratio": model.steady_ratio,
    }
    return FitRequest("s", chosen.years, chosen.values, options)


def _s_fit(
    chosen: _Chosen | None, short: str | None, model: TimeSeriesModel, lang: Lang, memo: FitMemo
) -> SCurveFit:
    """The card's S-curve: the fit of the chosen series, or why there is none."""
    if chosen is None:
        if short is None:
            return SCurveFit(identified=False, series=None, reason=_tx("s_none", lang))
        reason = _tx("s_short", lang, series=_tx(short, lang), n=model.min_years)
        return SCurveFit(identified=False, series=short, reason=reason)
    name = chosen.name
    series = _tx(name, lang)
    fit: SFit | None = memo.fit(_s_request(chosen, model))  # type: ignore[assignment]
    if fit is None:
        return SCurveFit(False, name, reason=_tx("s_fail", lang, series=series))
    if fit.accelerating:
        reason = _tx("s_steady" if fit.steady else "s_accel", lang, series=series)
        return SCurveFit(
            False, name, reason=reason, curve=fit.curve, accelerating=True, steady=fit.steady
        )
    share = fit.last_value / fit.kappa
    params = SCurveParams(
        kappa=_r(fit.kappa, 1),
        alpha=_r(fit.alpha),
        midpoint=_r(fit.t_m, 2),
        growth_time=_r(fit.growth_time, 2),
        t90=_r(fit.t90, 2),
        r2=_r(fit.r2),
        last_year=fit.last_year,
        share_of_kappa=_r(share),
    )
    text = _tx(
        "s_fit",
        lang,
        curve=_tx(fit.curve, lang),
        series=series,
        kappa=f"{fit.kappa:,.0f}",
        tm=fit.t_m,
        dt=fit.growth_time,
        r2=fit.r2,
        last=fit.last_year,
        share=share,
    )
    return SCurveFit(True, name, curve=fit.curve, params=params, text=text)


def _bell_why_not(fit: BellFit, t_: np.ndarray, series: str, lang: Lang) -> str | None:
    """Why a fitted bell has no trustworthy peak (None: it has one)."""
    if fit.mu > float(t_[-1]):
        return _tx("b_rising", lang, series=series, mu=fit.mu)
    if fit.mu < float(t_[0]):
        return _tx("b_early", lang, series=series, mu=fit.mu)
    if fit.sigma >= BELL_SIGMA_BOUND:
        return _tx("b_flat", lang, series=series)
    if fit.r2 < BELL_MIN_R2:
        return _tx("b_poor", lang, series=series, r2=fit.r2)
    return None


def _bell_series(
    years: np.ndarray, att: dict[str, np.ndarray], model: TimeSeriesModel
) -> _Chosen | None:
    """The model's hype-bell choice: the first attention series with enough non-zero
    years, from the first of them (None: no series has enough)."""
    for name in model.attention_series:
        y = att.get(name)
        if y is None:
            continue
        ok = ~np.isnan(y)
        t_, v = years[ok], y[ok]
        # from the first year with attention, and enough non-zero years: a bell through
        # decades of zeros and one or two values "fits" with R² = 1 and means nothing
        nz = np.nonzero(v > 0)[0]
        if len(nz) >= model.min_years:
            return _Chosen(name, t_[nz[0] :], v[nz[0] :])
    return None


def _bell_request(chosen: _Chosen) -> FitRequest:
    return FitRequest("bell", chosen.years, chosen.values, {"series": chosen.name})


def _bell_fit(
    chosen: _Chosen | None, model: TimeSeriesModel, lang: Lang, memo: FitMemo
) -> BellCurveFit:
    """The card's hype bell: the fit of the chosen series, or why there is none."""
    if chosen is None:
        return BellCurveFit(False, None, reason=_tx("b_short", lang, n=model.min_years))
    name, t_ = chosen.name, chosen.years
    series = _tx(name, lang)
    fit: BellFit | None = memo.fit(_bell_request(chosen))  # type: ignore[assignment]
    if fit is None:
        return BellCurveFit(False, name, reason=_tx("b_fail", lang, series=series))
    params = BellParams(
        height=_r(fit.height, 3),
        peak_year=_r(fit.mu, 2),
        sigma=_r(fit.sigma, 2),
        r2=_r(fit.r2),
        observed_peak_year=fit.observed_peak_year,
    )
    reason = _bell_why_not(fit, t_, series, lang)
    if reason:
        return BellCurveFit(False, name, reason=reason, params=params)
    text = _tx("b_fit", lang, series=series, mu=fit.mu, sigma=fit.sigma, r2=fit.r2)
    return BellCurveFit(True, name, params=params, text=text)


def no_chart(caption: str) -> SeriesChart:
    """A card without a chart, and the caption that says why."""
    return SeriesChart(series=None, s_fit=None, bell_fit=None, caption=caption)


def subfield_series(
    store: Store,
    subfield_ids: Sequence[str],
    as_of_year: int,
    coverage: dict[str, int],
    lang: Lang = "zh",
) -> dict[str, SeriesChart]:
    """Per sub-field: the yearly series to draw, the S-curve and bell fits, a caption.

    The series run over consecutive years (gaps in ``indicators`` are years without
    evidence: 0 per year, the cumulative value carried), from the first year with
    evidence (at most :data:`PLOT_YEARS` before ``as_of_year``) to ``as_of_year``;
    patents and papers stop at their kind's coverage end (later values ``None``).
    Fits use the whole series, as the time-series model does. Sub-fields without
    indicator rows get a chart without series whose caption says so.
    """
    model = TimeSeriesModel()
    ids = list(dict.fromkeys(subfield_ids))
    frame = indicator_series(store, ids, as_of_year)
    groups: dict[str, pl.DataFrame] = {}
    if frame.height:
        groups = {str(k[0]): g.sort("year") for k, g in frame.group_by("subfield_id")}
    dense = {
        sid: _dense_series(g, as_of_year, coverage, model)
        for sid, g in groups.items()
        if g.height and sid in ids
    }
    out: dict[str, SeriesChart] = {}
    with FitMemo.opened() as memo:  # fits of unchanged series are read back
        # every card's fits at once: the new ones can be fitted side by side
        memo.prefetch([r for d in dense.values() for r in d.requests(model)])
        for sid in ids:
            d = dense.get(sid)
            if d is None:
                out[sid] = no_chart(_tx("no_series", lang))
            else:
                out[sid] = _chart(d, as_of_year, coverage, model, lang, memo)
    return out


def _col(g: pl.DataFrame, name: str) -> list[float | None]:
    if name not in g.columns:
        return [None] * g.height
    return [None if v is None else float(v) for v in g[name].to_list()]


def _dense(g: pl.DataFrame, pos: list[int | None], name: str, fill: str) -> np.ndarray:
    """Column ``name`` over consecutive years (``pos``: each year's row in ``g``, None when
    it has none): missing years are 0 (``fill="zero"``), the last value (``"carry"``) or
    NaN (``"none"``)."""
    col = _col(g, name)
    vals = np.full(len(pos), np.nan)
    last = 0.0
    for i, p in enumerate(pos):
        v = col[p] if p is not None else None
        if v is None:
            vals[i] = last if fill == "carry" else (0.0 if fill == "zero" else np.nan)
        else:
            vals[i] = v
            last = v
    return vals


def _cut_at_coverage(
    years: np.ndarray,
    cum: dict[str, np.ndarray],
    per_year: dict[str, np.ndarray],
    coverage: dict[str, int],
    as_of_year: int,
) -> dict[int, list[str]]:
    """Blank the patent/paper series after their kind's coverage end; end year → kinds."""
    ends: dict[int, list[str]] = {}
    for cname, kind in S_KINDS.items():
        end = coverage.get(kind)
        if end is not None and end < as_of_year and float(np.nanmax(cum[cname])) > 0:
            cut = years > end
            cum[cname][cut] = np.nan
            per_year[cname.removesuffix("_cum")][cut] = np.nan
            ends.setdefault(end, []).append(kind)
    return ends


def _first_shown(years: np.ndarray, shown: list[np.ndarray]) -> int:
    """The index of the first year with anything to show, at most PLOT_YEARS back."""
    start_i = len(years) - 1
    for arr in shown:
        nz = np.nonzero(arr > 0)[0]  # NaN > 0 is false, as 0 is
        if len(nz):
            start_i = min(start_i, int(nz[0]))
    return max(start_i, len(years) - 1 - PLOT_YEARS)


@dataclass(frozen=True, slots=True)
class _Dense:
    """A sub-field's series over consecutive years, cut at coverage, and the series its
    S-curve and bell are fitted to."""

    years: np.ndarray
    per_year: dict[str, np.ndarray]
    cum: dict[str, np.ndarray]
    att: dict[str, np.ndarray]
    ends: dict[int, list[str]]  # coverage end year → the kinds cut there
    s_chosen: _Chosen | None
    s_short: str | None  # the first cumulative series with too few years
    bell_chosen: _Chosen | None

    def requests(self, model: TimeSeriesModel) -> list[FitRequest]:
        """The fits this card needs."""
        out = [] if self.s_chosen is None else [_s_request(self.s_chosen, model)]
        return out + ([] if self.bell_chosen is None else [_bell_request(self.bell_chosen)])


def _dense_series(
    g: pl.DataFrame, as_of_year: int, coverage: dict[str, int], model: TimeSeriesModel
) -> _Dense:
    first = int(g["year"].min())  # type: ignore[arg-type]
    years = np.arange(first, as_of_year + 1, dtype=float)
    idx = {int(y): i for i, y in enumerate(g["year"].to_list())}
    pos = [idx.get(int(y)) for y in years]
    per_year = {k: _dense(g, pos, k, "zero") for k in ("patents", "papers")}
    cum = {k: _dense(g, pos, k, "carry") for k in ("patents_cum", "papers_cum")}
    ends = _cut_at_coverage(years, cum, per_year, coverage, as_of_year)
    att = {name: _dense(g, pos, name, "none") for name in model.attention_series}
    s_chosen, s_short = _s_series(years, cum, model)
    return _Dense(
        years, per_year, cum, att, ends, s_chosen, s_short, _bell_series(years, att, model)
    )


def _chart(
    d: _Dense,
    as_of_year: int,
    coverage: dict[str, int],
    model: TimeSeriesModel,
    lang: Lang,
    memo: FitMemo,
) -> SeriesChart:
    notes = [
        _tx(
            "coverage",
            lang,
            kind=_tx("and", lang).join(_tx(f"kind.{k}", lang) for k in kinds),
            year=end,
        )
        for end, kinds in sorted(d.ends.items())
    ]
    s = _s_fit(d.s_chosen, d.s_short, model, lang, memo)
    b = _bell_fit(d.bell_chosen, model, lang, memo)
    shown = [*d.cum.values(), d.att[b.series]] if b.series else list(d.cum.values())
    sl = slice(_first_shown(d.years, shown), None)

    def lst(a: np.ndarray) -> tuple[float | None, ...]:
        return tuple(None if v != v else round(v, 3) for v in a[sl].tolist())  # v != v: NaN

    series = YearlySeries(
        years=tuple(int(y) for y in d.years[sl]),
        patents=lst(d.per_year["patents"]),
        papers=lst(d.per_year["papers"]),
        cumulative=s.series,
        cumulative_values=lst(d.cum[s.series]) if s.series else None,
        attention=b.series,
        attention_values=lst(d.att[b.series]) if b.series else None,
    )
    caption = [s.text or s.reason or "", b.text or b.reason or "", *notes]
    frame = ChartFrame(
        key=_key(series, s, b, lang),
        as_of_year=as_of_year,
        coverage={k: v for k, v in coverage.items() if k in S_KINDS.values()},
        data_end=max(d.ends) if d.ends else None,
    )
    return SeriesChart(series, s, b, t("report.sep.clause", lang).join(caption), frame)


def _key(series: YearlySeries, s: SCurveFit, b: BellCurveFit, lang: Lang) -> tuple[KeyItem, ...]:
    """The chart's legend, drawn in HTML under it: only what the chart shows."""
    c = SERIES_COLORS
    key: list[KeyItem] = []
    if any(v for v in series.patents):
        key.append(KeyItem("bar", c["patents"], _tx("key_patents", lang)))
    if any(v for v in series.papers):
        key.append(KeyItem("line", c["papers"], _tx("key_papers", lang)))
    if series.cumulative:
        key.append(KeyItem("thick", c["cumulative"], _tx(series.cumulative, lang)))
    if series.attention:
        key.append(KeyItem("thick", c["attention"], _tx(series.attention, lang)))
    if s.identified or b.identified:
        key.append(KeyItem("dash", c["fit"], _tx("key_fit", lang)))
    if s.identified:
        key.append(KeyItem("dot", c["fit"], _tx("key_kappa", lang)))
    key.append(KeyItem("vline", c["as_of"], _tx("key_as_of", lang)))
    return tuple(key)


def fitted_points(
    fit: SCurveFit | BellCurveFit | None, start: float, end: float
) -> tuple[list[float], list[float]] | None:
    """:data:`POINTS` samples of an identified fit (S-curve or bell) over ``start``–``end``."""
    if fit is None or not fit.identified or fit.params is None:
        return None
    xs = np.linspace(start, end, POINTS)
    p = fit.params
    if isinstance(p, SCurveParams):
        f = logistic if isinstance(fit, SCurveFit) and fit.curve == "logistic" else gompertz
        ys = f(xs, p.kappa, p.alpha, p.midpoint)  # type: ignore[arg-type]
    else:
        ys = bell(xs, p.height, p.peak_year, p.sigma)  # type: ignore[arg-type]
    return xs.tolist(), ys.tolist()  # Python floats, as float() of each
