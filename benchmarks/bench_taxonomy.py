"""``python -m benchmarks.bench_taxonomy``: ``taxonomy check`` of a large generated
taxonomy (default 10,000 sub-fields, :func:`benchmarks.corpus.write_taxonomy`), timed in
process (load, then lint) and as a whole process (``techcurve taxonomy check FILE``, what a
user waits for, interpreter start and imports included).

Issue 17's (and 18's) acceptance: 10,000 sub-fields checked in under 5 s. Before the lint
looked terms up by substring (``taxonomy/lint.py``), comparing every pair of ~45,000
patterns took 56 s; with the substring lookup 11.4 s; with one Aho–Corasick pass per
term, each query evaluated once per set of its own patterns present and the garbage
collector paused while loading and linting, see docs/performance.md.

The reference, measured in the same run: a process that only parses the same file with
PyYAML's C loader (``yaml.load(..., CSafeLoader)``), the least any YAML-reading check
could cost; the ratio is what survives a noisy machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .corpus import write_taxonomy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subfields", type=int, default=10_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/techcurve-bench"))
    a = ap.parse_args()
    path = a.work / f"taxonomy-{a.subfields}.yaml"
    if not path.exists():
        write_taxonomy(path, a.subfields)
    from techcurve.taxonomy import check_taxonomy, load_taxonomy

    t0 = time.perf_counter()
    tax = load_taxonomy(path)
    t1 = time.perf_counter()
    findings = check_taxonomy(tax)
    t2 = time.perf_counter()
    print(f"{a.subfields:,} sub-fields, {len(findings):,} findings")
    print(f"in process: load {t1 - t0:.2f} s, check {t2 - t1:.2f} s")
    ref = _process([sys.executable, "-c", _YAML_ONLY, str(path)])
    whole = _process([sys.executable, "-m", "techcurve", "taxonomy", "check", str(path)])
    print(f"reference (a process parsing the file with PyYAML's C loader): {ref:.2f} s")
    print(f"whole process: {whole:.2f} s = {whole / ref:.2f}x the reference")


_YAML_ONLY = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


def _process(cmd: list[str]) -> float:
    """Wall time of ``cmd`` as a process, the best of three (exit code checked)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
        if proc.returncode not in (0, 3):  # 3: the check found errors, still a run
            raise SystemExit(f"{cmd[:4]} failed: {proc.stderr.decode()[-500:]}")
    return best


if __name__ == "__main__":
    main()
