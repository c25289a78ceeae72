"""What an expert sees of a round: per sub-field the model's placement, the evidence,
their own previous answer and, from round 2, the previous round's anonymised answers."""

from __future__ import annotations

import json
from typing import Any

from techcurve.datatypes import Reason
from techcurve.panel.model import (
    Answer,
    Distribution,
    EvidenceCount,
    Expert,
    ModelPlacement,
    PanelInfo,
    RoundInfo,
    RoundView,
    SubfieldView,
)
from techcurve.panel.rounds import find_round, round_answers
from techcurve.store import Store
from techcurve.store import panel as stored
from techcurve.text import Lang


def _reason(item: dict[str, Any], lang: Lang) -> str:
    if not item.get("key"):  # a legacy reason, stored as text only
        return str(item.get("text") or item.get("indicator") or "")
    return Reason.from_json(item).text(lang)


def _model(row: dict[str, Any] | None, lang: Lang) -> ModelPlacement:
    if row is None:
        return ModelPlacement(None, None, None, None, None, None, ())
    reasons = tuple(_reason(r, lang) for r in json.loads(row["reasons"] or "[]"))
    probs = json.loads(row["probabilities"]) if row.get("probabilities") else None
    return ModelPlacement(
        row["model"], row["phase"], row["position"], row["years_band"], row["confidence"],
        {str(k): float(v) for k, v in probs.items()} if probs else None, reasons,
    )  # fmt: skip


def _distribution(st: Store, rnd: RoundInfo) -> dict[str, Distribution]:
    answers = round_answers(st, rnd)
    out = {}
    for r in stored.round_results(st, rnd.round_id).iter_rows(named=True):
        sid = r["subfield_id"]
        out[sid] = Distribution(
            round_number=rnd.number, answers=int(r["answers"]), median=r["median"],
            median_phase=r["median_phase"], q1=r["q1"], q3=r["q3"],
            iqr_phases=r["iqr_phases"], share_agreeing=r["share_agreeing"],
            positions=tuple(sorted(a.position for _, a in answers.get(sid, []))),
            consensus=bool(r["consensus"]),
        )  # fmt: skip
    return out


def _own(st: Store, rnd: RoundInfo, expert: Expert) -> dict[str, Answer]:
    return {
        sid: a
        for sid, pairs in round_answers(st, rnd).items()
        for eid, a in pairs
        if eid == expert.expert_id
    }


def expert_round_view(
    st: Store, expert: Expert, *, number: int | None = None, lang: Lang = "zh"
) -> RoundView:
    """``expert``'s view of round ``number`` of their panel (default: the latest)."""
    panel = PanelInfo(*stored.panel_row_by_id(st, expert.panel_id))
    rnd = find_round(st, panel, number)
    ids = list(rnd.subfields)
    models = {r["subfield_id"]: r for r in stored.model_placements(st, ids).iter_rows(named=True)}
    names = {r["subfield_id"]: r for r in stored.subfield_rows(st, ids).iter_rows(named=True)}
    evidence: dict[str, list[EvidenceCount]] = {}
    for r in stored.evidence_counts(st, ids).iter_rows(named=True):
        evidence.setdefault(r["subfield_id"], []).append(
            EvidenceCount(r["kind"], int(r["items"]), r["latest_year"])
        )
    own = _own(st, rnd, expert)
    dist: dict[str, Distribution] = {}
    if rnd.number > 1:
        prev = find_round(st, panel, rnd.number - 1)
        dist = _distribution(st, prev)
        own = {**_own(st, prev, expert), **own}
    views = []
    for sid in ids:
        n = names.get(sid) or {"name_zh": sid, "name_en": sid, "domain_id": ""}
        views.append(
            SubfieldView(
                sid,
                n["name_zh"] or sid,
                n["name_en"] or sid,
                n["domain_id"] or "",
                _model(models.get(sid), lang),
                tuple(evidence.get(sid, ())),
                own.get(sid),
                dist.get(sid),
            )  # fmt: skip
        )
    return RoundView(panel, rnd, expert, tuple(views))
