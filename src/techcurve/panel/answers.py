"""Validating an expert's answer for one sub-field.

An answer gives a phase, a position (0–1 on the curve) or both; a position alone
implies its phase, a phase alone puts the answer in the middle of the phase, and a
position outside the given phase's range is an error. The years band and the
confidence (0–1) are optional. A rationale is required where the expert's phase is
more than one phase from the model's. Every error names the sub-field and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from techcurve.assess._base import phase_middle, phase_range
from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import PanelError
from techcurve.panel.model import Answer

FIELDS = ("phase", "position", "years_band", "confidence", "rationale")


def answer_error(key: str, subfield: str, field: str | None, **values: Any) -> PanelError:
    """The :class:`PanelError` of catalogue text ``key`` about ``subfield``'s ``field``."""
    error = PanelError.of(key, subfield=subfield, field=field or "", **values)
    error.subfield = subfield
    error.field = field
    return error


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(sid: str, field: str, value: Any) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise answer_error("panel.answer.not_number", sid, field, value=value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise answer_error("panel.answer.not_number", sid, field, value=value) from None
    if not 0.0 <= number <= 1.0:
        raise answer_error("panel.answer.outside", sid, field, value=number)
    return number


def _phase(sid: str, value: Any) -> Phase | None:
    if _blank(value):
        return None
    if isinstance(value, Phase):
        return value
    try:
        return Phase.parse(str(value))
    except ValueError:
        allowed = ", ".join(f"{p.value} ({p.zh})" for p in Phase)
        raise answer_error(
            "panel.answer.bad_phase", sid, "phase", value=value, allowed=allowed
        ) from None


def _band(sid: str, value: Any) -> str | None:
    if _blank(value):
        return None
    try:
        return YearsBand.parse(str(value)).value
    except ValueError:
        allowed = ", ".join(b.value for b in YearsBand)
        raise answer_error(
            "panel.answer.bad_band", sid, "years_band", value=value, allowed=allowed
        ) from None


def _placement(sid: str, raw: Mapping[str, Any]) -> tuple[Phase, float]:
    phase = _phase(sid, raw.get("phase"))
    position = _number(sid, "position", raw.get("position"))
    if position is None:
        if phase is None:
            raise answer_error("panel.answer.no_placement", sid, "phase")
        return phase, phase_middle(phase)
    at = Phase.at(position)
    if phase is not None and at is not phase:
        lo, hi = phase_range(phase)
        raise answer_error(
            "panel.answer.position_elsewhere", sid, "position",
            position=position, at=at.value, phase=phase.value, lo=lo, hi=hi,
        )  # fmt: skip
    return at, position


def validate_answer(subfield_id: str, raw: Mapping[str, Any], model_phase: str | None) -> Answer:
    """The :class:`Answer` of ``raw`` (keys of :data:`FIELDS`; blanks are missing) for
    ``subfield_id``, whose model phase is ``model_phase`` (None: insufficient evidence);
    raises the first problem :func:`check_answer` finds.

    >>> validate_answer("ar", {"position": 0.3}, "peak").phase
    'peak'
    """
    answer, problems = check_answer(subfield_id, raw, model_phase)
    if answer is None:
        raise problems[0]
    return answer


def check_answer(
    sid: str, raw: Mapping[str, Any], model_phase: str | None
) -> tuple[Answer | None, list[PanelError]]:
    """The answer (None when invalid) and every problem of ``raw``, each field checked on
    its own (a form names every bad cell of a row, not only the first); the rules between
    fields (a position inside the given phase, a rationale where the phase is far from
    the model's) once the fields they read are valid. No problem: a valid answer."""
    problems: list[PanelError] = []

    def check(fn: Any, *args: Any) -> tuple[bool, Any]:
        try:
            return True, fn(sid, *args)
        except PanelError as e:
            problems.append(e)
            return False, None

    phase_ok, _ = check(_phase, raw.get("phase"))
    position_ok, _ = check(_number, "position", raw.get("position"))
    _, band = check(_band, raw.get("years_band"))
    _, confidence = check(_number, "confidence", raw.get("confidence"))
    if not (phase_ok and position_ok):
        return None, problems
    placed, placement = check(lambda s: _placement(s, raw))
    if not placed:
        return None, problems
    phase, position = placement
    rationale = raw.get("rationale")
    rationale = None if _blank(rationale) else str(rationale).strip()
    if rationale is None and model_phase is not None:
        model = Phase(model_phase)
        if abs(model.order - phase.order) > 1:
            problems.append(answer_error(
                "panel.answer.rationale_required", sid, "rationale",
                phase=phase.value, model=model.value,
            ))  # fmt: skip
    if problems:
        return None, problems
    return Answer(sid, phase.value, position, band, confidence, rationale), problems
