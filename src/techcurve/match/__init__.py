"""Matching: every sub-field query over every record and count series.

The matcher is :mod:`techcurve.match.matcher`; its compiled multi-pattern search is
:mod:`techcurve.match.fastmatch`.
"""

from techcurve.match.matcher import (
    FIELDS,
    MATCH_VERSION,
    TEXT_FIELDS,
    MatchResult,
    add_ingested_links,
    field_hits,
    in_step,
    iter_record_batches,
    match_counts,
    match_frame,
    match_rows,
    match_store,
    match_text,
    needed_columns,
    replace_matches,
    write_taxonomy,
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
    "write_taxonomy",
]
