"""The store's evidence as of any date: the indicators and the summary recomputed with
the pure :func:`techcurve.indicators.indicator_frames` from tables read **once** (nothing
in the store is rewritten). Count rows are cut off strictly: a whole-year row counts
only when its year is complete at the as-of date (a statement of July 2014 cannot know
2014's patent total)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from techcurve.assess._base import needing
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams, indicator_frames, last_complete_year
from techcurve.store import Store
from techcurve.store.assessments import evidence_tables, missing_evidence_tables


@dataclass(frozen=True, slots=True)
class Evidence:
    """The store's evidence that :func:`indicator_frames` needs, read once."""

    subfields: pl.DataFrame
    records: pl.DataFrame
    matches: pl.DataFrame
    counts: pl.DataFrame
    count_matches: pl.DataFrame

    @classmethod
    def from_store(cls, st: Store) -> Evidence:
        """Read the evidence of an opened store (nothing is written)."""
        missing = missing_evidence_tables(st)
        if missing:
            error = AssessError.of("assess.no_evidence_table", table=missing[0])
            raise needing("match", error)
        tables = evidence_tables(st)
        if tables.subfields.height == 0:
            raise needing("match", AssessError.of("assess.no_taxonomy"))
        return cls(
            subfields=tables.subfields,
            records=tables.records,
            matches=tables.matches,
            counts=tables.counts,
            count_matches=tables.count_matches,
        )

    def frames(
        self, as_of: date, params: IndicatorParams | None = None
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """``indicators`` and ``summary`` as of ``as_of``, with whole-year count rows only
        for years complete by then (monthly rows up to the as-of month)."""
        complete = last_complete_year(as_of)
        counts = self.counts.filter(
            pl.when(pl.col("month") == 0)
            .then(pl.col("year") <= complete)
            .otherwise(
                (pl.col("year") < as_of.year)
                | ((pl.col("year") == as_of.year) & (pl.col("month") <= as_of.month))
            )
        )
        return indicator_frames(
            self.subfields.select("subfield_id", "domain_id"),
            self.records,
            self.matches,
            counts,
            self.count_matches,
            as_of=as_of,
            params=params,
        )


class FrameCache:
    """:meth:`Evidence.frames` per as-of date, computed once per date."""

    def __init__(self, ev: Evidence, params: IndicatorParams | None = None) -> None:
        self.ev = ev
        self.params = params
        self._frames: dict[date, tuple[pl.DataFrame, pl.DataFrame]] = {}

    def __call__(self, day: date) -> tuple[pl.DataFrame, pl.DataFrame]:
        if day not in self._frames:
            self._frames[day] = self.ev.frames(day, self.params)
        return self._frames[day]


__all__ = ["Evidence", "FrameCache"]
