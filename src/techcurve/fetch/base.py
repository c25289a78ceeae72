"""What every connector shares: the values it plans and the parts of its answers.

A connector (one module per API) turns a sub-field into :class:`Series` (what to ask:
the source, the evidence kind, the term as the API will search it, and notes on what of
the sub-field's query it cannot express), a series or a source's period totals into
:class:`Call` s (one HTTP GET each), and each answer into :data:`Point` s
``(year, month, count)`` (month 0 = the whole year). :mod:`techcurve.fetch.run` asks
the calls not yet answered and stores the points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeAlias
from urllib.parse import urlencode

from techcurve.datatypes import SubField
from techcurve.errors import FetchError, Phrase, phrase
from techcurve.fetch.queries import Pruned
from techcurve.taxonomy.query import Query

#: (year, month, count); month 0 = the whole year
Point: TypeAlias = tuple[int, int, float]


@dataclass(frozen=True, slots=True)
class Years:
    """The years to fetch, and the day the run is made (no period after it is asked;
    a period holding it is *open*: asked again on a later day)."""

    first: int
    last: int
    today: date

    def years(self) -> range:
        return range(self.first, min(self.last, self.today.year) + 1)

    def months(self, since: tuple[int, int] = (1, 1)) -> list[tuple[int, int]]:
        """Every (year, month) from ``since`` (year, month) on, up to today's month."""
        out = []
        for y in self.years():
            for m in range(1, 13):
                if (y, m) >= since and (y, m) <= (self.today.year, self.today.month):
                    out.append((y, m))
        return out

    def is_open(self, year: int, month: int = 0) -> bool:
        """Whether the period (a year when ``month`` is 0) holds today."""
        return year == self.today.year and month in (0, self.today.month)


@dataclass(frozen=True, slots=True)
class Series:
    """One count series to fetch for a sub-field."""

    source: str  #: the ``counts.source`` it is stored under
    kind: str  #: paper | patent | article | attention
    term: str  #: what the API searches (query text or article title): ``counts.term``


@dataclass(frozen=True, slots=True)
class Plan:
    """What a connector asks for one sub-field: its series (none when nothing of its
    query can be asked) and what of its query the API cannot express."""

    subfield_id: str
    series: tuple[Series, ...]
    notes: tuple[Phrase, ...] = ()


@dataclass(frozen=True, slots=True)
class Call:
    """One GET: a series' (``term``) or the source's period totals (``term`` None)."""

    source: str
    kind: str
    term: str | None
    url: str
    params: tuple[tuple[str, str], ...] = ()
    #: the (year, month) whose count the answer is (month 0: the year); None when the
    #: answer itself gives its periods (OpenAlex groups, Wikimedia items)
    period: tuple[int, int] | None = None
    #: whether it covers today: answered on an earlier day, it is asked again
    open: bool = False
    #: the periods an answer with its own periods covers: one it does not name had 0
    covers: tuple[tuple[int, int], ...] = ()

    @property
    def request(self) -> str:
        """The exact request, as stored in ``fetches`` (credentials are added below the
        cache, never part of it)."""
        return self.url + ("?" + urlencode(self.params) if self.params else "")


@dataclass(frozen=True, slots=True)
class Credential:
    """Where a connector's credential comes from; ``required``: no request without it."""

    env: str  #: the environment variable
    key: str  #: the key in the config file's ``fetch`` section
    required: bool = False


class Connector:
    """The base of the connectors; each module defines one subclass and an instance."""

    name: ClassVar[str]
    api_version: ClassVar[str]
    #: where its credentials come from; the first is the one a refusal names
    credentials: ClassVar[tuple[Credential, ...]] = ()
    #: a 403 means "too many requests" (OpenAlex), not a refused credential
    forbidden_is_rate_limit: ClassVar[bool] = False
    #: seconds between two requests that reach the API, without and with a credential
    interval: ClassVar[tuple[float, float]] = (0.1, 0.1)
    #: a 404 means "no data" (an article without views), not an error
    not_found_is_empty: ClassVar[bool] = False

    def plan(self, subfield: SubField, query: Query) -> Plan:
        raise NotImplementedError

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        """The calls of one series, or (``series`` None) of ``source``'s period totals."""
        raise NotImplementedError

    def parse(self, call: Call, payload: Any) -> list[Point]:
        raise NotImplementedError

    def headers(self, secrets: Mapping[str, str]) -> dict[str, str]:
        """The headers that carry the credentials (``secrets`` by environment variable),
        added below the cache, never stored."""
        return {}

    def auth_params(self, secrets: Mapping[str, str]) -> dict[str, str]:
        """Query parameters that carry a credential, added below the cache, never stored."""
        return {}

    def totals_sources(self, plans: Sequence[Plan]) -> list[tuple[str, str]]:
        """The (source, kind) pairs whose period totals the plans need."""
        return list(dict.fromkeys((s.source, s.kind) for p in plans for s in p.series))


# -- reading answers: a changed schema is an error that names the field --------------------


def schema_changed(connector: Connector, call: Call, field: str) -> FetchError:
    return FetchError.of(
        "fetch.schema_changed",
        source=connector.name,
        request=call.request,
        field=field,
        api=connector.api_version,
    )


def need(
    connector: Connector, call: Call, payload: Any, path: str, kind: type | tuple[type, ...]
) -> Any:
    """``payload[path]`` (dotted) of type ``kind``, or the schema-changed error naming it."""
    value = payload
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise schema_changed(connector, call, path)
        value = value[part]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise schema_changed(connector, call, path)
    if not isinstance(value, kind):
        raise schema_changed(connector, call, path)
    return value


def count_point(connector: Connector, call: Call, payload: Any, path: str) -> list[Point]:
    """The one count of a per-period call (``call.period``) found at ``path``."""
    n = need(connector, call, payload, path, int)
    if n < 0 or call.period is None:
        raise schema_changed(connector, call, path)
    return [(call.period[0], call.period[1], float(n))]


def joined(terms: Sequence[str]) -> str:
    """Terms as a short comma-separated list for a note."""
    return ", ".join(terms)


def pruning_notes(
    pruned: Pruned, source: str, others: str, *, ipc: bool = True, widened: bool = True
) -> list[Phrase]:
    """What ``source``'s search lost of a query (:func:`~techcurve.fetch.queries.prune`):
    the IPC codes dropped (with ``ipc``), the other terms dropped (said with the
    catalogue key ``fetch.note.<others>``), the scopes widened to title and abstract
    (with ``widened``)."""
    notes: list[Phrase] = []
    codes = [t.text for t in pruned.dropped if t.field == "ipc"]
    rest = [t.text for t in pruned.dropped if t.field != "ipc"]
    if ipc and codes:
        notes.append(phrase("fetch.note.ipc_dropped", terms=joined(codes), source=source))
    if rest:
        notes.append(phrase(f"fetch.note.{others}", terms=joined(rest), source=source))
    if widened and pruned.widened:
        scoped = joined([f"{t.field}:{t.text}" for t in pruned.widened])
        where = phrase("fetch.where_title_abstract")
        notes.append(phrase("fetch.note.scope_widened", terms=scoped, source=source, where=where))
    return notes
