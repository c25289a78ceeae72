"""The expert side: ``techcurve experts import|export|list`` (expert placements) and
``techcurve panel create|open-round|status|close-round|export-form|import-form`` (the
Delphi panel, docs/panel.md). Each command calls one function of
:mod:`techcurve.pipeline.panel` and prints its result."""

from __future__ import annotations

import csv
import types
from pathlib import Path

import click
from rich.table import Table

from techcurve.cli.common import OUTPUT_LANG, Ctx, jsonable, out_console
from techcurve.errors import PanelError


@click.group()
def experts() -> None:
    """Expert placements: import or export the overrides YAML, list or withdraw them."""


@experts.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.pass_obj
def experts_import(ctx: Ctx, path: str) -> None:
    """Import an overrides YAML into the store's expert placements (once)."""
    r = _tp().import_placements(ctx.db, path)
    ctx.say(ctx.t("cli.experts.imported", path=r.path, entries=r.entries, added=r.added))
    ctx.emit(r)


@experts.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
def experts_export(ctx: Ctx, path: str) -> None:
    """Write the current expert placements as an overrides YAML."""
    n = _tp().export_placements(ctx.db, path)
    ctx.say(ctx.t("cli.experts.exported", path=path, n=n))
    ctx.emit({"path": path, "placements": n})


@experts.command("withdraw")
@click.argument("subfield_id")
@click.option("--who", required=True, help="Who withdraws the placement.")
@click.option("--why", required=True, help="Why.")
@click.pass_obj
def experts_withdraw(ctx: Ctx, subfield_id: str, who: str, why: str) -> None:
    """Withdraw a sub-field's expert placement (the model's placement is shown again)."""
    done = _tp().withdraw_placement(ctx.db, subfield_id, who=who, why=why)
    ctx.say(ctx.t("cli.experts.withdrawn" if done else "cli.experts.nothing_to_withdraw",
                  id=subfield_id))  # fmt: skip
    ctx.emit({"subfield_id": subfield_id, "withdrawn": done})


_PLACEMENT_COLUMNS = ("subfield_id", "phase", "position", "years_band", "who", "made_at", "origin")


@experts.command("list")
@click.option("--history", is_flag=True, help="Every placement ever made, oldest first.")
@click.pass_obj
def experts_list(ctx: Ctx, history: bool) -> None:
    """List the current expert placements (with --history: all of them)."""
    frame = _tp().list_placements(ctx.db, history=history)
    ctx.emit(frame.to_dicts())
    if ctx.json or ctx.quiet:
        return
    if frame.height == 0:
        ctx.say(ctx.t("cli.experts.none"))
        return
    cols = (*_PLACEMENT_COLUMNS, "withdrawn") if history else _PLACEMENT_COLUMNS
    table = Table(*(ctx.t(f"cli.experts.col.{c}") for c in cols))
    for row in frame.iter_rows(named=True):
        table.add_row(*("" if row[c] is None else str(row[c]) for c in cols))
    out_console.print(table)


# -- the panel ----------------------------------------------------------------------

PANEL = click.option("--panel", default=None, help="The panel's name (default: the latest).")
ROUND = click.option(
    "--round", "number", type=int, default=None, help="Round number (default: the latest)."
)


@click.group()
def panel() -> None:
    """The expert panel: Delphi rounds in the web app or in Excel forms."""


@panel.command("create")
@click.option("--name", required=True, help="The panel's name, e.g. 2026.")
@click.option("--experts", "experts_file", required=True, type=click.Path(dir_okay=False, exists=True),
              help="CSV or XLSX with columns name, affiliation, domains (or 姓名, 单位, 领域).")  # fmt: skip
@click.option("--max-rounds", default=3, show_default=True, type=int,
              help="After this many rounds the median counts as consensus.")  # fmt: skip
@click.option("--links-out", default=None, type=click.Path(dir_okay=False),
              help="Also write name,link of every expert to this CSV.")  # fmt: skip
@click.pass_obj
def panel_create(
    ctx: Ctx, name: str, experts_file: str, max_rounds: int, links_out: str | None
) -> None:
    """Create a panel; prints each expert's personal link once."""
    made = _tp().create_panel(ctx.db, name, experts_file, max_rounds=max_rounds)
    if links_out:
        with Path(links_out).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["name", "link"])
            w.writerows((e.expert.name, e.link) for e in made.experts)
    ctx.emit({"panel": jsonable(made.panel), "experts": [
        {**jsonable(e.expert), "link": e.link} for e in made.experts]})  # fmt: skip
    ctx.say(ctx.t("cli.panel.created", name=made.panel.name, n=len(made.experts),
                  max_rounds=made.panel.max_rounds))  # fmt: skip
    for e in made.experts:
        ctx.say(f"  {e.expert.name}: {e.link}")
    ctx.say(ctx.t("cli.panel.links_once"))


@panel.command("open-round")
@PANEL
@click.option("--subfield", "subfields", multiple=True, help="A sub-field id (repeatable).")
@click.option("--domain", default=None, help="Every sub-field of this domain.")
@click.pass_obj
def panel_open_round(
    ctx: Ctx, panel: str | None, subfields: tuple[str, ...], domain: str | None
) -> None:
    """Open the next round (default: every sub-field the model placed)."""
    rnd = _tp().open_round(ctx.db, panel=panel, subfields=subfields, domain=domain)
    ctx.emit(rnd)
    ctx.say(ctx.t("cli.panel.opened", number=rnd.number, n=len(rnd.subfields)))


@panel.command("status")
@PANEL
@click.pass_obj
def panel_status(ctx: Ctx, panel: str | None) -> None:
    """The panel's experts and rounds, with how many answered."""
    s = _tp().panel_status(ctx.db, panel=panel)
    ctx.emit(s)
    if ctx.json or ctx.quiet:
        return
    ctx.say(ctx.t("cli.panel.status", name=s.panel.name, experts=len(s.experts),
                  rounds=len(s.rounds), max_rounds=s.panel.max_rounds))  # fmt: skip
    table = Table(
        *(
            ctx.t(f"cli.panel.col.{c}")
            for c in ("round", "status", "subfields", "answered", "answers")
        )
    )
    for r in s.rounds:
        table.add_row(str(r.round.number), ctx.t(f"cli.panel.state.{r.round.status}"), str(len(r.round.subfields)),
                      f"{r.experts_answered}/{len(s.experts)}", str(r.answers))  # fmt: skip
    out_console.print(table)


@panel.command("close-round")
@PANEL
@OUTPUT_LANG
@click.pass_obj
def panel_close_round(ctx: Ctx, panel: str | None, lang: str) -> None:
    """Close the open round: aggregates, and consensus placements written."""
    closed = _tp().close_round(ctx.db, panel=panel, lang=lang)  # type: ignore[arg-type]
    ctx.emit(closed)
    if ctx.json or ctx.quiet:
        return
    ctx.say(ctx.t("cli.panel.closed", number=closed.round.number, placed=len(closed.placed),
                  open=len(closed.open_questions)))  # fmt: skip
    cols = ("subfield", "answers", "median", "phase", "iqr", "agree", "consensus", "outliers")
    table = Table(*(ctx.t(f"cli.panel.col.{c}") for c in cols))
    for r in closed.results:
        table.add_row(r.subfield_id, str(r.answers), f"{r.median:.3f}", r.median_phase,
                      f"{r.iqr_phases:.2f}", f"{r.share_agreeing:.0%}",
                      ctx.t("cli.panel.yes") if r.consensus else ctx.t("cli.panel.no"),
                      str(len(r.outliers)))  # fmt: skip
    out_console.print(table)
    for r in closed.results:
        for o in r.outliers:
            why = o.rationale or ctx.t("panel.no_rationale")
            ctx.say(f"  {r.subfield_id}: " + ctx.t("panel.outlier_rationale", position=o.position,
                                                   phase=o.phase, why=why))  # fmt: skip


@panel.command("export-form")
@PANEL
@ROUND
@OUTPUT_LANG
@click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False),
              help="The folder the forms are written to.")  # fmt: skip
@click.pass_obj
def panel_export_form(
    ctx: Ctx, panel: str | None, number: int | None, lang: str, outdir: str
) -> None:
    """Write one XLSX form per expert for a round."""
    paths = _tp().export_forms(ctx.db, outdir, panel=panel, number=number, lang=lang)  # type: ignore[arg-type]
    ctx.emit([str(p) for p in paths])
    ctx.say(ctx.t("cli.panel.forms_written", n=len(paths), outdir=outdir))


@panel.command("import-form")
@PANEL
@ROUND
@click.option("--partial", is_flag=True, help="Store the valid rows of forms with errors too.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.pass_obj
def panel_import_form(ctx: Ctx, panel: str | None, number: int | None, partial: bool,
                      files: tuple[str, ...]) -> None:  # fmt: skip
    """Read filled forms back into their round; every invalid cell is named."""
    r = _tp().import_forms(ctx.db, files, panel=panel, number=number, partial=partial)
    ctx.emit({"round": r.round.number, "stored": r.stored,
              "files": [{"path": f.path, "expert": f.expert, "stored": f.stored,
                         "problems": [p.text(ctx.lang) for p in f.problems]} for f in r.files]})  # fmt: skip
    for f in r.files:
        ctx.say(ctx.t("cli.panel.form_read", path=f.path, expert=f.expert or "?", stored=f.stored,
                      problems=len(f.problems)))  # fmt: skip
    if r.problems:
        click.echo("\n".join(p.text(ctx.lang) for p in r.problems), err=True)
        raise PanelError.of("panel.form.invalid", count=len(r.problems))


def _tp() -> types.ModuleType:
    """:mod:`techcurve.pipeline.panel`, imported on first use: it loads the readers
    (Numba), which only the panel commands need."""
    import techcurve.pipeline.panel as tp

    return tp
