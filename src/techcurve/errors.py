"""The exception family of techcurve.

Every error a user can cause is a :class:`TechcurveError`; the CLI turns it into
one line on stderr and a non-zero exit code. Errors carry their context as
attributes so that callers (and tests) can inspect them.

::

    TechcurveError
    ├── ConfigError       a settings/config file or option is wrong
    ├── TaxonomyError     the taxonomy file is malformed (file, sub-field, line)
    │   └── QueryError    a sub-field query does not parse (position, expected)
    ├── IngestError       an input file cannot be read at all (file, row, column)
    ├── StoreError        the DuckDB store is missing, busy or of another version
    ├── AssessError       assessment cannot run (no indicators, bad overrides)
    └── ReportError       rendering or report assembly failed (empty store, fonts)
"""

from __future__ import annotations


class TechcurveError(Exception):
    """Base class of every error techcurve raises on purpose."""

    exit_code = 1


class ConfigError(TechcurveError):
    """A configuration file or option holds a value techcurve cannot use."""

    exit_code = 2


class TaxonomyError(TechcurveError):
    """The taxonomy file is malformed."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        subfield: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.subfield = subfield
        self.line = line
        where = []
        if path:
            where.append(str(path) + (f":{line}" if line else ""))
        if subfield:
            where.append(f"sub-field {subfield!r}")
        super().__init__((": ".join(where) + ": " if where else "") + message)


class QueryError(TaxonomyError):
    """A boolean query does not parse; ``column`` is 1-based."""

    def __init__(
        self,
        message: str,
        *,
        query: str,
        column: int,
        path: str | None = None,
        subfield: str | None = None,
        line: int | None = None,
    ) -> None:
        self.query = query
        self.column = column
        super().__init__(
            f"{message} at column {column} of query {query!r}",
            path=path,
            subfield=subfield,
            line=line,
        )


class IngestError(TechcurveError):
    """An input file cannot be read (missing, wrong columns, undecodable)."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        where = ""
        if path:
            where = str(path)
            if row is not None:
                where += f" row {row:,}"
            if column:
                where += f" column {column!r}"
            where += ": "
        super().__init__(where + message)


class StoreError(TechcurveError):
    """The store file is missing, locked by another writer, or of another schema version."""

    exit_code = 5


class AssessError(TechcurveError):
    """Assessment cannot run: missing indicators, invalid overrides or labels."""

    exit_code = 6


class ReportError(TechcurveError):
    """A curve or report cannot be produced (empty store, unknown format)."""

    exit_code = 7
