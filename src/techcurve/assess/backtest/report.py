"""What a backtest found: per protocol, each model's and baseline's scores, and whether
each model reaches the target the issue states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from techcurve.assess.backtest.protocols import Protocol
from techcurve.assess.label_names import UnknownTechnology
from techcurve.assess.scoring import BASELINES, NOT_ASSESSED, PHASES, Scores


@dataclass(frozen=True, slots=True)
class Target:
    """What a model must reach, leave-one-technology-out, on the rows it placed: exact
    agreement at least ``min_gain`` above the majority baseline on the same rows, at
    least ``min_coverage`` of the rows placed, Spearman's ρ at least ``min_spearman``."""

    min_gain: float = 0.15
    min_coverage: float = 0.70
    min_spearman: float = 0.5

    def check(self, s: Scores) -> TargetCheck:
        gain = s.gain_over_majority
        return TargetCheck(
            model=s.model,
            gain_ok=gain is not None and gain >= self.min_gain - 1e-12,
            coverage_ok=s.coverage >= self.min_coverage - 1e-12,
            spearman_ok=s.spearman is not None and s.spearman >= self.min_spearman - 1e-12,
        )


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """Which parts of the :class:`Target` one model reaches."""

    model: str
    gain_ok: bool
    coverage_ok: bool
    spearman_ok: bool

    @property
    def reached(self) -> bool:
        return self.gain_ok and self.coverage_ok and self.spearman_ok


@dataclass(frozen=True, slots=True)
class ProtocolResult:
    """The scores of every model and both baselines under one protocol."""

    protocol: Protocol
    n_rows: int  # the labelled rows this protocol scores (the test rows)
    n_train: int  # training rows (temporal: the earlier labels; loto: all labels)
    scores: tuple[Scores, ...]
    targets: tuple[TargetCheck, ...] = ()  # loto only, models only

    def table(self) -> pl.DataFrame:
        """One row per model and baseline."""
        rows = []
        for s in self.scores:
            rows.append(
                {
                    "protocol": self.protocol.name,
                    "model": s.model,
                    "n": s.n_labels,
                    "assessed": s.n_assessed,
                    "coverage": s.coverage,
                    "exact": s.exact,
                    "exact_lo": s.exact_ci[0] if s.exact_ci else None,
                    "exact_hi": s.exact_ci[1] if s.exact_ci else None,
                    "within_one": s.within_one,
                    "within_one_lo": s.within_one_ci[0] if s.within_one_ci else None,
                    "within_one_hi": s.within_one_ci[1] if s.within_one_ci else None,
                    "spearman": s.spearman,
                    "majority_same_rows": s.same_rows.get("majority"),
                    "age_only_same_rows": s.same_rows.get("age-only"),
                    "gain_over_majority": s.gain_over_majority,
                    "log_loss": s.log_loss,
                    "band_n": s.band_n,
                    "band_exact": s.band_exact,
                }
            )
        return pl.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.name,
            "split_year": self.protocol.split_year,
            "n_rows": self.n_rows,
            "n_train": self.n_train,
            "scores": [_scores_dict(s) for s in self.scores],
            "targets": [
                {
                    "model": c.model,
                    "reached": c.reached,
                    "gain_ok": c.gain_ok,
                    "coverage_ok": c.coverage_ok,
                    "spearman_ok": c.spearman_ok,
                }
                for c in self.targets
            ],
        }


def _scores_dict(s: Scores) -> dict[str, Any]:
    return {
        "model": s.model,
        "n_labels": s.n_labels,
        "n_assessed": s.n_assessed,
        "coverage": s.coverage,
        "exact": s.exact,
        "exact_ci": list(s.exact_ci) if s.exact_ci else None,
        "within_one": s.within_one,
        "within_one_ci": list(s.within_one_ci) if s.within_one_ci else None,
        "spearman": s.spearman,
        "same_rows": dict(s.same_rows),
        "gain_over_majority": s.gain_over_majority,
        "band_n": s.band_n,
        "band_exact": s.band_exact,
        "log_loss": s.log_loss,
        "same_rows_log_loss": dict(s.same_rows_log_loss),
        "calibration": [
            {"lo": b.lo, "hi": b.hi, "n": b.n, "predicted": b.predicted, "observed": b.observed}
            for b in s.calibration
        ],
        "confusion": {
            "rows": list(PHASES),
            "columns": [*PHASES, NOT_ASSESSED],
            "counts": [list(r) for r in s.confusion],
        },
    }


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """What :func:`~techcurve.assess.backtest.backtest` found: the scores under each
    protocol and every prediction."""

    labels: int
    as_of_dates: tuple[date, ...]
    protocols: tuple[ProtocolResult, ...]
    predictions: pl.DataFrame  # one row per protocol per test row per model (PRED_SCHEMA)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    label_counts: Mapping[str, int] = field(default_factory=dict)
    skipped: tuple[UnknownTechnology, ...] = ()  # unknown technologies left out
    target: Target = field(default_factory=Target)

    @property
    def scores(self) -> tuple[Scores, ...]:
        """The scores of the first protocol (leave-one-technology-out unless transfer)."""
        return self.protocols[0].scores if self.protocols else ()

    def protocol(self, name: str) -> ProtocolResult | None:
        """The result of the protocol called ``name`` (None when it was not run)."""
        return next((p for p in self.protocols if p.protocol.name == name), None)

    def table(self) -> pl.DataFrame:
        """One row per protocol per model and baseline."""
        parts = [p.table() for p in self.protocols if p.scores]
        return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: protocols with scores, targets, label counts, predictions."""
        return {
            "labels": self.labels,
            "label_counts": dict(self.label_counts),
            "as_of_dates": [d.isoformat() for d in self.as_of_dates],
            "phases": list(PHASES),
            "baselines": list(BASELINES),
            "skipped": [u.text() for u in self.skipped],
            "target": {
                "min_gain": self.target.min_gain,
                "min_coverage": self.target.min_coverage,
                "min_spearman": self.target.min_spearman,
            },
            "protocols": [p.to_dict() for p in self.protocols],
            "params": {k: dict(v) for k, v in self.params.items()},
            "predictions": self.predictions.with_columns(pl.col("as_of").cast(pl.Utf8)).to_dicts(),
        }


__all__ = ["BacktestResult", "ProtocolResult", "Target", "TargetCheck"]
