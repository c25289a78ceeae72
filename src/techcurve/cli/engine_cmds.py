"""Engine commands: export the store as partitioned Parquet, and run stages on Dask.

``techcurve export-parquet DIR`` writes the records for a cluster;
``techcurve scale match|indicators --parquet DIR [--engine dask] [--scheduler ADDR]``
runs the stage there and writes the result into the store, exactly as the local
``techcurve match`` / ``techcurve indicators`` would. The library side is
:mod:`techcurve.pipeline.scaleout`; ``docs/scale-out.md`` explains running on a real
cluster.
"""

from __future__ import annotations

import click

from techcurve import pipeline
from techcurve.cli.common import AS_OF, Ctx
from techcurve.cli.common import parse_date as _date
from techcurve.cli.progress import progress_bar as _progress
from techcurve.cli.summaries import say_links as _say_links
from techcurve.text import t

ENGINE = click.option(
    "--engine",
    type=click.Choice(["dask", "local"]),
    default="dask",
    show_default=True,
    help="Where the work runs: a Dask cluster, or this process (for comparison).",
)
SCHEDULER = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="A running Dask scheduler (tcp://host:8786); default: a LocalCluster for this run.",
)
WORKERS = click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Workers of the LocalCluster (ignored with --scheduler).",
)
PARQUET = click.option(
    "--parquet",
    "parquet_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The export directory (from `techcurve export-parquet`), readable by every worker.",
)


@click.command("export-parquet")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--rows-per-file",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Records per Parquet file: one file is one task on the cluster.",
)
@click.pass_obj
def export_parquet(ctx: Ctx, directory: str, rows_per_file: int) -> None:
    """Write the store's records as partitioned Parquet for `techcurve scale`."""
    with _progress(ctx, t("indicators.scaleout.progress_export", ctx.lang)) as prog:
        res = pipeline.export_parquet(ctx.db, directory, rows_per_file=rows_per_file, progress=prog)
    ctx.say(
        t(
            "indicators.scaleout.exported",
            ctx.lang,
            records=res.records,
            files=len(res.files),
            directory=res.directory,
        )
    )
    ctx.emit(res)


@click.group()
def scale() -> None:
    """Run the match or indicator stage on a Dask cluster over a Parquet export."""


@scale.command("match")
@PARQUET
@ENGINE
@SCHEDULER
@WORKERS
@click.option(
    "--taxonomy",
    default=None,
    type=click.Path(dir_okay=False),
    help="Taxonomy YAML (default: the one the store last matched with, else the shipped one).",
)
@click.pass_obj
def scale_match(
    ctx: Ctx,
    parquet_dir: str,
    engine: str,
    scheduler: str | None,
    workers: int,
    taxonomy: str | None,
) -> None:
    """Match every sub-field query over the exported records; store the links."""
    with _progress(ctx, t("indicators.scaleout.progress_match", ctx.lang, engine=engine)) as prog:
        res = pipeline.scale_match(
            ctx.db,
            parquet_dir,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            taxonomy=taxonomy,
            progress=prog,
        )
    _say_links(ctx, res)
    ctx.emit(res)


@scale.command("indicators")
@PARQUET
@ENGINE
@SCHEDULER
@WORKERS
@AS_OF
@click.pass_obj
def scale_indicators(
    ctx: Ctx,
    parquet_dir: str,
    engine: str,
    scheduler: str | None,
    workers: int,
    as_of: str | None,
) -> None:
    """Compute indicators per sub-field per year from the exported records."""
    with _progress(
        ctx, t("indicators.scaleout.progress_indicators", ctx.lang, engine=engine)
    ) as prog:
        res = pipeline.scale_indicators(
            ctx.db,
            parquet_dir,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            as_of=_date(as_of),
            config=ctx.config,
            progress=prog,
        )
    ind = res.indicators
    ctx.say(
        t(
            "indicators.done",
            ctx.lang,
            as_of=ind.as_of,
            rows=ind.indicator_rows,
            subfields=ind.subfields,
            without=ind.without_evidence,
        )
        + t(
            "indicators.scaleout.collected",
            ctx.lang,
            records=res.records_collected,
            partitions=res.partitions,
        )
    )
    ctx.emit(
        {
            "as_of": ind.as_of.isoformat(),
            "indicator_rows": ind.indicator_rows,
            "subfields": ind.subfields,
            "without_evidence": ind.without_evidence,
            "records_collected": res.records_collected,
            "partitions": res.partitions,
        }
    )
