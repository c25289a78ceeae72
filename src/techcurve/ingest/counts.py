"""Count-level evidence: how many hits a term got in a database per year (or month).

This is how the original report gathered most of its numbers: a keyword search in a
paper or patent database and the number of hits per year. Each input row becomes one
row of the store's ``counts`` table, keyed by ``(source, term, kind, year, month)``
(``month`` 0 = the whole year), with the period's ``total`` over all terms where the
source publishes one, so later stages compare shares instead of raw counts. The file
layouts (profiles) and how each is read: :mod:`.count_files`.

Explicit ``kind=`` and ``source=`` arguments override what the file or profile says;
``term=`` is only allowed where the file has no term column.

Every input row ends in exactly one place:

* **stored** — a new ``(source, term, kind, year, month)``;
* **duplicate** — that key is already in the store, or appeared earlier in the same
  file with the same count and total (the first occurrence wins);
* **rejected** — written to ``<store dir>/rejects/<stem>.rejects.csv`` (columns
  ``file,row,column,value,reason``, as for record files) because of an empty term, an
  unknown kind, a year outside 1800–2100, a month outside 0–12, a count that is not a
  number ≥ 0, a count above the period total, or a repeat of an earlier row of the
  same file with a *different* value.

Each file is ingested in one transaction together with its ``ingest_log`` row, so
re-ingesting a file is idempotent (everything comes back as a duplicate).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.datatypes import EvidenceKind, IngestSummary
from techcurve.errors import ChoiceError, IngestError
from techcurve.ingest.base import Reject
from techcurve.ingest.count_files import PROFILES, RAW_COLUMNS, detect_profile, read_raw_counts
from techcurve.ingest.rejects import REJECT_COLUMNS, write_rejects
from techcurve.store import COUNT_COLUMNS, Store
from techcurve.store.ingest import COUNT_KEY, append_counts, log_ingest, stored_count_keys
from techcurve.text import t

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1800, 2100

#: The columns of :attr:`CountsResult.frame`: a row number, then the count columns.
FRAME_COLUMNS: dict[str, pl.DataType] = {"row": pl.Int64()} | {
    k: v for k, v in COUNT_COLUMNS.items() if k not in ("term_norm", "ingest_id")
}
_KEY = list(COUNT_KEY)


@dataclass(frozen=True, slots=True)
class CountsResult:
    """One count file, read and validated but not stored.

    ``frame`` has :data:`FRAME_COLUMNS` (``row`` = the input row number, then
    ``source, term, kind, year, month, count, total``) with one row per distinct key;
    ``rejects`` has :data:`~techcurve.ingest.rejects.REJECT_COLUMNS`; ``duplicates``
    counts rows that repeat an earlier row of the same file.
    ``rows_read = frame.height + duplicates + rejects.height``.
    """

    path: str
    profile: str
    frame: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    duplicates: int = 0


# -- validation ---------------------------------------------------------------------------


def _typed(raw: pl.DataFrame) -> pl.DataFrame:
    """The raw text columns stripped, with the numbers parsed beside them (null: not one)."""
    return raw.with_columns(pl.col(c).str.strip_chars() for c in RAW_COLUMNS).with_columns(
        pl.col("kind").str.to_lowercase(),
        pl.col("year").str.to_integer(strict=False).alias("_year"),
        pl.when(pl.col("month").is_null() | (pl.col("month") == ""))
        .then(pl.lit(0, pl.Int64))
        .otherwise(pl.col("month").str.to_integer(strict=False))
        .alias("_month"),
        pl.col("count").cast(pl.Float64, strict=False).alias("_count"),
        pl.col("total").cast(pl.Float64, strict=False).alias("_total"),
    )


def _checks() -> list[tuple[str, pl.Expr, str]]:
    """(column, condition of a bad row, reason), in the order they are applied."""
    kinds = [k.value for k in EvidenceKind]
    total_given = pl.col("total").is_not_null() & (pl.col("total") != "")
    bad_total = pl.col("_total").is_null() | ~pl.col("_total").is_finite() | (pl.col("_total") < 0)
    return [
        ("source", pl.col("source").is_null() | (pl.col("source") == ""),
         t("ingest.counts_empty_source", "en")),
        ("term", pl.col("term").is_null() | (pl.col("term") == ""),
         t("ingest.counts_empty_term", "en")),
        ("kind", pl.col("kind").is_null() | ~pl.col("kind").is_in(kinds),
         t("ingest.counts_unknown_kind", "en", kinds=", ".join(kinds))),
        ("year", pl.col("_year").is_null() | ~pl.col("_year").is_between(MIN_YEAR, MAX_YEAR),
         t("ingest.counts_bad_year", "en", low=MIN_YEAR, high=MAX_YEAR)),
        ("month", pl.col("_month").is_null() | ~pl.col("_month").is_between(0, 12),
         t("ingest.counts_bad_month", "en")),
        ("count", pl.col("_count").is_null() | ~pl.col("_count").is_finite(),
         t("ingest.counts_not_a_number", "en")),
        ("count", pl.col("_count") < 0, t("ingest.counts_negative", "en")),
        ("total", total_given & bad_total, t("ingest.counts_bad_total", "en")),
        ("count", pl.col("_total").is_not_null() & (pl.col("_count") > pl.col("_total")),
         t("ingest.counts_above_total", "en")),
    ]  # fmt: skip


def _first_failure(s: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """``s`` with ``_rcol, _rval, _reason``: the first failed check of each row (the
    reader's own reject first), named by the input column; null when all pass."""
    # A when/then chain whose first true branch names the failed check.
    read_error = pl.col("_err_reason").is_not_null()
    chain_col: Any = pl.when(read_error).then(pl.col("_err_col"))
    chain_val: Any = pl.when(read_error).then(pl.col("_err_val"))
    chain_reason: Any = pl.when(read_error).then(pl.col("_err_reason"))
    for col, cond, reason in _checks():
        value = pl.col(col) if col in RAW_COLUMNS else pl.lit(None, pl.Utf8)
        chain_col = chain_col.when(cond).then(pl.lit(names.get(col, col)))
        chain_val = chain_val.when(cond).then(value)
        chain_reason = chain_reason.when(cond).then(pl.lit(reason))
    return s.with_columns(
        chain_col.otherwise(None).alias("_rcol"),
        chain_val.otherwise(None).alias("_rval"),
        chain_reason.otherwise(None).alias("_reason"),
    )


def _validate(
    path: str, raw: pl.DataFrame, names: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows and rejects (first failing check per row)."""
    s = _first_failure(_typed(raw), names)
    rejects = s.filter(pl.col("_reason").is_not_null()).select(
        pl.lit(path).alias("file"),
        pl.col("row").cast(pl.Int64),
        pl.col("_rcol").alias("column"),
        pl.col("_rval").alias("value"),
        pl.col("_reason").alias("reason"),
    )
    good = s.filter(pl.col("_reason").is_null()).select(
        pl.col("row").cast(pl.Int64),
        "source",
        "term",
        "kind",
        pl.col("_year").cast(pl.Int32).alias("year"),
        pl.col("_month").cast(pl.Int32).alias("month"),
        pl.col("_count").alias("count"),
        pl.col("_total").alias("total"),
    )
    return good, rejects


def _dedupe(path: str, good: pl.DataFrame) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """First occurrence of each key; later equal repeats are duplicates, differing ones rejects."""
    ranked = good.sort("row").with_columns(
        pl.col("row").first().over(_KEY).alias("_first"),
        pl.col("count").first().over(_KEY).alias("_fcount"),
        pl.col("total").first().over(_KEY).alias("_ftotal"),
    )
    first = ranked.filter(pl.col("row") == pl.col("_first"))
    later = ranked.filter(pl.col("row") != pl.col("_first"))
    same = (pl.col("count") == pl.col("_fcount")) & pl.col("total").eq_missing(pl.col("_ftotal"))
    conflicts = later.filter(~same).select(
        pl.lit(path).alias("file"),
        pl.col("row"),
        pl.lit("count").alias("column"),
        pl.col("count").cast(pl.Utf8).alias("value"),
        pl.format(t("ingest.counts_repeat", "en", row="{}"), pl.col("_first")).alias("reason"),
    )
    return first.select(list(FRAME_COLUMNS)), later.height - conflicts.height, conflicts


# -- reading ------------------------------------------------------------------------------


def _check_arguments(
    p: Path, profile: str | None, kind: str | None, term: str | None
) -> tuple[str, str | None]:
    """The profile (detected when None) and the kind (parsed) of a count file to read."""
    if p.is_dir():
        raise IngestError.of("ingest.counts_is_a_folder", path=str(p))
    if not p.is_file():
        raise IngestError.of("ingest.no_such_file", path=str(p))
    if profile is None:
        profile = detect_profile(p)
    elif profile not in PROFILES:
        raise IngestError.of(
            "ingest.counts_unknown_profile",
            profile=profile,
            profiles=", ".join(PROFILES),
            path=str(p),
        )
    if kind is not None:
        try:
            kind = EvidenceKind.parse(kind).value
        except ChoiceError as e:
            raise IngestError.of("ingest.counts_bad_kind", error=e, path=str(p)) from None
    if term is not None and profile not in ("google-trends", "long-csv"):
        raise IngestError.of("ingest.counts_term_not_allowed", profile=profile, path=str(p))
    return profile, kind


def read_counts(
    path: str | Path,
    *,
    profile: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    term: str | None = None,
) -> CountsResult:
    """Read and validate one count file without touching a store.

    >>> r = read_counts("tests/data/counts/google_trends/ML.csv")   # doctest: +SKIP
    >>> r.frame.select("term", "year", "month", "count").row(0)      # doctest: +SKIP
    ('machine learning', 2010, 1, 7.0)

    Raises :class:`IngestError` when the file as a whole cannot be read (missing,
    unknown layout, missing columns); bad rows end in ``rejects`` instead.
    """
    p = Path(path)
    profile, kind = _check_arguments(p, profile, kind, term)
    raw, names = read_raw_counts(p, profile, kind, term)
    overrides = {k: v for k, v in (("kind", kind), ("source", source)) if v is not None}
    if overrides:
        raw = raw.with_columns(pl.lit(v, pl.Utf8).alias(k) for k, v in overrides.items())
    good, rejects = _validate(str(p), raw, names)
    frame, duplicates, conflicts = _dedupe(str(p), good)
    rejects = pl.concat([rejects, conflicts]).sort("row")
    return CountsResult(
        path=str(p),
        profile=profile,
        frame=frame,
        rejects=rejects,
        rows_read=raw.height,
        duplicates=duplicates,
    )


# -- storing ------------------------------------------------------------------------------


def _term_norm(terms: pl.Series) -> pl.Series:
    from techcurve.normalize import normalize

    uniq = terms.unique().to_list()
    mapping = {term: normalize(term) for term in uniq}
    return terms.replace_strict(mapping, return_dtype=pl.Utf8)


def rejects_path_for(store: Store, path: str | Path) -> Path:
    """Where the rejects of ``path`` go: ``<store dir>/rejects/<stem>.rejects.csv``."""
    return Path(store.path).parent / "rejects" / f"{Path(path).stem}.rejects.csv"


def _write_count_rejects(store: Store, p: Path, rejects: pl.DataFrame) -> Path | None:
    """Write the file's rejects (or remove a stale rejects file of an earlier run)."""
    target = rejects_path_for(store, p)
    if rejects.height:
        return write_rejects(
            [Reject(*r) for r in rejects.select(REJECT_COLUMNS).iter_rows()], target
        )
    if target.exists():
        target.unlink()  # stale rejects of an earlier run of this file
    return None


def _ingest_count_file(
    store: Store, p: Path, res: CountsResult, kind: str | None, dry_run: bool, started: datetime
) -> IngestSummary:
    """Store one read count file's new keys and log it (nothing when ``dry_run``)."""
    frame = res.frame.drop("row")
    stored_keys = stored_count_keys(store, frame) if frame.height else frame.select(_KEY)
    new = frame.join(stored_keys, on=_KEY, how="anti", nulls_equal=True)
    rejects_path = None if dry_run else _write_count_rejects(store, p, res.rejects)
    summary = IngestSummary(
        path=str(p),
        kind=",".join(sorted(set(res.frame["kind"].to_list()))) or (kind or ""),
        profile=res.profile,
        rows_read=res.rows_read,
        stored=new.height,
        duplicates=res.duplicates + (frame.height - new.height),
        rejected=res.rejects.height,
        rejects_path=str(rejects_path) if rejects_path else None,
    )
    if not dry_run:
        sha = hashlib.sha256(p.read_bytes()).hexdigest()
        with store.transaction():
            ingest_id = store.next_ingest_id()
            rows = new.with_columns(
                _term_norm(new["term"]).alias("term_norm"),
                pl.lit(ingest_id, pl.Int64).alias("ingest_id"),
            ).select(list(COUNT_COLUMNS))
            append_counts(store, rows)
            log_ingest(store, ingest_id, summary, sha256=sha, started=started,
                       finished=datetime.now())  # fmt: skip
    return summary


def ingest_counts(
    store: Store,
    paths: Sequence[str | Path],
    *,
    profile: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    term: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[IngestSummary]:
    """Ingest count files into the store's ``counts`` table, one transaction per file.

    Returns one :class:`IngestSummary` per file (rows read = stored + duplicates +
    rejected). ``dry_run`` reads, validates and compares with the store but writes
    nothing (no counts, no log row, no rejects file). ``progress`` is called with the
    number of rows read after each file.

    >>> with Store.open("my.duckdb") as st:                                 # doctest: +SKIP
    ...     [s.stored for s in ingest_counts(st, ["paper_dict.json"])]
    [18760]
    """
    summaries: list[IngestSummary] = []
    for path in paths:
        started = datetime.now()
        p = Path(path)
        res = read_counts(p, profile=profile, kind=kind, source=source, term=term)
        summary = _ingest_count_file(store, p, res, kind, dry_run, started)
        log.info(
            "%s (%s): %d rows read, %d stored, %d duplicates, %d rejected%s",
            p, res.profile, summary.rows_read, summary.stored, summary.duplicates,
            summary.rejected, " (dry run)" if dry_run else "",
        )  # fmt: skip
        summaries.append(summary)
        if progress is not None:
            progress(res.rows_read)
    return summaries
