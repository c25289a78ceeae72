"""Stored reasons as sentences in the reader's language.

The ``reasons`` column holds each reason's catalogue ``key`` and ``values`` (see
:class:`techcurve.datatypes.Reason`); this module renders them in Chinese or English for
the report, ``explain`` and the exports. A value naming a record (``record``: the record
that set a birth year, say) is shown by the record's title, source and date, never by
its internal id:

>>> items = [{"indicator": "birth_year", "key": "reasons.snapshot.birth_unknown"}]
>>> reason_sentences(items, "zh", {})
('诞生年份未知 — 成熟度仅依据专利',)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from techcurve.datatypes import Phase, Phrase, Reason, ReasonValue
from techcurve.report.provenance import source_display_name
from techcurve.store import Store
from techcurve.store.provenance import RecordRef, records_by_id
from techcurve.text import Lang, t

#: the value names whose value is a record id (or ``counts:<source>:<term>:<year>``)
RECORD_VALUES = ("record",)
#: the value names whose value is a phase id, shown as the phase's name
PHASE_VALUES = ("phase",)
_PHASE_IDS = frozenset(p.value for p in Phase)


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
    values: Mapping[str, ReasonValue], refs: Mapping[str, RecordRef], lang: Lang
) -> dict[str, ReasonValue]:
    out: dict[str, ReasonValue] = {}
    for k, v in values.items():
        if isinstance(v, Phrase):
            out[k] = Phrase(v.key, _resolved(v.values, refs, lang))
        elif k in RECORD_VALUES and isinstance(v, str):
            out[k] = record_text(v, refs, lang)
        elif k in PHASE_VALUES and isinstance(v, str) and v in _PHASE_IDS:
            out[k] = Phase(v).label(lang)
        else:
            out[k] = v
    return out


def reason_sentence(item: Mapping[str, Any], refs: Mapping[str, RecordRef], lang: Lang) -> str:
    """One stored reason as a sentence in ``lang`` (a legacy item without a catalogue
    key keeps its stored text)."""
    if not item.get("key"):
        return str(item.get("text") or item.get("indicator") or "")
    r = Reason.from_json(item)
    return Reason(r.indicator, r.value, r.key, _resolved(r.values, refs, lang)).text(lang)


def reason_sentences(
    raw: Any, lang: Lang, refs: Mapping[str, RecordRef] | None = None
) -> tuple[str, ...]:
    """Every reason of one assessment (the ``reasons`` column) as sentences in ``lang``;
    ``refs`` are the records the reasons name (:func:`records_named`)."""
    return tuple(reason_sentence(i, refs or {}, lang) for i in reason_items(raw))


def records_named(store: Store, raws: Sequence[Any]) -> dict[str, RecordRef]:
    """The records that the reasons columns ``raws`` name, looked up in one query."""
    ids: set[str] = set()
    for raw in raws:
        ids |= record_ids(reason_items(raw))
    return records_by_id(store, ids)


__all__ = [
    "PHASE_VALUES",
    "RECORD_VALUES",
    "reason_items",
    "reason_sentence",
    "reason_sentences",
    "record_ids",
    "record_text",
    "records_named",
]
