"""``explain``: why one sub-field sits where it does — the model's placement, the final
(expert) placement when an override moved it, the phase probabilities, the reasons in the
reader's language and the records behind it, each named by title, source and date.

>>> res = explain("techcurve.duckdb", "vr", lang="zh")  # doctest: +SKIP
>>> res.assessments[0].final.position, res.assessments[0].model_placement.position
(0.455, 0.192)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from techcurve.assess.label_names import name_index, name_key
from techcurve.datatypes import Phase, YearsBand, check_lang
from techcurve.errors import AssessError, phrase
from techcurve.pipeline.stages import require_assessments
from techcurve.render.curve.uncertainty import phase_probabilities
from techcurve.report.provenance import source_display_name
from techcurve.report.reasons import Lookups, lookups, reason_sentences
from techcurve.store import Store
from techcurve.store import assessments as stored
from techcurve.store.provenance import RecordRef
from techcurve.text import Lang

PathLike = str | Path


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a sub-field sits: phase, position on the curve (0–1), years to plateau."""

    phase: Phase | None
    position: float | None
    years_band: YearsBand | None


@dataclass(frozen=True, slots=True)
class ExpertNote:
    """An expert's override: where they put the sub-field, who, when and why."""

    placement: Placement
    who: str
    when: str | None
    why: str


@dataclass(frozen=True, slots=True)
class ExplainedAssessment:
    """One model's assessment of the sub-field, as ``explain`` shows it.

    ``model_placement`` is what the model said; ``final`` is what the curve shows (the
    expert's placement where an override gives one, else the model's).
    ``probabilities`` are the model's phase probabilities in phase order (empty when
    the model gives none); ``reasons`` are sentences in the result's language;
    ``row`` is the stored row as ``--json`` prints it."""

    model: str
    status: str
    as_of: str | None
    model_placement: Placement
    final: Placement
    expert: ExpertNote | None
    confidence: float | None
    probabilities: tuple[tuple[Phase, float], ...]
    reasons: tuple[str, ...]
    row: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """A matched record behind the placement: title, source and date, not its id."""

    kind: str
    source: str  # the source's name in the result's language
    when: str  # the date as precisely as it is known
    title: str
    terms: str  # the query terms that matched


@dataclass(frozen=True, slots=True)
class SubfieldInfo:
    """The sub-field's taxonomy row."""

    subfield_id: str
    domain_id: str
    name_zh: str
    name_en: str
    query: str
    definition: str


@dataclass(frozen=True, slots=True)
class ExplainResult:
    """Everything behind one sub-field's placement, in ``lang``."""

    lang: Lang
    subfield: SubfieldInfo
    summary: Mapping[str, Any]  # the summary row's indicators (empty before indicators)
    assessments: tuple[ExplainedAssessment, ...]
    records: tuple[EvidenceRecord, ...]
    raw_records: tuple[Mapping[str, Any], ...]  # the records' stored columns, for JSON

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` form: ``subfield``, ``summary``, ``assessments`` (the stored
        columns plus ``reasons_text`` and ``probabilities``) and ``sample_records``."""
        rows = []
        for a in self.assessments:
            row = {k: _plain(v) for k, v in a.row.items()}
            row["reasons_text"] = list(a.reasons)
            row["probabilities"] = {p.value: v for p, v in a.probabilities} or None
            rows.append(row)
        return {
            "subfield": asdict(self.subfield),
            "summary": {k: _plain(v) for k, v in self.summary.items()},
            "assessments": rows,
            "sample_records": [{k: _plain(v) for k, v in r.items()} for r in self.raw_records],
        }


def _plain(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v.isoformat() if isinstance(v, date) else v


def _phase(v: Any) -> Phase | None:
    try:
        return Phase.parse(str(v)) if v else None
    except ValueError:
        return None


def _band(v: Any) -> YearsBand | None:
    try:
        return YearsBand.parse(str(v)) if v else None
    except ValueError:
        return None


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _assessment(row: Mapping[str, Any], look: Lookups, lang: Lang) -> ExplainedAssessment:
    model = Placement(
        _phase(row.get("phase")), _num(row.get("position")), _band(row.get("years_band"))
    )
    final = Placement(
        _phase(row.get("final_phase")) or model.phase,
        _num(row.get("final_position"))
        if row.get("final_position") is not None
        else model.position,
        _band(row.get("final_years_band")) or model.years_band,
    )
    expert = None
    if any(
        row.get(c) is not None for c in ("expert_phase", "expert_position", "expert_years_band")
    ):
        when = row.get("expert_when")
        expert = ExpertNote(
            Placement(
                _phase(row.get("expert_phase")),
                _num(row.get("expert_position")),
                _band(row.get("expert_years_band")),
            ),
            who=str(row.get("expert_who") or ""),
            when=when.isoformat() if isinstance(when, date) else (str(when) if when else None),
            why=str(row.get("expert_why") or ""),
        )
    as_of = row.get("as_of")
    return ExplainedAssessment(
        model=str(row.get("model") or ""),
        status=str(row.get("status") or ""),
        as_of=as_of.isoformat() if isinstance(as_of, date) else (str(as_of) if as_of else None),
        model_placement=model,
        final=final,
        expert=expert,
        confidence=_num(row.get("confidence")),
        probabilities=phase_probabilities(row.get("probabilities")),
        reasons=reason_sentences(row.get("reasons"), lang, look),
        row=row,
    )


def _record(r: Mapping[str, Any], lang: Lang) -> EvidenceRecord:
    ref = RecordRef(
        record_id=str(r.get("record_id") or ""),
        kind=str(r.get("kind") or ""),
        source=str(r.get("source") or ""),
        title=" ".join(str(r.get("title") or "").split()),
        date=r.get("date"),
        precision=r.get("date_precision"),
        year=r.get("year"),
    )
    return EvidenceRecord(
        kind=ref.kind,
        source=source_display_name(ref.source, lang) if ref.source else "",
        when=ref.when(),
        title=ref.title,
        terms=str(r.get("terms") or ""),
    )


def _subfield(row: Mapping[str, Any]) -> SubfieldInfo:
    def text(k: str) -> str:
        return str(row.get(k) or "")

    return SubfieldInfo(
        text("subfield_id"),
        text("domain_id"),
        text("name_zh"),
        text("name_en"),
        text("query"),
        text("definition"),
    )


def explain(
    db: PathLike, subfield_id: str, *, n_records: int = 5, lang: str = "en"
) -> ExplainResult:
    """The placement of one sub-field with its reasons, indicators and sample records,
    in ``lang`` (zh or en)."""
    with Store.open(db, read_only=True) as st:
        return explain_open(st, db, subfield_id, n_records=n_records, lang=lang)


def explain_open(
    st: Store, db: PathLike, subfield_id: str, *, n_records: int = 5, lang: str = "en"
) -> ExplainResult:
    """:func:`explain` on a store already open (the dashboard reads several things in
    one opening); ``db`` is the store's path, named by its errors.

    ``subfield_id`` is a sub-field's id or, failing that, anything a label file may name
    it by (:func:`techcurve.assess.label_names.name_index`: its zh or en name, with or
    without a parenthesis, or an alias only it uses), folded for case and width."""
    lg = check_lang(lang)
    require_assessments(st, db)
    rows = stored.subfield_rows(st, subfield_id, n_records=n_records)
    if rows is None and (named := name_index(stored.subfield_names(st)).get(name_key(subfield_id))):
        rows = stored.subfield_rows(st, named, n_records=n_records)
    if rows is None:
        close = stored.similar_subfield_ids(st, subfield_id)
        hint = phrase("assess.did_you_mean", ids=", ".join(close)) if close else ""
        raise AssessError.of("assess.unknown_subfield", id=subfield_id, hint=hint)
    look = lookups(st, [a.get("reasons") for a in rows.assessments])
    return ExplainResult(
        lang=lg,
        subfield=_subfield(rows.subfield),
        summary=rows.summary,
        assessments=tuple(_assessment(a, look, lg) for a in rows.assessments),
        records=tuple(_record(r, lg) for r in rows.sample_records),
        raw_records=tuple(rows.sample_records),
    )


__all__ = [
    "EvidenceRecord",
    "ExpertNote",
    "ExplainResult",
    "ExplainedAssessment",
    "Placement",
    "SubfieldInfo",
    "explain",
    "explain_open",
]
