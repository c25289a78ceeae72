"""Years to the plateau: every band of Gartner's legend is reachable, each only on the
evidence that supports it; unknown growth is never read as "not growing"."""

from __future__ import annotations

import pytest

from techcurve.assess.years import BandEvidence, BandRules, is_faded, years_band_for
from techcurve.datatypes import Phase, YearsBand


def ev(
    maturity: float = 0.5,
    patents: float | None = None,
    papers: float | None = None,
    attention: float | None = None,
    ratio: float | None = None,
) -> BandEvidence:
    return BandEvidence(maturity, patents, papers, attention, ratio)


@pytest.mark.parametrize(
    ("phase", "fraction", "evidence", "band", "key"),
    [
        (Phase.PLATEAU, 0.1, ev(), YearsBand.LT2, "plateau"),
        (Phase.SLOPE, 0.7, ev(), YearsBand.LT2, "late_slope"),
        (Phase.SLOPE, 0.4, ev(), YearsBand.Y2_5, "slope"),
        (Phase.SLOPE, 0.1, ev(attention=-0.3), YearsBand.Y5_10, "early_slope"),
        (Phase.SLOPE, 0.1, ev(attention=-0.1), YearsBand.Y2_5, "slope"),
        (Phase.TROUGH, 0.5, ev(patents=-0.2, papers=-0.1, ratio=0.2), YearsBand.OBSOLETE, "faded"),
        (
            Phase.TROUGH,
            0.5,
            ev(patents=0.3, papers=0.1, ratio=0.5),
            YearsBand.Y2_5,
            "trough_commercial",
        ),
        (
            Phase.TROUGH,
            0.5,
            ev(patents=-0.1, papers=0.0, ratio=0.5),
            YearsBand.GT10,
            "trough_stalled",
        ),
        (Phase.TROUGH, 0.5, ev(papers=-0.2, ratio=0.5), YearsBand.GT10, "trough_stalled"),
        # growth unknown at the cut-off (the series end years before): not "stalled"
        (Phase.TROUGH, 0.5, ev(ratio=0.5), YearsBand.Y5_10, "trough"),
        # attention collapsed but nothing known about patents and papers: not faded
        (Phase.TROUGH, 0.5, ev(ratio=0.1), YearsBand.Y5_10, "trough"),
        (Phase.TROUGH, 0.5, ev(patents=0.1, papers=0.2, ratio=0.5), YearsBand.Y5_10, "trough"),
        (Phase.PEAK, 0.5, ev(0.4, patents=0.5, papers=0.1), YearsBand.Y2_5, "peak_commercial"),
        (Phase.PEAK, 0.5, ev(0.1), YearsBand.GT10, "peak_young"),
        (Phase.PEAK, 0.5, ev(0.3), YearsBand.Y5_10, "peak"),
        (Phase.TRIGGER, 0.5, ev(patents=0.5, attention=0.2), YearsBand.Y5_10, "trigger_fast"),
        (Phase.TRIGGER, 0.5, ev(patents=0.5), YearsBand.GT10, "trigger"),
    ],
)
def test_band_and_its_reason(
    phase: Phase, fraction: float, evidence: BandEvidence, band: YearsBand, key: str
) -> None:
    got, why = years_band_for(phase, fraction, evidence)
    assert (got, why.key) == (band, f"reasons.snapshot.band.{key}")


def test_every_band_is_reachable() -> None:
    reached = {
        years_band_for(Phase.PLATEAU, 0.5, ev())[0],
        years_band_for(Phase.SLOPE, 0.4, ev())[0],
        years_band_for(Phase.PEAK, 0.5, ev(0.3))[0],
        years_band_for(Phase.TRIGGER, 0.5, ev())[0],
        years_band_for(Phase.TROUGH, 0.5, ev(patents=-0.5, papers=-0.5, ratio=0.1))[0],
    }
    assert reached == set(YearsBand)


def test_reasons_read_in_both_languages() -> None:
    _, why = years_band_for(Phase.TROUGH, 0.5, ev(patents=-0.2, papers=-0.1, ratio=0.2))
    assert why.text("en") == (
        "faded: attention at 20% of its peak and patents -20%/yr and papers -10%/yr "
        "declining → obsolete before the plateau"
    )
    assert why.text("zh") == (
        "已衰退：关注度为峰值的 20%，且专利每年 -20%、论文每年 -10%，均在下降 → 在成熟前即被淘汰"
    )


def test_faded_needs_a_known_decline_and_the_rules_threshold() -> None:
    assert not is_faded(ev(ratio=0.1), BandRules())
    assert is_faded(ev(patents=-0.1, ratio=0.3), BandRules(faded_ratio=0.3))
    assert not is_faded(ev(patents=-0.1, ratio=0.31), BandRules(faded_ratio=0.3))
