"""Profiles and user mappings: which input column feeds which store field.

A :class:`Mapping` says, for each store field, where its value comes from: one column,
the first non-empty of several columns, several columns joined, or a constant. The
built-in profiles are mappings too; a user mapping is a YAML file::

    format: csv                 # optional: csv | tsv | jsonl | xlsx | cnki (sniffed otherwise)
    source: ruanyf_weekly       # the record_id prefix; default: the mapping file's stem
    kind: article               # patent | paper | article | financing (or map a column)
    encoding: utf-8             # optional, detected otherwise
    amount_currency: USD        # optional: currency of amounts printed as bare numbers
    fields:
      title: title              # a column
      date: date
      venue: "=科技爱好者周刊"    # "=…" is a constant
      keywords: [tags, section] # a list: the first non-empty column
      source_id: {join: [id, issue], sep: "|"}   # columns joined
      url: null                 # not in this file

Fields: ``kind source_id title abstract keywords date year venue organization ipc url
amount currency round investors sector`` (``amount_text`` and ``round_raw`` are accepted
as aliases of ``amount`` and ``round``).

Auto-detection (no profile and no mapping given), first rule that fits wins:

1. ``cnki``: the file is NoteExpress (``.net`` or its first line is ``{Field}: value``);
2. ``crunchbase``: columns include ``company_permalink``, ``funding_round_type`` and
   ``funded_at``;
3. ``itjuzi``: columns include a company, an amount and a round column, in English
   (``company``/``money``/``rounds``) or Chinese (``公司``/``金额``/``轮次`` …);
4. ``generic``: a column is literally named ``title`` — columns named after store
   fields are taken as they are (the caller's ``kind`` applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import IngestError
from ..models import RECORD_KINDS
from .base import FORMATS

KINDS = tuple(k.value for k in RECORD_KINDS)
MAPPABLE = ("kind", "source_id", "title", "abstract", "keywords", "date", "year", "venue",
            "organization", "ipc", "url", "amount", "currency", "round", "investors", "sector")  # fmt: skip
_ALIASES = {"amount_text": "amount", "round_raw": "round"}
_TOP_KEYS = ("format", "source", "kind", "encoding", "delimiter", "sheet", "amount_currency",
             "fields", "description")  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where one store field comes from."""

    columns: tuple[str, ...] = ()  # the first non-empty of these (or all, joined)
    constant: str | None = None
    join: str | None = None  # separator: join every non-empty column instead of coalescing

    def describe(self) -> str:
        if self.constant is not None:
            return f"={self.constant}"
        if self.join is not None:
            return f"join({', '.join(self.columns)})"
        return " | ".join(self.columns)


@dataclass(frozen=True, slots=True)
class Mapping:
    """How the columns of one kind of file become store records."""

    name: str  # profile name ("crunchbase") or "mapping:<stem>"
    source: str  # record_id prefix and the records' ``source`` column
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    kind: str | None = None  # fixed kind; None = per row (fields["kind"]) or the caller's
    kinds: tuple[str, ...] = KINDS  # kinds this mapping can produce
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    amount_currency: str | None = None
    origin: str = "profile"  # "profile" or the mapping file's path, for error messages

    def columns(self) -> list[str]:
        """Every input column the mapping names, in order."""
        out: dict[str, None] = {}
        for spec in self.fields.values():
            for c in spec.columns:
                out.setdefault(c, None)
        return list(out)


def _spec(value: Any, where: str, name: str) -> FieldSpec | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value.startswith("="):
            return FieldSpec(constant=value[1:])
        if not value.strip():
            return None
        return FieldSpec(columns=(value,))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return FieldSpec(columns=(str(value),))
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return FieldSpec(columns=tuple(value))
    if isinstance(value, dict) and set(value) <= {"join", "sep"} and "join" in value:
        cols = value["join"]
        if isinstance(cols, list) and cols and all(isinstance(v, str) for v in cols):
            return FieldSpec(columns=tuple(cols), join=str(value.get("sep", " ")))
    raise IngestError(
        f'field {name!r} maps to {value!r}: expected a column name, "=constant", a list of '
        "columns (first non-empty wins), {join: [columns], sep: ' '} or null",
        path=where,
    )


def mapping_from_dict(
    data: dict[str, Any], *, origin: str = "<mapping>", stem: str = "mapping"
) -> Mapping:
    """Validate a mapping given as a dict (the parsed YAML)."""
    if not isinstance(data, dict):
        raise IngestError("a mapping must be a YAML mapping with a 'fields' section", path=origin)
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise IngestError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in the mapping "
            f"(allowed: {', '.join(_TOP_KEYS)})",
            path=origin,
        )
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise IngestError(f"format {fmt!r} is not one of {', '.join(FORMATS)}", path=origin)
    kind = data.get("kind")
    if kind is not None:
        kind = str(kind).strip().lower()
        if kind not in KINDS:
            raise IngestError(f"kind {kind!r} is not one of {', '.join(KINDS)}", path=origin)
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise IngestError(
            "the mapping has no 'fields' section: map store fields to columns, e.g. "
            "fields: {title: title, date: date}",
            path=origin,
        )
    fields: dict[str, FieldSpec] = {}
    for key, value in raw_fields.items():
        name = _ALIASES.get(str(key), str(key))
        if name not in MAPPABLE:
            raise IngestError(
                f"unknown field {key!r} in the mapping (fields: {', '.join(MAPPABLE)})",
                path=origin,
            )
        spec = _spec(value, origin, name)
        if spec is not None:
            fields[name] = spec
    if "title" not in fields:
        raise IngestError("the mapping must map 'title' (every record needs one)", path=origin)
    if "kind" in fields and kind is not None:
        raise IngestError("give either 'kind:' or fields.kind, not both", path=origin)
    cur = data.get("amount_currency")
    source = str(data.get("source") or stem)
    return Mapping(
        name=f"mapping:{source}",
        source=source,
        fields=fields,
        kind=kind,
        kinds=(kind,) if kind else KINDS,
        format=fmt,
        encoding=data.get("encoding"),
        delimiter=data.get("delimiter"),
        sheet=data.get("sheet"),
        amount_currency=str(cur).upper() if cur else None,
        origin=origin,
    )


def load_mapping(mapping: str | Path | dict[str, Any] | Mapping) -> Mapping:
    """A :class:`Mapping` from a YAML file, a dict or an existing mapping."""
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, dict):
        return mapping_from_dict(mapping)
    p = Path(mapping)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IngestError("mapping file does not exist", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise IngestError(f"cannot read the mapping file ({e})", path=str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise IngestError(
            f"not valid YAML{where} ({getattr(e, 'problem', e)})", path=str(p)
        ) from None
    return mapping_from_dict(data, origin=str(p), stem=p.stem)


# -- built-in profiles ------------------------------------------------------------------


def _f(*columns: str, join: str | None = None) -> FieldSpec:
    return FieldSpec(columns=columns, join=join)


CRUNCHBASE = Mapping(
    name="crunchbase",
    source="crunchbase",
    kind="financing",
    kinds=("financing",),
    amount_currency="USD",
    fields={
        "title": _f("company_name"),
        "organization": _f("company_name"),
        "sector": _f("company_category_code"),
        # The category is the only description the rounds file has; as the abstract it
        # lets sub-field queries match on it too.
        "abstract": _f("company_category_code"),
        "date": _f("funded_at"),
        "round": _f("funding_round_type"),
        "amount": _f("raised_amount_usd"),
        # Same company, day and round type with different amounts are separate tranches
        # (74 such pairs in the 2013 export), so the amount is part of the id.
        "source_id": _f(
            "company_permalink", "funded_at", "funding_round_type", "raised_amount_usd", join="|"
        ),
        "venue": FieldSpec(constant="Crunchbase"),
    },
)

ITJUZI_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("company", "公司", "公司名称", "项目", "项目名称", "企业", "企业名称", "融资方"),
    "money": ("money", "amount", "金额", "融资金额", "投资金额"),
    "rounds": ("rounds", "round", "轮次", "融资轮次", "投资轮次"),
    "date": ("date", "时间", "日期", "融资时间", "投资时间"),
    "label": ("label", "行业", "领域", "标签", "行业领域"),
    "investors": ("investors", "投资方", "投资机构", "投资人"),
    "location": ("location", "地区", "城市", "所在地"),
}


def itjuzi_mapping(columns: Sequence[str]) -> Mapping | None:
    """The IT桔子 profile for these columns, or None if company/amount/round are missing."""
    have = set(columns)
    found: dict[str, str] = {}
    for key, names in ITJUZI_COLUMNS.items():
        hit = next((n for n in names if n in have), None)
        if hit is not None:
            found[key] = hit
    if not {"company", "money", "rounds"} <= set(found):
        return None
    fields = {
        "title": _f(found["company"]),
        "organization": _f(found["company"]),
        "amount": _f(found["money"]),
        "round": _f(found["rounds"]),
        "venue": FieldSpec(constant="IT桔子"),
    }
    if "date" in found:
        fields["date"] = _f(found["date"])
    if "label" in found:
        fields["sector"] = _f(found["label"])
        fields["abstract"] = _f(found["label"])
    if "investors" in found:
        fields["investors"] = _f(found["investors"])
    return Mapping(
        name="itjuzi", source="itjuzi", kind="financing", kinds=("financing",), fields=fields
    )


CNKI = Mapping(
    name="cnki",
    source="cnki",
    kinds=("paper", "patent"),
    format="cnki",
    fields={
        "kind": _f("_kind"),
        "title": _f("Title"),
        "abstract": _f("Abstract"),
        "keywords": _f("_keywords"),
        "date": _f("Date", "Year"),
        "venue": _f("_venue"),
        "organization": _f("_organization"),
        "source_id": _f("_source_id"),
        "ipc": _f("_ipc"),
        "url": _f("URL"),
    },
)


def generic_mapping(columns: Sequence[str]) -> Mapping:
    """Columns named after store fields, taken as they are."""
    fields = {name: _f(name) for name in MAPPABLE if name in columns}
    for alias, name in _ALIASES.items():
        if alias in columns and name not in fields:
            fields[name] = _f(alias)
    return Mapping(name="generic", source="generic", fields=fields)


PROFILES = ("crunchbase", "itjuzi", "cnki", "generic")


def profile_mapping(profile: str, columns: Sequence[str], fmt: str, path: str) -> Mapping:
    """The named profile's mapping for a file with these columns."""
    if profile == "crunchbase":
        return CRUNCHBASE
    if profile == "cnki":
        if fmt != "cnki":
            raise IngestError(
                f"the cnki profile reads NoteExpress (.net) files, but this file is {fmt}",
                path=path,
            )
        return CNKI
    if profile == "itjuzi":
        m = itjuzi_mapping(columns)
        if m is None:
            raise IngestError(
                "the itjuzi profile needs a company, an amount and a round column "
                f"(e.g. company, money, rounds or 公司, 金额, 轮次); columns: {', '.join(columns)}",
                path=path,
            )
        return m
    if profile == "generic":
        return generic_mapping(columns)
    raise IngestError(f"unknown profile {profile!r} (profiles: {', '.join(PROFILES)})", path=path)


def detect_profile(columns: Sequence[str], fmt: str, path: str) -> Mapping:
    """The first profile whose rule fits (see the module docstring)."""
    if fmt == "cnki":
        return CNKI
    have = set(columns)
    if {"company_permalink", "funding_round_type", "funded_at"} <= have:
        return CRUNCHBASE
    m = itjuzi_mapping(columns)
    if m is not None:
        return m
    if "title" in have:
        return generic_mapping(columns)
    raise IngestError(
        f"cannot tell which profile fits this file (columns: {', '.join(columns) or 'none'}): "
        f"pass profile= ({', '.join(PROFILES)}) or a mapping file",
        path=path,
    )
