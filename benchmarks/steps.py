"""Benchmark steps that run in a child process of their own (``python -m benchmarks.steps``).

Each step prints one JSON object on its last stdout line; the parent (``benchmarks``)
measures the child's wall time and peak RSS with ``os.wait4``, so one step's memory
never hides in another's.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def corpus(path: str, rows: int, taxonomy: str, start: int = 0) -> dict[str, Any]:
    """Write the seeded corpus CSV."""
    from .corpus import write_corpus

    c = write_corpus(Path(path), rows, Path(taxonomy), start=start)
    return {"rows": c.rows, "bytes": c.bytes}


def full_corpus(path: str, rows: int) -> dict[str, Any]:
    """Write the corpus of recombined real titles (``benchmarks/corpus_full.py``)."""
    from .corpus_full import write_full_corpus

    c = write_full_corpus(Path(path), rows)
    return {"rows": c.rows, "bytes": c.bytes}


def duckdb_read_csv(path: str) -> dict[str, Any]:
    """DuckDB's bare ``read_csv`` of the file into a table (the reference for ingest)."""
    import duckdb

    def run() -> int:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
        row = con.execute("SELECT count(*) FROM t").fetchone()
        con.close()
        return int(row[0]) if row else 0

    seconds, n = _best(run, 2)
    return {"seconds": seconds, "rows": n}


def match_vs_grep(db: str, taxonomy: str, work: str, repeat: int = 3) -> dict[str, Any]:
    """``match_frame`` (full boolean evaluation) vs ``grep -F -c -f`` on the same text.

    The text is the records' normalised text (what unscoped terms search), normalised
    once beforehand and given to both as ``text_norm``, one record per line; the
    patterns are the queries' normalised leaves: exactly what the matcher searches.
    """
    import duckdb
    import polars as pl

    from techcurve.match import TEXT_FIELDS, match_frame
    from techcurve.normalize import normalize_series
    from techcurve.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    con = duckdb.connect(db, read_only=True)
    con.execute("SET enable_progress_bar = false")
    raw = con.sql(f"SELECT record_id, {', '.join(TEXT_FIELDS)} FROM records").pl()
    con.close()
    joined = raw.select(pl.concat_str(TEXT_FIELDS, separator=" ", ignore_nulls=True)).to_series()
    frame = raw.select("record_id").with_columns(normalize_series(joined).alias("text_norm"))
    del raw, joined
    text = Path(work) / "text_norm.txt"
    with text.open("w", encoding="utf-8") as f:
        for chunk in frame.iter_slices(200_000):
            f.write("\n".join(chunk["text_norm"].fill_null("").to_list()))
            f.write("\n")
    pats = sorted({t.pattern for q in tax.queries.values() for t in q.terms() if t.field is None})
    pfile = Path(work) / "patterns.txt"
    pfile.write_text("\n".join(pats) + "\n", encoding="utf-8")
    cmd = ["grep", "-F", "-c", "-f", str(pfile), str(text)]
    grep_s, proc = _best(
        lambda: subprocess.run(cmd, capture_output=True, env={"LC_ALL": "C"}, check=False),
        repeat,
    )
    match_s, links = _best(lambda: match_frame(frame, tax.queries), repeat)
    return {
        "records": frame.height,
        "text_mb": text.stat().st_size / 1e6,
        "patterns": len(pats),
        "queries": len(tax.queries),
        "grep_s": grep_s,
        "grep_lines": int(proc.stdout.decode().strip() or 0),
        "match_s": match_s,
        "links": links.height,
        "matched_records": links["record_id"].n_unique(),
    }


def match_library(db: str, taxonomy: str, full: bool) -> dict[str, Any]:
    """``match_store`` through the library (the CLI has no ``--full`` yet)."""
    from techcurve.match import match_store
    from techcurve.store import Store
    from techcurve.taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    with Store.open(db) as st:
        t = time.perf_counter()
        r = match_store(st, tax, full=full)
        seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "mode": r.mode,
        "rematched_records": r.rematched_records,
        "rematched_subfields": r.rematched_subfields,
        "links": r.links,
    }


def bench_ingest(work: str, rows: int) -> dict[str, Any]:
    """The ingest benchmark of ``benchmarks/bench_ingest.py``, if it is there."""
    try:
        from .bench_ingest import run
    except ImportError:
        return {"skipped": "benchmarks/bench_ingest.py is not there"}
    out: dict[str, Any] = run(Path(work), rows)
    return out


STEPS = {
    "corpus": corpus,
    "full_corpus": full_corpus,
    "duckdb_read_csv": duckdb_read_csv,
    "match_vs_grep": match_vs_grep,
    "match_library": match_library,
    "bench_ingest": bench_ingest,
}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    result = STEPS[name](**args)
    result["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    pl.Config.set_tbl_rows(5)
    main()
