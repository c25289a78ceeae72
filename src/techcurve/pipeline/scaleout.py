"""The scale-out as library calls: export the store as partitioned Parquet, and run
the match and indicator stages over the export, in this process or on Dask.

Each function takes the store path, like the other stages of :mod:`techcurve.pipeline`,
resolves the taxonomy or config as :func:`~techcurve.pipeline.match` and
:func:`~techcurve.pipeline.compute` do, and hands the work to
:mod:`techcurve.scaleout`. ``docs/scale-out.md`` explains running on a real cluster::

    import techcurve.pipeline as tc
    tc.export_parquet("big.duckdb", "/shared/export")
    tc.scale_match("big.duckdb", "/shared/export", scheduler="tcp://sched:8786")
    tc.scale_indicators("big.duckdb", "/shared/export", scheduler="tcp://sched:8786")
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from techcurve import config as _config
from techcurve import scaleout
from techcurve.match import MatchResult
from techcurve.pipeline.stages import taxonomy_for
from techcurve.scaleout import ExportResult, ScaleIndicatorsResult
from techcurve.taxonomy import Taxonomy

PathLike = str | Path
#: ``progress(done, total)``: records exported, or Parquet files processed
Progress = Callable[[int, int], None]


def export_parquet(
    db: PathLike,
    out_dir: PathLike,
    *,
    rows_per_file: int = 1_000_000,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the store's records as Parquet files of at most ``rows_per_file`` rows
    (with ``manifest.json``) into ``out_dir``, for :func:`scale_match` and
    :func:`scale_indicators`."""
    return scaleout.export_parquet(db, out_dir, rows_per_file=rows_per_file, progress=progress)


def scale_match(
    db: PathLike,
    parquet_dir: PathLike,
    *,
    engine: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    taxonomy: PathLike | Taxonomy | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Match the exported records on ``engine`` (``dask`` or ``local``) and store the
    links, as :func:`~techcurve.pipeline.match` would.

    ``taxonomy`` as for :func:`~techcurve.pipeline.match`; ``scheduler`` is a running
    Dask scheduler (``tcp://host:8786``), else a ``LocalCluster`` of ``workers``
    workers is started for the run.
    """
    return scaleout.scale_match(
        db,
        parquet_dir,
        taxonomy_for(db, taxonomy),
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        processes=processes,
        progress=progress,
    )


def scale_indicators(
    db: PathLike,
    parquet_dir: PathLike,
    *,
    engine: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    as_of: date | None = None,
    config: PathLike | None = None,
    progress: Progress | None = None,
) -> ScaleIndicatorsResult:
    """Compute the indicators with the exported records read on ``engine``, as
    :func:`~techcurve.pipeline.compute` would (same tables, same as-of date)."""
    return scaleout.scale_indicators(
        db,
        parquet_dir,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        processes=processes,
        as_of=as_of,
        config=_config.load_config(config),
        progress=progress,
    )
