"""The dashboard's speed: the curve page and a sub-field page, cold and warm.

``python -m benchmarks.bench_serve [--serve-rows N] [--queries 1000]`` (and ``make bench``,
which runs it after the other benchmarks on the same corpus): a store of N records
(default 1,000,000) matched to a 1,000-query taxonomy and assessed (``techcurve run``),
every sub-field then given a seeded placement (:func:`place_all`: the generated corpus
has no attention evidence, so the model leaves them all insufficient), then

* in-process (FastAPI's TestClient on :func:`techcurve.serve.create_app`), and
* over HTTP to a ``techcurve serve`` child process (httpx),

the first request of each page (cold: the store is read and the page's data built;
SciPy's optimiser imported and the page templates compiled beforehand, as ``techcurve serve`` does before it listens)
and the median of the next 20 (warm: served from the cache until the store changes),
for ``/`` and ``/subfield/<id>`` of the sub-field with the most matched records (its
records page 1 too). The reference, measured in the same run on the same store:
opening it read-only, DuckDB's ``SELECT count(*) FROM records`` and closing it (what
any page costs at least when it opens the store). Target: < 300 ms per page.
Results are printed and written to ``<work>/serve-results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .corpus import write_taxonomy

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
WARM = 20
TARGET_MS = 300.0


def say(text: str = "") -> None:
    print(text, flush=True)


def build_store(work: Path, rows: int, queries: int) -> Path:
    """The assessed store of ``rows`` records (reused when present)."""
    from .__main__ import ensure_corpus

    db = work / f"serve-{rows}.duckdb"
    done = db.with_suffix(".done")
    if db.exists() and done.exists():
        return db
    tax = write_taxonomy(work / f"taxonomy-{queries}.yaml", queries)
    csv = work / f"corpus-{rows}.csv"
    ensure_corpus(csv, rows, tax)
    if db.exists():
        db.unlink()
    say(f"  techcurve run on {rows:,} records → {db}")
    t = time.perf_counter()
    subprocess.run(
        [PY, "-m", "techcurve", "--db", str(db), "-q", "run", "--profile", "generic", str(csv),
         "--taxonomy", str(tax), "--as-of", "2023-12-31", "-o", str(work / f"serve-{rows}-out")],
        check=True, cwd=REPO,
    )  # fmt: skip
    say(f"  built in {time.perf_counter() - t:.0f} s")
    done.write_text("ok")
    return db


def place_all(db: Path, seed: int = 16) -> None:
    """Give every sub-field a seeded placement (phase from the position, a band, a
    confidence, phase probabilities). The generated corpus has no attention evidence,
    so the snapshot model leaves every sub-field insufficient; the curve page must show
    1,000 dots to be measured."""
    import duckdb
    import numpy as np
    import polars as pl

    from techcurve.datatypes import Phase

    con = duckdb.connect(str(db))
    try:
        ids = [r[0] for r in con.execute("SELECT subfield_id FROM assessments").fetchall()]
        rng = np.random.default_rng(seed)
        pos = rng.uniform(0.02, 0.98, len(ids))
        conf = rng.uniform(0.3, 0.95, len(ids))
        bands = rng.choice(["<2", "2-5", "5-10", ">10"], len(ids))
        phases = [Phase.at(float(x)).value for x in pos]
        probs = [
            json.dumps({p.value: (0.7 if p.value == ph else 0.075) for p in Phase}) for ph in phases
        ]
        placed = pl.DataFrame(
            {"subfield_id": ids, "position": pos, "confidence": conf, "years_band": bands,
             "phase": phases, "probabilities": probs}
        )  # fmt: skip
        con.register("placed", placed.to_arrow())
        con.execute(
            "UPDATE assessments SET status = 'assessed', position = p.position, "
            "phase = p.phase, years_band = p.years_band, confidence = p.confidence, "
            "probabilities = p.probabilities FROM placed p "
            "WHERE assessments.subfield_id = p.subfield_id"
        )
    finally:
        con.close()


def busiest_subfield(db: Path) -> tuple[str, int, int]:
    """The sub-field with the most matched records, its count, and the store's sub-fields."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        sid, n = con.execute(
            "SELECT subfield_id, count(*) AS n FROM matches GROUP BY 1 ORDER BY n DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        subs = con.execute("SELECT count(*) FROM subfields").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    return str(sid), int(n), int(subs)


def reference_ms(db: Path) -> float:
    """Median ms of open read-only + ``SELECT count(*) FROM records`` + close."""
    from techcurve.store import Store

    times = []
    for _ in range(WARM):
        t = time.perf_counter()
        with Store.open(db, read_only=True) as st:
            st.one("SELECT count(*) FROM records")
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _timed(get: Any, url: str) -> tuple[float, float]:
    """Cold (first) and warm (median of :data:`WARM`) milliseconds of GET ``url``."""
    t = time.perf_counter()
    r = get(url)
    cold = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise SystemExit(f"GET {url} answered {r.status_code}")
    warm = []
    for _ in range(WARM):
        t = time.perf_counter()
        get(url)
        warm.append((time.perf_counter() - t) * 1000)
    return cold, statistics.median(warm)


def pages(get: Any, sid: str) -> dict[str, dict[str, float]]:
    out = {}
    for name, url in (("curve", "/"), ("subfield", f"/subfield/{sid}")):
        cold, warm = _timed(get, url)
        out[name] = {"cold_ms": round(cold, 1), "warm_ms": round(warm, 1)}
    return out


def in_process(db: Path, sid: str) -> dict[str, dict[str, float]]:
    from fastapi.testclient import TestClient

    from techcurve.serve import create_app
    from techcurve.serve.app import preload

    app = create_app(db)
    preload(app)  # as `techcurve serve` does before it listens
    with TestClient(app) as c:
        return pages(c.get, sid)


def over_http(db: Path, sid: str) -> dict[str, dict[str, float]]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [PY, "-m", "techcurve", "--db", str(db), "serve", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            for _ in range(300):
                try:
                    c.get("/static/style.css")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            return pages(c.get, sid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(work: Path, rows: int, queries: int) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    db = build_store(work, rows, queries)
    place_all(db)
    sid, n, subs = busiest_subfield(db)
    res: dict[str, Any] = {"rows": rows, "subfields": subs, "subfield": sid, "its_records": n}
    res["reference_ms"] = round(reference_ms(db), 1)
    res["in_process"] = in_process(db, sid)
    res["http"] = over_http(db, sid)
    (work / "serve-results.json").write_text(json.dumps(res, indent=2))
    print_table(res)
    return res


def print_table(res: dict[str, Any]) -> None:
    ref = res["reference_ms"]
    say(
        f"\ndashboard, {res['rows']:,} records, {res['subfields']:,} sub-fields "
        f"(sub-field page: {res['subfield']}, {res['its_records']:,} records); "
        f"reference (open + count(*) + close): {ref:.1f} ms"
    )
    say(
        f"{'':24}{'cold ms':>10}{'warm ms':>10}{'cold/ref':>10}{'warm/ref':>10}"
        f"  < {TARGET_MS:.0f} ms cold / warm"
    )
    for how in ("in_process", "http"):
        for page, v in res[how].items():
            ok = "/".join("yes" if v[k] < TARGET_MS else "NO" for k in ("cold_ms", "warm_ms"))
            say(
                f"{how + ' ' + page:24}{v['cold_ms']:>10.1f}{v['warm_ms']:>10.1f}"
                f"{v['cold_ms'] / ref:>10.2f}{v['warm_ms'] / ref:>10.2f}  {ok}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_serve", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--serve-rows", type=int, default=int(os.environ.get("TECHCURVE_BENCH_SERVE_ROWS", 10**6))
    )
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/techcurve-bench"))
    a = ap.parse_args()
    run(a.work, a.serve_rows, a.queries)


if __name__ == "__main__":
    main()
