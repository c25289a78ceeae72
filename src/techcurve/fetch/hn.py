"""Hacker News: stories per month for a term (HN Search by Algolia).

One request per month: ``/api/v1/search?query=T&tags=story&numericFilters=
created_at_i>=START,created_at_i<END&hitsPerPage=0``, whose ``nbHits`` is the count;
the totals are the same with an empty query. The search has no OR and no NOT (its
words are AND-ed, with prefix and typo tolerance), so the first English term the
sub-field's query names is searched and the rest is said in a note. Stored as
``hn_search`` (kind ``article``; the registry makes it a developer source).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from techcurve.datatypes import SubField
from techcurve.errors import phrase
from techcurve.fetch.base import (
    Call,
    Connector,
    Plan,
    Point,
    Series,
    Years,
    count_point,
    joined,
    pruning_notes,
)
from techcurve.fetch.queries import english, negated_terms, positive_terms, prune
from techcurve.taxonomy.query import Query

URL = "https://hn.algolia.com/api/v1/search"
SOURCE = "hn_search"
#: the first month with stories
FIRST = (2007, 2)


def _epoch(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp())


class HackerNews(Connector):
    name: ClassVar[str] = "hn"
    api_version: ClassVar[str] = "hn-algolia-v1"
    # 10,000 requests an hour per address (hn.algolia.com/api)
    interval: ClassVar[tuple[float, float]] = (0.4, 0.4)

    def plan(self, subfield: SubField, query: Query) -> Plan:
        pruned = prune(query, english)
        notes = pruning_notes(pruned, self.name, "cjk_dropped", ipc=False, widened=False)
        positive = positive_terms(pruned.node)
        if not positive:
            notes.append(phrase("fetch.note.no_terms", source=self.name))
            return Plan(subfield.id, (), tuple(notes))
        first, rest = positive[0], [t.text for t in positive[1:]]
        if rest:
            notes.append(
                phrase("fetch.note.first_term_only", term=first.text, terms=joined(rest),
                       source=self.name)
            )  # fmt: skip
        negated = [t.text for t in negated_terms(pruned.node)]
        if negated:
            notes.append(phrase("fetch.note.not_dropped", terms=joined(negated), source=self.name))
        return Plan(subfield.id, (Series(SOURCE, "article", first.text),), tuple(notes))

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        out = []
        for y, m in years.months(since=FIRST):
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            params = (
                ("query", "" if series is None else series.term),
                ("tags", "story"),
                ("numericFilters", f"created_at_i>={_epoch(y, m)},created_at_i<{_epoch(ny, nm)}"),
                ("hitsPerPage", "0"),
            )
            term = None if series is None else series.term
            out.append(Call(source, kind, term, URL, params, (y, m), years.is_open(y, m)))
        return out

    def parse(self, call: Call, payload: Any) -> list[Point]:
        return count_point(self, call, payload, "nbHits")


CONNECTOR = HackerNews()
