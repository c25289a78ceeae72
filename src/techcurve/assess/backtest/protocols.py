"""How rows are held out: leave-one-technology-out, the temporal split, and transfer
from another label set.

A :class:`Fold` is a training set and the rows it predicts. Everything fitted on
labels — the label-learnt models and both baselines — is fitted on a fold's training
rows only and predicts its test rows; the rule models (snapshot, timeseries) need no
fitting and are scored on the same test rows.

* ``loto`` (leave-one-technology-out): one fold per technology, trained on the rows of
  every other technology (leaving out only the row itself would let the same
  technology's neighbouring label years, whose profile is nearly identical, leak its
  label). Every labelled row is a test row.
* ``temporal``: one fold, trained on the labels dated up to ``split_year`` and tested
  on the later ones (what a user of the model faces: the future).
* ``transfer``: trained on another label set (e.g. the radar's), one fold per
  technology leaving out that technology's rows unless ``exclude_same_technology`` is
  false.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.assess.backtest.baselines import make_baseline
from techcurve.assess.backtest.defaults import DEFAULT_SPLIT_YEAR
from techcurve.assess.profiles import Prediction, fold_predictions
from techcurve.assess.scoring import BASELINES
from techcurve.errors import AssessError
from techcurve.text import Lang, t

PROTOCOLS: tuple[str, ...] = ("loto", "temporal", "transfer")


@dataclass(frozen=True, slots=True)
class Protocol:
    """A way of holding rows out: ``loto``, ``temporal`` (with ``split_year``) or
    ``transfer``."""

    name: str
    split_year: int | None = None

    def title(self, lang: Lang = "en") -> str:
        """The protocol's name for a reader."""
        return t(f"backtest.protocol.{self.name}", lang, year=self.split_year)


@dataclass(frozen=True, slots=True)
class Fold:
    """Training rows and the test rows a model fitted on them predicts (label frames
    with ``row``, ``subfield_id``, ``phase``, ``as_of`` and ``age``)."""

    train: pl.DataFrame
    test: pl.DataFrame
    how: str


def _other_fold(pool: pl.DataFrame, group: pl.DataFrame, how: str, exclude: bool) -> Fold:
    train = pool.filter(pl.col("subfield_id") != group["subfield_id"][0]) if exclude else pool
    if train.height == 0:
        return Fold(train, group, how)
    key = "assess.held_out.fold_other" if exclude else "assess.held_out.fold"
    n = train["subfield_id"].n_unique()
    return Fold(train, group, t(key, "en", how=how, rows=train.height, n=n))


def folds(
    protocol: Protocol,
    labels: pl.DataFrame,
    train_labels: pl.DataFrame | None = None,
    *,
    exclude_same_technology: bool = True,
) -> list[Fold]:
    """The folds of ``protocol`` over ``labels`` (and ``train_labels`` for transfer)."""
    if protocol.name == "temporal":
        year = protocol.split_year or DEFAULT_SPLIT_YEAR
        early = pl.col("as_of").dt.year() <= year
        train, test = labels.filter(early), labels.filter(~early)
        n = train["subfield_id"].n_unique() if train.height else 0
        how = t("assess.held_out.temporal", "en", year=year, rows=train.height, n=n)
        return [Fold(train, test, how)] if test.height else []
    if protocol.name == "transfer":
        if train_labels is None:
            raise AssessError.of("assess.transfer_needs_both")
        how = t("assess.held_out.transfer", "en")
        groups = labels.partition_by("subfield_id", as_dict=False, maintain_order=True)
        return [_other_fold(train_labels, g, how, exclude_same_technology) for g in groups]
    how = t("assess.held_out.loo", "en")
    groups = labels.partition_by("subfield_id", as_dict=False, maintain_order=True)
    return [_other_fold(labels, g, how, True) for g in groups]


def fold_baselines(fold: Fold) -> dict[str, dict[int, Prediction]]:
    """Each baseline fitted on the fold's training rows: baseline → row → prediction."""
    out: dict[str, dict[int, Prediction]] = {}
    rows = fold.test["row"].to_list()
    for name in BASELINES:
        if fold.train.height == 0:
            none = Prediction.insufficient(t("assess.held_out.no_rows", "en", how=fold.how))
            out[name] = dict.fromkeys(rows, none)
            continue
        est = make_baseline(name).fit(fold.train["phase"].to_list(), fold.train["age"].to_list())
        preds = est.predict(fold.test["age"].to_list(), fold.how)
        out[name] = dict(zip(rows, preds, strict=True))
    return out


def protocol_predictions(
    folds_: Sequence[Fold],
    learnt: Sequence[str],
    params: Mapping[str, Mapping[str, Any]],
    profiles: pl.DataFrame | None,
    train_profiles: pl.DataFrame | None = None,
) -> dict[str, dict[int, Prediction]]:
    """model or baseline → row → prediction over the test rows of ``folds_``.

    ``profiles`` are the as-of profiles of the scored labels (one per ``row``);
    ``train_profiles`` those of the training label set when it is another one
    (transfer)."""
    out: dict[str, dict[int, Prediction]] = {m: {} for m in [*learnt, *BASELINES]}
    pool = train_profiles if train_profiles is not None else profiles
    for fold in folds_:
        for name, got in fold_baselines(fold).items():
            out[name].update(got)
        if not learnt or profiles is None or pool is None:
            continue
        train = pool.filter(pl.col("row").is_in(fold.train["row"].to_list()))
        test = profiles.filter(pl.col("row").is_in(fold.test["row"].to_list()))
        for name in learnt:
            out[name].update(fold_predictions(name, params.get(name), train, test, fold.how))
    return out


__all__ = [
    "DEFAULT_SPLIT_YEAR",
    "PROTOCOLS",
    "Fold",
    "Protocol",
    "fold_baselines",
    "folds",
    "protocol_predictions",
]
