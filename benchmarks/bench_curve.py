"""``python -m benchmarks.bench_curve``: the curve's label placement at 167, 500 and 1,000
dots (issue 18: no worse than n log n; issue 21: legible at 1,000).

The dots are the demo's 148 real positions (tests/data/curve/demo_positions.csv: 25 share
0.455 and 18 share 0.795), the shipped taxonomy's other sub-fields at those clamped
positions, then copies of the real ones, jittered. For each size it draws the curve with
numbered labels (what ``--labels auto`` picks for a crowded curve) and with names, timing
the whole drawing and the label placement alone, and checks the numbered one is legible
(:func:`techcurve.render.curve.legibility.legibility`: no dots closer than their radius,
no label on a label, a dot or the curve). The reference, measured in the same run, is
drawing the empty curve (axes, phases, the line) to a PNG in memory; times print as
ratios to it, and growth as t(n)/t(167) beside n·log n / (167·log 167). Times are the
process's CPU seconds (``time.process_time``), which a machine shared with other work
disturbs far less than wall time; the reference is measured again before each size.

What the profile showed before the index (main at 0a3aa6f, cProfile of ``draw_curve``
with 167 named dots: 4.6 s, 4.2 s of it in placement): building the column candidates
in Python (1.1 s) and costing every candidate against every placed label, dot and
leader-line point (``_candidate_costs`` 1.7 s, of which the point-in-box test of leader
points 0.3 s and growing with the square of the dots: 500 named dots took 264 s, 163 s
of it in that test). Now: the candidates are built with numpy, boxes that overlap a
label or a dot are dropped with one look-up before any costing, and every remaining
test looks obstacles up in :class:`techcurve.render.curve.spatial.XIndex`; the
placements are the same (the demo's SVG is byte-identical without the crowded-phase
lanes).

Since the placer session of 2026-12-03 (docs/performance.md, "Label placement as n log
n") candidates are costed term by term and leader crossings counted only for those
still in the running, with the same placements; since the placer session of 2026-12-04
("Label placement, candidates ruled out together") a first slice of 64 candidates, then
every candidate under the best found in one search, the leader lines' three points
nearest the dot tested first. The report ends with placement's
growth from the first size to each other, in CPU seconds and as ratios to the
reference, beside what n·log n allows; ``--repeat N`` keeps the best of N drawings.

``--process DB`` also times ``techcurve --db DB curve -o curve.svg`` as a whole process
(start-up included; issue 18: ≤ 1 s with 167 placed), first with no label placement
kept, then again with the one it kept (:mod:`techcurve.render.curve.memo`); the drawings
above never read a kept placement. ``--json`` prints the results as one JSON line last.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSITIONS = REPO / "tests" / "data" / "curve" / "demo_positions.csv"
SIZES = (167, 500, 1000)


def crowded(n: int, seed: int = 3) -> tuple[Any, Any, Any]:
    """``n`` dots as (assessments, subfields, domains) frames (see the module docstring)."""
    import polars as pl

    from techcurve.datatypes import Phase
    from techcurve.taxonomy import load_taxonomy

    tax = load_taxonomy(None)
    names = {s.id: (s.domain, s.name_zh, s.name_en) for s in tax.subfields}
    with POSITIONS.open(encoding="utf-8") as f:
        real = list(csv.DictReader(f))
    rnd = random.Random(seed)
    seen = {r["subfield_id"] for r in real}
    rows = real + [
        {"subfield_id": s, "position": rnd.choice(["0.455", "0.795"]), "years_band": "2-5"}
        for s in names
        if s not in seen
    ]
    asm, sub = [], []
    for i in range(n):
        r = rows[i % len(rows)]
        copy = i // len(rows)
        sid = r["subfield_id"] + (f"-{copy}" if copy else "")
        dom, zh, en = names[r["subfield_id"]]
        pos = float(r["position"]) + (rnd.uniform(-0.004, 0.004) if copy else 0.0)
        pos = min(max(pos, 0.0), 0.999)
        tag = f" ({copy})" if copy else ""
        sub.append({"subfield_id": sid, "domain_id": dom, "name_zh": zh + tag, "name_en": en + tag})
        asm.append({"subfield_id": sid, "model": "snapshot", "status": "assessed",
                    "phase": Phase.at(pos).value, "position": pos,
                    "years_band": r.get("years_band") or None, "confidence": 0.7})  # fmt: skip
    doms = pl.DataFrame(
        [{"domain_id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in tax.domains]
    )
    return pl.DataFrame(asm), pl.DataFrame(sub), doms


def empty_curve_s() -> float:
    """The reference: the empty curve (axes, phases, the line) drawn to a PNG in memory."""
    from techcurve.render.curve import draw

    t = time.process_time()
    with draw.chart_style():
        fig = draw.new_figure(16.0, 9.0)
        ax = fig.add_axes((0.04, 0.15, 0.94, 0.75))
        draw._draw_axes(ax, "zh", 1000.0)
        fig.savefig(io.BytesIO(), format="png", dpi=100)
    return time.process_time() - t


def _timed_placement() -> list[float]:
    """Wrap the placer so each call's seconds are recorded (in the returned list)."""
    from techcurve.render.curve import draw

    spent: list[float] = []
    place = draw.place_labels

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return place(*args, **kwargs)
        finally:
            spent.append(time.process_time() - t)

    draw.place_labels = timed  # type: ignore[assignment]
    return spent


def measure(n: int, labels: str, spent: list[float]) -> dict[str, Any]:
    from techcurve.render.curve import draw_curve
    from techcurve.render.curve.legibility import legibility

    a, s, d = crowded(n)
    spent.clear()
    t = time.process_time()
    fig = draw_curve(a, s, d, lang="zh", labels=labels, source_line="数据来源：基准")
    out: dict[str, Any] = {
        "n": n,
        "labels": labels,
        "draw_s": time.process_time() - t,
        "placement_s": sum(spent),
    }
    if labels == "numbers":
        leg = legibility(fig)
        out["legible"] = leg.ok
        out["legibility"] = asdict(leg)
    return out


def process_s(db: Path) -> list[tuple[float, float]]:
    """``techcurve curve`` on ``db`` as a process, twice: with no label placement kept
    (a per-user cache of its own, matplotlib's font list copied into it so the fonts are
    the same), then again with the one the first run kept (what a later ``curve`` or
    ``report`` on the same assessments does). Each run's wall and CPU (user + system)
    seconds."""
    import matplotlib

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        if "MPLCONFIGDIR" not in os.environ:
            shutil.copytree(matplotlib.get_cachedir(), Path(tmp) / "cache" / "matplotlib")
        for _ in range(2):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "techcurve", "--db", str(db), "-q", "curve", "-o",
                 str(Path(tmp) / "curve.svg")],
                check=True, cwd=REPO, env=env,
            )  # fmt: skip
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            out.append(
                (wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            )
    return out


def run(sizes: tuple[int, ...] = SIZES, db: Path | None = None, repeat: int = 1) -> dict[str, Any]:
    import logging

    from techcurve.render.curve import memo

    logging.getLogger("techcurve.render.curve.placement").setLevel(logging.ERROR)
    # every curve is placed: no placement kept in (or read from) the user's cache
    kept = Path(tempfile.mkdtemp()) / "placements.json"
    memo._path = lambda: kept  # type: ignore[method-assign]
    empty_curve_s()  # warm the font cache and imports
    spent = _timed_placement()
    res: dict[str, Any] = {"runs": []}
    for labels in ("numbers", "names"):
        for n in sizes:
            ref = min(empty_curve_s() for _ in range(3))
            # the best of ``repeat`` drawings, each placing every label again
            r = min((_fresh(kept, n, labels, spent) for _ in range(repeat)), key=_placement_s)
            r["reference_s"] = ref
            r["draw_ratio"] = r["draw_s"] / ref
            r["placement_ratio"] = r["placement_s"] / ref
            res["runs"].append(r)
    if db is not None:
        (res["process_s"], res["process_cpu_s"]), again = process_s(db)
        res["process_again_s"], res["process_again_cpu_s"] = again
    return res


def _fresh(kept: Path, n: int, labels: str, spent: list[float]) -> dict[str, Any]:
    """:func:`measure` with no placement kept (not in the file, not in the process)."""
    from techcurve.render.curve import memo

    kept.unlink(missing_ok=True)
    memo._known.clear()
    return measure(n, labels, spent)


def _placement_s(r: dict[str, Any]) -> float:
    return float(r["placement_s"])


def growth(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Per label mode and size: placement's CPU seconds as a multiple of the smallest
    size's, raw and as ratios to the empty curve measured beside each, against n·log n."""
    out: list[dict[str, Any]] = []
    first: dict[str, dict[str, Any]] = {}
    for r in res["runs"]:
        f = first.setdefault(r["labels"], r)
        raw = r["placement_s"] / f["placement_s"] if f["placement_s"] else math.nan
        rel = r["placement_ratio"] / f["placement_ratio"] if f["placement_ratio"] else math.nan
        bound = r["n"] * math.log(r["n"]) / (f["n"] * math.log(f["n"]))
        out.append({"labels": r["labels"], "n": r["n"], "from": f["n"], "cpu": raw,
                    "vs_reference": rel, "nlogn": bound, "within": max(raw, rel) <= bound})  # fmt: skip
    return out


def report(res: dict[str, Any]) -> None:
    print("CPU seconds; ratios to the empty curve drawn to PNG, measured before each size")
    base: dict[str, float] = {}
    first_n: dict[str, int] = {}
    for r in res["runs"]:
        n = r["n"]
        base.setdefault(r["labels"], r["placement_ratio"])
        n0 = first_n.setdefault(r["labels"], n)
        bound = n * math.log(n) / (n0 * math.log(n0))
        grew = r["placement_ratio"] / base[r["labels"]]
        legible = "" if "legible" not in r else f"  legible: {r['legible']}"
        print(
            f"{r['labels']:>7} {n:>5} dots: draw {r['draw_s']:6.2f} s ({r['draw_ratio']:6.1f}×), "
            f"placement {r['placement_s']:6.2f} s ({r['placement_ratio']:6.1f}×), "
            f"growth {grew:5.1f} (n log n: {bound:4.1f}), "
            f"reference {r['reference_s'] * 1000:.0f} ms{legible}"
        )
    print("growth of placement (CPU s at n / CPU s at the first size) against n log n:")
    for g in growth(res):
        if g["n"] != g["from"]:
            verdict = "within" if g["within"] else "OVER"
            print(
                f"{g['labels']:>7} {g['from']:>5} → {g['n']:>5}: {g['cpu']:5.1f}× CPU s, "
                f"{g['vs_reference']:5.1f}× by the reference; n log n allows {g['nlogn']:4.1f}× "
                f"({verdict})"
            )
    if "process_s" in res:
        print(
            f"techcurve curve as a process: {res['process_s']:.2f} s wall, "
            f"{res['process_cpu_s']:.2f} s CPU; again (placement kept): "
            f"{res['process_again_s']:.2f} s wall, {res['process_again_cpu_s']:.2f} s CPU"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--process", type=Path, default=None, metavar="DB")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many drawings")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = run(tuple(int(x) for x in a.sizes.split(",")), a.process, a.repeat)
    res["growth"] = growth(res)
    report(res)
    if a.json:
        print(json.dumps(res, default=str))


if __name__ == "__main__":
    main()
