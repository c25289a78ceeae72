"""Partitioned Parquet export of the store: what a cluster reads.

Layout of an export directory::

    manifest.json                 watermark, record count, files, columns
    records/part-00000.parquet    at most ``rows_per_file`` records each
    records/part-00001.parquet    …

Only the columns the match and indicator stages read are written
(:data:`EXPORT_COLUMNS`). Counts, count matches and the taxonomy stay in the store:
they are small and the client reads them from there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from techcurve.errors import StoreError
from techcurve.match import iter_record_batches
from techcurve.store import Store
from techcurve.store.indicators import record_watermark

log = logging.getLogger(__name__)

#: Record columns an export holds: the matcher's text and the indicators' fields.
EXPORT_COLUMNS = (
    "record_id", "title", "abstract", "keywords", "sector", "ipc",
    "kind", "source", "venue", "date", "year",
    "amount_point_cny", "amount_low_cny", "amount_high_cny", "ingest_id",
)  # fmt: skip
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What :func:`export_parquet` wrote (also stored as ``manifest.json``)."""

    directory: str
    files: tuple[str, ...]  # relative to ``directory``
    records: int
    watermark: int  # the highest ingest_id exported
    columns: tuple[str, ...]


def export_parquet(
    db: str | Path,
    out_dir: str | Path,
    *,
    rows_per_file: int = 1_000_000,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the store's records as Parquet files of at most ``rows_per_file`` rows.

    Files of an earlier export in ``out_dir/records`` are replaced. The store is
    opened read-only and records are streamed, so memory stays flat.
    """
    if rows_per_file < 1:
        raise StoreError.of("indicators.scaleout.rows_per_file", rows=rows_per_file)
    out = Path(out_dir)
    rec_dir = out / "records"
    rec_dir.mkdir(parents=True, exist_ok=True)
    for old in rec_dir.glob("part-*.parquet"):
        old.unlink()
    files: list[str] = []
    done = 0
    with Store.open(db, read_only=True) as st:
        total = st.count("records")
        watermark = record_watermark(st)
        cols = list(EXPORT_COLUMNS)
        pending: list[pl.DataFrame] = []
        held = 0

        def flush(final: bool) -> None:
            nonlocal pending, held, done
            frame = pl.concat(pending) if pending else None
            pending, held = [], 0
            while frame is not None and (frame.height >= rows_per_file or (final and frame.height)):
                part, frame = frame.head(rows_per_file), frame.slice(rows_per_file)
                name = f"records/part-{len(files):05d}.parquet"
                part.write_parquet(out / name, compression="zstd", statistics=True)
                files.append(name)
                done += part.height
                if progress:
                    progress(done, total)
            if frame is not None and frame.height:
                pending, held = [frame], frame.height

        # DuckDB hands out batches of its own size: gather them into files of exactly
        # rows_per_file records (the last one smaller).
        for batch in iter_record_batches(st, cols, rows=min(rows_per_file, 500_000)):
            pending.append(batch)
            held += batch.height
            if held >= rows_per_file:
                flush(final=False)
        flush(final=True)
    result = ExportResult(str(out), tuple(files), done, watermark, tuple(cols))
    (out / MANIFEST).write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    log.info("exported %d records to %d Parquet files in %s", done, len(files), out)
    return result


def read_manifest(directory: str | Path) -> ExportResult:
    """The manifest of an export directory; :class:`StoreError` if there is none."""
    d = Path(directory)
    path = d / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError.of("scaleout.not_an_export", directory=d, manifest=MANIFEST) from None
    except (OSError, ValueError) as e:
        raise StoreError.of("indicators.scaleout.unreadable_manifest", path=path, error=e) from None
    result = ExportResult(
        directory=str(d),
        files=tuple(data["files"]),
        records=int(data["records"]),
        watermark=int(data["watermark"]),
        columns=tuple(data["columns"]),
    )
    missing = [c for c in EXPORT_COLUMNS if c not in result.columns]
    if missing:
        raise StoreError.of("scaleout.older_export", directory=d, columns=", ".join(missing))
    return result
