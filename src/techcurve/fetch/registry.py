"""The connectors by name: ``techcurve fetch SOURCE`` picks one of :data:`CONNECTORS`."""

from __future__ import annotations

from techcurve.errors import FetchError
from techcurve.fetch import github, hn, openalex, patentsview, wikipedia
from techcurve.fetch.base import Connector

CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (
        openalex.CONNECTOR,
        wikipedia.CONNECTOR,
        hn.CONNECTOR,
        github.CONNECTOR,
        patentsview.CONNECTOR,
    )
}


def connector(name: str) -> Connector:
    """The connector called ``name``, or a :class:`FetchError` listing them."""
    try:
        return CONNECTORS[name]
    except KeyError:
        raise FetchError.of(
            "fetch.unknown_source", source=name, sources=", ".join(CONNECTORS)
        ) from None
