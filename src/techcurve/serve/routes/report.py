"""The report's data pages (``/report``, ``/report/{page}``), rendered by the report's
own template from the same :class:`~techcurve.report.model.ReportData`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from techcurve.serve import service
from techcurve.serve.rendering import page_lang, render

router = APIRouter(include_in_schema=False)  # pages; the API is in routes/api.py

ReportPageParam = Literal[
    "methods", "conclusions", "hot", "patents", "financing", "curve", "appendix"
]


@router.get("/report", response_class=HTMLResponse)
def report_index(request: Request) -> HTMLResponse:
    return report(request, "conclusions")


@router.get("/report/{page}", response_class=HTMLResponse)
def report(request: Request, page: ReportPageParam) -> HTMLResponse:
    served = service.report_page(request.app.state.gate, page_lang(request), page)
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
