"""The command line: a thin click layer over :mod:`techcurve.pipeline`.

This package only assembles the ``techcurve`` group (:mod:`~techcurve.cli.app`) from
the command modules; each command parses its options, calls one pipeline function and
prints the result. What the modules share lives in :mod:`~techcurve.cli.common`
(context, printing, options), :mod:`~techcurve.cli.progress` (progress bars),
:mod:`~techcurve.cli.summaries` (the stages' result lines) and
:mod:`~techcurve.cli.failures` (errors as one line naming the command to run first).
"""

from techcurve.cli import (
    assess_cmds,
    engine_cmds,
    fetch_cmds,
    ingest_cmds,
    output_cmds,
    panel_cmds,
    serve_cmd,
    stage_cmds,
    taxonomy_cmds,
)
from techcurve.cli.app import cli, main
from techcurve.cli.failures import name_next_steps

for _commands in (
    stage_cmds,
    taxonomy_cmds,
    ingest_cmds,
    assess_cmds,
    output_cmds,
    engine_cmds,
    panel_cmds,
    serve_cmd,
    fetch_cmds,
):
    _commands.register(cli)
name_next_steps(cli)

__all__ = ["cli", "main"]
