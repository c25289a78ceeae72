"""Connectors to open APIs: count-level evidence up to today (``techcurve fetch``).

One module per API (:mod:`~techcurve.fetch.openalex`, :mod:`~techcurve.fetch.wikipedia`,
:mod:`~techcurve.fetch.hn`, :mod:`~techcurve.fetch.github`,
:mod:`~techcurve.fetch.patentsview`), each mapping a sub-field's query to what its API
can search (:mod:`~techcurve.fetch.queries`) and reading its answers; the HTTP client
with retries, pacing and the on-disk cache (:mod:`~techcurve.fetch.http`); the run that
asks what is not yet answered and stores it as ``counts`` with provenance
(:mod:`~techcurve.fetch.run`, SQL in :mod:`techcurve.store.fetches`). docs/connectors.md
says what each source measures.
"""

from techcurve.fetch.base import Call, Connector, Credential, Plan, Series, Years
from techcurve.fetch.http import Answer, Http, HttpSettings, secrets_for
from techcurve.fetch.registry import CONNECTORS, connector
from techcurve.fetch.run import FetchNote, FetchSummary, fetch_counts

__all__ = [
    "CONNECTORS",
    "Answer",
    "Call",
    "Connector",
    "Credential",
    "FetchNote",
    "FetchSummary",
    "Http",
    "HttpSettings",
    "Plan",
    "Series",
    "Years",
    "connector",
    "fetch_counts",
    "secrets_for",
]
