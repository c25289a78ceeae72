"""The curve's and the table's filters: domain, phase, band, text; and sorting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from fastapi import Query
from pydantic import BeforeValidator

from techcurve.serve.views import Dot, Row

PhaseParam = Literal["trigger", "peak", "trough", "slope", "plateau"]
BandParam = Literal["<2", "2-5", "5-10", ">10", "obsolete"]
SortParam = Literal["name", "domain", "phase", "position", "band", "confidence", "status"]

D = TypeVar("D", Dot, Row)


def _blank(v: object) -> object:
    return None if v == "" else v


#: the filters as query parameters: an empty value (a form's "all") means no filter
PhaseQ = Annotated[PhaseParam | None, BeforeValidator(_blank)]
BandQ = Annotated[BandParam | None, BeforeValidator(_blank)]
DomainQ = Annotated[str | None, Query(max_length=200)]
TextQ = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which sub-fields to show (None: any)."""

    domain: str | None = None
    phase: PhaseParam | None = None
    band: BandParam | None = None
    q: str | None = None  # text in the name or id

    def keep(self, item: Dot | Row) -> bool:
        if self.domain and item.domain_id != self.domain:
            return False
        if self.phase and item.phase != self.phase:
            return False
        if self.band and item.band != self.band:
            return False
        if self.q:
            needle = self.q.casefold()
            return needle in item.name.casefold() or needle in item.subfield_id.casefold()
        return True

    def apply(self, items: Sequence[D]) -> list[D]:
        return [i for i in items if self.keep(i)]


_PHASE_ORDER = {p: i for i, p in enumerate(PhaseParam.__args__)}  # type: ignore[attr-defined]
_BAND_ORDER = {b: i for i, b in enumerate(BandParam.__args__)}  # type: ignore[attr-defined]


def sort_rows(rows: Sequence[Row], by: SortParam, desc: bool) -> list[Row]:
    """``rows`` sorted by the column ``by``; rows without a value last either way."""

    def key(r: Row) -> tuple[bool, object]:
        v: object = {
            "name": r.name,
            "domain": r.domain,
            "phase": _PHASE_ORDER.get(r.phase or ""),
            "position": r.position,
            "band": _BAND_ORDER.get(r.band or ""),
            "confidence": r.confidence,
            "status": r.status,
        }[by]
        return (v is None, v if v is not None else 0)

    have = [r for r in rows if key(r)[0] is False]
    missing = [r for r in rows if key(r)[0] is True]
    return sorted(have, key=key, reverse=desc) + missing


__all__ = ["BandParam", "BandQ", "Filters", "PhaseParam", "PhaseQ", "SortParam", "sort_rows"]


@dataclass(frozen=True, slots=True)
class TableQuery:
    """The table's filters and sort order, as the page, its XLSX export and the API take them."""

    filters: Filters
    sort: SortParam = "name"
    desc: bool = False

    def rows(self, rows: Sequence[Row]) -> list[Row]:
        return sort_rows(self.filters.apply(rows), self.sort, self.desc)


def table_query(
    domain: DomainQ = None,
    phase: PhaseQ = None,
    band: BandQ = None,
    q: TextQ = None,
    sort: SortParam = "name",
    desc: bool = False,
) -> TableQuery:
    """The query parameters of a table request (a FastAPI dependency)."""
    return TableQuery(Filters(domain or None, phase, band, q or None), sort, desc)
