"""How the web app reaches the store: briefly, one reader at a time, with a cache.

DuckDB lets one process write a file; while an ``ingest`` or ``run`` writes the store
no other process can open it, not even to read. The app therefore never holds the
store open: :meth:`StoreGate.read` opens it read-only, runs one function and closes
it. What is expensive to build is cached under the store files' modification time and
size (the ``.duckdb`` file and its ``.wal``), so the first page after a change is
built fresh and the ones after it are served from memory.

When the store is busy (:class:`~techcurve.errors.StoreError` ``store.busy``), a cached
value is served with the time it was built (:attr:`Served.as_of`, the pages show a
banner); without one :class:`StoreBusy` is raised (the app answers 503).

DuckDB refuses, within one process, a second connection to a file with another
configuration (read-only beside read-write), and uvicorn answers requests on a thread
pool. So every opening of the store in the app goes through one process-wide lock,
:data:`STORE_LOCK`: the gate's reads (read-only) and its :meth:`StoreGate.write` (the
panel's library calls, which open the store for writing) never overlap.

Opening and closing the store costs tens of milliseconds on a large one, so a page that
reads several values (the curve: the dots, then the filtered view; a sub-field: its
detail, then a page of records) does so in one :meth:`StoreGate.session`: the store is
opened at the first read that misses the cache and closed when the page is built.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

from techcurve.errors import StoreError
from techcurve.store import Store

T = TypeVar("T")

#: held while the app has the store open (one connection at a time in this process)
STORE_LOCK = threading.RLock()

CACHE_ENTRIES = 512  # values kept (pages of records are small; the report is one per language)


class StoreBusy(Exception):
    """The store is being written by another process and nothing is cached to show."""


@dataclass(frozen=True, slots=True)
class Served(Generic[T]):
    """A value read from the store; ``as_of`` is set when it came from the cache because
    the store was busy (the time it was read)."""

    value: T
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    stamp: tuple[int, ...]
    value: object
    built: datetime


def _is_busy(e: StoreError) -> bool:
    return e.key == "store.busy"


class StoreGate:
    """Read-only, short-lived access to the store at ``db`` with a fingerprinted cache."""

    def __init__(self, db: str | Path) -> None:
        self.db = Path(db)
        self._lock = STORE_LOCK  # a cached value may be built from another
        self._cache: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._session = False  # inside session(): keep the store open once opened
        self._held: Store | None = None  # the store a session opened

    def stamp(self) -> tuple[int, ...]:
        """The store files' modification times and sizes: a change makes a new stamp."""
        out: list[int] = []
        for p in (self.db, self.db.with_name(self.db.name + ".wal")):
            try:
                st = os.stat(p)
            except FileNotFoundError:
                out += [0, 0]
            else:
                out += [st.st_mtime_ns, st.st_size]
        return tuple(out)

    @contextmanager
    def session(self) -> Iterator[None]:
        """The reads inside share one opening of the store (made by the first read that
        needs the store, closed on leaving); other threads' reads wait until then."""
        with self._lock:
            if self._session:  # nested: the outer session keeps the store
                yield
                return
            self._session = True
            try:
                yield
            finally:
                self._session = False
                held, self._held = self._held, None
                if held is not None:
                    held.close()

    def read(self, fn: Callable[[Store], T]) -> T:
        """``fn`` on the store opened read-only, closed straight after (at the end of the
        :meth:`session` it runs in); a read inside ``fn`` (a cached value built from
        another) uses the same opening. Raises :class:`StoreBusy` while another process
        writes the store."""
        with self._lock:
            if self._held is not None:
                return fn(self._held)
            try:
                st = Store.open(self.db, read_only=True)
            except StoreError as e:
                if _is_busy(e):
                    raise StoreBusy(str(e)) from None
                raise
            self._held = st
            try:
                return fn(st)
            finally:
                if not self._session:
                    self._held = None
                    st.close()

    def cached(self, key: Hashable, fn: Callable[[Store], T]) -> Served[T]:
        """``fn``'s value for ``key``, rebuilt when the store changed; the cached value
        (with its time) when the store is busy; :class:`StoreBusy` when there is none."""
        stamp = self.stamp()
        hit = self._cache.get(key)
        if hit is not None and hit.stamp == stamp:
            self._cache.move_to_end(key)
            return Served(hit.value)  # type: ignore[arg-type]
        try:
            value = self.read(fn)
        except StoreBusy:
            if hit is None:
                raise
            return Served(hit.value, as_of=hit.built)  # type: ignore[arg-type]
        self._cache[key] = _Entry(stamp, value, datetime.now().astimezone())
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return Served(value)

    def check_writable(self) -> None:
        """Raise :class:`StoreBusy` when another process writes the store (for forms:
        a write must not wait for it)."""
        self.read(lambda st: None)

    def write(self, fn: Callable[[Path], T]) -> T:
        """``fn(db)`` under the store lock: for the library calls of
        :mod:`techcurve.pipeline.panel`, which open the store for writing themselves.
        Raises :class:`StoreBusy` (without waiting) while another process uses the store."""
        with self._lock:
            try:
                return fn(self.db)
            except StoreError as e:
                if _is_busy(e):
                    raise StoreBusy(str(e)) from None
                raise


__all__ = ["CACHE_ENTRIES", "STORE_LOCK", "Served", "StoreBusy", "StoreGate"]
