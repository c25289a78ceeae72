"""Assess the store with a model fitted on labels (``techcurve assess-labelled``).

A label says where a technology stood *in its year*, so the model is fitted on each
labelled technology's indicator profile **as of its label date** (recomputed from the
store's evidence by :func:`~techcurve.assess.backtest.labelled_profiles`, nothing is
written meanwhile), then predicts every sub-field of the store's current ``summary``.
The result replaces the ``assessments`` table like ``techcurve assess`` does, so the
curve and the report show it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess.backtest import Evidence, FrameCache, labelled_profiles
from techcurve.assess.labels import load_labels, resolve_labels
from techcurve.assess.radar import radar_labels, read_radar
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams
from techcurve.store import Store

log = logging.getLogger(__name__)


def training_labels(
    st: Store,
    labels: str | Path | pl.DataFrame | None = None,
    *,
    radar: str | Path | None = None,
    certain_only: bool = False,
) -> pl.DataFrame:
    """The labelled rows to fit on: a labels CSV (or frame) and/or a radar JSON file,
    resolved to the store's sub-fields, concatenated (rows renumbered when both)."""
    subfields = st.table("subfields")
    if subfields.height == 0:
        raise AssessError("the store has no taxonomy: run `techcurve match` first")
    parts: list[pl.DataFrame] = []
    if labels is not None:
        lab = load_labels(labels) if isinstance(labels, str | Path) else labels
        if "subfield_id" not in lab.columns:
            lab = resolve_labels(lab, subfields)
        parts.append(lab)
    if radar is not None:
        rl = radar_labels(read_radar(radar), subfields)
        if rl.height == 0:
            raise AssessError(f"{radar}: no blip name matched any sub-field query")
        parts.append(rl)
    if not parts:
        raise AssessError("give a labels CSV, a radar file, or both to learn from")
    lab = pl.concat(parts, how="diagonal_relaxed")
    if len(parts) > 1:
        lab = lab.with_columns(pl.int_range(1, lab.height + 1, dtype=pl.Int64).alias("row"))
    if certain_only:
        lab = lab.filter(~pl.col("uncertain").fill_null(False))
    if lab.height == 0:
        raise AssessError("no labelled rows left to learn from (all were filtered out)")
    return lab


def assess_labelled(
    db: str | Path,
    *,
    labels: str | Path | pl.DataFrame | None = None,
    radar: str | Path | None = None,
    model: str = "neighbours",
    params: Mapping[str, Any] | None = None,
    indicator_params: IndicatorParams | None = None,
    certain_only: bool = False,
    overrides: str | Path | Sequence[Any] | None = None,
    write: bool = True,
) -> pl.DataFrame:
    """Fit ``model`` on the labels' as-of profiles and assess every sub-field of the store.

    ``labels`` is a labels CSV (or frame), ``radar`` a ThoughtWorks Radar JSON file (its
    rings become labels); either or both. ``params`` are the model's parameters,
    ``indicator_params`` the indicator settings used for the as-of profiles (use the same
    config as the store's own ``indicators`` run). With ``write`` the result replaces the
    ``assessments`` table (and the store's ``assessed_*`` metadata). Returns the
    ``assessments`` frame.

    >>> assess_labelled("techcurve.duckdb", labels="labels.csv")   # doctest: +SKIP
    """
    from techcurve.assess import assess, load_overrides, make_model

    make_model(model, params)  # unknown model or parameters: fail before the slow part
    path = Path(db)
    if not path.exists():
        raise AssessError(f"store {path} does not exist: run the pipeline (e.g. `make demo`) first")
    with Store.open(path, read_only=not write) as st:
        if not st.has_table("summary") or st.count("summary") == 0:
            raise AssessError(f"store {db} has no indicators: run `techcurve indicators` first")
        lab = training_labels(st, labels, radar=radar, certain_only=certain_only)
        frames = FrameCache(Evidence.from_store(st), indicator_params)
        profiles = labelled_profiles(frames, lab)
        log.info("assess-labelled: %d labelled profiles", profiles.height)
        summary = st.table("summary")
        indicators = st.table("indicators") if st.has_table("indicators") else None
        ovr = None
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
        if write:
            used = {
                **dict(params or {}),
                "labels": str(labels) if isinstance(labels, str | Path) else labels is not None,
                "radar": str(radar) if radar is not None else None,
                "labelled_rows": profiles.height,
                "certain_only": certain_only,
            }
            with st.transaction():
                st.replace_table("assessments", frame)
                st.set_meta("assessed_model", model)
                st.set_meta("assessed_params", json.dumps(used, ensure_ascii=False, default=str))
        return frame


__all__ = ["assess_labelled", "training_labels"]
