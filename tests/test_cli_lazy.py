"""The ``techcurve`` group imports only the command that runs (techcurve.cli.lazy).

Importing ``techcurve.cli`` imports no command module and none of the heavy libraries;
looking a command up imports its own module and no other command's; ``--help`` lists
the same commands with the same short help as click would with every command imported.
What a process imports is checked in a fresh interpreter (this one has imported
everything by the time the other tests ran).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from techcurve.cli import cli, failures
from techcurve.cli.app import hoist_global_options
from techcurve.cli.commands import COMMANDS
from techcurve.cli.lazy import LazyCommand, LazyCommands, LazyGroup

#: every module that defines commands (the table's modules)
COMMAND_MODULES = sorted({f"techcurve.cli.{c.where.split(':')[0]}" for c in COMMANDS.values()})
#: what no command needs to be looked up (they are imported when it runs)
HEAVY = ("polars", "duckdb", "numpy", "pyarrow", "matplotlib", "scipy", "sklearn", "numba")


def imported_after(code: str) -> dict[str, list[str]]:
    """The command modules and heavy libraries a fresh interpreter has imported after
    ``import techcurve.cli`` and ``code``."""
    script = (
        "import json, sys\nimport techcurve.cli\nfrom techcurve.cli import cli\n"
        f"{code}\n"
        f"print(json.dumps({{'commands': sorted(m for m in {COMMAND_MODULES!r} if m in sys.modules),"
        f" 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, list[str]] = json.loads(out.stdout)
    return result


def test_the_table_names_nine_command_modules() -> None:
    assert COMMAND_MODULES == [
        "techcurve.cli.assess_cmds",
        "techcurve.cli.engine_cmds",
        "techcurve.cli.fetch_cmds",
        "techcurve.cli.ingest_cmds",
        "techcurve.cli.output_cmds",
        "techcurve.cli.panel_cmds",
        "techcurve.cli.serve_cmd",
        "techcurve.cli.stage_cmds",
        "techcurve.cli.taxonomy_cmds",
    ]


def test_importing_the_cli_imports_no_command_and_no_heavy_library() -> None:
    assert imported_after("") == {"commands": [], "heavy": []}


def test_checking_a_taxonomy_file_loads_no_heavy_library() -> None:
    # `taxonomy check FILE` lints the file alone: the store, the matcher, polars and
    # DuckDB cost its start ~0.5 s (docs/performance.md, issue 18, item 4)
    run = (
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['taxonomy', 'check'], standalone_mode=False)"
    )
    assert imported_after(run) == {"commands": ["techcurve.cli.taxonomy_cmds"], "heavy": []}


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_looking_up_a_command_imports_its_module_only(module: str) -> None:
    name = next(
        n for n, c in COMMANDS.items() if f"techcurve.cli.{c.where}".startswith(module + ":")
    )
    assert imported_after(f"cli.commands[{name!r}]") == {"commands": [module], "heavy": []}


def test_hoisting_global_options_imports_only_the_command_named() -> None:
    code = "assert cli.commands.loaded('curve') is None\n"
    code += "args = ['curve', '--json', '-o', 'x.svg', '--db', 'S']\n"
    code += "from techcurve.cli.app import hoist_global_options\n"
    code += (
        "assert hoist_global_options(cli, args) == ['--json', '--db', 'S', 'curve', '-o', 'x.svg']"
    )
    assert imported_after(code) == {"commands": ["techcurve.cli.stage_cmds"], "heavy": []}


def test_a_sub_command_keeps_its_own_options_when_hoisting() -> None:
    args = ["taxonomy", "check", "--db", "t.duckdb", "--json"]
    assert hoist_global_options(cli, args) == ["--json", "taxonomy", "check", "--db", "t.duckdb"]
    assert hoist_global_options(cli, ["nosuch", "--json"]) == ["nosuch", "--json"]


def test_every_command_a_module_defines_is_in_the_table() -> None:
    """A command left out of the table would be missing from ``techcurve``."""
    import importlib

    defined: dict[str, str] = {}
    for module in COMMAND_MODULES:
        mod = importlib.import_module(module)
        commands = [v for v in vars(mod).values() if isinstance(v, click.Command)]
        in_groups = {
            id(s) for g in commands if isinstance(g, click.Group) for s in g.commands.values()
        }
        for command in commands:
            callback = command.callback
            if id(command) not in in_groups and getattr(callback, "__module__", "") == module:
                defined[command.name] = f"{module.removeprefix('techcurve.cli.')}"
    assert {n: c.where.split(":")[0] for n, c in COMMANDS.items()} == defined


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_tables_short_help_is_the_commands_own(name: str) -> None:
    command = cli.commands[name]
    assert command.name == name
    assert not command.hidden and not command.deprecated
    stand_in = click.Command(name, help=COMMANDS[name].summary)
    for limit in range(3, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), limit


def _listing(group: click.Group, width: int) -> str:
    ctx = click.Context(group, info_name="techcurve", terminal_width=width)
    formatter = ctx.make_formatter()
    group.format_commands(ctx, formatter)
    return formatter.getvalue()


@pytest.mark.parametrize("width", [50, 80, 120])
def test_help_lists_what_click_lists_with_every_command_imported(width: int) -> None:
    lazy = LazyGroup("techcurve", lazy=COMMANDS, on_load=lambda c: None)
    eager = click.Group("techcurve", commands={n: cli.commands[n] for n in COMMANDS})
    assert _listing(lazy, width) == _listing(eager, width)
    assert all(lazy.commands.loaded(n) is None for n in COMMANDS)  # nothing was imported


#: ``techcurve --help`` in an 80-column terminal: the commands, sorted, and their short help
HELP_COMMANDS = [
    "Commands:",
    "  assess           Place every sub-field in a phase with a position and...",
    "  assess-labelled  Fit a label-learnt model on labelled profiles and...",
    "  audit            Check that shares sum to 100%, totals add up and the...",
    "  backtest         Assess labelled technologies as of each label's date...",
    "  curve            Draw the maturity curve (SVG, PNG or PDF): all...",
    "  diff             What changed between editions OLD and NEW ('current' =...",
    "  edition          Save the current curve under a name, list or delete...",
    "  experts          Expert placements: import or export the overrides...",
    "  explain          Why a sub-field sits where it does: reasons,...",
    "  export           Export the assessments for other tools (BYOR radar,...",
    "  export-parquet   Write the store's records as partitioned Parquet for...",
    "  fetch            Fetch per-year (or per-month) counts from an open API...",
    "  indicators       Compute indicators per sub-field per year and the...",
    "  ingest           Ingest record files (patents, papers, articles,...",
    "  ingest-counts    Ingest count-level evidence: technology or search...",
    "  init             Create an empty store (a DuckDB file).",
    "  inspect          Show what techcurve sees in FILE: format, encoding,...",
    "  match            Match every sub-field query over every record and...",
    "  panel            The expert panel: Delphi rounds in the web app or in...",
    "  report           Write the report: self-contained HTML, PDF (printed by...",
    "  run              The whole pipeline in one command: ingest FILES...",
    "  scale            Run the match or indicator stage on a Dask cluster...",
    "  serve            Start the dashboard: the interactive curve, sub-field...",
    "  taxonomy         Inspect, lint and edit the taxonomy (docs/taxonomy.md,...",
]


def test_help_lists_the_commands_sorted_with_their_short_help() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "techcurve", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    start = lines.index("Commands:")
    assert lines[start : start + len(HELP_COMMANDS) + 1] == [*HELP_COMMANDS, ""]


def test_a_command_is_loaded_once_and_passed_to_on_load_once() -> None:
    seen: list[str | None] = []
    commands = LazyCommands(
        {"init": LazyCommand("stage_cmds:init", "Create an empty store (a DuckDB file).")},
        on_load=lambda c: seen.append(c.name),
    )
    assert "init" in commands and "curve" not in commands and seen == []
    assert commands["init"] is commands["init"]
    assert seen == ["init"]
    with pytest.raises(KeyError):
        commands["curve"]
    commands["extra"] = click.Command("extra")
    assert list(commands) == ["init", "extra"] and len(commands) == 2
    del commands["init"]
    assert list(commands) == ["extra"]


def test_the_groups_commands_name_their_next_step_once() -> None:
    """The group wraps each command's callback as it imports it (failures.name_next_steps):
    once, however often the command is looked up."""
    callback = cli.commands["curve"].callback
    assert cli.commands["curve"].callback is callback
    wrapper = failures._naming_next_step(lambda: None).__code__
    assert callback is not None and callback.__code__ is wrapper
    assert callback.__wrapped__.__code__ is not wrapper  # type: ignore[attr-defined]


def test_a_typo_still_gets_a_suggestion() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "techcurve", "curv"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == "Error: No such command 'curv'. Did you mean 'curve'?"


def test_the_global_options_show_the_stores_defaults() -> None:
    from techcurve import store
    from techcurve.cli import app

    assert (app.DEFAULT_DB, app.DEFAULT_MEMORY_LIMIT, app.MEMORY_LIMIT_ENV) == (
        store.DEFAULT_DB,
        store.DEFAULT_MEMORY_LIMIT,
        store.MEMORY_LIMIT_ENV,
    )


def test_taxonomy_sample_offers_the_reviews_kinds() -> None:
    from techcurve.cli import taxonomy_cmds
    from techcurve.taxonomy import review

    assert taxonomy_cmds.KINDS == review.KINDS
