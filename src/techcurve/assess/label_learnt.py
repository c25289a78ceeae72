"""Assess every sub-field with a model fitted on labels (the neighbours model).

A label says where a technology stood *in its year*, so the model is fitted on each
labelled technology's indicator profile **as of its label date** (recomputed from the
store's evidence by :func:`~techcurve.assess.profiles.labelled_profiles`), then predicts
every sub-field of the current ``summary``. :func:`techcurve.pipeline.assess_labelled`
reads the store, calls :func:`assess_labelled` and writes the result as the
``assessments`` table, so the curve and the report show it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess.evidence import Evidence, FrameCache
from techcurve.assess.label_files import load_labels, resolve_labels
from techcurve.assess.overrides import Override, load_overrides
from techcurve.assess.profiles import labelled_profiles
from techcurve.assess.radar import radar_labels, read_radar
from techcurve.assess.registry import make_model
from techcurve.assess.stage import assess
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams

log = logging.getLogger(__name__)


def training_labels(
    subfields: pl.DataFrame,
    labels: str | Path | pl.DataFrame | None = None,
    *,
    radar: str | Path | None = None,
    certain_only: bool = False,
    mapping: Mapping[str, str] | None = None,
    strict: bool = True,
) -> pl.DataFrame:
    """The labelled rows to fit on: a labels CSV (or frame) and/or a radar JSON file,
    resolved to ``subfields`` (the store's taxonomy; ``mapping`` maps other names to
    sub-field ids, unknown technologies raise unless ``strict`` is false, then their
    rows are dropped with a logged warning), concatenated (rows renumbered when both)."""
    if subfields.height == 0:
        raise AssessError.of("assess.no_taxonomy")
    parts: list[pl.DataFrame] = []
    if labels is not None:
        lab = load_labels(labels) if isinstance(labels, str | Path) else labels
        if "subfield_id" not in lab.columns:
            lab = resolve_labels(lab, subfields, mapping=mapping, strict=strict)
        parts.append(lab)
    if radar is not None:
        parts.append(radar_training_labels(radar, subfields))
    if not parts:
        raise AssessError.of("assess.no_labels_given")
    lab = pl.concat(parts, how="diagonal_relaxed")
    if len(parts) > 1:
        lab = lab.with_columns(pl.int_range(1, lab.height + 1, dtype=pl.Int64).alias("row"))
    if certain_only:
        lab = lab.filter(~pl.col("uncertain").fill_null(False))
    if lab.height == 0:
        raise AssessError.of("assess.no_labels_to_learn")
    return lab


def radar_training_labels(radar: str | Path, subfields: pl.DataFrame) -> pl.DataFrame:
    """The labels of a radar JSON file, an error when no blip matches a sub-field."""
    lab = radar_labels(read_radar(radar), subfields)
    if lab.height == 0:
        raise AssessError.of("assess.radar_matches_nothing", path=radar)
    return lab


@dataclass(frozen=True, slots=True)
class LabelledAssessment:
    """What :func:`assess_labelled` placed, and what it was fitted on."""

    assessments: pl.DataFrame  # the ``assessments`` table frame
    labelled_rows: int  # the labelled profiles the model was fitted on
    params: Mapping[str, Any]  # the model's parameters and the label sources (for the meta)


def assess_labelled(
    evidence: Evidence,
    summary: pl.DataFrame,
    indicators: pl.DataFrame | None,
    *,
    labels: str | Path | pl.DataFrame | None = None,
    radar: str | Path | None = None,
    model: str = "neighbours",
    params: Mapping[str, Any] | None = None,
    indicator_params: IndicatorParams | None = None,
    certain_only: bool = False,
    overrides: str | Path | Sequence[Override] | None = None,
    mapping: Mapping[str, str] | None = None,
    strict: bool = True,
) -> LabelledAssessment:
    """Fit ``model`` on the labels' as-of profiles and assess every row of ``summary``.

    ``labels`` is a labels CSV (or frame), ``radar`` a ThoughtWorks Radar JSON file (its
    rings become labels); either or both. ``params`` are the model's parameters,
    ``indicator_params`` the indicator settings used for the as-of profiles (use the
    same settings as the store's own indicators). ``mapping`` (name → sub-field id)
    and ``strict`` are as in :func:`training_labels`.
    """
    make_model(model, params)  # unknown model or parameters: fail before the slow part
    lab = training_labels(
        evidence.subfields,
        labels,
        radar=radar,
        certain_only=certain_only,
        mapping=mapping,
        strict=strict,
    )
    profiles = labelled_profiles(FrameCache(evidence, indicator_params), lab)
    log.info("assess-labelled: %d labelled profiles", profiles.height)
    ovr: list[Override] | None = None
    if overrides is not None:
        known = set(summary["subfield_id"].to_list())
        ovr = (
            load_overrides(overrides, known_ids=known)
            if isinstance(overrides, str | Path)
            else list(overrides)
        )
    frame = assess(
        summary,
        indicators,
        model=model,
        params=dict(params or {}) or None,
        overrides=ovr,
        labels=profiles,
    )
    used = {
        **dict(params or {}),
        "labels": str(labels) if isinstance(labels, str | Path) else labels is not None,
        "radar": str(radar) if radar is not None else None,
        "labelled_rows": profiles.height,
        "certain_only": certain_only,
    }
    return LabelledAssessment(assessments=frame, labelled_rows=profiles.height, params=used)


__all__ = ["LabelledAssessment", "assess_labelled", "radar_training_labels", "training_labels"]
