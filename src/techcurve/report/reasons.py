"""Stored reasons as sentences in the reader's language.

The ``reasons`` column holds each reason's catalogue ``key`` and ``values`` (see
:class:`techcurve.datatypes.Reason`); this module renders them in Chinese or English for
the report, ``explain`` and the exports. A value naming a record (``record``: the record
that set a birth year, say) is shown by the record's title, source and date, never by
its internal id:

>>> items = [{"indicator": "birth_year", "key": "reasons.snapshot.birth_unknown"}]
>>> reason_sentences(items, "zh")
('诞生年份未知 — 成熟度仅依据专利',)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from techcurve.datatypes import Phase, Phrase, Reason, ReasonValue
from techcurve.report.provenance import source_display_name
from techcurve.store import Store
from techcurve.store.curve import subfield_names
from techcurve.store.provenance import RecordRef, records_by_id
from techcurve.text import Lang, t

log = logging.getLogger(__name__)

#: the value names whose value is a record id (or ``counts:<source>:<term>:<year>``)
RECORD_VALUES = ("record",)
#: the value names whose value is a phase id, shown as the phase's name
PHASE_VALUES = ("phase",)
#: the value names whose value is a sub-field id, shown as the sub-field's name
SUBFIELD_VALUES = ("subfield",)
_PHASE_IDS = frozenset(p.value for p in Phase)


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the reasons name by id: records (id → title, source, date) and sub-fields
    (id → Chinese and English name)."""

    records: Mapping[str, RecordRef] = field(default_factory=dict)
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def reason_items(raw: Any) -> list[dict[str, Any]]:
    """The reasons column (JSON text or a parsed list) as a list of dicts; a legacy
    plain-text value becomes one item with only ``text``."""
    if raw is None:
        return []
    items: Any = raw
    if isinstance(raw, str):
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            return [{"text": raw}] if raw.strip() else []
    if not isinstance(items, list):
        return []
    return [i if isinstance(i, dict) else {"text": str(i)} for i in items]


def record_ids(items: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every record id the reasons' values name (to look them up in one query)."""
    out: set[str] = set()

    def walk(values: Any) -> None:
        if not isinstance(values, Mapping):
            return
        for k, v in values.items():
            if k in RECORD_VALUES and isinstance(v, str):
                out.add(v)
            elif isinstance(v, Mapping):
                walk(v.get("values"))

    for it in items:
        walk(it.get("values"))
    return out


def record_text(record_id: str, refs: Mapping[str, RecordRef], lang: Lang) -> str:
    """A record as a reader sees it: 《title》(source, date), or the count series it is."""
    ref = refs.get(record_id)
    if ref is not None:
        return t(
            "report.record.item",
            lang,
            title=ref.title or t("report.record.untitled", lang),
            source=source_display_name(ref.source, lang),
            when=ref.when(),
        )
    if record_id.startswith("counts:"):
        source, _, rest = record_id[len("counts:") :].partition(":")
        term, _, year = rest.rpartition(":")
        return t(
            "report.record.count",
            lang,
            source=source_display_name(source, lang),
            term=term,
            year=year,
        )
    return t("report.record.gone", lang)


def _resolved(
    values: Mapping[str, ReasonValue], look: Lookups, lang: Lang
) -> dict[str, ReasonValue]:
    out: dict[str, ReasonValue] = {}
    for k, v in values.items():
        if isinstance(v, Phrase):
            out[k] = Phrase(v.key, _resolved(v.values, look, lang))
        elif k in RECORD_VALUES and isinstance(v, str):
            out[k] = record_text(v, look.records, lang)
        elif k in SUBFIELD_VALUES and isinstance(v, str) and v in look.names:
            out[k] = look.names[v][0 if lang == "zh" else 1]
        elif k in PHASE_VALUES and isinstance(v, str) and v in _PHASE_IDS:
            out[k] = Phase(v).label(lang)
        else:
            out[k] = v
    return out


def reason_sentence(item: Mapping[str, Any], look: Lookups, lang: Lang) -> str:
    """One stored reason as a sentence in ``lang`` (a legacy item without a catalogue
    key, or with a key this catalogue lacks, keeps its stored text)."""
    stored = str(item.get("text") or item.get("indicator") or "")
    if not item.get("key"):
        return stored
    r = Reason.from_json(item)
    try:
        return Reason(r.indicator, r.value, r.key, _resolved(r.values, look, lang)).text(lang)
    except (KeyError, IndexError, ValueError):
        # a key this version's catalogue lacks (a store written by another version)
        log.warning("reason %s cannot be shown in %s: showing its stored text", r.key, lang)
        return stored


def reason_sentences(raw: Any, lang: Lang, look: Lookups | None = None) -> tuple[str, ...]:
    """Every reason of one assessment (the ``reasons`` column) as sentences in ``lang``;
    ``look`` holds the records and sub-fields the reasons name (:func:`lookups`)."""
    return tuple(reason_sentence(i, look or Lookups(), lang) for i in reason_items(raw))


def lookups(store: Store, raws: Sequence[Any]) -> Lookups:
    """The records the reasons columns ``raws`` name (one query) and the sub-field names."""
    ids: set[str] = set()
    for raw in raws:
        ids |= record_ids(reason_items(raw))
    return Lookups(records_by_id(store, ids), subfield_names(store))


__all__ = [
    "PHASE_VALUES",
    "RECORD_VALUES",
    "SUBFIELD_VALUES",
    "Lookups",
    "lookups",
    "reason_items",
    "reason_sentence",
    "reason_sentences",
    "record_ids",
    "record_text",
]
