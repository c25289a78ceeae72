"""The library side of ``techcurve taxonomy …``: lint, review and edit the taxonomy.

One function per command, each taking paths (a store, taxonomy files, spreadsheets) and
returning a dataclass; ``docs/taxonomy.md`` ("Tools") documents them::

    import techcurve.pipeline as tc
    tc.taxonomy_check("my.yaml", db="my.duckdb").errors
    tc.taxonomy_sample("my.duckdb", "ar", 5, seed=1).records
    tc.taxonomy_export("taxonomy.xlsx")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from techcurve.taxonomy import Finding, Taxonomy, check_taxonomy, load_taxonomy

if TYPE_CHECKING:
    from techcurve.taxonomy.diff import TaxonomyDiff
    from techcurve.taxonomy.review import MatchStats, SampleResult

# The store, the review (the matcher, polars, DuckDB), the spreadsheets and the diff are
# imported by the functions that use them: `taxonomy check` of a file loads none of them
# (docs/performance.md, "`taxonomy check` without the heavy libraries").

__all__ = [
    "TaxonomyCheck",
    "TaxonomyExport",
    "TaxonomyImport",
    "taxonomy_check",
    "taxonomy_diff",
    "taxonomy_export",
    "taxonomy_import",
    "taxonomy_sample",
    "taxonomy_stats",
]

PathLike = str | Path


@dataclass(frozen=True, slots=True)
class TaxonomyCheck:
    """A taxonomy file's findings: its own problems, and with a store the terms that
    occur nowhere in it."""

    taxonomy: Taxonomy
    findings: tuple[Finding, ...]
    store: str | None = None  # the store the terms were checked against

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")


@dataclass(frozen=True, slots=True)
class TaxonomyExport:
    """A taxonomy written as a spreadsheet."""

    path: Path
    taxonomy: Taxonomy


@dataclass(frozen=True, slots=True)
class TaxonomyImport:
    """A spreadsheet turned into taxonomy YAML, with the findings of its check."""

    path: Path
    taxonomy: Taxonomy
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def taxonomy_check(path: PathLike | None = None, *, db: PathLike | None = None) -> TaxonomyCheck:
    """Lint the taxonomy at ``path`` (``None``: the shipped one); with a store ``db``,
    also report the terms that occur in none of its records and count series."""
    tax = load_taxonomy(path)
    findings = check_taxonomy(tax)
    if db:
        from techcurve.store import Store  # noqa: PLC0415 - only with a store
        from techcurve.taxonomy.review import check_against_store  # noqa: PLC0415

        with Store.open(db, read_only=True) as st:
            findings += check_against_store(tax, st)
    return TaxonomyCheck(tax, tuple(findings), str(db) if db else None)


def taxonomy_sample(
    db: PathLike,
    subfield_id: str,
    n: int = 20,
    *,
    seed: int | None = None,
    kind: str | None = None,
) -> SampleResult:
    """``n`` random records the last match linked to ``subfield_id`` (same ``seed``, same
    sample), with the terms that fired (:func:`techcurve.taxonomy.review.sample_matches`)."""
    from techcurve.store import Store  # noqa: PLC0415
    from techcurve.taxonomy.review import sample_matches  # noqa: PLC0415

    with Store.open(db, read_only=True) as st:
        return sample_matches(st, subfield_id, n, seed=seed, kind=kind)


def taxonomy_stats(db: PathLike) -> MatchStats:
    """Matches per sub-field and kind in the store ``db``
    (:func:`techcurve.taxonomy.review.match_stats`)."""
    from techcurve.store import Store  # noqa: PLC0415
    from techcurve.taxonomy.review import match_stats  # noqa: PLC0415

    with Store.open(db, read_only=True) as st:
        return match_stats(st)


def taxonomy_export(file: PathLike, taxonomy: PathLike | None = None) -> TaxonomyExport:
    """Write the taxonomy at ``taxonomy`` (``None``: the shipped one) as ``file`` (.csv or
    .xlsx), one row per sub-field."""
    from techcurve.taxonomy.sheets import export_taxonomy  # noqa: PLC0415

    tax = load_taxonomy(taxonomy)
    return TaxonomyExport(export_taxonomy(tax, file), tax)


def taxonomy_import(file: PathLike, output: PathLike) -> TaxonomyImport:
    """Turn the spreadsheet ``file`` into taxonomy YAML at ``output`` (nothing is written
    when a row is wrong) and check the result."""
    from techcurve.taxonomy.sheets import import_taxonomy  # noqa: PLC0415

    tax = import_taxonomy(file, output)
    return TaxonomyImport(Path(output), tax, tuple(check_taxonomy(tax)))


def _taxonomy_path(arg: str) -> str | None:
    """``None`` (the shipped taxonomy) for the word ``default`` when no such file exists."""
    if arg == "default" and not Path(arg).exists():
        return None
    return arg


def taxonomy_diff(old: str, new: str) -> TaxonomyDiff:
    """What changed from taxonomy ``old`` to ``new`` (``default``: the shipped one)."""
    from techcurve.taxonomy.diff import diff_taxonomies  # noqa: PLC0415

    return diff_taxonomies(load_taxonomy(_taxonomy_path(old)), load_taxonomy(_taxonomy_path(new)))
