"""A click group whose commands are imported when first named.

Importing every command module made every command pay for all of them (``taxonomy``'s
lint and diff, the scoring of ``backtest``: ≈ 0.6 s of a 0.75 s start-up,
docs/performance.md, "Start-up"). The group's :attr:`~click.Group.commands` is a
:class:`LazyCommands` mapping over a table of :class:`LazyCommand` (each command's
module and attribute, and its short help): asking whether a name is a command, listing
the names and suggesting one for a typo read only the table; looking a command up
(``commands[name]``, ``get_command``) imports its module and nothing else. So
``techcurve curve`` imports the stage commands, ``techcurve --version`` and
``techcurve --help`` none (the help lists the table's short help,
:meth:`LazyGroup.format_commands`). This is click's lazily loading group
(click.palletsprojects.com, "Complex Applications") with the lookup kept in the
mapping, so that what reads ``group.commands`` (click's "Did you mean", the hoisting of
global options in :mod:`~techcurve.cli.app`) works unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

import click


@dataclass(frozen=True)
class LazyCommand:
    """A command not imported yet: ``where`` is ``module:attribute`` (the module under
    ``techcurve.cli``), ``summary`` its short help as ``techcurve --help`` lists it (the
    first sentence of its help; ``tests/test_cli_lazy.py`` holds it equal to the
    command's own)."""

    where: str
    summary: str

    def load(self) -> click.Command:
        """Import the command's module; the command."""
        module, _sep, attribute = self.where.partition(":")
        command: click.Command = getattr(
            importlib.import_module(f"techcurve.cli.{module}"), attribute
        )
        return command


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands: those of the table are imported when first looked up, and
    ``on_load`` is called once on each as it is (commands added with ``add_command``
    are kept as they are). Membership, iteration (the table's order, then the added
    commands) and ``len`` import nothing."""

    def __init__(
        self, table: Mapping[str, LazyCommand], on_load: Callable[[click.Command], None]
    ) -> None:
        self._table = dict(table)
        self._loaded: dict[str, click.Command] = {}
        self._on_load = on_load

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            command = self._table[name].load()  # KeyError: not a command
            self._on_load(command)
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._table.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._table, *self._loaded]))

    def __len__(self) -> int:
        return len(self._table.keys() | self._loaded.keys())

    def loaded(self, name: str) -> click.Command | None:
        """The command ``name`` if it is imported (or was added), else None."""
        return self._loaded.get(name)

    def summary(self, name: str) -> str:
        """The table's short help of ``name``."""
        return self._table[name].summary


class LazyGroup(click.Group):
    """A group whose commands are the table ``lazy`` (:class:`LazyCommands`), each passed
    to ``on_load`` when imported."""

    commands: LazyCommands

    def __init__(
        self,
        *args: Any,
        lazy: Mapping[str, LazyCommand],
        on_load: Callable[[click.Command], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(lazy, on_load)

    def listed(self, name: str) -> click.Command:
        """The command ``name`` as ``--help`` lists it: the command if it is imported,
        else a stand-in with the table's short help."""
        command = self.commands.loaded(name)
        if command is not None:
            return command
        return click.Command(name, help=self.commands.summary(name))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's list of commands (the names, sorted, and their short help cut to the
        same width) without importing the commands."""
        commands = [(name, self.listed(name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if not command.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _cmd in commands)
        rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)
