"""The indicators stage: from the store (:func:`compute_indicators`) or from frames
(:func:`indicator_frames`, which the scale-out and the backtest use)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from techcurve.config import section
from techcurve.indicators.frames import gather_evidence, year_table
from techcurve.indicators.params import IndicatorParams
from techcurve.indicators.records import record_stats
from techcurve.indicators.sources import load_registry, roles_frame
from techcurve.indicators.summary import summary_table
from techcurve.store import Store
from techcurve.store import indicators as tables
from techcurve.store import sources as source_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndicatorsResult:
    """What :func:`compute_indicators` wrote."""

    as_of: date
    subfields: int
    indicator_rows: int
    summary_rows: int
    without_evidence: int  # sub-fields whose summary has evidence_years == 0
    params: IndicatorParams

    @classmethod
    def of(
        cls, indicators: pl.DataFrame, summary: pl.DataFrame, as_of: date, params: IndicatorParams
    ) -> IndicatorsResult:
        """The result of writing these ``indicators`` and ``summary`` frames."""
        return cls(
            as_of=as_of,
            subfields=summary.height,
            indicator_rows=indicators.height,
            summary_rows=summary.height,
            without_evidence=summary.filter(pl.col("evidence_years") == 0).height,
            params=params,
        )


def indicator_frames(
    subfields: pl.DataFrame,
    records: pl.DataFrame,
    matches: pl.DataFrame,
    counts: pl.DataFrame,
    count_matches: pl.DataFrame,
    *,
    as_of: date,
    params: IndicatorParams | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``indicators`` and ``summary`` frames, from the store's tables as frames.

    ``subfields`` needs ``subfield_id, domain_id``; ``records`` needs ``record_id, kind,
    source, venue, date, year, amount_point_cny, amount_low_cny, amount_high_cny`` (all
    records: article totals per site come from it); ``matches`` needs ``record_id,
    subfield_id``; ``counts`` needs ``source, term, kind, year, month, count, total``;
    ``count_matches`` needs ``source, term, kind, subfield_id, is_primary``.
    Rows after ``as_of`` are ignored (the cut-offs of :mod:`~techcurve.indicators.records`
    and :mod:`~techcurve.indicators.series`).

    The records are first reduced to :func:`record_stats` (what
    :func:`compute_indicators` computes in SQL instead), so both give the same frames.
    """
    known = subfields.select(pl.col("subfield_id").cast(pl.Utf8))
    links, volumes = record_stats(records, matches.join(known, on="subfield_id", how="semi"), as_of)
    return frames_from_stats(
        subfields, links, volumes, counts, count_matches, as_of=as_of, params=params
    )


def frames_from_stats(
    subfields: pl.DataFrame,
    links: pl.DataFrame,
    volumes: pl.DataFrame,
    counts: pl.DataFrame,
    count_matches: pl.DataFrame,
    *,
    as_of: date,
    params: IndicatorParams | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`indicator_frames` from the reduced records of :func:`record_stats`."""
    p = params or IndicatorParams()
    ev = gather_evidence(subfields, links, volumes, counts, count_matches, as_of=as_of)
    table = year_table(ev, p)
    return table.indicators, summary_table(ev, table, p)


def compute_indicators(
    store: Store, *, as_of: date | None = None, config: dict[str, Any] | None = None
) -> IndicatorsResult:
    """Compute ``indicators`` and ``summary`` from the store and replace both tables
    (and the as-of meta key), with ``source_roles`` (the role each source played).

    ``as_of`` (default: today) cuts off later evidence; ``config`` is a loaded config
    (its ``indicators`` section overrides :class:`IndicatorParams`; None = the shipped
    defaults). Wrap the call in ``store.transaction()`` (as ``pipeline.compute``
    does) to replace both tables atomically.

    >>> with Store.open("my.duckdb") as st:                      # doctest: +SKIP
    ...     compute_indicators(st, as_of=date(2021, 11, 24)).summary_rows
    134
    """
    as_of = as_of or date.today()
    params = IndicatorParams.from_config(section(config, "indicators"))
    # The records are aggregated in DuckDB (matches ⨝ records, spilling to disk if it
    # must): only a few rows per sub-field and year reach polars, so memory does not
    # grow with the number of records.
    indicators, summary = frames_from_stats(
        tables.subfield_domains(store),
        tables.link_stats(store, as_of),
        tables.record_volumes(store, as_of),
        tables.linked_counts(store, as_of.year),
        tables.count_links(store),
        as_of=as_of,
        params=params,
    )
    tables.write_indicators(store, indicators, summary, as_of=as_of)
    roles = roles_frame(load_registry(params.sources), source_tables.evidence_pairs(store))
    source_tables.write_source_roles(store, roles)
    result = IndicatorsResult.of(indicators, summary, as_of, params)
    log.info(
        "indicators as of %s: %d sub-fields, %d indicator rows, %d without evidence",
        as_of,
        result.subfields,
        result.indicator_rows,
        result.without_evidence,
    )
    return result
