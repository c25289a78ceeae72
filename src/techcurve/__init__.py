"""techcurve: evidence-based technology maturity curves.

The stages as functions (each takes the store path), for notebooks and scripts::

    import techcurve as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["events.xlsx"], kind="financing", profile="itjuzi")
    tc.match("my.duckdb"); tc.compute("my.duckdb"); tc.assess("my.duckdb")
    tc.curve("my.duckdb", ["curve.png"]); tc.report("my.duckdb", "report.html")
"""

from .errors import (
    AssessError,
    ConfigError,
    IngestError,
    QueryError,
    ReportError,
    StoreError,
    TaxonomyError,
    TechcurveError,
)
from .models import Assessment, EvidenceKind, Phase, Reason, YearsBand
from .pipeline import (
    assess,
    compute,
    curve,
    explain,
    ingest,
    ingest_counts,
    init,
    match,
    report,
)
from .query import normalize, parse_query
from .store import Store
from .taxonomy import Taxonomy, load_taxonomy

__version__ = "0.1.0"

__all__ = [
    "AssessError",
    "Assessment",
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
    "assess",
    "compute",
    "curve",
    "explain",
    "ingest",
    "ingest_counts",
    "init",
    "load_taxonomy",
    "match",
    "normalize",
    "parse_query",
    "report",
]
