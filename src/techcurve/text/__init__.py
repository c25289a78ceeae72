"""The zh/en text catalogue: every sentence a user reads comes from here.

The catalogue is the YAML files beside this module, one per area (``common.yaml``,
``report.yaml``, ``curve.yaml``, ``reasons.yaml``, ``cli.yaml`` …). Each key is
``<area>.<name>`` and maps to its Chinese and English text; the text is a
:meth:`str.format` template whose ``{fields}`` are the same in both languages::

    report.cover_title:
      zh: "{year}年中国技术成熟度评估曲线"
      en: "China technology maturity curve {year}"

:func:`t` looks a key up and fills it; a key that is missing, or missing in one
language, is a bug, and ``tests/test_text.py`` fails on it (as on fields that differ
between the languages, or a Chinese text holding an English sentence).
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeAlias, get_args

import yaml

from techcurve import cache

__all__ = ["LANGS", "Lang", "catalogue", "fields", "t"]

Lang: TypeAlias = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)

_FOLDER = Path(__file__).parent


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that refuses a key given twice (YAML would keep the last); libyaml's
    parser where PyYAML has it (the catalogue is read by every command that says anything)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@functools.cache
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """Every key of every catalogue file → ``{"zh": …, "en": …}``.

    Parsing the YAML (≈ 0.1 s) is paid by every command that says anything, so what it
    gave is kept in the per-user cache (:mod:`techcurve.cache`, ``text-*.marshal``)
    under a key of the files' names and bytes, this module's source, PyYAML's version
    and the loader, and Python's version; an entry that cannot be read is parsed again."""
    files = sorted(_FOLDER.glob("*.yaml"))
    entry = _entry(files)
    kept = _read(entry) if entry is not None else None
    if kept is not None:
        return kept
    out: dict[str, Mapping[str, str]] = {}
    for path in files:
        with path.open(encoding="utf-8") as fh:
            entries = yaml.load(fh, Loader=_UniqueKeyLoader) or {}
        for key, value in entries.items():
            if key in out:
                raise ValueError(f"{path.name}: key {key!r} is also in another catalogue file")
            out[key] = value
    if entry is not None:
        _write(entry, out)
    return out


def _entry(files: list[Path]) -> Path | None:
    """The cache entry of the catalogue parsed from ``files`` (None: a file unreadable)."""
    h = hashlib.blake2b(digest_size=32)
    for part in (sys.version, yaml.__version__, _UniqueKeyLoader.__mro__[1].__name__):
        h.update(part.encode() + b"\0")
    h.update(cache.code_stamp(sys.modules[__name__]).encode())
    try:
        for path in files:
            data = path.read_bytes()
            h.update(path.name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    except OSError:
        return None  # parsing will say what is wrong
    return cache.entry("text", h.hexdigest(), suffix=".marshal")


def _read(entry: Path) -> dict[str, Mapping[str, str]] | None:
    data = cache.read(entry)
    if data is None:
        return None
    try:
        value = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None  # damaged, or another Python's: parsed again
    return value if isinstance(value, dict) else None


def _write(entry: Path, value: dict[str, Mapping[str, str]]) -> None:
    try:
        data = marshal.dumps(value)
    except ValueError:  # a value marshal cannot hold: parsed every time
        return
    cache.write(entry, data)
    cache.trim("text", 4)  # a catalogue per code version: the newest few


def t(key: str, lang: Lang, /, **values: Any) -> str:
    """The text of ``key`` in ``lang``, its ``{fields}`` filled from ``values``."""
    try:
        template = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"text catalogue has no {lang!r} text for {key!r}") from None
    return template.format(**values) if values else template


def fields(template: str) -> set[str]:
    """The names of the ``{fields}`` a template fills."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
