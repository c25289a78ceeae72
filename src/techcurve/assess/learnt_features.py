"""Features of a sub-field's whole evidence history up to a date: what the learnt model
(:mod:`techcurve.assess.learnt`) is fitted on.

:func:`history_features` reads the per-year ``indicators`` rows and builds, for **every
numeric evidence column** it finds (``patents``, ``papers``, ``articles``,
``opinion_index``, ``fin_events``, ``fin_amount_point_cny``, ``attention``, and any
column added later such as ``media_share`` or ``state_share`` — the running sums
``*_cum`` and the columns of :data:`SKIP_COLUMNS` excepted), the features of
:data:`COLUMN_KINDS`, named ``h.<column>.<kind>``, and the cross-source features of
:data:`CROSS_FEATURES`.

**Only evidence up to the date.** Rows after the last complete year at ``as_of``
(:func:`~techcurve.indicators.last_complete_year`: a July statement cannot know that
year's total) are dropped before anything is computed, and every quantity that looks
beyond one sub-field — a column's first and last year with evidence (its coverage), the
median positive value that sets its unit — is taken over those rows only. So changing
or adding evidence after the date changes no feature (tests/test_learnt.py checks it).

**Per column**, over the column's coverage (the years from the first to the last year in
which any sub-field has a positive value, up to the date; a series stops where its
source stops, not where the technology does) up to the sub-field's last year with a
value in the column (a null — no source reported it — is not a fall to 0), with years
without a row read as 0, and ``L = log1p(x / unit)`` where ``unit`` is the
median positive value of the column over all sub-fields and covered years:

=================  ====================================================================
kind               value
=================  ====================================================================
log_level          ``L`` in the last covered year (level relative to the column's unit)
growth             two-year change of ``L``: ``L[t] − L[t−2]``
acceleration       ``(L[t] − L[t−2]) − (L[t−2] − L[t−4])``
from_peak          1 − (two-year mean now / the highest two-year mean so far), 0–1
years_since_peak   years since that highest two-year mean
age                years since the sub-field's first positive value in the column
onset              where in the column's coverage that first value falls (0 = its start,
                   1 = now): "years since first evidence" measured against the source's
                   own start
present            1 when the sub-field has a positive value in the column, else 0
=================  ====================================================================

A column without any positive value for the sub-field has ``present = 0`` and every
other feature null (the model imputes its training mean, so absence speaks only through
``present``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np
import polars as pl

from techcurve.assess._base import to_date
from techcurve.indicators import last_complete_year

#: prefix of every history feature column (what the learnt model picks up)
PREFIX = "h."

#: indicator columns that are not evidence of their own (the range of an amount)
SKIP_COLUMNS: tuple[str, ...] = ("fin_amount_low_cny", "fin_amount_high_cny")

#: the features of each evidence column, in column order
COLUMN_KINDS: tuple[str, ...] = (
    "log_level",
    "growth",
    "acceleration",
    "from_peak",
    "years_since_peak",
    "age",
    "onset",
    "present",
)

#: the features across columns
CROSS_FEATURES: tuple[str, ...] = (
    "h.all.age",  # years since the first positive value in any column
    "h.all.breadth",  # columns with a positive value
    "h.all.rising",  # (columns rising − columns falling) / columns present, −1…1
    "h.balance.level",  # mean log_level of maturity columns − that of hype columns
    "h.balance.growth",  # mean growth of maturity columns − that of hype columns
    "h.balance.from_peak",  # mean from_peak of hype columns − that of maturity columns
)

#: the role each known column plays (a column not listed still gives its own features)
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    "maturity": ("patents", "papers", "patent_share", "paper_share"),
    "hype": (
        "articles",
        "opinion_index",
        "attention",
        "media_share",
        "developer_share",
        "public_share",
        "state_share",
    ),
    "money": ("fin_events", "fin_amount_point_cny"),
}

#: a two-year change of ``L`` beyond ±this counts as rising / falling (about ±10 %)
RISING = 0.1


def evidence_columns(indicators: pl.DataFrame) -> list[str]:
    """The numeric evidence columns of an ``indicators`` frame, in frame order."""
    out = []
    for name, dtype in indicators.schema.items():
        if name in ("subfield_id", "year") or name in SKIP_COLUMNS or name.endswith("_cum"):
            continue
        if dtype.is_numeric():
            out.append(name)
    return out


def feature_name(column: str, kind: str) -> str:
    """The feature column of ``kind`` for evidence ``column``.

    >>> feature_name("papers", "growth")
    'h.papers.growth'
    """
    return f"{PREFIX}{column}.{kind}"


def split_feature(name: str) -> tuple[str, str]:
    """(column, kind) of a feature name; ("all"/"balance", what) for cross features.

    >>> split_feature("h.media_share.from_peak")
    ('media_share', 'from_peak')
    """
    column, _, kind = name.removeprefix(PREFIX).rpartition(".")
    return column, kind


def _column_features(x: np.ndarray, unit: float) -> dict[str, float]:
    """The :data:`COLUMN_KINDS` of one dense yearly series (covered years, oldest first)."""
    nz = np.flatnonzero(x > 0)
    if nz.size == 0:
        return {k: (0.0 if k == "present" else math.nan) for k in COLUMN_KINDS}
    t = x.size - 1
    lg = np.log1p(x / unit)

    def at(i: int) -> float:
        return float(lg[max(i, 0)])

    two = (x + np.concatenate(([x[0]], x[:-1]))) / 2.0
    peak = float(two.max())
    last_peak = int(np.flatnonzero(two == peak)[-1])
    first = int(nz[0])
    return {
        "log_level": at(t),
        "growth": at(t) - at(t - 2),
        "acceleration": (at(t) - at(t - 2)) - (at(t - 2) - at(t - 4)),
        "from_peak": 1.0 - float(two[t]) / peak,
        "years_since_peak": float(t - last_peak),
        "age": float(t - first),
        "onset": first / t if t > 0 else 1.0,
        "present": 1.0,
    }


def _mean(values: Iterable[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan


def _cross(
    row: Mapping[str, float], firsts: Sequence[int], cutoff: int, roles: Mapping[str, set[str]]
) -> dict[str, float]:
    """The :data:`CROSS_FEATURES` of one sub-field from its column features."""
    cols = {split_feature(k)[0] for k in row}
    present = [c for c in cols if row[feature_name(c, "present")] > 0]
    growth = [row[feature_name(c, "growth")] for c in present]
    side = {
        role: [c for c in present if c in roles.get(role, set())] for role in ("maturity", "hype")
    }

    def diff(kind: str, a: str, b: str) -> float:
        return _mean(row[feature_name(c, kind)] for c in side[a]) - _mean(
            row[feature_name(c, kind)] for c in side[b]
        )

    rising = sum(g > RISING for g in growth) - sum(g < -RISING for g in growth)
    return {
        "h.all.age": float(cutoff - min(firsts)) if firsts else math.nan,
        "h.all.breadth": float(len(present)),
        "h.all.rising": rising / len(present) if present else math.nan,
        "h.balance.level": diff("log_level", "maturity", "hype"),
        "h.balance.growth": diff("growth", "maturity", "hype"),
        "h.balance.from_peak": diff("from_peak", "hype", "maturity"),
    }


def history_features(
    indicators: pl.DataFrame,
    as_of: date | str | int,
    *,
    ids: Sequence[str] | None = None,
    roles: Mapping[str, Sequence[str]] | None = None,
) -> pl.DataFrame:
    """One row per sub-field: ``subfield_id`` and the history features as of ``as_of``.

    ``indicators`` holds the per-year rows of **all** sub-fields (a column's coverage
    and unit are taken over them); ``ids`` are the sub-fields to return (default: every
    one in ``indicators``; an id without rows gets nulls and ``present = 0``);
    ``roles`` maps "maturity"/"hype"/"money" to columns (:data:`DEFAULT_ROLES`).
    """
    cutoff = last_complete_year(to_date(as_of))
    role_sets = {k: set(v) for k, v in (roles or DEFAULT_ROLES).items()}
    cols = evidence_columns(indicators)
    frame = indicators.filter(pl.col("year") <= cutoff)
    wanted = list(ids) if ids is not None else sorted(set(frame["subfield_id"].to_list()))
    rows: dict[str, dict[str, float]] = {sid: {} for sid in wanted}
    firsts: dict[str, list[int]] = {sid: [] for sid in wanted}
    for col in cols:
        _add_column(frame, col, rows, firsts)
    out = []
    for sid in wanted:
        feats = rows[sid]
        feats.update(_cross(feats, firsts[sid], cutoff, role_sets) if cols else {})
        out.append({"subfield_id": sid, **feats})
    names = [feature_name(c, k) for c in cols for k in COLUMN_KINDS]
    names += list(CROSS_FEATURES) if cols else []
    schema = {"subfield_id": pl.Utf8(), **{n: pl.Float64() for n in names}}
    return pl.DataFrame(out, schema=schema, orient="row").with_columns(
        pl.col(n).fill_nan(None) for n in names
    )


def _add_column(
    frame: pl.DataFrame,
    col: str,
    rows: dict[str, dict[str, float]],
    firsts: dict[str, list[int]],
) -> None:
    """Add column ``col``'s features of every sub-field in ``rows`` (in place)."""
    data = frame.select("subfield_id", "year", pl.col(col).cast(pl.Float64).fill_nan(None))
    positive = data.filter(pl.col(col) > 0)
    if positive.height == 0:
        for feats in rows.values():
            feats.update(
                {feature_name(col, k): _column_features(np.zeros(1), 1.0)[k] for k in COLUMN_KINDS}
            )
        return
    start, end = int(positive["year"].min()), int(positive["year"].max())  # type: ignore[arg-type]
    unit = float(positive[col].median())  # type: ignore[arg-type]
    span = end - start + 1
    series: dict[str, np.ndarray] = {}
    last: dict[str, int] = {}
    for sid, year, value in data.filter(pl.col("year").is_between(start, end)).iter_rows():
        if sid in rows and value is not None:
            arr = series.setdefault(sid, np.zeros(span))
            arr[year - start] += value
            last[sid] = max(last.get(sid, start), year)
    for sid, feats in rows.items():
        # the sub-field's series stops at its last known value: a source that stopped
        # reporting it (null) is not a fall to 0
        x = series.get(sid, np.zeros(span))[: last.get(sid, end) - start + 1]
        got = _column_features(x, unit)
        feats.update({feature_name(col, k): v for k, v in got.items()})
        if got["present"] > 0:
            firsts[sid].append(start + int(np.flatnonzero(x > 0)[0]))


__all__ = [
    "COLUMN_KINDS",
    "CROSS_FEATURES",
    "DEFAULT_ROLES",
    "PREFIX",
    "SKIP_COLUMNS",
    "evidence_columns",
    "feature_name",
    "history_features",
    "split_feature",
]
