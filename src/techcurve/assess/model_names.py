"""The registered models' names, without importing the models: the CLI's option
choices (``assess --model``, ``backtest --model``, ``assess-labelled --model``) are
built when any command starts, and importing the models (scikit-learn, SciPy) cost
every command, ``taxonomy check`` too, half a second. ``tests/test_assess.py`` holds
these names equal to :data:`techcurve.assess.registry.MODELS`.
"""

from __future__ import annotations

#: every model, in the registry's order
MODEL_NAMES = ("snapshot", "timeseries", "neighbours", "learnt")
#: the models fitted on labels (``requires_labels``)
LABEL_MODEL_NAMES = ("neighbours", "learnt")

__all__ = ["LABEL_MODEL_NAMES", "MODEL_NAMES"]
