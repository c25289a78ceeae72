"""The ``source_roles`` table: the role each evidence source played in the indicators.

Written by the indicators stage beside ``indicators`` (the registry
``data/sources.yaml`` merged with the config's ``indicators.sources``, one row per
source and evidence kind seen in the store); read by the report's methods page, so the
page states the roles the numbers were computed with.
"""

from __future__ import annotations

import polars as pl

from techcurve.store.core import Store

#: ``source_roles``: one row per (source, kind) of the store's evidence.
SOURCE_ROLE_COLUMNS: dict[str, pl.DataType] = {
    "source": pl.Utf8(),
    "kind": pl.Utf8(),
    "role": pl.Utf8(),  # maturity | hype | money
    "subrole": pl.Utf8(),  # paper | patent | media | developer | public | state | financing
    "name_zh": pl.Utf8(),
    "name_en": pl.Utf8(),
    "in_shares": pl.Boolean(),  # put into the <subrole>_share columns
    "listed": pl.Boolean(),  # in the registry (False: the defaults of its kind)
}


def evidence_pairs(store: Store) -> pl.DataFrame:
    """``source, kind`` of every record and count series in the store."""
    return store.sql(
        "SELECT DISTINCT source, kind FROM records UNION SELECT DISTINCT source, kind FROM counts "
        "ORDER BY source, kind"
    )


def write_source_roles(store: Store, roles: pl.DataFrame) -> None:
    """Replace ``source_roles`` (:data:`SOURCE_ROLE_COLUMNS`); the caller holds the
    transaction of the indicators stage."""
    frame = roles.select(pl.col(c).cast(t) for c, t in SOURCE_ROLE_COLUMNS.items())
    store.replace_table("source_roles", frame)


def source_roles(store: Store) -> pl.DataFrame:
    """The ``source_roles`` table (empty when the indicators have not been computed)."""
    if not store.has_table("source_roles"):
        return pl.DataFrame(schema=SOURCE_ROLE_COLUMNS)
    return store.sql("SELECT * FROM source_roles ORDER BY role, subrole, source, kind")


__all__ = ["SOURCE_ROLE_COLUMNS", "evidence_pairs", "source_roles", "write_source_roles"]
