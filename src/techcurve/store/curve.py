"""Reading the assessed curve: the assessments and the names, domains and figures beside them.

The curve, the editions and the exports read the same tables: the ``assessments``
(one row per sub-field and model), the taxonomy's ``subfields`` and ``domains``, the
``summary`` at the as-of date, and the meta facts of the last assessment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from techcurve.errors import ReportError
from techcurve.store.assessments import has_assessments, subfields
from techcurve.store.core import Store
from techcurve.store.meta import Meta
from techcurve.store.provenance import latest_evidence


@dataclass(frozen=True, slots=True)
class CurveInputs:
    """What the curve is drawn from: the assessments, the taxonomy's names, the cut-off."""

    assessments: pl.DataFrame
    subfields: pl.DataFrame
    domains: pl.DataFrame
    as_of: str | None  # the data cut-off (ISO date) the indicators were computed for
    evidence_end: str | None = None  # the latest evidence used ("2026-07"): "数据截止"


@dataclass(frozen=True, slots=True)
class AssessmentFacts:
    """The meta facts recorded with the assessments (see :class:`Meta`)."""

    as_of: str | None
    taxonomy_version: str | None
    taxonomy_hash: str | None
    model: str | None
    params: str | None  # the model's parameters as JSON


def assessments(store: Store) -> pl.DataFrame:
    """The ``assessments`` table (every model); :class:`ReportError` when there is none."""
    if not has_assessments(store):
        raise ReportError.of("store.no_assessments", path=store.path)
    return store.table("assessments")


def domains(store: Store) -> pl.DataFrame:
    """The taxonomy's domains, in taxonomy order."""
    return store.table("domains")


def subfield_names(store: Store) -> dict[str, tuple[str, str]]:
    """Sub-field id → (Chinese name, English name), the id standing in for a missing name."""
    if not store.has_table("subfields"):
        return {}
    rows = store.sql("SELECT subfield_id, name_zh, name_en FROM subfields").iter_rows()
    return {str(r[0]): (str(r[1] or r[0]), str(r[2] or r[0])) for r in rows}


def summary_columns(store: Store, columns: Sequence[str]) -> pl.DataFrame:
    """``subfield_id`` and those of ``columns`` the ``summary`` table has (no rows without it)."""
    if not store.has_table("summary"):
        return pl.DataFrame({"subfield_id": []}, schema={"subfield_id": pl.Utf8})
    summary = store.table("summary")
    return summary.select("subfield_id", *(c for c in columns if c in summary.columns))


def as_of(store: Store) -> str | None:
    """The data cut-off the indicators (and so the assessments) were computed for."""
    return store.get_meta(Meta.AS_OF)


def assessment_facts(store: Store) -> AssessmentFacts:
    """The cut-off, taxonomy and model recorded with the assessments."""
    return AssessmentFacts(
        as_of=store.get_meta(Meta.AS_OF),
        taxonomy_version=store.get_meta(Meta.TAXONOMY_VERSION),
        taxonomy_hash=store.get_meta(Meta.TAXONOMY_HASH),
        model=store.get_meta(Meta.ASSESSED_MODEL),
        params=store.get_meta(Meta.ASSESSED_PARAMS),
    )


def curve_inputs(store: Store) -> CurveInputs:
    """Everything :func:`techcurve.render.curve.render_curve` draws, read in one go."""
    cut = as_of(store)
    return CurveInputs(
        assessments=assessments(store),
        subfields=subfields(store),
        domains=domains(store),
        as_of=cut,
        evidence_end=_evidence_end(store, cut),
    )


def _evidence_end(store: Store, cut: str | None) -> str | None:
    end = latest_evidence(store, cut)
    return end.text() if end is not None else None


@dataclass(frozen=True, slots=True)
class SourceSize:
    """How many rows one source of one evidence kind holds, in the records or the count
    series (``level``: ``records`` | ``counts``)."""

    level: str
    kind: str
    source: str
    rows: int


def source_sizes(store: Store) -> list[SourceSize]:
    """The rows per (kind, source) of the records, then of the count series; per table
    by kind and, within a kind, the biggest source first — the order of the report's
    source statistics (:func:`techcurve.store.report.record_source_stats`), without
    their matched counts and dates: all a figure's source line needs."""
    out: list[SourceSize] = []
    for level, table in (("records", "records"), ("counts", "counts")):
        if not store.has_table(table):
            continue
        rows = store.sql(
            f"SELECT kind, source, count(*) AS n FROM {table} "
            "GROUP BY kind, source ORDER BY kind, n DESC"
        ).iter_rows()
        out += [SourceSize(level, str(k), str(s), int(n)) for k, s, n in rows]
    return out
