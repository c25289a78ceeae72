"""The neighbours model: phases learnt from labelled indicator profiles (Gao et al. 2013).

Where the snapshot and time-series models place a sub-field by rules, this model
looks up the labelled technologies whose indicator **profile as of their label date**
is most like the sub-field's profile now, and lets them vote. Gao et al. (2013)
classified technology life-cycle stages the same way, by nearest neighbours on patent
indicators against reference technologies with known stages.

A *profile* (:func:`profile_features`) is one row per sub-field of a summary, with the
signals ``shared/MODELS-NOTES.md`` found informative, in readable units:

========================  ==================================================================
feature                   value (transform used in the distance)
========================  ==================================================================
patents_share             cumulative patents per 10,000 of all sub-fields' cumulative patents
                          as of the same date (log1p) — share-normalised, so a 2012 profile
                          compares with a 2022 one although the store grew
papers_share              the same for papers (log1p)
age                       as-of year − birth year (years)
attention_vs_peak         latest attention / the sub-field's own peak (0–1)
attention_growth          mean relative YoY change of attention (clipped to −1…2)
attention_latest          latest attention level, 0–100 on the common scale (log1p)
patent_vs_paper_growth    patent_growth − paper_growth (clipped to −2…2)
========================  ==================================================================

**Scaling.** Each transformed feature is centred and scaled on the training rows
(``scaling``: median/IQR by default) and then clipped to ±``clip`` (3) so that a value
far outside the labelled range (e.g. attention long past its peak when every labelled
profile was still at its peak) counts as "far" without deciding the distance alone.

**Missing values are explicit.** A feature that is null (no birth year, no attention
series, no patents in the store at that date) is *not* read as 0: after scaling it is
put at the training centre and a separate 0/1 "missing" dimension (weighted
``missing_weight``) is added, so two profiles both lacking attention are close on that
axis and a profile with attention is ``missing_weight`` away from one without. A
profile with fewer than ``min_features`` features present is ``insufficient``.

``fit(summary, labels)`` takes the labelled rows. ``labels`` is either

* the **as-of profiles** of the labelled rows (:func:`techcurve.assess.profiles.labelled_profiles`
  builds them: the indicators recomputed as of each label's date, one row per label with
  ``subfield_id, year, phase`` and the feature columns) — the normal case, since a label
  says where a technology stood *in its year*; or
* plain ``subfield_id, phase`` rows, which are then read as labels **as of the
  summary's date** (their profiles are taken from ``summary``).

>>> model = NeighbourModel(k=3).fit(summary, profiles)      # doctest: +SKIP
>>> model.predict(summary)                                   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import polars as pl

from techcurve.assess._base import (
    StageModel,
    check_columns,
    needing,
    num,
    position_in,
    to_date,
)
from techcurve.datatypes import Assessment, Phase, Phrase, Reason, ReasonValue, YearsBand
from techcurve.errors import AssessError, phrase

log = logging.getLogger(__name__)

FEATURES: dict[str, str] = {
    "patents_share": "cumulative patents per 10,000 of all sub-fields' patents",
    "papers_share": "cumulative papers per 10,000 of all sub-fields' papers",
    "age": "years since the birth year",
    "attention_vs_peak": "latest attention / own peak",
    "attention_growth": "mean YoY change of attention",
    "attention_latest": "latest attention level (0–100)",
    "patent_vs_paper_growth": "patent growth − paper growth",
}
"""Every feature the model knows, with what it measures (readable units)."""

DEFAULT_FEATURES: tuple[str, ...] = tuple(FEATURES)

PROFILE_SUMMARY_COLUMNS: tuple[str, ...] = (
    "subfield_id",
    "patents_cum",
    "papers_cum",
    "birth_year",
    "attention_vs_peak",
    "attention_growth",
    "attention_latest",
    "patent_growth",
    "paper_growth",
)
SCALINGS: tuple[str, ...] = ("robust", "standard", "none")
WEIGHTINGS: tuple[str, ...] = ("distance", "uniform")

_LOG1P = {"patents_share", "papers_share", "attention_latest"}
_CLIP = {"attention_growth": (-1.0, 2.0), "patent_vs_paper_growth": (-2.0, 2.0)}
_EPS = 1e-3  # keeps 1/distance finite for an identical profile
_R = "reasons.neighbours."


def _share(col: str) -> pl.Expr:
    total = pl.col(col).fill_null(0).sum()
    # Neither patents nor papers: the maturity side is unknown (a coverage gap far more
    # often than a true zero; the snapshot model calls it insufficient), so missing.
    unknown = (pl.col("patents_cum").fill_null(0) <= 0) & (pl.col("papers_cum").fill_null(0) <= 0)
    return (
        pl.when((total > 0) & ~unknown)
        .then(pl.col(col).fill_null(0).cast(pl.Float64) * 10_000.0 / total)
        .otherwise(None)
        .cast(pl.Float64)
    )


def profile_features(summary: pl.DataFrame) -> pl.DataFrame:
    """One profile per sub-field of ``summary``: ``subfield_id, year`` (the summary's
    as-of year) and one column per :data:`FEATURES` entry (null = missing).

    ``summary`` must hold **all** sub-fields as of one date: the patent and paper
    shares are relative to their total. A share is null (missing) when the store has no
    patents (papers) at all at that date, or when the sub-field has neither patents nor
    papers (maturity unknown); 0 patents beside some papers is a real 0.

    >>> s = pl.DataFrame({"subfield_id": ["a", "b"], "as_of": ["2015-07-01"] * 2,
    ...     "patents_cum": [30, 10], "papers_cum": [0, 0], "birth_year": [2000, None],
    ...     "attention_vs_peak": [0.5, None], "attention_growth": [0.1, None],
    ...     "attention_latest": [20.0, None], "patent_growth": [0.3, None],
    ...     "paper_growth": [0.1, None]})
    >>> profile_features(s).row(0)
    ('a', 2015, 7500.0, None, 15.0, 0.5, 0.1, 20.0, 0.19999999999999998)
    >>> profile_features(s.with_columns(papers_cum=pl.lit(5))).row(1)[2:4]  # 10 patents, 5 papers
    (2500.0, 5000.0)
    """
    check_columns(summary, (*PROFILE_SUMMARY_COLUMNS, "as_of"), "summary")
    years = [to_date(v).year if v is not None else None for v in summary["as_of"].to_list()]
    frame = summary.with_columns(pl.Series("year", years, dtype=pl.Int32))
    return frame.select(
        "subfield_id",
        "year",
        _share("patents_cum").alias("patents_share"),
        _share("papers_cum").alias("papers_share"),
        (pl.col("year") - pl.col("birth_year")).cast(pl.Float64).alias("age"),
        pl.col("attention_vs_peak").cast(pl.Float64),
        pl.col("attention_growth").cast(pl.Float64),
        pl.col("attention_latest").cast(pl.Float64),
        (pl.col("patent_growth") - pl.col("paper_growth"))
        .cast(pl.Float64)
        .alias("patent_vs_paper_growth"),
    ).with_columns(pl.col(f).fill_nan(None) for f in FEATURES)


def _transform(name: str, value: float | None) -> float:
    """The feature value used in the distance (NaN = missing)."""
    if value is None:
        return math.nan
    if name in _LOG1P:
        return math.log1p(max(value, 0.0))
    if name in _CLIP:
        lo, hi = _CLIP[name]
        return min(max(value, lo), hi)
    return value


def _fmt(name: str, value: float | None) -> Phrase:
    """A feature's value in words (``reasons.neighbours.value.*``)."""
    if value is None:
        return Phrase(_R + "value.missing")
    if name in ("patents_share", "papers_share"):
        return Phrase(_R + "value.share", {"value": value})
    if name == "age":
        return Phrase(_R + "value.age", {"value": value})
    if name in ("attention_growth", "patent_vs_paper_growth"):
        return Phrase(_R + "value.change", {"value": value})
    if name == "attention_vs_peak":
        return Phrase(_R + "value.of_peak", {"value": value})
    return Phrase(_R + "value.level", {"value": value})


def _training_frame(summary: pl.DataFrame, labels: pl.DataFrame, feats: list[str]) -> pl.DataFrame:
    """The labelled rows with their features: ``labels`` itself when it holds them (as-of
    profiles), else the labels joined to the profiles of ``summary``."""
    if all(f in labels.columns for f in feats):
        return labels
    prof = profile_features(summary)
    keep = [c for c in ("year", "years_band") if c in labels.columns]
    return labels.select("subfield_id", "phase", *keep).join(
        prof.drop("year") if "year" in keep else prof, on="subfield_id", how="left"
    )


@dataclass(frozen=True, slots=True)
class LabelledProfile:
    """One labelled row the model keeps (``train_``): whose, when, what it was labelled,
    and its features' raw values (None = missing)."""

    subfield_id: str
    year: int | None
    phase: Phase
    band: YearsBand | None
    raw: tuple[float | None, ...]


def _training_rows(train: pl.DataFrame, feats: list[str]) -> list[LabelledProfile]:
    rows: list[LabelledProfile] = []
    for r in train.iter_rows(named=True):
        try:
            phase = Phase.parse(str(r["phase"] or ""))
        except ValueError as e:
            raise AssessError.of(
                "assess.neighbours.bad_label", id=r["subfield_id"], error=e
            ) from None
        band = r.get("years_band")
        rows.append(
            LabelledProfile(
                subfield_id=str(r["subfield_id"]),
                year=r.get("year"),
                phase=phase,
                band=YearsBand.parse(band) if band else None,
                raw=tuple(num(r.get(f)) for f in feats),
            )
        )
    return rows


def _centre_and_scale(raw: np.ndarray, scaling: str) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's centre and scale over the training rows' known values."""
    n = raw.shape[1]
    center = np.zeros(n)
    scale = np.ones(n)
    for j in range(n):
        col = raw[:, j][~np.isnan(raw[:, j])]
        if col.size == 0:
            continue
        if scaling == "robust":
            center[j] = float(np.median(col))
            q1, q3 = np.percentile(col, [25, 75])
            spread = float(q3 - q1) or float(np.std(col))
        elif scaling == "standard":
            center[j] = float(np.mean(col))
            spread = float(np.std(col))
        else:
            center[j] = float(np.median(col))  # only where a value is missing
            spread = 1.0
        scale[j] = spread if spread > 0 else 1.0
    return center, scale


class NeighbourModel(StageModel):
    """k nearest labelled profiles vote on the phase (Gao et al. 2013).

    Parameters: ``k`` (neighbours that vote, 5), ``features`` (names from
    :data:`FEATURES`, all by default), ``scaling`` ("robust": median/IQR, "standard":
    mean/standard deviation, "none"), ``weights`` ("distance": each vote weighs
    1/distance, "uniform"), ``clip`` (scaled values are clipped to ±clip, 3.0; None
    for no clipping), ``missing_weight`` (the weight of each feature's missing
    indicator in the distance, 1.0), ``min_features`` (a profile with fewer features
    present is ``insufficient``, 3), ``show`` (neighbours named in the reasons, 3).

    Learnt: ``train_`` (the labelled profiles kept), ``center_``, ``scale_`` (per
    feature), ``n_dropped_`` (labelled rows left out for too few features).
    """

    name = "neighbours"
    requires_labels: ClassVar[bool] = True

    def __init__(
        self,
        *,
        k: int = 5,
        features: Sequence[str] = DEFAULT_FEATURES,
        scaling: str = "robust",
        weights: str = "distance",
        clip: float | None = 3.0,
        missing_weight: float = 1.0,
        min_features: int = 3,
        show: int = 3,
    ) -> None:
        self.k = k
        self.features = features
        self.scaling = scaling
        self.weights = weights
        self.clip = clip
        self.missing_weight = missing_weight
        self.min_features = min_features
        self.show = show

    # -- parameters --------------------------------------------------------------------------
    def _validate_params(self) -> list[str]:
        feats = [self.features] if isinstance(self.features, str) else list(self.features)
        unknown = [f for f in feats if f not in FEATURES]
        if unknown or not feats:
            given = ", ".join(unknown) or phrase("assess.neighbours.none_given")
            raise AssessError.of(
                "assess.neighbours.unknown_features", given=given, allowed=", ".join(FEATURES)
            )
        if len(set(feats)) != len(feats):
            raise AssessError.of("assess.neighbours.feature_twice", features=feats)
        if not isinstance(self.k, int) or self.k < 1:
            raise AssessError.of("assess.neighbours.bad_k", k=self.k)
        if self.scaling not in SCALINGS:
            raise AssessError.of(
                "assess.neighbours.bad_choice",
                name="scaling",
                value=self.scaling,
                allowed=", ".join(SCALINGS),
            )
        if self.weights not in WEIGHTINGS:
            raise AssessError.of(
                "assess.neighbours.bad_choice",
                name="weights",
                value=self.weights,
                allowed=", ".join(WEIGHTINGS),
            )
        if self.clip is not None and (num(self.clip) is None or self.clip <= 0):
            raise AssessError.of("assess.neighbours.bad_clip", clip=self.clip)
        if num(self.missing_weight) is None or self.missing_weight < 0:
            raise AssessError.of("assess.neighbours.bad_missing_weight", value=self.missing_weight)
        if not isinstance(self.min_features, int) or not 1 <= self.min_features <= len(feats):
            raise AssessError.of(
                "assess.neighbours.bad_min_features", value=self.min_features, n=len(feats)
            )
        return feats

    # -- fit -----------------------------------------------------------------------------------
    def fit(
        self,
        summary: pl.DataFrame,
        labels: pl.DataFrame | None = None,
        *,
        indicators: pl.DataFrame | None = None,
    ) -> NeighbourModel:
        """Keep the labelled profiles and learn each feature's centre and scale.

        ``labels``: the as-of profiles of labelled rows (``subfield_id, phase`` and the
        feature columns; optional ``year``, ``years_band``), or plain ``subfield_id,
        phase`` rows read as of ``summary``'s date. ``indicators`` is accepted (and
        unused) so that every model takes the same arguments.
        """
        feats = self._validate_params()
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        if labels is None:
            raise needing("labels", AssessError.of("assess.neighbours.needs_labels"))
        check_columns(labels, ("subfield_id", "phase"), "labels")
        rows = _training_rows(_training_frame(summary, labels, feats), feats)
        kept = [r for r in rows if sum(v is not None for v in r.raw) >= self.min_features]
        if not kept:
            raise AssessError.of(
                "assess.neighbours.no_row_with_features",
                n=self.min_features,
                features=", ".join(feats),
            )
        raw = np.array(
            [[_transform(f, v) for f, v in zip(feats, r.raw, strict=True)] for r in kept],
            dtype=float,
        )
        self.features_ = feats
        self.center_, self.scale_ = _centre_and_scale(raw, self.scaling)
        self.train_ = kept
        self.n_dropped_ = len(rows) - len(kept)
        self.matrix_ = self._embed(raw)
        self.fitted_ = True
        if self.n_dropped_:
            log.info("neighbours: %d labelled rows had too few features", self.n_dropped_)
        return self

    def _embed(self, transformed: np.ndarray) -> np.ndarray:
        """Scaled features (missing → centre) followed by the weighted missing indicators."""
        missing = np.isnan(transformed)
        z = (transformed - self.center_) / self.scale_
        if self.clip is not None:
            z = np.clip(z, -float(self.clip), float(self.clip))
        z[missing] = 0.0
        return np.hstack([z, missing.astype(float) * float(self.missing_weight)])

    # -- predict -------------------------------------------------------------------------------
    def predict(
        self, summary: pl.DataFrame, *, indicators: pl.DataFrame | None = None
    ) -> list[Assessment]:
        """One assessment per row of ``summary`` (all sub-fields as of one date: the
        shares are relative to the summary's totals)."""
        self._check_fitted()
        return self.predict_profiles(profile_features(summary))

    def predict_profiles(self, profiles: pl.DataFrame) -> list[Assessment]:
        """One assessment per profile row (from :func:`profile_features`)."""
        self._check_fitted()
        check_columns(profiles, ("subfield_id", *self.features_), "profiles")
        out = []
        for r in profiles.iter_rows(named=True):
            raw = [num(r.get(f)) for f in self.features_]
            out.append(self._predict_one(str(r["subfield_id"]), raw))
        return out

    def _feature_reasons(self, raw: Sequence[float | None]) -> list[Reason]:
        out = []
        for f, v in zip(self.features_, raw, strict=True):
            about = Phrase(_R + "missing_indicator") if v is None else Phrase(_R + "feature." + f)
            values = {"name": Phrase(_R + "name." + f), "value": _fmt(f, v), "about": about}
            out.append(Reason(f, v, _R + "feature", values))
        return out

    def _predict_one(self, sid: str, raw: Sequence[float | None]) -> Assessment:
        reasons = self._feature_reasons(raw)
        present = sum(v is not None for v in raw)
        if present < self.min_features:
            missing = [f for f, v in zip(self.features_, raw, strict=True) if v is None]
            values: dict[str, ReasonValue] = {
                "present": present,
                "total": len(raw),
                "missing": ", ".join(missing),
                "needed": self.min_features,
            }
            reasons.append(Reason("features_present", float(present), _R + "too_few", values))
            return Assessment(sid, self.name, None, None, None, 0.0, tuple(reasons), "insufficient")
        x = np.array([_transform(f, v) for f, v in zip(self.features_, raw, strict=True)])
        e = self._embed(x[None, :])[0]
        dist = np.sqrt(((self.matrix_ - e) ** 2).sum(axis=1))
        order = np.argsort(dist, kind="stable")[: self.k]
        near = [(self.train_[i], float(dist[i])) for i in order]
        w = [1.0 / (d + _EPS) if self.weights == "distance" else 1.0 for _, d in near]
        vote = _vote(near, w)
        position = position_in(vote.phase, vote.fraction)
        reasons += [
            self._neighbours_reason(near),
            self._vote_reason(near, vote, position),
        ]
        if vote.band is not None:
            values = {"band": vote.band.value}
            reasons.append(Reason("years_band", vote.band.value, _R + "band", values))
        return Assessment(
            sid,
            self.name,
            vote.phase,
            position,
            vote.band,
            round(vote.share, 3),
            tuple(reasons),
            "assessed",
        )

    def _neighbours_reason(self, near: Sequence[tuple[LabelledProfile, float]]) -> Reason:
        # one phrase per neighbour, chained, so that its phase and sub-field are shown
        # by name in the reader's language (the "subfield" and "phase" values)
        shown: Phrase | str = ""
        listed = near[: max(self.show, 1)]
        for nb, d in reversed(listed):
            values_nb: dict[str, ReasonValue] = {
                "subfield": nb.subfield_id,
                "when": f" {nb.year}" if nb.year is not None else "",
                "phase": nb.phase.value,
                "d": d,
                "next": Phrase(_R + "neighbour_next", {"rest": shown}) if shown else "",
            }
            shown = Phrase(_R + "neighbour", values_nb)
        more = len(near) - len(listed)
        values = {
            "shown": shown,
            "more": Phrase(_R + "more", {"n": more}) if more > 0 else "",
        }
        value = "; ".join(f"{nb.subfield_id} {nb.year} {nb.phase.value}" for nb, _ in near)
        return Reason("neighbours", value, _R + "nearest", values)

    def _vote_reason(
        self, near: Sequence[tuple[LabelledProfile, float]], vote: _Vote, position: float
    ) -> Reason:
        values = {
            "agree": sum(nb.phase is vote.phase for nb, _ in near),
            "n": len(near),
            "phase": vote.phase.value,
            "share": vote.share,
            "how": Phrase(_R + ("vote.weighted" if self.weights == "distance" else "vote.plain")),
            "mean_order": vote.mean_order,
            "position": position,
        }
        return Reason("vote", round(vote.share, 3), _R + "vote", values)


@dataclass(frozen=True, slots=True)
class _Vote:
    """What the nearest labelled profiles say."""

    phase: Phase
    share: float  # the phase's share of the (weighted) vote
    mean_order: float  # the neighbours' mean phase order, weighted
    fraction: float  # where in the phase the mean order puts it
    band: YearsBand | None  # the heaviest years band among those the labels give


def _vote(near: Sequence[tuple[LabelledProfile, float]], w: Sequence[float]) -> _Vote:
    total = sum(w)
    votes: dict[Phase, float] = {}
    for (nb, _), wi in zip(near, w, strict=True):
        votes[nb.phase] = votes.get(nb.phase, 0.0) + wi
    best = max(votes.values())
    # A tie goes to the phase of the nearest neighbour among the tied phases.
    phase = next(nb.phase for nb, _ in near if math.isclose(votes[nb.phase], best))
    mean_order = sum(nb.phase.order * wi for (nb, _), wi in zip(near, w, strict=True)) / total
    bands: dict[YearsBand, float] = {}
    for (nb, _), wi in zip(near, w, strict=True):
        if nb.band is not None:
            bands[nb.band] = bands.get(nb.band, 0.0) + wi
    return _Vote(
        phase=phase,
        share=votes[phase] / total,
        mean_order=mean_order,
        fraction=0.5 + (mean_order - phase.order) / 2,
        band=max(bands, key=lambda b: bands[b]) if bands else None,
    )


__all__ = ["DEFAULT_FEATURES", "FEATURES", "NeighbourModel", "profile_features"]
