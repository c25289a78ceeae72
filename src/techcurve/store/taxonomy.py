"""The taxonomy's tables (``domains``, ``subfields``) and what the taxonomy review tools
read about the last match (sub-fields, their links, their records and count series).

Every SQL statement of :func:`techcurve.match.write_taxonomy` and of
:mod:`techcurve.taxonomy.review` is one of these functions.
"""

from __future__ import annotations

import polars as pl

from techcurve.store.core import Store
from techcurve.store.meta import Meta
from techcurve.taxonomy import Taxonomy

__all__ = [
    "count_series",
    "count_series_count",
    "count_series_per_subfield",
    "linked_count_series",
    "linked_count_series_count",
    "links_per_subfield_and_kind",
    "matched_record_ids",
    "matched_record_totals",
    "matched_records",
    "matches_by_kind",
    "records_by_kind",
    "subfield_domains",
    "subfield_names",
    "subfield_query",
    "write_taxonomy",
]


def write_taxonomy(store: Store, taxonomy: Taxonomy) -> None:
    """Store the taxonomy's domains and sub-fields (replacing the previous ones) and
    its version, hash and path in the meta table."""
    domains = pl.DataFrame(
        {
            "domain_id": [d.id for d in taxonomy.domains],
            "name_zh": [d.name_zh for d in taxonomy.domains],
            "name_en": [d.name_en for d in taxonomy.domains],
            "aliases": [";".join(d.aliases) for d in taxonomy.domains],
        },
        schema={"domain_id": pl.Utf8, "name_zh": pl.Utf8, "name_en": pl.Utf8, "aliases": pl.Utf8},
    )
    subs = pl.DataFrame(
        {
            "subfield_id": [s.id for s in taxonomy.subfields],
            "domain_id": [s.domain for s in taxonomy.subfields],
            "name_zh": [s.name_zh for s in taxonomy.subfields],
            "name_en": [s.name_en for s in taxonomy.subfields],
            "query": [s.query for s in taxonomy.subfields],
            "definition": [s.definition for s in taxonomy.subfields],
        },
        schema={
            c: pl.Utf8
            for c in ("subfield_id", "domain_id", "name_zh", "name_en", "query", "definition")
        },
    )
    store.con.execute("DELETE FROM domains")
    store.con.execute("DELETE FROM subfields")
    store.append("domains", domains)
    store.append("subfields", subs)
    store.set_meta(Meta.TAXONOMY_VERSION, taxonomy.version)
    store.set_meta(Meta.TAXONOMY_HASH, taxonomy.hash)
    store.set_meta(Meta.TAXONOMY_PATH, str(taxonomy.path))


# -- what the review tools read ------------------------------------------------------------


def _int(store: Store, sql: str) -> int:
    row = store.one(sql)
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]


def subfield_names(store: Store) -> pl.DataFrame:
    """``subfield_id, name_zh, name_en`` of the stored taxonomy, by id."""
    return store.sql("SELECT subfield_id, name_zh, name_en FROM subfields ORDER BY subfield_id")


def subfield_domains(store: Store) -> pl.DataFrame:
    """``subfield_id, domain_id, name_zh`` of the stored taxonomy, in stored order."""
    return store.sql("SELECT subfield_id, domain_id, name_zh FROM subfields")


def subfield_query(store: Store, subfield_id: str) -> tuple[str, str, str] | None:
    """``(name_zh, name_en, query)`` of a stored sub-field, or ``None`` if there is none."""
    row = store.one(
        "SELECT name_zh, name_en, query FROM subfields WHERE subfield_id = ?", [subfield_id]
    )
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def matches_by_kind(store: Store, subfield_id: str) -> dict[str, int]:
    """The sub-field's linked records per record kind, kinds sorted."""
    frame = store.sql(
        "SELECT r.kind, count(*) AS n FROM matches m JOIN records r USING (record_id) "
        "WHERE m.subfield_id = ? GROUP BY r.kind ORDER BY r.kind",
        [subfield_id],
    )
    return {str(k): int(n) for k, n in frame.iter_rows()}


def matched_record_ids(store: Store, subfield_id: str, kind: str | None = None) -> list[str]:
    """The ids of the records linked to the sub-field (of ``kind`` only, if given), sorted."""
    where = "m.subfield_id = ?" + (" AND r.kind = ?" if kind else "")
    params: list[object] = [subfield_id, kind] if kind else [subfield_id]
    return store.sql(
        f"SELECT m.record_id FROM matches m JOIN records r USING (record_id) WHERE {where} "
        "ORDER BY m.record_id",
        params,
    )["record_id"].to_list()


def matched_records(store: Store, subfield_id: str, record_ids: list[str]) -> pl.DataFrame:
    """``record_id, kind, year, source, title, abstract, keywords, terms`` of these
    records' links to the sub-field, by record id."""
    return store.sql(
        "SELECT r.record_id, r.kind, r.year, r.source, r.title, r.abstract, r.keywords, "
        "m.terms FROM records r JOIN matches m USING (record_id) "
        "WHERE m.subfield_id = ? AND list_contains(?, r.record_id) ORDER BY r.record_id",
        [subfield_id, record_ids],
    )


def linked_count_series(store: Store, subfield_id: str) -> pl.DataFrame:
    """``source, kind, term`` of the count series linked to the sub-field, sorted."""
    return store.sql(
        "SELECT source, kind, term FROM count_matches WHERE subfield_id = ? "
        "ORDER BY source, kind, term",
        [subfield_id],
    )


def links_per_subfield_and_kind(store: Store) -> pl.DataFrame:
    """``subfield_id, kind, records, shared``: linked records per sub-field and kind, and
    how many of them are linked to another sub-field too."""
    return store.sql(
        """
        WITH n AS (SELECT record_id, count(*) AS k FROM matches GROUP BY record_id)
        SELECT m.subfield_id, r.kind, count(*) AS records,
               count(*) FILTER (WHERE n.k > 1) AS shared
        FROM matches m JOIN records r USING (record_id) JOIN n USING (record_id)
        GROUP BY m.subfield_id, r.kind
        """
    )


def count_series_per_subfield(store: Store) -> dict[str, int]:
    """Sub-field → how many distinct count series are linked to it."""
    frame = store.sql(
        "SELECT subfield_id, count(*) FROM "
        "(SELECT DISTINCT subfield_id, source, term, kind FROM count_matches) GROUP BY 1"
    )
    return {str(s): int(n) for s, n in frame.iter_rows()}


def matched_record_totals(store: Store) -> tuple[int, int]:
    """(records linked to a sub-field, records linked to more than one)."""
    row = store.one(
        "SELECT count(*), count(*) FILTER (WHERE k > 1) FROM "
        "(SELECT record_id, count(*) AS k FROM matches GROUP BY record_id)"
    )
    return (int(row[0]), int(row[1])) if row else (0, 0)  # type: ignore[call-overload]


def records_by_kind(store: Store) -> dict[str, int]:
    """Stored records per kind (only the kinds there are)."""
    frame = store.sql("SELECT kind, count(*) FROM records GROUP BY kind")
    return {str(k): int(n) for k, n in frame.iter_rows()}


def count_series(store: Store) -> pl.DataFrame:
    """Every distinct count series, ``source, term, kind``, sorted."""
    return store.sql("SELECT DISTINCT source, term, kind FROM counts ORDER BY ALL")


def count_series_count(store: Store) -> int:
    """How many distinct count series the store holds."""
    return _int(store, "SELECT count(*) FROM (SELECT DISTINCT source, term, kind FROM counts)")


def linked_count_series_count(store: Store) -> int:
    """How many distinct count series are linked to some sub-field."""
    return _int(
        store, "SELECT count(*) FROM (SELECT DISTINCT source, term, kind FROM count_matches)"
    )
