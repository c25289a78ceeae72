"""What the stored financing amounts are made of: exact, vague or undisclosed, per source.

The report states how many amounts were printed as vague words or ranges (数千万, 近亿,
1000万-2000万) and how many were not disclosed at all (未透露, empty), because sums
and shares of amounts rest on the vague-word table (:mod:`techcurve.ingest.money`).
"""

from __future__ import annotations

from dataclasses import dataclass

from techcurve.store import Store
from techcurve.store.ingest import financing_amount_counts


@dataclass(frozen=True, slots=True)
class AmountCounts:
    """Financing events by how their amount is known; shares of all events (None: none)."""

    events: int
    exact: int
    vague: int  # a word or a range: low < high
    undisclosed: int

    @property
    def vague_share(self) -> float | None:
        return round(self.vague / self.events, 4) if self.events else None

    @property
    def undisclosed_share(self) -> float | None:
        return round(self.undisclosed / self.events, 4) if self.events else None


@dataclass(frozen=True, slots=True)
class AmountStats:
    """:class:`AmountCounts` per source (sorted by source) and in total."""

    sources: dict[str, AmountCounts]
    total: AmountCounts


def amount_stats(store: Store, *, where: str = "") -> AmountStats:
    """Counts of exact, vague and undisclosed financing amounts per source and in total.

    ``where`` is an extra SQL condition on ``records`` (e.g. ``"date <= DATE '2021-11-24'"``).

    >>> amount_stats(store).sources["itjuzi"]                       # doctest: +SKIP
    AmountCounts(events=772, exact=61, vague=396, undisclosed=315)
    """
    sources = {
        str(source): AmountCounts(int(events), int(exact), int(vague), int(undisclosed))
        for source, events, exact, vague, undisclosed in financing_amount_counts(
            store, where=where
        ).iter_rows()
    }
    parts = sources.values()
    total = AmountCounts(
        sum(c.events for c in parts),
        sum(c.exact for c in parts),
        sum(c.vague for c in parts),
        sum(c.undisclosed for c in parts),
    )
    return AmountStats(sources, total)
