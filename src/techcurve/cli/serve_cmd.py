"""``techcurve serve``: the dashboard, a local web app over the store (docs/serve.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from techcurve.cli.common import Ctx, err_console

if TYPE_CHECKING:
    from techcurve.serve import Links


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; anything but 127.0.0.1/localhost exposes the dashboard "
    "to the network (a warning is printed).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="The pages' language by default (each page switches with ?lang=).",
)
@click.option(
    "--pages",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of the analyst's Markdown pages shown among the report's pages "
    "(default: the setting report.pages).",
)
@click.pass_obj
def serve(ctx: Ctx, port: int, host: str, lang: str, pages: str | None) -> None:
    """Start the dashboard: the interactive curve, sub-field pages, the table, the report's
    pages and the ingest log, on http://127.0.0.1:8765/ (Ctrl+C stops it)."""

    def announce(links: Links) -> None:
        if links.exposed:
            err_console.print(ctx.t("serve.cli.exposed", host=host), style="yellow", markup=False)
        click.echo(ctx.t("serve.cli.url", url=links.url))
        click.echo(ctx.t("serve.cli.facilitator", url=links.facilitator_url))
        click.echo(ctx.t("serve.cli.stop"))

    # imported here: FastAPI and the app take ~0.3 s to load, which no other command needs
    from techcurve.serve import run

    run(
        ctx.db,
        host=host,
        port=port,
        lang=lang,
        announce=announce,
        pages=pages,
        config=ctx.config,
    )
