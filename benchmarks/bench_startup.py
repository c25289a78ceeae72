"""``python -m benchmarks.bench_startup``: how long ``techcurve`` takes to start, as whole
processes (issue 18: every command pays its start-up).

Times ``techcurve --version``, ``techcurve --help`` and a command's ``--help``
(``curve``, ``taxonomy check``), which import the command line and at most one command
module and none of the libraries the commands run on (:mod:`techcurve.cli.lazy`),
against ``python -c pass`` measured in the same run: the cases run in turn, round after
round, and each keeps its best wall and CPU seconds (user + system, from ``os.wait4``;
a machine shared with other work disturbs CPU time far less than wall time). Times
print as ratios to ``python -c pass``. ``--db DB`` adds ``techcurve --db DB curve``
(a copy of DB; after one run that keeps the label placement, so that the runs timed
place nothing). ``--json`` prints the results as one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
TECHCURVE = [PY, "-m", "techcurve"]

#: name → argv; the first is the reference
CASES: dict[str, list[str]] = {
    "python -c pass": [PY, "-c", "pass"],
    "techcurve --version": [*TECHCURVE, "--version"],
    "techcurve --help": [*TECHCURVE, "--help"],
    "techcurve curve --help": [*TECHCURVE, "curve", "--help"],
    "techcurve taxonomy check --help": [*TECHCURVE, "taxonomy", "check", "--help"],
}


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``argv``; its wall and CPU seconds. Fails loudly."""
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        assert p.stderr is not None
        sys.stderr.write(p.stderr.read().decode("utf-8", "replace"))
        raise SystemExit(f"benchmark step failed: {' '.join(argv)}")
    return seconds, usage.ru_utime + usage.ru_stime


def run(cases: dict[str, list[str]], repeat: int, cwd: Path) -> dict[str, dict[str, float]]:
    """Each case's best wall and CPU seconds over ``repeat`` rounds, and their ratios to
    the first case's."""
    best = {name: [float("inf"), float("inf")] for name in cases}
    for _ in range(repeat):
        for name, argv in cases.items():
            wall, cpu = timed(argv, cwd)
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
    ref_wall, ref_cpu = best[next(iter(cases))]
    return {
        name: {
            "wall_s": wall,
            "cpu_s": cpu,
            "wall_ratio": wall / ref_wall,
            "cpu_ratio": cpu / ref_cpu,
        }
        for name, (wall, cpu) in best.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_startup")
    ap.add_argument("--repeat", type=int, default=7, help="rounds; each case keeps its best")
    ap.add_argument("--db", type=Path, default=None, help="also time `curve` on a copy of DB")
    ap.add_argument("--json", action="store_true", help="print the results as JSON last")
    a = ap.parse_args()
    cases = dict(CASES)
    with tempfile.TemporaryDirectory(prefix="techcurve-startup-") as tmp:
        work = Path(tmp)
        if a.db is not None:
            shutil.copy(a.db, work / "store.duckdb")
            argv = [*TECHCURVE, "--db", "store.duckdb", "curve", "-o", "curve.svg"]
            timed(argv, work)  # keeps the label placement
            cases["techcurve curve -o curve.svg (placement kept)"] = argv
        res = run(cases, a.repeat, work)
    print(f"start-up as processes, best of {a.repeat} (load {os.getloadavg()[0]:.1f}):")
    for name, r in res.items():
        print(
            f"  {name:<48} {r['wall_s']:6.3f} s wall ({r['wall_ratio']:5.1f}×)"
            f"  {r['cpu_s']:6.3f} s CPU ({r['cpu_ratio']:5.1f}×)"
        )
    if a.json:
        print(json.dumps(res))


if __name__ == "__main__":
    main()
