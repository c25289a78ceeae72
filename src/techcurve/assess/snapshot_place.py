"""The snapshot model's rules: signals → phase, position in it, years to the plateau,
and confidence. ``docs/models.md`` states the rules and why.

Every rule's sentence is a catalogue entry of ``text/reasons.yaml``
(``reasons.snapshot.rule.*``, ``reasons.snapshot.band.*``) filled with the values that
decided it.
"""

from __future__ import annotations

from dataclasses import dataclass

from techcurve.assess._base import clip01
from techcurve.assess.snapshot_settings import SnapshotSettings
from techcurve.assess.snapshot_signals import Signals, Thresholds
from techcurve.assess.years import BandEvidence, BandRules, is_faded
from techcurve.datatypes import Phase, Phrase

_R = "reasons.snapshot."


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the rules put one sub-field."""

    phase: Phase
    fraction: float  # how far through the phase, 0–1
    rule: Phrase  # the rule that decided, in words
    margin: float  # how far the deciding signals were from their thresholds, 0–1


@dataclass(frozen=True, slots=True)
class _Margins:
    """Distance of each deciding signal from its threshold, scaled to 0–1."""

    plateau: float
    slope: float
    hot: float
    fall: float


def place(s: Signals, cfg: SnapshotSettings, th: Thresholds) -> Placement:
    """Phase, fraction through it, the rule in words, and the decision margin (0–1)."""
    m, hype, r = s.maturity, s.hype, s.ratio
    fallen = (
        r is not None and r < cfg.trough_ratio and (s.peak_year is None or s.peak_year < s.year)
    )
    d = _Margins(
        plateau=abs(m - cfg.plateau_maturity) / 0.25,
        slope=abs(m - cfg.slope_maturity) / 0.25,
        hot=abs(hype - cfg.hot_level) / 0.3 if hype is not None else 0.0,
        fall=abs(r - cfg.trough_ratio) / 0.3 if r is not None else 0.0,
    )
    rising_fast = s.growth is not None and s.growth > cfg.fast_growth
    top_patents = s.patents >= th.patents_high
    if m >= cfg.plateau_maturity and top_patents and not rising_fast:
        f = (m - cfg.plateau_maturity) / (1 - cfg.plateau_maturity)
        values = {"maturity": m, "plateau": cfg.plateau_maturity, "fast": cfg.fast_growth}
        return Placement(Phase.PLATEAU, f, Phrase(_R + "rule.plateau", values), min(d.plateau, 1.0))
    since = s.year - s.peak_year if s.peak_year is not None else None
    near_peak = r is None or r >= 0.8
    established = top_patents and m >= cfg.slope_maturity
    if rising_fast and near_peak and not established:
        return _rising(s, cfg, d)
    at_peak_now = r is not None and r >= 0.8 and since is not None and since <= 1
    if hype is not None and hype >= cfg.hot_level and at_peak_now and not established:
        return _hot_at_peak(s, cfg, d)
    if fallen and faded(s, cfg):
        return _faded(s, cfg, d)
    long_past = since is not None and since >= cfg.trough_years and r is not None and r < 0.95
    recovered = m >= cfg.slope_maturity and r is not None and r > cfg.faded_ratio
    if long_past and (recovered or not fallen):
        return _after_trough(s, cfg, d, since or 0)
    if fallen:
        return _trough(s, cfg, d)
    if m >= cfg.slope_maturity:
        return _slope(s, cfg, d, top_patents)
    if hype is not None and hype >= cfg.hot_level:
        return _peak(s, cfg, d)
    return _trigger(s, cfg, d)


def _rising(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    """Attention rising fast near its own peak: the climb to the peak (or the trigger
    while it is not hot yet), whatever the age of the umbrella term."""
    g, hype = s.growth, s.hype
    assert g is not None
    hot = hype is not None and hype >= cfg.hot_level
    phase = Phase.PEAK if hot else Phase.TRIGGER
    f = 0.3 if hot else 0.5 + 0.5 * clip01((hype or 0.0) / cfg.hot_level)
    rule = Phrase(
        _R + ("rule.rising_hot" if hot else "rule.rising"),
        {"growth": g, "fast": cfg.fast_growth, "hype": hype or 0.0, "hot": cfg.hot_level},
    )
    return Placement(phase, f, rule, min(abs(g - cfg.fast_growth) / 0.3, d.hot, 1.0))


def _hot_at_peak(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    """Hot and at its own attention peak this year or last: the peak, whatever the age
    of the umbrella term (only top-band patents with a mature score keep it off)."""
    p = _peak(s, cfg, d)
    rule = Phrase(
        _R + "rule.hot_at_peak",
        {
            "hype": s.hype,
            "hot": cfg.hot_level,
            "ratio": s.ratio,
            "peak_year": s.peak_year,
            "maturity": s.maturity,
        },
    )
    return Placement(p.phase, p.fraction, rule, p.margin)


def _after_trough(s: Signals, cfg: SnapshotSettings, d: _Margins, since: int) -> Placement:
    """Attention peaked long ago and is now either holding or, for a mature sub-field,
    fell: through the trough, on the slope."""
    m, r = s.maturity, s.ratio
    assert r is not None
    f = clip01((m - cfg.slope_maturity) / (cfg.plateau_maturity - cfg.slope_maturity))
    rule = Phrase(
        _R + "rule.after_trough",
        {
            "ratio": r,
            "peak": _peak_of(s),
            "years": since,
            "trough_years": cfg.trough_years,
            "faded": cfg.faded_ratio,
            "maturity": m,
            "slope": cfg.slope_maturity,
        },
    )
    return Placement(Phase.SLOPE, f, rule, min(d.slope, 1.0))


def _peak_of(s: Signals) -> Phrase:
    if s.peak_year:
        return Phrase(_R + "peak_of.year", {"year": s.peak_year})
    return Phrase(_R + "peak_of.earlier")


def declines(s: Signals) -> Phrase:
    """ "patents −5%/yr and papers −3%/yr declining" for the growths that are known."""
    pg, ag = s.patent_growth, s.paper_growth
    if pg is not None and ag is not None:
        return Phrase(_R + "declines.both", {"patents": pg, "papers": ag})
    if pg is not None:
        return Phrase(_R + "declines.patents", {"patents": pg})
    if ag is not None:
        return Phrase(_R + "declines.papers", {"papers": ag})
    return Phrase(_R + "declines.none")


def _faded(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    r = s.ratio
    assert r is not None
    f = 0.5 * clip01(0.3 + (cfg.trough_ratio - r) / cfg.trough_ratio)
    rule = Phrase(
        _R + "rule.faded",
        {
            "ratio": r,
            "peak": _peak_of(s),
            "faded": cfg.faded_ratio,
            "declines": declines(s),
            "maturity": s.maturity,
            "plateau": cfg.plateau_maturity,
        },
    )
    margin = min(abs(r - cfg.faded_ratio) / 0.3, d.plateau, 1.0)
    return Placement(Phase.TROUGH, f, rule, margin)


def _trough(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    r, g = s.ratio, s.growth
    assert r is not None
    depth = (cfg.trough_ratio - r) / cfg.trough_ratio
    if g is not None and g > 0:
        f = 0.5 + 0.5 * clip01(g / cfg.fast_growth)  # recovering: right half
        trend = Phrase(_R + "trend.recovering", {"growth": g})
    else:
        f = 0.5 * clip01(0.3 + depth)  # still sliding: left half, deeper = lower
        trend = Phrase(_R + ("trend.falling" if g is not None else "trend.unknown"))
    rule = Phrase(
        _R + "rule.trough",
        {
            "ratio": r,
            "peak": _peak_of(s),
            "trough": cfg.trough_ratio,
            "trend": trend,
            "maturity": s.maturity,
            "plateau": cfg.plateau_maturity,
        },
    )
    return Placement(Phase.TROUGH, f, rule, min(d.fall, d.plateau, 1.0))


def _slope(s: Signals, cfg: SnapshotSettings, d: _Margins, top_patents: bool) -> Placement:
    m, r = s.maturity, s.ratio
    f = (m - cfg.slope_maturity) / (cfg.plateau_maturity - cfg.slope_maturity)
    extra: Phrase | str = ""
    if m >= cfg.plateau_maturity:
        extra = Phrase(_R + ("not_plateau.rising_fast" if top_patents else "not_plateau.patents"))
    if r is None:
        holding = Phrase(_R + "holding.unknown")
    elif s.peak_year is not None and s.peak_year < s.year:
        holding = Phrase(
            _R + "holding.no_trough",
            {"ratio": r, "trough": cfg.trough_ratio, "peak_year": s.peak_year},
        )
    else:
        holding = Phrase(_R + "holding.ratio", {"ratio": r})
    rule = Phrase(
        _R + "rule.slope",
        {"maturity": m, "slope": cfg.slope_maturity, "holding": holding, "extra": extra},
    )
    margin = min(d.slope, d.plateau, d.fall if r is not None else 1.0, 1.0)
    return Placement(Phase.SLOPE, f, rule, margin)


def _peak(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    r, g = s.ratio, s.growth
    if r is not None and r < 0.98:
        # Past its own peak but not yet fallen: the downhill side of the peak.
        f = 0.5 + 0.5 * clip01((1 - r) / (1 - cfg.trough_ratio))
        where = Phrase(_R + "where.past_peak", {"ratio": r})
    elif g is not None and g > cfg.rising_growth:
        f = 0.5 - 0.4 * clip01(g / max(cfg.fast_growth, 1e-9) / 2)
        where = Phrase(_R + "where.climbing", {"growth": g})
    else:
        f = 0.5
        where = Phrase(_R + "where.at_peak")
    rule = Phrase(
        _R + "rule.peak",
        {
            "hype": s.hype,
            "hot": cfg.hot_level,
            "where": where,
            "maturity": s.maturity,
            "slope": cfg.slope_maturity,
        },
    )
    return Placement(Phase.PEAK, f, rule, min(d.hot, d.slope, 1.0))


def _trigger(s: Signals, cfg: SnapshotSettings, d: _Margins) -> Placement:
    m, hype, g = s.maturity, s.hype, s.growth
    f = 0.5 * clip01(m / cfg.slope_maturity) + 0.5 * clip01((hype or 0.0) / cfg.hot_level)
    hype_words = (
        Phrase(_R + "hype_of.known", {"hype": hype})
        if hype is not None
        else Phrase(_R + "hype_of.unknown")
    )
    trend: Phrase | str = Phrase(_R + "trigger_trend", {"growth": g}) if g is not None else ""
    rule = Phrase(
        _R + "rule.trigger",
        {
            "maturity": m,
            "slope": cfg.slope_maturity,
            "hype": hype_words,
            "hot": cfg.hot_level,
            "trend": trend,
        },
    )
    return Placement(Phase.TRIGGER, f, rule, min(d.hot, d.slope, 1.0))


def faded(s: Signals, cfg: SnapshotSettings) -> bool:
    """Attention collapsed and every known one of patent/paper growth is negative, or
    nothing matched it at all in the latest year (level 0 on the common scale): the
    rule of :func:`techcurve.assess.years.is_faded`, which gives the band."""
    ev = BandEvidence(s.maturity, s.patent_growth, s.paper_growth, s.growth, s.ratio, s.attention)
    return is_faded(ev, BandRules(faded_ratio=cfg.faded_ratio))


def confidence(s: Signals, margin: float) -> float:
    """How sure the rules are: the evidence's coverage and the decision's margin."""
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


__all__ = ["Placement", "confidence", "declines", "faded", "place"]
