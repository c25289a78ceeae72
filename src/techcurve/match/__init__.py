"""Matching: every sub-field query over every record and count series.

:mod:`~techcurve.match.matcher` matches a frame of records (no store; its compiled
multi-pattern search is :mod:`~techcurve.match.fastmatch`);
:mod:`~techcurve.match.batches` streams the records to match out of the store;
:mod:`~techcurve.match.incremental` matches the store, re-matching only what changed.
"""

from techcurve.match.batches import iter_record_batches
from techcurve.match.incremental import (
    MATCH_VERSION,
    MatchResult,
    add_ingested_links,
    in_step,
    match_counts,
    match_store,
    replace_matches,
    write_taxonomy,
)
from techcurve.match.matcher import (
    FIELDS,
    TEXT_FIELDS,
    field_hits,
    match_frame,
    match_rows,
    match_text,
    needed_columns,
    warm,
)

__all__ = [
    "FIELDS",
    "MATCH_VERSION",
    "MatchResult",
    "TEXT_FIELDS",
    "add_ingested_links",
    "field_hits",
    "in_step",
    "iter_record_batches",
    "match_counts",
    "match_frame",
    "match_rows",
    "match_store",
    "match_text",
    "needed_columns",
    "replace_matches",
    "warm",
    "write_taxonomy",
]
