"""The facilitator's pages (``/facilitator?key=…`` once, then a cookie): the panels and a
form to create one; a panel's page (rounds, who answered, the aggregates of closed
rounds, opening and closing a round, the Excel forms out and back in). Every route
takes :func:`~techcurve.serve.security.require_facilitator`; every POST
:func:`~techcurve.serve.security.require_csrf`. Writes go through
:meth:`~techcurve.serve.gate.StoreGate.write` (503 while another process writes)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from techcurve.panel.form_io import FormsImport
from techcurve.panel.model import PanelInfo
from techcurve.serve import delphi, service
from techcurve.serve.filters import PhaseParam
from techcurve.serve.rendering import page_lang, render
from techcurve.serve.security import require_csrf, require_facilitator

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(require_facilitator)]
)  # pages; the API is in routes/api.py and routes/panel_api.py

PanelId = Annotated[int, Path(ge=1, le=2_000_000_000)]
CSRF = [Depends(require_csrf)]


def _panel(request: Request, panel_id: int) -> PanelInfo:
    found = delphi.find(request.app.state.gate, panel_id)
    if found is None:
        raise HTTPException(404)
    return found


def _back(request: Request, panel_id: int) -> RedirectResponse:
    return RedirectResponse(
        f"/facilitator/panel/{panel_id}?lang={page_lang(request)}", status_code=303
    )


async def _read(upload: UploadFile) -> delphi.Upload:
    data = await upload.read(delphi.MAX_UPLOAD + 1)
    return delphi.Upload(upload.filename or "upload", delphi.check_size(data))


@router.get("/facilitator", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    return render(request, "facilitator.html.j2", panels=delphi.panels(request.app.state.gate))


@router.post("/facilitator/panels", response_class=HTMLResponse, dependencies=CSRF)
async def create(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    experts: Annotated[UploadFile, File()],
    max_rounds: Annotated[int, Form(ge=1, le=20)] = 3,
) -> HTMLResponse:
    made = delphi.create(request.app.state.gate, name, await _read(experts), max_rounds)
    base = str(request.base_url)
    text = delphi.links_csv(made, base)
    return render(
        request,
        "panel_created.html.j2",
        made=made,
        base=base.rstrip("/"),
        csv_href="data:text/csv;charset=utf-8," + quote("\ufeff" + text),
    )


def _panel_page(
    request: Request, panel: PanelInfo, imported: FormsImport | None = None
) -> HTMLResponse:
    gate = request.app.state.gate
    lang = page_lang(request)
    page = delphi.panel_page(gate, panel)
    dash = service.dashboard(gate, lang).value
    names = {r.subfield_id: r.name for r in dash.rows}
    return render(
        request,
        "panel.html.j2",
        panel=panel,
        page=page,
        dash=dash,
        names=names,
        phases=PhaseParam.__args__,  # type: ignore[attr-defined]
        imported=imported,
    )


@router.get("/facilitator/panel/{panel_id}", response_class=HTMLResponse)
def panel_page(request: Request, panel_id: PanelId) -> HTMLResponse:
    return _panel_page(request, _panel(request, panel_id))


@router.post("/facilitator/panel/{panel_id}/open", dependencies=CSRF)
async def open_round(request: Request, panel_id: PanelId) -> Response:
    panel = _panel(request, panel_id)
    form = await request.form()
    ids = [str(v) for v in form.getlist("subfield") if isinstance(v, str)][:5000]
    delphi.open_round(request.app.state.gate, panel, ids)
    return _back(request, panel_id)


@router.post("/facilitator/panel/{panel_id}/close", dependencies=CSRF)
def close_round(request: Request, panel_id: PanelId) -> Response:
    panel = _panel(request, panel_id)
    delphi.close_round(request.app.state.gate, panel, page_lang(request))
    return _back(request, panel_id)


@router.get("/facilitator/panel/{panel_id}/forms/{number}")
def forms(
    request: Request, panel_id: PanelId, number: Annotated[int, Path(ge=1, le=100)]
) -> Response:
    panel = _panel(request, panel_id)
    name, data = delphi.forms_zip(request.app.state.gate, panel, number, page_lang(request))
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/facilitator/panel/{panel_id}/forms", response_class=HTMLResponse, dependencies=CSRF)
async def import_forms(
    request: Request,
    panel_id: PanelId,
    files: Annotated[list[UploadFile], File()],
    partial: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    panel = _panel(request, panel_id)
    uploads = [await _read(f) for f in files[: delphi.MAX_FILES + 1]]
    done = delphi.import_forms(request.app.state.gate, panel, uploads, partial=partial)
    return _panel_page(request, panel, imported=done)
