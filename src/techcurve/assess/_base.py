"""What every stage model shares: parameters, the fitted check, positions, the output frame."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

import polars as pl

from techcurve.datatypes import PHASE_BOUNDS, Assessment, Phase, Reason
from techcurve.errors import AssessError

# The `assessments` table (docs/architecture.md), in column order.
ASSESSMENT_SCHEMA: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "model": pl.Utf8(),
    "as_of": pl.Date(),
    "status": pl.Utf8(),
    "phase": pl.Utf8(),
    "position": pl.Float64(),
    "years_band": pl.Utf8(),
    "confidence": pl.Float64(),
    "reasons": pl.Utf8(),
    # JSON {phase: probability} from models that give one (the learnt model), else null
    "probabilities": pl.Utf8(),
}

# Keep positions off the phase edges so that Phase.at(position) is the phase, after rounding.
_EDGE = 0.02


def phase_range(phase: Phase) -> tuple[float, float]:
    """The phase's bounds with the plateau's upper edge clipped to 1.0."""
    lo, hi = PHASE_BOUNDS[phase]
    return lo, min(hi, 1.0)


def position_in(phase: Phase, fraction: float) -> float:
    """The curve position at ``fraction`` (0–1) of the way through ``phase``.

    >>> position_in(Phase.TROUGH, 0.5)
    0.455
    """
    lo, hi = phase_range(phase)
    f = min(max(fraction, 0.0), 1.0)
    pos = round(lo + (_EDGE + (1 - 2 * _EDGE) * f) * (hi - lo), 3)
    if Phase.at(pos) is not phase:  # pragma: no cover - guarded by _EDGE
        raise AssertionError(f"position {pos} is outside {phase.value}")
    return pos


def phase_middle(phase: Phase) -> float:
    """The middle of a phase's bounds (where an override with only a phase lands)."""
    lo, hi = phase_range(phase)
    return round((lo + hi) / 2, 3)


def clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def num(value: Any) -> float | None:
    """A finite float, or None for null/NaN/non-numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def to_date(value: Any, what: str = "as_of") -> date:
    """A date from a date, datetime, ISO string or year."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and 1000 <= value <= 9999:
        return date(value, 12, 31)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise AssessError.of("assess.not_a_date", what=what, value=value)


#: what a library error may say is missing, for a caller to tell how to get it
NEEDS = ("store", "match", "indicators", "labels")


def needing(what: str, error: AssessError, *, as_of: date | None = None) -> AssessError:
    """``error`` marked with what is missing (one of :data:`NEEDS`) as ``error.needs``,
    and the as-of date it is needed for as ``error.needs_as_of``: the message speaks of
    the library, the CLI adds the command that provides it."""
    if what not in NEEDS:  # pragma: no cover - a bug in the caller
        raise ValueError(f"unknown need {what!r}")
    error.needs = what  # type: ignore[attr-defined]
    error.needs_as_of = as_of  # type: ignore[attr-defined]
    return error


def check_columns(frame: pl.DataFrame, required: Iterable[str], name: str) -> None:
    """Raise AssessError naming the missing columns of ``frame``."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        error = AssessError.of("assess.table_lacks_columns", table=name, columns=", ".join(missing))
        raise needing("indicators", error)


def reasons_json(reasons: Iterable[Reason]) -> str:
    """Reasons as the JSON list stored in the `reasons` column (:meth:`Reason.to_json`)."""
    return json.dumps([r.to_json() for r in reasons], ensure_ascii=False, default=_plain)


def probabilities_json(probabilities: Mapping[str, float] | None) -> str | None:
    """Phase probabilities as the JSON object stored in the ``probabilities`` column
    (null when the model gives none).

    >>> probabilities_json({"peak": 0.75, "trough": 0.25})
    '{"peak": 0.75, "trough": 0.25}'
    """
    if probabilities is None:
        return None
    return json.dumps({str(k): float(v) for k, v in probabilities.items()})


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (for json.dumps)."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def assessments_to_frame(assessments: Iterable[Assessment], as_of: date | str) -> pl.DataFrame:
    """The `assessments` table frame (docs/architecture.md) for a list of assessments.

    >>> from techcurve.datatypes import Assessment
    >>> assessments_to_frame([Assessment("ar", "snapshot", None, None, None, 0.0,
    ...                                   status="insufficient")], "2022-11-24").height
    1
    """
    day = to_date(as_of)
    rows = [
        {
            "subfield_id": a.subfield_id,
            "model": a.model,
            "as_of": day,
            "status": a.status,
            "phase": a.phase.value if a.phase is not None else None,
            "position": a.position,
            "years_band": a.years_band.value if a.years_band is not None else None,
            "confidence": float(a.confidence),
            "reasons": reasons_json(a.reasons),
            "probabilities": probabilities_json(a.probabilities),
        }
        for a in assessments
    ]
    return pl.DataFrame(rows, schema=ASSESSMENT_SCHEMA, orient="row")


class StageModel:
    """scikit-learn-style base: keyword parameters in, ``fit`` returns self, ``predict``.

    Subclasses list their parameters as keyword-only arguments of ``__init__`` with
    defaults and store each one under the same attribute name.
    """

    name: str = "base"
    # True for models fitted on labelled rows: the backtest then scores them
    # leave-one-technology-out (or on a separate label file), never on their own labels.
    requires_labels: ClassVar[bool] = False

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> StageModel:
        """Learn what is data-dependent; returns ``self``."""
        raise NotImplementedError

    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One assessment per row of ``summary``."""
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        """The parameters this model was built with (what the report prints)."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any) -> StageModel:
        """Change parameters; the model must be fitted again."""
        check_params(type(self), params)
        for k, v in params.items():
            setattr(self, k, v)
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "fitted_"):
            raise AssessError.of("assess.not_fitted", model=type(self).__name__)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def check_params(cls: type[StageModel], params: Mapping[str, Any]) -> None:
    """Raise AssessError for parameter names the model does not have."""
    allowed = cls._param_names()
    unknown = sorted(k for k in params if k not in allowed)
    if unknown:
        raise AssessError.of(
            "assess.unknown_params",
            params=", ".join(unknown),
            model=cls.name,
            allowed=", ".join(allowed),
        )
