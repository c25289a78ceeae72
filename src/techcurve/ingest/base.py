"""Value types shared by the ingest readers: rejects, parse results, inspections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from techcurve.errors import Phrase, TechcurveError
from techcurve.text import Lang

# Every row a reader yields carries its position in the file in this column: the line
# (CSV, JSONL) or spreadsheet row (XLSX, XLS) where a user finds it, header = 1; the
# line a record starts on (tagged bibliographic formats); the record's 1-based position
# (JSON arrays, Parquet).
ROW_COL = "_row"

#: Every format a reader exists for (``techcurve inspect`` shows which one a file is).
FORMATS = ("csv", "tsv", "jsonl", "json", "xlsx", "xls", "parquet", "cnki", "ris", "wos",
           "endnote", "refworks", "estudy")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reject:
    """One input row that was not stored, and why.

    ``row`` is the line (CSV, JSONL, CNKI) or spreadsheet row (XLSX) a user would
    look at, counting the header as 1; ``column`` is the input column (or CNKI field)
    that held the offending ``value``, or ``None`` when the whole row is broken.
    """

    path: str
    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """A value that could not be parsed (a typed result, never raised)."""

    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A file parsed into store records without touching a store.

    ``frame`` holds :data:`techcurve.store.RECORD_COLUMNS` except ``ingest_id``;
    ``rows_read == frame.height + duplicates + len(rejects)``.
    """

    frame: pl.DataFrame
    rejects: list[Reject]
    rows_read: int
    profile: str
    encoding: str
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class Inspection:
    """What techcurve sees in a file before ingesting it."""

    path: str
    format: str
    encoding: str
    delimiter: str | None
    columns: tuple[str, ...]
    profile: str | None  # detected or given; None = no profile fits
    kind: str | None
    rows: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # first raw rows
    records: pl.DataFrame | None = None  # the same rows as store records (if a profile fits)
    rejects: tuple[Reject, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)  # quirks detected and fixed
    #: the mapping chosen: (store field, the column(s) or constant feeding it)
    mapping: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    unused: tuple[str, ...] = field(default_factory=tuple)  # columns no field reads
    #: the notes as catalogue phrases or errors, to be said in another language
    said_notes: tuple[Phrase | TechcurveError, ...] = field(
        default_factory=tuple, compare=False, repr=False
    )

    def notes_in(self, lang: Lang) -> tuple[str, ...]:
        """:attr:`notes` in ``lang``."""
        if len(self.said_notes) != len(self.notes):
            return self.notes
        return tuple(
            n.say(lang) if isinstance(n, Phrase) else n.message(lang) for n in self.said_notes
        )
