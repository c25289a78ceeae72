"""The expert side as library calls on a store path: expert placements (import, export,
list) and the Delphi panel (create, authenticate, rounds, answers, forms, status).

Each function opens the store, does one short transaction where it writes and closes
it again, so the CLI and the web app (which opens the store per request) call the same
functions. Every function opens the store for writing, reads included: DuckDB refuses
a read-only and a read-write connection to one file in the same process, and the web
app writes too. The rules are in :mod:`techcurve.panel` and docs/panel.md.

    import techcurve.pipeline.panel as tp
    made = tp.create_panel("my.duckdb", "2026", "experts.xlsx")
    link = made.experts[0].link                  # "/expert/<token>": shown once
    tp.open_round("my.duckdb", panel="2026")     # every sub-field the model placed
    me = tp.authenticate("my.duckdb", token)
    tp.submit_responses("my.duckdb", token, {"ar": {"phase": "trough", "position": 0.45}})
    tp.close_round("my.duckdb", panel="2026")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess.placements import (
    ImportResult,
    export_overrides,
    import_overrides_file,
    reapply_placements,
)
from techcurve.errors import PanelError
from techcurve.panel import form_io
from techcurve.panel import rounds as delphi
from techcurve.panel.form_io import FormsImport
from techcurve.panel.model import (
    Answer,
    ClosedRound,
    CreatedPanel,
    Expert,
    PanelInfo,
    PanelStatus,
    RoundInfo,
    RoundView,
    SubfieldResult,
)
from techcurve.panel.roster import read_roster
from techcurve.panel.rounds import Choice
from techcurve.panel.views import expert_round_view as _view
from techcurve.store import Store
from techcurve.store import panel as stored
from techcurve.store.assessments import subfields as stored_subfields
from techcurve.text import Lang

PathLike = str | Path


# -- expert placements --------------------------------------------------------------


def import_placements(db: PathLike, path: PathLike) -> ImportResult:
    """Import an overrides YAML into the store's expert placements (origin ``yaml``;
    entries already there are not added again) and update the assessments' final columns."""
    with Store.open(db) as st:
        known = set(stored_subfields(st)["subfield_id"].to_list()) or None
        with st.transaction():
            result = import_overrides_file(st, path, known_ids=known)
            reapply_placements(st)
        return result


def export_placements(db: PathLike, path: PathLike) -> int:
    """Write the current expert placements as overrides YAML; returns how many."""
    with Store.open(db) as st:
        return export_overrides(st, path)


def withdraw_placement(db: PathLike, subfield_id: str, *, who: str, why: str) -> bool:
    """Withdraw ``subfield_id``'s expert placement (a withdrawal row of origin ``form``:
    the history keeps what was withdrawn) and update the final columns; False when the
    sub-field has no current placement."""
    with Store.open(db) as st:
        current = stored.current_placements(st)
        if subfield_id not in current["subfield_id"].to_list():
            return False
        row = stored.NewPlacement(
            subfield_id, None, None, None, who, delphi.now(), why, "form", withdrawn=True
        )
        with st.transaction():
            stored.add_placements(st, [row])
            reapply_placements(st)
        return True


def list_placements(db: PathLike, *, history: bool = False) -> pl.DataFrame:
    """The current expert placements (``history``: every placement ever made, oldest
    first), columns of :data:`~techcurve.store.panel.PLACEMENT_COLUMNS`."""
    with Store.open(db) as st:
        return stored.placement_history(st) if history else stored.current_placements(st)


# -- the panel ----------------------------------------------------------------------


def create_panel(
    db: PathLike, name: str, experts_file: PathLike, *, max_rounds: int = 3
) -> CreatedPanel:
    """Create a panel from a CSV/XLSX list of experts (name, affiliation, domains); the
    result holds each expert's plain token, which cannot be shown again."""
    roster = read_roster(experts_file)
    with Store.open(db) as st:
        return delphi.create_panel(st, name, roster, max_rounds=max_rounds)


def authenticate(db: PathLike, token: str) -> Expert:
    """The expert whose personal token this is (:class:`PanelError` otherwise)."""
    with Store.open(db) as st:
        return delphi.authenticate(st, token)


def open_round(
    db: PathLike,
    *,
    panel: str | None = None,
    subfields: Sequence[str] = (),
    domain: str | None = None,
) -> RoundInfo:
    """Open the next round of ``panel`` (default: the latest panel) for ``subfields``,
    or the sub-fields of ``domain``, or (neither) every sub-field the model placed."""
    with Store.open(db) as st:
        found = delphi.find_panel(st, panel)
        return delphi.open_round(st, found, Choice(tuple(subfields), domain))


def expert_round_view(
    db: PathLike, token: str, *, number: int | None = None, lang: Lang = "zh"
) -> RoundView:
    """What the expert with ``token`` sees of round ``number`` (default: the latest)."""
    with Store.open(db) as st:
        return _view(st, delphi.authenticate(st, token), number=number, lang=lang)


def submit_responses(
    db: PathLike,
    token: str,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    number: int | None = None,
) -> tuple[Answer, ...]:
    """Validate and store the answers (sub-field id → {phase, position, years_band,
    confidence, rationale}) of the expert with ``token`` to their panel's open round;
    a re-submission replaces the expert's earlier answers. Nothing is stored when one
    answer is invalid (:class:`PanelError` naming the sub-field and field)."""
    with Store.open(db) as st:
        expert = delphi.authenticate(st, token)
        return delphi.submit_responses(st, expert, answers, number=number)


def close_round(
    db: PathLike, *, panel: str | None = None, number: int | None = None, lang: Lang = "zh"
) -> ClosedRound:
    """Close the open round: aggregates, consensus placements, final columns updated."""
    with Store.open(db) as st:
        found = delphi.find_panel(st, panel)
        return delphi.close_round(st, found, number=number, lang=lang)


def panel_status(db: PathLike, *, panel: str | None = None) -> PanelStatus:
    """The panel (default: the latest), its experts and its rounds."""
    with Store.open(db) as st:
        return delphi.panel_status(st, delphi.find_panel(st, panel))


@dataclass(frozen=True, slots=True)
class RoundResults:
    """A round and the aggregates stored when it was closed (none while it is open)."""

    round: RoundInfo
    results: tuple[SubfieldResult, ...]


def round_results(
    db: PathLike, *, panel: str | None = None, number: int | None = None
) -> RoundResults:
    """Round ``number`` (default: the latest) and its aggregates, outliers with their
    rationales (for the facilitator: outliers name the expert by id)."""
    with Store.open(db) as st:
        rnd = delphi.find_round(st, delphi.find_panel(st, panel), number)
        return RoundResults(rnd, delphi.stored_results(st, rnd))


def list_panels(db: PathLike) -> tuple[PanelInfo, ...]:
    """Every panel of the store, oldest first (empty before the first)."""
    with Store.open(db) as st:
        return delphi.list_panels(st)


def check_responses(
    db: PathLike,
    token: str,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    number: int | None = None,
) -> tuple[PanelError, ...]:
    """Every problem of ``answers`` (as :func:`submit_responses` takes them) against the
    round, one error per invalid answer (its ``subfield`` and ``field`` say where);
    nothing is stored. For a form that shows every field's error at once."""
    with Store.open(db) as st:
        expert = delphi.authenticate(st, token)
        rnd = delphi.find_round(st, delphi.find_panel_of(st, expert), number)
        return tuple(delphi.validate_responses(st, rnd, answers)[1])


def export_forms(
    db: PathLike, outdir: PathLike, *, panel: str | None = None, number: int | None = None,
    lang: Lang = "zh",
) -> list[Path]:  # fmt: skip
    """Write one XLSX form per expert for round ``number`` (default: the latest) into
    ``outdir``; returns their paths."""
    with Store.open(db) as st:
        found = delphi.find_panel(st, panel)
        return form_io.export_forms(st, found, outdir, number=number, lang=lang)


def import_forms(
    db: PathLike, files: Sequence[PathLike], *, panel: str | None = None,
    number: int | None = None, partial: bool = False,
) -> FormsImport:  # fmt: skip
    """Read filled forms back into round ``number`` (default: the latest). Every invalid
    cell is in the result's ``problems``; a file with problems stores nothing unless
    ``partial``."""
    with Store.open(db) as st:
        found = delphi.find_panel(st, panel)
        return form_io.import_forms(st, found, [str(f) for f in files], number=number,
                                    partial=partial)  # fmt: skip
