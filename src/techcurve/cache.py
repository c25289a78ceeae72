"""A per-user cache of derived data that is slow to derive and cheap to keep.

Entries live in ``$XDG_CACHE_HOME/techcurve`` (default ``~/.cache/techcurve``), named
by a key that covers everything they are derived from, so a stale entry is never
read: it simply stops being asked for. Failing to read or write the cache (a
read-only home, a full disk) only costs the time to derive the value again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from types import ModuleType


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/techcurve``, or ``~/.cache/techcurve``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "techcurve"


def entry(kind: str, *parts: object, suffix: str = "") -> Path:
    """The path of the entry of ``kind`` derived from ``parts``."""
    key = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:20]
    return cache_dir() / f"{kind}-{key}{suffix}"


def read(path: Path) -> bytes | None:
    """The entry's bytes, or ``None`` when it is not there (or cannot be read)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write(path: Path, data: bytes) -> None:
    """Store an entry atomically (a temporary file renamed); errors are ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        pass


def trim(kind: str, keep: int, *, max_bytes: int | None = None, folder: Path | None = None) -> None:
    """Drop the oldest entries of ``kind`` (by modification time: reading an entry may
    touch it) beyond the newest ``keep``, and beyond ``max_bytes`` in all; ``folder`` is
    where they live (default :func:`cache_dir`). Errors are ignored, as for writing."""
    where = folder or cache_dir()
    try:
        entries = []
        for p in where.glob(f"{kind}-*"):
            if p.name.endswith(".tmp"):
                continue
            st = p.stat()
            entries.append((st.st_mtime_ns, st.st_size, p))
    except OSError:
        return
    entries.sort(reverse=True)
    total = 0
    for n, (_, size, p) in enumerate(entries):
        total += size
        if n >= keep or (max_bytes is not None and total > max_bytes):
            with contextlib.suppress(OSError):
                p.unlink()


def code_stamp(*modules: ModuleType) -> str:
    """A stamp of the code that derives an entry: the contents of ``modules``' source
    files. An edited module derives again; a fresh checkout of the same code (new
    modification times) does not."""
    h = hashlib.sha256()
    for module in modules:
        try:
            h.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()
