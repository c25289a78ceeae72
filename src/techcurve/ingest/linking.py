"""Linking records to sub-fields while they are ingested: what ingest asks of a matcher.

Ingest does not match; a :class:`LinkMatcher` given to
:func:`~techcurve.ingest.files.ingest_records` does (``techcurve.pipeline`` builds one
from :mod:`techcurve.match`). Ingest asks it whether the store's links may grow as
records come in, has it link each parsed batch, and after inserting the links of the
records it stored, lets it bring its own state up to date in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import polars as pl

from techcurve.ingest.base import ROW_COL
from techcurve.store import Store


class LinkMatcher(Protocol):
    """Links records to sub-fields as ingest reads them."""

    def in_step(self, store: Store) -> bool:
        """Whether records ingested into ``store`` from now on may be linked as they are
        read, their links simply added (the store's links are current)."""
        ...

    def links(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The links of a batch of parsed records: ``row`` (the record's position in
        ``frame``, UInt32), ``subfield_id``, ``terms``."""
        ...

    def add_links(self, store: Store, insert_links: Callable[[], int]) -> int:
        """Inside ingest's transaction, after its records are stored: call
        ``insert_links`` (it inserts the links into ``matches`` and returns how many),
        bring the match state up to date, and return how many links were stored."""
        ...


def row_links(frame: pl.DataFrame, matcher: LinkMatcher) -> pl.DataFrame:
    """The links of a batch of parsed records, each with the row of its record in the
    file: a record id may repeat in a file, and only its first row is stored."""
    links = matcher.links(frame)
    rows = links["row"]
    return pl.DataFrame(
        [frame[ROW_COL].gather(rows), frame["record_id"].gather(rows), links["subfield_id"],
         links["terms"]]
    )  # fmt: skip
