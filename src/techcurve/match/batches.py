"""Reading the records to match: streamed in Arrow batches, the next one read ahead.

:func:`iter_record_batches` streams the columns the matcher needs (the SQL is
:func:`techcurve.store.matches.record_batches`); :func:`read_ahead` reads the next
batch in a thread while the caller matches the current one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import polars as pl

from techcurve.store import Store
from techcurve.store import matches as stored

__all__ = ["BATCH_ROWS", "iter_record_batches", "read_ahead"]

#: records per streamed batch: memory stays flat however many records the store holds
BATCH_ROWS = 500_000


def iter_record_batches(
    store: Store, columns: list[str], where: str = "", rows: int = BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Records as polars frames of at most ``rows`` rows, streamed through Arrow.

    ``where`` selects records (:func:`techcurve.store.matches.ingested_after` or
    :func:`~techcurve.store.matches.ingested_up_to`; empty: all). Reads on a cursor of
    its own (a second connection to the same database), so the caller may write to the
    store between batches.
    """
    return stored.record_batches(store, columns, where, rows)


def read_ahead(batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """``batches``, with the next one read by a thread while the caller works on this one.

    At most one batch waits. When the caller stops early (an error while matching),
    the reading thread stops too and closes its cursor before this returns.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not put(("batch", batch)):
                    return
            put(("end", None))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, re-raised there
            put(("error", e))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="techcurve-records", daemon=True)
    reader.start()
    try:
        while True:
            what, item = ready.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
    finally:
        stop.set()
        reader.join()
