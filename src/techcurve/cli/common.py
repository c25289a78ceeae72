"""What every command module shares: the command's context, printing, dates and options.

The command modules (``stage_cmds``, ``output_cmds``, ``taxonomy_cmds`` …) import these
from here; the package ``techcurve.cli`` only assembles the commands.

The CLI's own sentences come from the text catalogue (``text/cli.yaml``) in the
language :func:`messages_lang` picks: English, or Chinese with ``TECHCURVE_LANG=zh``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any

import click
from rich.console import Console

from techcurve.errors import Phrase
from techcurve.text import Lang, t

#: the environment variable that picks the language of the CLI's messages
LANG_ENV = "TECHCURVE_LANG"

err_console = Console(stderr=True)
out_console = Console()


def messages_lang() -> Lang:
    """The language of the CLI's messages: Chinese when ``TECHCURVE_LANG=zh``, else English."""
    return "zh" if os.environ.get(LANG_ENV, "").strip().lower() == "zh" else "en"


class SaidLogs(logging.Filter):
    """Says a log record in ``lang`` when the library logged a catalogue phrase with it
    (``log.warning(said.say("en"), extra={"phrase": said})``)."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang: Lang = lang

    def filter(self, record: logging.LogRecord) -> bool:
        said = getattr(record, "phrase", None)
        if isinstance(said, Phrase):
            record.msg, record.args = said.say(self.lang), ()
        return True


def say_logs_in(lang: Lang) -> None:
    """Have the root logger's handlers say the library's phrases in ``lang``."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, SaidLogs)]:
            handler.removeFilter(old)
        handler.addFilter(SaidLogs(lang))


class Ctx:
    """The global options of one command line, and how its results are printed."""

    def __init__(
        self, db: str, config: str | None, quiet: bool, as_json: bool, lang: Lang = "en"
    ) -> None:
        self.db = db
        self.config = config
        self.quiet = quiet
        self.json = as_json
        self.lang: Lang = lang  # of the messages, not of the curve or report

    def say(self, text: str) -> None:
        """Print ``text`` unless ``--quiet`` or ``--json``."""
        if not self.quiet and not self.json:
            out_console.print(text, highlight=False)

    def emit(self, data: Any) -> None:
        """Print ``data`` as JSON when ``--json``."""
        if self.json:
            click.echo(json.dumps(jsonable(data), ensure_ascii=False, indent=2, default=str))

    def t(self, key: str, /, **values: Any) -> str:
        """The catalogue text ``key`` in the messages' language."""
        return t(key, self.lang, **values)


def jsonable(obj: Any) -> Any:
    """A dataclass (or a list of them) as plain data for :func:`json.dumps`."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, list):
        return [jsonable(o) for o in obj]
    return obj


def parse_date(value: str | None) -> date | None:
    """``YYYY-MM-DD``, or ``YYYY`` meaning the year's last day; None stays None."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        if value.isdigit() and len(value) == 4:
            return date(int(value), 12, 31)
        raise click.BadParameter(t("cli.bad_date", messages_lang(), value=value)) from None


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

AS_OF = click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Use only evidence dated on or before this date (YYYY-MM-DD or YYYY).",
)

OUTPUT_LANG = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True
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
    click.option(
        "--fallback-encoding",
        default=None,
        help="Decode the CSV, TSV and JSON Lines lines that are not in the file's encoding with this one (e.g. "
        "gb18030 for GBK lines pasted into a UTF-8 file); default: such lines are rejected.",
    ),
    click.option(
        "--keep-going",
        is_flag=True,
        help="Store the files that can be read and list the others with why; default: every "
        "file is checked first and, if one cannot be ingested, none is stored.",
    ),
    click.option(
        "--max-amount",
        default=None,
        type=click.FloatRange(min=0, min_open=True),
        metavar="CNY",
        help="Reject financing amounts above this many CNY as implausible [default: the config "
        "key ingest.max_amount_cny, 1e13].",
    ),
)


def _set_wait(ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    """Set ``TECHCURVE_WAIT`` (what every store opening reads) for the command: ``--wait``,
    else the config key ``store.wait_seconds``; restored when the command ends."""
    from techcurve.config import load_config, section
    from techcurve.store.core import WAIT_ENV

    if value is None:
        obj = ctx.find_object(Ctx)
        raw = section(load_config(obj.config if obj else None), "store").get("wait_seconds", 5)
        try:
            value = max(0.0, float(raw))
        except (TypeError, ValueError):
            raise click.BadParameter(
                t("cli.bad_wait_config", messages_lang(), value=raw), param_hint="--wait"
            ) from None
    before = os.environ.get(WAIT_ENV)
    os.environ[WAIT_ENV] = str(value)
    root = ctx.find_root()
    root.call_on_close(
        lambda: (
            os.environ.pop(WAIT_ENV, None)
            if before is None
            else os.environ.__setitem__(WAIT_ENV, before)
        )
    )
    return value


#: ``--wait SECONDS``: how long to wait for a store another process holds.
WAIT = click.option(
    "--wait",
    default=None,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    expose_value=False,
    is_eager=False,
    callback=_set_wait,
    help="Wait this long for a store another process is reading or writing [default: the "
    "config key store.wait_seconds, 5].",
)


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How record files are read: the options ``ingest`` and ``run`` share."""
    for option in reversed(_READING):
        command = option(command)
    return command
