"""Opening a record file: its format and encoding, the reader, the profile or mapping
that says which column feeds which store field, and the checks that they fit; and
:func:`read_records`, which parses a file into store records without a store.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.config import load_config, section
from techcurve.datatypes import EvidenceKind
from techcurve.errors import IngestError, phrase
from techcurve.ingest.base import ROW_COL, ReadResult, Reject
from techcurve.ingest.cnki import open_cnki
from techcurve.ingest.jsonfiles import open_json, open_jsonl
from techcurve.ingest.money import MoneyConfig, money_config
from techcurve.ingest.profiles import (
    KINDS,
    PROFILE_FORMATS,
    PROFILES,
    Mapping,
    detect_profile,
    load_mapping,
    profile_mapping,
)
from techcurve.ingest.readers import Table, open_csv, open_parquet
from techcurve.ingest.records import OUTPUT_COLUMNS, build_records
from techcurve.ingest.rejects import relabel
from techcurve.ingest.sniff import check_file, detect_encoding, detect_format, read_sample
from techcurve.ingest.spreadsheets import open_xls, open_xlsx
from techcurve.ingest.tagged import TAGGED_FORMATS, open_tagged

log = logging.getLogger(__name__)

#: Formats that can be named as a profile: read with the generic profile.
FORMAT_PROFILES = ("csv", "tsv", "jsonl", "json", "xlsx", "xls", "parquet")

#: What a mapping argument may be: a YAML file, its contents, or a loaded mapping.
MappingArg = str | Path | dict[str, Any] | Mapping


@dataclass(frozen=True, slots=True)
class OpenedFile:
    """A record file opened for reading, with the mapping that reads it."""

    table: Table
    mapping: Mapping
    kind: str | None  # the kind rows get when the mapping fixes none
    unused: tuple[str, ...] = ()  # the file's columns no field reads


#: Formats whose columns are the user's own (tagged formats have derived ones).
TABULAR = ("csv", "tsv", "jsonl", "json", "xlsx", "xls", "parquet")


def unused_columns(table: Table, m: Mapping) -> tuple[str, ...]:
    """The columns of a table-like file that the mapping reads into no field (said in
    the ingest summary and by ``inspect``: never dropped silently)."""
    if table.format not in TABULAR or m.name == "openalex":
        return ()
    used = set(m.columns())
    return tuple(c for c in table.columns if c not in used and not c.startswith("_"))


def check_kind(kind: str | None) -> str | None:
    """``kind`` as a record kind, or ``None`` for ``auto``/none."""
    if kind is None or kind == "auto":
        return None
    k = str(kind).strip().lower()
    if k == EvidenceKind.ATTENTION.value:
        raise IngestError.of("ingest.attention_is_counts")
    if k not in KINDS:
        raise IngestError.of("ingest.unknown_kind", kind=kind, kinds=", ".join(KINDS))
    return k


def check_profile(profile: str | None) -> None:
    if profile is not None and profile not in PROFILES and profile not in FORMAT_PROFILES:
        raise IngestError.of("ingest.unknown_profile", profile=profile, profiles=", ".join(PROFILES), formats=", ".join(FORMAT_PROFILES))  # fmt: skip


def _file_format(path: Path, sample: bytes, mapping: Mapping | None, override: str | None,
                 profile: str | None) -> str:  # fmt: skip
    """The format to read ``path`` as: the mapping's, a format named as profile, else
    detected (a tagged profile reads a CSV-looking file as its own format)."""
    fmt = mapping.format if mapping and mapping.format else None
    if fmt is None and profile in FORMAT_PROFILES:
        fmt = profile
    if fmt is not None:
        return fmt
    binary = sample.startswith((b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0"))
    if not binary and path.suffix.lower() in (".xlsx", ".xlsm"):
        raise IngestError.of("ingest.not_xlsx", path=str(path))
    enc_guess = "utf-8" if binary else detect_encoding(path, sample, override)
    fmt = detect_format(path, sample, enc_guess)
    wanted = PROFILE_FORMATS.get(profile or "")
    if wanted is not None and fmt != wanted:
        # A tagged profile reads a file whose first line says nothing (e.g. a
        # preamble line), but not one that clearly is another format.
        if fmt not in ("csv", "tsv"):
            raise IngestError.of(
                "ingest.profile_wrong_format",
                profile=profile,
                wanted=wanted,
                fmt=fmt,
                path=str(path),
            )
        fmt = wanted
    return fmt


def open_table(
    path: Path, mapping: Mapping | None, encoding: str | None, profile: str | None = None,
    fallback_encoding: str | None = None,
) -> Table:  # fmt: skip
    """The reader of ``path`` (format and encoding detected unless given); CSV/TSV lines
    that do not decode are decoded with ``fallback_encoding`` (else rejected)."""
    sample = read_sample(path)
    if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestError.of("ingest.empty_file", path=str(path))
    fallback = detect_encoding(path, sample, fallback_encoding) if fallback_encoding else None
    override = encoding or (mapping.encoding if mapping else None)
    fmt = _file_format(path, sample, mapping, override, profile)
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
        return open_jsonl(path, enc, fallback)
    if fmt == "json":
        return open_json(path, enc)
    return open_csv(path, fmt, enc, mapping.delimiter if mapping else None, fallback)


def money_settings(config: AnyMapping[str, Any] | None) -> MoneyConfig:
    """The amount settings of a loaded config (default: the shipped config file)."""
    cfg = dict(config) if config is not None else load_config()
    return money_config(section(cfg, "ingest"))


def resolve_mapping(profile: str | None, table: Table, p: Path) -> Mapping:
    """The profile's mapping for ``table`` (detected when ``profile`` is None)."""
    if profile in FORMAT_PROFILES:
        profile = "generic"
    if profile:
        return profile_mapping(profile, table.columns, table.format, str(p))
    return detect_profile(table.columns, table.format, str(p), table.hint)


def check_columns(table: Table, m: Mapping, path: Path) -> None:
    have = set(table.columns)
    if m.origin != "profile":
        who = phrase("ingest.named_by_mapping")
    else:
        who = phrase("ingest.named_by_profile", profile=m.name)
    for col in m.columns():
        if col not in have:
            raise IngestError.of(
                "ingest.column_missing",
                name=col,
                who=who,
                columns=", ".join(table.columns) or phrase("ingest.no_columns"),
                path=str(path),
                column=None,
            )


def _check_mapping_kind(m: Mapping, k: str | None, p: Path) -> None:
    """That the kind asked for (``k``) fits what the mapping holds."""
    if m.kind is not None and k is not None and k != m.kind:
        key = "ingest.profile_holds_kind" if m.origin == "profile" else "ingest.mapping_holds_kind"
        raise IngestError.of(key, name=m.name, holds=m.kind, kind=k, path=str(p))
    if m.kind is None and "kind" not in m.fields and k is None:
        raise IngestError.of("ingest.say_the_kind", kinds=", ".join(KINDS), path=str(p))
    if m.kind is None and k is not None and k not in m.kinds:
        raise IngestError.of(
            "ingest.profile_holds_kinds",
            name=m.name,
            holds=" and ".join(m.kinds),
            kind=k,
            path=str(p),
        )


def open_file(
    path: str | Path,
    *,
    kind: str | None,
    profile: str | None,
    mapping: MappingArg | None,
    encoding: str | None = None,
    fallback_encoding: str | None = None,
) -> OpenedFile:
    """Open a record file for ingest: its reader and the mapping that fits it."""
    p = Path(path)
    check_file(p)
    k = check_kind(kind)
    m = load_mapping(mapping) if mapping is not None else None
    check_profile(profile)
    table = open_table(p, m, encoding, profile, fallback_encoding)
    try:
        if m is None:
            m = resolve_mapping(profile, table, p)
        check_columns(table, m, p)
        _check_mapping_kind(m, k, p)
    except BaseException:
        table.close()
        raise
    for note in table.notes:
        log.info("%s: %s", p, note.say("en"))
    return OpenedFile(table, m, k if m.kind is None else m.kind, unused_columns(table, m))


def read_records(
    path: str | Path,
    *,
    kind: str,
    profile: str | None = None,
    mapping: MappingArg | None = None,
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
    money = money_settings(config)
    opened = open_file(path, kind=kind, profile=profile, mapping=mapping, encoding=encoding)
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
            rejects.extend(relabel(rej, opened.table.labels))
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
