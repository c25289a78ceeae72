"""Indicators: per sub-field per year, and a per sub-field summary at the as-of date.

The stage reads the store's records and links, count series and taxonomy and writes
``indicators`` (:data:`INDICATOR_COLUMNS`) and ``summary`` (:data:`SUMMARY_COLUMNS`)
through :mod:`techcurve.store.indicators`. Its modules, by job (each docstring states
its rules; the settings are :class:`IndicatorParams`, the config section
``indicators``):

* :mod:`~techcurve.indicators.params` — the settings;
* :mod:`~techcurve.indicators.records` — the records' as-of cut-off and their reduction
  to a few rows per sub-field and year (:func:`record_stats`);
* :mod:`~techcurve.indicators.series` — count series (the primary one per sub-field,
  source and kind), where sources end (:func:`coverage_end`), growth;
* :mod:`~techcurve.indicators.frames` — the per-year ``indicators`` table;
* :mod:`~techcurve.indicators.summary` — the per-sub-field ``summary`` table;
* :mod:`~techcurve.indicators.compute` — the stage: :func:`compute_indicators` over the
  store, :func:`indicator_frames` over frames (the scale-out and the backtest).
"""

from techcurve.indicators.compute import (
    IndicatorsResult,
    compute_indicators,
    frames_from_stats,
    indicator_frames,
)
from techcurve.indicators.params import IndicatorParams
from techcurve.indicators.records import counted, record_stats
from techcurve.indicators.series import (
    COVERAGE_SHARE,
    coverage_end,
    last_complete_year,
    volume_coverage_end,
)
from techcurve.indicators.summary import shares
from techcurve.store.indicators import (
    INDICATOR_COLUMNS,
    LINK_STATS_COLUMNS,
    SUMMARY_COLUMNS,
    VOLUME_COLUMNS,
)

__all__ = [
    "COVERAGE_SHARE",
    "INDICATOR_COLUMNS",
    "LINK_STATS_COLUMNS",
    "SUMMARY_COLUMNS",
    "VOLUME_COLUMNS",
    "IndicatorParams",
    "IndicatorsResult",
    "compute_indicators",
    "counted",
    "coverage_end",
    "frames_from_stats",
    "indicator_frames",
    "last_complete_year",
    "record_stats",
    "shares",
    "volume_coverage_end",
]
