"""The report data as the text of ``<name>.data.json``, written in one walk.

:func:`report_json_text` returns exactly ``json.dumps(to_json(data), ensure_ascii=False,
indent=2, sort_keys=True)`` (:func:`techcurve.report.model.to_json`), without building the
JSON-ready tree first and without the standard library's pure-Python encoder (Python 3.11's
C encoder ignores ``indent``): the same checks in the same order, the same string escaping
(:func:`json.encoder.encode_basestring`) and ``float.__repr__`` / ``int.__repr__``. A value
either step would treat in a way not copied here (an unknown type, a key that is not a
string or a number) makes it fall back to that expression itself, errors included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any

from techcurve.report.model import INLINE_FIELD, OMIT_NONE_FIELD, to_json

__all__ = ["report_json_text"]

_encode_str = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False
_float_repr = float.__repr__
_int_repr = int.__repr__
_INF = float("inf")
_isfinite = math.isfinite


class _Unsupported(Exception):
    """A value this walk does not copy the treatment of: use the two-step form."""


def report_json_text(data: object) -> str:
    """``json.dumps(to_json(data), ensure_ascii=False, indent=2, sort_keys=True)``."""
    try:
        return _Walk().text(data, 0)
    except (_Unsupported, RecursionError, TypeError, ValueError):  # errors: the same as before
        return json.dumps(to_json(data), ensure_ascii=False, indent=2, sort_keys=True)


#: per dataclass: its fields as (name, inline, omit when None)
_FIELDS: dict[type, tuple[tuple[str, bool, bool], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, bool, bool], ...]:
    got = _FIELDS.get(cls)
    if got is None:
        got = tuple(
            (f.name, bool(f.metadata.get(INLINE_FIELD)), bool(f.metadata.get(OMIT_NONE_FIELD)))
            for f in fields(cls)
        )
        _FIELDS[cls] = got
    return got


def _dataclass_items(v: object) -> dict[Any, Any]:
    """What ``to_json`` makes of a dataclass, with the values not yet converted."""
    out: dict[Any, Any] = {}
    for name, inline, omit in _fields_of(type(v)):
        x = getattr(v, name)
        if inline:
            if x is not None:
                out.update(_object_items(x))
        elif not (x is None and omit):
            out[name] = x
    return out


def _object_items(v: object) -> dict[Any, Any]:
    """The entries ``to_json(v)`` has when it is a JSON object (a dataclass or a mapping)."""
    if is_dataclass(v) and not isinstance(v, type):
        return _dataclass_items(v)
    if isinstance(v, Mapping):
        return dict(v.items())
    raise _Unsupported


def _key_text(k: object) -> str:
    """A key as ``json.dumps`` writes it (before quoting)."""
    if isinstance(k, str):
        return k
    if isinstance(k, float):
        if k != k:
            return "NaN"
        if k == _INF:
            return "Infinity"
        if k == -_INF:
            return "-Infinity"
        return _float_repr(k)
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return _int_repr(k)
    raise _Unsupported


class _Walk:
    def __init__(self) -> None:
        self._newlines = ["\n"]  # "\n" + the indent of each level

    def _newline(self, level: int) -> str:
        lines = self._newlines
        while len(lines) <= level:
            lines.append(lines[-1] + "  ")
        return lines[level]

    def text(self, v: object, level: int) -> str:
        t = type(v)
        # to_json: exact str, int and bool and None as they are
        if t is str:
            return _encode_str(v)  # type: ignore[arg-type]
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if t is int:
            return _int_repr(v)
        if isinstance(v, float):  # NaN and ±inf are None
            return _float_repr(v) if _isfinite(v) else "null"
        if is_dataclass(v) and not isinstance(v, type):
            return self._join("{", self._entries(_dataclass_items(v), level + 1), "}", level)
        if isinstance(v, Mapping):
            return self._join("{", self._entries(dict(v.items()), level + 1), "}", level)
        if isinstance(v, list | tuple):
            return self._join("[", self._values(v, level + 1), "]", level)
        if isinstance(v, date):
            return _encode_str(v.isoformat())
        # to_json leaves anything else as it is; json.dumps writes str and int subclasses
        if isinstance(v, str):
            return _encode_str(v)
        if isinstance(v, int):
            return _int_repr(v)
        raise _Unsupported

    def _join(self, opening: str, parts: list[str], closing: str, level: int) -> str:
        if not parts:
            return opening + closing
        inner = self._newline(level + 1)
        return opening + inner + ("," + inner).join(parts) + self._newline(level) + closing

    def _values(self, values: list[Any] | tuple[Any, ...], level: int) -> list[str]:
        """Each value's text; the plain leaves (exact types, most values) without a call."""
        parts: list[str] = []
        add = parts.append
        for x in values:
            t = type(x)
            if t is str:
                add(_encode_str(x))
            elif t is float:
                add(_float_repr(x) if _isfinite(x) else "null")
            elif t is int:
                add(_int_repr(x))
            else:
                add(self.text(x, level))
        return parts

    def _entries(self, items: dict[Any, Any], level: int) -> list[str]:
        """Each entry's ``"key": value`` text, by key (as ``sort_keys`` orders them)."""
        parts: list[str] = []
        add = parts.append
        for k, x in sorted(items.items()):
            key = _encode_str(k if type(k) is str else _key_text(k)) + ": "
            t = type(x)
            if t is str:
                add(key + _encode_str(x))
            elif t is float:
                add(key + (_float_repr(x) if _isfinite(x) else "null"))
            elif t is int:
                add(key + _int_repr(x))
            else:
                add(key + self.text(x, level))
        return parts
