"""Settings: the shipped defaults (``data/config.yaml``) deep-merged with a user file.

Each stage reads its own section (``ingest``, ``indicators``, ``assess`` …) and keeps
the defaults for anything missing in code, so a user file only lists what it changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from techcurve.errors import ConfigError

DEFAULT_CONFIG = Path(__file__).parent / "data" / "config.yaml"
#: libyaml's safe loader when PyYAML was built with it (much faster: docs/performance.md,
#: "Stages after ingest", "What is left"), for the files techcurve ships — the taxonomy,
#: the sources registry, these defaults (the same values as the pure-Python loader's,
#: tests/test_shipped_yaml.py); a user's config file keeps PyYAML's own loader
FAST_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_yaml(path: Path, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.of("config.no_file", path=str(path)) from None
    try:
        data = yaml.load(text, Loader=loader) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError.of(
            "config.bad_yaml", where=f"{path}{where}", problem=str(getattr(e, "problem", e))
        ) from None
    if not isinstance(data, dict):
        raise ConfigError.of("config.not_sections", path=str(path))
    return data


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The shipped defaults, overridden by the YAML file at ``path`` if given."""
    cfg = _read_yaml(DEFAULT_CONFIG, FAST_YAML_LOADER) if DEFAULT_CONFIG.exists() else {}
    if path is not None:
        cfg = _merge(cfg, _read_yaml(Path(path)))
    return cfg


def section(cfg: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """One section of a loaded config (empty if absent)."""
    if cfg is None:
        cfg = load_config()
    value = cfg.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError.of(
            "config.section_not_mapping", name=repr(name), type=type(value).__name__
        )
    return value
