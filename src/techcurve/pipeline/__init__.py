"""The library API: one function per pipeline stage, each taking the store path.

The CLI is a thin layer over these; a notebook user calls them directly::

    import techcurve.pipeline as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["rounds.csv"], kind="financing", profile="crunchbase")
    tc.match("my.duckdb")
    tc.compute("my.duckdb")            # indicators
    tc.assess("my.duckdb")
    tc.curve("my.duckdb", ["curve.svg", "curve.png"])
    tc.report("my.duckdb", "report.html")
    tc.run("my.duckdb", ["patents.csv"], profile="cnipa", out="out/")   # all of it at once

Every function opens the store, does its stage in a transaction where it writes, and
closes the store again, so stages can be re-run alone and in any later process.

Around the stages (:mod:`techcurve.pipeline.outputs`): ``save_edition``,
``list_editions``, ``delete_edition``, ``diff``, ``export_byor``, ``export_matrix``,
``export_json``, ``audit``, ``inspect`` and ``status``.
"""

from techcurve.pipeline.outputs import (
    DeletedEdition,
    Exported,
    StoreStatus,
    audit,
    delete_edition,
    diff,
    export_byor,
    export_json,
    export_matrix,
    inspect,
    list_editions,
    save_edition,
    status,
)
from techcurve.pipeline.stages import (
    ExplainResult,
    RunResult,
    assess,
    compute,
    curve,
    explain,
    ingest,
    ingest_counts,
    init,
    match,
    report,
    run,
    taxonomy_for,
)

__all__ = [
    "DeletedEdition",
    "ExplainResult",
    "Exported",
    "RunResult",
    "StoreStatus",
    "assess",
    "audit",
    "compute",
    "curve",
    "delete_edition",
    "diff",
    "explain",
    "export_byor",
    "export_json",
    "export_matrix",
    "ingest",
    "ingest_counts",
    "init",
    "inspect",
    "list_editions",
    "match",
    "report",
    "run",
    "save_edition",
    "status",
    "taxonomy_for",
]
