"""Scale-out: the match and indicator stages over a partitioned Parquet export.

* ``local`` — this process, over the export (for comparison with a cluster run).
* ``dask`` — a ``dask.distributed`` cluster (an existing scheduler, or a
  ``LocalCluster`` started for the run) over the export.

Both engines run the same pure functions as the local stages:
:func:`techcurve.match.match_frame` on each partition of records, and
:func:`techcurve.indicators.indicator_frames` on the collected inputs, so they produce
the same links and indicators (a test checks it). The library API is
:mod:`techcurve.pipeline` (``export_parquet``, ``scale_match``, ``scale_indicators``,
taking the store path); ``docs/scale-out.md`` explains running on a real cluster.

>>> export_parquet("big.duckdb", "/data/export")                      # doctest: +SKIP
>>> scale_match("big.duckdb", "/data/export", load_taxonomy(None),    # doctest: +SKIP
...             engine="dask", scheduler="tcp://scheduler:8786")
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
