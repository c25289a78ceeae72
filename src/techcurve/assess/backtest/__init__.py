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

from techcurve.assess.backtest.baselines import AgeOnlyBaseline, MajorityBaseline
from techcurve.assess.backtest.protocols import DEFAULT_SPLIT_YEAR, Fold, Protocol, folds
from techcurve.assess.backtest.report import (
    BacktestResult,
    ProtocolResult,
    Target,
    TargetCheck,
)
from techcurve.assess.backtest.run import PRED_SCHEMA, BacktestOptions, backtest
from techcurve.assess.profiles import Prediction

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
