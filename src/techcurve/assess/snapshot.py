"""The snapshot model: the report's method, made explicit.

The original report placed each sub-field from three indicators (cumulative patents,
birth year, opinion index) plus financing, without a formula. This model keeps two
explicit signals, as ``shared/MODELS-NOTES.md`` advises:

* **maturity** M (0–1) from the rank of cumulative patents among the sub-fields
  assessed (thresholds learnt by :meth:`SnapshotModel.fit`) and the age since the
  birth year;
* **hype** H (0–1) from the opinion index, financing events and the latest attention
  level (``attention_latest``, comparable across sub-fields), and the shape of the
  sub-field's own attention series: how far it has fallen from its peak
  (``attention_vs_peak``) and whether it still grows (``attention_growth``).

Two non-canonical paths are first-class: a mature sub-field whose attention never fell
goes to the slope **without a trough**, and one whose attention collapsed while its
patents and papers decline is **faded** (trough, years band "obsolete").

An ordered rule list turns the two into a phase, and the signal values into a
position inside that phase's bounds. ``docs/models.md`` states the rules and why.

The jobs live in their own modules: the settings (:mod:`~techcurve.assess.snapshot_settings`),
the thresholds and signals (:mod:`~techcurve.assess.snapshot_signals`), the rules
(:mod:`~techcurve.assess.snapshot_place`) and the evidence reasons
(:mod:`~techcurve.assess.snapshot_reasons`); this module joins them into a model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl

from techcurve.assess._base import StageModel, check_columns, needing, position_in
from techcurve.assess.snapshot_place import confidence, place
from techcurve.assess.snapshot_reasons import evidence_reasons
from techcurve.assess.snapshot_settings import SnapshotSettings
from techcurve.assess.snapshot_signals import (
    SUMMARY_REQUIRED,
    Thresholds,
    check_summary,
    learn_thresholds,
    merge_hype,
    missing_evidence,
    patents_ranked,
    read_signals,
    unranked_reason,
)
from techcurve.assess.years import years_band
from techcurve.datatypes import Assessment, Reason
from techcurve.errors import AssessError


class SnapshotModel(StageModel):
    """Rule-based placement from one as-of summary row per sub-field.

    >>> model = SnapshotModel(trough_ratio=0.5).fit(summary)          # doctest: +SKIP
    >>> [a.phase for a in model.predict(summary)]                     # doctest: +SKIP

    Its parameters are the fields of :class:`SnapshotSettings` (keyword arguments, or
    one ``settings`` object); ``model.settings`` holds them.
    """

    name = "snapshot"

    def __init__(self, settings: SnapshotSettings | None = None, /, **params: Any) -> None:
        base = settings if settings is not None else SnapshotSettings()
        SnapshotSettings.check_names(params)
        self.settings = replace(base, **params) if params else base

    @classmethod
    def _param_names(cls) -> list[str]:
        return SnapshotSettings.names()

    def get_params(self) -> dict[str, Any]:
        """The parameters this model was built with (what the report prints)."""
        return self.settings.as_dict()

    def set_params(self, **params: Any) -> SnapshotModel:
        """Change parameters; the model must be fitted again."""
        SnapshotSettings.check_names(params)
        self.settings = replace(self.settings, **params)
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        return self

    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> SnapshotModel:
        """Learn the patent, opinion and financing thresholds from ``summary``.

        ``indicators`` is accepted (and unused) so that every model takes the same
        arguments. ``labels`` (subfield_id, phase) is accepted so that every model has the same
        interface in the backtest; the snapshot rules are *not* tuned on them (tuning on
        the rows one reports inflates agreement). It is validated, then ignored.
        """
        self.settings.validate()
        check_summary(summary)
        if summary.height == 0:
            raise needing("indicators", AssessError.of("assess.empty_summary"))
        if labels is not None:
            check_columns(labels, ("subfield_id", "phase"), "labels")
        self.thresholds_: Thresholds = learn_thresholds(merge_hype(summary), self.settings)
        #: said by every placement when the patent marks are not learnt (too few patents)
        self.caveat_: Reason | None = (
            None
            if patents_ranked(summary, self.settings)
            else unranked_reason(summary, self.settings)
        )
        self.n_fit_: int = summary.height
        self.fitted_ = True
        return self

    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One :class:`~techcurve.datatypes.Assessment` per row of ``summary``, in order."""
        self._check_fitted()
        check_summary(summary)
        return [self._assess_row(row) for row in merge_hype(summary).iter_rows(named=True)]

    def _assess_row(self, row: dict[str, Any]) -> Assessment:
        sid = str(row["subfield_id"])
        cfg = self.settings
        missing = missing_evidence(row, cfg)
        if missing:
            return Assessment(sid, self.name, None, None, None, 0.0, tuple(missing), "insufficient")
        s = read_signals(row, cfg, self.thresholds_)
        p = place(s, cfg, self.thresholds_)
        band, band_why = years_band(p.phase, p.fraction, s, cfg)
        reasons = [
            *([self.caveat_] if self.caveat_ is not None else []),
            *evidence_reasons(s, row, cfg, self.thresholds_),
            Reason("rule", p.phase.value, p.rule.key, p.rule.values),
            Reason("years_band", band.value, band_why.key, band_why.values),
        ]
        return Assessment(
            subfield_id=sid,
            model=self.name,
            phase=p.phase,
            position=position_in(p.phase, p.fraction),
            years_band=band,
            confidence=round(confidence(s, p.margin) * (0.8 if self.caveat_ else 1.0), 2),
            reasons=tuple(reasons),
        )


__all__ = ["SUMMARY_REQUIRED", "SnapshotModel", "SnapshotSettings"]
