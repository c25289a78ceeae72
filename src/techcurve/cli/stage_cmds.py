"""The stage commands: ``init``, ``ingest``, ``ingest-counts``, ``match``,
``indicators``, ``assess``, ``explain``, ``curve``, ``report`` and ``run`` (all of them).

Each parses its options, calls its :mod:`techcurve.pipeline` function and prints the
result (:mod:`techcurve.cli.summaries`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from techcurve import pipeline
from techcurve.cli.common import (
    AS_OF,
    OUTPUT_LANG,
    OVERRIDES,
    TAXONOMY,
    WAIT,
    Ctx,
    jsonable,
    parse_date,
    reading_options,
)
from techcurve.cli.failures import hint_command
from techcurve.cli.progress import estimate_rows, progress_bar, rows_read
from techcurve.cli.summaries import (
    print_explain,
    print_ingest,
    say_indicators,
    say_links,
    say_phases,
    say_rematched,
)
from techcurve.errors import IngestError

if TYPE_CHECKING:
    from techcurve.datatypes import IngestSummary
    from techcurve.match import MatchResult


@click.command()
@click.option("--force", is_flag=True, help="Delete an existing store first.")
@click.pass_obj
def init(ctx: Ctx, force: bool) -> None:
    """Create an empty store (a DuckDB file)."""
    path = pipeline.init(ctx.db, force=force)
    ctx.say(ctx.t("cli.init.done", path=path))
    ctx.emit({"db": str(path)})


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@reading_options
@click.option("--dry-run", is_flag=True, help="Read and check everything, store nothing.")
@click.option(
    "--taxonomy",
    default=None,
    type=click.Path(dir_okay=False),
    help="Also match: the records are matched against this taxonomy while they are read "
    "(when the store's links are current for it), then `match --taxonomy` runs for what is "
    "left. The links are the same as from `ingest` then `match`.",
)
@click.option(
    "--inspect",
    "inspect_only",
    is_flag=True,
    help="Show the detected format, encoding, profile, columns and first records of each "
    "file (like `techcurve inspect`) and store nothing.",
)
@AS_OF
@WAIT
@click.pass_obj
def ingest(
    ctx: Ctx,
    files: tuple[str, ...],
    kind: str,
    profile: str | None,
    mapping: str | None,
    rejects_dir: str | None,
    encoding: str | None,
    fallback_encoding: str | None,
    keep_going: bool,
    max_amount: float | None,
    dry_run: bool,
    taxonomy: str | None,
    inspect_only: bool,
    as_of: str | None,
) -> None:
    """Ingest record files (patents, papers, articles, financing events).

    Every file is checked and read before anything is stored; if one cannot be
    ingested (unreadable, empty, only a header, every row rejected) none is stored,
    unless --keep-going."""
    if inspect_only:
        from techcurve.cli.ingest_cmds import inspect as inspect_cmd

        for f in files:
            click.get_current_context().invoke(
                inspect_cmd, file=f, profile=profile, mapping=mapping, kind=kind, encoding=encoding
            )
        return
    with progress_bar(ctx, "ingest") as prog:
        both = pipeline.ingest_and_match(
            ctx.db,
            files,
            taxonomy=taxonomy,
            kind=kind,
            profile=profile,
            mapping=mapping,
            rejects_dir=rejects_dir,
            dry_run=dry_run,
            as_of=parse_date(as_of),
            encoding=encoding,
            fallback_encoding=fallback_encoding,
            keep_going=keep_going,
            max_amount=max_amount,
            config=ctx.config,
            progress=rows_read(prog, estimate_rows(files) if prog else None),
            match_progress=prog,
            on_stage=prog.stage if prog else None,
        )
    print_ingest(ctx, both.ingest, dry_run, emit=both.match is None)
    if both.match is not None:
        say_links(ctx, both.match)
        say_rematched(ctx, both.match)
        # with --json, one document: {"ingest": [...], "match": {...}}
        ctx.emit({"ingest": jsonable(both.ingest), "match": jsonable(both.match)})
    elif taxonomy is not None and not dry_run:
        ctx.say(ctx.t("cli.ingest.nothing_to_match"))
    exit_if_skipped(both.ingest)


@click.command("ingest-counts")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--profile",
    default=None,
    help="long-csv, hypecycle-json, hn-hiring, stackoverflow-tags, google-trends (default: detected).",
)
@click.option(
    "--kind",
    default=None,
    type=click.Choice(["patent", "paper", "article", "financing", "attention"]),
    help="Evidence kind when the file does not say.",
)
@click.option("--source", default=None, help="Source name when the file does not say.")
@click.option(
    "--term", default=None, help="The term of a single-series file (e.g. a Google Trends CSV)."
)
@click.option("--dry-run", is_flag=True, help="Read and check everything, store nothing.")
@WAIT
@click.pass_obj
def ingest_counts(
    ctx: Ctx,
    files: tuple[str, ...],
    profile: str | None,
    kind: str | None,
    source: str | None,
    term: str | None,
    dry_run: bool,
) -> None:
    """Ingest count-level evidence: technology or search term, year, kind, count."""
    with progress_bar(ctx, "ingest counts") as prog:
        summaries = pipeline.ingest_counts(
            ctx.db,
            files,
            profile=profile,
            kind=kind,
            source=source,
            term=term,
            dry_run=dry_run,
            progress=rows_read(prog),
        )
    print_ingest(ctx, summaries, dry_run)


@click.command()
@TAXONOMY
@click.option(
    "--full",
    is_flag=True,
    help="Re-match every record against every query (default: only new records and new "
    "or edited queries).",
)
@WAIT
@click.pass_obj
def match(ctx: Ctx, taxonomy: str | None, full: bool) -> None:
    """Match every sub-field query over every record and count series."""
    ctx.emit(_match(ctx, taxonomy, full))


def _match(ctx: Ctx, taxonomy: str | None, full: bool) -> MatchResult:
    with progress_bar(ctx, "match") as prog:
        res = pipeline.match(ctx.db, taxonomy=taxonomy, progress=prog, full=full)
    say_links(ctx, res)
    say_rematched(ctx, res)
    return res


@click.command()
@AS_OF
@WAIT
@click.pass_obj
def indicators(ctx: Ctx, as_of: str | None) -> None:
    """Compute indicators per sub-field per year and the as-of summary."""
    res = pipeline.compute(ctx.db, as_of=parse_date(as_of), config=ctx.config)
    say_indicators(ctx, res)
    ctx.emit(res)


@click.command()
@click.option("--model", default="snapshot", show_default=True, help="Assessment model.")
@OVERRIDES
@AS_OF
@WAIT
@click.pass_obj
def assess(ctx: Ctx, model: str, overrides: str | None, as_of: str | None) -> None:
    """Place every sub-field in a phase with a position and reasons."""
    with hint_command():
        frame = pipeline.assess(
            ctx.db, model=model, overrides=overrides, as_of=parse_date(as_of), config=ctx.config
        )
    say_phases(ctx, {p or "": n for p, n in frame.group_by("phase").len().rows()})
    ctx.emit(frame.to_dicts())


@click.command()
@click.argument("subfield_id", metavar="SUBFIELD")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of the reasons and names (default: TECHCURVE_LANG, else en).",
)
@click.pass_obj
def explain(ctx: Ctx, subfield_id: str, lang: str | None) -> None:
    """Why a sub-field sits where it does: reasons, indicators, records.

    SUBFIELD is a sub-field's id, its Chinese or English name, or an alias only it uses
    (`techcurve explain 大模型`)."""
    res = pipeline.explain(ctx.db, subfield_id, lang=lang or ctx.lang)
    ctx.emit(res.to_json())
    if ctx.json or ctx.quiet:
        return
    print_explain(res)


@click.command()
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    default=("curve.svg", "curve.png"),
    show_default=True,
    help="Output file(s), repeatable (a file, not a folder); the extension picks the format "
    "(.svg, .png, .pdf).",
)
@OUTPUT_LANG
@click.option("--title", default=None, help="Title above the curve.")
@click.option(
    "--compare",
    default=None,
    metavar="EDITION",
    help="Draw movement arrows from a saved edition's positions (see `techcurve edition list`).",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    metavar="ID",
    help="Draw this domain's curve alone (repeatable: one curve per domain, each output "
    "named with -ID before its extension).",
)
@click.option(
    "--labels",
    type=click.Choice(["auto", "names", "numbers"]),
    default="auto",
    show_default=True,
    help="Dot labels: names, or numbers with a key beside the curve; auto picks numbers "
    "when a name would need a long leader line or finds no room.",
)
@click.option(
    "--size",
    type=click.Choice(["auto", "a4", "16:9"]),
    default="auto",
    show_default=True,
    help="Canvas: grows with the dots (auto), A4 landscape, or a 16:9 slide.",
)
@click.pass_obj
def curve(
    ctx: Ctx,
    outputs: tuple[str, ...],
    lang: str,
    title: str | None,
    compare: str | None,
    domains: tuple[str, ...],
    labels: str,
    size: str,
) -> None:
    """Draw the maturity curve (SVG, PNG or PDF): all sub-fields, or one domain's."""
    paths = pipeline.curve(
        ctx.db, outputs, lang=lang, title=title, compare=compare, domains=domains,
        labels=labels, size=size,
    )  # fmt: skip
    for p in paths:
        ctx.say(ctx.t("cli.curve.written", paths=p))
    ctx.emit([str(p) for p in paths])


@click.command()
@click.option(
    "-o",
    "--output",
    default="report.html",
    show_default=True,
    help="The report file (not a folder): .html, .pdf or .pptx.",
)
@OUTPUT_LANG
@click.option("--title", default=None)
@click.option(
    "--pages",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the analyst's Markdown pages (default: the setting report.pages).",
)
@click.pass_obj
def report(ctx: Ctx, output: str, lang: str, title: str | None, pages: str | None) -> None:
    """Write the report: self-contained HTML, PDF (printed by headless Chromium) or an
    editable PowerPoint deck (.pptx), with the analyst's pages where given."""
    path = pipeline.report(ctx.db, output, lang=lang, title=title, pages=pages, config=ctx.config)
    ctx.say(ctx.t("cli.report.written", path=path))
    ctx.emit(str(path))


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@TAXONOMY
@reading_options
@AS_OF
@click.option("--model", default="snapshot", show_default=True, help="Assessment model.")
@OVERRIDES
@click.option(
    "-o",
    "--out",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder (not a file) for curve.svg, curve.png and report.html.",
)
@OUTPUT_LANG
@click.option("--title", default=None, help="Title of the curve and the report.")
@WAIT
@click.pass_obj
def run(
    ctx: Ctx,
    files: tuple[str, ...],
    taxonomy: str | None,
    kind: str,
    profile: str | None,
    mapping: str | None,
    rejects_dir: str | None,
    encoding: str | None,
    fallback_encoding: str | None,
    keep_going: bool,
    max_amount: float | None,
    as_of: str | None,
    model: str,
    overrides: str | None,
    out: str,
    lang: str,
    title: str | None,
) -> None:
    """The whole pipeline in one command: ingest FILES (matched while read), match,
    indicators, assess, curve and report into OUT. --as-of is the evidence cut-off of
    the indicators and the assessment.

    The store is created if needed. Without FILES, the store's records are matched
    (only what changed), assessed and reported again: what to run after editing the
    taxonomy, or after ingesting files that need different options with `ingest`.
    """
    with progress_bar(ctx, "ingest" if files else "match") as prog:
        res = pipeline.run(
            ctx.db, files, out=out, taxonomy=taxonomy, kind=kind, profile=profile,
            mapping=mapping, rejects_dir=rejects_dir, encoding=encoding, as_of=parse_date(as_of),
            fallback_encoding=fallback_encoding, keep_going=keep_going, max_amount=max_amount,
            model=model, overrides=overrides, lang=lang, title=title, config=ctx.config,
            progress=rows_read(prog, estimate_rows(files) if prog and files else None),
            on_stage=prog.stage if prog else None,
        )  # fmt: skip
    _print_run(ctx, res, bool(files))
    ctx.emit(res)
    exit_if_skipped(res.ingest)


def _print_run(ctx: Ctx, res: pipeline.RunResult, ingested: bool) -> None:
    """Each stage's line, as the stage's own command prints it, then the times."""
    if ingested:
        print_ingest(ctx, res.ingest, False, emit=False)
    say_links(ctx, res.match)
    say_indicators(ctx, res.indicators)
    say_phases(ctx, res.phases)
    if res.curve:
        ctx.say(ctx.t("cli.curve.written", paths=", ".join(str(p) for p in res.curve)))
    else:
        ctx.say(ctx.t("cli.curve.not_drawn"))
    ctx.say(ctx.t("cli.report.written", path=res.report))
    stages = ctx.t("cli.list_sep").join(f"{stage} {s:.1f}" for stage, s in res.seconds.items())
    ctx.say(ctx.t("cli.run.done", seconds=sum(res.seconds.values()), stages=stages))


def exit_if_skipped(summaries: list[IngestSummary]) -> None:
    """End with an input file's exit code when --keep-going left a file out: what was
    stored is stored, but a script should not take the run for a clean one."""
    if any(s.skipped is not None for s in summaries):
        click.get_current_context().exit(IngestError.exit_code)
