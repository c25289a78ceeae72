"""The taxonomy: domains, sub-fields and their queries.

:mod:`~techcurve.taxonomy.model` loads a taxonomy file and
:mod:`~techcurve.taxonomy.lint` checks it;
:mod:`~techcurve.taxonomy.query` is the query language; :mod:`~techcurve.taxonomy.write`
writes a taxonomy as rows and YAML, :mod:`~techcurve.taxonomy.diff` compares two. The
tools of higher layers are imported where they are used, never from here:
:mod:`~techcurve.taxonomy.sheets` (CSV/XLSX export and import, with ingest's reader)
and :mod:`~techcurve.taxonomy.review` (sampling, stats and term checks on a store).
"""

from techcurve.taxonomy.lint import check_taxonomy
from techcurve.taxonomy.model import (
    DEFAULT_TAXONOMY,
    FINDING_KINDS,
    Finding,
    Taxonomy,
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
