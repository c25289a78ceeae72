"""The store: one embedded DuckDB file that every stage reads and writes.

This package is the one data-access layer: it owns every table definition
(:mod:`~techcurve.store.core`), the meta keys (:class:`~techcurve.store.meta.Meta`) and
the SQL that reads or writes the tables, in one module per stage's tables.
"""

from techcurve.store.core import (
    COUNT_COLUMNS,
    COUNT_MATCH_COLUMNS,
    DEFAULT_DB,
    DEFAULT_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    THREADS_ENV,
    Store,
    init_store,
    resolve_memory_limit,
)
from techcurve.store.meta import Meta

__all__ = [
    "COUNT_COLUMNS",
    "COUNT_MATCH_COLUMNS",
    "DEFAULT_DB",
    "DEFAULT_MEMORY_LIMIT",
    "MEMORY_LIMIT_ENV",
    "Meta",
    "RECORD_COLUMNS",
    "SCHEMA_VERSION",
    "Store",
    "THREADS_ENV",
    "init_store",
    "resolve_memory_limit",
]
