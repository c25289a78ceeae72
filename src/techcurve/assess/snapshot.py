"""The snapshot model: the report's method, made explicit.

The original report placed each sub-field from three indicators (cumulative patents,
birth year, opinion index) plus financing, without a formula. This model keeps two
explicit signals, as ``shared/MODELS-NOTES.md`` advises:

* **maturity** M (0–1) from the rank of cumulative patents among the sub-fields
  assessed (thresholds learnt by :meth:`SnapshotModel.fit`) and the age since the
  birth year;
* **hype** H (0–1) from the opinion index, financing events and the latest attention
  level (``attention_latest``, comparable across sub-fields), and the shape of the
  sub-field's own attention series: how far it has fallen from its peak
  (``attention_vs_peak``) and whether it still grows (``attention_growth``).

Two non-canonical paths are first-class: a mature sub-field whose attention never fell
goes to the slope **without a trough**, and one whose attention collapsed while its
patents and papers decline is **faded** (trough, years band "obsolete").

An ordered rule list turns the two into a phase, and the signal values into a
position inside that phase's bounds. ``docs/models.md`` states the rules and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.assess._base import StageModel, check_columns, clip01, num, position_in, to_date
from techcurve.datatypes import Assessment, Phase, Reason, YearsBand
from techcurve.errors import AssessError

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
class _Signals:
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


class SnapshotModel(StageModel):
    """Rule-based placement from one as-of summary row per sub-field.

    >>> model = SnapshotModel(trough_ratio=0.5).fit(summary)          # doctest: +SKIP
    >>> [a.phase for a in model.predict(summary)]                     # doctest: +SKIP

    Parameters (all keyword; defaults in ``docs/models.md``):

    min_evidence_years
        Fewer years with any evidence than this → status "insufficient".
    require_attention
        Without any attention evidence (articles, opinion index, attention series,
        financing) the hype side is unknown → "insufficient" instead of a guess.
    min_fit_subfields
        Sub-fields with patents needed to learn the patent thresholds from the data.
    patents_low_q, patents_high_q / patents_low, patents_high
        Quantiles of cumulative patents (among sub-fields with patents) that bound the
        low, middle and top bands; a fixed number replaces the learnt quantile.
    opinion_hot_q / opinion_hot, fin_hot_q / fin_hot
        Quantile (or fixed value) of the opinion index / financing events from which a
        sub-field counts as "hot".
    patent_weight
        Weight of the patent rank in maturity; the rest is age.
    mature_age
        Years since birth at which the age part of maturity is full.
    fin_weight
        Weight of financing in the hype level; the opinion index has ``1 − fin_weight``.
    attention_hot_q / attention_hot
        Quantile (or fixed value, 0–100) of the latest attention level from which a
        sub-field counts as "hot".
    attention_weight
        Weight of the latest attention level in the hype level (the parts that are
        known are averaged with their weights).
    hot_level
        Hype level (0–1) from which a sub-field is "hot" (opinion index at
        ``opinion_hot`` maps to exactly this level).
    slope_maturity, plateau_maturity
        Maturity from which a sub-field is on the slope / on the plateau.
    trough_ratio
        Attention below this share of its own earlier peak = disillusionment.
    faded_ratio
        Attention at or below this share of its peak, with patents and papers declining,
        = faded (trough, obsolete before the plateau).
    rising_growth, fast_growth
        Attention growth (fraction per year) above which attention is rising / rising fast.
    """

    name = "snapshot"

    def __init__(
        self,
        *,
        min_evidence_years: int = 3,
        require_attention: bool = True,
        min_fit_subfields: int = 5,
        patents_low_q: float = 0.4,
        patents_high_q: float = 0.8,
        patents_low: float | None = None,
        patents_high: float | None = None,
        opinion_hot_q: float = 0.7,
        opinion_hot: float | None = None,
        fin_hot_q: float = 0.8,
        fin_hot: float | None = None,
        patent_weight: float = 0.6,
        mature_age: float = 20.0,
        fin_weight: float = 0.25,
        attention_hot_q: float = 0.7,
        attention_hot: float | None = None,
        attention_weight: float = 0.75,
        hot_level: float = 0.7,
        slope_maturity: float = 0.45,
        plateau_maturity: float = 0.75,
        trough_ratio: float = 0.6,
        faded_ratio: float = 0.3,
        rising_growth: float = 0.1,
        fast_growth: float = 0.3,
    ) -> None:
        self.min_evidence_years = min_evidence_years
        self.require_attention = require_attention
        self.min_fit_subfields = min_fit_subfields
        self.patents_low_q = patents_low_q
        self.patents_high_q = patents_high_q
        self.patents_low = patents_low
        self.patents_high = patents_high
        self.opinion_hot_q = opinion_hot_q
        self.opinion_hot = opinion_hot
        self.fin_hot_q = fin_hot_q
        self.fin_hot = fin_hot
        self.patent_weight = patent_weight
        self.mature_age = mature_age
        self.fin_weight = fin_weight
        self.attention_hot_q = attention_hot_q
        self.attention_hot = attention_hot
        self.attention_weight = attention_weight
        self.hot_level = hot_level
        self.slope_maturity = slope_maturity
        self.plateau_maturity = plateau_maturity
        self.trough_ratio = trough_ratio
        self.faded_ratio = faded_ratio
        self.rising_growth = rising_growth
        self.fast_growth = fast_growth

    # -- fit ---------------------------------------------------------------------
    def _validate_params(self) -> None:
        def between(name: str, lo: float, hi: float) -> None:
            v = getattr(self, name)
            if not isinstance(v, int | float) or isinstance(v, bool) or not lo <= v <= hi:
                raise AssessError(f"snapshot parameter {name}={v!r} must be a number in {lo}–{hi}")

        for q in (
            "patents_low_q",
            "patents_high_q",
            "opinion_hot_q",
            "fin_hot_q",
            "attention_hot_q",
        ):
            between(q, 0.0, 1.0)
        for w in ("patent_weight", "fin_weight", "hot_level", "trough_ratio", "faded_ratio"):
            between(w, 0.0, 1.0)
        between("attention_weight", 0.0, 10.0)
        if self.faded_ratio > self.trough_ratio:
            raise AssessError(
                f"snapshot parameters faded_ratio={self.faded_ratio} must not exceed "
                f"trough_ratio={self.trough_ratio}"
            )
        between("slope_maturity", 0.0, 1.0)
        between("plateau_maturity", 0.0, 1.0)
        between("mature_age", 1.0, 500.0)
        between("min_evidence_years", 0, 1000)
        between("min_fit_subfields", 1, 10**9)
        between("rising_growth", -1.0, 100.0)
        between("fast_growth", -1.0, 100.0)
        if self.patents_low_q >= self.patents_high_q:
            raise AssessError(
                f"snapshot parameters patents_low_q={self.patents_low_q} must be below "
                f"patents_high_q={self.patents_high_q}"
            )
        if self.slope_maturity >= self.plateau_maturity:
            raise AssessError(
                f"snapshot parameters slope_maturity={self.slope_maturity} must be below "
                f"plateau_maturity={self.plateau_maturity}"
            )
        if self.rising_growth > self.fast_growth:
            raise AssessError(
                f"snapshot parameters rising_growth={self.rising_growth} must not exceed "
                f"fast_growth={self.fast_growth}"
            )
        for fixed in ("patents_low", "patents_high", "opinion_hot", "fin_hot", "attention_hot"):
            v = getattr(self, fixed)
            if v is not None and (num(v) is None or v <= 0):
                raise AssessError(f"snapshot parameter {fixed}={v!r} must be a positive number")
        if (
            self.patents_low is not None
            and self.patents_high is not None
            and self.patents_low >= self.patents_high
        ):
            raise AssessError(
                f"snapshot parameters patents_low={self.patents_low} must be below "
                f"patents_high={self.patents_high}"
            )

    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> SnapshotModel:
        """Learn the patent, opinion and financing thresholds from ``summary``.

        ``indicators`` is accepted (and unused) so that every model takes the same
        arguments. ``labels`` (subfield_id, phase) is accepted so that every model has the same
        interface in the backtest; the snapshot rules are *not* tuned on them (tuning on
        the rows one reports inflates agreement). It is validated, then ignored.
        """
        self._validate_params()
        check_columns(summary, SUMMARY_REQUIRED, "summary")
        if summary.height == 0:
            raise AssessError("the summary table is empty: run `techcurve indicators` first")
        if labels is not None:
            check_columns(labels, ("subfield_id", "phase"), "labels")

        patents = _positive(summary["patents_cum"])
        need_learnt = self.patents_low is None or self.patents_high is None
        if need_learnt and len(patents) < self.min_fit_subfields:
            raise AssessError(
                f"fit() needs at least {self.min_fit_subfields} sub-fields with patents to learn "
                f"the patent thresholds, got {len(patents)}: assess more sub-fields together or "
                "set patents_low= and patents_high= explicitly"
            )
        low = (
            self.patents_low
            if self.patents_low is not None
            else _quantile(patents, self.patents_low_q)
        )
        high = (
            self.patents_high
            if self.patents_high is not None
            else _quantile(patents, self.patents_high_q)
        )
        low = max(float(low), 1.0)
        high = max(float(high), low * 1.5)  # tied quantiles: keep a usable middle band
        top = max([high * 2.0, *patents])

        opinion = _nonnull(summary["opinion_index"])
        if self.opinion_hot is not None:
            hot = float(self.opinion_hot)
        elif opinion:
            hot = _quantile(opinion, self.opinion_hot_q)
        else:
            hot = 50.0
        hot = min(max(hot, 1e-6), 99.0)

        fin = _nonnull(summary["fin_events"])
        if self.fin_hot is not None:
            fhot = float(self.fin_hot)
        elif fin:
            fhot = _quantile(fin, self.fin_hot_q)
        else:
            fhot = 1.0
        fhot = max(fhot, 1.0)
        ftop = max([fhot * 2.0, *fin])

        att = _nonnull(summary["attention_latest"]) if "attention_latest" in summary.columns else []
        if self.attention_hot is not None:
            ahot = float(self.attention_hot)
        elif att:
            ahot = _quantile(att, self.attention_hot_q)
        else:
            ahot = 50.0
        ahot = min(max(ahot, 1e-6), 99.0)

        self.thresholds_: dict[str, float] = {
            "patents_low": low,
            "patents_high": high,
            "patents_max": float(top),
            "opinion_hot": hot,
            "fin_hot": fhot,
            "fin_max": float(ftop),
            "attention_hot": ahot,
        }
        self.n_fit_: int = summary.height
        self.fitted_ = True
        return self

    # -- predict -----------------------------------------------------------------
    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One :class:`~techcurve.datatypes.Assessment` per row of ``summary``, in order."""
        self._check_fitted()
        check_columns(summary, SUMMARY_REQUIRED, "summary")
        return [self._assess_row(row) for row in summary.iter_rows(named=True)]

    def _assess_row(self, row: dict[str, Any]) -> Assessment:
        sid = str(row["subfield_id"])
        missing = self._missing_evidence(row)
        if missing:
            return Assessment(
                subfield_id=sid,
                model=self.name,
                phase=None,
                position=None,
                years_band=None,
                confidence=0.0,
                reasons=tuple(missing),
                status="insufficient",
            )
        s = self._signals(row)
        phase, fraction, rule, margin = self._place(s)
        band, band_text = self._years_band(phase, fraction, s)
        reasons = [*self._evidence_reasons(s, row), Reason("rule", phase.value, rule)]
        reasons.append(Reason("years_band", band.value, band_text))
        return Assessment(
            subfield_id=sid,
            model=self.name,
            phase=phase,
            position=position_in(phase, fraction),
            years_band=band,
            confidence=self._confidence(s, margin),
            reasons=tuple(reasons),
        )

    def _missing_evidence(self, row: dict[str, Any]) -> list[Reason]:
        out: list[Reason] = []
        years = num(row.get("evidence_years")) or 0.0
        if years < self.min_evidence_years:
            out.append(
                Reason(
                    "evidence_years",
                    years,
                    f"only {years:g} year(s) with any evidence, at least "
                    f"{self.min_evidence_years} needed: ingest a longer history",
                )
            )
        patents = num(row.get("patents_cum")) or 0.0
        papers = num(row.get("papers_cum")) or 0.0
        if patents <= 0 and papers <= 0:
            out.append(
                Reason(
                    "patents_cum",
                    0.0,
                    "no patents and no papers matched: maturity cannot be judged "
                    "(check the sub-field's query or ingest patents/papers)",
                )
            )
        if self.require_attention and not _has_attention(row):
            out.append(
                Reason(
                    "opinion_index",
                    None,
                    "no media articles, opinion index, attention series or financing: "
                    "the hype side cannot be judged (ingest articles or attention counts)",
                )
            )
        return out

    def _signals(self, row: dict[str, Any]) -> _Signals:
        t = self.thresholds_
        year = to_date(row["as_of"]).year
        patents = num(row.get("patents_cum")) or 0.0
        papers = num(row.get("papers_cum")) or 0.0
        s_p = _band_score(
            math.log1p(patents),
            math.log1p(t["patents_low"]),
            math.log1p(t["patents_high"]),
            math.log1p(t["patents_max"]),
            self.patents_low_q,
            self.patents_high_q,
        )
        birth = num(row.get("birth_year"))
        age = max(0.0, year - birth) if birth is not None else None
        s_a = clip01(age / self.mature_age) if age is not None else None
        w = self.patent_weight
        maturity = s_p if s_a is None else w * s_p + (1 - w) * s_a

        opinion = num(row.get("opinion_index"))
        fin = num(row.get("fin_events"))
        h_op = (
            _band_score(opinion, 0.0, t["opinion_hot"], 100.0, 0.0, self.hot_level)
            if opinion is not None
            else None
        )
        h_fin = (
            _band_score(
                math.log1p(fin),
                0.0,
                math.log1p(t["fin_hot"]),
                math.log1p(t["fin_max"]),
                0.0,
                self.hot_level,
            )
            if fin is not None
            else None
        )
        att = num(row.get("attention_latest"))
        h_att = (
            _band_score(att, 0.0, t["attention_hot"], 100.0, 0.0, self.hot_level)
            if att is not None
            else None
        )
        # Weighted mean of the parts that are known; with opinion and financing only it
        # is (1 − fin_weight)·opinion + fin_weight·financing.
        parts = [
            (h, w)
            for h, w in (
                (h_op, 1 - self.fin_weight),
                (h_fin, self.fin_weight),
                (h_att, self.attention_weight),
            )
            if h is not None and w > 0
        ]
        hype: float | None
        if parts:
            hype = sum(h * w for h, w in parts) / sum(w for _, w in parts)
        else:
            hype = h_op if h_op is not None else (h_fin if h_fin is not None else h_att)
        ratio = num(row.get("attention_vs_peak"))
        peak = num(row.get("attention_peak_year"))
        return _Signals(
            year=year,
            patents=patents,
            papers=papers,
            age=age,
            birth_year=int(birth) if birth is not None else None,
            s_patents=s_p,
            s_age=s_a,
            maturity=maturity,
            opinion=opinion,
            fin_events=fin,
            fin_amount=num(row.get("fin_amount_point_cny")),
            hype=hype,
            attention=att,
            ratio=clip01(ratio) if ratio is not None else None,
            peak_year=int(peak) if peak is not None else None,
            growth=num(row.get("attention_growth")),
            patent_growth=num(row.get("patent_growth")),
            paper_growth=num(row.get("paper_growth")),
            evidence_years=num(row.get("evidence_years")) or 0.0,
        )

    def _place(self, s: _Signals) -> tuple[Phase, float, str, float]:
        """Phase, fraction through it, the rule in words, and the decision margin (0–1)."""
        m, hype, r, g = s.maturity, s.hype, s.ratio, s.growth
        fallen = (
            r is not None
            and r < self.trough_ratio
            and (s.peak_year is None or s.peak_year < s.year)
        )
        rising_fast = g is not None and g > self.fast_growth
        hot = hype is not None and hype >= self.hot_level
        hype_txt = f"hype {hype:.2f}" if hype is not None else "hype unknown"
        mat = f"maturity {m:.2f}"
        # Margins: distance of each deciding signal from its threshold, scaled to 0–1.
        d_plat = abs(m - self.plateau_maturity) / 0.25
        d_slope = abs(m - self.slope_maturity) / 0.25
        d_hot = abs(hype - self.hot_level) / 0.3 if hype is not None else 0.0
        d_fall = abs(r - self.trough_ratio) / 0.3 if r is not None else 0.0

        top_patents = s.patents >= self.thresholds_["patents_high"]
        if m >= self.plateau_maturity and top_patents and not rising_fast:
            f = (m - self.plateau_maturity) / (1 - self.plateau_maturity)
            why = (
                f"{mat} ≥ {self.plateau_maturity} (plateau), patents in the top band and "
                f"attention not rising fast (≤ {self.fast_growth:+.0%}/yr)"
            )
            return Phase.PLATEAU, f, f"{why} → plateau", min(d_plat, 1.0)
        if fallen and self._faded(s):
            assert r is not None
            f = 0.5 * clip01(0.3 + (self.trough_ratio - r) / self.trough_ratio)
            why = (
                f"attention collapsed to {r:.0%} of its {s.peak_year or 'earlier'} peak "
                f"(≤ {self.faded_ratio:.0%}) and {_declines(s)}, {mat} < "
                f"{self.plateau_maturity}: faded"
            )
            margin = min(abs(r - self.faded_ratio) / 0.3, d_plat, 1.0)
            return Phase.TROUGH, f, f"{why} → trough, obsolete before the plateau", margin
        if fallen:
            assert r is not None
            depth = (self.trough_ratio - r) / self.trough_ratio
            if g is not None and g > 0:
                f = 0.5 + 0.5 * clip01(g / self.fast_growth)  # recovering: right half
                trend = f"recovering ({g:+.0%}/yr)"
            else:
                f = 0.5 * clip01(0.3 + depth)  # still sliding: left half, deeper = lower
                trend = "still falling" if g is not None else "trend unknown"
            why = (
                f"attention at {r:.0%} of its {s.peak_year or 'earlier'} peak "
                f"(< {self.trough_ratio:.0%}), {trend}, {mat} < {self.plateau_maturity}"
            )
            return Phase.TROUGH, f, f"{why} → trough", min(d_fall, d_plat, 1.0)
        if m >= self.slope_maturity:
            f = (m - self.slope_maturity) / (self.plateau_maturity - self.slope_maturity)
            extra = ""
            if m >= self.plateau_maturity:
                extra = (
                    " (attention rising fast, so not yet plateau)"
                    if top_patents
                    else " (patents not in the top band, so not yet plateau)"
                )
            holding = "unknown" if r is None else f"{r:.0%} of peak"
            if r is not None and s.peak_year is not None and s.peak_year < s.year:
                holding += f", never below {self.trough_ratio:.0%} since {s.peak_year}: no trough"
            why = f"{mat} ≥ {self.slope_maturity} (slope) and attention holding ({holding}){extra}"
            margin = min(d_slope, d_plat, d_fall if r is not None else 1.0, 1.0)
            return Phase.SLOPE, f, f"{why} → slope", margin
        if hot:
            assert hype is not None
            if r is not None and r < 0.98:
                # Past its own peak but not yet fallen: the downhill side of the peak.
                f = 0.5 + 0.5 * clip01((1 - r) / (1 - self.trough_ratio))
                where = f"past its peak ({r:.0%} of it)"
            elif g is not None and g > self.rising_growth:
                f = 0.5 - 0.4 * clip01(g / max(self.fast_growth, 1e-9) / 2)
                where = f"still climbing ({g:+.0%}/yr)"
            else:
                f = 0.5
                where = "at its peak"
            why = (
                f"{hype_txt} ≥ {self.hot_level} (hot), attention {where}, "
                f"{mat} < {self.slope_maturity} (young)"
            )
            return Phase.PEAK, f, f"{why} → peak", min(d_hot, d_slope, 1.0)
        f = 0.5 * clip01(m / self.slope_maturity) + 0.5 * clip01((hype or 0.0) / self.hot_level)
        trend = f", attention {g:+.0%}/yr" if g is not None else ""
        why = f"{mat} < {self.slope_maturity} (young) and {hype_txt} < {self.hot_level}{trend}"
        return Phase.TRIGGER, f, f"{why} → trigger", min(d_hot, d_slope, 1.0)

    def _years_band(self, phase: Phase, fraction: float, s: _Signals) -> tuple[YearsBand, str]:
        pg, ag = s.patent_growth, s.growth
        commercialising = pg is not None and s.paper_growth is not None and pg > s.paper_growth
        if phase is Phase.PLATEAU:
            return YearsBand.LT2, "on the plateau already → <2 years"
        if phase is Phase.SLOPE:
            if fraction >= 0.6:
                return YearsBand.LT2, "late on the slope (last 40% of it) → <2 years"
            return YearsBand.Y2_5, "on the slope → 2–5 years"
        if phase is Phase.TROUGH:
            if s.ratio is not None and s.ratio <= self.faded_ratio and self._faded(s):
                return (
                    YearsBand.OBSOLETE,
                    f"faded: attention at {s.ratio:.0%} of its peak and {_declines(s)} "
                    "→ obsolete before the plateau",
                )
            if commercialising and pg is not None and pg > 0:
                return (
                    YearsBand.Y2_5,
                    f"in the trough but patents grow faster than papers ({pg:+.0%} vs "
                    f"{s.paper_growth:+.0%}/yr: commercialising) → 2–5 years",
                )
            if (pg is None or pg <= 0) and (s.paper_growth is None or s.paper_growth <= 0):
                return (
                    YearsBand.GT10,
                    "in the trough with patents and papers not growing → >10 years",
                )
            return YearsBand.Y5_10, "in the trough → 5–10 years"
        if phase is Phase.PEAK:
            if s.maturity >= 0.35 and commercialising:
                return (
                    YearsBand.Y2_5,
                    f"at the peak with maturity {s.maturity:.2f} ≥ 0.35 and patents outgrowing "
                    "papers → 2–5 years",
                )
            if s.maturity < 0.15:
                return (
                    YearsBand.GT10,
                    f"at the peak with maturity {s.maturity:.2f} < 0.15 → >10 years",
                )
            return YearsBand.Y5_10, "at the peak → 5–10 years"
        fast = (pg is not None and pg > self.fast_growth) and (
            ag is not None and ag > self.rising_growth
        )
        if fast:
            return (
                YearsBand.Y5_10,
                f"trigger with patents {pg:+.0%}/yr and attention {ag:+.0%}/yr → 5–10 years",
            )
        return YearsBand.GT10, "at the trigger → >10 years"

    def _faded(self, s: _Signals) -> bool:
        """Attention collapsed and every known one of patent/paper growth is negative."""
        if s.ratio is None or s.ratio > self.faded_ratio:
            return False
        known = [g for g in (s.patent_growth, s.paper_growth) if g is not None]
        return bool(known) and all(g < 0 for g in known)

    def _confidence(self, s: _Signals, margin: float) -> float:
        known = [
            s.patents > 0,
            s.birth_year is not None,
            s.opinion is not None,
            s.ratio is not None,
            s.growth is not None,
            s.fin_events is not None,
        ]
        coverage = 0.7 * sum(known) / len(known) + 0.3 * clip01(s.evidence_years / 10.0)
        # Never claim certainty: rules on a handful of indicators are not a measurement.
        return round(min(0.95, 0.05 + 0.55 * coverage + 0.4 * clip01(margin)), 2)

    def _evidence_reasons(self, s: _Signals, row: dict[str, Any]) -> list[Reason]:
        t = self.thresholds_
        out: list[Reason] = []
        lo, hi = t["patents_low"], t["patents_high"]
        if s.patents >= hi:
            band = f"top {1 - self.patents_high_q:.0%} of sub-fields (≥ {hi:,.0f})"
        elif s.patents >= lo:
            band = f"middle band of sub-fields ({lo:,.0f}–{hi:,.0f})"
        else:
            band = f"bottom {self.patents_low_q:.0%} of sub-fields (< {lo:,.0f})"
        out.append(
            Reason("patents_cum", s.patents, f"cumulative patents {s.patents:,.0f} — {band}")
        )
        if s.age is not None:
            ev = row.get("birth_evidence")
            src = f" (first record: {ev})" if ev else ""
            out.append(
                Reason(
                    "birth_year",
                    s.birth_year,
                    f"born {s.birth_year}, {s.age:.0f} years before {s.year}{src}; age counts "
                    f"fully from {self.mature_age:g} years",
                )
            )
        else:
            out.append(
                Reason("birth_year", None, "birth year unknown — maturity from patents only")
            )
        out.append(
            Reason(
                "maturity",
                round(s.maturity, 3),
                f"maturity {s.maturity:.2f} = {self.patent_weight:g} × patent rank "
                f"{s.s_patents:.2f}"
                + (
                    f" + {1 - self.patent_weight:g} × age {s.s_age:.2f}"
                    if s.s_age is not None
                    else ""
                )
                + f" (slope from {self.slope_maturity}, plateau from {self.plateau_maturity})",
            )
        )
        if s.opinion is not None:
            hot = t["opinion_hot"]
            state = (
                f"hot (≥ {hot:.1f}, top {1 - self.opinion_hot_q:.0%} of sub-fields)"
                if s.opinion >= hot
                else f"below the hot mark {hot:.1f}"
            )
            out.append(
                Reason("opinion_index", s.opinion, f"opinion index {s.opinion:.1f} — {state}")
            )
        if s.fin_events is not None:
            amount = f", about ¥{s.fin_amount:,.0f}" if s.fin_amount else ""
            fhot = t["fin_hot"]
            state = (
                f"heavily financed (≥ {fhot:,.0f} events, top {1 - self.fin_hot_q:.0%})"
                if s.fin_events >= fhot
                else f"below the hot mark of {fhot:,.0f} events"
            )
            out.append(
                Reason(
                    "fin_events",
                    s.fin_events,
                    f"{s.fin_events:,.0f} financing events{amount} — {state}",
                )
            )
        if s.attention is not None:
            ahot = t["attention_hot"]
            state = (
                f"hot (≥ {ahot:.1f}, top {1 - self.attention_hot_q:.0%} of sub-fields)"
                if s.attention >= ahot
                else f"below the hot mark {ahot:.1f}"
            )
            yr = num(row.get("attention_latest_year"))
            when = f" in {yr:.0f}" if yr is not None else ""
            out.append(
                Reason(
                    "attention_latest",
                    round(s.attention, 2),
                    f"latest attention level {s.attention:.1f}/100{when} — {state}",
                )
            )
        if s.hype is not None:
            out.append(
                Reason(
                    "hype",
                    round(s.hype, 3),
                    f"hype level {s.hype:.2f} (hot from {self.hot_level})",
                )
            )
        if s.ratio is not None:
            when = f"{s.peak_year} " if s.peak_year is not None else ""
            if s.ratio < self.trough_ratio:
                state = f"fallen below {self.trough_ratio:.0%} of it"
            elif s.ratio >= 0.98:
                state = "at its peak"
            else:
                state = f"below its peak, above the {self.trough_ratio:.0%} trough mark"
            out.append(
                Reason(
                    "attention_vs_peak",
                    s.ratio,
                    f"attention at {s.ratio:.0%} of its {when}peak — {state}",
                )
            )
        if s.growth is not None:
            out.append(
                Reason(
                    "attention_growth",
                    s.growth,
                    f"attention {s.growth:+.0%}/yr "
                    + _trend_word(s.growth, self.rising_growth, self.fast_growth),
                )
            )
        return out


# -- helpers -------------------------------------------------------------------------
def _nonnull(series: pl.Series) -> list[float]:
    return [float(v) for v in series.to_list() if num(v) is not None]


def _positive(series: pl.Series) -> list[float]:
    return [v for v in _nonnull(series) if v > 0]


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default)."""
    xs = sorted(values)
    if not xs:
        raise AssessError("cannot take a quantile of no values")
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


def _declines(s: _Signals) -> str:
    parts = []
    if s.patent_growth is not None:
        parts.append(f"patents {s.patent_growth:+.0%}/yr")
    if s.paper_growth is not None:
        parts.append(f"papers {s.paper_growth:+.0%}/yr")
    return " and ".join(parts) + " declining"


def _trend_word(g: float, rising: float, fast: float) -> str:
    if g > fast:
        return "(rising fast)"
    if g > rising:
        return "(rising)"
    if g < -rising:
        return "(falling)"
    return "(flat)"


def _has_attention(row: dict[str, Any]) -> bool:
    return (
        (num(row.get("articles_total")) or 0) > 0
        or (num(row.get("opinion_index")) or 0) > 0
        or num(row.get("attention_vs_peak")) is not None
        or (num(row.get("fin_events")) or 0) > 0
        or (num(row.get("attention_latest")) or 0) > 0
    )
