"""The assess stage on frames: fit a model on the summary and place every sub-field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess._base import assessments_to_frame, needing, to_date
from techcurve.assess.overrides import Override, apply_overrides, load_overrides
from techcurve.assess.registry import make_model
from techcurve.errors import AssessError


def _summary_as_of(summary: pl.DataFrame, as_of: date | str | None) -> date:
    have: date | None = None
    if "as_of" in summary.columns and summary.height:
        values = {to_date(v) for v in summary["as_of"].drop_nulls().to_list()}
        if len(values) > 1:
            dates = ", ".join(sorted(map(str, values)))
            raise needing("indicators", AssessError.of("assess.mixed_as_of", dates=dates))
        have = values.pop() if values else None
    if as_of is None:
        if have is None:
            raise needing("indicators", AssessError.of("assess.no_as_of"))
        return have
    want = to_date(as_of)
    if have is not None and have != want:
        error = AssessError.of("assess.other_as_of", have=have, want=want)
        raise needing("indicators", error, as_of=want)
    return want


def assess(
    summary: pl.DataFrame,
    indicators: pl.DataFrame | None,
    *,
    model: str = "snapshot",
    params: Mapping[str, Any] | None = None,
    overrides: Sequence[Override] | str | Path | None = None,
    as_of: date | str | None = None,
    labels: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Place every sub-field of ``summary``; returns the ``assessments`` table frame.

    ``model`` names a model in :data:`MODELS`; ``params`` are its keyword parameters
    (the ``assess.<model>`` config section). The model is fitted on all rows of
    ``summary`` and predicts them. ``overrides`` (a list from :func:`load_overrides`,
    or a path to an overrides YAML file) adds the ``expert_*``/``final_*`` columns of
    :func:`apply_overrides`. ``as_of`` must match the summary's own as-of date.
    ``labels`` is passed to ``fit``: a model fitted on labels (``neighbours``) needs
    them — the as-of profiles from :func:`labelled_profiles` — the others ignore them.

    Columns: subfield_id, model, as_of, status, phase, position, years_band,
    confidence, reasons (JSON list of {indicator, value, text}), one row per sub-field.
    """
    if summary.height == 0:
        raise needing("indicators", AssessError.of("assess.empty_summary"))
    day = _summary_as_of(summary, as_of)
    if "as_of" not in summary.columns:
        summary = summary.with_columns(pl.lit(day).alias("as_of"))
    est = make_model(model, params)
    ind = indicators
    if ind is not None and "year" in ind.columns:
        ind = ind.filter(pl.col("year") <= day.year)
    est.fit(summary, labels, indicators=ind)
    results = est.predict(summary, indicators=ind)
    frame = assessments_to_frame(results, day)
    if overrides is not None:
        if isinstance(overrides, str | Path):
            overrides = load_overrides(overrides, known_ids=set(summary["subfield_id"].to_list()))
        frame = apply_overrides(frame, overrides)
    return frame


__all__ = ["assess"]
