"""The expert panel's JSON API under ``/api/panel`` (in the OpenAPI document): an
expert's round as JSON and their answers posted as JSON (with the ``X-CSRF-Token``
header). The token opens only its expert's latest round; a wrong token answers 403,
a closed round 409, an invalid answer 422 with every error (sub-field, field, why)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from techcurve.panel.model import RoundView
from techcurve.serve import delphi
from techcurve.serve.rendering import LangParam, page_lang
from techcurve.serve.security import require_csrf

router = APIRouter(prefix="/api/panel", tags=["panel"])

Token = Annotated[str, Path(min_length=1, max_length=200)]


class AnswerIn(BaseModel):
    """One answer: a phase, a position (0–1) or both; the rest optional."""

    phase: Literal["trigger", "peak", "trough", "slope", "plateau"] | None = None
    position: float | None = Field(default=None, ge=0.0, le=1.0)
    years_band: Literal["<2", "2-5", "5-10", ">10", "obsolete"] | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    rationale: str | None = Field(default=None, max_length=4000)


class AnswersIn(BaseModel):
    """The answers of one submission: sub-field id → answer."""

    answers: dict[str, AnswerIn] = Field(max_length=5000)


class AnswerError(BaseModel):
    """Why one answer was refused."""

    subfield: str | None
    field: str | None
    message: str


class SubmitOut(BaseModel):
    """What a submission did: answers stored (0 when any was invalid) and the errors."""

    stored: int
    errors: list[AnswerError]


@router.get("/expert/{token}/round", response_model=RoundView)
def expert_round(request: Request, token: Token, lang: LangParam | None = None) -> RoundView:
    """The expert's latest round: the panel, the round, per sub-field the model's
    placement, the evidence, the expert's previous answer and (round 2+) the previous
    round's anonymised distribution."""
    return delphi.expert_view(request.app.state.gate, token, lang or page_lang(request)).view


@router.post(
    "/expert/{token}/answers",
    response_model=SubmitOut,
    responses={422: {"model": SubmitOut}},
    dependencies=[Depends(require_csrf)],
)
def submit_answers(
    request: Request, token: Token, body: AnswersIn, lang: LangParam | None = None
) -> JSONResponse:
    """Check every answer; store them all when none is invalid (a re-submission replaces
    the expert's earlier answers while the round is open)."""
    lg = lang or page_lang(request)
    raw = {sid: a.model_dump() for sid, a in body.answers.items()}
    done = delphi.submit(request.app.state.gate, token, raw)
    out = SubmitOut(
        stored=done.stored,
        errors=[
            AnswerError(subfield=e.subfield, field=e.field, message=e.message(lg))
            for e in done.errors
        ],
    )
    return JSONResponse(out.model_dump(), status_code=422 if done.errors else 200)
