"""Matching while ingesting: the :class:`~techcurve.ingest.LinkMatcher` ingest takes,
made of :mod:`techcurve.match` (ingest sits below match and does not import it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from techcurve.match import add_ingested_links, in_step, match_rows
from techcurve.store import Store
from techcurve.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class TaxonomyMatcher:
    """Links records to the sub-fields of ``taxonomy`` as ingest reads them, when the
    store's links are current for it (:func:`techcurve.match.in_step`); the links are
    those :func:`~techcurve.match.match_store` would make."""

    taxonomy: Taxonomy

    def in_step(self, store: Store) -> bool:
        return in_step(store, self.taxonomy)

    def links(self, frame: pl.DataFrame) -> pl.DataFrame:
        # one thread per batch: ingest parses batches side by side
        return match_rows(frame, self.taxonomy.queries, parallel=False)

    def add_links(self, store: Store, insert_links: Callable[[], int]) -> int:
        return add_ingested_links(store, self.taxonomy, insert_links)
