"""techcurve: evidence-based technology maturity curves.

The stages are functions of :mod:`techcurve.pipeline` (each takes the store path), for
notebooks and scripts::

    from techcurve import pipeline as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["events.xlsx"], kind="financing", profile="itjuzi")
    tc.match("my.duckdb"); tc.compute("my.duckdb"); tc.assess("my.duckdb")
    tc.curve("my.duckdb", ["curve.png"]); tc.report("my.duckdb", "report.html")

(They are not re-exported here: ``techcurve.assess``, ``.match``, ``.ingest`` and
``.report`` are the stage packages, and importing one would shadow a function of
the same name.)
"""

from . import pipeline
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
    "load_taxonomy",
    "normalize",
    "parse_query",
    "pipeline",
]
