"""The shipped YAML files parsed with libyaml's loader (what the code uses for them) give
exactly what PyYAML's pure-Python safe loader gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from techcurve.config import DEFAULT_CONFIG, load_config
from techcurve.errors import ConfigError
from techcurve.indicators import sources


def _both(path: Path) -> tuple[object, object]:
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return fast, yaml.safe_load(text)


@pytest.mark.parametrize("path", [DEFAULT_CONFIG, sources.REGISTRY_FILE], ids=lambda p: p.name)
def test_the_two_loaders_agree_on_the_shipped_file(path: Path) -> None:
    fast, pure = _both(path)
    assert fast == pure and repr(fast) == repr(pure)  # the same values, types and key order


def test_load_config_and_the_registry_are_the_pure_loaders_values() -> None:
    assert repr(load_config()) == repr(yaml.safe_load(DEFAULT_CONFIG.read_text("utf-8")))
    data = yaml.safe_load(sources.REGISTRY_FILE.read_text("utf-8"))
    assert set(sources.load_registry().sources) == {str(k) for k in data["sources"]}


def test_a_users_bad_file_is_still_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("indicators:\n  a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c\.yaml:\d"):
        load_config(bad)
