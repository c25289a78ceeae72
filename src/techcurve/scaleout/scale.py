"""Match and indicators over a partitioned Parquet export, locally or on Dask.

The work is split by Parquet file: each file is one task, so a cluster reads its
partitions where they lie and only small results travel back.

* **match** — each task runs :func:`techcurve.match.match_frame` on its file's records
  (in batches) and returns the links; the client stores them in ``matches``
  (:func:`techcurve.match.replace_matches`).
* **indicators** — the indicators need every matched record, every article and the
  latest record of each kind, but nothing else. Each task keeps those records of
  its file (:func:`techcurve.scaleout.tasks.indicator_records`); the client hands them
  to the pure :func:`techcurve.indicators.indicator_frames`, the same function the
  local ``techcurve indicators`` runs. Aggregating per partition and combining would
  have meant a second implementation of every indicator rule (opinion index shares,
  birth year with its evidence record, growth windows) to keep equal; collecting the
  reduced records keeps one, at the price of moving the matched records (a fraction
  of the corpus, narrow columns) to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.config import section
from techcurve.errors import ConfigError, StoreError
from techcurve.indicators import IndicatorParams, IndicatorsResult, record_stats
from techcurve.indicators.compute import frames_from_stats
from techcurve.indicators.sources import load_registry, roles_frame
from techcurve.match import MatchResult, match_frame, replace_matches
from techcurve.scaleout.parquet import ExportResult, read_manifest
from techcurve.scaleout.tasks import (
    INDICATOR_RECORD_COLUMNS,
    indicator_parts,
    match_file,
)
from techcurve.store import RECORD_COLUMNS, Store
from techcurve.store import indicators as tables
from techcurve.store import sources as source_tables
from techcurve.store.indicators import VOLUME_COLUMNS
from techcurve.taxonomy import Taxonomy

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ScaleIndicatorsResult:
    """What :func:`scale_indicators` wrote, and how many records travelled to the client."""

    indicators: IndicatorsResult
    records_collected: int
    partitions: int


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
) -> Iterator[Any]:
    """A ``distributed.Client``: connected to ``scheduler``, or to a new ``LocalCluster``.

    Raises :class:`ConfigError` when ``dask.distributed`` is not installed or the
    scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError.of(
            "indicators.scaleout.needs_distributed", install="pip install 'techcurve[dask]'"
        ) from None
    # distributed logs every scheduler and worker step at INFO on its own loggers;
    # follow the level the application chose for the root logger instead.
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise ConfigError.of(
                "indicators.scaleout.unreachable_scheduler", scheduler=scheduler, error=e
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        dashboard_address=":0",  # a free port: never collide with a running dashboard
        silence_logs=logging.WARNING,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _run(
    client: Any,
    fn: Callable[..., Any],
    files: Sequence[str],
    progress: Progress | None,
    **shared: Any,
) -> list[Any]:
    """``fn(file, **shared)`` for every file, in file order (on ``client`` if given)."""
    out: list[pl.DataFrame] = []
    if client is None:
        for i, f in enumerate(files, 1):
            out.append(fn(f, **shared))
            if progress:
                progress(i, len(files))
        return out
    from distributed import as_completed

    # One copy of the queries / matched ids per worker, not one per task.
    futures_shared = {k: client.scatter([v], broadcast=True)[0] for k, v in shared.items()}
    futures = client.map(fn, files, **futures_shared, pure=False)
    for i, _ in enumerate(as_completed(futures), 1):
        if progress:
            progress(i, len(files))
    return list(client.gather(futures))


def _sum_volumes(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The per-file volumes added up per (kind, year, site, source)."""
    keys = ["kind", "year", "site", "source"]
    frame = pl.concat([pl.DataFrame(schema=VOLUME_COLUMNS), *parts])
    summed = frame.group_by(keys).agg(pl.col("n").sum())
    return summed.select(pl.col(c).cast(t) for c, t in VOLUME_COLUMNS.items())


@contextmanager
def _engine(engine: str, scheduler: str | None, workers: int, processes: bool) -> Iterator[Any]:
    if engine not in ENGINES:
        raise ConfigError.of(
            "indicators.scaleout.unknown_engine", engine=engine, engines=", ".join(ENGINES)
        )
    if engine == "local":
        if scheduler:
            raise ConfigError.of("indicators.scaleout.scheduler_needs_dask")
        yield None
        return
    with dask_client(scheduler, workers=workers, processes=processes) as client:
        yield client


def _files(parquet_dir: str | Path) -> tuple[list[str], ExportResult]:
    manifest = read_manifest(parquet_dir)
    # Joined as strings: the path must mean the same on every worker (shared storage).
    base = str(parquet_dir).rstrip("/")
    return [f"{base}/{f}" for f in manifest.files], manifest


def scale_match(
    db: str | Path,
    parquet_dir: str | Path,
    taxonomy: Taxonomy,
    *,
    engine: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    progress: Progress | None = None,
) -> MatchResult:
    """Match the exported records against ``taxonomy`` on ``engine`` and store the
    links in ``db``.

    ``parquet_dir`` is an export (:func:`techcurve.scaleout.export_parquet`) that every
    worker can read at the same path. ``scheduler`` is the address of a running Dask
    scheduler (``tcp://host:8786``); without it a ``LocalCluster`` of ``workers``
    workers is started for the run. ``progress(done, total)`` counts files.
    """
    files, manifest = _files(parquet_dir)
    with _engine(engine, scheduler, workers, processes) as client:
        parts = _run(client, match_file, files, progress, queries=taxonomy.queries)
    links = pl.concat(parts) if parts else match_frame(pl.DataFrame(), taxonomy.queries)
    log.info("%s engine: %d links from %d files", engine, links.height, len(files))
    with Store.open(db) as st:
        return replace_matches(
            st, taxonomy, links, watermark=manifest.watermark, records=manifest.records
        )


def scale_indicators(
    db: str | Path,
    parquet_dir: str | Path,
    *,
    engine: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    as_of: date | None = None,
    config: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ScaleIndicatorsResult:
    """Compute ``indicators`` and ``summary`` with the records read on ``engine``.

    Reads the links, counts and taxonomy from ``db`` and the records from the export;
    writes both tables and the as-of date in one transaction, as
    :func:`techcurve.indicators.compute_indicators` does. ``config`` is a loaded config
    (None = the shipped one).
    """
    as_of = as_of or date.today()
    params = IndicatorParams.from_config(section(config, "indicators"))
    files, _ = _files(parquet_dir)
    with Store.open(db, read_only=True) as st:
        if not tables.has_subfields(st):
            raise StoreError.of("indicators.no_taxonomy", db=db)
        subfields = tables.subfield_domains(st)
        matches = tables.record_links(st)
        counts = tables.linked_counts(st, as_of.year)
        count_matches = tables.count_links(st)
    matched_ids = matches.get_column("record_id").unique()
    with _engine(engine, scheduler, workers, processes) as client:
        # per file: the records the indicators read, and the volumes of all records (the
        # shares' denominators need every record, matched or not), summed here
        parts = _run(client, indicator_parts, files, progress, matched_ids=matched_ids, as_of=as_of)
    empty = pl.DataFrame(schema={c: RECORD_COLUMNS[c] for c in INDICATOR_RECORD_COLUMNS})
    records = pl.concat([empty, *(p[0] for p in parts)])
    volumes = _sum_volumes([p[1] for p in parts])
    known = subfields.select(pl.col("subfield_id").cast(pl.Utf8))
    links, _ = record_stats(records, matches.join(known, on="subfield_id", how="semi"), as_of)
    indicators, summary = frames_from_stats(
        subfields, links, volumes, counts, count_matches, as_of=as_of, params=params
    )
    with Store.open(db) as st, st.transaction():
        tables.write_indicators(st, indicators, summary, as_of=as_of)
        pairs = pl.concat(
            [volumes.select("source", "kind"), source_tables.evidence_pairs(st)]
        ).unique()
        source_tables.write_source_roles(st, roles_frame(load_registry(params.sources), pairs))
    result = IndicatorsResult.of(indicators, summary, as_of, params)
    return ScaleIndicatorsResult(result, records.height, len(files))
