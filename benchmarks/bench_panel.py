"""The expert panel's pages: an expert's round page and the facilitator's panel page.

``python -m benchmarks.bench_panel [--serve-rows N] [--round-size 100]`` (and
``make bench``, after the dashboard's benchmark, on the same store): a copy of
:mod:`benchmarks.bench_serve`'s assessed store (N records, 1,000 sub-fields, all placed),
a panel of five experts and a round open for the ``--round-size`` placed sub-fields
with the most matched records; then, in-process (FastAPI's TestClient on
:func:`techcurve.serve.create_app`, as ``techcurve serve`` builds it), the first request
(cold) and the median of the next 20 (warm) of

* ``/expert/<token>``: the round's sub-fields with their evidence and the model's
  placement, the form and the chart data, and
* ``/facilitator/panel/<id>``: the round, who answered, the experts' links,

beside the reference of the dashboard's benchmark (opening the store read-only for a
``count(*)`` and closing it). The pages are built from the store at every request (an
expert's page changes when anyone answers), so cold and warm differ little.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any

from .bench_serve import TARGET_MS, build_store, place_all, reference_ms, say
from .bench_serve import _timed as timed

EXPERTS = """name,affiliation,domains
Ada Wang,Tsinghua University,ai
Bo Li,CAICT,network
Chen Yu,InfoQ Research Center,cloud
Dana Zhou,Peking University,bigdata
Eli Sun,Fudan University,blockchain
"""


def panel_store(work: Path, rows: int, queries: int, round_size: int) -> tuple[Path, str, int]:
    """A copy of the dashboard benchmark's store with a panel and an open round: the
    copy, the first expert's token and the panel's id."""
    import techcurve.pipeline.panel as tp
    from techcurve.store import Store

    src = build_store(work, rows, queries)
    place_all(src)
    db = work / f"panel-{rows}.duckdb"
    shutil.copy(src, db)
    experts = work / "panel-experts.csv"
    experts.write_text(EXPERTS, encoding="utf-8")
    created = tp.create_panel(db, "bench", experts)
    with Store.open(db, read_only=True) as st:
        busiest = [
            str(r[0])
            for r in st.con.execute(
                "SELECT subfield_id FROM matches GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
                [round_size],
            ).fetchall()
        ]
    tp.open_round(db, panel="bench", subfields=busiest)
    return db, created.experts[0].token, created.panel.panel_id


def _timed(get: Any, url: str) -> dict[str, float]:
    cold, warm = timed(get, url)
    return {"cold_ms": round(cold, 1), "warm_ms": round(warm, 1)}


def run(work: Path, rows: int, queries: int, round_size: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from techcurve.serve import create_app
    from techcurve.serve.app import preload

    work.mkdir(parents=True, exist_ok=True)
    db, token, panel_id = panel_store(work, rows, queries, round_size)
    res: dict[str, Any] = {"rows": rows, "round_size": round_size}
    res["reference_ms"] = round(reference_ms(db), 1)
    app = create_app(db, facilitator_key="bench-key")
    preload(app)  # as `techcurve serve` does before it listens
    with TestClient(app) as c:
        res["expert"] = _timed(c.get, f"/expert/{token}")
        c.get("/facilitator?key=bench-key")  # the key becomes the facilitator's cookie
        res["facilitator"] = _timed(c.get, f"/facilitator/panel/{panel_id}")
    ref = res["reference_ms"]
    say(
        f"\nexpert panel, {rows:,} records, a round of {round_size} sub-fields; "
        f"reference (open + count(*) + close): {ref:.1f} ms"
    )
    say(f"{'':24}{'cold ms':>10}{'warm ms':>10}{'warm/ref':>10}  < {TARGET_MS:.0f} ms")
    for page in ("expert", "facilitator"):
        v = res[page]
        ok = "/".join("yes" if v[k] < TARGET_MS else "NO" for k in ("cold_ms", "warm_ms"))
        say(f"{page:24}{v['cold_ms']:>10.1f}{v['warm_ms']:>10.1f}{v['warm_ms'] / ref:>10.2f}  {ok}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_panel", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--serve-rows", type=int, default=int(os.environ.get("TECHCURVE_BENCH_SERVE_ROWS", 10**6))
    )
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--round-size", type=int, default=100)
    ap.add_argument("--work", type=Path, default=Path("/tmp/techcurve-bench"))
    a = ap.parse_args()
    run(a.work, a.serve_rows, a.queries, a.round_size)


if __name__ == "__main__":
    main()
