"""``make bench`` = ``python -m benchmarks``: techcurve's speed against near-limit references.

One run, on the same files, prints:

* matching (``match_frame``, full boolean evaluation, 1,000 queries) vs
  ``grep -F -c -f patterns text`` over the same normalised text;
* ingest of an N-row CSV vs DuckDB's ``read_csv`` (``benchmarks/bench_ingest.py``);
* end-to-end ingest → match → indicators → assess → report for N records vs DuckDB's
  bare ``read_csv`` of the same CSV: as one command (``techcurve run``), and stage by
  stage (five commands; and with ``ingest --taxonomy``);
* incremental matching: 1% new records, and one edited sub-field, vs a full re-match;
* the dashboard: the curve page and a sub-field page, cold and warm, in-process and
  over HTTP, vs opening the store for a ``count(*)`` (``benchmarks/bench_serve.py``;
  ``--serve-rows``, default ``--rows``); an expert's round page and the facilitator's
  panel page on a copy of that store (``benchmarks/bench_panel.py``);
* whole commands (``run``, ``match --full``, ``report``, ``curve``) as processes on a
  corpus of recombined real titles where most sub-fields get placed, vs ``read_csv``
  and ``grep`` (``benchmarks/bench_full.py``; ``--full-rows``, default ``--rows``);
* the curve's label placement at 167, 500 and 1,000 dots, numbered and named, vs
  drawing the empty curve, with the legibility check (``benchmarks/bench_curve.py``);
* start-up: ``techcurve --version``, ``--help`` and a command's ``--help`` as processes
  vs ``python -c pass`` (``benchmarks/bench_startup.py``);
* N_big records vs N records through ingest → match → indicators, with peak RSS.

Every heavy step runs in a child process; its wall time and peak RSS come from
``os.wait4``. Sizes: ``--rows`` (default 1,000,000; env ``TECHCURVE_BENCH_ROWS``),
``--big`` (default 10,000,000; env ``TECHCURVE_BENCH_BIG``; 0 skips it), ``--quick``
(20,000 and 100,000: a smoke run well under a minute). Files go to ``--work``
(default ``/tmp/techcurve-bench``) and are reused when present (they are seeded).
Results are printed and written to ``<work>/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from . import bench_panel, bench_serve
from .corpus import write_taxonomy

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
TECHCURVE = [PY, "-m", "techcurve"]
GB = 1024.0


def child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``argv`` (with ``env`` added to the environment); its wall seconds, peak RSS
    in MB and stdout. Fails loudly."""
    seconds, rss, text, _ = child_cpu(argv, env)
    return seconds, rss, text


def child_cpu(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, str, float]:
    """:func:`child` and the child's CPU seconds (user + system): on a machine shared with
    other jobs, wall time varies with their load, CPU time far less."""
    full_env = None if env is None else os.environ | env
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO, env=full_env)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if p.returncode != 0:
            sys.stderr.write(err.read().decode("utf-8", "replace"))
            raise SystemExit(f"benchmark step failed ({p.returncode}): {' '.join(argv)}")
    return seconds, usage.ru_maxrss / 1024, text, usage.ru_utime + usage.ru_stime


def step(name: str, **args: Any) -> dict[str, Any]:
    """A step of :mod:`benchmarks.steps` in a child; its JSON plus wall time and peak RSS."""
    seconds, rss, text = child([PY, "-m", "benchmarks.steps", name, json.dumps(args)])
    out: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    out.update(wall_s=seconds, maxrss_mb=rss)
    return out


def tc(db: Path, *args: str) -> dict[str, float]:
    seconds, rss, _ = child([*TECHCURVE, "--db", str(db), "-q", *args])
    return {"seconds": seconds, "maxrss_mb": rss}


def say(text: str = "") -> None:
    print(text, flush=True)


def ensure_corpus(path: Path, rows: int, taxonomy: Path, start: int = 0) -> None:
    stamp = path.with_suffix(".json")
    want = {"rows": rows, "start": start, "taxonomy": str(taxonomy)}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return
    say(f"  generating {rows:,} records → {path}")
    step("corpus", path=str(path), rows=rows, taxonomy=str(taxonomy), start=start)
    stamp.write_text(json.dumps(want))


def pipeline(
    db: Path, csvs: list[Path], taxonomy: Path, *, full: bool, in_step: bool = False
) -> dict[str, dict[str, float]]:
    """init → ingest → match → indicators (→ assess → report when ``full``), timed.

    ``in_step``: ``ingest --taxonomy`` matches while it ingests (and then runs what is
    left of ``match``, nothing here), instead of a separate ``match``.
    """
    if db.exists():
        db.unlink()
    out = {"init": tc(db, "init", "--force")}
    files = [str(c) for c in csvs]
    ingest = ["ingest", "--kind", "auto", "--profile", "generic", *files]
    if in_step:
        out["ingest+match"] = tc(db, *ingest, "--taxonomy", str(taxonomy))
    else:
        out["ingest"] = tc(db, *ingest)
        out["match"] = tc(db, "match", "--taxonomy", str(taxonomy))
    out["indicators"] = tc(db, "indicators", "--as-of", "2023-12-31")
    if full:
        out["assess"] = tc(db, "assess")
        out["report"] = tc(db, "report", "-o", str(db.with_suffix(".html")))
    return out


def run_all(db: Path, csv: Path, taxonomy: Path, out: Path, repeat: int = 2) -> dict[str, Any]:
    """``techcurve run``: every stage in one process, into a store it creates; the best
    of ``repeat`` runs, as ``read_csv`` is timed (both on a machine shared with others)."""
    best: dict[str, Any] = {}
    runs: list[float] = []
    for _ in range(repeat):
        if db.exists():
            db.unlink()
        seconds, rss, text = child([*TECHCURVE, "--db", str(db), "--json", "run", "--profile",
                                    "generic", str(csv), "--taxonomy", str(taxonomy), "--as-of",
                                    "2023-12-31", "-o", str(out)])  # fmt: skip
        runs.append(round(seconds, 2))
        if not best or seconds < best["seconds"]:
            best = {"seconds": seconds, "maxrss_mb": rss, "stages": json.loads(text)["seconds"]}
    return best | {"runs": runs}


def edited_taxonomy(src: Path, dst: Path) -> Path:
    """``src`` with one sub-field's terms changed (the "edit one query" case)."""
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    sub = next(s for s in data["subfields"] if s["id"] == "ar")
    sub["terms"] = [*sub.get("terms", []), "AR眼镜", "AR glasses"]
    dst.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=int(os.environ.get("TECHCURVE_BENCH_ROWS", 10**6)))
    ap.add_argument("--big", type=int, default=int(os.environ.get("TECHCURVE_BENCH_BIG", 10**7)))
    ap.add_argument("--quick", action="store_true", help="20,000 and 100,000 records")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/techcurve-bench"))
    ap.add_argument("--skip-ingest-bench", action="store_true")
    ap.add_argument(
        "--serve-rows",
        type=int,
        default=None,
        help="records of the dashboard benchmark's store (default: --rows; 0 skips it)",
    )
    ap.add_argument(
        "--full-rows",
        type=int,
        default=None,
        help="records of the full-curve benchmark (bench_full.py; default: --rows; 0 skips it)",
    )
    a = ap.parse_args()
    rows, big = (20_000, 100_000) if a.quick else (a.rows, a.big)
    work: Path = a.work
    work.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"rows": rows, "big": big, "queries": a.queries, "cpus": os.cpu_count()}
    say(f"techcurve benchmarks: {rows:,} records (and {big:,}), {a.queries} queries, in {work}")

    tax = write_taxonomy(work / f"taxonomy-{a.queries}.yaml", a.queries)
    csv = work / f"corpus-{rows}.csv"
    ensure_corpus(csv, rows, tax)

    # -- ingest against DuckDB's read_csv ----------------------------------------------
    if not a.skip_ingest_bench:
        say("ingest benchmark (benchmarks/bench_ingest.py) …")
        res["bench_ingest"] = step("bench_ingest", work=str(work / "ingest"), rows=rows)
    res["read_csv"] = step("duckdb_read_csv", path=str(csv))

    # -- end to end ---------------------------------------------------------------------
    say(f"end to end, {rows:,} records …")
    db = work / f"e2e-{rows}.duckdb"
    res["e2e"] = pipeline(db, [csv], tax, full=True)
    say(f"end to end, {rows:,} records, matched while ingested (ingest --taxonomy) …")
    res["e2e_in_step"] = pipeline(work / f"e2e-in-step-{rows}.duckdb", [csv], tax, full=True,
                                  in_step=True)  # fmt: skip
    say(f"end to end, {rows:,} records, one command (techcurve run) …")
    res["e2e_run"] = run_all(work / f"e2e-run-{rows}.duckdb", csv, tax, work / f"e2e-run-{rows}")

    say("matching vs grep …")
    res["match_vs_grep"] = step(
        "match_vs_grep", db=str(db), taxonomy=str(tax), work=str(work), repeat=1 if a.quick else 3
    )

    # -- incremental --------------------------------------------------------------------
    say("incremental matching …")
    new = work / f"corpus-{rows}-new.csv"
    ensure_corpus(new, max(rows // 100, 1), tax, start=rows)
    inc: dict[str, Any] = {"ingest_new": tc(db, "ingest", "--kind", "auto", str(new))}
    inc["new_records"] = step("match_library", db=str(db), taxonomy=str(tax), full=False)
    edited = edited_taxonomy(tax, work / "taxonomy-edited.yaml")
    inc["edited_query"] = step("match_library", db=str(db), taxonomy=str(edited), full=False)
    inc["full"] = step("match_library", db=str(db), taxonomy=str(edited), full=True)
    res["incremental"] = inc
    (work / "results.json").write_text(json.dumps(res, indent=2, default=str))
    print_table(res)

    # -- the dashboard (benchmarks/bench_serve.py) --------------------------------------
    serve_rows = rows if a.serve_rows is None else a.serve_rows
    if serve_rows:
        say(f"dashboard pages, {serve_rows:,} records …")
        res["serve"] = bench_serve.run(work, serve_rows, a.queries)
        (work / "results.json").write_text(json.dumps(res, indent=2, default=str))
        say(f"expert panel pages, {serve_rows:,} records …")
        res["panel"] = bench_panel.run(work, serve_rows, a.queries, 100)
        (work / "results.json").write_text(json.dumps(res, indent=2, default=str))

    # -- whole commands on a full curve (benchmarks/bench_full.py) ----------------------
    full_rows = rows if a.full_rows is None else a.full_rows
    if full_rows:
        from . import bench_full  # noqa: PLC0415 - it imports this module

        res["full"] = bench_full.run(work, full_rows, 1 if a.quick else 2)
        (work / "results.json").write_text(json.dumps(res, indent=2, default=str))

    # -- the curve's label placement (benchmarks/bench_curve.py) ------------------------
    say("curve label placement, 167 / 500 / 1,000 dots …")
    res["curve"] = _json_bench("bench_curve")
    (work / "results.json").write_text(json.dumps(res, indent=2, default=str))

    # -- start-up (benchmarks/bench_startup.py) -----------------------------------------
    say("start-up as processes vs python -c pass …")
    res["startup"] = _json_bench("bench_startup")
    (work / "results.json").write_text(json.dumps(res, indent=2, default=str))

    # -- ten times more -----------------------------------------------------------------
    if big:
        # As files of `rows` records (the first is the corpus above): an analyst's
        # exports come in parts, and each file is one ingest transaction.
        parts = []
        for k, start in enumerate(range(0, big, rows)):
            part = csv if start == 0 else work / f"corpus-{rows}-part{k:03d}.csv"
            ensure_corpus(part, min(rows, big - start), tax, start=start)
            parts.append(part)
        say(f"end to end, {big:,} records in {len(parts)} files …")
        try:
            res["e2e_big"] = pipeline(work / f"e2e-{big}.duckdb", parts, tax, full=False)
        except SystemExit as e:  # report what failed instead of losing the run
            res["e2e_big_error"] = str(e)
        (work / "results.json").write_text(json.dumps(res, indent=2, default=str))
        print_table(res)


def _json_bench(module: str) -> dict[str, Any]:
    """Run ``benchmarks.<module> --json`` in a process of its own: its table is printed,
    its last line (the results as JSON) returned."""
    _, _, text = child([PY, "-m", f"benchmarks.{module}", "--json"])
    lines = text.strip().splitlines()
    say("\n".join(lines[:-1]))
    return json.loads(lines[-1])


def _s(d: dict[str, Any], *stages: str) -> float:
    return sum(float(d[s]["seconds"]) for s in stages if s in d)


def _rss(d: dict[str, Any]) -> float:
    return max(float(v["maxrss_mb"]) for v in d.values() if isinstance(v, dict))


def print_table(res: dict[str, Any]) -> None:
    rows, big = res["rows"], res["big"]
    say()
    say(f"results ({res['cpus']} CPUs; {rows:,} records, {res['queries']} queries)")
    m = res["match_vs_grep"]
    say(f"  text searched: {m['text_mb']:,.0f} MB, {m['patterns']:,} patterns")
    lines: list[tuple[str, str, str]] = []
    lines.append(
        (
            "matching (match_frame) vs grep -F -c -f",
            f"{m['match_s']:.2f} s vs {m['grep_s']:.2f} s",
            f"{m['match_s'] / m['grep_s']:.2f}×  (target ≤ 1.5×)",
        )
    )
    if "bench_ingest" in res and "ratio" in res["bench_ingest"]:
        b = res["bench_ingest"]
        lines.append(
            (
                "ingest CSV vs DuckDB read_csv (bench_ingest)",
                f"{b.get('techcurve_s', 0):.2f} s vs {b.get('duckdb_read_csv_s', 0):.2f} s",
                f"{b['ratio']:.1f}×",
            )
        )
    e = res["e2e"]
    rc = res["read_csv"]["seconds"]
    if "e2e_run" in res:
        r = res["e2e_run"]
        lines.append(
            (
                "end to end, one command (techcurve run) vs read_csv",
                f"{r['seconds']:.1f} s vs {rc:.2f} s",
                f"{r['seconds'] / rc:.1f}×  (target ≤ 10×), peak RSS {r['maxrss_mb'] / GB:.2f} GB"
                f"; runs {', '.join(f'{x:.1f}' for x in r.get('runs', []))} s",
            )
        )
        lines.append(
            (
                "  its stages",
                "",
                ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items()),
            )
        )
    e2e = _s(e, "ingest", "match", "indicators", "assess", "report")
    lines.append(
        (
            "end to end, stage by stage (5 commands) vs read_csv",
            f"{e2e:.1f} s vs {rc:.2f} s",
            f"{e2e / rc:.1f}×",
        )
    )
    if "e2e_in_step" in res:
        f = res["e2e_in_step"]
        e2f = _s(f, "ingest+match", "indicators", "assess", "report")
        lines.append(
            (
                "  … matched while ingested (ingest --taxonomy)",
                f"{e2f:.1f} s vs {rc:.2f} s",
                f"{e2f / rc:.1f}×  (ingest+match {f['ingest+match']['seconds']:.2f} s, peak RSS "
                f"{f['ingest+match']['maxrss_mb'] / GB:.2f} GB)",
            )
        )
    for stage in ("init", "ingest", "match", "indicators", "assess", "report"):
        if stage in e:
            lines.append(
                (
                    f"  {stage}",
                    f"{e[stage]['seconds']:.2f} s",
                    f"peak RSS {e[stage]['maxrss_mb'] / GB:.2f} GB",
                )
            )
    inc = res["incremental"]
    full_s = inc["full"]["seconds"]
    for key, label in (
        ("new_records", "match 1% new records"),
        ("edited_query", "match after editing 1 query"),
    ):
        r = inc[key]
        lines.append(
            (
                f"{label} vs full",
                f"{r['seconds']:.2f} s vs {full_s:.2f} s",
                f"{r['rematched_records']:,} records matched; "
                f"{r['rematched_subfields']} queries re-run over older records",
            )
        )
    if "e2e_big_error" in res:
        lines.append((f"{big:,} records", "failed", res["e2e_big_error"][:120]))
    if "e2e_big" in res:
        eb = res["e2e_big"]
        s1 = _s(e, "ingest", "match", "indicators")
        sb = _s(eb, "ingest", "match", "indicators")
        lines.append(
            (
                f"{big:,} vs {rows:,} (ingest+match+indicators)",
                f"{sb:.1f} s vs {s1:.1f} s",
                f"{sb / s1:.1f}×  (target ≤ {big / rows * 1.1:.0f}×), "
                f"peak RSS {_rss(eb) / GB:.2f} GB (≤ 4)",
            )
        )
        for stage in ("ingest", "match", "indicators"):
            lines.append(
                (
                    f"  {stage} ({big:,})",
                    f"{eb[stage]['seconds']:.1f} s",
                    f"peak RSS {eb[stage]['maxrss_mb'] / GB:.2f} GB",
                )
            )
    w = max(len(x[0]) for x in lines)
    v = max(len(x[1]) for x in lines)
    for a, b, c in lines:
        say(f"  {a:<{w}}  {b:>{v}}  {c}")


if __name__ == "__main__":
    main()
