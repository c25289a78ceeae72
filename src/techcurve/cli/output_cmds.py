"""Output commands: editions and diffs, the consistency audit, and exports.

``techcurve edition save|list|delete``, ``techcurve diff OLD NEW``,
``techcurve audit [REPORT.data.json | --figures FILE]`` and
``techcurve export byor|matrix|json OUT``.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from techcurve.cli import Ctx, out_console

AUDIT_FAILED_EXIT = 1


@click.group()
def edition() -> None:
    """Save the current curve under a name, list or delete saved editions."""


@edition.command("save")
@click.argument("name")
@click.option(
    "--model", default=None, help="Which assessment model to save (default: the final one)."
)
@click.option("--replace", is_flag=True, help="Overwrite an edition of the same name.")
@click.pass_obj
def edition_save(ctx: Ctx, name: str, model: str | None, replace: bool) -> None:
    """Store every sub-field's final phase and position as edition NAME (e.g. 2022)."""
    from techcurve.editions import save_edition
    from techcurve.store import Store

    with Store.open(ctx.db) as st:
        info = save_edition(st, name, model=model, replace=replace)
    ctx.say(
        f"edition {info.name}: {info.subfields} sub-fields (as of {info.as_of}, model {info.model})"
    )
    ctx.emit(asdict(info))


@edition.command("list")
@click.pass_obj
def edition_list(ctx: Ctx) -> None:
    """List saved editions."""
    from rich.table import Table

    from techcurve.editions import list_editions
    from techcurve.store import Store

    with Store.open(ctx.db, read_only=True) as st:
        eds = list_editions(st)
    ctx.emit([asdict(e) for e in eds])
    if ctx.json or ctx.quiet:
        return
    if not eds:
        ctx.say("no editions saved yet: `techcurve edition save NAME`")
        return
    table = Table("edition", "saved at", "as of", "model", "sub-fields")
    for e in eds:
        table.add_row(e.name, e.saved_at or "", e.as_of or "", e.model or "", str(e.subfields))
    out_console.print(table)


@edition.command("delete")
@click.argument("name")
@click.pass_obj
def edition_delete(ctx: Ctx, name: str) -> None:
    """Delete a saved edition."""
    from techcurve.editions import delete_edition
    from techcurve.store import Store

    with Store.open(ctx.db) as st:
        n = delete_edition(st, name)
    ctx.say(f"deleted edition {name} ({n} sub-fields)")
    ctx.emit({"edition": name, "deleted": n})


@click.command()
@click.argument("old")
@click.argument("new", default="current")
@click.option(
    "--threshold",
    default=0.05,
    show_default=True,
    type=float,
    help="Report moves within a phase larger than this (positions run 0–1).",
)
@click.pass_obj
def diff(ctx: Ctx, old: str, new: str, threshold: float) -> None:
    """What changed between editions OLD and NEW ('current' = unsaved assessments).

    Lists sub-fields that appeared, disappeared, changed phase, or moved more than
    --threshold within their phase. Use the global --json for machine output.
    """
    from techcurve.editions import diff_editions
    from techcurve.store import Store

    with Store.open(ctx.db, read_only=True) as st:
        d = diff_editions(st, old, new, threshold=threshold)
    ctx.emit(d.to_dict())
    if ctx.json or ctx.quiet:
        return

    def pos(v: float | None) -> str:
        return "–" if v is None else f"{v:.2f}"

    ctx.say(f"[bold]{old} → {new}[/bold]")
    for title, rows in (
        ("appeared", d.appeared),
        ("disappeared", d.disappeared),
        ("moved phase", d.moved_phase),
        (f"moved more than {threshold:g} within the phase", d.moved_position),
    ):
        ctx.say(f"\n{title} ({len(rows)})")
        for r in rows:
            ctx.say(
                f"  {r.subfield_id:<28} {r.name_zh}: {r.old_phase or '–'} {pos(r.old_position)}"
                f" → {r.new_phase or '–'} {pos(r.new_position)}"
            )
    if not d.changed:
        ctx.say("\nno changes")


@click.command()
@click.argument("report_data", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--figures",
    "figures",
    default=None,
    type=click.Path(dir_okay=False),
    help="A figures YAML/JSON (tables and text claims) instead of a report's .data.json.",
)
@click.pass_obj
def audit(ctx: Ctx, report_data: str | None, figures: str | None) -> None:
    """Check that shares sum to 100%, totals add up and the text matches its tables.

    REPORT_DATA is the .data.json written beside a report by `techcurve report`;
    --figures checks any report's published figures (e.g.
    src/techcurve/data/figures/infoq_2022.yaml). Exits 1 when anything is found.
    """
    from techcurve.audit import audit_file
    from techcurve.errors import ReportError

    if bool(report_data) == bool(figures):
        raise ReportError("give either a report's .data.json or --figures FILE (one of them)")
    res = audit_file(Path(str(report_data or figures)))
    ctx.emit(res.to_dict())
    if not ctx.json:
        for f in res.findings:
            click.echo(f"{f.level}: {f.where}: {f.message}", err=f.level != "info")
        bad = [f for f in res.findings if f.level != "info"]
        ctx.say(
            f"{res.source}: {res.tables} tables, {res.claims} claims checked; "
            + (f"{len(bad)} findings" if bad else "consistent")
        )
    if res.failed:
        sys.exit(AUDIT_FAILED_EXIT)


@click.group()
def export() -> None:
    """Export the assessments for other tools (BYOR radar, priority matrix, JSON)."""


LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)


@export.command("byor")
@click.argument("out", type=click.Path(dir_okay=False))
@LANG
@click.option(
    "--compare", default=None, metavar="EDITION", help="Mark sub-fields not in this edition as new."
)
@click.pass_obj
def export_byor_cmd(ctx: Ctx, out: str, lang: str, compare: str | None) -> None:
    """A ThoughtWorks Build-Your-Own-Radar CSV (name, ring, quadrant, isNew, description)."""
    from techcurve.exports import export_byor
    from techcurve.store import Store

    with Store.open(ctx.db, read_only=True) as st:
        p = export_byor(st, Path(out), lang=lang, compare=compare, config=ctx.config)
    ctx.say(f"radar CSV: {p}")
    ctx.emit(str(p))


@export.command("matrix")
@click.argument("out", type=click.Path(dir_okay=False))
@LANG
@click.pass_obj
def export_matrix_cmd(ctx: Ctx, out: str, lang: str) -> None:
    """A Gartner-style priority matrix (benefit × years to plateau) as .png, .svg or .pdf."""
    from techcurve.exports import export_matrix
    from techcurve.store import Store

    with Store.open(ctx.db, read_only=True) as st:
        p = export_matrix(st, Path(out), lang=lang, config=ctx.config)
    ctx.say(f"priority matrix: {p}")
    ctx.emit(str(p))


@export.command("json")
@click.argument("out", type=click.Path(dir_okay=False))
@click.pass_obj
def export_json_cmd(ctx: Ctx, out: str) -> None:
    """All assessments (every model) with their reasons, as JSON."""
    from techcurve.exports import export_json
    from techcurve.store import Store

    with Store.open(ctx.db, read_only=True) as st:
        p = export_json(st, Path(out))
    ctx.say(f"assessments JSON: {p}")
    ctx.emit(str(p))


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(edition)
    cli.add_command(diff)
    cli.add_command(audit)
    cli.add_command(export)
