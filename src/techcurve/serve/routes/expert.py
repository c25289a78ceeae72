"""An expert's page (``/expert/{token}``): their panel's latest round, one block per
sub-field (the evidence, the model's placement with its phase probabilities, from
round 2 the previous round's anonymised answers on a small curve) and the answer's
fields. The token opens only that expert's rounds (a wrong one: 403). A submission is
checked whole (:func:`techcurve.pipeline.panel.check_responses`): every error shows
beside its field with the values entered kept; nothing is stored until all are valid.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from techcurve.datatypes import PHASE_BOUNDS, Phase, YearsBand
from techcurve.panel.answers import FIELDS
from techcurve.serve import delphi, service
from techcurve.serve.rendering import page_lang, render
from techcurve.serve.security import require_csrf

router = APIRouter(include_in_schema=False)  # the JSON side is routes/panel_api.py

Token = Annotated[str, Path(min_length=1, max_length=200)]


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v else "0"
    return str(v)


def chart_data(request: Request, page: delphi.ExpertPage) -> dict[str, Any]:
    """What expert.js draws: the hype line, the phases' bounds, and per sub-field the
    model's position, the expert's answers and the previous round's distribution."""
    lang = page_lang(request)
    line = service.dashboard(request.app.state.gate, lang).value.line
    items = []
    for s in page.view.subfields:
        d = s.distribution
        earlier = page.earlier.get(s.subfield_id)
        items.append(
            {
                "id": s.subfield_id,
                "model": s.model.position,
                "earlier": earlier.position if earlier else None,
                "dist": None
                if d is None
                else {"positions": list(d.positions), "median": d.median, "q1": d.q1, "q3": d.q3},
            }
        )
    return {
        "line": [list(p) for p in line],
        "bounds": {p.value: list(PHASE_BOUNDS[p]) for p in Phase},
        "items": items,
    }


def _values(page: delphi.ExpertPage, form: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for s in page.view.subfields:
        if form is not None:
            out[s.subfield_id] = {f: str(form.get(f"{s.subfield_id}.{f}") or "") for f in FIELDS}
            continue
        a = s.previous
        out[s.subfield_id] = {
            "phase": a.phase if a else "",
            "position": _fmt(a.position) if a else "",
            "years_band": (a.years_band or "") if a else "",
            "confidence": _fmt(a.confidence) if a else "",
            "rationale": (a.rationale or "") if a else "",
        }
    return out


def _render(
    request: Request,
    token: str,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[tuple[str, str], str] | None = None,
    saved: int | None = None,
) -> HTMLResponse:
    lang = page_lang(request)
    page = delphi.expert_view(request.app.state.gate, token, lang)
    return render(
        request,
        "expert.html.j2",
        status=422 if errors else 200,
        page=page,
        view=page.view,
        token=token,
        values=_values(page, form),
        errors=errors or {},
        saved=saved,
        chart=chart_data(request, page),
        phases=[p.value for p in Phase],
        bands=[b.value for b in YearsBand],
    )


@router.get("/expert/{token}", response_class=HTMLResponse)
def expert_page(request: Request, token: Token) -> HTMLResponse:
    return _render(request, token)


@router.post("/expert/{token}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
async def submit(request: Request, token: Token) -> HTMLResponse:
    lang = page_lang(request)
    gate = request.app.state.gate
    page = delphi.expert_view(gate, token, lang)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    answers = delphi.form_answers(form, page.view.round.subfields)
    done = delphi.submit(gate, token, answers)
    if done.errors:
        errors = {(e.subfield or "", e.field or "phase"): e.message(lang) for e in done.errors}
        return _render(request, token, form=form, errors=errors)
    return _render(request, token, saved=done.stored)
