"""Years to the plateau: Gartner's legend (<2, 2–5, 5–10, >10 years, obsolete before the
plateau) from the phase, the place within it and the growth of the maturity evidence.

Every band is reachable, each only when its evidence is there; growth that is *unknown*
(no patent or paper series reaches the cut-off) is never read as "not growing":

========  ===========================================================================
phase     band
========  ===========================================================================
plateau   <2
slope     <2 in its last 40 %, else 2–5; 5–10 in its first 20 % when attention is
          still falling faster than ``falling_growth``
trough    obsolete when faded (attention ≤ ``faded_ratio`` of its peak, every known
          patent/paper growth negative); 2–5 when patents grow (> 0) faster than
          papers; >10 when patent or paper growth is known and none is > 0; else 5–10
peak      2–5 when maturity ≥ ``commercial_maturity`` and patents outgrow papers;
          >10 when maturity < ``young_maturity``; else 5–10
trigger   5–10 when patents grow > ``fast_growth`` and attention > ``rising_growth``
          a year; else >10
========  ===========================================================================

Each band comes with its reason, a catalogue phrase (``reasons.snapshot.band.*``).

>>> ev = BandEvidence(maturity=0.6, patent_growth=None, paper_growth=None,
...                   attention_growth=-0.1, attention_ratio=0.4)
>>> band, why = years_band_for(Phase.TROUGH, 0.3, ev)
>>> band.value, why.key
('5-10', 'reasons.snapshot.band.trough')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from techcurve.datatypes import Phase, Phrase, YearsBand

_R = "reasons.snapshot."


@dataclass(frozen=True, slots=True)
class BandEvidence:
    """What the band reads: maturity (0–1), yearly growth of patents, papers and
    attention (None = unknown at the cut-off) and attention as a share of its own peak."""

    maturity: float
    patent_growth: float | None
    paper_growth: float | None
    attention_growth: float | None
    attention_ratio: float | None
    #: the latest attention level on the common scale (0 = nothing matched in the
    #: latest year; None = unknown)
    attention_level: float | None = None

    @property
    def commercialising(self) -> bool:
        """Patents growing faster than papers (both known)."""
        pg, qg = self.patent_growth, self.paper_growth
        return pg is not None and qg is not None and pg > qg


@dataclass(frozen=True, slots=True)
class BandRules:
    """The thresholds of :func:`years_band_for` (the snapshot model passes its own)."""

    faded_ratio: float = 0.3
    fast_growth: float = 0.3
    rising_growth: float = 0.1
    falling_growth: float = -0.2
    commercial_maturity: float = 0.35
    young_maturity: float = 0.15
    late_slope: float = 0.6
    early_slope: float = 0.2


def _declines(ev: BandEvidence) -> Phrase:
    pg, qg = ev.patent_growth, ev.paper_growth
    if pg is not None and pg < 0 and qg is not None and qg < 0:
        return Phrase(_R + "declines.both", {"patents": pg, "papers": qg})
    if pg is not None and pg < 0:
        return Phrase(_R + "declines.patents", {"patents": pg})
    if qg is not None and qg < 0:
        return Phrase(_R + "declines.papers", {"papers": qg})
    return Phrase(_R + "declines.none")


def is_faded(ev: BandEvidence, rules: BandRules) -> bool:
    """Attention collapsed and every known one of patent/paper growth is negative, or
    nothing matched it at all in the latest year (the snapshot model's rule, too)."""
    if ev.attention_ratio is None or ev.attention_ratio > rules.faded_ratio:
        return False
    if ev.attention_level is not None and ev.attention_level <= 0.0:
        return True
    known = [g for g in (ev.patent_growth, ev.paper_growth) if g is not None]
    return bool(known) and all(g < 0 for g in known)


def _trough(ev: BandEvidence, rules: BandRules) -> tuple[YearsBand, Phrase]:
    pg, qg = ev.patent_growth, ev.paper_growth
    if is_faded(ev, rules):
        values = {"ratio": ev.attention_ratio, "declines": _declines(ev)}
        return YearsBand.OBSOLETE, Phrase(_R + "band.faded", values)
    if ev.commercialising and pg is not None and pg > 0:
        return YearsBand.Y2_5, Phrase(_R + "band.trough_commercial", {"patents": pg, "papers": qg})
    known = [g for g in (pg, qg) if g is not None]
    if known and all(g <= 0 for g in known):
        return YearsBand.GT10, Phrase(_R + "band.trough_stalled")
    return YearsBand.Y5_10, Phrase(_R + "band.trough")


def years_band_for(
    phase: Phase, fraction: float, ev: BandEvidence, rules: BandRules | None = None
) -> tuple[YearsBand, Phrase]:
    """The years-to-plateau band of a sub-field in ``phase`` at ``fraction`` (0–1) of
    the way through it, and the reason (see the module's table)."""
    r = rules or BandRules()
    if phase is Phase.PLATEAU:
        return YearsBand.LT2, Phrase(_R + "band.plateau")
    if phase is Phase.SLOPE:
        ag = ev.attention_growth
        if fraction >= r.late_slope:
            return YearsBand.LT2, Phrase(_R + "band.late_slope")
        if fraction < r.early_slope and ag is not None and ag < r.falling_growth:
            return YearsBand.Y5_10, Phrase(_R + "band.early_slope", {"attention": ag})
        return YearsBand.Y2_5, Phrase(_R + "band.slope")
    if phase is Phase.TROUGH:
        return _trough(ev, r)
    if phase is Phase.PEAK:
        if ev.maturity >= r.commercial_maturity and ev.commercialising:
            return YearsBand.Y2_5, Phrase(_R + "band.peak_commercial", {"maturity": ev.maturity})
        if ev.maturity < r.young_maturity:
            return YearsBand.GT10, Phrase(_R + "band.peak_young", {"maturity": ev.maturity})
        return YearsBand.Y5_10, Phrase(_R + "band.peak")
    pg, ag = ev.patent_growth, ev.attention_growth
    if pg is not None and pg > r.fast_growth and ag is not None and ag > r.rising_growth:
        return YearsBand.Y5_10, Phrase(_R + "band.trigger_fast", {"patents": pg, "attention": ag})
    return YearsBand.GT10, Phrase(_R + "band.trigger")


class _Signals(Protocol):
    """The snapshot model's signals, as far as the band reads them."""

    @property
    def maturity(self) -> float: ...
    @property
    def patent_growth(self) -> float | None: ...
    @property
    def paper_growth(self) -> float | None: ...
    @property
    def growth(self) -> float | None: ...
    @property
    def ratio(self) -> float | None: ...
    @property
    def attention(self) -> float | None: ...


class _Settings(Protocol):
    """The snapshot model's settings, as far as the band reads them."""

    @property
    def faded_ratio(self) -> float: ...
    @property
    def fast_growth(self) -> float: ...
    @property
    def rising_growth(self) -> float: ...


def years_band(
    phase: Phase, fraction: float, s: _Signals, cfg: _Settings
) -> tuple[YearsBand, Phrase]:
    """:func:`years_band_for` on the snapshot model's signals and settings (its call site)."""
    ev = BandEvidence(s.maturity, s.patent_growth, s.paper_growth, s.growth, s.ratio, s.attention)
    rules = BandRules(
        faded_ratio=cfg.faded_ratio, fast_growth=cfg.fast_growth, rising_growth=cfg.rising_growth
    )
    return years_band_for(phase, fraction, ev, rules)


__all__ = ["BandEvidence", "BandRules", "is_faded", "years_band", "years_band_for"]
