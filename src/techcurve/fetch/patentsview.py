"""PatentsView: US patents granted per year for a sub-field's query (PatentSearch API).

One request per year: ``/api/v1/patent/?q=JSON&f=["patent_id"]&o={"size":1}``, whose
``total_hits`` is the count. The query is the sub-field's, as the API's JSON operators
(``_and``, ``_or``, ``_not``; each term a ``_text_phrase`` on the title or the
abstract), with the year as a ``patent_date`` range; the totals ask the range alone.
US patents are in English, so Chinese terms are left out, and ``ipc:`` terms too
(said in notes). The API needs a key (``PATENTSVIEW_API_KEY``, sent as ``X-Api-Key``,
never stored) and allows 45 requests a minute. Stored as ``patentsview_search``
(kind ``patent``); the year is the grant year.
"""

from __future__ import annotations

import json
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
    count_point,
    pruning_notes,
)
from techcurve.fetch.queries import boolean_text, english, prune
from techcurve.taxonomy.query import And, Node, Not, Or, Query, Term, parse_query

URL = "https://search.patentsview.org/api/v1/patent/"
SOURCE = "patentsview_search"
FIRST_YEAR = 1976  # the first grant year PatentsView holds


def json_query(node: Node) -> dict[str, Any]:
    """``node`` as PatentSearch's JSON query operators."""
    if isinstance(node, Term):
        return {"_or": [{"_text_phrase": {"patent_title": node.text}},
                        {"_text_phrase": {"patent_abstract": node.text}}]}  # fmt: skip
    if isinstance(node, Not):
        return {"_not": json_query(node.item)}
    op = "_or" if isinstance(node, Or) else "_and"
    assert isinstance(node, (And, Or))
    return {op: [json_query(item) for item in node.items]}


class PatentsView(Connector):
    name: ClassVar[str] = "patentsview"
    api_version: ClassVar[str] = "patentsearch-v1"
    credentials: ClassVar[tuple[Credential, ...]] = (
        Credential("PATENTSVIEW_API_KEY", "patentsview_api_key", required=True),
    )
    # 45 requests a minute per key
    interval: ClassVar[tuple[float, float]] = (1.4, 1.4)

    def plan(self, subfield: SubField, query: Query) -> Plan:
        pruned = prune(query, english)
        notes = pruning_notes(pruned, self.name, "cjk_dropped")
        if pruned.node is None:
            notes.append(phrase("fetch.note.no_terms", source=self.name))
            return Plan(subfield.id, (), tuple(notes))
        return Plan(subfield.id, (Series(SOURCE, "patent", boolean_text(pruned.node)),),
                    tuple(notes))  # fmt: skip

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        text = None if series is None else json_query(parse_query(series.term).root)
        out = []
        for y in years.years():
            if y < FIRST_YEAR:
                continue
            span: list[dict[str, Any]] = [
                {"_gte": {"patent_date": f"{y}-01-01"}},
                {"_lte": {"patent_date": f"{y}-12-31"}},
            ]
            q = {"_and": span if text is None else [text, *span]}
            params = (
                ("q", json.dumps(q, ensure_ascii=False, separators=(",", ":"))),
                ("f", '["patent_id"]'),
                ("o", '{"size":1}'),
            )
            term = None if series is None else series.term
            out.append(Call(source, kind, term, URL, params, (y, 0), years.is_open(y)))
        return out

    def parse(self, call: Call, payload: Any) -> list[Point]:
        return count_point(self, call, payload, "total_hits")

    def headers(self, secrets: Mapping[str, str]) -> dict[str, str]:
        key = secrets.get("PATENTSVIEW_API_KEY")
        return {"X-Api-Key": key} if key else {}


CONNECTOR = PatentsView()
