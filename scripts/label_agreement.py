"""How often two published hype cycles agree with each other, on the shipped labels: the
ceiling a model scored against those labels can hope to reach (docs/backtest.md,
"How far the labels agree with each other").

A pair is two rows of a label file for the same technology whose years differ by at most
``--years`` and whose sources differ (two documents; two terms of one document that map to
the same sub-field are not a pair). For the pairs it prints exact and within-one agreement
with a 95 % bootstrap interval over technologies, Spearman's ρ between the two phase
orders, and — for comparison with the backtest's gain column — how often the most common
phase of the whole file agrees with a row of a pair.

    python scripts/label_agreement.py [LABELS.csv] [--years 0] [--seed 7]
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import spearmanr

from techcurve.datatypes import Phase

ORDER = {p.value: p.order for p in Phase}
SHIPPED = Path(__file__).resolve().parent.parent / "src/techcurve/data/labels/public_placements.csv"


def pairs(rows: list[dict[str, object]], years: int) -> list[tuple[dict, dict]]:
    """Rows of the same technology, at most ``years`` apart, from different sources."""
    by_tech: dict[object, list[dict]] = {}
    for r in rows:
        by_tech.setdefault(r["technology"], []).append(r)
    return [
        (a, b)
        for group in by_tech.values()
        for a, b in itertools.combinations(group, 2)
        if abs(int(a["year"]) - int(b["year"])) <= years and a["source"] != b["source"]
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", type=Path, nargs="?", default=SHIPPED)
    ap.add_argument("--years", type=int, default=0, help="largest gap between the two years")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--resamples", type=int, default=2000)
    a = ap.parse_args()
    rows = pl.read_csv(a.labels, infer_schema=False).to_dicts()
    found = pairs(rows, a.years)
    if not found:
        raise SystemExit(f"no pairs in {a.labels} within {a.years} year(s)")
    techs = sorted({str(p[0]["technology"]) for p in found})
    exact = np.array([p[0]["phase"] == p[1]["phase"] for p in found], dtype=float)
    near = np.array([abs(ORDER[p[0]["phase"]] - ORDER[p[1]["phase"]]) <= 1 for p in found])
    tech_of = np.array([techs.index(str(p[0]["technology"])) for p in found])
    rnd = np.random.default_rng(a.seed)
    boot = []
    for _ in range(a.resamples):
        pick = rnd.integers(0, len(techs), len(techs))
        idx = np.concatenate([np.flatnonzero(tech_of == t) for t in pick])
        boot.append(exact[idx].mean())
    lo, hi = np.percentile(boot, [2.5, 97.5])
    rho = spearmanr([ORDER[p[0]["phase"]] for p in found], [ORDER[p[1]["phase"]] for p in found])
    common, _ = Counter(str(r["phase"]) for r in rows).most_common(1)[0]
    majority = np.mean([r["phase"] == common for p in found for r in p])
    print(f"{a.labels.name}: {len(rows)} rows; pairs within {a.years} year(s), two sources: "
          f"{len(found)} over {len(techs)} technologies")  # fmt: skip
    print(f"  exact agreement      {exact.mean():.0%} (95% CI {lo:.0%}–{hi:.0%}, "
          f"bootstrap over technologies)")  # fmt: skip
    print(f"  within one phase     {near.mean():.0%}")
    print(f"  Spearman ρ           {rho.statistic:+.2f}")
    print(f"  '{common}' (the file's most common phase) on the same rows: {majority:.0%}")


if __name__ == "__main__":
    main()
