"""Profiles and user mappings: which input column feeds which store field.

A :class:`Mapping` says, for each store field, where its value comes from: one column,
the first non-empty of several columns, several columns joined, or a constant. The
built-in profiles are mappings too; a user mapping is a YAML file::

    format: csv                 # optional: one of FORMATS (csv tsv jsonl json xlsx xls
                                # parquet cnki ris wos endnote refworks estudy); sniffed otherwise
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

Fields: ``kind source source_id title abstract keywords date year venue organization ipc
url amount currency round investors sector`` (``amount_text`` and ``round_raw`` are
accepted as aliases of ``amount`` and ``round``). ``source`` mapped to a column makes each
row's value its source and record-id prefix (one file holding several platforms); the
top-level ``source`` then names rows whose cell is empty.

Auto-detection (no profile and no mapping given), first rule that fits wins:

1. the format says it: NoteExpress → ``cnki`` (``wanfang`` when its records name
   Wanfang as the provider), RIS → ``ris``, Web of Science → ``wos``, EndNote →
   ``endnote``, RefWorks → ``refworks``, CNKI E-Study → ``estudy``; JSON/JSONL whose
   objects are OpenAlex works → ``openalex``;
2. ``crunchbase``: columns include ``company_permalink``, ``funding_round_type`` and
   ``funded_at``;
3. ``cnipa``: a patent title column (``名称``, ``发明名称``, ``标题`` …) and an
   application or publication number (``申请号``, ``公开(公告)号`` …); full-width
   brackets and spaces in headers do not matter;
4. ``patentsview``: ``patent_id`` (or ``patent_number``) and ``patent_title``;
5. ``itjuzi``: columns include a company, an amount and a round column, in English
   (``company``/``money``/``rounds``) or Chinese (``公司``/``金额``/``轮次`` …);
6. ``generic``: a column holds titles by its name (``title``, ``标题``, ``题名`` …) —
   columns named after store fields, or by their common English and Chinese header
   names (:mod:`techcurve.ingest.headers`), feed those fields (the caller's ``kind``
   applies).

``docs/ingest.md`` lists every profile's column → field table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from techcurve.datatypes import RECORD_KINDS
from techcurve.errors import IngestError, phrase
from techcurve.ingest.base import FORMATS
from techcurve.ingest.headers import generic_columns

KINDS = tuple(k.value for k in RECORD_KINDS)
MAPPABLE = ("kind", "source", "source_id", "title", "abstract", "keywords", "date", "year", "venue",
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
    raise IngestError.of(
        "ingest.mapping_bad_field",
        name=name,
        value=value,
        join="{join: [columns], sep: ' '}",
        path=where,
    )


def mapping_from_dict(
    data: dict[str, Any], *, origin: str = "<mapping>", stem: str = "mapping"
) -> Mapping:
    """Validate a mapping given as a dict (the parsed YAML)."""
    if not isinstance(data, dict):
        raise IngestError.of("ingest.mapping_not_a_mapping", path=origin)
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise IngestError.of(
            "ingest.mapping_unknown_keys",
            keys=", ".join(map(repr, unknown)),
            allowed=", ".join(_TOP_KEYS),
            path=origin,
        )
    fmt = data.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise IngestError.of(
            "ingest.mapping_unknown_format", format=fmt, formats=", ".join(FORMATS), path=origin
        )
    kind = data.get("kind")
    if kind is not None:
        kind = str(kind).strip().lower()
        if kind not in KINDS:
            raise IngestError.of(
                "ingest.mapping_unknown_kind", kind=kind, kinds=", ".join(KINDS), path=origin
            )
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise IngestError.of(
            "ingest.mapping_no_fields", example="fields: {title: title, date: date}", path=origin
        )
    fields: dict[str, FieldSpec] = {}
    for key, value in raw_fields.items():
        name = _ALIASES.get(str(key), str(key))
        if name not in MAPPABLE:
            raise IngestError.of(
                "ingest.mapping_unknown_field", field=key, fields=", ".join(MAPPABLE), path=origin
            )
        spec = _spec(value, origin, name)
        if spec is not None:
            fields[name] = spec
    if "title" not in fields:
        raise IngestError.of("ingest.mapping_no_title", path=origin)
    if "kind" in fields and kind is not None:
        raise IngestError.of("ingest.mapping_kind_twice", path=origin)
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
        raise IngestError.of("ingest.mapping_file_missing", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise IngestError.of("ingest.mapping_unreadable", error=e, path=str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", e)
        if mark is not None:
            raise IngestError.of(
                "ingest.mapping_bad_yaml_at", line=mark.line + 1, problem=problem, path=str(p)
            ) from None
        raise IngestError.of("ingest.mapping_bad_yaml", problem=problem, path=str(p)) from None
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
    """Columns named after store fields, or by the common English and Chinese header
    names of :data:`~techcurve.ingest.headers.GENERIC_HEADERS` (``标题``, ``日期``,
    ``网站``, ``id`` …)."""
    fields = {name: _f(*cols) for name, cols in generic_columns(columns).items()}
    return Mapping(name="generic", source="generic", fields=fields)


def _bib(name: str, source: str, fmt: str) -> Mapping:
    """A bibliographic profile over the derived columns of :mod:`techcurve.ingest.tagged`."""
    return Mapping(
        name=name,
        source=source,
        kinds=("paper", "patent"),
        format=fmt,
        fields={
            "kind": _f("_kind"),
            "title": _f("_title"),
            "abstract": _f("_abstract"),
            "keywords": _f("_keywords"),
            "date": _f("_date"),
            "venue": _f("_venue"),
            "organization": _f("_organization"),
            "source_id": _f("_source_id"),
            "ipc": _f("_ipc"),
            "url": _f("_url"),
        },
    )


# E-Study records come from CNKI: same source name as the NoteExpress exports.
BIB_PROFILES: dict[str, Mapping] = {
    "ris": _bib("ris", "ris", "ris"),
    "wos": _bib("wos", "wos", "wos"),
    "endnote": _bib("endnote", "endnote", "endnote"),
    "refworks": _bib("refworks", "refworks", "refworks"),
    "estudy": _bib("estudy", "cnki", "estudy"),
}

WANFANG = Mapping(
    name="wanfang",
    source="wanfang",
    kinds=CNKI.kinds,
    format="cnki",
    fields=dict(CNKI.fields),
)

OPENALEX = Mapping(
    name="openalex",
    source="openalex",
    kind="paper",
    kinds=("paper",),
    fields={
        "source_id": _f("openalex_id"),
        "title": _f("title"),
        "abstract": _f("abstract"),
        "keywords": _f("keywords"),
        "date": _f("publication_date", "publication_year"),
        "venue": _f("venue"),
        "organization": _f("institution"),
        "url": _f("url"),
    },
)


def _key(name: str) -> str:
    """A header as compared with the names below: NFKC (full-width brackets become
    ASCII), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()


def _find(columns: Sequence[str], names: Sequence[str]) -> list[str]:
    """The columns (as the file spells them) that match ``names``, in ``names`` order."""
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(_key(c), c)
    out: list[str] = []
    for n in names:
        hit = by_key.get(_key(n))
        if hit is not None and hit not in out:
            out.append(hit)
    return out


CNIPA_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("名称", "发明名称", "专利名称", "标题", "中文标题", "标题(中文)", "title"),
    "abstract": ("摘要", "中文摘要", "摘要(中文)", "abstract"),
    "pub_no": ("公开(公告)号", "公开公告号", "公开号", "公告号", "授权公告号", "公开(公告)号码"),
    "app_no": ("申请号", "专利申请号", "申请号码"),
    "app_date": ("申请日", "申请日期"),
    "pub_date": ("公开(公告)日", "公开公告日", "公开日", "公告日", "公开日期", "授权公告日"),
    "applicant": ("申请(专利权)人", "申请(专利权)人名称", "申请人", "专利权人", "当前权利人",
                  "申请人名称", "第一申请人"),
    "ipc": ("分类号", "IPC", "IPC分类号", "IPC分类", "国际分类号", "主分类号", "IPC主分类号",
            "IPC主分类"),
    "url": ("链接", "url", "详情链接"),
}  # fmt: skip


def cnipa_mapping(columns: Sequence[str]) -> Mapping | None:
    """The CNIPA profile for a patent table with these columns, or None if it has no
    title and no application/publication number column."""
    found = {k: _find(columns, names) for k, names in CNIPA_COLUMNS.items()}
    if not found["title"] or not (found["pub_no"] or found["app_no"]):
        return None
    fields: dict[str, FieldSpec] = {
        "title": _f(found["title"][0]),
        "source_id": _f(*(found["pub_no"] + found["app_no"])),
        "venue": FieldSpec(constant="CNIPA"),
    }
    if found["abstract"]:
        fields["abstract"] = _f(found["abstract"][0])
    # Patent statistics count applications: the application date wins.
    if found["app_date"] or found["pub_date"]:
        fields["date"] = _f(*(found["app_date"] + found["pub_date"]))
    if found["applicant"]:
        fields["organization"] = _f(*found["applicant"])
    if found["ipc"]:
        fields["ipc"] = _f(*found["ipc"])
    if found["url"]:
        fields["url"] = _f(found["url"][0])
    return Mapping(name="cnipa", source="cnipa", kind="patent", kinds=("patent",), fields=fields)


PATENTSVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("patent_id", "patent_number"),
    "title": ("patent_title",),
    "abstract": ("patent_abstract",),
    "date": ("filing_date", "application_date", "patent_date", "grant_date"),
    "organization": ("disambig_assignee_organization", "assignee_organization", "assignee",
                     "organization", "raw_assignee_organization"),
    "ipc": ("ipc", "ipcr", "ipc_class", "ipc_code", "cpc_group", "cpc_subgroup_id",
            "cpc_group_id", "cpc"),
}  # fmt: skip


def patentsview_mapping(columns: Sequence[str]) -> Mapping | None:
    """The PatentsView profile (USPTO ``g_patent`` joined with assignees), or None."""
    found = {k: _find(columns, names) for k, names in PATENTSVIEW_COLUMNS.items()}
    if not found["id"] or not found["title"]:
        return None
    fields: dict[str, FieldSpec] = {
        "source_id": _f(found["id"][0]),
        "title": _f(found["title"][0]),
        "venue": FieldSpec(constant="USPTO"),
    }
    for key in ("abstract", "date", "organization", "ipc"):
        if found[key]:
            fields[key] = _f(*found[key])
    return Mapping(
        name="patentsview", source="patentsview", kind="patent", kinds=("patent",), fields=fields
    )


PROFILES = ("crunchbase", "itjuzi", "cnki", "wanfang", "cnipa", "patentsview", "openalex",
            "ris", "wos", "endnote", "refworks", "estudy", "generic")  # fmt: skip

#: The reader a profile implies (a profile not listed reads whatever format is detected).
PROFILE_FORMATS = {name: name for name in BIB_PROFILES}


#: Profiles recognised by their columns: the function that maps them, and the catalogue
#: key of what it needs.
_COLUMN_PROFILES: dict[str, tuple[Callable[[Sequence[str]], Mapping | None], str]] = {
    "itjuzi": (
        itjuzi_mapping,
        "ingest.profile_needs_itjuzi",
    ),
    "cnipa": (
        cnipa_mapping,
        "ingest.profile_needs_cnipa",
    ),
    "patentsview": (
        patentsview_mapping,
        "ingest.profile_needs_patentsview",
    ),
}


def profile_mapping(profile: str, columns: Sequence[str], fmt: str, path: str) -> Mapping:
    """The named profile's mapping for a file with these columns."""
    if profile == "crunchbase":
        return CRUNCHBASE
    if profile in ("cnki", "wanfang"):
        if fmt != "cnki":
            raise IngestError.of(
                "ingest.profile_reads_noteexpress", profile=profile, fmt=fmt, path=path
            )
        return CNKI if profile == "cnki" else WANFANG
    if profile in BIB_PROFILES:
        if fmt != profile:
            raise IngestError.of(
                "ingest.profile_wrong_format", profile=profile, wanted=profile, fmt=fmt, path=path
            )
        return BIB_PROFILES[profile]
    if profile == "openalex":
        if "openalex_id" not in columns:
            raise IngestError.of("ingest.profile_no_openalex_works", path=path)
        return OPENALEX
    if profile in _COLUMN_PROFILES:
        find, needs = _COLUMN_PROFILES[profile]
        m = find(columns)
        if m is None:
            raise IngestError.of(
                "ingest.profile_needs_columns",
                needs=phrase(needs),
                columns=", ".join(columns),
                path=path,
            )
        return m
    if profile == "generic":
        return generic_mapping(columns)
    raise IngestError.of(
        "ingest.unknown_record_profile", profile=profile, profiles=", ".join(PROFILES), path=path
    )


def detect_profile(columns: Sequence[str], fmt: str, path: str, hint: str | None = None) -> Mapping:
    """The first profile whose rule fits (see the module docstring)."""
    if fmt == "cnki":
        return WANFANG if hint == "wanfang" else CNKI
    if fmt in BIB_PROFILES:
        return BIB_PROFILES[fmt]
    if hint == "openalex":
        return OPENALEX
    have = set(columns)
    if {"company_permalink", "funding_round_type", "funded_at"} <= have:
        return CRUNCHBASE
    for rule in (cnipa_mapping, patentsview_mapping, itjuzi_mapping):
        m = rule(columns)
        if m is not None:
            return m
    if "title" in generic_columns(columns):
        return generic_mapping(columns)
    raise IngestError.of(
        "ingest.no_profile_fits",
        columns=", ".join(columns) or "none",
        profiles=", ".join(PROFILES),
        path=path,
    )
