"""Ingesting record files into the store: every row accounted for (stored, duplicate or
rejected), one ``ingest_log`` row per file, and the files of one call stored together
or not at all.

First every file is opened and checked (:mod:`.opening`: format, encoding, profile or
mapping, columns); then each is parsed, its batches on a few threads while this thread
reads the next, into its own :class:`~techcurve.ingest.staging.Stage`; a file that is
empty, holds only a header or whose every row is rejected fails here. Only then, in one
transaction, are the staged records inserted (with the links a
:class:`~techcurve.ingest.linking.LinkMatcher` made while they were read), the rejects
files written and the files logged. A failed file stops the whole call before the
store is touched, unless ``keep_going`` (``--keep-going``) leaves it out.
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from techcurve.datatypes import IngestSummary
from techcurve.errors import ConfigError, IngestError, StoreError, TechcurveError
from techcurve.ingest.base import Reject
from techcurve.ingest.linking import LinkMatcher, row_links
from techcurve.ingest.money import MoneyConfig
from techcurve.ingest.opening import MappingArg, OpenedFile, money_settings, open_file
from techcurve.ingest.records import build_records
from techcurve.ingest.rejects import relabel, write_rejects
from techcurve.ingest.sniff import sha256_file
from techcurve.ingest.staging import Stage, remove_leftover_stages, stage_memory, stage_prefix
from techcurve.store import Store
from techcurve.store.ingest import (
    StagedScans,
    insert_staged_links,
    insert_staged_records,
    log_ingest,
    lowered_memory_limit,
    undated_stored,
)

log = logging.getLogger(__name__)

#: DuckDB's memory limit while the files' records are inserted, when the store's own
#: limit is higher. The insert streams and spills beyond it; a lower limit is slower, a
#: higher one barely faster (docs/performance.md, "Store settings"). The store's limit is
#: restored after.
STORE_MEMORY_LIMIT = "1GB"

#: A parsed batch: its records, rejects, and links when matched while ingesting.
_ParsedBatch = tuple[pl.DataFrame, list[Reject], pl.DataFrame | None]
#: A parsed file: its stage, the rows read and the rejects.
_Parsed = tuple[Stage, int, list[Reject]]

_T = TypeVar("_T")


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
    fallback: str | None  # the encoding of the lines that do not decode in the file's


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
    keep_going: bool = False,
    fallback_encoding: str | None = None,
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
    (or Ctrl-C) leaves the store as it was. ``encoding`` overrides the detected
    encoding; ``fallback_encoding`` decodes the lines that do not decode in it (else
    each such line is rejected with its reason); ``config`` is a loaded config whose
    ``ingest`` section sets the vague-amount table, exchange rates and the amount
    ceiling (default: the shipped config).

    All or none (module docstring): a file that cannot be read, is empty, holds only
    a header or whose every row is rejected raises its :class:`IngestError` (one file)
    or ``ingest.files_refused`` (several); with ``keep_going`` the others are stored
    and its summary says why (``skipped``). ``matcher``: link the records while they
    are read, in the same transaction, when the store's links are current for it
    (:meth:`~techcurve.ingest.linking.LinkMatcher.in_step`); else they are left for the
    matcher's own run (``techcurve.pipeline`` runs ``match_store`` after).
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
        fallback=fallback_encoding,
    )
    for old in remove_leftover_stages(store):
        log.info("removed %s, left over by an ingest that did not finish", old)
    files = [Path(p) for p in paths]
    batch = _Batch(files, keep_going)
    started = datetime.now()
    opened = batch.each(
        lambda i, p: open_file(p, kind=settings.kind, profile=settings.profile,
                               mapping=settings.mapping, encoding=settings.encoding,
                               fallback_encoding=settings.fallback)
    )  # fmt: skip
    try:
        # Linked while read when the store's links are current for the matcher; storing
        # every file with its links keeps them current, so asking once is enough.
        m = settings.matcher
        m = m if m is not None and not batch.failed and m.in_step(store) else None
        return _ingest_all(store, files, opened, settings, m, batch, started)
    finally:
        for o in opened:
            if o is not None:
                o.table.close()


class _Batch:
    """The files of one :func:`ingest_records` call and the errors met so far."""

    def __init__(self, files: list[Path], keep_going: bool) -> None:
        self.files = files
        self.keep_going = keep_going
        self.failed: dict[int, TechcurveError] = {}

    def each(self, step: Callable[[int, Path], _T]) -> list[_T | None]:
        """``step(i, path)`` of every file not failed yet (None where it failed or fails)."""
        out: list[_T | None] = []
        for i, p in enumerate(self.files):
            if i in self.failed:
                out.append(None)
                continue
            try:
                out.append(step(i, p))
            except (IngestError, ConfigError) as e:
                self.failed[i] = e
                out.append(None)
        return out

    def check(self) -> None:
        """Raise unless every file is fine or ``keep_going``: the file's own error (one
        file), else ``ingest.files_refused`` with the first failed file's."""
        if not self.failed or self.keep_going:
            return
        if len(self.files) == 1:
            raise self.failed[0]
        first = self.failed[min(self.failed)]
        raise IngestError.of(
            "ingest.files_refused",
            n=len(self.failed),
            total=len(self.files),
            files=", ".join(self.files[i].name for i in sorted(self.failed)),
            error=first,
        )

    def skipped(self, i: int) -> IngestSummary:
        """The summary of a file left out, saying why."""
        e = self.failed[i]
        return IngestSummary(path=str(self.files[i]), kind="", profile="", rows_read=0, stored=0,
                             duplicates=0, rejected=0, skipped=str(e), skipped_error=e)  # fmt: skip


def _ingest_all(
    store: Store,
    files: list[Path],
    opened: list[OpenedFile | None],
    s: _Settings,
    matcher: LinkMatcher | None,
    batch: _Batch,
    started: datetime,
) -> list[IngestSummary]:
    """Parse every file into its own stage, then store them all in one transaction."""
    with _file_hashes(files) as shas, ExitStack() as stack:
        # Parsed batches are staged, not inserted as they come (see .staging), and are
        # parsed by a few threads (polars, Numba and the hash release the GIL).
        workers = ingest_workers()
        pool = stack.enter_context(
            ThreadPoolExecutor(workers, thread_name_prefix="techcurve-ingest")
        )
        root = Path(store.path).resolve().parent
        tmp = Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix=stage_prefix(store), dir=root)
        ))  # fmt: skip
        memory = stage_memory(store) // max(1, sum(o is not None for o in opened))

        def parse(i: int, path: Path) -> _Parsed:
            o = opened[i]
            assert o is not None  # failed files are not parsed
            (tmp / str(i)).mkdir()
            stage = Stage(tmp / str(i), pool, memory=memory, name=f"_tc_stage{i}")
            rows, rejects = _parse(o, path, s, matcher, stage, pool, workers)
            _check_rows(path, rows, stage.records, rejects)
            return stage, rows, rejects

        parsed = batch.each(parse)
        batch.check()
        todo = [(i, o, x) for i, (o, x) in enumerate(zip(opened, parsed, strict=True))
                if o is not None and x is not None]  # fmt: skip
        stored = _store(store, files, todo, s, matcher, shas, started) if todo else {}
    out = [stored[i] if i in stored else batch.skipped(i) for i in range(len(files))]
    for x in out:
        log.info(
            "%s: %d rows read, %d stored, %d duplicate, %d rejected%s (%s)",
            x.path, x.rows_read, x.stored, x.duplicates, x.rejected,
            " [dry run]" if s.dry_run else "", x.profile,
        )  # fmt: skip
    return out


def _check_rows(path: Path, rows: int, records: int, rejects: list[Reject]) -> None:
    """Raise when the file has no rows below its header, or when every row was
    rejected (with the reasons of the first ones)."""
    if rows == 0:
        raise IngestError.of("ingest.no_rows", path=str(path))
    if records == 0 and rejects:
        first = sorted(rejects, key=lambda r: r.row)[:3]
        raise IngestError.of(
            "ingest.every_row_rejected",
            n=rows,
            reasons="; ".join(f"{r.row}: {r.reason}" for r in first),
            path=str(path),
        )


@contextmanager
def _file_hashes(paths: list[Path]) -> Iterator[list[Future[str]]]:
    """Each file's SHA-256, taken on a thread meanwhile (stopped early if the body fails)."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="techcurve-sha")
    stop = threading.Event()
    try:
        yield [pool.submit(sha256_file, p, stop) for p in paths]
    finally:
        stop.set()
        pool.shutdown(cancel_futures=True)


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

    def parse(raw: pl.DataFrame) -> _ParsedBatch:
        frame, rej = build_records(
            raw, opened.mapping, path=str(path), kind=opened.kind, as_of=s.as_of, money=s.money
        )
        links = row_links(frame, matcher) if matcher is not None and frame.height else None
        return frame, rej, links

    def settle(done: tuple[int, Future[_ParsedBatch]]) -> None:
        n_rows, future = done
        frame, rej, links = future.result()
        rejects.extend(relabel(rej, opened.table.labels))
        stage.add(frame, links)
        if s.progress is not None:
            s.progress(n_rows)

    pending: deque[tuple[int, Future[_ParsedBatch]]] = deque()
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
    files: list[Path],
    todo: list[tuple[int, OpenedFile, _Parsed]],
    s: _Settings,
    matcher: LinkMatcher | None,
    shas: list[Future[str]],
    started: datetime,
) -> dict[int, IngestSummary]:
    """Insert every file's staged records and links, write its rejects file and log
    it, all in one transaction (rolled back for a dry run)."""
    out: dict[int, IngestSummary] = {}
    try:
        # The limit is lowered outside the transaction and restored after the rollback,
        # and the staged records are registered before it and dropped after it: not
        # inside a transaction an error aborted.
        with ExitStack() as stack:
            stack.enter_context(lowered_memory_limit(store, STORE_MEMORY_LIMIT))
            scans = [stack.enter_context(parsed[0].scans(store)) for _, _, parsed in todo]
            stack.enter_context(_transaction(store, s.dry_run))
            for (i, opened, parsed), sc in zip(todo, scans, strict=True):
                out[i] = _store_one(store, files[i], opened, parsed, sc, s, matcher,
                                    sha=shas[i].result(), started=started)  # fmt: skip
    except duckdb.Error as e:
        raise StoreError.of("ingest.store_refused", path=files[todo[0][0]], error=e) from None
    return out


def _store_one(
    store: Store,
    path: Path,
    opened: OpenedFile,
    parsed: _Parsed,
    scans: StagedScans,
    s: _Settings,
    matcher: LinkMatcher | None,
    *,
    sha: str,
    started: datetime,
) -> IngestSummary:
    """One file's insert, links, rejects file and ``ingest_log`` row (in the transaction)."""
    stage, rows, rejects = parsed
    ingest_id = store.next_ingest_id()
    stored, kinds = insert_staged_records(store, scans, ingest_id) if stage.records else (0, [])
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
        undated=undated_stored(store, ingest_id) if stored else 0,
        unused_columns=opened.unused,
    )
    log_ingest(store, ingest_id, summary, sha256=sha, started=started, finished=datetime.now())
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
