"""techcurve: evidence-based technology maturity curves.

The library API is :mod:`techcurve.pipeline`: one function per stage, each taking the
store path and returning a dataclass or a polars frame, for notebooks and scripts::

    from techcurve import pipeline as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["events.xlsx"], profile="itjuzi")  # the profile gives the kind
    tc.match("my.duckdb"); tc.compute("my.duckdb"); tc.assess("my.duckdb")
    tc.indicators("my.duckdb"); tc.assessments("my.duckdb")    # polars frames
    tc.curve("my.duckdb", ["curve.png"]); tc.report("my.duckdb", "report.html")

The stages: ``init``, ``ingest``, ``ingest_counts``, ``match``, ``compute`` (the indicators),
``assess``, ``explain``, ``curve``, ``report`` and ``run`` (all of them at once). Around
them: ``save_edition``, ``list_editions``, ``delete_edition``, ``diff``,
``export_byor``, ``export_matrix``, ``export_json``, ``audit``, ``inspect`` and
``status``. The ``techcurve`` command line (:mod:`techcurve.cli`) calls these.

(They are not re-exported here: ``techcurve.assess``, ``.match``, ``.ingest`` and
``.report`` are the stage packages, and importing one would shadow a function of
the same name.)
"""

from __future__ import annotations

from typing import Any

from techcurve import lazy
from techcurve.version import __version__

# Imported when first used (PEP 562), so that importing the package loads no polars:
# the console script sets polars' allocator settings before anything loads it.
_WHERE = {
    "AssessError": ".errors", "ChoiceError": ".errors", "ConfigError": ".errors", "IngestError": ".errors",
    "QueryError": ".errors", "ReportError": ".errors", "StoreError": ".errors",
    "TaxonomyError": ".errors", "TechcurveError": ".errors",
    "Assessment": ".datatypes", "EvidenceKind": ".datatypes", "Phase": ".datatypes",
    "Reason": ".datatypes", "YearsBand": ".datatypes",
    "normalize": ".normalize", "parse_query": ".taxonomy.query",
    "Store": ".store", "Taxonomy": ".taxonomy", "load_taxonomy": ".taxonomy",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name == "pipeline":
        return lazy.module(globals(), ".pipeline")
    return lazy.attribute(globals(), _WHERE, name)


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE, "pipeline")


__all__ = [
    "AssessError",
    "Assessment",
    "ChoiceError",
    "ConfigError",
    "EvidenceKind",
    "IngestError",
    "Phase",
    "QueryError",
    "Reason",
    "ReportError",
    "Store",
    "StoreError",
    "Taxonomy",
    "TaxonomyError",
    "TechcurveError",
    "YearsBand",
    "__version__",
    "load_taxonomy",
    "normalize",
    "parse_query",
    "pipeline",
]
