"""OpenAlex: works per publication year for a query (``group_by=publication_year``).

One request per series gives every year: ``/works?filter=title_and_abstract.search:Q,
publication_year:FROM-TO&group_by=publication_year``; the totals are the same request
without the search. The search takes the query's AND / OR / NOT and quoted phrases
(documented at developers.openalex.org, "Search"); ``ipc:`` terms cannot be asked,
field scopes are widened to title and abstract, and a term holding a comma is left out
(the comma separates filters). Since 13 February 2026 OpenAlex wants a (free) API key,
``OPENALEX_API_KEY``, sent as the ``api_key`` parameter; the mailto of the polite pool
(``OPENALEX_MAILTO``) travels in the ``User-Agent`` header. Both are added below the
HTTP cache, so neither is part of the stored request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from techcurve.datatypes import SubField
from techcurve.errors import phrase
from techcurve.fetch.base import (
    Call,
    Connector,
    Credential,
    Plan,
    Point,
    Series,
    Years,
    need,
    pruning_notes,
    schema_changed,
)
from techcurve.fetch.queries import boolean_text, prune
from techcurve.taxonomy.query import Query

URL = "https://api.openalex.org/works"
SOURCE = "openalex"


class OpenAlex(Connector):
    name: ClassVar[str] = "openalex"
    api_version: ClassVar[str] = "openalex-works-2025"
    credentials: ClassVar[tuple[Credential, ...]] = (
        Credential("OPENALEX_API_KEY", "openalex_api_key"),
        Credential("OPENALEX_MAILTO", "openalex_mailto"),
    )
    # at most 100 requests a second; a 403 is "rate limit exceeded" (docs: "Errors")
    interval: ClassVar[tuple[float, float]] = (0.15, 0.11)
    forbidden_is_rate_limit: ClassVar[bool] = True

    def plan(self, subfield: SubField, query: Query) -> Plan:
        pruned = prune(query, lambda t: t.field != "ipc" and "," not in t.text)
        notes = pruning_notes(pruned, self.name, "comma_dropped")
        if pruned.node is None:
            notes.append(phrase("fetch.note.no_terms", source=self.name))
            return Plan(subfield.id, (), tuple(notes))
        series = Series(SOURCE, "paper", boolean_text(pruned.node))
        return Plan(subfield.id, (series,), tuple(notes))

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        span = f"publication_year:{years.first}-{min(years.last, years.today.year)}"
        filters = span if series is None else f"title_and_abstract.search:{series.term},{span}"
        params = (("filter", filters), ("group_by", "publication_year"))
        open_ = years.last >= years.today.year
        term = None if series is None else series.term
        covers = tuple((y, 0) for y in years.years())
        return [Call(source, kind, term, URL, params, None, open_, covers)]

    def parse(self, call: Call, payload: Any) -> list[Point]:
        groups = need(self, call, payload, "group_by", list)
        points: list[Point] = []
        for i, group in enumerate(groups):
            key = need(self, call, group, "key", (str, int))
            count = need(self, call, group, "count", int)
            try:
                year = int(key)
            except ValueError:
                raise schema_changed(self, call, f"group_by[{i}].key") from None
            points.append((year, 0, float(count)))
        return sorted(points)

    def headers(self, secrets: Mapping[str, str]) -> dict[str, str]:
        mailto = secrets.get("OPENALEX_MAILTO")
        return {"User-Agent": f"techcurve (mailto:{mailto})"} if mailto else {}

    def auth_params(self, secrets: Mapping[str, str]) -> dict[str, str]:
        key = secrets.get("OPENALEX_API_KEY")
        return {"api_key": key} if key else {}


CONNECTOR = OpenAlex()
