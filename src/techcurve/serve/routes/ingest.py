"""The ingest log (``/ingest``) and the rejects of one ingest (``/ingest/{id}/rejects``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from techcurve.serve import service
from techcurve.serve.rendering import render

router = APIRouter(include_in_schema=False)  # pages; the API is in routes/api.py


@router.get("/ingest", response_class=HTMLResponse)
def ingest_log(request: Request) -> HTMLResponse:
    served = service.ingest_log(request.app.state.gate)
    return render(request, "ingest.html.j2", entries=served.value, busy_as_of=served.as_of)


@router.get("/ingest/{ingest_id}/rejects", response_class=HTMLResponse)
def rejects(
    request: Request, ingest_id: int, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> HTMLResponse:
    served = service.rejects(request.app.state.gate, ingest_id, page)
    if served is None:
        raise HTTPException(404)
    return render(request, "rejects.html.j2", rj=served.value, busy_as_of=served.as_of)
