"""A closed round's aggregates, and the consensus rule.

Per sub-field, over the round's answers: the median position (and the phase it falls
in), the quartiles Q1 and Q3 (linear interpolation between the sorted answers, numpy's
default), the interquartile range in *phase widths* — the width of the phase holding
the median on the curve (:data:`~techcurve.datatypes.PHASE_BOUNDS`: trigger 0.17, peak
0.19, trough 0.19, slope 0.25, plateau 0.20) — and the share of answers in the
median's phase. An answer is an outlier when it lies outside [Q1 − 1.5·IQR,
Q3 + 1.5·IQR] or more than one phase from the median's phase. The panel agrees
(consensus) when the IQR is at most one phase width, or when the round is the panel's
last (``max_rounds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median_low

import numpy as np

from techcurve.datatypes import Phase, YearsBand
from techcurve.panel.model import Answer, Outlier, SubfieldResult


def phase_width(phase: Phase) -> float:
    """The width of ``phase`` on the curve (the plateau ends at 1.0)."""
    lo, hi = phase.bounds
    return round(min(hi, 1.0) - lo, 9)


def _band(answers: Sequence[Answer]) -> str | None:
    order = list(YearsBand)
    given = [order.index(YearsBand(a.years_band)) for a in answers if a.years_band]
    return order[median_low(given)].value if given else None


def aggregate(
    subfield_id: str,
    answers: Sequence[tuple[int, Answer]],
    *,
    last_round: bool = False,
) -> SubfieldResult:
    """The aggregate of one sub-field's ``answers`` ((expert_id, answer) pairs, at least one).

    >>> a = [(i, Answer("ar", Phase.at(p).value, p)) for i, p in enumerate([0.2, 0.25, 0.3])]
    >>> r = aggregate("ar", a)
    >>> (r.median, r.median_phase, r.q1, r.q3, r.consensus)
    (0.25, 'peak', 0.225, 0.275, True)
    """
    positions = np.array([a.position for _, a in answers], dtype=float)
    med = float(np.median(positions))
    q1, q3 = (float(v) for v in np.percentile(positions, [25, 75]))
    iqr = q3 - q1
    phase = Phase.at(med)
    iqr_phases = iqr / phase_width(phase)
    agreeing = sum(1 for _, a in answers if a.phase == phase.value)
    lo, hi = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    outliers = tuple(
        Outlier(eid, a.position, a.phase, a.rationale)
        for eid, a in answers
        if not lo <= a.position <= hi or abs(Phase(a.phase).order - phase.order) > 1
    )
    confidences = [a.confidence for _, a in answers if a.confidence is not None]
    return SubfieldResult(
        subfield_id=subfield_id,
        answers=len(answers),
        median=round(med, 9),
        median_phase=phase.value,
        q1=round(q1, 9),
        q3=round(q3, 9),
        iqr_phases=round(iqr_phases, 9),
        share_agreeing=round(agreeing / len(answers), 9),
        years_band=_band([a for _, a in answers]),
        confidence=round(float(np.median(confidences)), 9) if confidences else None,
        consensus=iqr_phases <= 1.0 or last_round,
        outliers=outliers,
    )
