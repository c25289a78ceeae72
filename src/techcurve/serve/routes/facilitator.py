"""The facilitator's landing page (``/facilitator?key=…``): who is logged in and the
expert panels in the store. The panel's own pages are added beside it; every one of
them takes :func:`~techcurve.serve.security.require_facilitator` as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from techcurve.serve import service
from techcurve.serve.rendering import render
from techcurve.serve.security import require_facilitator

router = APIRouter(include_in_schema=False)  # pages; the API is in routes/api.py


@router.get("/facilitator", response_class=HTMLResponse)
def landing(request: Request, _key: Annotated[str, Depends(require_facilitator)]) -> HTMLResponse:
    served = service.panels(request.app.state.gate)
    return render(request, "facilitator.html.j2", panels=served.value, busy_as_of=served.as_of)
