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

from techcurve.cli.common import Ctx, err_console, messages_lang, say_logs_in
from techcurve.cli.failures import error_line
from techcurve.errors import TechcurveError
from techcurve.store import DEFAULT_DB, DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV
from techcurve.text import t

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
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
    lang = messages_lang()
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


def _exit(code: int) -> NoReturn:
    """Flush the output and logs, then end the process with ``code`` at once."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)
