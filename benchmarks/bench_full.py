"""When the curve is full: whole commands, timed as a user times them (issue 18).

``python -m benchmarks.bench_full [--rows N | --quick] [--work DIR] [--repeat K]`` (and
``make bench``, after the other benchmarks): on the corpus of
:mod:`benchmarks.corpus_full` (real titles of the data pack recombined with the shipped
taxonomy's terms, mixed patents, papers and articles dated over years; ~140–160 of the
167 sub-fields get placed), each a process of its own, start-up included:

* ``techcurve run`` (ingest → match → indicators → assess → curve → report) into a new
  store, against DuckDB's ``read_csv`` of the same file in a Python process;
* ``techcurve match --full`` on that store, against ``grep -F -c -f`` of the taxonomy's
  patterns over the same titles (one per line; ``LC_ALL=C``), and beside it the floor under
  that ratio: a process that opens the store, reads the text the matcher reads and writes as
  many match rows, without matching (:data:`STORE_FLOOR`);
* ``techcurve report`` (HTML) and ``techcurve curve`` (SVG and PNG) on that store;

each the best of ``--repeat`` runs, printed with their ratios in wall and in CPU seconds
(user + system: on a shared machine the wall time follows the others' load), ``run``'s own stage
timer (in-process) and the number of placed sub-fields. The corpus is written once
under ``<work>`` (``full-<rows>.csv``) and reused. Results go to
``<work>/full-results.json``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from .__main__ import child_cpu, say, step

PY = sys.executable
_SCRIPT = Path(PY).with_name("techcurve")
TECHCURVE = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "techcurve"]
AS_OF = "2023-12-31"
READ_CSV = (
    "import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); "
    "con.execute(f\"CREATE TABLE t AS SELECT * FROM read_csv('{sys.argv[1]}')\"); "
    "print(con.execute('SELECT count(*) FROM t').fetchone()[0])"
)
#: what any ``match --full`` over a store must do besides matching: open the store, read
#: the columns the matcher reads, and write as many match rows as it finds (here a copy of
#: the store's own ``matches``), with no matching at all — the floor under its ratio to grep
STORE_FLOOR = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
    "con.execute('SET enable_progress_bar = false'); "
    "t = con.sql('SELECT record_id, title, abstract, keywords, ipc, sector FROM records')"
    ".to_arrow_table(); "
    "con.execute('CREATE TABLE floor_matches AS SELECT * FROM matches'); con.close(); "
    "print(t.num_rows)"
)


def ensure_full_corpus(work: Path, rows: int) -> Path:
    """``<work>/full-<rows>.csv`` (written once; a stamp file records how)."""
    csv = work / f"full-{rows}.csv"
    stamp = csv.with_suffix(".json")
    want = {"rows": rows, "generator": "corpus_full", "version": 1}
    if csv.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return csv
    say(f"  writing {rows:,} recombined records → {csv}")
    step("full_corpus", path=str(csv), rows=rows)
    stamp.write_text(json.dumps(want))
    return csv


def grep_inputs(work: Path, csv: Path) -> tuple[Path, Path]:
    """The corpus's titles, one per line, and the taxonomy's patterns, one per line."""
    from techcurve.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

    titles = csv.with_suffix(".titles.txt")
    if not titles.exists():
        s = pl.read_csv(csv, columns=["title"], infer_schema=False)["title"].fill_null("")
        titles.write_text("\n".join(s.to_list()) + "\n", encoding="utf-8")
    tax = load_taxonomy(DEFAULT_TAXONOMY)
    pats = sorted({t.pattern for q in tax.queries.values() for t in q.terms() if t.field is None})
    terms = work / "full-terms.txt"
    terms.write_text("\n".join(pats) + "\n", encoding="utf-8")
    return titles, terms


def best(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The best wall time of ``repeat`` runs of ``argv``, every run's wall time, and the
    CPU seconds (user + system) of the fastest run."""
    runs, cpus, out, rss = [], [], "", 0.0
    for _ in range(repeat):
        seconds, rss, out, cpu = child_cpu(argv, env=env)
        runs.append(round(seconds, 3))
        cpus.append(round(cpu, 3))
    top = runs.index(min(runs))
    return {
        "seconds": runs[top],
        "cpu_s": cpus[top],
        "runs": runs,
        "maxrss_mb": rss,
        "stdout": out[-2000:],
    }


def store_floor(db: Path, repeat: int) -> dict[str, Any]:
    """:data:`STORE_FLOOR` on a fresh copy of ``db`` per run (the copy is not timed)."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / db.name
            shutil.copyfile(db, copy)
            runs.append(best([PY, "-c", STORE_FLOOR, str(copy)], 1))
    return min(runs, key=lambda r: r["seconds"])


def compiled_techcurve() -> None:
    """Write techcurve's bytecode (``__pycache__``) if it is missing, as installing the
    package does: with ``PYTHONDONTWRITEBYTECODE`` set and none written, every command
    would compile its modules again before running (docs/performance.md, "Ingest and
    match as processes")."""
    import techcurve

    compileall.compile_dir(Path(techcurve.__file__).parent, quiet=1)


def run(work: Path, rows: int, repeat: int = 2) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    compiled_techcurve()
    csv = ensure_full_corpus(work, rows)
    db, out = work / f"full-{rows}.duckdb", work / f"full-{rows}-out"
    res: dict[str, Any] = {"rows": rows, "csv_mb": round(csv.stat().st_size / 1e6, 1)}
    say(f"full curve: {rows:,} records ({res['csv_mb']} MB), best of {repeat}")

    res["read_csv"] = best([PY, "-c", READ_CSV, str(csv)], repeat)
    runs = []
    for _ in range(repeat):
        for f in (db, db.with_suffix(".duckdb.wal")):
            f.unlink(missing_ok=True)
        seconds, rss, text, cpu = child_cpu([*TECHCURVE, "--db", str(db), "--json", "run",
                                             "--profile", "generic", str(csv), "--as-of", AS_OF,
                                             "-o", str(out)])  # fmt: skip
        runs.append({"seconds": seconds, "cpu_s": cpu, "maxrss_mb": rss, "json": json.loads(text)})
    top = min(runs, key=lambda r: r["seconds"])
    res["run"] = {
        "seconds": top["seconds"],
        "cpu_s": top["cpu_s"],
        "runs": [round(r["seconds"], 3) for r in runs],
        "maxrss_mb": top["maxrss_mb"],
        "stages": top["json"]["seconds"],
        "placed": sum(n for p, n in top["json"]["phases"].items() if p),
        "subfields": sum(top["json"]["phases"].values()),
    }
    tc = [*TECHCURVE, "--db", str(db), "-q"]
    res["match_full"] = best([*tc, "match", "--full"], repeat)
    titles, terms = grep_inputs(work, csv)
    grep = ["grep", "-F", "-c", "-f", str(terms), str(titles)]
    res["grep"] = best(grep, repeat, env={"LC_ALL": "C"})
    res["grep"]["patterns"] = len(terms.read_text(encoding="utf-8").splitlines())
    res["store_floor"] = store_floor(db, repeat)
    res["report"] = best([*tc, "report", "-o", str(out / "report.html")], repeat)
    res["curve"] = best([*tc, "curve", "-o", str(out / "c.svg"), "-o", str(out / "c.png")], repeat)
    (work / "full-results.json").write_text(json.dumps(res, indent=2, default=str))
    print_table(res)
    return res


def print_table(res: dict[str, Any]) -> None:
    r = res["run"]
    say(
        f"\nfull curve, {res['rows']:,} records ({res['csv_mb']} MB CSV), "
        f"{r['placed']} of {r['subfields']} sub-fields placed; processes, start-up included"
    )
    lines = [
        ("techcurve run vs read_csv", r, res["read_csv"], "≤ 10×"),
        ("techcurve match --full vs grep -F -c -f", res["match_full"], res["grep"], "≤ 1.5×"),
        ("techcurve report (HTML)", res["report"], None, "≤ 2 s"),
        ("techcurve curve (SVG + PNG)", res["curve"], None, "≤ 1 s"),
    ]
    say(f"  {'':<42}{'wall':>9}  {'ratio (reference)':<20}{'CPU':>8}  {'CPU ratio':<10}")
    for name, m, ref, target in lines:
        s, cpu = m["seconds"], m["cpu_s"]
        ratio = f"{s / ref['seconds']:5.2f}× ({ref['seconds']:.2f} s)" if ref else ""
        cratio = f"{cpu / ref['cpu_s']:5.2f}×" if ref else ""
        say(f"  {name:<42}{s:7.2f} s  {ratio:<20}{cpu:6.2f} s  {cratio:<10} target {target}")
    fl, g = res["store_floor"], res["grep"]
    say(
        f"  floor of any match --full over this store (read its text, write its matches, no "
        f"matching): {fl['seconds']:.2f} s = {fl['seconds'] / g['seconds']:.2f}× grep "
        f"(CPU {fl['cpu_s']:.2f} s = {fl['cpu_s'] / g['cpu_s']:.2f}×)"
    )
    say("  run's stages (in-process): " + ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items()))
    say(f"  grep: {res['grep']['patterns']:,} patterns; runs: run {r['runs']}")


def main() -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_full", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--rows", type=int, default=int(os.environ.get("TECHCURVE_BENCH_FULL_ROWS", 10**6))
    )
    ap.add_argument("--quick", action="store_true", help="20,000 records, one run each")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/techcurve-bench"))
    a = ap.parse_args()
    run(a.work, 20_000 if a.quick else a.rows, 1 if a.quick else a.repeat)


if __name__ == "__main__":
    main()
