"""Engines: where the match and indicator stages run.

* ``local`` — this process: polars over the store (the default path, ``techcurve
  match`` / ``techcurve indicators``), or over a partitioned Parquet export.
* ``dask`` — a ``dask.distributed`` cluster (an existing scheduler, or a
  ``LocalCluster`` started for the run) over a partitioned Parquet export.

Both engines run the same pure functions: :func:`techcurve.match.match_frame` on each
batch or partition of records, and :func:`techcurve.indicators.indicator_frames` on
the collected inputs, so they produce the same links and indicators (a test checks
it). ``docs/scale-out.md`` explains running on a real cluster.

>>> export_parquet("big.duckdb", "/data/export")                      # doctest: +SKIP
>>> scale_match("big.duckdb", "/data/export", engine="dask",           # doctest: +SKIP
...             scheduler="tcp://scheduler:8786")
"""

from __future__ import annotations

from techcurve.scaleout.parquet import ExportResult, export_parquet, read_manifest
from techcurve.scaleout.scale import ENGINES, ScaleIndicatorsResult, scale_indicators, scale_match

__all__ = [
    "ENGINES",
    "ExportResult",
    "ScaleIndicatorsResult",
    "export_parquet",
    "read_manifest",
    "scale_indicators",
    "scale_match",
]
