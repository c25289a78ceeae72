"""The Delphi rounds on an open store: panels, tokens, rounds, answers, closing.

Every function takes an open :class:`Store` and does its writes in one short
transaction, so that the web app can open the store per request. The db-level entry
points (one per CLI command and web page) are in :mod:`techcurve.pipeline.panel`.
docs/panel.md describes the rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from techcurve.assess.placements import reapply_placements
from techcurve.errors import PanelError
from techcurve.panel.aggregate import aggregate
from techcurve.panel.answers import check_answer
from techcurve.panel.model import (
    Answer,
    ClosedRound,
    CreatedPanel,
    Expert,
    NewExpert,
    Outlier,
    PanelInfo,
    PanelStatus,
    RoundInfo,
    RoundStatus,
    SubfieldResult,
)
from techcurve.panel.roster import RosterEntry
from techcurve.panel.tokens import find_token, hash_token, new_token
from techcurve.store import Store
from techcurve.store import panel as stored
from techcurve.text import Lang, t


def now() -> datetime:
    """The time stamps of the panel: local wall time, to the second."""
    return datetime.now().replace(microsecond=0)


# -- panels and experts -------------------------------------------------------------


def create_panel(
    st: Store, name: str, roster: Sequence[RosterEntry], *, max_rounds: int = 3
) -> CreatedPanel:
    """Create panel ``name`` with the experts of ``roster``; each expert's plain token is
    in the result, once (only its SHA-256 is stored)."""
    name = name.strip()
    if not name:
        raise PanelError.of("panel.no_name")
    if max_rounds < 1:
        raise PanelError.of("panel.bad_max_rounds", max_rounds=max_rounds)
    if name in stored.panel_names(st):
        raise PanelError.of("panel.exists", name=name)
    tokens = [new_token() for _ in roster]
    with st.transaction():
        pid = stored.add_panel(st, name, max_rounds, now())
        rows = [
            (e.name, e.affiliation, ";".join(e.domains), hash_token(tok))
            for e, tok in zip(roster, tokens, strict=True)
        ]
        ids = stored.add_experts(st, pid, rows)
    return CreatedPanel(
        PanelInfo(pid, name, max_rounds),
        tuple(
            NewExpert(Expert(eid, pid, e.name, e.affiliation, e.domains), tok)
            for eid, e, tok in zip(ids, roster, tokens, strict=True)
        ),
    )


def find_panel(st: Store, name: str | None = None) -> PanelInfo:
    """The panel called ``name`` (default: the latest one created)."""
    row = stored.panel_row(st, name)
    if row is None:
        have = stored.panel_names(st)
        if not have:
            raise PanelError.of("panel.none", command="techcurve panel create")
        raise PanelError.of("panel.unknown", name=name, have=", ".join(have))
    return PanelInfo(*row)


def _expert(row: tuple[int, int, str, str, str]) -> Expert:
    eid, pid, name, aff, domains = row
    return Expert(eid, pid, name, aff, tuple(d for d in domains.split(";") if d))


def authenticate(st: Store, token: str) -> Expert:
    """The expert whose token this is; :class:`PanelError` ``panel.bad_token`` otherwise.
    The hashes are compared in constant time (:func:`~techcurve.panel.tokens.find_token`)."""
    found = find_token(token, stored.token_hashes(st)) if token else None
    row = stored.expert_row(st, found[0]) if found else None
    if row is None:
        raise PanelError.of("panel.bad_token")
    return _expert(row)


def panel_experts(st: Store, panel: PanelInfo) -> tuple[Expert, ...]:
    frame = stored.experts(st, panel.panel_id)
    return tuple(
        _expert((int(r[0]), panel.panel_id, str(r[1]), str(r[2] or ""), str(r[3] or "")))
        for r in frame.iter_rows()
    )


# -- rounds --------------------------------------------------------------------------


def _rounds(st: Store, panel: PanelInfo) -> list[RoundInfo]:
    return [
        RoundInfo(
            int(r["round_id"]),
            panel.panel_id,
            int(r["number"]),
            tuple(json.loads(r["subfields"])),
            str(r["status"]),
            r["opened_at"],
            r["closed_at"],
        )  # fmt: skip
        for r in stored.rounds(st, panel.panel_id).iter_rows(named=True)
    ]


def find_round(st: Store, panel: PanelInfo, number: int | None = None) -> RoundInfo:
    """Round ``number`` of ``panel`` (default: its latest round)."""
    have = _rounds(st, panel)
    if not have:
        raise PanelError.of(
            "panel.no_rounds", panel=panel.name, command="techcurve panel open-round"
        )
    if number is None:
        return have[-1]
    for r in have:
        if r.number == number:
            return r
    raise PanelError.of(
        "panel.unknown_round", panel=panel.name, number=number,
        have=", ".join(str(r.number) for r in have),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Choice:
    """Which sub-fields a round asks about: ``ids``, or those of ``domain``, or (neither)
    every sub-field the model placed on the curve."""

    ids: tuple[str, ...] = ()
    domain: str | None = None


def _chosen(st: Store, choice: Choice) -> tuple[str, ...]:
    placed = stored.model_placements(st, _all_ids(st))
    if placed.height == 0:
        raise PanelError.of("panel.no_assessments", command="techcurve assess")
    if choice.ids:
        known = set(_all_ids(st))
        unknown = [i for i in choice.ids if i not in known]
        if unknown:
            raise PanelError.of("panel.unknown_subfields", ids=", ".join(unknown))
        return tuple(dict.fromkeys(choice.ids))
    if choice.domain is not None:
        rows = stored.subfield_rows(st, _all_ids(st))
        ids = sorted(rows.filter(pl.col("domain_id") == choice.domain)["subfield_id"].to_list())
        if not ids:
            domains = sorted(set(rows["domain_id"].drop_nulls().to_list()))
            raise PanelError.of(
                "panel.unknown_domain", domain=choice.domain, have=", ".join(domains)
            )
        return tuple(ids)
    ids = sorted(placed.filter(pl.col("phase").is_not_null())["subfield_id"].to_list())
    if not ids:
        raise PanelError.of("panel.nothing_placed")
    return tuple(ids)


def _all_ids(st: Store) -> list[str]:
    if not st.has_table("subfields"):
        return []
    return st.table("subfields")["subfield_id"].to_list()


def open_round(st: Store, panel: PanelInfo, choice: Choice = Choice()) -> RoundInfo:
    """Open the panel's next round for the chosen sub-fields (one round open at a time;
    not after the panel's last round)."""
    have = _rounds(st, panel)
    if have and have[-1].status == "open":
        raise PanelError.of(
            "panel.round_open",
            panel=panel.name,
            number=have[-1].number,
            command="techcurve panel close-round",
        )
    number = len(have) + 1
    if number > panel.max_rounds:
        raise PanelError.of("panel.max_rounds", panel=panel.name, max_rounds=panel.max_rounds)
    ids = _chosen(st, choice)
    with st.transaction():
        stored.add_round(st, panel.panel_id, number, ids, now())
    return find_round(st, panel, number)


# -- answers -------------------------------------------------------------------------


def _model_phases(st: Store, ids: Sequence[str]) -> dict[str, str | None]:
    frame = stored.model_placements(st, ids)
    if frame.height == 0:
        return {}
    return dict(frame.select("subfield_id", "phase").iter_rows())


def validate_responses(
    st: Store, rnd: RoundInfo, raw: Mapping[str, Mapping[str, Any]]
) -> tuple[list[Answer], list[PanelError]]:
    """Each of ``raw``'s answers (sub-field id → field → value) validated against the
    round and the model: the valid answers and every problem of the invalid ones (one
    per bad field, :func:`~techcurve.panel.answers.check_answer`)."""
    phases = _model_phases(st, rnd.subfields)
    answers: list[Answer] = []
    errors: list[PanelError] = []
    for sid, fields in raw.items():
        if sid not in rnd.subfields:
            e = PanelError.of("panel.answer.not_in_round", subfield=sid, number=rnd.number)
            e.subfield = sid
            errors.append(e)
            continue
        answer, problems = check_answer(sid, fields, phases.get(sid))
        errors += problems
        if answer is not None:
            answers.append(answer)
    return answers, errors


def find_panel_of(st: Store, expert: Expert) -> PanelInfo:
    """The panel ``expert`` belongs to."""
    return PanelInfo(*stored.panel_row_by_id(st, expert.panel_id))


def _open_round_of(st: Store, expert: Expert, number: int | None) -> RoundInfo:
    rnd = find_round(st, find_panel_of(st, expert), number)
    if rnd.status != "open":
        raise PanelError.of("panel.round_closed", number=rnd.number)
    return rnd


def store_answers(st: Store, rnd: RoundInfo, expert: Expert, answers: Sequence[Answer]) -> None:
    """Store valid ``answers`` (replacing the expert's earlier answers to those sub-fields)."""
    when = now()
    frame = pl.DataFrame(
        [
            {
                "subfield_id": a.subfield_id,
                "phase": a.phase,
                "position": a.position,
                "years_band": a.years_band,
                "confidence": a.confidence,
                "rationale": a.rationale,
                "submitted_at": when,
            }  # fmt: skip
            for a in answers
        ],
        schema={
            "subfield_id": pl.Utf8,
            "phase": pl.Utf8,
            "position": pl.Float64,
            "years_band": pl.Utf8,
            "confidence": pl.Float64,
            "rationale": pl.Utf8,
            "submitted_at": pl.Datetime("us"),
        },  # fmt: skip
    )
    with st.transaction():
        stored.put_responses(st, rnd.round_id, expert.expert_id, frame)


def submit_responses(
    st: Store,
    expert: Expert,
    raw: Mapping[str, Mapping[str, Any]],
    *,
    number: int | None = None,
) -> tuple[Answer, ...]:
    """Validate and store ``expert``'s answers to their panel's open round (``number``:
    default the latest). Nothing is stored when one answer is invalid: the first error is
    raised (:func:`validate_responses` gives them all)."""
    rnd = _open_round_of(st, expert, number)
    answers, errors = validate_responses(st, rnd, raw)
    if errors:
        raise errors[0]
    if not answers:
        raise PanelError.of("panel.answer.none")
    store_answers(st, rnd, expert, answers)
    return tuple(answers)


def round_answers(st: Store, rnd: RoundInfo) -> dict[str, list[tuple[int, Answer]]]:
    """A round's answers per sub-field: (expert_id, answer) pairs."""
    out: dict[str, list[tuple[int, Answer]]] = {}
    for r in stored.responses(st, rnd.round_id).iter_rows(named=True):
        a = Answer(
            r["subfield_id"], r["phase"], r["position"], r["years_band"], r["confidence"],
            r["rationale"],
        )  # fmt: skip
        out.setdefault(r["subfield_id"], []).append((int(r["expert_id"]), a))
    return out


# -- closing -------------------------------------------------------------------------


def consensus_rationale(panel: PanelInfo, result: SubfieldResult, lang: Lang) -> str:
    """The catalogue sentence that says how the panel placed a sub-field, with the
    outliers' rationales."""
    text = t(
        "panel.consensus_rationale", lang, answers=result.answers, median=result.median,
        phase=t(f"common.phase.{result.median_phase}", lang), q1=result.q1, q3=result.q3,
        iqr=result.iqr_phases, agree=result.share_agreeing,
    )  # fmt: skip
    for o in result.outliers:
        text += " " + t(
            "panel.outlier_rationale", lang, position=o.position,
            phase=t(f"common.phase.{o.phase}", lang),
            why=o.rationale or t("panel.no_rationale", lang),
        )  # fmt: skip
    return text


def _result_row(rnd: RoundInfo, r: SubfieldResult) -> dict[str, Any]:
    outliers = [
        {
            "expert_id": o.expert_id,
            "position": o.position,
            "phase": o.phase,
            "rationale": o.rationale,
        }
        for o in r.outliers
    ]
    return {
        "round_id": rnd.round_id, "subfield_id": r.subfield_id, "answers": r.answers,
        "median": r.median, "median_phase": r.median_phase, "q1": r.q1, "q3": r.q3,
        "iqr_phases": r.iqr_phases, "share_agreeing": r.share_agreeing,
        "years_band": r.years_band, "confidence": r.confidence, "consensus": r.consensus,
        "outliers": json.dumps(outliers, ensure_ascii=False),
    }  # fmt: skip


def _placement(panel: PanelInfo, rnd: RoundInfo, r: SubfieldResult, when: datetime,
               lang: Lang) -> stored.NewPlacement:  # fmt: skip
    return stored.NewPlacement(
        subfield_id=r.subfield_id, phase=r.median_phase, position=r.median,
        years_band=r.years_band, confidence=r.confidence,
        who=t("panel.who", lang, name=panel.name, number=rnd.number), made_at=when,
        rationale=consensus_rationale(panel, r, lang), origin="panel",
        panel_id=panel.panel_id, round_id=rnd.round_id,
    )  # fmt: skip


def close_round(
    st: Store, panel: PanelInfo, *, number: int | None = None, lang: Lang = "zh"
) -> ClosedRound:
    """Close the panel's open round: aggregate each sub-field's answers
    (:func:`~techcurve.panel.aggregate.aggregate`), store the aggregates, write each
    consensus as an expert placement (origin ``panel``) and update the assessments'
    ``final_*`` columns — all in one transaction. Sub-fields nobody answered get no
    aggregate."""
    rnd = find_round(st, panel, number)
    if rnd.status != "open":
        raise PanelError.of("panel.round_closed", number=rnd.number)
    last = rnd.number >= panel.max_rounds
    by_sid = round_answers(st, rnd)
    results = tuple(
        aggregate(sid, by_sid[sid], last_round=last) for sid in rnd.subfields if sid in by_sid
    )
    when = now()
    placed = [r for r in results if r.consensus]
    with st.transaction():
        if results:
            stored.put_round_results(
                st, pl.DataFrame([_result_row(rnd, r) for r in results], orient="row")
            )
        stored.close_round_row(st, rnd.round_id, when)
        stored.add_placements(st, [_placement(panel, rnd, r, when, lang) for r in placed])
        if placed:
            reapply_placements(st)
    return ClosedRound(
        round=find_round(st, panel, rnd.number),
        results=results,
        placed=tuple(r.subfield_id for r in placed),
        open_questions=tuple(s for s in rnd.subfields if s not in {r.subfield_id for r in placed}),
        last_round=last,
    )


def panel_status(st: Store, panel: PanelInfo) -> PanelStatus:
    """The panel, its experts, and per round how many experts and answers it has."""
    rounds = []
    for rnd in _rounds(st, panel):
        frame = stored.responses(st, rnd.round_id)
        rounds.append(RoundStatus(rnd, frame["expert_id"].n_unique(), frame.height))
    return PanelStatus(panel, panel_experts(st, panel), tuple(rounds))


def stored_results(st: Store, rnd: RoundInfo) -> tuple[SubfieldResult, ...]:
    """The aggregates stored when ``rnd`` was closed (empty while it is open)."""
    out = []
    for r in stored.round_results(st, rnd.round_id).iter_rows(named=True):
        outliers = tuple(
            Outlier(int(o["expert_id"]), float(o["position"]), str(o["phase"]), o["rationale"])
            for o in json.loads(r["outliers"] or "[]")
        )
        out.append(
            SubfieldResult(
                subfield_id=r["subfield_id"],
                answers=int(r["answers"]),
                median=r["median"],
                median_phase=r["median_phase"],
                q1=r["q1"],
                q3=r["q3"],
                iqr_phases=r["iqr_phases"],
                share_agreeing=r["share_agreeing"],
                years_band=r["years_band"],
                confidence=r["confidence"],
                consensus=bool(r["consensus"]),
                outliers=outliers,
            )  # fmt: skip
        )
    return tuple(out)


def list_panels(st: Store) -> tuple[PanelInfo, ...]:
    """Every panel of the store, oldest first."""
    return tuple(find_panel(st, name) for name in stored.panel_names(st))
