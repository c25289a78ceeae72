"""Rank agreement of a label-learnt model's phase probabilities, read from the file
``techcurve backtest --predictions FILE`` writes (docs/backtest.md, "254 placements").

For one model and protocol (default: ``learnt``, leave-one-technology-out) it prints,
on the rows the model placed, Spearman's ρ between the labelled phase order and

* the top phase (what the backtest's ρ column reports),
* the probability-weighted mean phase order (what sets the dot's position inside its
  phase),
* the ordinal median and the rounded mean as decision rules, with their exact agreement.

    python scripts/order_rho.py pred.csv [--model learnt] [--protocol loto]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import spearmanr

PHASES = ("trigger", "peak", "trough", "slope", "plateau")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("predictions", type=Path)
    ap.add_argument("--model", default="learnt")
    ap.add_argument("--protocol", default="loto")
    a = ap.parse_args()
    rows = pl.read_csv(a.predictions, infer_schema_length=None).filter(
        pl.col("model") == a.model,
        pl.col("protocol") == a.protocol,
        pl.col("status") == "assessed",
    )
    probs = rows.select([pl.col(f"p_{p}").cast(pl.Float64) for p in PHASES]).to_numpy()
    if not len(rows) or np.isnan(probs).any():
        raise SystemExit(f"{a.model}: no placed rows with phase probabilities in {a.predictions}")
    order = {p: i for i, p in enumerate(PHASES)}
    label = np.array([order[x] for x in rows["label"]])
    top = probs.argmax(axis=1)
    mean = probs @ np.arange(len(PHASES))
    median = (probs.cumsum(axis=1) >= 0.5).argmax(axis=1)
    rounded = np.clip(np.rint(mean), 0, len(PHASES) - 1).astype(int)
    print(f"{a.model}, {a.protocol}: {len(rows)} rows placed")
    for name, guess, exact in (
        ("top phase", top, True),
        ("mean phase order", mean, False),
        ("ordinal median", median, True),
        ("rounded mean", rounded, True),
    ):
        rho = spearmanr(guess, label).statistic
        agree = f", exact {np.mean(guess == label):.0%}" if exact else ""
        print(f"  {name:17} ρ {rho:+.2f}{agree}")


if __name__ == "__main__":
    main()
