"""The ``editions`` table: named snapshots of the curve (see :mod:`techcurve.editions`).

One row per (edition, sub-field): the model and cut-off behind it, its phase,
position and years-to-plateau band, and when the edition was saved.
"""

from __future__ import annotations

import polars as pl

from techcurve.store.core import Store

#: the columns of one edition's positions, as :func:`edition_rows` returns them
EDITION_COLUMNS = ("subfield_id", "model", "as_of", "phase", "position", "years_band")


def edition_size(store: Store, name: str) -> int:
    """How many sub-fields edition ``name`` holds (0 when there is no such edition)."""
    row = store.one("SELECT count(*) FROM editions WHERE edition = ?", [name])
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def write_edition(store: Store, name: str, rows: pl.DataFrame) -> None:
    """Replace edition ``name`` by ``rows`` (columns of the ``editions`` table), atomically."""
    with store.transaction():
        store.con.execute("DELETE FROM editions WHERE edition = ?", [name])
        store.append("editions", rows)


def remove_edition(store: Store, name: str) -> None:
    """Delete every row of edition ``name``."""
    with store.transaction():
        store.con.execute("DELETE FROM editions WHERE edition = ?", [name])


def saved_editions(store: Store) -> pl.DataFrame:
    """One row per saved edition, oldest first.

    Columns: edition, saved_at (text), as_of and model (the distinct values joined by
    ", "), n (sub-fields).
    """
    return store.sql(
        "SELECT edition, CAST(max(saved_at) AS VARCHAR) AS saved_at, "
        "string_agg(DISTINCT as_of, ', ') AS as_of, string_agg(DISTINCT model, ', ') AS model, "
        "count(*) AS n FROM editions GROUP BY edition ORDER BY max(saved_at), edition"
    )


def edition_rows(store: Store, name: str) -> pl.DataFrame:
    """The positions saved as edition ``name`` (:data:`EDITION_COLUMNS`), by sub-field id."""
    return store.sql(
        f"SELECT {', '.join(EDITION_COLUMNS)} FROM editions WHERE edition = ? ORDER BY subfield_id",
        [name],
    )
