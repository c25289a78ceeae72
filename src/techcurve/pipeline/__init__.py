"""The library API: one function per pipeline stage, each taking the store path.

The CLI is a thin layer over these; a notebook user calls them directly::

    import techcurve.pipeline as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["rounds.csv"], profile="crunchbase")  # the profile gives the kind
    tc.match("my.duckdb")
    tc.compute("my.duckdb")                     # the indicators stage
    tc.assess("my.duckdb")
    tc.indicators("my.duckdb")                  # the tables as polars frames: indicators,
    tc.assessments("my.duckdb")                 # summary, assessments, records
    tc.records("my.duckdb", subfield="vr", limit=20)
    tc.curve("my.duckdb", ["curve.svg", "curve.png"])
    tc.report("my.duckdb", "report.html")
    tc.run("my.duckdb", ["patents.csv"], profile="cnipa", out="out/")   # all of it at once

The scale-out of match and indicators over a Parquet export (``tc.export_parquet``,
``tc.scale_match``, ``tc.scale_indicators``) is :mod:`techcurve.pipeline.scaleout`.

Every function opens the store, does its stage in a transaction where it writes, and
closes the store again, so stages can be re-run alone and in any later process.

Around the stages (:mod:`techcurve.pipeline.outputs`): ``save_edition``,
``list_editions``, ``delete_edition``, ``diff``, ``export_byor``, ``export_matrix``,
``export_json``, ``export_xlsx``, ``audit``, ``inspect`` and ``status``.

Count-level evidence from open APIs (OpenAlex, Wikipedia, HN, GitHub, PatentsView):
``fetch`` (:mod:`techcurve.pipeline.fetch`, docs/connectors.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from techcurve import lazy

#: each public name and the submodule it lives in; they are imported on first use, so
#: that `techcurve --help` (and every command) loads only what it runs
_WHERE: dict[str, str] = {
    "BacktestRun": "backtest",
    "DeletedEdition": "outputs",
    "ExplainResult": "explain",
    "Exported": "outputs",
    "RunResult": "stages",
    "StoreStatus": "outputs",
    "TaxonomyCheck": "taxonomy",
    "TaxonomyExport": "taxonomy",
    "TaxonomyImport": "taxonomy",
    "assess": "stages",
    "assess_labelled": "backtest",
    "audit": "outputs",
    "backtest": "backtest",
    "curve": "stages",
    "delete_edition": "outputs",
    "diff": "outputs",
    "explain": "explain",
    "export_byor": "outputs",
    "export_json": "outputs",
    "export_matrix": "outputs",
    "export_xlsx": "outputs",
    "export_parquet": "scaleout",
    "compute": "stages",
    "indicators": "tables",
    "summary": "tables",
    "assessments": "tables",
    "records": "tables",
    "IngestMatchResult": "stages",
    "ingest": "stages",
    "ingest_and_match": "stages",
    "ingest_counts": "stages",
    "init": "stages",
    "inspect": "outputs",
    "list_editions": "outputs",
    "match": "stages",
    "report": "stages",
    "run": "stages",
    "save_edition": "outputs",
    "scale_indicators": "scaleout",
    "scale_match": "scaleout",
    "status": "outputs",
    "taxonomy_check": "taxonomy",
    "taxonomy_diff": "taxonomy",
    "taxonomy_export": "taxonomy",
    "taxonomy_for": "stages",
    "taxonomy_import": "taxonomy",
    "taxonomy_sample": "taxonomy",
    "taxonomy_stats": "taxonomy",
    "FetchResult": "fetch",
    "fetch": "fetch",
}

if TYPE_CHECKING:
    from techcurve.pipeline.backtest import BacktestRun, assess_labelled, backtest
    from techcurve.pipeline.explain import ExplainResult, explain
    from techcurve.pipeline.fetch import FetchResult, fetch
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
        export_xlsx,
        inspect,
        list_editions,
        save_edition,
        status,
    )
    from techcurve.pipeline.scaleout import export_parquet, scale_indicators, scale_match
    from techcurve.pipeline.stages import (
        IngestMatchResult,
        RunResult,
        assess,
        compute,
        curve,
        ingest,
        ingest_and_match,
        ingest_counts,
        init,
        match,
        report,
        run,
        taxonomy_for,
    )
    from techcurve.pipeline.tables import assessments, indicators, records, summary
    from techcurve.pipeline.taxonomy import (
        TaxonomyCheck,
        TaxonomyExport,
        TaxonomyImport,
        taxonomy_check,
        taxonomy_diff,
        taxonomy_export,
        taxonomy_import,
        taxonomy_sample,
        taxonomy_stats,
    )


def __getattr__(name: str) -> Any:
    value = lazy.attribute(globals(), _WHERE, name)
    where = _WHERE[name]
    if _WHERE.get(where) == where:
        # importing the submodule bound its name here to the module (backtest, fetch):
        # the function of that name comes first
        globals()[where] = getattr(lazy.module(globals(), where), where)
    return value


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE)


__all__ = [
    "BacktestRun",
    "DeletedEdition",
    "ExplainResult",
    "Exported",
    "FetchResult",
    "IngestMatchResult",
    "RunResult",
    "StoreStatus",
    "TaxonomyCheck",
    "TaxonomyExport",
    "TaxonomyImport",
    "assess",
    "assess_labelled",
    "assessments",
    "compute",
    "audit",
    "backtest",
    "curve",
    "delete_edition",
    "diff",
    "explain",
    "export_byor",
    "export_json",
    "export_matrix",
    "export_xlsx",
    "export_parquet",
    "fetch",
    "indicators",
    "ingest",
    "ingest_and_match",
    "ingest_counts",
    "init",
    "inspect",
    "list_editions",
    "match",
    "records",
    "report",
    "run",
    "save_edition",
    "scale_indicators",
    "scale_match",
    "status",
    "summary",
    "taxonomy_check",
    "taxonomy_diff",
    "taxonomy_export",
    "taxonomy_for",
    "taxonomy_import",
    "taxonomy_sample",
    "taxonomy_stats",
]
