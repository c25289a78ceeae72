"""The settings of the indicator rules: the config section ``indicators``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from techcurve.errors import ConfigError


@dataclass(frozen=True, slots=True)
class IndicatorParams:
    """The settings of the indicator rules (config section ``indicators``)."""

    birth_min_count: float = 1.0
    opinion_window: int = 3
    opinion_weights: Mapping[str, float] = field(default_factory=dict)
    opinion_default_weight: float = 1.0
    growth_years: int = 3
    attention_growth_years: int = 2
    #: sources added to (or replacing entries of) the shipped registry data/sources.yaml:
    #: {source: {role, subrole, zh, en, shares}}
    sources: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None) -> IndicatorParams:
        """Validate the ``indicators`` section; unknown keys and bad values are :class:`ConfigError`."""
        cfg = dict(cfg or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ConfigError.of(
                "indicators.config.unknown_keys",
                unknown=", ".join(unknown),
                known=", ".join(sorted(known)),
            )
        out: dict[str, Any] = {}
        for name in ("birth_min_count", "opinion_default_weight"):
            if name in cfg:
                out[name] = _number(name, cfg[name], minimum=0.0)
        for name in ("opinion_window", "growth_years", "attention_growth_years"):
            if name in cfg:
                out[name] = _whole_number(name, cfg[name])
        if "sources" in cfg:
            if not isinstance(cfg["sources"] or {}, Mapping):
                raise ConfigError.of("indicators.sources_bad_entry", source="sources", where="config: indicators.sources")  # fmt: skip
            out["sources"] = dict(cfg["sources"] or {})
        if "opinion_weights" in cfg:
            out["opinion_weights"] = _weights(cfg["opinion_weights"] or {})
        return cls(**out)


def _number(name: str, value: object, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError.of("indicators.config.number", name=name, minimum=minimum, value=value)
    return float(value)


def _whole_number(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError.of("indicators.config.whole_number", name=name, value=value)
    return value


def _weights(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError.of("indicators.config.weights_mapping", type=type(value).__name__)
    return {str(k): _number(f"opinion_weights.{k}", v, minimum=0.0) for k, v in value.items()}
