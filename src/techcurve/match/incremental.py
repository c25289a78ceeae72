"""Matching the store: the records and count series against the taxonomy, incrementally.

The ``match_queries`` table records the canonical query each sub-field's links reflect,
and the meta keys ``match_watermark`` / ``match_watermark_records`` / ``match_version``
which records (``ingest_id`` ≤ watermark) were matched, by which matcher. A run matches
new records against every query and older records only against new or edited queries
(:func:`match_store`). Every statement on the tables is a function of
:mod:`techcurve.store.matches`; the matching itself is :mod:`techcurve.match.matcher`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from techcurve.match.batches import iter_record_batches, read_ahead
from techcurve.match.matcher import count_text, match_frame, needed_columns
from techcurve.store import COUNT_MATCH_COLUMNS, Store
from techcurve.store import matches as stored
from techcurve.store import taxonomy as stored_taxonomy
from techcurve.store.fetches import fetched_links
from techcurve.taxonomy import Taxonomy
from techcurve.taxonomy.query import Query

__all__ = [
    "MATCH_VERSION",
    "MatchResult",
    "add_ingested_links",
    "in_step",
    "match_counts",
    "match_store",
    "relink_counts",
    "replace_matches",
    "write_taxonomy",
]

log = logging.getLogger(__name__)

#: Bumped when a change to the matcher changes which records match: stores matched by
#: another version are re-matched in full.
MATCH_VERSION = "2"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What a match run wrote."""

    records: int
    links: int
    matched_records: int
    count_series: int
    count_links: int
    subfields: int
    mode: str = "full"  # "full" or "incremental"
    rematched_records: int = 0  # record rows read and matched by this run
    rematched_subfields: int = 0  # sub-fields matched over the older records


def write_taxonomy(store: Store, taxonomy: Taxonomy) -> None:
    """Store the taxonomy's domains and sub-fields (replacing the previous ones)."""
    stored_taxonomy.write_taxonomy(store, taxonomy)


def match_counts(store: Store, queries: Mapping[str, Query]) -> pl.DataFrame:
    """Link count-series terms to sub-fields and pick one primary series per sub-field.

    A sub-field's query is matched against each series' term. Several terms can match
    one sub-field (e.g. "Machine learning" and "Supervised learning"); adding their
    counts would double-count, so for each (sub-field, source, kind) the series with the
    largest total count is marked ``is_primary`` and only it feeds the indicators.
    A series ``techcurve fetch`` asked for a sub-field (``fetch_series``) is linked to
    that sub-field alone, without matching its term, and is its primary series of that
    source and kind.
    """
    series = stored.count_series_totals(store)
    schema = COUNT_MATCH_COLUMNS
    if series.height == 0:
        return pl.DataFrame(schema=schema)
    key = ["source", "term", "kind"]
    fetched = fetched_links(store).filter(pl.col("subfield_id").is_in(list(queries)))
    searched = series.join(fetched.select(key).unique(), on=key, how="anti")
    searched = searched.with_row_index("i").with_columns(
        pl.col("i").cast(pl.Utf8).alias("record_id")
    )
    frame = searched.select(
        "record_id", count_text(searched["term"]).alias("text_norm")
    ).with_columns(pl.col("text_norm").alias("title_norm"))
    links = match_frame(frame, queries) if searched.height else pl.DataFrame()
    parts = [fetched.join(series, on=key).with_columns(pl.lit(True).alias("_fetched"))]
    if links.height:
        parts.append(
            links.join(searched, on="record_id").with_columns(pl.lit(False).alias("_fetched"))
        )
    cols = ["subfield_id", *key, "n", "_fetched"]
    joined = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed").sort(
        ["subfield_id", "source", "kind", "_fetched", "n", "term"],
        descending=[False, False, False, True, True, False],
    )
    if joined.height == 0:
        return pl.DataFrame(schema=schema)
    ranked = joined.with_columns(
        (pl.int_range(pl.len()).over("subfield_id", "source", "kind") == 0).alias("is_primary")
    )
    return ranked.select(list(schema)).cast(schema)  # type: ignore[arg-type]


def relink_counts(store: Store, queries: Mapping[str, Query]) -> int:
    """Link the count series again (after a fetch): ``count_matches`` replaced in one
    transaction; returns the number of links."""
    links = match_counts(store, queries)
    with store.transaction():
        stored.replace_count_matches(store, links)
    return links.height


# -- the match state --------------------------------------------------------------------


def _current_state(store: Store, watermark: int) -> stored.MatchState | None:
    """The match state if it still describes the store's older records (written by this
    matcher, none removed, none without an ingest id, none newer than ``watermark`` =
    the highest ingest id now matched over), else ``None``: the next run must be a full
    one."""
    state = stored.load_match_state(store)
    if state is None or state.version != MATCH_VERSION:
        return None
    old = stored.records_up_to(store, state.watermark)
    unknown = stored.records_without_ingest_id(store)
    if old != state.records or unknown or watermark < state.watermark:
        return None
    return state


def _save_state(store: Store, queries: Mapping[str, Query], watermark: int, records: int) -> None:
    canonical = {s: str(q) for s, q in queries.items()}
    stored.save_match_state(store, MATCH_VERSION, canonical, watermark, records)


def _result(
    store: Store,
    taxonomy: Taxonomy,
    count_links: pl.DataFrame,
    mode: str,
    done: int,
    changed: int,
    totals: tuple[int, int] | None = None,
) -> MatchResult:
    """What a run wrote; ``totals`` = (links, matched records) when the run counted
    them itself (a full run sees every link once), else they are counted in the store."""
    links, matched = totals or stored.link_totals(store)
    return MatchResult(
        records=store.count("records"),
        links=links,
        matched_records=matched,
        count_series=count_links.select("source", "term", "kind").unique().height
        if count_links.height
        else 0,
        count_links=count_links.height,
        subfields=len(taxonomy.queries),
        mode=mode,
        rematched_records=done,
        rematched_subfields=changed,
    )


# -- links computed elsewhere, and links computed while ingesting --------------------------


def replace_matches(
    store: Store,
    taxonomy: Taxonomy,
    links: pl.DataFrame,
    *,
    watermark: int | None = None,
    records: int | None = None,
) -> MatchResult:
    """Store ``links`` computed elsewhere (e.g. on a cluster) as the whole ``matches`` table.

    Also writes the taxonomy and re-matches the count series, in one transaction. When
    ``watermark`` and ``records`` say which records the links cover and they are still
    the store's records, later ``match_store`` runs can be incremental from there;
    otherwise the next one is a full run.
    """
    queries = taxonomy.queries
    count_links = match_counts(store, queries)
    current = stored.max_ingest_id(store)
    total = store.count("records")
    with store.transaction():
        write_taxonomy(store, taxonomy)
        stored.empty_matches(store)
        stored.append_matches(store, links.select("record_id", "subfield_id", "terms"))
        stored.replace_count_matches(store, count_links)
        if watermark == current and records == total:
            _save_state(store, queries, current, total)
        else:
            stored.reset_match_state(store)
    return _result(store, taxonomy, count_links, "full", links.height, len(queries))


def in_step(store: Store, taxonomy: Taxonomy) -> bool:
    """Whether records ingested from now on may be matched while they are read, their
    links simply added: what an incremental :func:`match_store` would then do anyway.

    True when the store holds no records yet, or when its links reflect exactly the
    taxonomy's queries over every record it holds (the match state is current).
    """
    if store.count("records") == 0:
        return True
    watermark = stored.max_ingest_id(store)
    state = _current_state(store, watermark)
    return (
        state is not None
        and state.watermark == watermark  # every record matched
        and state.queries == {s: str(q) for s, q in taxonomy.queries.items()}
    )


def add_ingested_links(store: Store, taxonomy: Taxonomy, insert_links: Callable[[], int]) -> int:
    """Store the links of the records one ingest just stored, matched while they were
    read (when :func:`in_step` held before it), and move the match state past them.

    Runs inside the ingest's transaction, after its records are stored;
    ``insert_links`` inserts the links into ``matches`` and returns how many. With no
    older records, ``matches`` is emptied first, as a full run would. The taxonomy is
    written as :func:`match_store` writes it; count series are left to it.
    """
    fresh = stored.records_before_last_ingest(store) == 0
    write_taxonomy(store, taxonomy)
    if fresh:
        stored.empty_matches(store)
    n = insert_links()
    _save_state(store, taxonomy.queries, stored.max_ingest_id(store), store.count("records"))
    return n


# -- match_store ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    """What one :func:`match_store` run does: its mode, the streamed passes (which
    queries over which records), the sub-fields whose links it drops first, the
    watermark after it, and how many record rows it reads."""

    mode: str  # "full" or "incremental"
    changed: dict[str, Query]  # the queries matched over the older records too
    passes: tuple[tuple[dict[str, Query], str], ...]  # (queries, record filter)
    dropped: tuple[str, ...]  # sub-fields whose links go (changed or removed)
    new_after: int | None  # the links of the records ingested after this go too
    watermark: int
    rows: int


def _plan_run(store: Store, queries: dict[str, Query], *, full: bool) -> _Run:
    total = store.count("records")
    watermark = stored.max_ingest_id(store)
    state = None if full else _current_state(store, watermark)
    if state is None:
        return _Run("full", dict(queries), ((dict(queries), ""),), (), None, watermark, total)
    changed = {s: q for s, q in queries.items() if state.queries.get(s) != str(q)}
    gone = [s for s in state.queries if s not in queries]
    passes: list[tuple[dict[str, Query], str]] = []
    if changed:
        passes.append((changed, stored.ingested_up_to(state.watermark)))
    passes.append((dict(queries), stored.ingested_after(state.watermark)))
    rows = total - state.records + (state.records if changed else 0)
    dropped = tuple(sorted(set(changed) | set(gone)))
    return _Run("incremental", changed, tuple(passes), dropped, state.watermark, watermark, rows)


def _stream_links(
    store: Store, run: _Run, progress: Callable[[int, int], None] | None
) -> tuple[int, int, int]:
    """Match the records of each pass and append their links; (rows read, links,
    matched records). Reading the next batch and writing the last batch's links
    overlap with matching: DuckDB releases the GIL while it scans and inserts."""
    done = n_links = n_matched = 0  # a record's links all come from its one batch
    with ThreadPoolExecutor(1, thread_name_prefix="techcurve-links") as writer:
        written: Future[None] | None = None
        for qs, where in run.passes:
            if not qs:
                continue
            for batch in read_ahead(iter_record_batches(store, needed_columns(qs), where)):
                links = match_frame(batch, qs)
                n_links += links.height
                n_matched += links["record_id"].n_unique()
                if written is not None:
                    written.result()
                written = writer.submit(stored.append_matches, store, links)
                done += batch.height
                if progress:
                    progress(done, run.rows)
            # the next pass's reader opens its cursor on store.con: not while it writes
            if written is not None:
                written.result()
                written = None
    return done, n_links, n_matched


def match_store(
    store: Store,
    taxonomy: Taxonomy,
    *,
    progress: Callable[[int, int], None] | None = None,
    full: bool = False,
) -> MatchResult:
    """Match the records and count series in ``store`` against ``taxonomy``.

    Incremental unless ``full``: records ingested since the last match are matched
    against every query, and the sub-fields whose query changed (or that are new) are
    re-matched over the older records; links of removed sub-fields are dropped. What
    the links reflect is kept in the ``match_queries`` table (sub-field → canonical
    query) and the meta keys ``match_watermark`` (the highest ``ingest_id`` matched),
    ``match_watermark_records`` and ``match_version``; when they do not describe the
    store any more (records removed, a newer matcher), the run is a full one.

    Records are streamed in Arrow batches (:data:`~techcurve.match.batches.BATCH_ROWS`
    rows), so memory stays flat however many records the store holds. Everything is
    written in one transaction. ``progress(done, total)`` is called after each batch.
    """
    queries = taxonomy.queries
    run = _plan_run(store, queries, full=full)
    count_links = match_counts(store, queries)
    with store.transaction():
        write_taxonomy(store, taxonomy)
        if run.mode == "full":
            stored.empty_matches(store)
        else:
            stored.delete_matches_of(store, run.dropped)
            assert run.new_after is not None
            stored.delete_matches_of_records_after(store, run.new_after)
        done, n_links, n_matched = _stream_links(store, run, progress)
        stored.replace_count_matches(store, count_links)
        _save_state(store, queries, run.watermark, store.count("records"))
    # a full run wrote every link itself: no need to count them all again
    totals = (n_links, n_matched) if run.mode == "full" else None
    result = _result(store, taxonomy, count_links, run.mode, done, len(run.changed), totals)
    log.info(
        "matched %d records (%s: %d re-matched, %d sub-fields): %d links, %d count links",
        result.records, run.mode, done, len(run.changed), result.links, count_links.height,
    )  # fmt: skip
    return result
