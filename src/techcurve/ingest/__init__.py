"""Ingest: record files (CSV/TSV, JSONL, XLSX, CNKI NoteExpress) → the ``records`` table.

Three entry points:

* :func:`ingest_records` parses files and stores their records, one transaction per
  file, and accounts for every row: stored, duplicate or rejected (rejects go to
  ``<rejects_dir>/<stem>.rejects.csv``); one ``ingest_log`` row per file.
* :func:`read_records` parses a file into a :class:`ReadResult` without a store.
* :func:`inspect_file` shows what techcurve sees: format, encoding, columns, profile
  and the first rows.

Which input column feeds which store field is a profile (``crunchbase``, ``itjuzi``,
``cnki``, ``generic``; detected from the columns) or a user mapping file
(:mod:`techcurve.ingest.profiles` documents both and the detection rules).

>>> from techcurve.store import Store                                  # doctest: +SKIP
>>> with Store.open("techcurve.duckdb") as st:                         # doctest: +SKIP
...     [s] = ingest_records(st, ["crunchbase-rounds.csv"], kind="financing")
...     s.stored, s.duplicates, s.rejected
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ..errors import IngestError, StoreError
from ..models import EvidenceKind, IngestSummary
from ..store import Store
from .base import ROW_COL, Inspection, ReadResult, Reject, Rejection
from .cnki import open_cnki
from .dates import ParsedDate, parse_date
from .money import Amount, normalize_round, parse_amount
from .profiles import (
    KINDS,
    PROFILES,
    Mapping,
    detect_profile,
    load_mapping,
    profile_mapping,
)
from .readers import Table, open_csv, open_jsonl, open_xlsx
from .records import OUTPUT_COLUMNS, build_records
from .sniff import check_file, detect_encoding, detect_format, read_sample, sha256_file

__all__ = [
    "PROFILES",
    "Amount",
    "Inspection",
    "Mapping",
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
    if fmt is None:
        enc_guess = (
            "utf-8" if sample.startswith(b"PK\x03\x04") else detect_encoding(path, sample, override)
        )
        fmt = detect_format(path, sample, enc_guess)
    if fmt == "xlsx":
        return open_xlsx(path, mapping.sheet if mapping else None)
    enc = detect_encoding(path, sample, override)
    if fmt == "cnki":
        return open_cnki(path, enc)
    if fmt == "jsonl":
        return open_jsonl(path, enc)
    return open_csv(path, fmt, enc, mapping.delimiter if mapping else None)


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


FORMAT_PROFILES = ("csv", "tsv", "jsonl", "xlsx")


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
    return detect_profile(table.columns, table.format, str(p))


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
) -> ReadResult:
    """Parse one file into store records without a store.

    Rows repeating an earlier row's ``record_id`` count as duplicates and are left out
    of ``frame``; ``as_of`` (default today) rejects dates after it.

    >>> r = read_records("rounds.csv", kind="financing")                # doctest: +SKIP
    >>> r.frame.height + r.duplicates + len(r.rejects) == r.rows_read  # doctest: +SKIP
    True
    """
    opened = _open(path, kind=kind, profile=profile, mapping=mapping, encoding=encoding)
    as_of = as_of or date.today()
    frames: list[pl.DataFrame] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    rows = dups = 0
    for batch in opened.table.batches:
        rows += batch.rows
        rejects.extend(batch.rejects)
        frame, rej = build_records(
            batch.frame, opened.mapping, path=str(path), kind=opened.kind, as_of=as_of
        )
        rejects.extend(rej)
        ids = frame.get_column("record_id").to_list()
        keep = []
        for rid in ids:
            keep.append(rid not in seen)
            seen.add(rid)
        dups += len(ids) - sum(keep)
        frames.append(frame.filter(pl.Series(keep, dtype=pl.Boolean)).drop(ROW_COL))
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
) -> Inspection:
    """What techcurve sees in a file: format, encoding, delimiter, columns, the profile
    that fits (or ``None``), the first ``n`` raw rows and the same rows as records.

    Never stores anything; an unreadable file still raises :class:`IngestError`.
    """
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
            frame, rej = build_records(raw, resolved, path=str(p), kind=rk, as_of=date.today())
            records, rejects = frame, tuple(rej)
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


def _existing(store: Store, ids: pl.Series) -> pl.Series:
    """The ids among ``ids`` already in the store's records table."""
    if ids.len() == 0:
        return ids
    store.con.register("_tc_ids", pl.DataFrame({"record_id": ids}).to_arrow())
    try:
        got = store.con.execute(
            "SELECT r.record_id FROM records r JOIN _tc_ids i USING (record_id)"
        ).fetchall()
    finally:
        store.con.unregister("_tc_ids")
    return pl.Series("record_id", [g[0] for g in got], dtype=pl.Utf8)


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
) -> list[IngestSummary]:
    """Parse ``paths`` and store their records; one summary per file.

    ``kind``: patent, paper, article or financing (``auto`` = what the profile or
    mapping says). ``profile``/``mapping``: see :mod:`techcurve.ingest.profiles`
    (detected when both are ``None``). ``rejects_dir``: where ``<stem>.rejects.csv``
    goes (default: ``rejects/`` beside the store). ``dry_run``: parse and check
    everything inside the transaction, then roll back and write no rejects file
    (unless ``rejects_dir`` is given). ``as_of`` (default today): later dates are
    rejected. ``progress`` is called with the number of rows read after each batch.

    Each file is one transaction: an error rolls back that file only (files before it
    stay stored). Re-ingesting a file stores nothing new: its rows are duplicates.
    """
    as_of = as_of or date.today()
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
            )  # fmt: skip
        )
    return summaries


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
) -> IngestSummary:
    started = datetime.now()
    opened = _open(path, kind=kind, profile=profile, mapping=mapping, encoding=encoding)
    m = opened.mapping
    sha = sha256_file(path)
    rejects: list[Reject] = []
    rows = stored = dups = 0
    kinds: set[str] = set()
    rejects_path: Path | None = None
    try:
        with _transaction(store, dry_run):
            ingest_id = store.next_ingest_id()
            for batch in opened.table.batches:
                rows += batch.rows
                rejects.extend(batch.rejects)
                frame, rej = build_records(
                    batch.frame, m, path=str(path), kind=opened.kind, as_of=as_of
                )
                rejects.extend(rej)
                first = frame.get_column("record_id").is_first_distinct()
                dups += frame.height - int(first.sum())
                frame = frame.filter(first)
                old = _existing(store, frame.get_column("record_id"))
                new = frame.filter(~pl.col("record_id").is_in(old.implode()))
                dups += frame.height - new.height
                store.append(
                    "records",
                    new.drop(ROW_COL).with_columns(
                        pl.lit(ingest_id, dtype=pl.Int64).alias("ingest_id")
                    ),
                )
                stored += new.height
                kinds.update(new.get_column("kind").unique().to_list())
                if progress is not None:
                    progress(batch.rows)
            if rejects and write:
                rejects.sort(key=lambda r: r.row)
                rejects_path = write_rejects(rejects, out_dir / f"{path.stem}.rejects.csv")
            summary = IngestSummary(
                path=str(path),
                kind=",".join(sorted(kinds)) or opened.kind or m.kind or "",
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
    finally:
        opened.table.close()
    log.info(
        "%s: %d rows read, %d stored, %d duplicate, %d rejected%s (%s)",
        path, rows, stored, dups, len(rejects), " [dry run]" if dry_run else "", m.name,
    )  # fmt: skip
    return summary
