"""The interactive curve (``/``), the table (``/table``, ``/table.xlsx``) and a
sub-field's page (``/subfield/{id}``, its records ``/subfield/{id}/records``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from techcurve.serve import delphi, service
from techcurve.serve.filters import (
    BandParam,
    BandQ,
    DomainQ,
    Filters,
    PhaseParam,
    PhaseQ,
    TableQuery,
    table_query,
)
from techcurve.serve.rendering import page_lang, render
from techcurve.serve.xlsx import table_xlsx

router = APIRouter(include_in_schema=False)  # pages; the API is in routes/api.py

PageQ = Annotated[int, Query(ge=1, le=1_000_000)]
EditionQ = Annotated[str | None, Query(max_length=64)]


@router.get("/", response_class=HTMLResponse)
def curve(
    request: Request,
    domain: DomainQ = None,
    phase: PhaseQ = None,
    band: BandQ = None,
    edition: EditionQ = None,
    insufficient: bool = False,
) -> HTMLResponse:
    lang = page_lang(request)
    gate = request.app.state.gate
    with gate.session():
        served = service.dashboard(gate, lang)
        f = Filters(domain or None, phase, band)
        view = service.curve_view(gate, lang, f, edition or None)
    return render(
        request,
        "curve.html.j2",
        dash=served.value,
        view=view.value,
        filters=f,
        edition=edition or "",
        show_unplaced=insufficient,
        phases=PhaseParam.__args__,  # type: ignore[attr-defined]
        bands=BandParam.__args__,  # type: ignore[attr-defined]
        busy_as_of=served.as_of or view.as_of,
    )


@router.get("/subfield/{subfield_id}", response_class=HTMLResponse)
def subfield(request: Request, subfield_id: str, page: PageQ = 1) -> HTMLResponse:
    lang = page_lang(request)
    gate = request.app.state.gate
    with gate.session():
        served = service.detail(gate, lang, subfield_id)
        recs = service.records(gate, subfield_id, page)
        placements = delphi.placement_history(gate, subfield_id).value
    d = served.value
    return render(
        request,
        "subfield.html.j2",
        d=d,
        placements=placements,
        charts=[asdict(c) for c in d.charts],
        recs=recs.value,
        busy_as_of=served.as_of or recs.as_of,
    )


@router.get("/subfield/{subfield_id}/records", response_class=HTMLResponse)
def subfield_records(request: Request, subfield_id: str, page: PageQ = 1) -> HTMLResponse:
    """The records table alone (htmx swaps it in when paging)."""
    gate = request.app.state.gate
    with gate.session():
        service.detail(gate, page_lang(request), subfield_id)  # 404 for an unknown id
        recs = service.records(gate, subfield_id, page)
    return render(request, "records.html.j2", recs=recs.value)


@router.get("/table", response_class=HTMLResponse)
def table(request: Request, t: Annotated[TableQuery, Depends(table_query)]) -> HTMLResponse:
    served = service.dashboard(request.app.state.gate, page_lang(request))
    name = "table_rows.html.j2" if request.headers.get("HX-Request") else "table.html.j2"
    return render(
        request,
        name,
        dash=served.value,
        rows=t.rows(served.value.rows),
        filters=t.filters,
        sort=t.sort,
        desc=t.desc,
        phases=PhaseParam.__args__,  # type: ignore[attr-defined]
        bands=BandParam.__args__,  # type: ignore[attr-defined]
        busy_as_of=served.as_of,
    )


@router.get("/table.xlsx")
def table_export(request: Request, t: Annotated[TableQuery, Depends(table_query)]) -> Response:
    lang = page_lang(request)
    rows = t.rows(service.dashboard(request.app.state.gate, lang).value.rows)
    return Response(
        table_xlsx(rows, lang),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="techcurve-subfields.xlsx"'},
    )
