"""Writing a drawn figure's files on both cores (docs/performance.md, issue 18).

``techcurve curve`` writes the same figure as an SVG and as a 220-dpi PNG; each is
matplotlib rendering the figure again (the PNG ≈ 1 s, the SVG ≈ 0.4 s), one after the
other. :func:`save_aside` forks a process that saves some of the files from its copy of
the figure, as :func:`~techcurve.render.fonts.save_figure` saves them, into a private
folder, while this process saves the others; :meth:`Aside.take` then hands their bytes
back, and the caller writes them where they belong, in the order it always did.

The child runs matplotlib, Pillow and the file system only: never polars or DuckDB,
whose thread pools a fork does not copy. Only the main thread forks, only with two
cores or more; a child that fails is only a file saved here after all.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from techcurve.render.fonts import save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether a second process may save files: two cores, ``fork``, the main thread."""
    return (
        _cores() >= 2
        and "fork" in mp.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
    )


class Aside:
    """The files a forked process is saving: :meth:`take` each one's bytes."""

    def __init__(self, pid: int, folder: Path, names: dict[int, Path]) -> None:
        self._pid, self._folder, self._names = pid, folder, names
        self._status: int | None = None

    def __contains__(self, index: int) -> bool:
        return index in self._names

    def take(self, index: int) -> bytes | None:
        """The bytes of file ``index`` as the child saved it; None when it did not (the
        caller saves that file itself)."""
        if self._status is None:
            self._status = _wait(self._pid)
        path = self._names.pop(index)
        if self._status != 0:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def close(self) -> None:
        """End the child if it still runs and remove its folder."""
        if self._status is None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, 9)
            self._status = _wait(self._pid)
        shutil.rmtree(self._folder, ignore_errors=True)


def _wait(pid: int) -> int:
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:
        return -1


def save_aside(fig: Figure, files: Sequence[tuple[int, Path]], dpi: int) -> Aside | None:
    """Fork a process saving ``fig`` as each ``(index, path)`` of ``files`` (the format
    from the path's extension, a PNG at ``dpi``) into a folder of its own; None when no
    second process can run (the caller saves them itself)."""
    if not files or not can_fork():
        return None
    folder = Path(tempfile.mkdtemp(prefix="techcurve-curve-"))
    names = {i: folder / f"{i}{p.suffix.lower()}" for i, p in files}
    try:
        pid = os.fork()
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    if pid == 0:  # the child: save, then end at once (no atexit, no buffers flushed)
        code = 1
        try:
            for path in names.values():
                save_figure(fig, path, dpi=dpi)
            code = 0
        except BaseException:  # noqa: BLE001, S110 - any failure: the parent saves them
            pass
        finally:
            os._exit(code)
    return Aside(pid, folder, names)


__all__ = ["Aside", "can_fork", "save_aside"]
