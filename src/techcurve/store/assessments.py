"""The SQL of the assess stage: what the models, the backtest and ``explain`` read, and
the ``assessments`` table they write.

Every function takes an open :class:`~techcurve.store.core.Store` and returns polars
frames or frozen dataclasses; nothing here decides anything about the assessment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.store.core import Store
from techcurve.store.meta import Meta

#: the tables :func:`evidence_tables` reads (what the indicators are computed from)
EVIDENCE_TABLES: tuple[str, ...] = ("subfields", "records", "matches", "counts", "count_matches")


@dataclass(frozen=True, slots=True)
class EvidenceTables:
    """The store's evidence, read once: what the indicators of any as-of date need."""

    subfields: pl.DataFrame
    records: pl.DataFrame
    matches: pl.DataFrame
    counts: pl.DataFrame  # only the count rows of series linked to a sub-field
    count_matches: pl.DataFrame


def missing_evidence_tables(st: Store) -> list[str]:
    """The tables of :data:`EVIDENCE_TABLES` the store lacks (empty when it has them all)."""
    return [name for name in EVIDENCE_TABLES if not st.has_table(name)]


def evidence_tables(st: Store) -> EvidenceTables:
    """Read the evidence tables (nothing is written)."""
    return EvidenceTables(
        subfields=st.sql("SELECT * FROM subfields ORDER BY subfield_id"),
        records=st.sql(
            "SELECT record_id, kind, source, venue, date, year, amount_point_cny, "
            "amount_low_cny, amount_high_cny FROM records"
        ),
        matches=st.sql("SELECT record_id, subfield_id FROM matches"),
        counts=st.sql(
            "SELECT c.source, c.term, c.kind, c.year, c.month, c.count, c.total FROM counts c "
            "SEMI JOIN count_matches m USING (source, term, kind)"
        ),
        count_matches=st.sql(
            "SELECT source, term, kind, subfield_id, is_primary FROM count_matches"
        ),
    )


def subfields(st: Store) -> pl.DataFrame:
    """The taxonomy's sub-fields as the store holds them (empty before matching)."""
    return st.table("subfields")


def summary(st: Store) -> pl.DataFrame | None:
    """The ``summary`` table (one row per sub-field as of a date), None before indicators."""
    return st.table("summary") if st.has_table("summary") else None


def indicators(st: Store) -> pl.DataFrame | None:
    """The ``indicators`` table (per sub-field per year), None before indicators."""
    return st.table("indicators") if st.has_table("indicators") else None


def write_assessments(
    st: Store, frame: pl.DataFrame, *, model: str, params: Mapping[str, Any]
) -> None:
    """Replace the ``assessments`` table by ``frame`` and record the model and its
    parameters (:attr:`Meta.ASSESSED_MODEL`, :attr:`Meta.ASSESSED_PARAMS`), in one
    transaction."""
    with st.transaction():
        st.replace_table("assessments", frame)
        st.set_meta(Meta.ASSESSED_MODEL, model)
        st.set_meta(Meta.ASSESSED_PARAMS, json.dumps(params, ensure_ascii=False, default=str))


def assessment_probabilities(st: Store) -> dict[tuple[str, str], dict[str, float]]:
    """(subfield_id, model) → {phase: probability} for the assessments whose model gives
    phase probabilities (the ``probabilities`` JSON column, e.g. the learnt model's).

    Empty when there are no assessments, and for a store written before the column
    existed (the table is derived and replaced whole, so older stores simply lack it).
    """
    if not st.has_table("assessments"):
        return {}
    have = st.one(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'assessments' "
        "AND column_name = 'probabilities'"
    )
    if not have or not have[0]:
        return {}
    rows = st.sql(
        "SELECT subfield_id, model, probabilities FROM assessments WHERE probabilities IS NOT NULL"
    )
    return {
        (str(sid), str(model)): {str(k): float(v) for k, v in json.loads(text).items()}
        for sid, model, text in rows.iter_rows()
    }


def has_assessments(st: Store) -> bool:
    """Whether the store holds at least one assessment."""
    return st.has_table("assessments") and st.count("assessments") > 0


@dataclass(frozen=True, slots=True)
class SubfieldRows:
    """What the store holds about one sub-field: its taxonomy row, its summary row,
    its assessments (one per model) and its most recent matched records."""

    subfield: dict[str, Any]
    summary: dict[str, Any]  # empty before indicators
    assessments: list[dict[str, Any]]
    sample_records: list[dict[str, Any]]


def similar_subfield_ids(st: Store, text: str, limit: int = 5) -> list[str]:
    """Sub-field ids whose id or name contains ``text`` (for "did you mean")."""
    return st.sql(
        "SELECT subfield_id FROM subfields WHERE subfield_id ILIKE ? OR name_zh LIKE ? "
        "OR name_en ILIKE ? LIMIT ?",
        [f"%{text}%", f"%{text}%", f"%{text}%", limit],
    )["subfield_id"].to_list()


def subfield_names(st: Store) -> pl.DataFrame:
    """Every sub-field's id, zh and en names and query (what a name is looked up in)."""
    return st.sql("SELECT subfield_id, name_zh, name_en, query FROM subfields ORDER BY subfield_id")


def subfield_rows(st: Store, subfield_id: str, *, n_records: int = 5) -> SubfieldRows | None:
    """Everything :func:`techcurve.pipeline.explain` shows, None for an unknown id."""
    sf = st.sql("SELECT * FROM subfields WHERE subfield_id = ?", [subfield_id])
    if sf.height == 0:
        return None
    summ = (
        st.sql("SELECT * FROM summary WHERE subfield_id = ?", [subfield_id])
        if st.has_table("summary")
        else pl.DataFrame()
    )
    asmt = st.sql("SELECT * FROM assessments WHERE subfield_id = ?", [subfield_id])
    recs = st.sql(
        "SELECT r.record_id, r.kind, r.source, r.date, r.date_precision, r.year, r.title, "
        "m.terms FROM matches m "
        "JOIN records r USING (record_id) WHERE m.subfield_id = ? "
        "ORDER BY r.date DESC NULLS LAST, r.year DESC NULLS LAST, r.record_id LIMIT ?",
        [subfield_id, n_records],
    )
    return SubfieldRows(
        subfield=sf.row(0, named=True),
        summary=summ.row(0, named=True) if summ.height else {},
        assessments=asmt.to_dicts(),
        sample_records=recs.to_dicts(),
    )


__all__ = [
    "EVIDENCE_TABLES",
    "EvidenceTables",
    "SubfieldRows",
    "assessment_probabilities",
    "evidence_tables",
    "has_assessments",
    "indicators",
    "missing_evidence_tables",
    "similar_subfield_ids",
    "subfield_rows",
    "subfields",
    "summary",
    "write_assessments",
]
