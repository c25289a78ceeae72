"""What the CLI makes of a library error: one line naming the command to run next.

Library errors speak of the library ("store x has no indicators"). When a command
fails because the store lacks what the command needs (see :data:`NEEDS`), the CLI
adds the command that makes it ("run `techcurve indicators` first"): each command's
callback is wrapped by :func:`name_next_steps` (when the command is imported), which asks the store how far it has
come (:func:`techcurve.pipeline.status`) and adds the step to the error as a note
(PEP 678) that :func:`error_line` prints. An error of a catalogue key in :data:`FIXES`
gets the command that fixes it whatever the command (``techcurve init --force`` for a
store of an old schema). The error itself is re-raised unchanged, so ``CliRunner``
callers still see the library's exception.

The line is in the language of the messages: an error raised with its catalogue key
(``StoreError.of("store.busy", …)``) is said in Chinese with ``TECHCURVE_LANG=zh``
(:meth:`~techcurve.errors.TechcurveError.message`); one raised from a plain string is
printed as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from techcurve import pipeline
from techcurve.cli.common import Ctx
from techcurve.errors import AssessError, ReportError, StoreError, TechcurveError, phrase
from techcurve.text import Lang, t

#: What each command needs the store to hold (``store``: only that it exists); the
#: commands not listed need nothing a stage makes.
NEEDS: dict[str, str] = {
    "ingest": "store",
    "ingest-counts": "store",
    "match": "records",
    "indicators": "matched",
    "assess": "indicators",
    "explain": "assessments",
    "curve": "assessments",
    "report": "assessments",
    "edition save": "assessments",
    "edition list": "store",
    "edition delete": "store",
    "diff": "store",
    "export byor": "assessments",
    "export matrix": "assessments",
    "export json": "assessments",
    "export-parquet": "records",
    "scale match": "store",
    "scale indicators": "matched",
    "assess-labelled": "indicators",
    "taxonomy sample": "matched",
    "taxonomy stats": "matched",
}

#: the errors a store lacking something raises (a bad input file is never one of them)
_LACKING = (StoreError, AssessError, ReportError)

#: the mark of the note :func:`name_next_steps` adds (other notes are not the CLI's)
_NOTE = "next step: "


def next_step(need: str, status: pipeline.StoreStatus, lang: Lang) -> str | None:
    """The command that makes what is needed, when the store lacks it."""
    if not status.exists:
        return t("cli.next.store", lang, init="`techcurve init`")
    have = {
        "store": True,
        "records": status.records,
        "matched": status.matched,
        "indicators": status.indicators,
        "assessments": status.assessments,
    }[need]
    if have:
        return None
    if need == "records":
        return t(
            "cli.next.records",
            lang,
            ingest="`techcurve ingest`",
            ingest_counts="`techcurve ingest-counts`",
        )
    command = {"matched": "match", "indicators": "indicators", "assessments": "assess"}[need]
    return t("cli.next.stage", lang, command=f"`techcurve {command}`")


def _command_path(ctx: click.Context) -> str:
    """``edition save`` for ``techcurve edition save`` (the root's name left out)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


#: the command that fixes a library error of these catalogue keys, whatever the command
#: (``{field}``: the error's field)
FIXES: dict[str, tuple[str, dict[str, str]]] = {
    "store.missing": ("cli.next.store", {"init": "`techcurve init`"}),
    "store.old_schema": ("cli.next.reinit", {"command": "`techcurve init --force`"}),
    "editions.exists": ("cli.next.replace", {"option": "--replace"}),
    "editions.nothing_placed": ("cli.next.check", {"command": "`techcurve assess`"}),
    "curve.error.no_assessments": ("cli.next.stage", {"command": "`techcurve assess`"}),
    "curve.error.none_placed": ("cli.next.check", {"command": "`techcurve assess`"}),
    "taxonomy.unknown_subfield": ("cli.next.ids", {"command": "`techcurve taxonomy check`"}),
    "scaleout.not_an_export": ("cli.next.stage", {"command": "`techcurve export-parquet DIR`"}),
    "scaleout.older_export": (
        "cli.next.again",
        {"command": "`techcurve export-parquet {directory}`"},
    ),
    "taxonomy.import.workbook": (
        "cli.next.export_taxonomy",
        {"command": "`techcurve taxonomy export FILE.xlsx`"},
    ),
    "editions.none_saved": ("cli.next.save_edition", {"command": "`techcurve edition save NAME`"}),
}


def _add_next_step(error: TechcurveError) -> None:
    """Note on ``error`` the command to run first, when the store lacks what is needed."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    obj = ctx.find_object(Ctx)
    if obj is not None and error.key in FIXES:
        key, commands = FIXES[error.key]
        filled = {name: text.format(**error.fields) for name, text in commands.items()}
        error.add_note(_NOTE + t(key, obj.lang, **filled))
        return
    if not isinstance(error, _LACKING):
        return
    need = NEEDS.get(_command_path(ctx))
    if obj is None or need is None:
        return
    if "`techcurve " in str(error):
        return  # the message already says what to run
    try:
        # a command with a --db of its own (taxonomy …) reads that store
        step = next_step(need, pipeline.status(ctx.params.get("db") or obj.db), obj.lang)
    except TechcurveError:  # the store cannot be read (busy, another version)
        return
    if step:
        error.add_note(_NOTE + step)


def _naming_next_step(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except TechcurveError as e:
            _add_next_step(e)
            raise

    return run


def name_next_steps(command: click.Command) -> None:
    """Wrap the callback of ``command`` (of every command of a group) so that its errors
    name the command to run first when the store lacks what it needs. The ``techcurve``
    group calls this on each command as it imports it (:mod:`~techcurve.cli.lazy`)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            name_next_steps(sub)
    elif command.callback is not None:
        command.callback = _naming_next_step(command.callback)


def error_line(error: TechcurveError, lang: Lang) -> str:
    """The one line printed for ``error``: its message and the step to run first."""
    steps = [n.removeprefix(_NOTE) for n in getattr(error, "__notes__", ()) if n.startswith(_NOTE)]
    if steps:
        return t("cli.error_next", lang, message=error.message(lang), step=steps[-1])
    return t("cli.error", lang, message=error.message(lang))


#: what a library error of the assessment says is missing (``error.needs``) → the
#: command that provides it (:func:`hint_command`; the stage commands and backtest use it)
HINT_COMMANDS: dict[str, str] = {
    "store": "make demo",
    "match": "techcurve match",
    "indicators": "techcurve indicators",
    "labels": "techcurve assess-labelled --labels FILE.csv",
}


@contextmanager
def hint_command() -> Iterator[None]:
    """Add to an :class:`AssessError` of the library the command that provides what it
    says is missing (``error.needs``)."""
    try:
        yield
    except AssessError as e:
        needs = getattr(e, "needs", None)
        if needs is None:
            raise
        command = HINT_COMMANDS[needs]
        as_of = getattr(e, "needs_as_of", None)
        if as_of is not None:
            command += f" --as-of {as_of}"
        hint = phrase(f"assess.cli.hint.{needs}", command=command)
        raise AssessError.of("assess.cli.with_hint", error=e, hint=hint) from None
