"""``techcurve fetch SOURCE``: count-level evidence from an open API (docs/connectors.md).

The library side is :func:`techcurve.pipeline.fetch`; this command parses the options,
shows a progress bar, and prints the summary and, per sub-field, what of its query the
source cannot express.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from techcurve import pipeline
from techcurve.cli.common import TAXONOMY, Ctx, jsonable
from techcurve.cli.progress import progress_bar

if TYPE_CHECKING:
    from techcurve.pipeline.fetch import FetchResult

SOURCES = ("openalex", "wikipedia", "hn", "github", "patentsview")


@click.command("fetch")
@click.argument("source", type=click.Choice(SOURCES))
@TAXONOMY
@click.option(
    "--from", "first_year", type=int, default=None, help="The first year to fetch (default 2010)."
)
@click.option(
    "--to",
    "last_year",
    type=int,
    default=None,
    help="The last year to fetch (default: this year, up to this month).",
)
@click.option(
    "--subfield",
    "subfields",
    multiple=True,
    metavar="ID",
    help="Only this sub-field (repeatable; default: every sub-field).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the on-disk HTTP cache.")
@click.pass_obj
def fetch(
    ctx: Ctx,
    source: str,
    taxonomy: str | None,
    first_year: int | None,
    last_year: int | None,
    subfields: tuple[str, ...],
    no_cache: bool,
) -> None:
    """Fetch per-year (or per-month) counts from an open API into the store.

    SOURCE is openalex (works per year), wikipedia (monthly page views of the
    taxonomy's wiki: articles, zh and en), hn (Hacker News stories per month), github
    (repositories created per year) or patentsview (US patents granted per year).
    Credentials: OPENALEX_API_KEY, OPENALEX_MAILTO, GITHUB_TOKEN, PATENTSVIEW_API_KEY
    (required), or the config file's fetch section. A re-run continues where the last one stopped.
    """  # fmt: skip
    with progress_bar(ctx, ctx.t("fetch.cli.progress", source=source)) as prog:
        res = pipeline.fetch(
            ctx.db,
            source,
            taxonomy=taxonomy,
            first_year=first_year,
            last_year=last_year,
            subfields=subfields,
            config=ctx.config,
            cache=not no_cache,
            progress=prog,
        )
    _say(ctx, res)
    notes = [
        {"subfield_id": n.subfield_id, "note": n.note.say(ctx.lang)} for n in res.summary.notes
    ]
    ctx.emit({**jsonable(res.summary), "notes": notes, "links": res.links})


def _say(ctx: Ctx, res: FetchResult) -> None:
    s = res.summary
    ctx.say(
        ctx.t("fetch.cli.done", source=s.source, series=s.series, asked=s.asked,
              cached=s.cached, skipped=s.skipped, points=s.points)
    )  # fmt: skip
    if s.notes:
        ctx.say(ctx.t("fetch.cli.notes_header"))
        for n in s.notes:
            ctx.say(ctx.t("fetch.cli.note", subfield=n.subfield_id, note=n.note.say(ctx.lang)))
    if res.links is not None:
        ctx.say(ctx.t("fetch.cli.linked", links=res.links))
