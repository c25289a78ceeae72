"""How sure a placement is, as the curve draws it and the report and ``explain`` print it.

Every model stores a ``confidence`` (0–1); a model that gives phase probabilities stores
them in the ``probabilities`` column (JSON ``{"peak": 0.7, …}``; the column may be absent).
The curve shows both:

* **faded dot**: a dot is drawn solid at confidence ≥ 0.6, at 60 % opacity from 0.4 and
  at 30 % below 0.4 (:func:`dot_opacity`); an expert's placement is drawn solid;
* **whisker**: when the phases that together hold 80 % of the probability (the most
  probable first, :func:`likely_phases`) are more than the dot's own, a thin line beside
  the curve runs from the dot towards them, as long as the probability on that side
  (``WHISKER_LENGTH`` of curve position for all of it; :func:`whisker`).

>>> likely_phases(phase_probabilities('{"trough": 0.5, "slope": 0.35, "peak": 0.15}'))
(<Phase.TROUGH: 'trough'>, <Phase.SLOPE: 'slope'>)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from techcurve.datatypes import Phase

#: the share of the probability the whisker's phases hold
WHISKER_MASS = 0.8
#: a whisker's length (in curve position) when all the probability lies on its side
WHISKER_LENGTH = 0.12
#: confidence from which a dot is solid, and below which it is faintest
SOLID_FROM, FAINT_BELOW = 0.6, 0.4
#: the opacity of a dot between the two, and below the lower one
HALF_OPACITY, FAINT_OPACITY = 0.6, 0.3


def phase_probabilities(raw: Any) -> tuple[tuple[Phase, float], ...]:
    """The ``probabilities`` column (JSON text or a mapping phase → p) in phase order;
    empty when absent or unreadable (unknown phases and non-numbers are left out).

    >>> phase_probabilities('{"peak": 0.7, "trigger": 0.3}')
    ((<Phase.TRIGGER: 'trigger'>, 0.3), (<Phase.PEAK: 'peak'>, 0.7))
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return ()
    if not isinstance(raw, Mapping):
        return ()
    out: dict[Phase, float] = {}
    for k, v in raw.items():
        try:
            phase = Phase.parse(str(k))
            p = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(p):
            out[phase] = p
    return tuple((ph, out[ph]) for ph in Phase if ph in out)


def likely_phases(
    probs: Sequence[tuple[Phase, float]], mass: float = WHISKER_MASS
) -> tuple[Phase, ...]:
    """The fewest phases, most probable first, that hold ``mass`` of the probability,
    returned in phase order (all of them when they never reach it; none without any)."""
    total = sum(p for _, p in probs if p > 0)
    if total <= 0:
        return ()
    chosen: list[Phase] = []
    held = 0.0
    for ph, p in sorted(probs, key=lambda x: (-x[1], x[0].order)):
        if held >= mass * total - 1e-12:
            break
        chosen.append(ph)
        held += p
    return tuple(ph for ph in Phase if ph in chosen)


def whisker(probs: Sequence[tuple[Phase, float]], x: float) -> tuple[float, float] | None:
    """How far (in curve position) a dot at ``x`` reaches back and forth: towards each
    side where one of the phases holding 80 % of the probability lies,
    ``WHISKER_LENGTH`` × the probability of the phases on that side; None when the 80 %
    are the dot's own phase alone.

    >>> whisker(((Phase.TROUGH, 0.6), (Phase.SLOPE, 0.3), (Phase.PEAK, 0.1)), 0.45)
    (0.0, 0.036)
    """
    likely = likely_phases(probs)
    total = sum(p for _, p in probs if p > 0)
    if not likely or total <= 0:
        return None
    own = Phase.at(x).order
    sides = []
    for before in (True, False):
        side = [ph for ph in Phase if (ph.order < own if before else ph.order > own)]
        held = sum(p for ph, p in probs if ph in side and p > 0) / total
        reaches = any(ph in side for ph in likely)
        sides.append(round(WHISKER_LENGTH * held, 6) if reaches else 0.0)
    back, forth = sides
    return None if back == forth == 0.0 else (back, forth)


def dot_opacity(confidence: float | None) -> float:
    """A dot's opacity for its ``confidence`` (None: solid)."""
    if confidence is None or math.isnan(confidence) or confidence >= SOLID_FROM:
        return 1.0
    return HALF_OPACITY if confidence >= FAINT_BELOW else FAINT_OPACITY


__all__ = [
    "FAINT_BELOW",
    "SOLID_FROM",
    "WHISKER_MASS",
    "WHISKER_LENGTH",
    "dot_opacity",
    "likely_phases",
    "phase_probabilities",
    "whisker",
]
