"""The stage models by name: :data:`MODELS` and :func:`make_model`.

Every module that builds a model by its name imports this module (never the package
face, which re-exports it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from techcurve.assess._base import StageModel, check_params
from techcurve.assess.learnt import LearntModel
from techcurve.assess.neighbours import NeighbourModel
from techcurve.assess.snapshot import SnapshotModel
from techcurve.assess.timeseries import TimeSeriesModel
from techcurve.errors import AssessError, phrase

MODELS: dict[str, type[StageModel]] = {
    SnapshotModel.name: SnapshotModel,
    TimeSeriesModel.name: TimeSeriesModel,
    NeighbourModel.name: NeighbourModel,
    LearntModel.name: LearntModel,
}


def _unknown_model(model: str) -> AssessError:
    """The error naming the models there are: the plain ones and those fitted on labels."""
    plain = [n for n, c in MODELS.items() if not c.requires_labels]
    learnt = [n for n, c in MODELS.items() if c.requires_labels]
    fitted = phrase("assess.expected_learnt_models", models=", ".join(learnt)) if learnt else ""
    return AssessError.of(
        "assess.unknown_model", model=model, models=", ".join(plain), learnt=fitted
    )


def make_model(model: str, params: Mapping[str, Any] | None = None) -> StageModel:
    """A new, unfitted model by name with ``params`` (unknown names raise AssessError)."""
    cls = MODELS.get(model)
    if cls is None:
        raise _unknown_model(model)
    params = dict(params or {})
    check_params(cls, params)
    return cls(**params)


def requires_labels(model: str) -> bool:
    """Whether the model named ``model`` is fitted on labelled rows."""
    return MODELS[model].requires_labels


def resolve_models(models: str | Sequence[str]) -> list[str]:
    """Model names from one name, a list of names, or "all" (every model, in order).

    >>> resolve_models("all")
    ['snapshot', 'timeseries', 'neighbours', 'learnt']
    """
    names = [models] if isinstance(models, str) else list(models)
    if names == ["all"]:
        return list(MODELS)
    unknown = [m for m in names if m not in MODELS]
    if unknown or not names:
        raise AssessError.of(
            "assess.unknown_backtest_models",
            models=", ".join(unknown) or "(none)",
            known=", ".join(MODELS),
        )
    return names


__all__ = ["MODELS", "make_model", "requires_labels", "resolve_models"]
