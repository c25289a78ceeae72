"""The expert panel as the web app asks for it: :mod:`techcurve.pipeline.panel` called
through :meth:`StoreGate.write` (one store connection at a time in the process; 503
while another process writes), plus what only the web needs: uploads read in memory
with a size limit, the round's forms as a zip built in memory, the experts' links as
CSV, and a form's fields turned into answers.

No request value ever names a file: uploads are written under fixed names into a
temporary directory that is removed straight after, and problems are reported under
the name the browser gave (only its last component, as text).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import techcurve.pipeline.panel as tp
from techcurve.errors import PanelError
from techcurve.panel.answers import FIELDS
from techcurve.panel.form_io import FormsImport
from techcurve.panel.model import (
    Answer,
    ClosedRound,
    CreatedPanel,
    PanelInfo,
    PanelStatus,
    RoundView,
    SubfieldResult,
)
from techcurve.serve.gate import Served, StoreGate
from techcurve.store import Store
from techcurve.store import panel as stored
from techcurve.text import Lang

MAX_UPLOAD = 5 * 1024 * 1024  # bytes per uploaded file (an expert list or a filled form)
MAX_FILES = 200  # forms per upload


class UploadTooLarge(Exception):
    """An uploaded file is over :data:`MAX_UPLOAD` bytes (the app answers 413)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """An uploaded file read in memory: the name the browser gave and its bytes."""

    name: str
    data: bytes

    @property
    def shown(self) -> str:
        """The name to show: the last component of what the browser sent."""
        return re.split(r"[\\/]", self.name)[-1][:200] or "upload"

    @property
    def suffix(self) -> str:
        m = re.search(r"\.(csv|tsv|txt|xlsx)$", self.shown, re.IGNORECASE)
        return "." + m.group(1).lower() if m else ".xlsx"


def check_size(data: bytes) -> bytes:
    if len(data) > MAX_UPLOAD:
        raise UploadTooLarge()
    return data


def panels(gate: StoreGate) -> tuple[PanelInfo, ...]:
    """Every panel of the store, oldest first."""
    return gate.write(tp.list_panels)


def find(gate: StoreGate, panel_id: int) -> PanelInfo | None:
    """The panel with ``panel_id`` (None when there is none)."""
    return next((p for p in panels(gate) if p.panel_id == panel_id), None)


def create(gate: StoreGate, name: str, experts: Upload, max_rounds: int) -> CreatedPanel:
    """Create a panel from an uploaded CSV/XLSX list of experts."""
    with tempfile.TemporaryDirectory(prefix="techcurve-upload-") as tmp:
        path = Path(tmp) / f"experts{experts.suffix}"
        path.write_bytes(check_size(experts.data))
        return gate.write(lambda db: tp.create_panel(db, name, path, max_rounds=max_rounds))


def links_csv(made: CreatedPanel, base_url: str) -> str:
    """The experts' personal links as CSV text (name, affiliation, link)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["name", "affiliation", "link"])
    for e in made.experts:
        w.writerow([e.expert.name, e.expert.affiliation, base_url.rstrip("/") + e.link])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class RoundPage:
    """A round on the facilitator's panel page: its aggregates (closed) and who answered."""

    number: int
    status: str
    subfields: tuple[str, ...]
    opened_at: str
    closed_at: str | None
    answered: tuple[str, ...]  # the names of the experts who answered (facilitator only)
    results: tuple[SubfieldResult, ...]


@dataclass(frozen=True, slots=True)
class PanelPage:
    """The facilitator's page of one panel."""

    status: PanelStatus
    rounds: tuple[RoundPage, ...]
    names: dict[int, str]  # expert id → name (outliers name the expert by id)

    @property
    def open_round(self) -> RoundPage | None:
        return next((r for r in self.rounds if r.status == "open"), None)


def panel_page(gate: StoreGate, panel: PanelInfo) -> PanelPage:
    """The panel, its rounds, who answered each and the closed rounds' aggregates."""

    def build(db: Path) -> PanelPage:
        status = tp.panel_status(db, panel=panel.name)
        names = {e.expert_id: e.name for e in status.experts}
        rounds = []
        for rs in status.rounds:
            rnd = rs.round
            results = tp.round_results(db, panel=panel.name, number=rnd.number).results
            who = _answered(gate, rnd.round_id)
            rounds.append(
                RoundPage(
                    rnd.number,
                    rnd.status,
                    rnd.subfields,
                    f"{rnd.opened_at:%Y-%m-%d %H:%M}",
                    f"{rnd.closed_at:%Y-%m-%d %H:%M}" if rnd.closed_at else None,
                    tuple(names.get(i, str(i)) for i in who),
                    results,
                )  # fmt: skip
            )
        return PanelPage(status, tuple(rounds), names)

    return gate.write(build)


def _answered(gate: StoreGate, round_id: int) -> list[int]:
    frame = gate.read(lambda st: stored.responses(st, round_id))
    return sorted(set(int(i) for i in frame["expert_id"].to_list()))


def open_round(gate: StoreGate, panel: PanelInfo, ids: Sequence[str]) -> None:
    """Open the panel's next round for ``ids`` (none: every sub-field the model placed)."""
    gate.write(lambda db: tp.open_round(db, panel=panel.name, subfields=tuple(ids)))


def close_round(gate: StoreGate, panel: PanelInfo, lang: Lang) -> ClosedRound:
    """Close the panel's open round (aggregates, consensus placements)."""
    return gate.write(lambda db: tp.close_round(db, panel=panel.name, lang=lang))


def forms_zip(gate: StoreGate, panel: PanelInfo, number: int, lang: Lang) -> tuple[str, bytes]:
    """The round's Excel forms (one per expert) as a zip: its file name and bytes."""
    with tempfile.TemporaryDirectory(prefix="techcurve-forms-") as tmp:
        paths = gate.write(
            lambda db: tp.export_forms(db, tmp, panel=panel.name, number=number, lang=lang)
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in paths:
                z.write(p, p.name)
    return f"round{number}-forms.xlsx.zip", buf.getvalue()


def import_forms(
    gate: StoreGate, panel: PanelInfo, uploads: Sequence[Upload], *, partial: bool
) -> FormsImport:
    """Read uploaded forms into the panel's latest round; problems name the file as the
    browser sent it."""
    if len(uploads) > MAX_FILES:
        raise UploadTooLarge()
    with tempfile.TemporaryDirectory(prefix="techcurve-upload-") as tmp:
        paths, shown = [], {}
        for i, up in enumerate(uploads):
            path = Path(tmp) / f"form-{i:03d}.xlsx"
            path.write_bytes(check_size(up.data))
            paths.append(path)
            shown[str(path)] = up.shown
        done = gate.write(lambda db: tp.import_forms(db, paths, panel=panel.name, partial=partial))
    files = tuple(
        replace(
            f,
            path=shown.get(f.path, f.path),
            problems=tuple(replace(p, path=shown.get(p.path, p.path)) for p in f.problems),
        )
        for f in done.files
    )
    return FormsImport(done.round, files)


@dataclass(frozen=True, slots=True)
class PlacementRow:
    """One row of a sub-field's expert placement history (oldest first)."""

    made_at: str
    who: str
    origin: str  # yaml | panel | form
    round_number: int | None
    phase: str | None
    position: float | None
    years_band: str | None
    rationale: str | None
    withdrawn: bool


def _history(st: Store, subfield_id: str) -> tuple[PlacementRow, ...]:
    numbers = stored.round_numbers(st)
    return tuple(
        PlacementRow(
            f"{r['made_at']:%Y-%m-%d %H:%M}" if r["made_at"] else "",
            str(r["who"] or ""),
            str(r["origin"] or ""),
            numbers.get(int(r["round_id"])) if r["round_id"] is not None else None,
            r["phase"],
            r["position"],
            r["years_band"],
            r["rationale"],
            bool(r["withdrawn"]),
        )  # fmt: skip
        for r in stored.placement_history(st, subfield_id).iter_rows(named=True)
    )


def placement_history(gate: StoreGate, subfield_id: str) -> Served[tuple[PlacementRow, ...]]:
    """The sub-field's expert placements, oldest first (who, when, round, rationale)."""
    return gate.cached(("placements", subfield_id), lambda st: _history(st, subfield_id))


# -- the expert's side ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpertPage:
    """The expert's latest round and their own answers of the round before (round 2+)."""

    view: RoundView
    earlier: dict[str, Answer]  # sub-field id → the expert's answer in the previous round


def expert_view(gate: StoreGate, token: str, lang: Lang) -> ExpertPage:
    """The expert's latest round (:class:`PanelError` ``panel.bad_token`` for a wrong
    token)."""

    def build(db: Path) -> ExpertPage:
        view = tp.expert_round_view(db, token, lang=lang)
        earlier: dict[str, Answer] = {}
        if view.round.number > 1:
            before = tp.expert_round_view(db, token, number=view.round.number - 1, lang=lang)
            earlier = {s.subfield_id: s.previous for s in before.subfields if s.previous}
        return ExpertPage(view, earlier)

    return gate.write(build)


def form_answers(form: Mapping[str, Any], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The answers of an expert's page form (fields ``<id>.<field>``); a sub-field whose
    phase and position are both blank is left out (not answered)."""
    out: dict[str, dict[str, Any]] = {}
    for sid in ids:
        raw = {f: form.get(f"{sid}.{f}") for f in FIELDS}
        raw = {f: (v.strip() if isinstance(v, str) else v) for f, v in raw.items()}
        if not raw["phase"] and not raw["position"]:
            continue
        out[sid] = raw
    return out


@dataclass(frozen=True, slots=True)
class Submitted:
    """What a submission did: the answers stored (0 when there were errors) and the
    errors, each with the sub-field and field it belongs to."""

    stored: int
    errors: tuple[PanelError, ...]


def submit(gate: StoreGate, token: str, answers: Mapping[str, Mapping[str, Any]]) -> Submitted:
    """Check every answer (all errors at once); store them when none is invalid."""

    def run(db: Path) -> Submitted:
        if not answers:
            return Submitted(0, (PanelError.of("panel.answer.none"),))
        errors = tp.check_responses(db, token, answers)
        if errors:
            return Submitted(0, errors)
        return Submitted(len(tp.submit_responses(db, token, answers)), ())

    return gate.write(run)


__all__ = [
    "MAX_UPLOAD",
    "ExpertPage",
    "PanelPage",
    "PlacementRow",
    "RoundPage",
    "Submitted",
    "Upload",
    "UploadTooLarge",
    "check_size",
    "close_round",
    "create",
    "expert_view",
    "find",
    "form_answers",
    "forms_zip",
    "import_forms",
    "links_csv",
    "open_round",
    "panel_page",
    "panels",
    "placement_history",
    "submit",
]
