"""Ingest: record files → the ``records`` table.

Formats (:data:`~techcurve.ingest.base.FORMATS`): CSV/TSV, JSON Lines, JSON arrays and
documents (OpenAlex ``/works`` responses), XLSX, XLS, Parquet, CNKI/Wanfang NoteExpress,
RIS, Web of Science, EndNote and RefWorks tagged text, CNKI E-Study; UTF-8 (with or
without BOM), UTF-16 (LE/BE, with or without BOM), GB18030/GBK and more, detected.
``docs/ingest.md`` is the user's guide.

Three entry points:

* :func:`ingest_records` parses files and stores their records, one transaction per
  file, and accounts for every row: stored, duplicate or rejected (rejects go to
  ``<rejects_dir>/<stem>.rejects.csv``); one ``ingest_log`` row per file.
* :func:`read_records` parses a file into a :class:`ReadResult` without a store.
* :func:`inspect_file` shows what techcurve sees: format, encoding, columns, profile
  and the first rows.

Which input column feeds which store field is a profile (``crunchbase``, ``itjuzi``,
``cnki``, ``wanfang``, ``cnipa``, ``patentsview``, ``openalex``, ``ris``, ``wos``,
``endnote``, ``refworks``, ``estudy``, ``generic``; detected from the format and columns)
or a user mapping file (:mod:`techcurve.ingest.profiles` documents both and the
detection rules). :func:`amount_stats` counts exact, vague and undisclosed amounts.

>>> from techcurve.store import Store                                  # doctest: +SKIP
>>> with Store.open("techcurve.duckdb") as st:                         # doctest: +SKIP
...     [s] = ingest_records(st, ["crunchbase-rounds.csv"], kind="financing")
...     s.stored, s.duplicates, s.rejected
"""

from __future__ import annotations

import csv
import logging
import os
import re
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
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import pyarrow as pa

from techcurve.config import load_config, section
from techcurve.datatypes import EvidenceKind, IngestSummary
from techcurve.errors import IngestError, StoreError
from techcurve.ingest.base import ROW_COL, Inspection, ReadResult, Reject, Rejection
from techcurve.ingest.cnki import open_cnki
from techcurve.ingest.dates import ParsedDate, parse_date
from techcurve.ingest.money import Amount, MoneyConfig, money_config, normalize_round, parse_amount
from techcurve.ingest.profiles import (
    KINDS,
    PROFILE_FORMATS,
    PROFILES,
    Mapping,
    detect_profile,
    load_mapping,
    profile_mapping,
)
from techcurve.ingest.readers import (
    Table,
    open_csv,
    open_json,
    open_jsonl,
    open_parquet,
    open_xls,
    open_xlsx,
)
from techcurve.ingest.records import OUTPUT_COLUMNS, build_records
from techcurve.ingest.sniff import (
    check_file,
    detect_encoding,
    detect_format,
    read_sample,
    sha256_file,
)
from techcurve.ingest.stats import amount_stats
from techcurve.ingest.tagged import TAGGED_FORMATS, open_tagged
from techcurve.store import Store

if TYPE_CHECKING:
    from techcurve.taxonomy import Taxonomy
    from techcurve.taxonomy.query import Query

__all__ = [
    "PROFILES",
    "Amount",
    "Inspection",
    "Mapping",
    "MoneyConfig",
    "amount_stats",
    "money_config",
    "ParsedDate",
    "ReadResult",
    "Reject",
    "Rejection",
    "ingest_records",
    "inspect_file",
    "load_mapping",
    "normalize_round",
    "parse_amount",
    "parse_date",
    "read_records",
]

log = logging.getLogger(__name__)

REJECT_COLUMNS = ("file", "row", "column", "value", "reason")


@dataclass(frozen=True, slots=True)
class _Opened:
    table: Table
    mapping: Mapping
    kind: str | None  # the kind rows get when the mapping fixes none


def _check_kind(kind: str | None) -> str | None:
    if kind is None or kind == "auto":
        return None
    k = str(kind).strip().lower()
    if k == EvidenceKind.ATTENTION.value:
        raise IngestError("'attention' is count-level evidence: ingest it as counts, not records")
    if k not in KINDS:
        raise IngestError(f"unknown kind {kind!r} (expected one of: {', '.join(KINDS)} or auto)")
    return k


def _open_table(
    path: Path, mapping: Mapping | None, encoding: str | None, profile: str | None = None
) -> Table:
    sample = read_sample(path)
    override = encoding or (mapping.encoding if mapping else None)
    fmt = mapping.format if mapping and mapping.format else None
    if fmt is None and profile in FORMAT_PROFILES:
        fmt = profile
    binary = sample.startswith((b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0"))
    if fmt is None:
        enc_guess = "utf-8" if binary else detect_encoding(path, sample, override)
        fmt = detect_format(path, sample, enc_guess)
        wanted = PROFILE_FORMATS.get(profile or "")
        if wanted is not None and fmt != wanted:
            # A tagged profile reads a file whose first line says nothing (e.g. a
            # preamble line), but not one that clearly is another format.
            if fmt not in ("csv", "tsv"):
                raise IngestError(
                    f"the {profile} profile reads {wanted} exports, but this file is {fmt}",
                    path=str(path),
                )
            fmt = wanted
    if fmt == "xlsx":
        return open_xlsx(path, mapping.sheet if mapping else None)
    if fmt == "xls":
        return open_xls(path, mapping.sheet if mapping else None)
    if fmt == "parquet":
        return open_parquet(path)
    enc = detect_encoding(path, sample, override)
    if fmt == "cnki":
        return open_cnki(path, enc)
    if fmt in TAGGED_FORMATS:
        return open_tagged(path, enc, fmt)
    if fmt == "jsonl":
        return open_jsonl(path, enc)
    if fmt == "json":
        return open_json(path, enc)
    return open_csv(path, fmt, enc, mapping.delimiter if mapping else None)


def _relabel(rejects: list[Reject], labels: dict[str, str]) -> list[Reject]:
    """Rejects naming a derived column name the source's own field instead."""
    if not labels:
        return rejects
    return [
        Reject(r.path, r.row, labels.get(r.column, r.column), r.value, r.reason)
        if r.column in labels
        else r
        for r in rejects
    ]


def _money(config: AnyMapping[str, Any] | None) -> MoneyConfig:
    """The amount settings of a loaded config (default: the shipped config file)."""
    cfg = dict(config) if config is not None else load_config()
    return money_config(section(cfg, "ingest"))


def _open(
    path: str | Path,
    *,
    kind: str | None,
    profile: str | None,
    mapping: str | Path | dict[str, Any] | Mapping | None,
    encoding: str | None = None,
) -> _Opened:
    p = Path(path)
    check_file(p)
    k = _check_kind(kind)
    m = load_mapping(mapping) if mapping is not None else None
    _check_profile(profile)
    table = _open_table(p, m, encoding, profile)
    try:
        if m is None:
            m = _resolve(profile, table, p)
        _check_columns(table, m, p)
        if m.kind is not None and k is not None and k != m.kind:
            raise IngestError(
                f"the {m.name} {'profile' if m.origin == 'profile' else 'mapping'} holds "
                f"{m.kind} records, not {k}: pass kind={m.kind!r} (or auto)",
                path=str(p),
            )
        if m.kind is None and "kind" not in m.fields and k is None:
            raise IngestError(
                f"say what the records are: pass kind= ({', '.join(KINDS)}) "
                "or put 'kind:' in the mapping",
                path=str(p),
            )
        if m.kind is None and k is not None and k not in m.kinds:
            raise IngestError(
                f"the {m.name} profile holds {' and '.join(m.kinds)} records, not {k}",
                path=str(p),
            )
    except BaseException:
        table.close()
        raise
    for note in table.notes:
        log.info("%s: %s", p, note)
    return _Opened(table, m, k if m.kind is None else m.kind)


#: Formats that can be named as a profile: read with the generic profile.
FORMAT_PROFILES = ("csv", "tsv", "jsonl", "json", "xlsx", "xls", "parquet")


def _check_profile(profile: str | None) -> None:
    if profile is not None and profile not in PROFILES and profile not in FORMAT_PROFILES:
        raise IngestError(
            f"unknown profile {profile!r} (profiles: {', '.join(PROFILES)}; or a format "
            f"read with the generic profile: {', '.join(FORMAT_PROFILES)})"
        )


def _resolve(profile: str | None, table: Table, p: Path) -> Mapping:
    if profile in FORMAT_PROFILES:
        profile = "generic"
    if profile:
        return profile_mapping(profile, table.columns, table.format, str(p))
    return detect_profile(table.columns, table.format, str(p), table.hint)


def _check_columns(table: Table, m: Mapping, path: Path) -> None:
    have = set(table.columns)
    who = "the mapping" if m.origin != "profile" else f"the {m.name} profile"
    for col in m.columns():
        if col not in have:
            raise IngestError(
                f"column {col!r} named by {who} is not in the file "
                f"(columns: {', '.join(table.columns) or 'none'})",
                path=str(path),
                column=None,
            )


# -- parse only ------------------------------------------------------------------------


def read_records(
    path: str | Path,
    *,
    kind: str,
    profile: str | None = None,
    mapping: str | Path | dict[str, Any] | Mapping | None = None,
    as_of: date | None = None,
    encoding: str | None = None,
    config: AnyMapping[str, Any] | None = None,
) -> ReadResult:
    """Parse one file into store records without a store.

    Rows repeating an earlier row's ``record_id`` count as duplicates and are left out
    of ``frame``; ``as_of`` (default today) rejects dates after it; ``encoding``
    overrides the detected one; ``config`` is a loaded config (its ``ingest`` section
    sets the vague-amount table and exchange rates; default: the shipped config).

    >>> r = read_records("rounds.csv", kind="financing")                # doctest: +SKIP
    >>> r.frame.height + r.duplicates + len(r.rejects) == r.rows_read  # doctest: +SKIP
    True
    """
    money = _money(config)
    opened = _open(path, kind=kind, profile=profile, mapping=mapping, encoding=encoding)
    as_of = as_of or date.today()
    frames: list[pl.DataFrame] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    rows = dups = 0
    try:
        for batch in opened.table.batches:
            rows += batch.rows
            rejects.extend(batch.rejects)
            frame, rej = build_records(
                batch.frame, opened.mapping, path=str(path), kind=opened.kind, as_of=as_of,
                money=money,
            )  # fmt: skip
            rejects.extend(_relabel(rej, opened.table.labels))
            ids = frame.get_column("record_id").to_list()
            keep = []
            for rid in ids:
                keep.append(rid not in seen)
                seen.add(rid)
            dups += len(ids) - sum(keep)
            frames.append(frame.filter(pl.Series(keep, dtype=pl.Boolean)).drop(ROW_COL))
    finally:
        opened.table.close()
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=OUTPUT_COLUMNS)
    rejects.sort(key=lambda r: r.row)
    return ReadResult(frame, rejects, rows, opened.mapping.name, opened.table.encoding, dups)


def inspect_file(
    path: str | Path,
    *,
    kind: str | None = None,
    profile: str | None = None,
    mapping: str | Path | dict[str, Any] | Mapping | None = None,
    n: int = 5,
    encoding: str | None = None,
    config: AnyMapping[str, Any] | None = None,
) -> Inspection:
    """What techcurve sees in a file: format, encoding, delimiter, columns, the profile
    that fits (or ``None``), the first ``n`` raw rows and the same rows as records.

    Never stores anything; an unreadable file still raises :class:`IngestError`.

    >>> ins = inspect_file("export.ris")                          # doctest: +SKIP
    >>> ins.format, ins.profile, ins.records.get_column("title")[0]  # doctest: +SKIP
    ('ris', 'ris', '基于深度学习的图像识别')
    """
    money = _money(config)
    p = Path(path)
    check_file(p)
    m = load_mapping(mapping) if mapping is not None else None
    _check_profile(profile)
    table = _open_table(p, m, encoding, profile)
    try:
        first = next(table.batches, None)
        notes = list(table.notes)
        resolved: Mapping | None = m
        try:
            if resolved is None:
                resolved = _resolve(profile, table, p)
            _check_columns(table, resolved, p)
        except IngestError as e:
            notes.append(str(e))
            resolved = None
        raw = first.frame.head(n) if first is not None else pl.DataFrame()
        rows = tuple(
            {k: v for k, v in r.items() if not k.startswith("_") or k == ROW_COL}
            for r in raw.iter_rows(named=True)
        )
        records = None
        rejects: tuple[Reject, ...] = ()
        k = _check_kind(kind)
        if resolved is not None and raw.height:
            rk = resolved.kind or k or (None if "kind" in resolved.fields else "article")
            frame, rej = build_records(
                raw, resolved, path=str(p), kind=rk, as_of=date.today(), money=money
            )
            records, rejects = frame, tuple(_relabel(rej, table.labels))
        return Inspection(
            path=str(p),
            format=table.format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            columns=tuple(c for c in table.columns if not c.startswith("_")),
            profile=resolved.name if resolved else None,
            kind=(resolved.kind if resolved else None) or k,
            rows=rows,
            records=records,
            rejects=rejects,
            notes=tuple(notes),
        )
    finally:
        table.close()


# -- store -------------------------------------------------------------------------------


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


def write_rejects(rejects: Sequence[Reject], target: Path) -> Path:
    """Write rejects as CSV (``file,row,column,value,reason``; UTF-8 with BOM for Excel)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(REJECT_COLUMNS)
        for r in rejects:
            w.writerow(
                [r.path, r.row, r.column or "", r.value if r.value is not None else "", r.reason]
            )
    return target


#: A parsed batch: its records, rejects, and links when matched while ingesting.
_Parsed = tuple[pl.DataFrame, list[Reject], pl.DataFrame | None]


def ingest_workers() -> int:
    """Threads that parse batches: ``TECHCURVE_INGEST_THREADS``, else one more than the
    CPUs (at most 4): a core does not idle while a thread waits for the GIL (1M records,
    matched while read, on 2 CPUs: median 8.7 s with 2 threads, 8.3 s with 3)."""
    env = os.environ.get("TECHCURVE_INGEST_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise IngestError(
                f"TECHCURVE_INGEST_THREADS={env!r} is not a number of threads (e.g. 2)"
            ) from None
    return max(1, min(4, (os.cpu_count() or 1) + 1))


#: DuckDB's memory limit while a file's records are inserted, when the store's own limit
#: is higher. The insert streams and spills beyond it. Measured on 1M records with the
#: zstd text columns: 512MB 8.4 s / 0.58 GB peak, 1GB 6.1 s / 1.04 GB, 1.5GB 5.6 s /
#: 1.14 GB (docs/performance.md, "Store settings"). The store's limit is restored after.
STORE_MEMORY_LIMIT = "1GB"

#: Rows in a DuckDB row group (its default). Staged files hold whole row groups, which
#: DuckDB's order-preserving insert writes in parallel; 1M records 6.7 s → 3.3 s.
ROW_GROUP = 122_880

_SIZE_UNITS = {
    "": 1, "B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "PIB": 2**50,
}  # fmt: skip


def _size(text: str) -> float | None:
    """Bytes in a DuckDB memory size such as ``"1.8 GiB"`` or ``"512MB"``; None if not one."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).upper() not in _SIZE_UNITS:
        return None
    return float(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]


@contextmanager
def _memory_limit(store: Store, limit: str) -> Iterator[None]:
    """Lower DuckDB's memory limit to ``limit`` meanwhile; a lower store limit is kept."""
    row = store.one("SELECT current_setting('memory_limit')")
    before = str(row[0]) if row else None
    have, want = _size(before or ""), _size(limit)
    if want is None or (have is not None and have <= want):
        yield
        return
    store.con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        # The store's setting as given ("2GB"), not as DuckDB prints it ("1.8 GiB").
        restore = store.memory_limit or before
        store.con.execute(f"SET memory_limit = '{restore}'")


def _insert_staged(store: Store, staged: _Scans, ingest_id: int) -> tuple[int, list[str]]:
    """Insert the staged records, in file order, leaving out ids already stored and
    repeats within the file (the first occurrence wins); (rows stored, their kinds).

    ``records`` has no key, so this is what keeps ``record_id`` unique. One look at the
    staged ids (a narrow scan) picks the cheapest of three plans:

    * every id already stored (a file ingested again): nothing to insert;
    * no repeats and no id stored (the usual first ingest): one plain ``INSERT …
      SELECT`` of everything staged, no join and no sort; a scan keeps file order
      under DuckDB's ``preserve_insertion_order`` (its default, which the store keeps);
    * otherwise the rows to keep (the first of each id not stored) are found on the
      narrow columns, then each staged row group is inserted in turn, filtered to them
      and sorted by row: no wide sort of the whole file.

    Measured against one ``INSERT … WHERE record_id NOT IN (…) QUALIFY row_number() …
    ORDER BY row``: 1M records into an empty store 75 s → 16 s, and it no longer runs
    out of memory at 3M (docs/performance.md, "Store settings").
    """
    if not staged.units:
        return 0, []
    cols = ", ".join(f'"{c}"' for c in OUTPUT_COLUMNS)
    row = f'"{ROW_COL}"'
    check = store.one(
        f"""
        SELECT count(*), count(DISTINCT record_id),
               count(*) FILTER (WHERE record_id IN (SELECT record_id FROM records))
        FROM {staged.whole}
        """
    )
    n, distinct, stored_before = (int(v) for v in check or (0, 0, 0))  # type: ignore[call-overload]
    if n == stored_before:
        return 0, []
    insert = f"INSERT INTO records ({cols}, ingest_id) SELECT {cols}, {int(ingest_id)} FROM "
    ordered = store.one("SELECT current_setting('preserve_insertion_order')") == (True,)
    if distinct == n and stored_before == 0 and ordered:
        stored = _changed(store, insert + staged.whole)
    else:
        store.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _tc_keep AS
            SELECT min(s.{row}) AS keep_row FROM {staged.whole} s
            WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.record_id = s.record_id)
            GROUP BY s.record_id
            """
        )
        stored = sum(
            _changed(
                store,
                insert + f"{unit} WHERE {row} IN (SELECT keep_row FROM _tc_keep) ORDER BY {row}",
            )
            for unit in staged.units
        )
        store.con.execute("DROP TABLE _tc_keep")
    kinds = store.con.execute(
        "SELECT DISTINCT kind FROM records WHERE ingest_id = ? ORDER BY kind", [int(ingest_id)]
    ).fetchall()
    return stored, [str(k) for (k,) in kinds]


def _read_parquet(paths: Sequence[Path]) -> str:
    return "read_parquet([{}])".format(
        ", ".join("'{}'".format(str(p).replace("'", "''")) for p in paths)
    )


def _row_links(frame: pl.DataFrame, queries: AnyMapping[str, Query]) -> pl.DataFrame:
    """The links of a batch of parsed records, each with the row of its record in the
    file: a record id may repeat in a file, and only its first row is stored."""
    from techcurve.match import match_rows  # noqa: PLC0415 - only when matching while ingesting

    links = match_rows(frame, queries, parallel=False)  # ingest runs batches side by side
    rows = links["row"]
    return pl.DataFrame(
        [frame[ROW_COL].gather(rows), frame["record_id"].gather(rows), links["subfield_id"],
         links["terms"]]
    )  # fmt: skip


def _insert_links(store: Store, staged: _Scans, ingest_id: int, *, every_row: bool) -> int:
    """Insert the staged links of the rows this ingest stored, in file order; how many.

    ``every_row``: every staged record was stored (no repeats, none stored before), so
    every link is kept; otherwise the links of the first row of each record id that
    this ingest stored."""
    if staged.links is None:
        return 0
    row = f'"{ROW_COL}"'
    sql = f"INSERT INTO matches SELECT record_id, subfield_id, terms FROM {staged.links}"
    if not every_row:
        sql += f"""
            WHERE {row} IN (
                SELECT min(s.{row}) FROM {staged.whole} s
                WHERE s.record_id IN (SELECT record_id FROM records WHERE ingest_id = {ingest_id})
                GROUP BY s.record_id)"""
    return _changed(store, sql)


def _changed(store: Store, sql: str) -> int:
    """Run an INSERT and return how many rows it inserted."""
    got = store.con.execute(sql).fetchall()
    return int(got[0][0]) if got else 0


def ingest_records(
    store: Store,
    paths: Sequence[str | Path],
    *,
    kind: str,
    profile: str | None = None,
    mapping: str | Path | dict[str, Any] | Mapping | None = None,
    rejects_dir: str | Path | None = None,
    dry_run: bool = False,
    as_of: date | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
    config: AnyMapping[str, Any] | None = None,
    taxonomy: Taxonomy | None = None,
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

    ``taxonomy``: match each file's records against it while they are read and store
    their links in the same transaction, when the store's links are current for it
    (:func:`techcurve.match.in_step`: no records yet, or matched with exactly these
    queries); the links are those :func:`~techcurve.match.match_store` would make.
    Files for which that does not hold are left for ``match_store``; run it after
    (the pipeline's ``ingest(…, taxonomy=…)`` does) and it re-matches only those.
    """
    as_of = as_of or date.today()
    money = _money(config)
    out_dir = Path(rejects_dir) if rejects_dir is not None else Path(store.path).parent / "rejects"
    summaries: list[IngestSummary] = []
    for path in paths:
        summaries.append(
            _ingest_one(
                store,
                Path(path),
                kind=kind,
                profile=profile,
                mapping=mapping,
                out_dir=out_dir,
                write=not dry_run or rejects_dir is not None,
                dry_run=dry_run,
                as_of=as_of,
                progress=progress,
                encoding=encoding,
                money=money,
                taxonomy=None if dry_run else taxonomy,
            )  # fmt: skip
        )
    return summaries


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


#: Parsed records and links a file's ingest holds in memory for the insert, at most
#: (Arrow bytes; less when the store's memory limit is lower); beyond it they are staged
#: as Parquet files. Held in memory, 1M benchmark records (0.8 GB) skip the files' lz4
#: compression and Parquet encoding and decoding, and the insert reads Arrow: 1.7 s /
#: 3.2 CPU s → 1.35 s / 2.6 CPU s (docs/performance.md).
STAGE_MEMORY = 2**30


@dataclass(frozen=True, slots=True)
class _Scans:
    """SQL table expressions of the staged records (all of them, and each row group)
    and of their links (``None``: no links were staged)."""

    whole: str
    units: list[str]
    links: str | None = None


class _Stage:
    """Parsed records and their links, held until the insert, in file order.

    Records are held in whole DuckDB row groups (the order-preserving insert then writes
    them in parallel; a smaller batch is merged serially), and links as they come: in
    memory up to ``memory`` bytes, and once past it as Parquet files in ``folder``, the
    held ones first, written on ``pool``.
    """

    def __init__(self, folder: Path, pool: ThreadPoolExecutor, memory: int = STAGE_MEMORY) -> None:
        self.folder = folder
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
    def scans(self, store: Store) -> Iterator[_Scans]:
        """The staged records as SQL table expressions, for as long as the block runs
        (in-memory row groups are registered with the store's connection meanwhile)."""
        if self._files:
            links = _read_parquet(self._link_files) if self._link_files else None
            yield _Scans(
                _read_parquet(self._files), [_read_parquet([f]) for f in self._files], links
            )
            return
        # Arrow string views are polars' own strings: handed over without a copy (as
        # large strings, 0.4 s and 0.8 GB more for 1M records)
        views = pl.CompatLevel.newest()
        tables = {
            f"_tc_stage_{i}": f.to_arrow(compat_level=views) for i, f in enumerate(self._memory)
        }
        if tables:
            tables["_tc_stage"] = pa.concat_tables(list(tables.values()))
        if self._links:
            tables["_tc_links"] = pa.concat_tables(
                [f.to_arrow(compat_level=views) for f in self._links]
            )
        try:
            for name, table in tables.items():
                store.con.register(name, table)
            units = [f"_tc_stage_{i}" for i in range(len(self._memory))]
            yield _Scans("_tc_stage", units, "_tc_links" if self._links else None)
        finally:
            for name in tables:
                store.con.unregister(name)

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
        # no column statistics: the insert scans whole files (0.24 → 0.20 s per group)
        self._writes.append(
            self.pool.submit(
                frame.write_parquet,
                name,
                compression="lz4",
                statistics=False,
                row_group_size=ROW_GROUP,
            )  # fmt: skip
        )


def _ingest_one(
    store: Store,
    path: Path,
    *,
    kind: str,
    profile: str | None,
    mapping: str | Path | dict[str, Any] | Mapping | None,
    out_dir: Path,
    write: bool,
    dry_run: bool,
    as_of: date,
    progress: Callable[[int], None] | None,
    encoding: str | None,
    money: MoneyConfig,
    taxonomy: Taxonomy | None,
) -> IngestSummary:
    started = datetime.now()
    with _file_hash(path) as sha_future:
        opened = _open(path, kind=kind, profile=profile, mapping=mapping, encoding=encoding)
        m = opened.mapping
        rejects: list[Reject] = []
        rows = stored = 0
        rejects_path: Path | None = None
        labels = opened.table.labels
        # Matched while read when the store's links are current for the taxonomy.
        queries = None
        if taxonomy is not None:
            from techcurve.match import in_step  # noqa: PLC0415 - only when matching while ingesting

            queries = taxonomy.queries if in_step(store, taxonomy) else None

        def parse(raw: pl.DataFrame) -> _Parsed:
            frame, rej = build_records(
                raw, m, path=str(path), kind=opened.kind, as_of=as_of, money=money
            )
            links = _row_links(frame, queries) if queries and frame.height else None
            return frame, rej, links

        def settle(done: tuple[int, Future[_Parsed]]) -> None:
            n_rows, future = done
            frame, rej, links = future.result()
            rejects.extend(_relabel(rej, labels))
            stage.add(frame, links)
            if progress is not None:
                progress(n_rows)

        # Parsed batches are held (_Stage: in memory up to a budget, then as Parquet files
        # beside the store), not inserted as they come: DuckDB keeps a transaction's
        # appends in memory (1M records: +0.7 GB, and no faster on two cores), while one
        # INSERT at the end streams under a memory limit. The store is untouched until
        # then, so an error or Ctrl-C while reading leaves it as it was.
        # Batches are parsed by a few threads (polars, Numba and the hash release the
        # GIL), at most one batch per thread in flight, while this thread reads the next.
        workers = ingest_workers()
        stage_root = Path(store.path).resolve().parent
        with (
            tempfile.TemporaryDirectory(prefix=".techcurve-ingest-", dir=stage_root) as tmp,
            ThreadPoolExecutor(workers, thread_name_prefix="techcurve-ingest") as pool,
        ):
            # what the store may use, it may hold: --memory-limit bounds this too
            limit = _size(store.memory_limit or "") or STAGE_MEMORY
            stage = _Stage(Path(tmp), pool, memory=int(min(STAGE_MEMORY, limit)))
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
            staged = stage.records
            sha = sha_future.result()
            try:
                # The limit is restored after the rollback: a SET inside a transaction that an
                # error aborted fails too ("transaction is aborted"), hiding the error.
                # (the staged records are registered before the transaction and dropped
                # after it: not inside one an error aborted)
                with (
                    _memory_limit(store, STORE_MEMORY_LIMIT),
                    stage.scans(store) as scans,
                    _transaction(store, dry_run),
                ):
                    ingest_id = store.next_ingest_id()
                    kinds: list[str] = []
                    if staged:
                        stored, kinds = _insert_staged(store, scans, ingest_id)
                    if queries is not None and taxonomy is not None and stored:
                        from techcurve.match import add_ingested_links  # noqa: PLC0415

                        every = stored == staged
                        links_stored = add_ingested_links(
                            store,
                            taxonomy,
                            lambda: _insert_links(store, scans, ingest_id, every_row=every),
                        )
                        log.info("%s: %d links stored while ingesting", path, links_stored)
                    if rejects and write:
                        rejects.sort(key=lambda r: r.row)
                        rejects_path = write_rejects(rejects, out_dir / f"{path.stem}.rejects.csv")
                    dups = staged - stored
                    summary = IngestSummary(
                        path=str(path),
                        kind=",".join(kinds) or opened.kind or m.kind or "",
                        profile=m.name,
                        rows_read=rows,
                        stored=stored,
                        duplicates=dups,
                        rejected=len(rejects),
                        rejects_path=str(rejects_path) if rejects_path else None,
                    )
                    store.con.execute(
                        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [ingest_id, str(path), summary.kind, m.name, sha, rows, stored, dups,
                         len(rejects), summary.rejects_path, started, datetime.now()],
                    )  # fmt: skip
            except duckdb.Error as e:
                raise StoreError(
                    f"{path}: the store refused the records ({e}); nothing was stored"
                ) from None
        log.info(
            "%s: %d rows read, %d stored, %d duplicate, %d rejected%s (%s)",
            path, rows, stored, summary.duplicates, len(rejects), " [dry run]" if dry_run else "", m.name,
        )  # fmt: skip
        return summary
