"""How the stages' results are printed: the lines and tables ``ingest``, ``match``,
``indicators``, ``assess`` and ``run`` (and ``scale``) end with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from techcurve.cli.common import Ctx, out_console

if TYPE_CHECKING:  # the stages load when a command runs them, not for `--help`
    from techcurve.datatypes import IngestSummary
    from techcurve.indicators import IndicatorsResult
    from techcurve.match import MatchResult

_INGEST_COLUMNS = ("file", "profile", "read", "stored", "duplicates", "rejected")


def print_ingest(
    ctx: Ctx, summaries: Sequence[IngestSummary], dry_run: bool, *, emit: bool = True
) -> None:
    """One table row per file read, then where each file's rejected rows went."""
    if emit:
        ctx.emit(list(summaries))
    if ctx.quiet or ctx.json:
        return
    table = Table(
        *(ctx.t(f"cli.ingest.{column}") for column in _INGEST_COLUMNS),
        title=ctx.t("cli.ingest.dry_run") if dry_run else None,
    )
    for s in summaries:
        table.add_row(
            Path(s.path).name,
            s.profile,
            f"{s.rows_read:,}",
            f"{s.stored:,}",
            f"{s.duplicates:,}",
            f"{s.rejected:,}",
        )
    out_console.print(table)
    for s in summaries:
        if s.rejects_path:
            ctx.say(ctx.t("cli.ingest.rejects", file=Path(s.path).name, path=s.rejects_path))


def say_links(ctx: Ctx, res: MatchResult) -> None:
    """The line every match (local or on an engine) ends with."""
    ctx.say(
        ctx.t(
            "cli.match.links",
            records=res.records,
            subfields=res.subfields,
            links=res.links,
            matched=res.matched_records,
            series=res.count_series,
        )
    )


def say_rematched(ctx: Ctx, res: MatchResult) -> None:
    """What an incremental match did again (nothing printed after a full match)."""
    if res.mode != "full":
        ctx.say(
            ctx.t(
                "cli.match.rematched",
                mode=res.mode,
                records=res.rematched_records,
                subfields=res.rematched_subfields,
            )
        )


def say_indicators(ctx: Ctx, res: IndicatorsResult) -> None:
    """The line the indicator stage ends with."""
    ctx.say(
        ctx.t(
            "cli.indicators.done",
            as_of=res.as_of,
            rows=res.indicator_rows,
            subfields=res.subfields,
            without=res.without_evidence,
        )
    )


def say_phases(ctx: Ctx, phases: Mapping[str, int]) -> None:
    """How many sub-fields each phase holds ("": insufficient evidence)."""
    counts = sorted(phases.items())
    parts = [f"{p or ctx.t('cli.assess.insufficient')} {n}" for p, n in counts]
    ctx.say(ctx.t("cli.assess.done", phases=ctx.t("cli.list_sep").join(parts)))
