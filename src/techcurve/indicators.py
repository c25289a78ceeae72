"""Indicators: per sub-field per year, and a per sub-field summary at the as-of date.

Reads ``subfields``, ``records`` + ``matches`` and ``counts`` + ``count_matches``;
writes ``indicators`` (:data:`INDICATOR_COLUMNS`) and ``summary``
(:data:`SUMMARY_COLUMNS`). The records are first reduced to a few rows per sub-field,
year and kind (:func:`record_stats`); everything after works on those, with polars.
:func:`compute_indicators` does the reduction in DuckDB SQL over ``matches ⨝ records``,
so its memory does not grow with the number of records; :func:`indicator_frames` is the
same computation as a pure function of frames (the Dask engine and the tests use it).

Rules (the defaults live in :class:`IndicatorParams`, overridable from the config
section ``indicators``):

**As-of cut-off.** A record counts when its ``date`` ≤ as-of (records without a date:
``year`` ≤ as-of year; records with neither are ignored). A count row counts when its
year < as-of year, or it is a whole-year row (``month`` 0) of the as-of year, or a
monthly row of the as-of year with ``month`` ≤ as-of month. ``as_of`` defaults to today.

**Count series.** For each (sub-field, source, kind) exactly one term series is used:
the ``count_matches`` row with ``is_primary`` true (if the match stage marked several,
the one with the largest total count, then the first term, is used and a warning is
logged), so overlapping umbrella terms never add up. Monthly rows are summed to a year
unless the series has a whole-year row for that year, which then wins.

**patents / papers / articles** per year = matched records of that kind + the primary
count series of that kind (summed over sources, rounded to whole numbers);
``*_cum`` is the running sum over the sub-field's years. Financing count series add to
``fin_events`` the same way.

**Rows.** ``indicators`` has a row for every year in which the sub-field has a matched
record or a primary count row (even a zero count), so time series stay dense where the
sources cover them.

**birth_year** = the earliest year with at least ``birth_min_count`` matched paper
records, or a primary paper count ≥ ``birth_min_count`` in one source.
``birth_evidence`` is the earliest matched paper record of that year (its
``record_id``, e.g. ``cnki:…``) or, when only a count series reaches back that far,
``counts:<source>:<term>:<year>``. A record wins a tie: it is something an expert can
open and check for a false match.

**opinion_index** per year = 100 × Σ_site weight(site) × matched articles of the site
that year / all articles of the site that year (shares, because sites differ in size).
The site is the record's ``venue`` (else its ``source``); primary article count series
count as one site each (their source), with share = count / total. Weights come from
``opinion_weights`` ({site: weight}, matched case-insensitively), default
``opinion_default_weight`` (1.0). The value is 0 in years where the store holds any
article evidence but none for the sub-field, and null in years without any.
``summary.opinion_index`` = the mean yearly value over the last ``opinion_window``
years up to the as-of year (missing years = 0), scaled so the top sub-field is 100
(null for all when the store has no article evidence in that window).

**Financing** (matched ``financing`` records): ``fin_events`` counts events;
``fin_amount_{point,low,high}_cny`` sum the *disclosed* amounts only. An undisclosed
(null) amount never counts as 0: a year whose events are all undisclosed has a null
amount (0.0 only when there were no events). ``summary.fin_*`` are totals over all
years up to as-of, plus ``fin_undisclosed`` (events with no amount at all; events from
financing count series are undisclosed by nature).

**attention** per year: for each attention source, the primary series' share =
count / total (a source without totals uses the raw count); monthly shares are averaged
into a yearly mean share (a whole-year row wins). Each source is then scaled so its
largest share over all sub-fields and years is 100, and ``attention`` is the mean over
the sources that have a value that year (null where none does).

**Summary attention.** ``attention_peak_year`` = the year of the highest attention
(earliest on ties); ``attention_vs_peak`` = attention in the latest year with a value /
peak attention (0–1; null when the peak is 0). ``attention_latest`` = that latest
attention value itself (0–100, on the common scale above, so it compares across
sub-fields: a sub-field with attention but no opinion index or financing can still be
"hot"), in year ``attention_latest_year``. ``attention_growth`` = mean of the
relative year-on-year changes of the share over the last
``attention_growth_years`` (2) transitions ending at the latest attention year; each
transition averages the changes of the sources present in both years (so a source
starting or ending does not fake a jump); null when no base share is > 0.

**patent_growth / paper_growth** = mean relative YoY change over the last
``growth_years`` (3) transitions ending at the last complete year with data: the
as-of year minus 1 (the as-of year itself if as-of is 31 December), but no later than
the last year any record or matched count series of that kind covers (so a source that
ends in 2015 is not read as a collapse). The series is the share Σcount / Σtotal of the
sub-field's primary count series of that kind when they carry totals (normalised for
the database's own growth), else the raw yearly count (records + counts, missing years
= 0). Transitions from a zero base are skipped; null when none is defined.

**evidence_years** = distinct years with a matched record or a primary count > 0.
Every sub-field in ``subfields`` gets a summary row, with zeros and nulls when it has
no evidence, so the assessment can call it "insufficient".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, cast

import polars as pl

from techcurve.config import section
from techcurve.errors import ConfigError
from techcurve.store import Store

log = logging.getLogger(__name__)

INDICATOR_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "year": pl.Int32(),
    "patents": pl.Int64(),
    "patents_cum": pl.Int64(),
    "papers": pl.Int64(),
    "papers_cum": pl.Int64(),
    "articles": pl.Int64(),
    "articles_cum": pl.Int64(),
    "opinion_index": pl.Float64(),
    "fin_events": pl.Int64(),
    "fin_amount_point_cny": pl.Float64(),
    "fin_amount_low_cny": pl.Float64(),
    "fin_amount_high_cny": pl.Float64(),
    "attention": pl.Float64(),
}

SUMMARY_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "domain_id": pl.Utf8(),
    "as_of": pl.Date(),
    "patents_cum": pl.Int64(),
    "papers_cum": pl.Int64(),
    "birth_year": pl.Int32(),
    "birth_evidence": pl.Utf8(),
    "articles_total": pl.Int64(),
    "opinion_index": pl.Float64(),
    "fin_events": pl.Int64(),
    "fin_amount_point_cny": pl.Float64(),
    "fin_amount_low_cny": pl.Float64(),
    "fin_amount_high_cny": pl.Float64(),
    "attention_peak_year": pl.Int32(),
    "attention_vs_peak": pl.Float64(),
    "attention_growth": pl.Float64(),
    "patent_growth": pl.Float64(),
    "paper_growth": pl.Float64(),
    "evidence_years": pl.Int64(),
    "fin_undisclosed": pl.Int64(),  # beyond the architecture's list: events with no amount
    # beyond the architecture's list: the latest attention level (0–100, comparable
    # across sub-fields because each source is scaled to its maximum over all of them)
    "attention_latest": pl.Float64(),
    "attention_latest_year": pl.Int32(),
    # the last year the store's patent / paper sources cover (see coverage_end): a
    # cumulative series is flat after it because the data stop, not the technology
    "patents_coverage_end": pl.Int32(),
    "papers_coverage_end": pl.Int32(),
}

#: A year is covered by an evidence kind when its volume is at least this share of the
#: kind's best year, so one stray late record does not extend a source that ended.
COVERAGE_SHARE = 0.1

_AMOUNTS = ("fin_amount_point_cny", "fin_amount_low_cny", "fin_amount_high_cny")
_RECORD_AMOUNTS = {
    "fin_amount_point_cny": "amount_point_cny",
    "fin_amount_low_cny": "amount_low_cny",
    "fin_amount_high_cny": "amount_high_cny",
}
_SERIES = ["source", "term", "kind"]


@dataclass(frozen=True, slots=True)
class IndicatorParams:
    """The settings of the indicator rules (config section ``indicators``)."""

    birth_min_count: float = 1.0
    opinion_window: int = 3
    opinion_weights: Mapping[str, float] = field(default_factory=dict)
    opinion_default_weight: float = 1.0
    growth_years: int = 3
    attention_growth_years: int = 2

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None) -> IndicatorParams:
        """Validate the ``indicators`` section; unknown keys and bad values are :class:`ConfigError`."""
        cfg = dict(cfg or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ConfigError(
                f"config section 'indicators': unknown key(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        out: dict[str, Any] = {}
        for name in ("birth_min_count", "opinion_default_weight"):
            if name in cfg:
                out[name] = _number(name, cfg[name], minimum=0.0)
        for name in ("opinion_window", "growth_years", "attention_growth_years"):
            if name in cfg:
                v = cfg[name]
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise ConfigError(
                        f"config 'indicators.{name}' must be a whole number ≥ 1, not {v!r}"
                    )
                out[name] = v
        if "opinion_weights" in cfg:
            w = cfg["opinion_weights"] or {}
            if not isinstance(w, Mapping):
                raise ConfigError(
                    "config 'indicators.opinion_weights' must map site names to weights "
                    f"(e.g. {{36kr: 1.5}}), not {type(w).__name__}"
                )
            out["opinion_weights"] = {
                str(k): _number(f"opinion_weights.{k}", v, minimum=0.0) for k, v in w.items()
            }
        return cls(**out)


def _number(name: str, value: object, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(
            f"config 'indicators.{name}' must be a number ≥ {minimum:g}, not {value!r}"
        )
    return float(value)


@dataclass(frozen=True, slots=True)
class IndicatorsResult:
    """What :func:`compute_indicators` wrote."""

    as_of: date
    subfields: int
    indicator_rows: int
    summary_rows: int
    without_evidence: int  # sub-fields whose summary has evidence_years == 0
    params: IndicatorParams


# -- helpers ------------------------------------------------------------------------------


def last_complete_year(as_of: date) -> int:
    """The last calendar year fully before (or ending on) ``as_of``."""
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1


def _filter_records(records: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return records.filter(
        pl.when(pl.col("date").is_not_null())
        .then(pl.col("date") <= as_of)
        .otherwise(pl.col("year").is_not_null() & (pl.col("year") <= as_of.year))
    ).with_columns(
        pl.coalesce(pl.col("year"), pl.col("date").dt.year()).cast(pl.Int32).alias("year")
    )


def _filter_counts(counts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return counts.filter(
        (pl.col("year") < as_of.year)
        | (
            (pl.col("year") == as_of.year)
            & ((pl.col("month") == 0) | (pl.col("month") <= as_of.month))
        )
    )


def _primary_series(counts: pl.DataFrame, count_matches: pl.DataFrame) -> pl.DataFrame:
    """(subfield_id, source, term, kind): one primary series per (sub-field, source, kind)."""
    prim = count_matches.filter(pl.col("is_primary").fill_null(False)).select(
        "subfield_id", *_SERIES
    )
    sizes = counts.group_by(_SERIES).agg(pl.col("count").sum().alias("_n"))
    ranked = (
        prim.join(sizes, on=_SERIES, how="left")
        .with_columns(pl.col("_n").fill_null(0.0))
        .sort(
            ["subfield_id", "source", "kind", "_n", "term"],
            descending=[False, False, False, True, False],
        )
    )
    several = ranked.group_by("subfield_id", "source", "kind").len().filter(pl.col("len") > 1)
    if several.height:
        log.warning(
            "%d (sub-field, source, kind) groups have several primary count series; "
            "using the largest of each (e.g. %s)",
            several.height,
            several.row(0),
        )
    return ranked.unique(["subfield_id", "source", "kind"], keep="first", maintain_order=True).drop(
        "_n"
    )


def _yearly_series(series_rows: pl.DataFrame) -> pl.DataFrame:
    """Per (sub-field, source, term, kind, year): count, total (summed months unless a
    whole-year row exists) and share (mean of row shares, whole-year rows winning)."""
    rows = series_rows.with_columns(
        pl.when(pl.col("total") > 0)
        .then(pl.col("count") / pl.col("total"))
        .when(pl.col("total").is_null())
        .then(pl.col("count"))
        .otherwise(None)
        .alias("_share"),
        (pl.col("month") == 0).alias("_whole"),
    )
    keys = ["subfield_id", *_SERIES, "year"]
    whole = pl.col("_whole")
    # sorted, so each group's floats are summed in one order: the same result every run
    rows = rows.sort(*keys, "month")
    return rows.group_by(keys).agg(
        pl.when(whole.any())
        .then(pl.col("count").filter(whole).sum())
        .otherwise(pl.col("count").sum())
        .alias("count"),
        pl.when(whole.any())
        .then(pl.col("total").filter(whole).sum())
        .otherwise(pl.col("total").sum())
        .alias("total"),
        pl.when(whole.any())
        .then(pl.col("total").filter(whole).is_not_null().all())
        .otherwise(pl.col("total").is_not_null().all())
        .alias("has_total"),
        pl.when(whole.any())
        .then(pl.col("_share").filter(whole).mean())
        .otherwise(pl.col("_share").mean())
        .alias("share"),
    )


def _mean_growth(
    values: pl.DataFrame, value_col: str, years: pl.Expr, by: str = "subfield_id"
) -> pl.DataFrame:
    """Per ``by``: mean of v(y)/v(y-1) − 1 over the rows selected by ``years`` (zero bases skipped)."""
    prev = values.select(by, (pl.col("year") + 1).alias("year"), pl.col(value_col).alias("_prev"))
    return (
        values.join(prev, on=[by, "year"], how="inner")
        .filter(years & (pl.col("_prev") > 0) & pl.col(value_col).is_not_null())
        .group_by(by)
        .agg((pl.col(value_col) / pl.col("_prev") - 1.0).mean().alias("growth"))
    )


# -- the computation ----------------------------------------------------------------------


def coverage_end(records: pl.DataFrame, counts: pl.DataFrame) -> dict[str, int]:
    """The last year each evidence kind's sources cover.

    A kind's volume in a year is its records (matched or not) plus its count-series
    values; the kind covers a year when that volume is at least :data:`COVERAGE_SHARE`
    of its best year's. Kinds without evidence are absent. ``records`` needs ``kind,
    year``; ``counts`` needs ``kind, year, count``.

    >>> r = pl.DataFrame({"kind": ["patent"] * 3, "year": [2014, 2015, 2020]})
    >>> c = pl.DataFrame({"kind": ["patent"] * 2, "year": [2014, 2015], "count": [50.0, 60.0]})
    >>> coverage_end(r, c)
    {'patent': 2015}
    """
    volumes = (
        records.filter(pl.col("year").is_not_null())
        .group_by("kind", "year")
        .agg(pl.len().cast(pl.Float64).alias("v"))
    )
    return volume_coverage_end(volumes, counts)


def volume_coverage_end(volumes: pl.DataFrame, counts: pl.DataFrame) -> dict[str, int]:
    """:func:`coverage_end` from the records' volumes per (kind, year) (column ``v``,
    the number of records), for callers that count the records in the store."""
    parts = []
    if volumes.height:
        parts.append(volumes.select("kind", "year", pl.col("v").cast(pl.Float64)))
    if counts.height:
        parts.append(
            counts.group_by("kind", "year").agg(pl.col("count").cast(pl.Float64).sum().alias("v"))
        )
    if not parts:
        return {}
    vol = (
        pl.concat([p.with_columns(pl.col("year").cast(pl.Int64)) for p in parts])
        .group_by("kind", "year")
        .agg(pl.col("v").sum())
    )
    best = vol.group_by("kind").agg(pl.col("v").max().alias("best"))
    ends = (
        vol.join(best, on="kind")
        .filter((pl.col("best") > 0) & (pl.col("v") >= COVERAGE_SHARE * pl.col("best")))
        .group_by("kind")
        .agg(pl.col("year").max())
    )
    return {str(k): int(y) for k, y in ends.iter_rows()}


def indicator_frames(
    subfields: pl.DataFrame,
    records: pl.DataFrame,
    matches: pl.DataFrame,
    counts: pl.DataFrame,
    count_matches: pl.DataFrame,
    *,
    as_of: date,
    params: IndicatorParams | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``indicators`` and ``summary`` frames, from the store's tables as frames.

    ``subfields`` needs ``subfield_id, domain_id``; ``records`` needs ``record_id, kind,
    source, venue, date, year, amount_point_cny, amount_low_cny, amount_high_cny`` (all
    records: article totals per site come from it); ``matches`` needs ``record_id,
    subfield_id``; ``counts`` needs ``source, term, kind, year, month, count, total``;
    ``count_matches`` needs ``source, term, kind, subfield_id, is_primary``.
    Rows after ``as_of`` are ignored (see the module docstring).

    The records are first reduced to :func:`record_stats` (what
    :func:`compute_indicators` computes in SQL instead), so both give the same frames.
    """
    known = subfields.select(pl.col("subfield_id").cast(pl.Utf8))
    links, volumes = record_stats(records, matches.join(known, on="subfield_id", how="semi"), as_of)
    return _indicator_frames(
        subfields, links, volumes, counts, count_matches, as_of=as_of, params=params
    )


#: :func:`record_stats` ``links``: matched records per (sub-field, year, kind, site).
LINK_STATS_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "year": pl.Int32(),
    "kind": pl.Utf8(),
    "site": pl.Utf8(),  # articles: venue, else source; null for other kinds
    "n": pl.Int64(),
    **{c: pl.Float64() for c in _RECORD_AMOUNTS.values()},  # sums of the disclosed amounts
    **{c + "_n": pl.Int64() for c in _RECORD_AMOUNTS.values()},  # how many are disclosed
    "undisclosed": pl.Int64(),  # records with none of the three amounts
    "first_paper": pl.Utf8(),  # papers: the earliest record (by date, then id; no date last)
}

#: :func:`record_stats` ``volumes``: all records (matched or not) per (kind, year, site).
VOLUME_COLUMNS: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "year": pl.Int32(),
    "site": pl.Utf8(),
    "n": pl.Int64(),
}


def record_stats(
    records: pl.DataFrame, matches: pl.DataFrame, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Everything the indicators read from records, reduced to a few rows per year.

    Returns ``(links, volumes)``: ``links`` (:data:`LINK_STATS_COLUMNS`) aggregates the
    matched records counted at ``as_of`` per (sub-field, year, kind, site); ``volumes``
    (:data:`VOLUME_COLUMNS`) counts all counted records per (kind, year, site). Both
    have a few rows per sub-field and year however many records there are; this is
    the polars form of :data:`_LINKS_SQL` and :data:`_VOLUMES_SQL`, which
    :func:`compute_indicators` runs in DuckDB.
    """
    site = pl.when(pl.col("kind") == "article").then(pl.coalesce("venue", "source"))
    recs = _filter_records(records, as_of).with_columns(site.alias("site"))
    amounts = list(_RECORD_AMOUNTS.values())
    links = (
        matches.select("record_id", "subfield_id")
        .join(recs, on="record_id", how="inner")
        .with_columns(pl.when(pl.col("kind") == "paper").then(pl.col("record_id")).alias("_paper"))
        .group_by("subfield_id", "year", "kind", "site")
        .agg(
            pl.len().alias("n"),
            *(pl.col(c).sum().alias(c) for c in amounts),
            *(pl.col(c).count().alias(c + "_n") for c in amounts),
            pl.all_horizontal(pl.col(c).is_null() for c in amounts).sum().alias("undisclosed"),
            pl.col("_paper")
            .sort_by("date", "record_id", nulls_last=True)
            .first()
            .alias("first_paper"),
        )
    )
    volumes = recs.group_by("kind", "year", "site").agg(pl.len().alias("n"))
    return (
        links.select(pl.col(c).cast(t) for c, t in LINK_STATS_COLUMNS.items()),
        volumes.select(pl.col(c).cast(t) for c, t in VOLUME_COLUMNS.items()),
    )


def _indicator_frames(
    subfields: pl.DataFrame,
    links: pl.DataFrame,
    volumes: pl.DataFrame,
    counts: pl.DataFrame,
    count_matches: pl.DataFrame,
    *,
    as_of: date,
    params: IndicatorParams | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`indicator_frames` from the reduced records of :func:`record_stats`."""
    p = params or IndicatorParams()
    subs = subfields.select(pl.col("subfield_id").cast(pl.Utf8), pl.col("domain_id").cast(pl.Utf8))
    known = subs.select("subfield_id")
    links = links.join(known, on="subfield_id", how="semi")

    cnts = _filter_counts(counts, as_of)
    series = _primary_series(cnts, count_matches.join(known, on="subfield_id", how="semi"))
    series_rows = cnts.join(series, on=_SERIES, how="inner")
    # in key order: the sums and means over it below then add up in the same order every
    # run (a group-by's row order is arbitrary), so repeated runs give identical floats
    yearly = _yearly_series(series_rows).sort("subfield_id", *_SERIES, "year")
    matched_series = count_matches.select(_SERIES).unique()

    # -- per-year counts of patents, papers, articles, financing events ----------------
    fin = pl.col("kind") == "financing"
    rec_year = links.group_by("subfield_id", "year").agg(
        *(
            pl.col("n").filter(pl.col("kind") == k).sum().cast(pl.Float64).alias(name)
            for k, name in (
                ("patent", "patents"),
                ("paper", "papers"),
                ("article", "articles"),
                ("financing", "fin_events"),
            )
        ),
        *(pl.col(src).filter(fin).sum().alias(dst) for dst, src in _RECORD_AMOUNTS.items()),
        *(
            pl.col(src + "_n").filter(fin).sum().alias(dst + "_n")
            for dst, src in _RECORD_AMOUNTS.items()
        ),
        pl.col("undisclosed").filter(fin).sum().alias("fin_undisclosed"),
    )
    cnt_year = yearly.group_by("subfield_id", "year").agg(
        *(
            pl.col("count").filter(pl.col("kind") == k).sum().alias(name)
            for k, name in (
                ("patent", "patents"),
                ("paper", "papers"),
                ("article", "articles"),
                ("financing", "fin_events"),
            )
        )
    )
    years = pl.concat(
        [
            links.select("subfield_id", "year"),
            series_rows.select("subfield_id", pl.col("year").cast(pl.Int32)),
        ]
    ).unique()
    base = years.join(rec_year, on=["subfield_id", "year"], how="left").join(
        cnt_year, on=["subfield_id", "year"], how="left", suffix="_c"
    )
    counts_cols = ("patents", "papers", "articles", "fin_events")
    base = base.with_columns(
        *(
            (pl.col(c).fill_null(0.0) + pl.col(c + "_c").fill_null(0.0))
            .round(0)
            .cast(pl.Int64)
            .alias(c)
            for c in counts_cols
        ),
        (
            pl.col("fin_undisclosed").fill_null(0)
            + pl.col("fin_events_c").fill_null(0.0).round(0).cast(pl.Int64)
        ).alias("fin_undisclosed"),
    )
    base = base.with_columns(
        *(
            pl.when(pl.col(a + "_n").fill_null(0) > 0)
            .then(pl.col(a))
            .when(pl.col("fin_events") == 0)
            .then(pl.lit(0.0))
            .otherwise(None)
            .alias(a)
            for a in _AMOUNTS
        )
    ).sort("subfield_id", "year")
    base = base.with_columns(
        *(
            pl.col(c).cum_sum().over("subfield_id").alias(c + "_cum")
            for c in ("patents", "papers", "articles")
        )
    )

    # -- opinion index ------------------------------------------------------------------
    weights = pl.DataFrame(
        {
            "_site_key": [k.strip().lower() for k in p.opinion_weights],
            "_w": list(p.opinion_weights.values()),
        },
        schema={"_site_key": pl.Utf8, "_w": pl.Float64},
    )
    site_totals = (
        volumes.filter(pl.col("kind") == "article")
        .group_by("site", "year")
        .agg(pl.col("n").sum().alias("_site_n"))
    )
    rec_shares = (
        links.filter(pl.col("kind") == "article")
        .group_by("subfield_id", "site", "year")
        .agg(pl.col("n").sum().alias("_n"))
        .join(site_totals, on=["site", "year"], how="inner")
        .select("subfield_id", "site", "year", (pl.col("_n") / pl.col("_site_n")).alias("_share"))
    )
    art_series = yearly.filter((pl.col("kind") == "article") & (pl.col("total") > 0))
    cnt_shares = art_series.select(
        "subfield_id",
        pl.col("source").alias("site"),
        pl.col("year").cast(pl.Int32),
        (pl.col("count") / pl.col("total")).alias("_share"),
    )
    opinion = (
        pl.concat([rec_shares.with_columns(pl.col("year").cast(pl.Int32)), cnt_shares])
        .with_columns(pl.col("site").str.strip_chars().str.to_lowercase().alias("_site_key"))
        .join(weights, on="_site_key", how="left")
        .sort("subfield_id", "year", "site", maintain_order=True)  # see `yearly`
        .group_by("subfield_id", "year")
        .agg(
            (
                100.0 * (pl.col("_w").fill_null(p.opinion_default_weight) * pl.col("_share")).sum()
            ).alias("opinion_index")
        )
    )
    article_years = pl.concat(
        [
            site_totals.select(pl.col("year").cast(pl.Int32)),
            cnts.filter((pl.col("kind") == "article") & (pl.col("total") > 0)).select(
                pl.col("year").cast(pl.Int32)
            ),
        ]
    ).unique()
    base = (
        base.join(opinion, on=["subfield_id", "year"], how="left")
        .join(article_years.with_columns(pl.lit(True).alias("_art_year")), on="year", how="left")
        .with_columns(
            pl.when(pl.col("_art_year").fill_null(False))
            .then(pl.col("opinion_index").fill_null(0.0))
            .otherwise(None)
            .alias("opinion_index")
        )
    )

    # -- attention ----------------------------------------------------------------------
    att = yearly.filter((pl.col("kind") == "attention") & pl.col("share").is_not_null())
    att = att.with_columns(pl.col("share").max().over("source").alias("_max")).with_columns(
        pl.when(pl.col("_max") > 0)
        .then(100.0 * pl.col("share") / pl.col("_max"))
        .otherwise(0.0)
        .alias("_scaled")
    )
    attention = att.group_by("subfield_id", pl.col("year").cast(pl.Int32)).agg(
        pl.col("_scaled").mean().alias("attention")
    )
    base = base.join(attention, on=["subfield_id", "year"], how="left")

    indicators = base.select(pl.col(c).cast(t) for c, t in INDICATOR_COLUMNS.items()).sort(
        "subfield_id", "year"
    )

    # -- summary --------------------------------------------------------------------------
    totals = indicators.group_by("subfield_id").agg(
        pl.col("patents").sum().alias("patents_cum"),
        pl.col("papers").sum().alias("papers_cum"),
        pl.col("articles").sum().alias("articles_total"),
        pl.col("fin_events").sum().alias("fin_events"),
        *(pl.col(a).sum().alias(a) for a in _AMOUNTS),
    )
    # A total amount is null only when no event at all disclosed that amount.
    disclosed = base.group_by("subfield_id").agg(
        *(pl.col(a + "_n").fill_null(0).sum().alias(a + "_n") for a in _AMOUNTS),
        pl.col("fin_undisclosed").sum().alias("fin_undisclosed"),
    )
    totals = totals.join(disclosed, on="subfield_id", how="left").with_columns(
        *(
            pl.when(pl.col(a + "_n") > 0)
            .then(pl.col(a))
            .when(pl.col("fin_events") == 0)
            .then(pl.lit(0.0))
            .otherwise(None)
            .alias(a)
            for a in _AMOUNTS
        )
    )

    # birth year
    # (papers have no site: one links row per sub-field and year)
    rec_birth = (
        links.filter((pl.col("kind") == "paper") & (pl.col("n") >= p.birth_min_count))
        .sort("subfield_id", "year")
        .group_by("subfield_id", maintain_order=True)
        .first()
        .select(
            "subfield_id",
            pl.col("year").cast(pl.Int32).alias("_ry"),
            pl.col("first_paper").alias("_re"),
        )
    )
    cnt_birth = (
        yearly.filter((pl.col("kind") == "paper") & (pl.col("count") >= p.birth_min_count))
        .sort(["subfield_id", "year", "source", "term"])
        .group_by("subfield_id", maintain_order=True)
        .first()
        .select(
            "subfield_id",
            pl.col("year").cast(pl.Int32).alias("_cy"),
            pl.format("counts:{}:{}:{}", "source", "term", "year").alias("_ce"),
        )
    )
    birth = (
        rec_birth.join(cnt_birth, on="subfield_id", how="full", coalesce=True)
        .with_columns(
            use_rec=pl.col("_ry").is_not_null()
            & (pl.col("_cy").is_null() | (pl.col("_ry") <= pl.col("_cy")))
        )
        .select(
            "subfield_id",
            pl.when("use_rec").then("_ry").otherwise("_cy").alias("birth_year"),
            pl.when("use_rec").then("_re").otherwise("_ce").alias("birth_evidence"),
        )
    )

    # opinion over the window, scaled to the top sub-field
    first_year = as_of.year - p.opinion_window + 1
    in_window = pl.col("year").is_between(first_year, as_of.year)
    window_has_articles = article_years.filter(in_window).height > 0
    op_window = (
        indicators.filter(in_window)
        .group_by("subfield_id")
        .agg((pl.col("opinion_index").fill_null(0.0).sum() / p.opinion_window).alias("_op"))
    )
    op_window = known.join(op_window, on="subfield_id", how="left").with_columns(
        pl.col("_op").fill_null(0.0)
    )
    top = op_window["_op"].max() if op_window.height else None
    op_window = op_window.select(
        "subfield_id",
        (
            (100.0 * pl.col("_op") / top)
            if (window_has_articles and top)
            else pl.lit(0.0 if window_has_articles else None, pl.Float64)
        ).alias("opinion_index"),
    )

    # attention summary
    att_rows = indicators.filter(pl.col("attention").is_not_null())
    att_sum = (
        att_rows.sort(["subfield_id", "attention", "year"], descending=[False, True, False])
        .group_by("subfield_id", maintain_order=True)
        .agg(
            pl.col("year").first().alias("attention_peak_year"),
            pl.col("attention").first().alias("_peak"),
            pl.col("attention").sort_by("year").last().alias("_latest"),
            pl.col("year").max().alias("_latest_year"),
        )
        .with_columns(
            pl.when(pl.col("_peak") > 0)
            .then(pl.col("_latest") / pl.col("_peak"))
            .otherwise(None)
            .alias("attention_vs_peak"),
            pl.col("_latest").alias("attention_latest"),
            pl.col("_latest_year").alias("attention_latest_year"),
        )
    )
    src_share = att.select("subfield_id", "source", pl.col("year").cast(pl.Int32), "share")
    prev = src_share.select(
        "subfield_id", "source", (pl.col("year") + 1).alias("year"), pl.col("share").alias("_prev")
    )
    transitions = (
        src_share.join(prev, on=["subfield_id", "source", "year"], how="inner")
        .filter(pl.col("_prev") > 0)
        .sort("subfield_id", "year", "source")
        .group_by("subfield_id", "year")
        .agg((pl.col("share") / pl.col("_prev") - 1.0).mean().alias("_g"))
        .join(att_sum.select("subfield_id", "_latest_year"), on="subfield_id", how="inner")
        .filter(pl.col("year") > pl.col("_latest_year") - p.attention_growth_years)
        .sort("subfield_id", "year")
        .group_by("subfield_id")
        .agg(pl.col("_g").mean().alias("attention_growth"))
    )

    # patent / paper growth
    growth_frames = []
    end_year = last_complete_year(as_of)
    covered_counts = cnts.join(matched_series, on=_SERIES, how="semi")
    for kind, name in (("patent", "patent_growth"), ("paper", "paper_growth")):
        ends = [
            cast(int | None, volumes.filter(pl.col("kind") == kind)["year"].max()),
            cast(int | None, covered_counts.filter(pl.col("kind") == kind)["year"].max()),
        ]
        data_end = max((int(e) for e in ends if e is not None), default=None)
        if data_end is None:
            growth_frames.append(pl.DataFrame(schema={"subfield_id": pl.Utf8, name: pl.Float64}))
            continue
        last = min(end_year, data_end)
        window = pl.col("year").is_between(last - p.growth_years + 1, last)
        ks = yearly.filter(pl.col("kind") == kind)
        with_totals = ks.filter(pl.col("has_total") & (pl.col("total") > 0))
        share_ids = with_totals.select("subfield_id").unique()
        shares = with_totals.group_by("subfield_id", "year").agg(
            (pl.col("count").sum() / pl.col("total").sum()).alias("v")
        )
        g_share = _mean_growth(shares.with_columns(pl.col("year").cast(pl.Int32)), "v", window)
        grid = known.join(share_ids, on="subfield_id", how="anti").join(
            pl.DataFrame(
                {"year": list(range(last - p.growth_years, last + 1))}, schema={"year": pl.Int32}
            ),
            how="cross",
        )
        col = "patents" if kind == "patent" else "papers"
        raw = grid.join(
            base.select("subfield_id", "year", col), on=["subfield_id", "year"], how="left"
        ).select("subfield_id", "year", pl.col(col).fill_null(0).cast(pl.Float64).alias("v"))
        g_raw = _mean_growth(raw, "v", window)
        growth_frames.append(pl.concat([g_share, g_raw]).rename({"growth": name}))

    ev_years = (
        pl.concat(
            [
                links.select("subfield_id", pl.col("year").cast(pl.Int32)),
                series_rows.filter(pl.col("count") > 0).select(
                    "subfield_id", pl.col("year").cast(pl.Int32)
                ),
            ]
        )
        .unique()
        .group_by("subfield_id")
        .agg(pl.len().cast(pl.Int64).alias("evidence_years"))
    )

    summary = subs.with_columns(pl.lit(as_of, pl.Date).alias("as_of"))
    for frame in (totals, birth, op_window, att_sum, transitions, *growth_frames, ev_years):
        summary = summary.join(frame, on="subfield_id", how="left")
    summary = summary.with_columns(
        *(
            pl.col(c).fill_null(0)
            for c in (
                "patents_cum",
                "papers_cum",
                "articles_total",
                "fin_events",
                "evidence_years",
                "fin_undisclosed",
            )
        ),
        *(
            pl.when(pl.col("fin_events").fill_null(0) == 0)
            .then(pl.lit(0.0))
            .otherwise(pl.col(a))
            .alias(a)
            for a in _AMOUNTS
        ),
    )
    cov = volume_coverage_end(
        volumes.group_by("kind", "year").agg(pl.col("n").sum().cast(pl.Float64).alias("v")),
        cnts,
    )
    summary = summary.with_columns(
        pl.lit(cov.get("patent")).alias("patents_coverage_end"),
        pl.lit(cov.get("paper")).alias("papers_coverage_end"),
    )
    summary = summary.select(pl.col(c).cast(t) for c, t in SUMMARY_COLUMNS.items()).sort(
        "subfield_id"
    )
    return indicators, summary


def _counted_sql(as_of: date) -> str:
    """The records counted at ``as_of`` (the rule of :func:`_filter_records`), with
    ``year`` filled from the date and the ``site`` of articles, as a SQL subquery."""
    return (
        "SELECT record_id, kind, CAST(coalesce(year, year(date)) AS INTEGER) AS year, "
        "CASE WHEN kind = 'article' THEN coalesce(venue, source) END AS site, date, "
        "amount_point_cny, amount_low_cny, amount_high_cny FROM records "
        f"WHERE coalesce(date <= DATE '{as_of.isoformat()}', year <= {as_of.year})"
    )


#: :func:`record_stats` in SQL: ``links`` (the first paper by date, no date last, then id)
_LINKS_SQL = """
SELECT m.subfield_id, r.year, r.kind, r.site, count(*) AS n,
    sum(r.amount_point_cny) AS amount_point_cny,
    sum(r.amount_low_cny) AS amount_low_cny,
    sum(r.amount_high_cny) AS amount_high_cny,
    count(r.amount_point_cny) AS amount_point_cny_n,
    count(r.amount_low_cny) AS amount_low_cny_n,
    count(r.amount_high_cny) AS amount_high_cny_n,
    count(*) FILTER (WHERE r.amount_point_cny IS NULL AND r.amount_low_cny IS NULL
                     AND r.amount_high_cny IS NULL) AS undisclosed,
    arg_min(r.record_id, (r.date IS NULL, r.date, r.record_id))
        FILTER (WHERE r.kind = 'paper') AS first_paper
FROM matches m JOIN ({counted}) r USING (record_id)
GROUP BY m.subfield_id, r.year, r.kind, r.site
"""

#: :func:`record_stats` in SQL: ``volumes``
_VOLUMES_SQL = "SELECT kind, year, site, count(*) AS n FROM ({counted}) GROUP BY kind, year, site"


def compute_indicators(
    store: Store, *, as_of: date | None = None, config: dict[str, Any] | None = None
) -> IndicatorsResult:
    """Compute ``indicators`` and ``summary`` from the store and replace both tables.

    ``as_of`` (default: today) cuts off later evidence; ``config`` is a loaded config
    (its ``indicators`` section overrides :class:`IndicatorParams`; None = the shipped
    defaults). The rules are in the module docstring. Wrap the call in
    ``store.transaction()`` (as ``pipeline.compute`` does) to replace both tables
    atomically.

    >>> with Store.open("my.duckdb") as st:                      # doctest: +SKIP
    ...     compute_indicators(st, as_of=date(2021, 11, 24)).summary_rows
    134
    """
    as_of = as_of or date.today()
    params = IndicatorParams.from_config(section(config, "indicators"))
    subfields = store.sql("SELECT subfield_id, domain_id FROM subfields")
    # The records are aggregated in DuckDB (matches ⨝ records, spilling to disk if it
    # must): only a few rows per sub-field and year reach polars, so memory does not
    # grow with the number of records.
    links, volumes = (
        store.sql(sql.format(counted=_counted_sql(as_of))).cast(schema)  # type: ignore[arg-type]
        for sql, schema in ((_LINKS_SQL, LINK_STATS_COLUMNS), (_VOLUMES_SQL, VOLUME_COLUMNS))
    )
    counts = store.sql(
        "SELECT c.source, c.term, c.kind, c.year, c.month, c.count, c.total FROM counts c "
        f"SEMI JOIN count_matches m USING (source, term, kind) WHERE c.year <= {as_of.year}"
    )
    count_matches = store.sql(
        "SELECT source, term, kind, subfield_id, is_primary FROM count_matches"
    )
    indicators, summary = _indicator_frames(
        subfields, links, volumes, counts, count_matches, as_of=as_of, params=params
    )
    # Both tables or neither: callers wrap this in ``store.transaction()`` (as
    # ``pipeline.compute`` does); DuckDB has no nested transactions to open one here.
    store.replace_table("indicators", indicators)
    store.replace_table("summary", summary)
    without = summary.filter(pl.col("evidence_years") == 0).height
    log.info(
        "indicators as of %s: %d sub-fields, %d indicator rows, %d without evidence",
        as_of,
        summary.height,
        indicators.height,
        without,
    )
    return IndicatorsResult(
        as_of=as_of,
        subfields=summary.height,
        indicator_rows=indicators.height,
        summary_rows=summary.height,
        without_evidence=without,
        params=params,
    )


def shares(summary: pl.DataFrame, column: str = "patents_cum") -> pl.DataFrame:
    """Each sub-field's share (percent) of its domain's and of the overall ``column`` total.

    Returns ``subfield_id, domain_id, value, share_of_domain, share_of_all``; shares are
    null where the denominator is 0. Within a domain with a positive total, the shares
    add up to 100.
    """
    return summary.select(
        "subfield_id",
        "domain_id",
        pl.col(column).cast(pl.Float64).alias("value"),
    ).with_columns(
        pl.when(pl.col("value").sum().over("domain_id") > 0)
        .then(100.0 * pl.col("value") / pl.col("value").sum().over("domain_id"))
        .otherwise(None)
        .alias("share_of_domain"),
        pl.when(pl.col("value").sum() > 0)
        .then(100.0 * pl.col("value") / pl.col("value").sum())
        .otherwise(None)
        .alias("share_of_all"),
    )
