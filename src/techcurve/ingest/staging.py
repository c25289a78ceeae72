"""Staging: a file's parsed records and links, held until the one insert at the end.

DuckDB keeps a transaction's appends in memory, while one ``INSERT`` at the end streams
under a memory limit; so ingest parses the whole file first and holds what it parsed
here: in memory up to a budget, beyond it as Parquet files beside the store. The store
is untouched until the insert, so an error or Ctrl-C while reading leaves it as it was.
docs/performance.md has the measurements behind the budget ("Fourth session", item 4)
and the row groups ("Third session", item 2).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa

from techcurve.ingest.base import ROW_COL
from techcurve.store import Store
from techcurve.store.ingest import StagedScans, memory_bytes, parquet_scan, registered

#: Parsed records and links a file's ingest holds in memory for the insert, at most
#: (Arrow bytes; less when the store's memory limit is lower); beyond it they are staged
#: as Parquet files. Held in memory, they skip the files' compression and Parquet
#: encoding and decoding, and the insert reads Arrow (docs/performance.md, "Fourth
#: session", item 4).
STAGE_MEMORY = 2**30

#: Rows in a DuckDB row group (its default). Staged files hold whole row groups, which
#: DuckDB's order-preserving insert writes in parallel (docs/performance.md, "Third
#: session", item 2).
ROW_GROUP = 122_880


def stage_memory(store: Store) -> int:
    """The bytes a file's ingest into ``store`` may hold in memory: :data:`STAGE_MEMORY`,
    or the store's memory limit when lower (what the store may use, it may hold:
    ``--memory-limit`` bounds this too)."""
    limit = memory_bytes(store.memory_limit or "") or STAGE_MEMORY
    return int(min(STAGE_MEMORY, limit))


#: The prefix of the staging folders beside a store; a folder named so that is left
#: over (an ingest that was killed) is removed by the next ingest into that store.
STAGE_PREFIX = ".techcurve-ingest-"


def stage_prefix(store: Store) -> str:
    """The prefix of ``store``'s staging folders (the store's file name in it, so two
    stores in one folder never remove each other's)."""
    return f"{STAGE_PREFIX}{Path(store.path).name}-"


def remove_leftover_stages(store: Store) -> list[Path]:
    """Remove the staging folders an earlier, killed ingest into ``store`` left beside
    it; the folders removed. Call it holding the store open for writing: DuckDB's lock
    then says no other process is ingesting into it."""
    folder = Path(store.path).resolve().parent
    removed = []
    for p in sorted(folder.glob(STAGE_PREFIX + "*")):
        rest = p.name[len(STAGE_PREFIX) :]
        # this store's, or one of the versions before 2026-12 that did not name the store
        if p.is_dir() and (p.name.startswith(stage_prefix(store)) or _OLD_SUFFIX.match(rest)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


#: What ``tempfile`` added to :data:`STAGE_PREFIX` before the store's name was in it.
_OLD_SUFFIX = re.compile(r"^[a-z0-9_]{8}$")


class Stage:
    """Parsed records and their links, held until the insert, in file order.

    Records are held in whole DuckDB row groups (the order-preserving insert then writes
    them in parallel; a smaller batch is merged serially), and links as they come: in
    memory up to ``memory`` bytes, and once past it as Parquet files in ``folder``, the
    held ones first, written on ``pool``.
    """

    def __init__(
        self, folder: Path, pool: ThreadPoolExecutor, memory: int = STAGE_MEMORY,
        name: str = "_tc_stage",
    ) -> None:  # fmt: skip
        self.folder = folder
        self.name = name  # what its records are registered as (one name per file)
        self.pool = pool
        self.memory = memory  # bytes of row groups and links held in memory at most
        self.records = 0  # staged so far
        self._held: list[pl.DataFrame] = []  # less than a row group, not yet staged
        self._memory: list[pl.DataFrame] = []  # row groups held in memory
        self._memory_bytes = 0
        self._files: list[Path] = []  # row groups staged as files
        self._links: list[pl.DataFrame] = []  # links held in memory
        self._link_files: list[Path] = []
        self._writes: list[Future[None]] = []

    def add(self, frame: pl.DataFrame, links: pl.DataFrame | None) -> None:
        if links is not None and links.height:
            if self._files:
                self._write_links(links)
            else:
                self._links.append(links)
                self._memory_bytes += int(links.estimated_size())
        if not frame.height:
            return
        self.records += frame.height
        self._held.append(frame)
        if sum(f.height for f in self._held) >= ROW_GROUP:
            ready = pl.concat(self._held, rechunk=False)
            whole = ready.height - ready.height % ROW_GROUP
            self._keep(ready.slice(0, whole).rechunk())
            self._held = [ready.slice(whole)] if whole < ready.height else []

    def finish(self) -> None:
        """Stage what is held and wait for every file."""
        if self._held:
            self._keep(pl.concat(self._held))
            self._held = []
        for w in self._writes:
            w.result()

    @contextmanager
    def scans(self, store: Store) -> Iterator[StagedScans]:
        """The staged records as SQL table expressions, for as long as the block runs
        (in-memory row groups are registered with the store's connection meanwhile)."""
        if self._files:
            links = parquet_scan(self._link_files) if self._link_files else None
            units = [parquet_scan([f]) for f in self._files]
            yield StagedScans(parquet_scan(self._files), units, ROW_COL, links)
            return
        # Arrow string views are polars' own strings: handed over without a copy (as large
        # strings they cost more: docs/performance.md, "Fourth session", item 4)
        views = pl.CompatLevel.newest()
        n = self.name
        tables = {f"{n}_{i}": f.to_arrow(compat_level=views) for i, f in enumerate(self._memory)}
        if tables:
            tables[n] = pa.concat_tables(list(tables.values()))
        links = f"{n}_links"
        if self._links:
            tables[links] = pa.concat_tables([f.to_arrow(compat_level=views) for f in self._links])
        with registered(store, tables):
            units = [f"{n}_{i}" for i in range(len(self._memory))]
            yield StagedScans(n, units, ROW_COL, links if self._links else None)

    def _keep(self, frame: pl.DataFrame) -> None:
        if not self._files:
            size = int(frame.estimated_size())
            if self._memory_bytes + size <= self.memory:
                self._memory.append(frame)
                self._memory_bytes += size
                return
            for held in self._memory:  # past the budget: what is held goes to files first
                self._write(held)
            for links in self._links:
                self._write_links(links)
            self._memory, self._links, self._memory_bytes = [], [], 0
        self._write(frame)

    def _write_links(self, links: pl.DataFrame) -> None:
        name = self.folder / f"links-{len(self._link_files):06d}.parquet"
        self._link_files.append(name)
        self._writes.append(self.pool.submit(links.write_parquet, name, compression="lz4"))

    def _write(self, frame: pl.DataFrame) -> None:
        name = self.folder / f"batch-{len(self._files):06d}.parquet"
        self._files.append(name)
        # no column statistics: the insert scans whole files
        self._writes.append(
            self.pool.submit(
                frame.write_parquet,
                name,
                compression="lz4",
                statistics=False,
                row_group_size=ROW_GROUP,
            )  # fmt: skip
        )
