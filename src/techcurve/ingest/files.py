"""Ingesting record files into the store: one transaction per file, every row
accounted for (stored, duplicate or rejected), one ``ingest_log`` row per file.

Per file: open it and resolve its profile (:mod:`.opening`); parse its batches on a
few threads while this thread reads the next, holding what is parsed in a
:class:`~techcurve.ingest.staging.Stage`; then, in one transaction, insert the
staged records (and the links a :class:`~techcurve.ingest.linking.LinkMatcher` made
while they were read), write the rejects file and log the file.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as AnyMapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from techcurve.datatypes import IngestSummary
from techcurve.errors import IngestError, StoreError
from techcurve.ingest.base import Reject
from techcurve.ingest.linking import LinkMatcher, row_links
from techcurve.ingest.money import MoneyConfig
from techcurve.ingest.opening import MappingArg, OpenedFile, money_settings, open_file
from techcurve.ingest.records import build_records
from techcurve.ingest.rejects import relabel, write_rejects
from techcurve.ingest.sniff import sha256_file
from techcurve.ingest.staging import Stage, stage_memory
from techcurve.store import Store
from techcurve.store.ingest import (
    StagedScans,
    insert_staged_links,
    insert_staged_records,
    log_ingest,
    lowered_memory_limit,
)

log = logging.getLogger(__name__)

#: DuckDB's memory limit while a file's records are inserted, when the store's own limit
#: is higher. The insert streams and spills beyond it; a lower limit is slower, a higher
#: one barely faster (docs/performance.md, "Store settings"). The store's limit is
#: restored after.
STORE_MEMORY_LIMIT = "1GB"

#: A parsed batch: its records, rejects, and links when matched while ingesting.
_Parsed = tuple[pl.DataFrame, list[Reject], pl.DataFrame | None]


@dataclass(frozen=True, slots=True)
class _Settings:
    """How every file of one :func:`ingest_records` call is ingested."""

    kind: str
    profile: str | None
    mapping: MappingArg | None
    out_dir: Path
    write: bool  # write the rejects file
    dry_run: bool
    as_of: date
    progress: Callable[[int], None] | None
    encoding: str | None
    money: MoneyConfig
    matcher: LinkMatcher | None


def ingest_workers() -> int:
    """Threads that parse batches: ``TECHCURVE_INGEST_THREADS``, else one more than the
    CPUs (at most 4): a core does not idle while a thread waits for the GIL
    (docs/performance.md, "Fourth session", item 6)."""
    env = os.environ.get("TECHCURVE_INGEST_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise IngestError.of("ingest.bad_thread_count", value=env) from None
    return max(1, min(4, (os.cpu_count() or 1) + 1))


def ingest_records(
    store: Store,
    paths: Sequence[str | Path],
    *,
    kind: str,
    profile: str | None = None,
    mapping: MappingArg | None = None,
    rejects_dir: str | Path | None = None,
    dry_run: bool = False,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
    config: AnyMapping[str, Any] | None = None,
    matcher: LinkMatcher | None = None,
) -> list[IngestSummary]:
    """Parse ``paths`` and store their records; one summary per file.

    ``kind``: patent, paper, article or financing (``auto`` = what the profile or
    mapping says). ``profile``/``mapping``: see :mod:`techcurve.ingest.profiles`
    (detected when both are ``None``). ``rejects_dir``: where ``<stem>.rejects.csv``
    goes (default: ``rejects/`` beside the store). ``dry_run``: parse and check
    everything inside the transaction, then roll back and write no rejects file
    (unless ``rejects_dir`` is given). ``as_of`` (default today): later dates are
    rejected. ``progress`` is called with the number of rows read after each batch
    (at most :data:`~techcurve.ingest.readers.BATCH_ROWS`); an exception it raises
    (or Ctrl-C) rolls the file back. ``encoding`` overrides the detected encoding;
    ``config`` is a loaded config whose ``ingest`` section sets the vague-amount table
    and exchange rates (default: the shipped config).

    Each file is one transaction: an error rolls back that file only (files before it
    stay stored). Re-ingesting a file stores nothing new: its rows are duplicates.

    ``matcher``: link each file's records while they are read and store their links in
    the same transaction, when the matcher says the store's links are current for it
    (:meth:`~techcurve.ingest.linking.LinkMatcher.in_step`). Files for which that does
    not hold are left for the matcher's own run over the store (``techcurve.pipeline``
    builds the matcher from :mod:`techcurve.match` and runs ``match_store`` after).
    """
    settings = _Settings(
        kind=kind,
        profile=profile,
        mapping=mapping,
        out_dir=Path(rejects_dir)
        if rejects_dir is not None
        else Path(store.path).parent / "rejects",
        write=not dry_run or rejects_dir is not None,
        dry_run=dry_run,
        as_of=as_of or date.today(),
        progress=progress,
        encoding=encoding,
        money=money_settings(config),
        matcher=None if dry_run else matcher,
    )
    return [_ingest_one(store, Path(path), settings) for path in paths]


@contextmanager
def _file_hash(path: Path) -> Iterator[Future[str]]:
    """The file's SHA-256, taken on a thread meanwhile (stopped early if the body fails)."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="techcurve-sha")
    stop = threading.Event()
    try:
        yield pool.submit(sha256_file, path, stop)
    finally:
        stop.set()
        pool.shutdown()


def _ingest_one(store: Store, path: Path, settings: _Settings) -> IngestSummary:
    started = datetime.now()
    with _file_hash(path) as sha_future:
        s = settings
        opened = open_file(path, kind=s.kind, profile=s.profile, mapping=s.mapping,
                           encoding=s.encoding)  # fmt: skip
        # Linked while read when the store's links are current for the matcher.
        matcher = s.matcher if s.matcher is not None and s.matcher.in_step(store) else None
        # Parsed batches are staged, not inserted as they come (see .staging), and are
        # parsed by a few threads (polars, Numba and the hash release the GIL).
        workers = ingest_workers()
        stage_root = Path(store.path).resolve().parent
        with (
            tempfile.TemporaryDirectory(prefix=".techcurve-ingest-", dir=stage_root) as tmp,
            ThreadPoolExecutor(workers, thread_name_prefix="techcurve-ingest") as pool,
        ):
            stage = Stage(Path(tmp), pool, memory=stage_memory(store))
            rows, rejects = _parse(opened, path, s, matcher, stage, pool, workers)
            summary = _store(store, path, opened, stage, rows, rejects, s, matcher,
                             sha=sha_future.result(), started=started)  # fmt: skip
    log.info(
        "%s: %d rows read, %d stored, %d duplicate, %d rejected%s (%s)",
        path, rows, summary.stored, summary.duplicates, len(rejects),
        " [dry run]" if s.dry_run else "", opened.mapping.name,
    )  # fmt: skip
    return summary


def _parse(
    opened: OpenedFile,
    path: Path,
    s: _Settings,
    matcher: LinkMatcher | None,
    stage: Stage,
    pool: ThreadPoolExecutor,
    workers: int,
) -> tuple[int, list[Reject]]:
    """Parse every batch of the file into ``stage``, at most one batch per thread in
    flight while this thread reads the next; the rows read and the rejects."""
    rejects: list[Reject] = []
    rows = 0

    def parse(raw: pl.DataFrame) -> _Parsed:
        frame, rej = build_records(
            raw, opened.mapping, path=str(path), kind=opened.kind, as_of=s.as_of, money=s.money
        )
        links = row_links(frame, matcher) if matcher is not None and frame.height else None
        return frame, rej, links

    def settle(done: tuple[int, Future[_Parsed]]) -> None:
        n_rows, future = done
        frame, rej, links = future.result()
        rejects.extend(relabel(rej, opened.table.labels))
        stage.add(frame, links)
        if s.progress is not None:
            s.progress(n_rows)

    pending: deque[tuple[int, Future[_Parsed]]] = deque()
    try:
        for batch in opened.table.batches:
            rows += batch.rows
            rejects.extend(batch.rejects)
            pending.append((batch.rows, pool.submit(parse, batch.frame)))
            while len(pending) >= workers:
                settle(pending.popleft())
        while pending:
            settle(pending.popleft())
        stage.finish()
    finally:
        for _, future in pending:
            future.cancel()
        opened.table.close()
    return rows, rejects


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@contextmanager
def _transaction(store: Store, dry_run: bool) -> Iterator[None]:
    try:
        with store.transaction():
            yield
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def _store(
    store: Store,
    path: Path,
    opened: OpenedFile,
    stage: Stage,
    rows: int,
    rejects: list[Reject],
    s: _Settings,
    matcher: LinkMatcher | None,
    *,
    sha: str,
    started: datetime,
) -> IngestSummary:
    """Insert the staged records and links, write the rejects file and log the file,
    in one transaction (rolled back for a dry run)."""
    try:
        # The limit is lowered outside the transaction and restored after the rollback,
        # and the staged records are registered before it and dropped after it: not
        # inside a transaction an error aborted.
        with (
            lowered_memory_limit(store, STORE_MEMORY_LIMIT),
            stage.scans(store) as scans,
            _transaction(store, s.dry_run),
        ):
            ingest_id = store.next_ingest_id()
            stored, kinds = (
                insert_staged_records(store, scans, ingest_id) if stage.records else (0, [])
            )
            if matcher is not None and stored:
                _store_links(store, path, matcher, scans, ingest_id, every=stored == stage.records)
            rejects_path = None
            if rejects and s.write:
                rejects.sort(key=lambda r: r.row)
                rejects_path = write_rejects(rejects, s.out_dir / f"{path.stem}.rejects.csv")
            summary = IngestSummary(
                path=str(path),
                kind=",".join(kinds) or opened.kind or opened.mapping.kind or "",
                profile=opened.mapping.name,
                rows_read=rows,
                stored=stored,
                duplicates=stage.records - stored,
                rejected=len(rejects),
                rejects_path=str(rejects_path) if rejects_path else None,
            )
            log_ingest(store, ingest_id, summary, sha256=sha, started=started,
                       finished=datetime.now())  # fmt: skip
    except duckdb.Error as e:
        raise StoreError.of("ingest.store_refused", path=path, error=e) from None
    return summary


def _store_links(
    store: Store, path: Path, matcher: LinkMatcher, scans: StagedScans, ingest_id: int,
    *, every: bool,
) -> None:  # fmt: skip
    """Insert the links made while reading, through the matcher (which updates its state)."""
    n = matcher.add_links(
        store, lambda: insert_staged_links(store, scans, ingest_id, every_row=every)
    )
    log.info("%s: %d links stored while ingesting", path, n)
