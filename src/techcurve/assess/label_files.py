"""Labelled placements for the backtest: load, validate and resolve a labels CSV.

A labels file is what someone said about a technology in a given year::

    technology,year,phase,years_to_plateau,source,uncertain
    iot,2014,peak,5-10,"Gartner Hype Cycle for Emerging Technologies 2014 (…)",no
    Augmented reality (AR),2015,trough,,"Gartner … 2015 (…)",no

``technology`` is a sub-field id, its Chinese or English name or an alias
(:mod:`~techcurve.assess.label_names`; ``subfield_id``, ``id`` and ``name`` are accepted
as the column's name too); ``phase`` a phase in any common spelling
(:mod:`~techcurve.assess.phase_names`: ``peak``, "Peak of Inflated Expectations",
``peak-of-inflated-expectations``, 期望膨胀期, 过热期 …); ``years_to_plateau`` (optional) a Gartner band
(``<2``, ``2-5``, ``5-10``, ``>10``, ``obsolete``); ``source`` the citation;
``uncertain`` (optional) yes/no; ``as_of`` (optional, YYYY-MM-DD) the date of the
statement — by default 1 July of ``year``, before Gartner's August publication, so
that no evidence after the statement is used. Any other column (e.g. ``note``) is
kept and ignored.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess.label_names import (
    ResolvedLabels,
    load_label_map,
    resolve_label_names,
    resolve_labels,
)
from techcurve.assess.phase_names import parse_phase
from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import AssessError, phrase

LABEL_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "technology": pl.Utf8(),
    "year": pl.Int32(),
    "as_of": pl.Date(),
    "phase": pl.Utf8(),
    "years_band": pl.Utf8(),
    "source": pl.Utf8(),
    "uncertain": pl.Boolean(),
}
"""The labels frame: one row per statement (``row`` = line in the file)."""

_TECH_ALIASES = ("technology", "subfield_id", "id", "name")
_ALLOWED_PHASES = "; ".join(f"{p.value}, {p.en}, {p.zh}" for p in Phase)
_TRUE = {"yes", "y", "true", "1", "uncertain", "是"}
_FALSE = {"", "no", "n", "false", "0", "否"}


def default_as_of(year: int) -> date:
    """The as-of date of a statement known only by its year: 1 July."""
    return date(year, 7, 1)


def load_labels(path: str | Path) -> pl.DataFrame:
    """Read and validate a labels CSV; returns a frame with :data:`LABEL_SCHEMA`.

    Raises :class:`AssessError` naming the file, the line and the column for a missing
    column, a year that is not a year, an unknown phase or band, or a bad date.

    >>> load_labels("src/techcurve/data/labels/public_statements.csv").height  # doctest: +SKIP
    37
    """
    p = Path(path)
    if not p.is_file():
        raise AssessError.of("assess.labels.no_file", path=p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise AssessError.of("assess.labels.not_utf8", path=p, error=e) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    tech_col = next((c for c in _TECH_ALIASES if c in header), None)
    missing = [c for c in ("year", "phase") if c not in header]
    if tech_col is None:
        missing.insert(0, "technology")
    if missing or tech_col is None:
        raise AssessError.of(
            "assess.labels.missing_columns",
            path=p,
            columns=", ".join(missing),
            found=", ".join(header) or "no header",
        )
    rows = [
        _label_row(rec, i, p, tech_col)
        for i, rec in enumerate(reader, start=2)
        if any((v or "").strip() for v in rec.values() if isinstance(v, str))
    ]
    if not rows:
        raise AssessError.of("assess.labels.no_rows", path=p)
    return pl.DataFrame(rows, schema=LABEL_SCHEMA, orient="row")


def _label_row(rec: dict[str, str | None], line: int, p: Path, tech_col: str) -> dict[str, Any]:
    """One labels CSV line as a row of :data:`LABEL_SCHEMA`."""

    def bad(col: str, key: str, **values: Any) -> AssessError:
        where = phrase("assess.labels.where", path=str(p), line=line, column=col)
        return AssessError.of("assess.labels.at", where=where, message=phrase(key, **values))

    tech = (rec.get(tech_col) or "").strip()
    if not tech:
        raise bad(tech_col, "assess.labels.empty_technology")
    ytext = (rec.get("year") or "").strip()
    if not re.fullmatch(r"\d{4}", ytext):
        raise bad("year", "assess.labels.bad_year", value=ytext)
    year = int(ytext)
    ptext = (rec.get("phase") or "").strip()
    phase = parse_phase(ptext)
    if phase is None:
        raise bad("phase", "assess.labels.bad_phase", value=ptext, allowed=_ALLOWED_PHASES)
    band: YearsBand | None = None
    btext = (rec.get("years_to_plateau") or "").strip()
    if btext:
        try:
            band = YearsBand.parse(btext)
        except ValueError as e:
            raise bad("years_to_plateau", "assess.labels.bad_value", error=e) from None
    utext = (rec.get("uncertain") or "").strip().lower()
    if utext not in _TRUE | _FALSE:
        raise bad("uncertain", "assess.labels.bad_uncertain", value=utext)
    atext = (rec.get("as_of") or "").strip()
    if atext:
        try:
            as_of = date.fromisoformat(atext)
        except ValueError:
            raise bad("as_of", "assess.labels.bad_date", value=atext) from None
    else:
        as_of = default_as_of(year)
    return {
        "row": line,
        "technology": tech,
        "year": year,
        "as_of": as_of,
        "phase": phase.value,
        "years_band": band.value if band is not None else None,
        "source": (rec.get("source") or "").strip() or None,
        "uncertain": utext in _TRUE,
    }


__all__ = [
    "LABEL_SCHEMA",
    "ResolvedLabels",
    "default_as_of",
    "load_label_map",
    "load_labels",
    "resolve_label_names",
    "resolve_labels",
]
