"""Score the models against labelled statements, and assess with a model fitted on labels.

:func:`backtest` and :func:`assess_labelled` take the store path (and the config file
whose ``assess`` and ``indicators`` sections hold the model and indicator settings),
like every :mod:`techcurve.pipeline` function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from techcurve import config as _config
from techcurve.assess import load_overrides, needing
from techcurve.assess.backtest import DEFAULT_SPLIT_YEAR, BacktestResult
from techcurve.assess.backtest import backtest as _backtest
from techcurve.assess.evidence import Evidence, FrameCache
from techcurve.assess.label_files import load_label_map
from techcurve.assess.label_learnt import assess_labelled as _assess_labelled
from techcurve.assess.label_learnt import radar_training_labels
from techcurve.assess.label_names import UnknownTechnology
from techcurve.assess.placements import import_overrides, stored_overrides
from techcurve.assess.registry import make_model, requires_labels, resolve_models
from techcurve.errors import AssessError
from techcurve.indicators import IndicatorParams
from techcurve.store import Store
from techcurve.store import assessments as stored

PathLike = str | Path


@dataclass(frozen=True, slots=True)
class BacktestRun:
    """The backtests :func:`backtest` ran, by the label set scored (its path, or
    "A (fitted on B)" for a cross-label transfer), in the order they ran."""

    results: Mapping[str, BacktestResult]
    predictions: Path | None  # the CSV of every prediction, when one was asked for

    def to_dict(self) -> dict[str, Any]:
        """Each result's :meth:`~techcurve.assess.backtest.BacktestResult.to_dict`."""
        return {k: r.to_dict() for k, r in self.results.items()}

    @property
    def skipped(self) -> tuple[UnknownTechnology, ...]:
        """The unknown technologies whose labels were left out, each once."""
        return tuple(dict.fromkeys(s for r in self.results.values() for s in r.skipped))


@dataclass(frozen=True, slots=True)
class _Settings:
    params: dict[str, Any]  # model name → its parameters (the config's assess section)
    indicator_params: IndicatorParams


def _settings(config: PathLike | None) -> _Settings:
    cfg = _config.load_config(config)
    params = {
        k: v for k, v in (_config.section(cfg, "assess") or {}).items() if isinstance(v, dict)
    }
    return _Settings(params, IndicatorParams.from_config(_config.section(cfg, "indicators")))


def _require_store(db: PathLike) -> Path:
    path = Path(db)
    if not path.exists():
        raise needing("store", AssessError.of("assess.no_store", path=path))
    return path


def backtest(
    db: PathLike,
    labels: PathLike | None = None,
    *,
    radar: PathLike | None = None,
    model: str = "all",
    certain_only: bool = False,
    transfer: bool = False,
    keep_same_technology: bool = False,
    predictions: PathLike | None = None,
    config: PathLike | None = None,
    split_year: int = DEFAULT_SPLIT_YEAR,
    label_map: PathLike | None = None,
    strict: bool = False,
) -> BacktestRun:
    """Assess labelled technologies as of each label's date and score the agreement.

    ``labels`` is a labels CSV, ``radar`` a ThoughtWorks Radar JSON file whose rings are
    a second, independent label series (one or both). ``model`` is a model name or
    "all". With ``transfer`` (needs both) the label-learnt models are also fitted on
    one label set and scored on the other, both directions, leaving out the scored
    row's own technology unless ``keep_same_technology``. ``predictions`` names a CSV
    that gets every prediction (one row per label per model, column ``labels`` naming
    the result). ``split_year`` is the temporal split's last training year;
    ``label_map`` a CSV or YAML file mapping technology names to sub-field ids; unknown
    technologies are skipped (listed in :attr:`BacktestRun.skipped`) unless ``strict``.
    The store is only read.
    """
    if labels is None and radar is None:
        raise AssessError.of("assess.no_labels_given")
    if transfer and (labels is None or radar is None):
        raise AssessError.of("assess.transfer_needs_both")
    settings = _settings(config)
    models = resolve_models(model)
    common: dict[str, Any] = {
        "models": models,
        "params": settings.params,
        "split_year": split_year,
        "mapping": load_label_map(label_map) if label_map is not None else None,
        "strict": strict,
    }
    results: dict[str, BacktestResult] = {}
    with Store.open(_require_store(db), read_only=True) as st:
        frames = FrameCache(Evidence.from_store(st), settings.indicator_params)
    if labels is not None:
        results[str(labels)] = _backtest(frames, labels, certain_only=certain_only, **common)
    if radar is not None:
        lab = radar_training_labels(radar, frames.ev.subfields)
        results[str(radar)] = _backtest(frames, lab, **common)
        learnt = [m for m in models if requires_labels(m)]
        if transfer and labels is not None and learnt:
            common |= {
                "models": learnt,
                "certain_only": certain_only,
                "exclude_same_technology": not keep_same_technology,
            }
            results[f"{labels} (fitted on {radar})"] = _backtest(
                frames, labels, train_labels=lab, **common
            )
            results[f"{radar} (fitted on {labels})"] = _backtest(
                frames, lab, train_labels=labels, **common
            )
    written = None
    if predictions:
        written = Path(predictions)
        frames_out = [
            r.predictions.with_columns(pl.lit(k).alias("labels")) for k, r in results.items()
        ]
        pl.concat(frames_out).write_csv(written)
    return BacktestRun(results=results, predictions=written)


def assess_labelled(
    db: PathLike,
    *,
    labels: PathLike | None = None,
    radar: PathLike | None = None,
    model: str = "neighbours",
    certain_only: bool = False,
    overrides: PathLike | None = None,
    config: PathLike | None = None,
    write: bool = True,
    label_map: PathLike | None = None,
    strict: bool = True,
) -> pl.DataFrame:
    """Fit a label-learnt model on the labels' as-of profiles and assess every sub-field.

    ``labels`` is a labels CSV, ``radar`` a ThoughtWorks Radar JSON file (its rings
    become labels); one or both. The model's parameters come from the config's
    ``assess.<model>`` section, the indicator settings of the as-of profiles from its
    ``indicators`` section. With ``write`` the result replaces the ``assessments``
    table (and the store's assessed model and parameters). ``label_map`` is a CSV or
    YAML file mapping technology names to sub-field ids; with ``strict`` false, labels
    of unknown technologies are dropped with a logged warning instead of failing.
    As with :func:`~techcurve.pipeline.assess`, the store's current expert placements
    are applied (``overrides``, an overrides YAML, is imported into them first; without
    ``write`` it is applied on top, the store left as it was).
    Returns the ``assessments`` frame.
    """
    if labels is None and radar is None:
        raise AssessError.of("assess.no_labels_given")
    settings = _settings(config)
    params = settings.params.get(model) or {}
    make_model(model, params)  # unknown model or parameters: fail before the slow part
    path = _require_store(db)
    with Store.open(path, read_only=not write) as st:
        summary = stored.summary(st)
        if summary is None or summary.height == 0:
            raise needing("indicators", AssessError.of("assess.no_indicators", db=db))
        known = set(summary["subfield_id"].to_list())
        ovr = load_overrides(overrides, known_ids=known) if overrides else []
        if ovr and write:  # as `assess` does: the YAML joins the store's placements
            with st.transaction():
                import_overrides(st, ovr)
        applied = stored_overrides(st, known) + ([] if write else ovr)
        done = _assess_labelled(
            Evidence.from_store(st),
            summary,
            stored.indicators(st),
            labels=labels,
            radar=radar,
            model=model,
            params=params,
            indicator_params=settings.indicator_params,
            certain_only=certain_only,
            overrides=applied,
            mapping=load_label_map(label_map) if label_map is not None else None,
            strict=strict,
        )
        if write:
            stored.write_assessments(st, done.assessments, model=model, params=done.params)
        return done.assessments


__all__ = ["BacktestRun", "assess_labelled", "backtest"]
