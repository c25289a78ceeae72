"""One fetch: plan every chosen sub-field's series, ask what is not yet answered, store it.

Every answered request is stored in its own transaction with its points
(:func:`techcurve.store.fetches.save_answer`), so a run stopped by a timeout, an error
or Ctrl-C keeps everything answered before it, and the next run asks only the rest: a
request already in ``fetches`` is skipped, unless it covers today's period and was
answered on an earlier day (the month or year is not over; it is asked again).
The period totals of each source are asked first, so each series' counts are stored
with the denominator of their shares.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from techcurve.datatypes import SubField
from techcurve.errors import FetchError, Phrase, phrase
from techcurve.fetch.base import Call, Connector, Plan, Point, Series, Years
from techcurve.fetch.http import Http
from techcurve.store import Store
from techcurve.store import fetches as stored
from techcurve.taxonomy import Taxonomy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FetchNote:
    """What of a sub-field's query a source cannot express."""

    subfield_id: str
    note: Phrase


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """What one fetch did.

    ``series``: sub-fields with a series; ``calls``: requests the run needs in all;
    ``asked``: sent this run (``cached`` of them answered by the HTTP cache);
    ``skipped``: answered by an earlier run; ``points``: counts stored (with totals).
    """

    source: str
    series: int
    calls: int
    asked: int
    cached: int
    skipped: int
    points: int
    notes: tuple[FetchNote, ...] = ()


def choose_subfields(taxonomy: Taxonomy, ids: Sequence[str]) -> list[SubField]:
    """The sub-fields named by ``ids`` (all when empty), in the taxonomy's order."""
    if not ids:
        return list(taxonomy.subfields)
    known = {sf.id for sf in taxonomy.subfields}
    for sid in ids:
        if sid not in known:
            raise FetchError.of(
                "fetch.unknown_subfield", subfield=sid, example=taxonomy.subfields[0].id
            )
    wanted = set(ids)
    return [sf for sf in taxonomy.subfields if sf.id in wanted]


def plan_calls(connector: Connector, plans: Sequence[Plan], years: Years) -> list[Call]:
    """The totals' calls of every source the plans use, then each distinct series'."""
    calls: list[Call] = []
    for source, kind in connector.totals_sources(plans):
        calls += connector.calls(None, source, kind, years)
    series: dict[Series, None] = dict.fromkeys(s for p in plans for s in p.series)
    for s in series:
        calls += connector.calls(s, s.source, s.kind, years)
    return calls


def _points(call: Call, points: list[Point], years: Years) -> list[Point]:
    """The answer's points within the years; a series' covered period the answer does
    not name had 0 (a total it does not name stays unknown)."""
    kept = [p for p in points if years.first <= p[0] <= years.last]
    if call.covers and call.term is not None:
        named = {(y, m) for y, m, _ in kept}
        kept += [(y, m, 0.0) for y, m in call.covers if (y, m) not in named]
    return sorted(kept)


def fetch_counts(
    store: Store,
    connector: Connector,
    taxonomy: Taxonomy,
    years: Years,
    http: Http,
    *,
    subfields: Sequence[str] = (),
    progress: Callable[[int, int | None], None] | None = None,
) -> FetchSummary:
    """Fetch ``connector``'s count series for the chosen sub-fields into ``store``.

    >>> with Store.open("demo.duckdb") as st, Http(OPENALEX) as http:      # doctest: +SKIP
    ...     fetch_counts(st, OPENALEX, load_taxonomy(), Years(2015, 2026, date.today()), http)
    """
    if years.first > years.last:
        raise FetchError.of("fetch.bad_years", first=years.first, last=years.last)
    chosen = choose_subfields(taxonomy, subfields)
    plans = [
        connector.plan(sf, taxonomy.queries[sf.id]) for sf in chosen if sf.id in taxonomy.queries
    ]
    notes = tuple(FetchNote(p.subfield_id, n) for p in plans for n in p.notes)
    if not any(p.series for p in plans):
        reason = (
            "fetch.reason_no_wiki" if connector.name == "wikipedia" else "fetch.reason_no_terms"
        )
        raise FetchError.of("fetch.nothing_to_fetch", source=connector.name, reason=phrase(reason))
    with store.transaction():
        stored.save_series(
            store,
            [(s.source, s.kind, p.subfield_id, s.term, "; ".join(n.say("en") for n in p.notes))
             for p in plans for s in p.series],
        )  # fmt: skip
    calls = plan_calls(connector, plans, years)
    todo = _unanswered(store, calls, years)
    asked = cached = points = 0
    if progress is not None:
        progress(0, len(todo))
    for i, call in enumerate(todo, 1):
        answer = http.get(call)
        try:
            got = [] if answer.payload is None else connector.parse(call, answer.payload)
        except FetchError:
            http.forget(call)  # a changed schema: ask again next time
            raise
        rows = [] if answer.payload is None else _points(call, got, years)
        stored.save_answer(
            store, source=call.source, kind=call.kind, term=call.term, request=call.request,
            api_version=connector.api_version, points=rows,
            fetched_at=datetime.now(UTC).replace(tzinfo=None),
        )  # fmt: skip
        asked += 1
        cached += answer.from_cache
        points += len(rows)
        if progress is not None:
            progress(i, len(todo))
    summary = FetchSummary(
        source=connector.name,
        series=sum(1 for p in plans if p.series),
        calls=len(calls),
        asked=asked,
        cached=cached,
        skipped=len(calls) - len(todo),
        points=points,
        notes=notes,
    )
    log.info("%s: %s", connector.name, summary)
    return summary


def _unanswered(store: Store, calls: Sequence[Call], years: Years) -> list[Call]:
    """The calls no earlier run answered (an open one: not answered today)."""
    answered: dict[str, dict[str, datetime]] = {}
    todo = []
    for call in calls:
        if call.source not in answered:
            answered[call.source] = stored.answered_requests(store, call.source)
        when = answered[call.source].get(call.request)
        if when is None or (call.open and when.date() < years.today):
            todo.append(call)
    return todo
