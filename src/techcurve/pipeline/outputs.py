"""The library API around the stages: editions, diffs, exports, the audit, file
inspection and the store's status. Each function takes the store path (or a file),
opens and closes what it needs, and returns a dataclass::

    import techcurve.pipeline as tc
    tc.save_edition("my.duckdb", "2022")
    tc.diff("my.duckdb", "2021", "2022").moved_phase
    tc.export_byor("my.duckdb", "radar.csv").path
    tc.audit("out/report.data.json").failed
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from techcurve.store import Store

# The outputs load when called: importing the library API draws nothing (matplotlib).
if TYPE_CHECKING:
    from techcurve.audit import AuditResult
    from techcurve.editions import EditionDiff, EditionInfo
    from techcurve.ingest.base import Inspection

PathLike = str | Path


@dataclass(frozen=True, slots=True)
class DeletedEdition:
    """An edition :func:`delete_edition` removed, and how many sub-fields it held."""

    name: str
    subfields: int


@dataclass(frozen=True, slots=True)
class Exported:
    """A file an export wrote: ``kind`` is ``byor``, ``matrix`` or ``json``."""

    kind: str
    path: Path


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """How far a store has come through the stages (all False when there is no store)."""

    exists: bool
    records: bool  # records or count series have been ingested
    matched: bool  # the taxonomy's sub-fields are in the store
    indicators: bool  # the indicators and their as-of summary have been computed
    assessments: bool  # the sub-fields have been assessed


def save_edition(
    db: PathLike, name: str, *, model: str | None = None, replace: bool = False
) -> EditionInfo:
    """Save every placed sub-field's final phase and position as edition ``name``."""
    from techcurve.editions import save_edition as save

    with Store.open(db) as st:
        return save(st, name, model=model, replace=replace)


def list_editions(db: PathLike) -> list[EditionInfo]:
    """The saved editions, oldest first."""
    from techcurve.editions import list_editions as saved

    with Store.open(db, read_only=True) as st:
        return saved(st)


def delete_edition(db: PathLike, name: str) -> DeletedEdition:
    """Delete edition ``name`` (a ReportError naming the saved ones when there is none)."""
    from techcurve.editions import delete_edition as delete

    with Store.open(db) as st:
        return DeletedEdition(name=name, subfields=delete(st, name))


def diff(
    db: PathLike,
    old: str,
    new: str = "current",
    *,
    threshold: float | None = None,
) -> EditionDiff:
    """What changed between editions ``old`` and ``new`` (``current``: the unsaved
    assessments): sub-fields that appeared, disappeared, changed phase, or moved more
    than ``threshold`` within their phase (default: ``editions.POSITION_THRESHOLD``)."""
    from techcurve.editions import POSITION_THRESHOLD, diff_editions

    with Store.open(db, read_only=True) as st:
        return diff_editions(
            st, old, new, threshold=POSITION_THRESHOLD if threshold is None else threshold
        )


def export_byor(
    db: PathLike,
    out: PathLike,
    *,
    lang: str = "zh",
    compare: str | None = None,
    config: PathLike | None = None,
) -> Exported:
    """A ThoughtWorks Build-Your-Own-Radar CSV; ``compare`` names an edition, and
    sub-fields not in it are marked new."""
    from techcurve.exports import export_byor as write_byor

    with Store.open(db, read_only=True) as st:
        path = write_byor(st, Path(out), lang=lang, compare=compare, config=config)
    return Exported(kind="byor", path=path)


def export_matrix(
    db: PathLike, out: PathLike, *, lang: str = "zh", config: PathLike | None = None
) -> Exported:
    """A priority matrix (benefit × years to plateau) as .png, .svg or .pdf."""
    from techcurve.exports import export_matrix as draw_matrix

    with Store.open(db, read_only=True) as st:
        path = draw_matrix(st, Path(out), lang=lang, config=config)
    return Exported(kind="matrix", path=path)


def export_json(db: PathLike, out: PathLike) -> Exported:
    """Every assessment (of every model) with its reasons, as JSON."""
    from techcurve.exports import export_json as write_json

    with Store.open(db, read_only=True) as st:
        path = write_json(st, Path(out))
    return Exported(kind="json", path=path)


def export_xlsx(db: PathLike, out: PathLike, *, lang: str = "zh") -> Exported:
    """The tables behind the report (indicators, placements, financing summaries) as
    one XLSX workbook, a sheet each, at the store's as-of date."""
    from techcurve.errors import ReportError
    from techcurve.report.workbook import export_workbook
    from techcurve.store import Meta
    from techcurve.store.assessments import has_assessments

    with Store.open(db, read_only=True) as st:
        if not has_assessments(st):
            raise ReportError.of("pipeline.no_assessments", db=db)
        path = export_workbook(st, Path(out), lang=lang, as_of=st.get_meta(Meta.AS_OF))
    return Exported(kind="xlsx", path=path)


def audit(path: PathLike) -> AuditResult:
    """Check a report's ``.data.json`` or a figures YAML/JSON: shares sum to 100%,
    totals add up and the text matches its tables."""
    from techcurve.audit import audit_file

    return audit_file(Path(path))


def inspect(
    path: PathLike,
    *,
    kind: str | None = None,
    profile: str | None = None,
    mapping: PathLike | None = None,
    n: int = 5,
    encoding: str | None = None,
) -> Inspection:
    """What ingest would see in the file at ``path``: format, encoding, profile,
    columns, notes and its first ``n`` records as they would be stored. Stores nothing."""
    from techcurve.ingest import inspect_file

    return inspect_file(path, kind=kind, profile=profile, mapping=mapping, n=n, encoding=encoding)


def status(db: PathLike) -> StoreStatus:
    """Which stages the store at ``db`` has been through."""
    if not Path(db).exists():
        return StoreStatus(False, False, False, False, False)
    with Store.open(db, read_only=True) as st:

        def filled(table: str) -> bool:
            return st.has_table(table) and st.count(table) > 0

        return StoreStatus(
            exists=True,
            records=filled("records") or filled("counts"),
            matched=filled("subfields"),
            indicators=st.has_table("summary"),
            assessments=filled("assessments"),
        )
