"""``techcurve inspect FILE``: what techcurve sees in an input file, before ingesting it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from techcurve import pipeline
from techcurve.cli.common import Ctx, out_console

if TYPE_CHECKING:
    from techcurve.ingest import Inspection

# Record fields shown per record when not null (``--json`` gives every field).
_SHOWN = ("title", "date", "year", "venue", "organization", "keywords", "ipc", "url",
          "amount_text", "amount_low_cny", "amount_high_cny", "amount_point_cny", "currency",
          "round_raw", "round", "investors", "sector", "abstract")  # fmt: skip
_WIDTH = 100  # characters of a long value shown


def _plain(v: Any) -> Any:
    if isinstance(v, date | datetime):
        return v.isoformat()
    return v


def inspection_dict(ins: Inspection) -> dict[str, Any]:
    """An :class:`~techcurve.ingest.Inspection` as JSON-ready data."""
    records = ins.records.to_dicts() if ins.records is not None else []
    return {
        "path": ins.path,
        "format": ins.format,
        "encoding": ins.encoding,
        "delimiter": ins.delimiter,
        "profile": ins.profile,
        "kind": ins.kind,
        "columns": list(ins.columns),
        "notes": list(ins.notes),
        "mapping": dict(ins.mapping),
        "unused_columns": list(ins.unused),
        "rows": [{k: _plain(v) for k, v in r.items()} for r in ins.rows],
        "records": [{k: _plain(v) for k, v in r.items()} for r in records],
        "rejects": [
            {"row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
            for r in ins.rejects
        ],
    }


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    default=None,
    help="Read with this profile (crunchbase, itjuzi, cnki, wanfang, cnipa, patentsview, "
    "openalex, ris, wos, endnote, refworks, estudy, generic) or as this format "
    "(csv, tsv, jsonl, json, xlsx, xls, parquet); default: detected.",
)
@click.option(
    "--mapping", default=None, type=click.Path(dir_okay=False), help="A YAML column mapping."
)
@click.option(
    "--kind",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "patent", "paper", "article", "financing"]),
    help="What the records are when the profile does not say.",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding (e.g. utf-8, gb18030, utf-16-le); default: detected.",
)
@click.option(
    "-n", "--rows", "n", default=5, show_default=True, type=click.IntRange(1, 1000),
    help="How many records to show.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON.")
@click.pass_obj
def inspect(
    ctx: Ctx,
    file: str,
    profile: str | None,
    mapping: str | None,
    kind: str,
    encoding: str | None,
    n: int,
    as_json: bool,
) -> None:
    """Show what techcurve sees in FILE: format, encoding, profile, columns, notes
    (quirks it fixed) and the first records as they would be stored. Stores nothing."""
    ins = pipeline.inspect(
        file,
        kind=None if kind == "auto" else kind,
        profile=profile,
        mapping=mapping,
        n=n,
        encoding=encoding,
    )
    data = inspection_dict(ins)
    if as_json or ctx.json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if ctx.quiet:
        return

    def say(*args: Any, **kwargs: Any) -> None:
        out_console.print(*args, soft_wrap=True, **kwargs)

    say(f"[bold]{Path(ins.path).name}[/bold]", highlight=False)
    delim = {"\t": ctx.t("cli.inspect.tab"), None: "-"}.get(ins.delimiter, repr(ins.delimiter))
    say(ctx.t("cli.inspect.format", format=ins.format, encoding=ins.encoding, delimiter=delim),
        highlight=False)  # fmt: skip
    say(ctx.t("cli.inspect.profile", profile=ins.profile or ctx.t("cli.inspect.no_profile"),
              kind=ins.kind or ctx.t("cli.inspect.per_record")), highlight=False)  # fmt: skip
    columns = ctx.t("cli.list_sep").join(c for c in ins.columns if not c.startswith("_"))
    say(ctx.t("cli.inspect.columns", columns=columns), highlight=False)
    for note in ins.notes_in(ctx.lang):
        say(ctx.t("cli.inspect.note", note=note), highlight=False)
    if ins.mapping:
        fields = ctx.t("cli.list_sep").join(f"{f} ← {c}" for f, c in ins.mapping)
        say(ctx.t("cli.inspect.mapping", fields=fields), highlight=False, markup=False)
    if ins.unused:
        unused = ctx.t("cli.list_sep").join(ins.unused)
        say(ctx.t("cli.inspect.unused", columns=unused), highlight=False, markup=False)
    if ins.profile and not data["rows"]:
        say(ctx.t("cli.inspect.no_rows"), highlight=False)
    if data["records"]:
        say("\n" + ctx.t("cli.inspect.first_records", n=len(data["records"])), highlight=False)
        for r in data["records"]:
            say(
                "\n" + ctx.t("cli.inspect.record", row=r.get("_row"), id=r["record_id"],
                              kind=r["kind"]),
                highlight=False,
                markup=False,
            )  # fmt: skip
            for c in _SHOWN:
                v = r.get(c)
                if v is None:
                    continue
                if c == "date":
                    v = f"{v} ({r.get('date_precision')})"
                text = str(v)
                text = text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"
                say(f"    {c:<17} {text}", highlight=False, markup=False)
    elif data["rows"]:
        cols = [c for c in data["rows"][0] if c != "_row"][:8]
        table = Table(ctx.t("cli.inspect.row"), *cols, title=ctx.t("cli.inspect.first_rows"))
        for r in data["rows"]:
            table.add_row(
                str(r.get("_row")), *("" if r.get(c) is None else str(r[c]) for c in cols)
            )
        say(table)
    for rj in data["rejects"]:
        say(ctx.t("cli.inspect.rejected", row=rj["row"], reason=rj["reason"]), highlight=False)
