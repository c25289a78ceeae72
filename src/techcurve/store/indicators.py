"""The indicators' tables in the store: what the indicators stage reads and writes.

The stage reads ``subfields``, ``records`` + ``matches`` (reduced in DuckDB to a few rows
per sub-field and year: :func:`link_stats`, :func:`record_volumes`) and ``counts`` +
``count_matches``; it writes ``indicators`` (:data:`INDICATOR_COLUMNS`), ``summary``
(:data:`SUMMARY_COLUMNS`) and the meta key :attr:`Meta.AS_OF` together
(:func:`write_indicators`). Later stages read the two tables with :func:`indicators` and
:func:`summary`.

The column rules are those of :mod:`techcurve.indicators`; the reduction here is the
SQL form of :func:`techcurve.indicators.record_stats` (a test checks both agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from techcurve.errors import StoreError
from techcurve.store.core import Store
from techcurve.store.meta import Meta

#: ``indicators``: one row per sub-field per year with evidence.
INDICATOR_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "year": pl.Int32(),
    "patents": pl.Int64(),
    "patents_cum": pl.Int64(),
    "papers": pl.Int64(),
    "papers_cum": pl.Int64(),
    "articles": pl.Int64(),
    "articles_cum": pl.Int64(),
    "opinion_index": pl.Float64(),
    "fin_events": pl.Int64(),
    "fin_amount_point_cny": pl.Float64(),
    "fin_amount_low_cny": pl.Float64(),
    "fin_amount_high_cny": pl.Float64(),
    "attention": pl.Float64(),
    # shares against each source's own items, mean over the sources of one subrole
    # (techcurve.indicators.shares): maturity, then hype
    "paper_share": pl.Float64(),
    "patent_share": pl.Float64(),
    "media_share": pl.Float64(),
    "developer_share": pl.Float64(),
    "public_share": pl.Float64(),
    "state_share": pl.Float64(),
}

#: ``summary``: one row per sub-field at the as-of date, the inputs of the assessment.
SUMMARY_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "domain_id": pl.Utf8(),
    "as_of": pl.Date(),
    "patents_cum": pl.Int64(),
    "papers_cum": pl.Int64(),
    "birth_year": pl.Int32(),
    "birth_evidence": pl.Utf8(),
    "articles_total": pl.Int64(),
    "opinion_index": pl.Float64(),
    "fin_events": pl.Int64(),
    "fin_amount_point_cny": pl.Float64(),
    "fin_amount_low_cny": pl.Float64(),
    "fin_amount_high_cny": pl.Float64(),
    "attention_peak_year": pl.Int32(),
    "attention_vs_peak": pl.Float64(),
    "attention_growth": pl.Float64(),
    "patent_growth": pl.Float64(),
    "paper_growth": pl.Float64(),
    "evidence_years": pl.Int64(),
    "fin_undisclosed": pl.Int64(),  # beyond the architecture's list: events with no amount
    # beyond the architecture's list: the latest attention level (0–100, comparable
    # across sub-fields because each source is scaled to its maximum over all of them)
    "attention_latest": pl.Float64(),
    "attention_latest_year": pl.Int32(),
    # the last year the store's patent / paper sources cover (see coverage_end): a
    # cumulative series is flat after it because the data stop, not the technology
    "patents_coverage_end": pl.Int32(),
    "papers_coverage_end": pl.Int32(),
    # the hype side from shares against each source's own items (indicators/hype.py)
    "hype_level": pl.Float64(),
    "hype_vs_peak": pl.Float64(),
    "hype_peak_year": pl.Int32(),
    "hype_growth": pl.Float64(),
    "hype_sources": pl.Int64(),
    "hype_latest_year": pl.Int32(),
}

#: The amount columns of a financing record.
RECORD_AMOUNTS = ("amount_point_cny", "amount_low_cny", "amount_high_cny")

#: :func:`link_stats`: matched records per (sub-field, year, kind, site).
LINK_STATS_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "year": pl.Int32(),
    "kind": pl.Utf8(),
    "site": pl.Utf8(),  # articles: venue, else source; null for other kinds
    "source": pl.Utf8(),  # the record's source (platform): what shares are taken against
    "n": pl.Int64(),
    **{c: pl.Float64() for c in RECORD_AMOUNTS},  # sums of the disclosed amounts
    **{c + "_n": pl.Int64() for c in RECORD_AMOUNTS},  # how many are disclosed
    "undisclosed": pl.Int64(),  # records with none of the three amounts
    "first_paper": pl.Utf8(),  # papers: the earliest record (by date, then id; no date last)
    "first_paper_date": pl.Date(),  # and its date (to pick the earliest across sources)
}

#: :func:`record_volumes`: all records (matched or not) per (kind, year, site).
VOLUME_COLUMNS: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "year": pl.Int32(),
    "site": pl.Utf8(),
    "source": pl.Utf8(),
    "n": pl.Int64(),
}


def _counted_sql(as_of: date) -> str:
    """The records counted at ``as_of`` (a date ≤ as-of, else a year ≤ its year), with
    ``year`` filled from the date and the ``site`` of articles, as a SQL subquery."""
    return (
        "SELECT record_id, kind, CAST(coalesce(year, year(date)) AS INTEGER) AS year, "
        "CASE WHEN kind = 'article' THEN coalesce(venue, source) END AS site, source, date, "
        "amount_point_cny, amount_low_cny, amount_high_cny FROM records "
        f"WHERE coalesce(date <= DATE '{as_of.isoformat()}', year <= {as_of.year})"
    )


#: ``links``: the first paper by date, no date last, then by id
_LINKS_SQL = """
SELECT m.subfield_id, r.year, r.kind, r.site, r.source, count(*) AS n,
    sum(r.amount_point_cny) AS amount_point_cny,
    sum(r.amount_low_cny) AS amount_low_cny,
    sum(r.amount_high_cny) AS amount_high_cny,
    count(r.amount_point_cny) AS amount_point_cny_n,
    count(r.amount_low_cny) AS amount_low_cny_n,
    count(r.amount_high_cny) AS amount_high_cny_n,
    count(*) FILTER (WHERE r.amount_point_cny IS NULL AND r.amount_low_cny IS NULL
                     AND r.amount_high_cny IS NULL) AS undisclosed,
    arg_min(r.record_id, (r.date IS NULL, r.date, r.record_id))
        FILTER (WHERE r.kind = 'paper') AS first_paper,
    min(r.date) FILTER (WHERE r.kind = 'paper') AS first_paper_date
FROM matches m JOIN ({counted}) r USING (record_id)
GROUP BY m.subfield_id, r.year, r.kind, r.site, r.source
"""

_VOLUMES_SQL = (
    "SELECT kind, year, site, source, count(*) AS n FROM ({counted}) "
    "GROUP BY kind, year, site, source"
)


def link_stats(store: Store, as_of: date) -> pl.DataFrame:
    """The matched records counted at ``as_of``, aggregated per (sub-field, year, kind,
    site) in DuckDB (:data:`LINK_STATS_COLUMNS`): a few rows per sub-field and year
    however many records there are, so memory does not grow with the records."""
    frame = store.sql(_LINKS_SQL.format(counted=_counted_sql(as_of)))
    return frame.cast(LINK_STATS_COLUMNS)  # type: ignore[arg-type]


def record_volumes(store: Store, as_of: date) -> pl.DataFrame:
    """All records counted at ``as_of`` (matched or not) per (kind, year, site)
    (:data:`VOLUME_COLUMNS`)."""
    frame = store.sql(_VOLUMES_SQL.format(counted=_counted_sql(as_of)))
    return frame.cast(VOLUME_COLUMNS)  # type: ignore[arg-type]


def has_subfields(store: Store) -> bool:
    """Whether the store holds a taxonomy (written by the match stage)."""
    return store.count("subfields") > 0


def subfield_domains(store: Store) -> pl.DataFrame:
    """``subfield_id, domain_id`` of every sub-field of the taxonomy."""
    return store.sql("SELECT subfield_id, domain_id FROM subfields")


def record_links(store: Store) -> pl.DataFrame:
    """``record_id, subfield_id`` of every link the match stage stored."""
    return store.sql("SELECT record_id, subfield_id FROM matches")


def linked_counts(store: Store, up_to_year: int) -> pl.DataFrame:
    """The rows of the count series linked to a sub-field, up to ``up_to_year``:
    ``source, term, kind, year, month, count, total``."""
    return store.sql(
        "SELECT c.source, c.term, c.kind, c.year, c.month, c.count, c.total FROM counts c "
        "SEMI JOIN count_matches m USING (source, term, kind) WHERE c.year <= ?",
        [up_to_year],
    )


def count_links(store: Store) -> pl.DataFrame:
    """``source, term, kind, subfield_id, is_primary`` of every count-series link."""
    return store.sql("SELECT source, term, kind, subfield_id, is_primary FROM count_matches")


def write_indicators(
    store: Store, indicators: pl.DataFrame, summary: pl.DataFrame, *, as_of: date
) -> None:
    """Replace ``indicators`` and ``summary`` and record ``as_of`` (:attr:`Meta.AS_OF`).

    Both tables and the key or none: the caller wraps this in ``store.transaction()``
    (DuckDB has no nested transactions to open one here).
    """
    store.replace_table("indicators", indicators)
    store.replace_table("summary", summary)
    store.set_meta(Meta.AS_OF, as_of.isoformat())


def has_indicators(store: Store) -> bool:
    """Whether the indicators have been computed (the ``summary`` table exists)."""
    return store.has_table("summary") and store.has_table("indicators")


def _require(store: Store, table: str) -> None:
    if not store.has_table(table):
        raise StoreError.of("indicators.not_computed", store=store.path)


def indicators(
    store: Store, *, as_of: date | None = None, subfield_ids: Sequence[str] | None = None
) -> pl.DataFrame:
    """The ``indicators`` table (:data:`INDICATOR_COLUMNS`), by sub-field and year.

    ``as_of`` keeps the years up to its year; ``subfield_ids`` keeps those sub-fields.
    :class:`StoreError` when the indicators have not been computed.
    """
    _require(store, "indicators")
    where, params = _where(as_of, subfield_ids)
    return store.sql(f"SELECT * FROM indicators{where} ORDER BY subfield_id, year", params)


def summary(store: Store, *, subfield_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """The ``summary`` table (:data:`SUMMARY_COLUMNS`), by sub-field; ``subfield_ids``
    keeps those sub-fields. :class:`StoreError` when the indicators have not been
    computed."""
    _require(store, "summary")
    where, params = _where(None, subfield_ids)
    return store.sql(f"SELECT * FROM summary{where} ORDER BY subfield_id", params)


def _where(as_of: date | None, subfield_ids: Sequence[str] | None) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if as_of is not None:
        clauses.append("year <= ?")
        params.append(as_of.year)
    if subfield_ids is not None:
        clauses.append("list_contains(CAST(? AS VARCHAR[]), subfield_id)")
        params.append(list(subfield_ids))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def indicators_as_of(store: Store) -> date | None:
    """The as-of date the stored indicators were computed for (None if never)."""
    value = store.get_meta(Meta.AS_OF)
    return date.fromisoformat(value) if value else None


def record_watermark(store: Store) -> int:
    """The highest ``ingest_id`` of the stored records (0 when there are none): what a
    Parquet export of them describes."""
    row = store.one("SELECT max(ingest_id) FROM records")
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]
