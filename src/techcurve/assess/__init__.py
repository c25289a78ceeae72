"""Assess: place every sub-field on the maturity curve.

Works on frames: the ``summary`` and ``indicators`` tables in, the ``assessments``
table out (docs/architecture.md); :mod:`techcurve.store.assessments` reads and writes
them, :mod:`techcurve.pipeline` wires the two. Three interchangeable stage models
(scikit-learn style, built by name from :mod:`~techcurve.assess.registry`):

* :class:`SnapshotModel` (``"snapshot"``): the report's method as explicit rules on
  cumulative patents, age, opinion index, financing and the attention series;
* :class:`TimeSeriesModel` (``"timeseries"``): logistic/Gompertz S-curves of the
  patent and paper series and a hype bell of attention;
* :class:`NeighbourModel` (``"neighbours"``): learnt from labelled rows — the nearest
  labelled indicator profiles (as of each label's date) vote on the phase
  (:func:`assess_labelled` fits it on the labels' as-of profiles and assesses every
  sub-field);
* :class:`LearntModel` (``"learnt"``): learnt from labelled rows too — a regularised
  multinomial logistic regression on each sub-field's evidence history up to the label's
  date (:func:`history_features`), giving a probability per phase.

Expert overrides (:func:`load_overrides`, :func:`apply_overrides`) are shown beside
the model, never instead of it. The rules are documented in ``docs/models.md``.
:func:`backtest` scores the models against labelled statements (a labels CSV, or the
ThoughtWorks Radar through :func:`read_radar` and :func:`radar_labels`) as of each
statement's date; see ``docs/backtest.md``.

This module only re-exports; the code lives in its submodules, which import each other
by their module path (never through this face).

>>> frame = assess(summary, indicators, model="snapshot")          # doctest: +SKIP
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from techcurve import lazy

#: each public name and the submodule it lives in; they are imported on first use, so
#: that a command importing one submodule (the CLI's model names, the report's fits) does
#: not load the backtest and every model (docs/performance.md, issue 18)
_WHERE: dict[str, str] = {
    "ASSESSMENT_SCHEMA": "_base",
    "BacktestResult": "backtest",
    "LearntModel": "learnt",
    "MODELS": "registry",
    "NeighbourModel": "neighbours",
    "Override": "overrides",
    "RING_PHASES": "radar",
    "Scores": "scoring",
    "SnapshotModel": "snapshot",
    "SnapshotSettings": "snapshot_settings",
    "TimeSeriesModel": "timeseries",
    "apply_overrides": "overrides",
    "assess": "stage",
    "assess_labelled": "label_learnt",
    "assessments_to_frame": "_base",
    "backtest": "backtest",
    "history_features": "learnt_features",
    "labelled_profiles": "profiles",
    "load_labels": "label_files",
    "load_overrides": "overrides",
    "make_model": "registry",
    "needing": "_base",
    "profile_features": "neighbours",
    "radar_labels": "radar",
    "read_radar": "radar",
    "resolve_labels": "label_files",
}

if TYPE_CHECKING:
    from techcurve.assess._base import ASSESSMENT_SCHEMA, assessments_to_frame, needing
    from techcurve.assess.backtest import BacktestResult, backtest
    from techcurve.assess.label_files import load_labels, resolve_labels
    from techcurve.assess.label_learnt import assess_labelled
    from techcurve.assess.learnt import LearntModel
    from techcurve.assess.learnt_features import history_features
    from techcurve.assess.neighbours import NeighbourModel, profile_features
    from techcurve.assess.overrides import Override, apply_overrides, load_overrides
    from techcurve.assess.profiles import labelled_profiles
    from techcurve.assess.radar import RING_PHASES, radar_labels, read_radar
    from techcurve.assess.registry import MODELS, make_model
    from techcurve.assess.scoring import Scores
    from techcurve.assess.snapshot import SnapshotModel
    from techcurve.assess.snapshot_settings import SnapshotSettings
    from techcurve.assess.stage import assess
    from techcurve.assess.timeseries import TimeSeriesModel


def __getattr__(name: str) -> Any:
    return lazy.attribute(globals(), _WHERE, name)


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE)


class _Face(types.ModuleType):
    """``backtest`` names both a subpackage and the function it exports (the face's
    ``backtest``): importing the subpackage must not put the module in the function's
    place, as Python does for a submodule's name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "backtest" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face

__all__ = [
    "ASSESSMENT_SCHEMA",
    "MODELS",
    "RING_PHASES",
    "BacktestResult",
    "LearntModel",
    "NeighbourModel",
    "Override",
    "Scores",
    "SnapshotModel",
    "SnapshotSettings",
    "TimeSeriesModel",
    "apply_overrides",
    "assess",
    "assess_labelled",
    "assessments_to_frame",
    "backtest",
    "history_features",
    "labelled_profiles",
    "load_labels",
    "load_overrides",
    "make_model",
    "needing",
    "profile_features",
    "radar_labels",
    "read_radar",
    "resolve_labels",
]
