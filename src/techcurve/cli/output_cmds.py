"""Output commands: editions and diffs, the consistency audit, and exports.

``techcurve edition save|list|delete``, ``techcurve diff OLD NEW``,
``techcurve audit [REPORT.data.json | --figures FILE]`` and
``techcurve export byor|matrix|json|xlsx OUT``.
"""

from __future__ import annotations

from dataclasses import asdict

import click
from rich.table import Table

from techcurve import pipeline
from techcurve.cli.common import OUTPUT_LANG, Ctx, out_console
from techcurve.errors import ReportError

#: the exit code of an audit that found something inconsistent (app.py's --help lists it)
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
    info = pipeline.save_edition(ctx.db, name, model=model, replace=replace)
    ctx.say(
        ctx.t(
            "cli.edition.saved",
            name=info.name,
            subfields=info.subfields,
            as_of=info.as_of,
            model=info.model,
        )
    )
    ctx.emit(asdict(info))


_EDITION_COLUMNS = ("name", "saved_at", "as_of", "model", "subfields")


@edition.command("list")
@click.pass_obj
def edition_list(ctx: Ctx) -> None:
    """List saved editions."""
    eds = pipeline.list_editions(ctx.db)
    ctx.emit([asdict(e) for e in eds])
    if ctx.json or ctx.quiet:
        return
    if not eds:
        ctx.say(ctx.t("cli.edition.none", command="`techcurve edition save NAME`"))
        return
    table = Table(*(ctx.t(f"cli.edition.col.{c}") for c in _EDITION_COLUMNS))
    for e in eds:
        table.add_row(e.name, e.saved_at or "", e.as_of or "", e.model or "", str(e.subfields))
    out_console.print(table)


@edition.command("delete")
@click.argument("name")
@click.pass_obj
def edition_delete(ctx: Ctx, name: str) -> None:
    """Delete a saved edition."""
    deleted = pipeline.delete_edition(ctx.db, name)
    ctx.say(ctx.t("cli.edition.deleted", name=deleted.name, subfields=deleted.subfields))
    ctx.emit({"edition": deleted.name, "deleted": deleted.subfields})


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
    d = pipeline.diff(ctx.db, old, new, threshold=threshold)
    ctx.emit(d.to_dict())
    if ctx.json or ctx.quiet:
        return

    def pos(v: float | None) -> str:
        return "–" if v is None else f"{v:.2f}"

    ctx.say(f"[bold]{old} → {new}[/bold]")
    for title, rows in (
        (ctx.t("cli.diff.appeared"), d.appeared),
        (ctx.t("cli.diff.disappeared"), d.disappeared),
        (ctx.t("cli.diff.moved_phase"), d.moved_phase),
        (ctx.t("cli.diff.moved_position", threshold=threshold), d.moved_position),
    ):
        ctx.say(f"\n{title} ({len(rows)})")
        for r in rows:
            ctx.say(
                f"  {r.subfield_id:<28} {r.name_zh}: {r.old_phase or '–'} "
                f"{pos(r.old_position)} → {r.new_phase or '–'} {pos(r.new_position)}"
            )
    if not d.changed:
        ctx.say("\n" + ctx.t("cli.diff.none"))


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
    if bool(report_data) == bool(figures):
        raise ReportError.of("cli.audit.either")
    res = pipeline.audit(str(report_data or figures))
    ctx.emit(res.to_dict())
    if not ctx.json:
        for f in res.findings:
            level = ctx.t(f"cli.audit.level.{f.level}")
            click.echo(f"{level}: {f.where}: {f.message}", err=f.level != "info")
        bad = [f for f in res.findings if f.level != "info"]
        checked = {"source": res.source, "tables": res.tables, "claims": res.claims}
        if bad:
            ctx.say(ctx.t("cli.audit.findings", findings=len(bad), **checked))
        else:
            ctx.say(ctx.t("cli.audit.consistent", **checked))
    if res.failed:
        click.get_current_context().exit(AUDIT_FAILED_EXIT)


@click.group()
def export() -> None:
    """Export the assessments for other tools (BYOR radar, priority matrix, JSON, XLSX)."""


@export.command("byor")
@click.argument("out", type=click.Path(dir_okay=False))
@OUTPUT_LANG
@click.option(
    "--compare", default=None, metavar="EDITION", help="Mark sub-fields not in this edition as new."
)
@click.pass_obj
def export_byor_cmd(ctx: Ctx, out: str, lang: str, compare: str | None) -> None:
    """A ThoughtWorks Build-Your-Own-Radar CSV (name, ring, quadrant, isNew, description)."""
    res = pipeline.export_byor(ctx.db, out, lang=lang, compare=compare, config=ctx.config)
    ctx.say(ctx.t("cli.export.byor", path=res.path))
    ctx.emit(str(res.path))


@export.command("matrix")
@click.argument("out", type=click.Path(dir_okay=False))
@OUTPUT_LANG
@click.pass_obj
def export_matrix_cmd(ctx: Ctx, out: str, lang: str) -> None:
    """A Gartner-style priority matrix (benefit × years to plateau) as .png, .svg or .pdf."""
    res = pipeline.export_matrix(ctx.db, out, lang=lang, config=ctx.config)
    ctx.say(ctx.t("cli.export.matrix", path=res.path))
    ctx.emit(str(res.path))


@export.command("json")
@click.argument("out", type=click.Path(dir_okay=False))
@click.pass_obj
def export_json_cmd(ctx: Ctx, out: str) -> None:
    """All assessments (every model) with their reasons, as JSON."""
    res = pipeline.export_json(ctx.db, out)
    ctx.say(ctx.t("cli.export.json", path=res.path))
    ctx.emit(str(res.path))


@export.command("xlsx")
@click.argument("out", type=click.Path(dir_okay=False))
@OUTPUT_LANG
@click.pass_obj
def export_xlsx_cmd(ctx: Ctx, out: str, lang: str) -> None:
    """The tables behind the report as one XLSX workbook: yearly indicators, placements
    (with phase probabilities and reasons), financing by month, domain, round and
    sub-field; one sheet each, units in the headers."""
    res = pipeline.export_xlsx(ctx.db, out, lang=lang)
    ctx.say(ctx.t("cli.export.xlsx", path=res.path))
    ctx.emit(str(res.path))
