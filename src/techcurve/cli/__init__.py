"""The command line: a thin click layer over :mod:`techcurve.pipeline`.

This is the only module that prints or exits. Every :class:`TechcurveError` becomes
one line on stderr (``error: …``) and the error's exit code; ``--json`` prints
machine-readable results on stdout instead of tables.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from techcurve import pipeline
from techcurve.errors import TechcurveError
from techcurve.store import DEFAULT_DB, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV

err_console = Console(stderr=True)
out_console = Console()


class Ctx:
    def __init__(self, db: str, config: str | None, quiet: bool, as_json: bool) -> None:
        self.db = db
        self.config = config
        self.quiet = quiet
        self.json = as_json

    def say(self, text: str) -> None:
        if not self.quiet and not self.json:
            out_console.print(text, highlight=False)

    def emit(self, data: Any) -> None:
        if self.json:
            click.echo(json.dumps(_jsonable(data), ensure_ascii=False, indent=2, default=str))


def _jsonable(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, list):
        return [_jsonable(o) for o in obj]
    return obj


class _CountColumn(ProgressColumn):
    """'12,345/1,000,000 rows · 48,000 rows/s' (the total only when it is known)."""

    def render(self, task: Task) -> Text:
        if task.total is None and not task.completed:
            return Text("")  # a stage that counts nothing (run's stages after ingest)
        done = f"{int(task.completed):,}"
        if task.total is not None:
            done += f"/{int(task.total):,}"
        speed = f" · {task.speed:,.0f}/s" if task.speed else ""
        return Text(done + speed)


class _Bar:
    """A progress bar's update function: ``bar(done, total)``; ``bar.stage(label)``
    starts a new stage (its label, no count yet)."""

    def __init__(self, progress: Progress, task: Any) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, done: int, total: int | None) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def stage(self, label: str) -> None:
        # a task of its own: rich keeps a task's total once set (None = "unchanged")
        self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(label, total=None)


@contextmanager
def _progress(ctx: Ctx, label: str) -> Iterator[_Bar | None]:
    if ctx.quiet or ctx.json or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        _CountColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        yield _Bar(bar, bar.add_task(label, total=None))


def estimate_rows(paths: Sequence[str]) -> int | None:
    """Rows in delimited text files, estimated from their line ends (for an ETA).

    None when any file is not line-oriented text (XLSX, Parquet, JSON, tagged exports are
    shown without a total). Quoted fields spanning lines make this an over-estimate.
    """
    total = 0
    for p in paths:
        if Path(p).suffix.lower() not in (".csv", ".tsv", ".txt"):
            return None
        nl = cr = 0
        try:
            with open(p, "rb") as f:
                while chunk := f.read(1 << 22):
                    nl += chunk.count(b"\n")
                    cr += chunk.count(b"\r")
        except OSError:
            return None
        total += max((nl or cr) - 1, 0)
    return total


def _rows_read(
    prog: Callable[[int, int | None], None] | None, total: int | None = None
) -> Callable[[int], None] | None:
    """Adapt a progress bar to a callback that reports rows read per batch."""
    if prog is None:
        return None
    seen = 0

    def advance(n: int) -> None:
        nonlocal seen
        seen += n
        prog(seen, max(total, seen) if total is not None else None)

    return advance


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        if value.isdigit() and len(value) == 4:
            return date(int(value), 12, 31)
        raise click.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD or YYYY)") from None


TAXONOMY = click.option(
    "--taxonomy",
    default=None,
    type=click.Path(dir_okay=False),
    help="Taxonomy YAML (default: the one last matched with, else the shipped one).",
)

RECORD_KIND = click.option(
    "--kind",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "patent", "paper", "article", "financing"]),
    help="What the records are; auto = what the profile or mapping says.",
)

OVERRIDES = click.option(
    "--overrides", default=None, type=click.Path(dir_okay=False), help="Expert overrides YAML."
)

_READING = (
    RECORD_KIND,
    click.option(
        "--profile",
        default=None,
        help="Source profile: crunchbase, itjuzi, cnki, wanfang, cnipa, patentsview, openalex, "
        "ris, wos, endnote, refworks, estudy, generic; or a format read with the generic "
        "profile: csv, tsv, jsonl, json, xlsx, xls, parquet (default: detected). See "
        "docs/ingest.md.",
    ),
    click.option(
        "--mapping",
        default=None,
        type=click.Path(dir_okay=False),
        help="A YAML column mapping for other files.",
    ),
    click.option(
        "--rejects-dir",
        default=None,
        type=click.Path(file_okay=False),
        help="Where rejected rows are written (default: rejects/ beside the store).",
    ),
    click.option(
        "--encoding",
        default=None,
        help="Text encoding of the files (e.g. utf-8, gb18030, utf-16-le); default: detected.",
    ),
)


def _reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How record files are read: the options ``ingest`` and ``run`` share."""
    for option in reversed(_READING):
        command = option(command)
    return command


AS_OF = click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Use only evidence dated on or before this date (YYYY-MM-DD or YYYY).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", default=DEFAULT_DB, show_default=True, envvar="TECHCURVE_DB", help="The store file."
)
@click.option(
    "--config",
    default=None,
    type=click.Path(dir_okay=False),
    help="A settings YAML overriding the defaults.",
)
@click.option(
    "--memory-limit",
    default=None,
    envvar=MEMORY_LIMIT_ENV,
    help=f"DuckDB's memory for the store, e.g. 2GB or 512MB; beyond it DuckDB spills to "
    f"<db>.tmp. [default: {DEFAULT_MEMORY_LIMIT}]",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
@click.version_option(package_name="techcurve")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str,
    config: str | None,
    memory_limit: str | None,
    quiet: bool,
    as_json: bool,
    verbose: bool,
) -> None:
    """techcurve: evidence-based technology maturity curves.

    A run goes init → ingest → match → indicators → assess → curve / report.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    if memory_limit:
        # Every Store.open reads the limit from the environment, so the pipeline needs no
        # parameter for it; restored when the command ends (CliRunner runs in-process).
        before = os.environ.get(MEMORY_LIMIT_ENV)
        os.environ[MEMORY_LIMIT_ENV] = memory_limit
        ctx.call_on_close(lambda: _restore_env(MEMORY_LIMIT_ENV, before))
    ctx.obj = Ctx(db, config, quiet, as_json)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@cli.command()
@click.option("--force", is_flag=True, help="Delete an existing store first.")
@click.pass_obj
def init(ctx: Ctx, force: bool) -> None:
    """Create an empty store (a DuckDB file)."""
    path = pipeline.init(ctx.db, force=force)
    ctx.say(f"store ready: {path}")
    ctx.emit({"db": str(path)})


def _print_ingest(ctx: Ctx, summaries: list[Any], dry_run: bool, *, emit: bool = True) -> None:
    if emit:
        ctx.emit(summaries)
    if ctx.quiet or ctx.json:
        return
    table = Table(
        "file",
        "profile",
        "read",
        "stored",
        "duplicates",
        "rejected",
        title="dry run" if dry_run else None,
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
            ctx.say(f"rejected rows of {Path(s.path).name}: {s.rejects_path}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_reading_options
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
@click.pass_obj
def ingest(
    ctx: Ctx,
    files: tuple[str, ...],
    kind: str,
    profile: str | None,
    mapping: str | None,
    rejects_dir: str | None,
    encoding: str | None,
    dry_run: bool,
    taxonomy: str | None,
    inspect_only: bool,
    as_of: str | None,
) -> None:
    """Ingest record files (patents, papers, articles, financing events)."""
    if inspect_only:
        from techcurve.cli.ingest_cmds import inspect as inspect_cmd

        for f in files:
            click.get_current_context().invoke(
                inspect_cmd, file=f, profile=profile, mapping=mapping, kind=kind, encoding=encoding
            )
        return
    with _progress(ctx, "ingest") as prog:
        summaries = pipeline.ingest(
            ctx.db,
            files,
            kind=kind,
            profile=profile,
            mapping=mapping,
            rejects_dir=rejects_dir,
            dry_run=dry_run,
            as_of=_date(as_of),
            encoding=encoding,
            config=ctx.config,
            progress=_rows_read(prog, estimate_rows(files) if prog else None),
            taxonomy=taxonomy,
        )
    matching = taxonomy is not None and not dry_run and any(s.stored for s in summaries)
    _print_ingest(ctx, summaries, dry_run, emit=not matching)
    if taxonomy is not None and not dry_run and not matching:
        ctx.say("no new records: nothing to match")
    if matching:  # with --json, one document: {"ingest": [...], "match": {...}}
        res = _match(ctx, taxonomy, full=False)
        ctx.emit({"ingest": _jsonable(summaries), "match": _jsonable(res)})


@cli.command("ingest-counts")
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
    with _progress(ctx, "ingest counts") as prog:
        summaries = pipeline.ingest_counts(
            ctx.db,
            files,
            profile=profile,
            kind=kind,
            source=source,
            term=term,
            dry_run=dry_run,
            progress=_rows_read(prog),
        )
    _print_ingest(ctx, summaries, dry_run)


@cli.command()
@TAXONOMY
@click.option(
    "--full",
    is_flag=True,
    help="Re-match every record against every query (default: only new records and new "
    "or edited queries).",
)
@click.pass_obj
def match(ctx: Ctx, taxonomy: str | None, full: bool) -> None:
    """Match every sub-field query over every record and count series."""
    ctx.emit(_match(ctx, taxonomy, full))


def _say_links(ctx: Ctx, res: Any) -> None:
    """The line every match (local or on an engine) ends with."""
    ctx.say(
        f"{res.records:,} records × {res.subfields} sub-fields → {res.links:,} links "
        f"({res.matched_records:,} records matched); {res.count_series:,} count series linked"
    )


def _match(ctx: Ctx, taxonomy: str | None, full: bool) -> Any:
    with _progress(ctx, "match") as prog:
        res = pipeline.match(ctx.db, taxonomy=taxonomy, progress=prog, full=full)
    _say_links(ctx, res)
    if res.mode != "full":
        ctx.say(
            f"{res.mode}: re-matched {res.rematched_records:,} records and "
            f"{res.rematched_subfields} edited or new sub-fields"
        )
    return res


@cli.command()
@AS_OF
@click.pass_obj
def indicators(ctx: Ctx, as_of: str | None) -> None:
    """Compute indicators per sub-field per year and the as-of summary."""
    res = pipeline.indicators(ctx.db, as_of=_date(as_of), config=ctx.config)
    _say_indicators(ctx, res)
    ctx.emit(res)


def _say_indicators(ctx: Ctx, res: Any) -> None:
    ctx.say(
        f"indicators as of {res.as_of}: {res.indicator_rows:,} sub-field-years, "
        f"{res.subfields} sub-fields ({res.without_evidence} without any evidence)"
    )


@cli.command()
@click.option("--model", default="snapshot", show_default=True, help="Assessment model.")
@OVERRIDES
@AS_OF
@click.pass_obj
def assess(ctx: Ctx, model: str, overrides: str | None, as_of: str | None) -> None:
    """Place every sub-field in a phase with a position and reasons."""
    from techcurve.cli.assess_cmds import hint_command

    with hint_command():
        frame = pipeline.assess(
            ctx.db, model=model, overrides=overrides, as_of=_date(as_of), config=ctx.config
        )
    _say_phases(ctx, dict(frame.group_by("phase").len().rows()))
    ctx.emit(frame.to_dicts())


def _say_phases(ctx: Ctx, phases: dict[Any, int]) -> None:
    counts = sorted(phases.items(), key=lambda kv: kv[0] or "")
    ctx.say("assessed: " + ", ".join(f"{p or 'insufficient evidence'} {n}" for p, n in counts))


@cli.command()
@click.argument("subfield_id")
@click.pass_obj
def explain(ctx: Ctx, subfield_id: str) -> None:
    """Why a sub-field sits where it does: reasons, indicators, records."""
    res = pipeline.explain(ctx.db, subfield_id)
    ctx.emit(res)
    if ctx.json or ctx.quiet:
        return
    sf = res.subfield
    out_console.print(
        f"[bold]{sf['name_zh']} / {sf['name_en']}[/bold] ({sf['subfield_id']}, {sf['domain_id']})"
    )
    out_console.print(f"query: {sf['query']}", highlight=False)
    for a in res.assessments:
        phase = a.get("final_phase") or a.get("phase") or "insufficient evidence"
        out_console.print(
            f"\n[bold]{a['model']}[/bold]: {phase}, position {a.get('position')}, "
            f"years to plateau {a.get('years_band')}, confidence {a.get('confidence'):.2f}"
        )
        for r in json.loads(a.get("reasons") or "[]"):
            out_console.print(f"  • {r['text']}", highlight=False)
        if a.get("expert_why"):
            out_console.print(
                f"  expert ({a.get('expert_who')}, {a.get('expert_when')}): {a['expert_phase']} — {a['expert_why']}"
            )
    if res.sample_records:
        out_console.print("\nrecords behind it:")
        for r in res.sample_records:
            out_console.print(
                f"  {r['year']} [{r['kind']}] {r['title']}  ← {r['terms']}", highlight=False
            )


@cli.command()
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    default=("curve.svg", "curve.png"),
    show_default=True,
    help="Output file(s); the extension picks the format (.svg, .png, .pdf).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--title", default=None, help="Title above the curve.")
@click.option(
    "--compare",
    default=None,
    metavar="EDITION",
    help="Draw movement arrows from a saved edition's positions (see `techcurve edition list`).",
)
@click.pass_obj
def curve(
    ctx: Ctx, outputs: tuple[str, ...], lang: str, title: str | None, compare: str | None
) -> None:
    """Draw the maturity curve (SVG, PNG or PDF)."""
    paths = pipeline.curve(ctx.db, outputs, lang=lang, title=title, compare=compare)
    for p in paths:
        ctx.say(f"curve: {p}")
    ctx.emit([str(p) for p in paths])


@cli.command()
@click.option(
    "-o",
    "--output",
    default="report.html",
    show_default=True,
    help="The report file: .html or .pdf.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--title", default=None)
@click.pass_obj
def report(ctx: Ctx, output: str, lang: str, title: str | None) -> None:
    """Write the report: self-contained HTML, or PDF (printed by headless Chromium)."""
    path = pipeline.report(ctx.db, output, lang=lang, title=title)
    ctx.say(f"report: {path}")
    ctx.emit(str(path))


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@TAXONOMY
@_reading_options
@AS_OF
@click.option("--model", default="snapshot", show_default=True, help="Assessment model.")
@OVERRIDES
@click.option(
    "-o",
    "--out",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for curve.svg, curve.png and report.html.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--title", default=None, help="Title of the curve and the report.")
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
    with _progress(ctx, "ingest" if files else "match") as prog:
        res = pipeline.run(
            ctx.db, files, out=out, taxonomy=taxonomy, kind=kind, profile=profile,
            mapping=mapping, rejects_dir=rejects_dir, encoding=encoding, as_of=_date(as_of),
            model=model, overrides=overrides, lang=lang, title=title, config=ctx.config,
            progress=_rows_read(prog, estimate_rows(files) if prog and files else None),
            on_stage=prog.stage if prog else None,
        )  # fmt: skip
    if files:
        _print_ingest(ctx, res.ingest, False, emit=False)
    _say_links(ctx, res.match)
    _say_indicators(ctx, res.indicators)
    _say_phases(ctx, res.phases)
    if res.curve:
        ctx.say("curve: " + ", ".join(str(p) for p in res.curve))
    else:
        ctx.say("curve: not drawn, no sub-field has a position on it")
    ctx.say(f"report: {res.report}")
    ctx.say(
        f"done in {sum(res.seconds.values()):.1f} s ("
        + ", ".join(f"{stage} {s:.1f}" for stage, s in res.seconds.items())
        + ")"
    )
    ctx.emit(res)


def main() -> None:
    """Entry point of the ``techcurve`` console script.

    The process ends as soon as the command is done and its output flushed, without the
    interpreter's teardown: once Numba's compiled functions are loaded, that teardown
    (LLVM's) took 0.4 s of every command, and there is nothing left for it to do (stores
    are closed, files written and closed, threads joined)."""
    _exit(_main())


def _main() -> int:
    """Run the command; its exit code (errors printed as one line)."""
    gc.freeze()  # what the imports made stays: the cyclic collector need not go over it
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except TechcurveError as e:
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted: nothing half-written was kept", err=True)
        return 130
    except Exception as e:  # a bug in techcurve, not the user's input
        if "-v" in sys.argv or "--verbose" in sys.argv:
            raise
        click.echo(
            f"internal error: {type(e).__name__}: {e} — this is a techcurve bug; rerun with -v "
            "for the traceback and report it",
            err=True,
        )
        return 70
    return 0


def _exit(code: int) -> NoReturn:
    """Flush the output and logs, then end the process with ``code`` at once."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


def _register_extensions() -> None:
    # Each area's extra commands live in their own module so they can grow apart.
    from techcurve.cli import assess_cmds, engine_cmds, ingest_cmds, output_cmds, taxonomy_cmds

    for mod in (taxonomy_cmds, ingest_cmds, assess_cmds, output_cmds, engine_cmds):
        mod.register(cli)


_register_extensions()
