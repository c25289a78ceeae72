"""A round's Excel forms on an open store: writing one per expert, reading them back into
the round (every invalid cell named; nothing stored from a file with errors unless
``partial``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from techcurve.errors import phrase
from techcurve.panel.forms import (
    FormProblem,
    answer_problem,
    form_inputs,
    form_name,
    read_form,
    write_form,
)
from techcurve.panel.model import Answer, PanelInfo, RoundInfo
from techcurve.panel.rounds import find_round, panel_experts, store_answers, validate_responses
from techcurve.panel.views import expert_round_view
from techcurve.store import Store
from techcurve.text import Lang


def export_forms(
    st: Store, panel: PanelInfo, outdir: str | Path, *, number: int | None = None,
    lang: Lang = "zh",
) -> list[Path]:  # fmt: skip
    """Write one form per expert of ``panel`` for round ``number`` (default: the latest)
    into ``outdir``; returns the paths, in expert order."""
    rnd = find_round(st, panel, number)
    out = Path(outdir)
    paths = []
    for expert in panel_experts(st, panel):
        view = expert_round_view(st, expert, number=rnd.number, lang=lang)
        paths.append(write_form(view, out / form_name(view), lang=lang))
    return paths


@dataclass(frozen=True, slots=True)
class FormFile:
    """What importing one form did: its expert, the answers stored, its problems."""

    path: str
    expert: str | None
    stored: int
    problems: tuple[FormProblem, ...]


@dataclass(frozen=True, slots=True)
class FormsImport:
    """What importing a round's forms did, file by file."""

    round: RoundInfo
    files: tuple[FormFile, ...]

    @property
    def problems(self) -> tuple[FormProblem, ...]:
        return tuple(p for f in self.files for p in f.problems)

    @property
    def stored(self) -> int:
        return sum(f.stored for f in self.files)


def _one(st: Store, panel: PanelInfo, rnd: RoundInfo, path: str, partial: bool) -> FormFile:
    content, problems = read_form(path)
    if content is None:
        return FormFile(path, None, 0, tuple(problems))
    experts = {e.expert_id: e for e in panel_experts(st, panel)}
    expert = experts.get(content.expert_id)
    if content.round_id != rnd.round_id or expert is None:
        why = phrase("panel.form.other_round", panel=panel.name, number=rnd.number)
        return FormFile(path, None, 0, (FormProblem(path, None, None, None, why),))
    if rnd.status != "open":
        why = phrase("panel.round_closed", number=rnd.number)
        return FormFile(path, expert.name, 0, (FormProblem(path, None, None, None, why),))
    answers: list[Answer] = []
    for row, sid, inputs in content.rows:
        valid, errors = validate_responses(st, rnd, {sid: form_inputs(inputs)})
        answers += valid
        problems += [answer_problem(path, row, e) for e in errors]
    if answers and (partial or not problems):
        store_answers(st, rnd, expert, answers)
        return FormFile(path, expert.name, len(answers), tuple(problems))
    return FormFile(path, expert.name, 0, tuple(problems))


def import_forms(
    st: Store, panel: PanelInfo, files: Sequence[str | Path], *, number: int | None = None,
    partial: bool = False,
) -> FormsImport:  # fmt: skip
    """Read ``files`` (forms of round ``number``, default the latest) into the round. A
    file with an invalid cell stores nothing unless ``partial`` (then its valid rows are
    stored); the other files are stored. Every problem is in the result."""
    rnd = find_round(st, panel, number)
    return FormsImport(rnd, tuple(_one(st, panel, rnd, str(f), partial) for f in files))
