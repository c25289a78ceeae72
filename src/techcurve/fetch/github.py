"""GitHub: repositories created per year for a sub-field's terms (repository search).

One request per year: ``/search/repositories?q=T1 OR "t 2" in:name,description,topics
created:Y-01-01..Y-12-31&per_page=1``, whose ``total_count`` is the count; the totals
ask ``q=created:…`` alone. The search takes OR between keywords but at most five
operators in a query, so the first six English terms are asked and the rest (with any
NOT) is said in a note. Stored as ``github_search`` (kind ``article``; a developer
source in the registry). ``GITHUB_TOKEN`` raises the search limit from 10 to 30
requests a minute; it is sent as a header, never stored.
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
    count_point,
    joined,
    pruning_notes,
)
from techcurve.fetch.queries import english, negated_terms, positive_terms, prune, quoted
from techcurve.taxonomy.query import Query

URL = "https://api.github.com/search/repositories"
SOURCE = "github_search"
#: at most five AND / OR / NOT operators in one search query (GitHub's documentation)
MAX_OPERATORS = 5
#: GitHub opened in 2008
FIRST_YEAR = 2008


class GitHub(Connector):
    name: ClassVar[str] = "github"
    api_version: ClassVar[str] = "2022-11-28"
    credentials: ClassVar[tuple[Credential, ...]] = (Credential("GITHUB_TOKEN", "github_token"),)
    # the search API: 10 requests a minute without a token, 30 with one
    interval: ClassVar[tuple[float, float]] = (6.2, 2.1)

    def plan(self, subfield: SubField, query: Query) -> Plan:
        pruned = prune(query, english)
        notes = pruning_notes(pruned, self.name, "cjk_dropped", ipc=False, widened=False)
        positive = [t.text for t in positive_terms(pruned.node)]
        if not positive:
            notes.append(phrase("fetch.note.no_terms", source=self.name))
            return Plan(subfield.id, (), tuple(notes))
        asked, rest = positive[: MAX_OPERATORS + 1], positive[MAX_OPERATORS + 1 :]
        if rest:
            notes.append(
                phrase("fetch.note.terms_capped", n=len(asked), terms=joined(rest),
                       source=self.name, limit=MAX_OPERATORS)
            )  # fmt: skip
        negated = [t.text for t in negated_terms(pruned.node)]
        if negated:
            notes.append(phrase("fetch.note.not_dropped", terms=joined(negated), source=self.name))
        term = " OR ".join(quoted(t) for t in asked)
        return Plan(subfield.id, (Series(SOURCE, "article", term),), tuple(notes))

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        out = []
        for y in years.years():
            if y < FIRST_YEAR:
                continue
            created = f"created:{y}-01-01..{y}-12-31"
            q = created if series is None else f"{series.term} in:name,description,topics {created}"
            term = None if series is None else series.term
            params = (("q", q), ("per_page", "1"))
            out.append(Call(source, kind, term, URL, params, (y, 0), years.is_open(y)))
        return out

    def parse(self, call: Call, payload: Any) -> list[Point]:
        return count_point(self, call, payload, "total_count")

    def headers(self, secrets: Mapping[str, str]) -> dict[str, str]:
        secret = secrets.get("GITHUB_TOKEN")
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self.api_version,
        }
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        return headers


CONNECTOR = GitHub()
