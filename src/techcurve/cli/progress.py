"""Progress bars on stderr: rows counted, their rate, and the time left when known."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from techcurve.cli.common import Ctx, err_console


class CountColumn(ProgressColumn):
    """'12,345/1,000,000 rows · 48,000 rows/s' (the total only when it is known)."""

    def render(self, task: Task) -> Text:
        if task.total is None and not task.completed:
            return Text("")  # a stage that counts nothing (run's stages after ingest)
        done = f"{int(task.completed):,}"
        if task.total is not None:
            done += f"/{int(task.total):,}"
        speed = f" · {task.speed:,.0f}/s" if task.speed else ""
        return Text(done + speed)


class Bar:
    """A progress bar's update function: ``bar(done, total)``; ``bar.stage(label)``
    starts a new stage (its label, no count yet)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, done: int, total: int | None) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def stage(self, label: str) -> None:
        # a task of its own: rich keeps a task's total once set (None = "unchanged")
        self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(label, total=None)


@contextmanager
def progress_bar(ctx: Ctx, label: str) -> Iterator[Bar | None]:
    """A bar on a terminal's stderr; None when quiet, JSON or not a terminal."""
    if ctx.quiet or ctx.json or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        CountColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        yield Bar(bar, bar.add_task(label, total=None))


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


def rows_read(
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
