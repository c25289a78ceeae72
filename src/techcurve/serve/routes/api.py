"""The JSON API under ``/api`` (described at ``/api/openapi.json``): the curve, a
sub-field, its records, the table, the editions and the ingest log. Unknown ids answer
404 with a sentence from the catalogue, bad parameters 422."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.exceptions import HTTPException

from techcurve.serve import service
from techcurve.serve.filters import (
    BandQ,
    DomainQ,
    Filters,
    PhaseQ,
    TableQuery,
    table_query,
)
from techcurve.serve.rendering import LangParam, page_lang
from techcurve.serve.views import Detail, Domain, Dot, Edition, Move, Row

router = APIRouter(prefix="/api", tags=["api"])

PageQ = Annotated[int, Query(ge=1, le=1_000_000)]


@dataclass(frozen=True)
class CurveOut:
    """The curve: its line, domains, the dots shown and the arrows from an edition."""

    as_of: str | None
    line: tuple[tuple[float, float], ...]
    domains: tuple[Domain, ...]
    dots: tuple[Dot, ...]
    moves: tuple[Move, ...]
    stale_since: str | None


@dataclass(frozen=True)
class TableOut:
    rows: tuple[Row, ...]
    stale_since: str | None


def _since(served: service.Served) -> str | None:  # type: ignore[type-arg]
    return served.as_of.isoformat() if served.as_of else None


@router.get("/curve", response_model=CurveOut)
def curve(
    request: Request,
    lang: LangParam | None = None,
    domain: DomainQ = None,
    phase: PhaseQ = None,
    band: BandQ = None,
    edition: Annotated[str | None, Query(max_length=64)] = None,
) -> CurveOut:
    lg = page_lang(request)
    gate = request.app.state.gate
    served = service.dashboard(gate, lg)
    dash = served.value
    dots = tuple(Filters(domain, phase, band).apply(dash.dots))
    moves: tuple[Move, ...] = ()
    if edition and any(e.edition == edition for e in dash.editions):
        ids = {d.subfield_id for d in dots}
        moves = tuple(m for m in service.moves(gate, lg, edition).value if m.subfield_id in ids)
    return CurveOut(dash.as_of, dash.line, dash.domains, dots, moves, _since(served))


@router.get("/subfields/{subfield_id}", response_model=Detail)
def subfield(request: Request, subfield_id: str, lang: LangParam | None = None) -> Detail:
    return service.detail(request.app.state.gate, page_lang(request), subfield_id).value


@router.get("/subfields/{subfield_id}/records", response_model=service.RecordsPage)
def records(
    request: Request, subfield_id: str, page: PageQ = 1, lang: LangParam | None = None
) -> service.RecordsPage:
    gate = request.app.state.gate
    with gate.session():
        service.detail(gate, page_lang(request), subfield_id)  # 404 for an unknown id
        return service.records(gate, subfield_id, page).value


@router.get("/table", response_model=TableOut)
def table(
    request: Request,
    t: Annotated[TableQuery, Depends(table_query)],
    lang: LangParam | None = None,
) -> TableOut:
    served = service.dashboard(request.app.state.gate, page_lang(request))
    return TableOut(tuple(t.rows(served.value.rows)), _since(served))


@router.get("/editions", response_model=tuple[Edition, ...])
def editions(request: Request) -> tuple[Edition, ...]:
    return service.dashboard(request.app.state.gate, page_lang(request)).value.editions


@router.get("/ingest", response_model=tuple[service.IngestEntry, ...])
def ingest_log(request: Request) -> tuple[service.IngestEntry, ...]:
    return service.ingest_log(request.app.state.gate).value


@router.get("/ingest/{ingest_id}/rejects", response_model=service.RejectsPage)
def rejects(request: Request, ingest_id: int, page: PageQ = 1) -> service.RejectsPage:
    served = service.rejects(request.app.state.gate, ingest_id, page)
    if served is None:
        raise HTTPException(404)
    return served.value
