"""``python -m benchmarks.bench_taxonomy``: ``taxonomy check`` of a large generated
taxonomy (default 10,000 sub-fields, :func:`benchmarks.corpus.write_taxonomy`), timed in
process (load, then lint) and as a whole process (``techcurve taxonomy check FILE``, what a
user waits for, interpreter start and imports included).

Issue 17's acceptance: 10,000 sub-fields checked in under 5 s. Before the lint looked
terms up by substring (``taxonomy/lint.py``), comparing every pair of ~45,000 patterns
took 56 s.
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
    t3 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "techcurve", "taxonomy", "check", str(path)],
        capture_output=True,
        check=False,
    )
    print(f"whole process: {time.perf_counter() - t3:.2f} s (exit {proc.returncode})")


if __name__ == "__main__":
    main()
