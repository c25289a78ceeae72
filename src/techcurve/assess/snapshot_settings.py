"""The snapshot model's settings: one frozen dataclass, checked before a fit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from techcurve.assess._base import num
from techcurve.errors import AssessError


@dataclass(frozen=True, slots=True)
class SnapshotSettings:
    """The parameters of :class:`~techcurve.assess.snapshot.SnapshotModel` (the config's
    ``assess.snapshot`` section; defaults in ``docs/models.md``).

    min_evidence_years
        Fewer years with any evidence than this → status "insufficient".
    require_attention
        Without any attention evidence (articles, opinion index, attention series,
        financing) the hype side is unknown → "insufficient" instead of a guess.
    min_fit_subfields
        Sub-fields with patents needed to learn the patent thresholds from the data.
    patents_low_q, patents_high_q / patents_low, patents_high
        Quantiles of cumulative patents (among sub-fields with patents) that bound the
        low, middle and top bands; a fixed number replaces the learnt quantile.
    opinion_hot_q / opinion_hot, fin_hot_q / fin_hot
        Quantile (or fixed value) of the opinion index / financing events from which a
        sub-field counts as "hot".
    patent_weight
        Weight of the patent rank in maturity; the rest is age.
    mature_age
        Years since birth at which the age part of maturity is full.
    fin_weight
        Weight of financing in the hype level; the opinion index has ``1 − fin_weight``.
    attention_hot_q / attention_hot
        Quantile (or fixed value, 0–100) of the latest attention level from which a
        sub-field counts as "hot".
    attention_weight
        Weight of the latest attention level in the hype level (the parts that are
        known are averaged with their weights).
    hot_level
        Hype level (0–1) from which a sub-field is "hot" (opinion index at
        ``opinion_hot`` maps to exactly this level).
    slope_maturity, plateau_maturity
        Maturity from which a sub-field is on the slope / on the plateau.
    trough_ratio
        Attention below this share of its own earlier peak = disillusionment.
    faded_ratio
        Attention at or below this share of its peak, with patents and papers declining,
        = faded (trough, obsolete before the plateau).
    rising_growth, fast_growth
        Attention growth (fraction per year) above which attention is rising / rising fast.
    paper_discount
        Papers count for maturity at this fraction of their rank (patents at full rank):
        papers lead patents by years.
    trough_years
        Years after its attention peak from which a mature sub-field whose attention fell
        is on the slope (it has been through the trough), not in it.
    """

    min_evidence_years: int = 3
    require_attention: bool = True
    min_fit_subfields: int = 5
    patents_low_q: float = 0.4
    patents_high_q: float = 0.8
    patents_low: float | None = None
    patents_high: float | None = None
    opinion_hot_q: float = 0.7
    opinion_hot: float | None = None
    fin_hot_q: float = 0.8
    fin_hot: float | None = None
    patent_weight: float = 0.6
    mature_age: float = 20.0
    fin_weight: float = 0.25
    attention_hot_q: float = 0.7
    attention_hot: float | None = None
    attention_weight: float = 0.75
    hot_level: float = 0.7
    slope_maturity: float = 0.45
    plateau_maturity: float = 0.75
    trough_ratio: float = 0.6
    faded_ratio: float = 0.3
    rising_growth: float = 0.1
    fast_growth: float = 0.3
    paper_discount: float = 0.8
    trough_years: int = 6

    @classmethod
    def names(cls) -> list[str]:
        """The settings' names, in order."""
        return [f.name for f in fields(cls)]

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> SnapshotSettings:
        """The settings of a config's ``assess.snapshot`` section (unknown names raise
        AssessError; missing ones keep their defaults)."""
        given = dict(section or {})
        cls.check_names(given)
        return cls(**given)

    @classmethod
    def check_names(cls, params: Mapping[str, Any]) -> None:
        """Raise AssessError for names that are not snapshot settings."""
        unknown = sorted(k for k in params if k not in cls.names())
        if unknown:
            raise AssessError.of(
                "assess.unknown_params",
                params=", ".join(unknown),
                model="snapshot",
                allowed=", ".join(cls.names()),
            )

    def as_dict(self) -> dict[str, Any]:
        """Every setting by name (what the report prints)."""
        return {name: getattr(self, name) for name in self.names()}

    def validate(self) -> None:
        """Raise AssessError for a setting out of its range or settings that contradict."""
        self._check_ranges()
        self._check_order()
        self._check_fixed()

    def _between(self, name: str, lo: float, hi: float) -> None:
        v = getattr(self, name)
        if not isinstance(v, int | float) or isinstance(v, bool) or not lo <= v <= hi:
            raise AssessError.of(
                "assess.param.range", model="snapshot", name=name, value=v, lo=lo, hi=hi
            )

    def _check_ranges(self) -> None:
        for name in ("patents_low_q", "patents_high_q", "opinion_hot_q", "fin_hot_q"):
            self._between(name, 0.0, 1.0)
        self._between("attention_hot_q", 0.0, 1.0)
        for name in ("patent_weight", "fin_weight", "hot_level", "trough_ratio", "faded_ratio"):
            self._between(name, 0.0, 1.0)
        self._between("attention_weight", 0.0, 10.0)
        if self.faded_ratio > self.trough_ratio:
            raise self._order_error("faded_ratio", "trough_ratio", "assess.param.not_above")
        self._between("slope_maturity", 0.0, 1.0)
        self._between("plateau_maturity", 0.0, 1.0)
        self._between("mature_age", 1.0, 500.0)
        self._between("min_evidence_years", 0, 1000)
        self._between("min_fit_subfields", 1, 10**9)
        self._between("paper_discount", 0.0, 1.0)
        self._between("trough_years", 1, 100)
        self._between("rising_growth", -1.0, 100.0)
        self._between("fast_growth", -1.0, 100.0)

    def _check_order(self) -> None:
        if self.patents_low_q >= self.patents_high_q:
            raise self._order_error("patents_low_q", "patents_high_q", "assess.param.below")
        if self.slope_maturity >= self.plateau_maturity:
            raise self._order_error("slope_maturity", "plateau_maturity", "assess.param.below")
        if self.rising_growth > self.fast_growth:
            raise self._order_error("rising_growth", "fast_growth", "assess.param.not_above")

    def _check_fixed(self) -> None:
        for name in ("patents_low", "patents_high", "opinion_hot", "fin_hot", "attention_hot"):
            v = getattr(self, name)
            if v is not None and (num(v) is None or v <= 0):
                raise AssessError.of("assess.param.positive", model="snapshot", name=name, value=v)
        if (
            self.patents_low is not None
            and self.patents_high is not None
            and self.patents_low >= self.patents_high
        ):
            raise self._order_error("patents_low", "patents_high", "assess.param.below")

    def _order_error(self, low: str, high: str, key: str) -> AssessError:
        values = {"low": low, "low_value": getattr(self, low)}
        values |= {"high": high, "high_value": getattr(self, high)}
        return AssessError.of(key, model="snapshot", **values)


__all__ = ["SnapshotSettings"]
