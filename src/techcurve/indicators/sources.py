"""The source registry: which role each evidence source plays.

``data/sources.yaml`` lists the shipped sources (id → zh/en name, role, subrole); the
config's ``sources`` section adds or overrides entries the same way; a source in neither
gets the defaults of its kind. Papers and patents always count as such (a CNKI export
holds both kinds). ``docs/models.md`` ("Sources and their roles") explains the roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from techcurve.config import FAST_YAML_LOADER
from techcurve.errors import ConfigError

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "data" / "sources.yaml"

#: role → its subroles, in the order the report lists them
ROLES: dict[str, tuple[str, ...]] = {
    "maturity": ("paper", "patent"),
    "hype": ("media", "developer", "public", "state"),
    "money": ("financing",),
}
#: the subroles that get a share column in ``indicators`` (``<subrole>_share``)
SHARE_SUBROLES: tuple[str, ...] = (*ROLES["maturity"], *ROLES["hype"])
_KIND_SUBROLE = {"paper": "paper", "patent": "patent", "financing": "financing"}


@dataclass(frozen=True, slots=True)
class SourceRole:
    """What one source stands for."""

    source: str
    role: str  # maturity | hype | money
    subrole: str  # paper | patent | media | developer | public | state | financing
    zh: str
    en: str
    shares: bool = True  # False: left out of the share columns (scaled to its own peak)
    listed: bool = True  # False: the defaults of its kind (not in the registry)


@dataclass(frozen=True, slots=True)
class SourceRegistry:
    """The registry: listed sources and the defaults by kind."""

    sources: dict[str, SourceRole]
    defaults: dict[str, tuple[str, str]]  # kind → (role, subrole)

    def role_of(self, source: str, kind: str) -> SourceRole:
        """The role of ``source``'s evidence of ``kind``."""
        listed = self.sources.get(source)
        forced = _KIND_SUBROLE.get(kind)
        if listed is not None and (forced is None or listed.subrole == forced):
            return listed
        role, subrole = self.defaults.get(kind, ("hype", "media"))
        return SourceRole(source, role, subrole, source, source, shares=True, listed=False)


def _entry(source: str, value: Any, where: str) -> SourceRole:
    if not isinstance(value, dict):
        raise ConfigError.of("indicators.sources_bad_entry", source=source, where=where)
    role, subrole = str(value.get("role", "")), str(value.get("subrole", ""))
    if role not in ROLES or subrole not in ROLES[role]:
        allowed = "; ".join(f"{r}: {', '.join(s)}" for r, s in ROLES.items())
        raise ConfigError.of(
            "indicators.sources_bad_role",
            source=source,
            role=role,
            subrole=subrole,
            allowed=allowed,
            where=where,
        )
    return SourceRole(
        source=source,
        role=role,
        subrole=subrole,
        zh=str(value.get("zh") or source),
        en=str(value.get("en") or source),
        shares=bool(value.get("shares", True)),
    )


@cache
def _shipped() -> SourceRegistry:
    data = yaml.load(REGISTRY_FILE.read_text(encoding="utf-8"), Loader=FAST_YAML_LOADER)
    defaults = {str(k): (str(v["role"]), str(v["subrole"])) for k, v in data["defaults"].items()}
    sources = {str(k): _entry(str(k), v, str(REGISTRY_FILE)) for k, v in data["sources"].items()}
    return SourceRegistry(sources, defaults)


def load_registry(extra: Mapping[str, Any] | None = None) -> SourceRegistry:
    """The shipped registry, with the entries of ``extra`` (a config's ``sources``
    section: {source: {role, subrole, zh, en}}) added or replacing shipped ones."""
    base = _shipped()
    if not extra:
        return base
    added = {str(k): _entry(str(k), v, "config: sources") for k, v in extra.items()}
    return SourceRegistry(base.sources | added, base.defaults)


def roles_frame(registry: SourceRegistry, pairs: pl.DataFrame) -> pl.DataFrame:
    """The role of each ``source, kind`` pair (the store's ``source_roles`` rows)."""
    rows = []
    for source, kind in pairs.select("source", "kind").unique().sort("source", "kind").iter_rows():
        r = registry.role_of(str(source), str(kind))
        in_shares = r.shares and r.subrole in SHARE_SUBROLES and kind != "financing"
        rows.append((source, kind, r.role, r.subrole, r.zh, r.en, in_shares, r.listed))
    schema = ["source", "kind", "role", "subrole", "name_zh", "name_en", "in_shares", "listed"]
    return pl.DataFrame(rows, schema=schema, orient="row")


__all__ = [
    "ROLES",
    "SHARE_SUBROLES",
    "SourceRegistry",
    "SourceRole",
    "load_registry",
    "roles_frame",
]
