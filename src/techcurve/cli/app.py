"""The ``techcurve`` command group, its global options, and the entry point that turns
every error into one line on stderr and an exit code.

This is the only module that exits: commands end with ``ctx.exit(code)`` when they
have a result to report by exit code (audit, taxonomy check), never ``sys.exit``. Every :class:`TechcurveError` becomes one line
(``error: …``) and the error's exit code; ``--json`` prints machine-readable results on
stdout instead of tables.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from typing import NoReturn

import click

from techcurve.cli.commands import COMMANDS
from techcurve.cli.common import LANG_ENV, Ctx, err_console, messages_lang, say_logs_in
from techcurve.cli.failures import error_line, name_next_steps
from techcurve.cli.lazy import LazyGroup
from techcurve.errors import TechcurveError
from techcurve.text import Lang, t

#: the store's defaults, as the global options show them: importing ``techcurve.store``
#: loads DuckDB and polars (≈ 0.3 s) that ``--help`` and ``--version`` need not wait for
#: (``tests/test_cli_lazy.py`` holds these equal to the store's)
DEFAULT_DB = "techcurve.duckdb"
DEFAULT_MEMORY_LIMIT = "1.5GB"
MEMORY_LIMIT_ENV = "TECHCURVE_MEMORY_LIMIT"

#: a bug in techcurve (not the user's input), and Ctrl-C
INTERNAL_ERROR_EXIT = 70
INTERRUPTED_EXIT = 130

EXIT_CODES = """\b
Exit codes:
  0    done
  1    an error (audit: something inconsistent was found)
  2    a setting or option is wrong (ConfigError; also click's usage errors)
  3    the taxonomy is malformed or a query does not parse (taxonomy check: errors found)
  4    an input file cannot be read
  5    the store is missing, busy, of another version, or lacks a stage's results
  6    the assessment cannot run (no indicators, bad overrides or labels)
  7    a curve, report or export cannot be written
  8    an expert panel's input is wrong (token, round, answers, forms)
  70   a bug in techcurve (rerun with -v for the traceback)
  130  interrupted

Messages are in English; TECHCURVE_LANG=zh prints them in Chinese."""


#: the global options that take a value (the others are flags)
_VALUED = ("--db", "--config", "--memory-limit", "--lang")
_FLAGS = ("-q", "--quiet", "--json", "-v", "--verbose")


def hoist_global_options(group: click.Group, args: list[str]) -> list[str]:
    """``args`` with the global options written after the command moved before it, so
    that ``techcurve match --json --db X`` means ``techcurve --db X --json match``.

    An option the command defines itself (``explain --lang``, ``inspect --json``) stays
    the command's; everything after ``--`` stays where it is. Only the command named is
    looked up (imported, :mod:`~techcurve.cli.lazy`), to read its options."""
    i, n = 0, len(args)
    while i < n and args[i].startswith("-"):  # the options already before the command
        i += 2 if args[i] in _VALUED else 1
    cmd: click.Command = group
    while i < n and isinstance(cmd, click.Group) and args[i] in cmd.commands:
        cmd = cmd.commands[args[i]]
        i += 1
    if cmd is group:
        return args
    own = {name for p in cmd.params for name in (*p.opts, *p.secondary_opts)}
    head, rest = args[:i], args[i:]
    hoisted: list[str] = []
    kept: list[str] = []
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg == "--":
            kept += rest[j:]
            break
        name = arg.split("=", 1)[0]
        if name in own or name not in (*_VALUED, *_FLAGS):
            kept.append(arg)
        elif name in _VALUED and "=" not in arg and j + 1 < len(rest):
            hoisted += rest[j : j + 2]
            j += 1
        else:
            hoisted.append(arg)
        j += 1
    return hoisted + head + kept


class GlobalOptionsGroup(LazyGroup):
    """The ``techcurve`` group: global options are accepted before or after the command
    (:func:`hoist_global_options`); a command is imported when it runs or its help is
    asked for (:class:`~techcurve.cli.lazy.LazyGroup`, the table
    :data:`~techcurve.cli.commands.COMMANDS`), and its errors name the step to run
    first (:func:`~techcurve.cli.failures.name_next_steps`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(self, args))


@click.group(
    cls=GlobalOptionsGroup,
    lazy=COMMANDS,
    on_load=name_next_steps,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES,
)
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
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="The language of messages and errors (default: TECHCURVE_LANG, else en).",
)
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
    lang: str | None,
) -> None:
    """techcurve: evidence-based technology maturity curves.

    A run goes init → ingest → match → indicators → assess → curve / report. The
    global options (--db, --config, --json, -q, -v, --lang, --memory-limit) may come
    before or after the command: `techcurve match --json` = `techcurve --json match`.
    """
    if lang:
        # every message reads the language from the environment (messages_lang);
        # restored when the command ends (CliRunner runs in-process)
        before_lang = os.environ.get(LANG_ENV)
        os.environ[LANG_ENV] = lang
        ctx.call_on_close(lambda: _restore_env(LANG_ENV, before_lang))
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    say_logs_in(messages_lang())
    if memory_limit:
        # Every Store.open reads the limit from the environment, so the pipeline needs no
        # parameter for it; restored when the command ends (CliRunner runs in-process).
        before = os.environ.get(MEMORY_LIMIT_ENV)
        os.environ[MEMORY_LIMIT_ENV] = memory_limit
        ctx.call_on_close(lambda: _restore_env(MEMORY_LIMIT_ENV, before))
    ctx.obj = Ctx(db, config, quiet, as_json, messages_lang())


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def main() -> None:
    """Entry point of the ``techcurve`` console script.

    The process ends as soon as the command is done and its output flushed, without the
    interpreter's teardown: once Numba's compiled functions are loaded, LLVM's teardown
    adds a noticeable delay to every command (docs/performance.md, "Fourth session",
    item 6), and there is nothing
    left for it to do (stores are closed, files written and closed, threads joined)."""
    _exit(_main())


def _main() -> int:
    """Run the command; its exit code (errors printed as one line)."""
    lang = _argv_lang(sys.argv[1:]) or messages_lang()
    gc.freeze()  # what the imports made stays: the cyclic collector need not go over it
    try:
        # a command that ends with ``ctx.exit(code)`` (audit, taxonomy check) returns code
        code = cli(standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print(t("cli.aborted", lang))
        return INTERRUPTED_EXIT
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except TechcurveError as e:
        click.echo(error_line(e, lang), err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo(t("cli.interrupted", lang), err=True)
        return INTERRUPTED_EXIT
    except Exception as e:  # a bug in techcurve, not the user's input
        if "-v" in sys.argv or "--verbose" in sys.argv:
            raise
        click.echo(t("cli.internal_error", lang, error=f"{type(e).__name__}: {e}"), err=True)
        return INTERNAL_ERROR_EXIT
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


def _argv_lang(args: list[str]) -> Lang | None:
    """The global ``--lang`` of ``args`` (for the error line, said after the command's
    context has closed), or None."""
    args = hoist_global_options(cli, args)
    i = 0
    while i < len(args) and args[i].startswith("-"):  # stop at the command
        name, _, value = args[i].partition("=")
        if name in _VALUED and not value:
            value = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        if name == "--lang" and value in ("zh", "en"):
            return "zh" if value == "zh" else "en"
        i += 1
    return None


def _exit(code: int) -> NoReturn:
    """Flush the output and logs, then end the process with ``code`` at once."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)
