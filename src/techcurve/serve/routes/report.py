"""The report's data pages (``/report``, ``/report/{page}``), rendered by the report's
own template from the same :class:`~techcurve.report.model.ReportData`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from techcurve.serve import service
from techcurve.serve.rendering import page_lang, render

router = APIRouter(include_in_schema=False)  # pages; the API is in routes/api.py


@router.get("/report", response_class=HTMLResponse)
def report_index(request: Request) -> Response:
    return report(request, "conclusions")


@router.get("/report/{page}", response_class=HTMLResponse)
def report(request: Request, page: str) -> Response:
    """One of the report's pages, or ``page-NAME``: the analyst's page NAME (when the
    dashboard was started with a pages folder); anything else is not found."""
    folder, lang = request.app.state.settings.pages, page_lang(request)
    served = service.report_page(request.app.state.gate, lang, page, folder)
    if served is None:
        other = service.analyst_counterpart(page, lang, folder)
        if other is None:
            raise StarletteHTTPException(404)
        # the language switch of an analyst's page: the same page in the other language
        return RedirectResponse(f"/report/{other}?lang={lang}", status_code=303)
    p = served.value
    # the section is the report's own HTML: its template escaped every text in it
    return render(
        request,
        "report.html.j2",
        page=p,
        style=Markup(p.style.replace("</", "<\\/")),
        section=Markup(p.section),
        busy_as_of=served.as_of,
    )
