"""The command line: a thin click layer over :mod:`techcurve.pipeline`.

The ``techcurve`` group (:mod:`~techcurve.cli.app`) imports a command's module only
when the command runs or its help is shown (:mod:`~techcurve.cli.lazy`; the table of
commands is :mod:`~techcurve.cli.commands`), so importing this package imports no
command. What the command modules share lives in :mod:`~techcurve.cli.common`
(context, printing, options), :mod:`~techcurve.cli.progress` (progress bars),
:mod:`~techcurve.cli.summaries` (the stages' result lines) and
:mod:`~techcurve.cli.failures` (errors as one line naming the command to run first).
"""

from techcurve.cli.app import cli, main

__all__ = ["cli", "main"]
