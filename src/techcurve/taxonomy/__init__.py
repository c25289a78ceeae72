"""The taxonomy: domains, sub-fields and their queries.

:mod:`~techcurve.taxonomy.model` loads and checks a taxonomy file;
:mod:`~techcurve.taxonomy.query` is the query language; the tools (review against a
store, spreadsheets, diff) are modules of their own, imported where they are used.
"""

from techcurve.taxonomy.model import (
    DEFAULT_TAXONOMY,
    FINDING_KINDS,
    Finding,
    Taxonomy,
    check_taxonomy,
    compose_query,
    load_taxonomy,
)

__all__ = [
    "DEFAULT_TAXONOMY",
    "FINDING_KINDS",
    "Finding",
    "Taxonomy",
    "check_taxonomy",
    "compose_query",
    "load_taxonomy",
]
