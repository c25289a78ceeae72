"""The snapshot model's evidence reasons: each signal it read, its value and what it
implied, as catalogue entries of ``text/reasons.yaml`` (``reasons.snapshot.*``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from techcurve.assess._base import num
from techcurve.assess.snapshot_settings import SnapshotSettings
from techcurve.assess.snapshot_signals import Signals, Thresholds
from techcurve.datatypes import Phrase, Reason, ReasonValue

_R = "reasons.snapshot."


def evidence_reasons(
    s: Signals, row: Mapping[str, Any], cfg: SnapshotSettings, th: Thresholds
) -> list[Reason]:
    """One reason per signal the rules read, in the order the report shows them."""
    out = [_patents(s, cfg, th), _birth(s, row, cfg), _maturity(s, cfg)]
    if s.opinion is not None:
        state = _hot_state(s.opinion, th.opinion_hot, cfg.opinion_hot_q)
        out.append(
            Reason(
                "opinion_index",
                s.opinion,
                _R + "opinion_index",
                {"opinion": s.opinion, "state": state},
            )
        )
    if s.fin_events is not None:
        out.append(_financing(s, cfg, th))
    if s.attention is not None:
        out.append(_attention(s, row, cfg, th))
    if s.hype is not None:
        values: dict[str, ReasonValue] = {"hype": s.hype, "hot": cfg.hot_level}
        out.append(Reason("hype", round(s.hype, 3), _R + "hype", values))
    if s.ratio is not None:
        out.append(_vs_peak(s, cfg))
    if s.growth is not None:
        trend = _trend_word(s.growth, cfg.rising_growth, cfg.fast_growth)
        values = {"growth": s.growth, "trend": trend}
        out.append(Reason("attention_growth", s.growth, _R + "attention_growth", values))
    return out


def _patents(s: Signals, cfg: SnapshotSettings, th: Thresholds) -> Reason:
    lo, hi = th.patents_low, th.patents_high
    if s.patents >= hi:
        band = Phrase(_R + "patent_band.top", {"share": 1 - cfg.patents_high_q, "high": hi})
    elif s.patents >= lo:
        band = Phrase(_R + "patent_band.middle", {"low": lo, "high": hi})
    else:
        band = Phrase(_R + "patent_band.bottom", {"share": cfg.patents_low_q, "low": lo})
    values: dict[str, ReasonValue] = {"patents": s.patents, "band": band}
    return Reason("patents_cum", s.patents, _R + "patents_cum", values)


def _birth(s: Signals, row: Mapping[str, Any], cfg: SnapshotSettings) -> Reason:
    if s.age is None:
        return Reason("birth_year", None, _R + "birth_unknown")
    ev = row.get("birth_evidence")
    source: Phrase | str = Phrase(_R + "first_record", {"record": ev}) if ev else ""
    values = {
        "birth": s.birth_year,
        "age": s.age,
        "year": s.year,
        "source": source,
        "mature_age": cfg.mature_age,
    }
    return Reason("birth_year", s.birth_year, _R + "birth_year", values)


def _maturity(s: Signals, cfg: SnapshotSettings) -> Reason:
    age_part: Phrase | str = ""
    if s.s_age is not None:
        age_part = Phrase(_R + "age_part", {"weight": 1 - cfg.patent_weight, "age": s.s_age})
    values = {
        "maturity": s.maturity,
        "weight": cfg.patent_weight,
        "rank": s.s_patents,
        "age_part": age_part,
        "slope": cfg.slope_maturity,
        "plateau": cfg.plateau_maturity,
    }
    return Reason("maturity", round(s.maturity, 3), _R + "maturity", values)


def _hot_state(value: float, hot: float, q: float) -> Phrase:
    if value >= hot:
        return Phrase(_R + "hot_state.hot", {"hot": hot, "share": 1 - q})
    return Phrase(_R + "hot_state.below", {"hot": hot})


def _financing(s: Signals, cfg: SnapshotSettings, th: Thresholds) -> Reason:
    assert s.fin_events is not None
    fhot = th.fin_hot
    amount: Phrase | str = ""
    if s.fin_amount:
        amount = Phrase(_R + "fin_amount", {"amount": s.fin_amount})
    if s.fin_events >= fhot:
        state = Phrase(_R + "fin_state.hot", {"hot": fhot, "share": 1 - cfg.fin_hot_q})
    else:
        state = Phrase(_R + "fin_state.below", {"hot": fhot})
    values = {"events": s.fin_events, "amount": amount, "state": state}
    return Reason("fin_events", s.fin_events, _R + "fin_events", values)


def _attention(s: Signals, row: Mapping[str, Any], cfg: SnapshotSettings, th: Thresholds) -> Reason:
    assert s.attention is not None
    yr = num(row.get("attention_latest_year"))
    when: Phrase | str = Phrase(_R + "in_year", {"year": yr}) if yr is not None else ""
    values = {
        "level": s.attention,
        "when": when,
        "state": _hot_state(s.attention, th.attention_hot, cfg.attention_hot_q),
    }
    return Reason("attention_latest", round(s.attention, 2), _R + "attention_latest", values)


def _vs_peak(s: Signals, cfg: SnapshotSettings) -> Reason:
    assert s.ratio is not None
    when: Phrase | str = ""
    if s.peak_year is not None:
        when = Phrase(_R + "peak_year", {"year": s.peak_year})
    if s.ratio < cfg.trough_ratio:
        state = Phrase(_R + "vs_peak.fallen", {"trough": cfg.trough_ratio})
    elif s.ratio >= 0.98:
        state = Phrase(_R + "vs_peak.at_peak")
    else:
        state = Phrase(_R + "vs_peak.below", {"trough": cfg.trough_ratio})
    values = {"ratio": s.ratio, "when": when, "state": state}
    return Reason("attention_vs_peak", s.ratio, _R + "attention_vs_peak", values)


def _trend_word(g: float, rising: float, fast: float) -> Phrase:
    if g > fast:
        return Phrase(_R + "trend_word.rising_fast")
    if g > rising:
        return Phrase(_R + "trend_word.rising")
    if g < -rising:
        return Phrase(_R + "trend_word.falling")
    return Phrase(_R + "trend_word.flat")


__all__ = ["evidence_reasons"]
