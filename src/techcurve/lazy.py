"""Names a package imports when they are first used (PEP 562), shared by the packages
whose faces must load little: ``techcurve`` (no polars before the console script sets
its allocator), ``techcurve.pipeline``, ``techcurve.assess`` and its backtest (the CLI's
model names without the models), ``techcurve.render`` and ``techcurve.render.curve`` (a
curve read back from the cache without matplotlib).

Each such package keeps a table ``_WHERE`` (name → module) and defines::

    def __getattr__(name: str) -> Any:
        return lazy.attribute(globals(), _WHERE, name)

    def __dir__() -> list[str]:
        return lazy.names(globals(), _WHERE)

A module in the table is ``".x"`` (relative to the package), ``"techcurve.x.y"``
(absolute: any name with a dot) or ``"x"`` (a submodule of the package).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, MutableMapping
from types import ModuleType
from typing import Any


def module(namespace: Mapping[str, Any], spec: str) -> ModuleType:
    """The module ``spec`` (see above) of the package whose globals are ``namespace``."""
    package = str(namespace["__name__"])
    if "." not in spec:
        spec = "." + spec
    return importlib.import_module(spec, package)


def attribute(namespace: MutableMapping[str, Any], where: Mapping[str, str], name: str) -> Any:
    """``name`` imported from its module in ``where`` and kept in ``namespace`` (the
    package's globals), so the next look-up does not come here; an unknown name raises
    Python's own AttributeError."""
    if name not in where:
        package = namespace["__name__"]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(module(namespace, where[name]), name)
    namespace[name] = value
    return value


def names(namespace: Mapping[str, Any], where: Mapping[str, str], *more: str) -> list[str]:
    """What ``dir(package)`` lists: what is loaded, what can be, and ``more``."""
    listed: Iterable[str] = {*namespace, *where, *more}
    return sorted(listed)


__all__ = ["attribute", "module", "names"]
