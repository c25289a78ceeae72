"""Backtest: assess labelled technologies as of each label's date and score agreement.

For every distinct as-of date among the labels, the indicators and the summary are
recomputed from the store's evidence (:class:`~techcurve.assess.evidence.Evidence`).
The rule models (snapshot, timeseries) are fitted on that summary — every sub-field,
no labels. Everything fitted on labels — the label-learnt models and the two
baselines (:mod:`.baselines`: always the most common phase; age only) — is fitted on
a training fold and scored on rows it never saw (:mod:`.protocols`:
leave-one-technology-out, the temporal split, transfer). The metrics are in
:mod:`techcurve.assess.scoring`, the result types and the target in :mod:`.report`.

>>> res = backtest(Evidence.from_store(st), "labels.csv")       # doctest: +SKIP
>>> res.table()                                               # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from techcurve import lazy

#: each public name and the module it lives in, imported on first use: the CLI needs
#: DEFAULT_SPLIT_YEAR for an option's default, not the backtest (docs/performance.md)
_WHERE: dict[str, str] = {
    "AgeOnlyBaseline": "techcurve.assess.backtest.baselines",
    "BacktestOptions": "techcurve.assess.backtest.run",
    "BacktestResult": "techcurve.assess.backtest.report",
    "DEFAULT_SPLIT_YEAR": "techcurve.assess.backtest.defaults",
    "Fold": "techcurve.assess.backtest.protocols",
    "MajorityBaseline": "techcurve.assess.backtest.baselines",
    "PRED_SCHEMA": "techcurve.assess.backtest.run",
    "Prediction": "techcurve.assess.profiles",
    "Protocol": "techcurve.assess.backtest.protocols",
    "ProtocolResult": "techcurve.assess.backtest.report",
    "Target": "techcurve.assess.backtest.report",
    "TargetCheck": "techcurve.assess.backtest.report",
    "backtest": "techcurve.assess.backtest.run",
    "folds": "techcurve.assess.backtest.protocols",
}

if TYPE_CHECKING:
    from techcurve.assess.backtest.baselines import AgeOnlyBaseline, MajorityBaseline
    from techcurve.assess.backtest.defaults import DEFAULT_SPLIT_YEAR
    from techcurve.assess.backtest.protocols import Fold, Protocol, folds
    from techcurve.assess.backtest.report import (
        BacktestResult,
        ProtocolResult,
        Target,
        TargetCheck,
    )
    from techcurve.assess.backtest.run import PRED_SCHEMA, BacktestOptions, backtest
    from techcurve.assess.profiles import Prediction


def __getattr__(name: str) -> Any:
    return lazy.attribute(globals(), _WHERE, name)


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE)


__all__ = [
    "DEFAULT_SPLIT_YEAR",
    "PRED_SCHEMA",
    "AgeOnlyBaseline",
    "BacktestOptions",
    "BacktestResult",
    "Fold",
    "MajorityBaseline",
    "Prediction",
    "Protocol",
    "ProtocolResult",
    "Target",
    "TargetCheck",
    "backtest",
    "folds",
]
