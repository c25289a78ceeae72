"""The neighbours model: learnt from labelled as-of profiles, scored without leakage."""

from __future__ import annotations

import json
import math
from typing import Any

import polars as pl
import pytest

from techcurve.assess import (
    MODELS,
    NeighbourModel,
    assess,
    make_model,
    profile_features,
)
from techcurve.assess.neighbours import FEATURES
from techcurve.assess.profiles import held_out_predictions
from techcurve.datatypes import Phase
from techcurve.errors import AssessError

# A typical profile per phase (readable units, as profile_features gives them).
CENTRES: dict[str, dict[str, float]] = {
    "trigger": {
        "patents_share": 0.5,
        "papers_share": 2.0,
        "age": 3.0,
        "attention_vs_peak": 1.0,
        "attention_growth": 1.5,
        "attention_latest": 2.0,
        "patent_vs_paper_growth": -0.5,
    },
    "peak": {
        "patents_share": 5.0,
        "papers_share": 30.0,
        "age": 8.0,
        "attention_vs_peak": 1.0,
        "attention_growth": 0.6,
        "attention_latest": 40.0,
        "patent_vs_paper_growth": 0.0,
    },
    "trough": {
        "patents_share": 20.0,
        "papers_share": 60.0,
        "age": 12.0,
        "attention_vs_peak": 0.4,
        "attention_growth": -0.3,
        "attention_latest": 10.0,
        "patent_vs_paper_growth": 0.3,
    },
    "plateau": {
        "patents_share": 150.0,
        "papers_share": 200.0,
        "age": 30.0,
        "attention_vs_peak": 0.8,
        "attention_growth": 0.0,
        "attention_latest": 15.0,
        "patent_vs_paper_growth": 0.6,
    },
}


def jitter(centre: dict[str, float], i: int) -> dict[str, float]:
    """A deterministic small perturbation (±8 %) of a centre."""
    return {k: v * (1 + 0.08 * math.sin(3.7 * i + j)) for j, (k, v) in enumerate(centre.items())}


def training(per_phase: int = 4) -> pl.DataFrame:
    """Labelled profiles: ``per_phase`` technologies per phase, one label year each."""
    rows: list[dict[str, Any]] = []
    n = 0
    for phase, centre in CENTRES.items():
        for i in range(per_phase):
            n += 1
            rows.append(
                {
                    "row": n,
                    "subfield_id": f"{phase}-{i}",
                    "year": 2010 + i,
                    "phase": phase,
                    "years_band": "5-10" if phase == "peak" else None,
                    **jitter(centre, n),
                }
            )
    return pl.DataFrame(rows)


def query(values: dict[str, float | None], sid: str = "q") -> pl.DataFrame:
    return pl.DataFrame(
        [{"subfield_id": sid, **values}],
        schema={"subfield_id": pl.Utf8, **{f: pl.Float64 for f in FEATURES}},
    )


# -- recovery on synthetic profiles --------------------------------------------------------
@pytest.mark.parametrize("phase", list(CENTRES))
def test_neighbours_recover_the_phase_of_a_known_profile(phase: str) -> None:
    model = NeighbourModel(k=3).fit(pl.DataFrame(), training())
    (a,) = model.predict_profiles(query(jitter(CENTRES[phase], 99)))
    assert a.status == "assessed"
    assert a.phase is Phase(phase)
    assert a.confidence == pytest.approx(1.0)  # all three neighbours agree
    assert a.position is not None and Phase.at(a.position) is a.phase
    assert a.model == "neighbours"


def test_position_leans_toward_the_neighbours_other_phases() -> None:
    model = NeighbourModel(k=4, weights="uniform").fit(pl.DataFrame(), training(per_phase=2))
    between = {k: (CENTRES["peak"][k] * 2 + CENTRES["trough"][k]) / 3 for k in CENTRES["peak"]}
    (a,) = model.predict_profiles(query(between))
    assert a.phase is Phase.PEAK and a.position is not None
    lo, hi = Phase.PEAK.bounds
    assert a.position > (lo + hi) / 2  # the trough neighbours pull it toward the trough
    assert 0.5 <= a.confidence < 1.0


def test_band_comes_from_the_neighbours_labels() -> None:
    model = NeighbourModel(k=3).fit(pl.DataFrame(), training())
    (peak,) = model.predict_profiles(query(CENTRES["peak"]))
    (plateau,) = model.predict_profiles(query(CENTRES["plateau"]))
    assert peak.years_band is not None and peak.years_band.value == "5-10"
    assert plateau.years_band is None  # no neighbour's label gives a band


def test_reasons_name_the_nearest_labelled_technologies_and_years() -> None:
    model = NeighbourModel(k=3, show=2).fit(pl.DataFrame(), training())
    (a,) = model.predict_profiles(query(CENTRES["trough"]))
    texts = [r.text() for r in a.reasons]
    nearest = next(t for t in texts if t.startswith("nearest: "))
    assert nearest.count("(trough, d ") == 2 and "and 1 more" in nearest
    assert any(f"trough-{i} 201{i} (trough" in nearest for i in range(4))
    assert any("3 of 3 nearest labelled profiles say trough" in t for t in texts)
    # one reason per feature, with its value
    assert [r.indicator for r in a.reasons[: len(FEATURES)]] == list(FEATURES)
    assert a.reasons[2].value == pytest.approx(CENTRES["trough"]["age"])
    assert a.reasons[2].text("zh") == "年龄：12 年（自诞生年份起的年数）"
    zh = [r.text("zh") for r in a.reasons]
    assert any(z.startswith("最近邻：") and "，另有 1 个" in z for z in zh)
    assert any(z.startswith("3 个最近的已标注画像中有 3 个判为 trough") for z in zh)


# -- missing values ------------------------------------------------------------------------
def test_missing_is_not_zero() -> None:
    base = {"patents_share": 10.0, "papers_share": 10.0, "age": 10.0}
    train = pl.DataFrame(
        [
            {"subfield_id": "zero", "phase": "trigger", **base, "attention_latest": 0.0},
            {"subfield_id": "none", "phase": "slope", **base, "attention_latest": None},
            {"subfield_id": "high", "phase": "peak", **base, "attention_latest": 50.0},
        ]
    )
    feats = ["patents_share", "papers_share", "age", "attention_latest"]
    model = NeighbourModel(k=1, features=feats).fit(pl.DataFrame(), train)
    (a,) = model.predict_profiles(query({**base, "attention_latest": None}))
    assert a.phase is Phase.SLOPE  # matched to the other missing row, not to the 0
    assert "missing indicator" in a.reasons[3].text() and a.reasons[3].value is None
    (b,) = model.predict_profiles(query({**base, "attention_latest": 0.0}))
    assert b.phase is Phase.TRIGGER


def test_too_few_features_is_insufficient() -> None:
    model = NeighbourModel(min_features=3).fit(pl.DataFrame(), training())
    (a,) = model.predict_profiles(query({"age": 5.0, "attention_latest": 3.0}))
    assert a.status == "insufficient" and a.phase is None and a.position is None
    assert a.confidence == 0.0
    assert "only 2 of 7 features known" in a.reasons[-1].text()
    assert a.reasons[-1].text("zh").startswith("7 个特征中仅知 2 个（缺失：patents_share")


def test_training_rows_with_too_few_features_are_dropped() -> None:
    train = training().with_columns(
        pl.when(pl.col("row") == 1).then(None).otherwise(pl.col(f)).alias(f)
        for f in list(FEATURES)[:5]
    )
    model = NeighbourModel().fit(pl.DataFrame(), train)
    assert model.n_dropped_ == 1 and len(model.train_) == train.height - 1


def test_profile_features_share_and_missing_rules() -> None:
    summary = pl.DataFrame(
        {
            "subfield_id": ["a", "b", "c"],
            "as_of": ["2016-07-01"] * 3,
            "patents_cum": [75, 25, 0],
            "papers_cum": [10, 0, 0],
            "birth_year": [2001, None, None],
            "attention_vs_peak": [0.5, None, 1.0],
            "attention_growth": [0.2, None, float("nan")],
            "attention_latest": [10.0, None, 1.0],
            "patent_growth": [0.5, 0.1, None],
            "paper_growth": [0.1, None, None],
        }
    )
    p = {r["subfield_id"]: r for r in profile_features(summary).iter_rows(named=True)}
    assert p["a"]["year"] == 2016 and p["a"]["age"] == 15.0
    assert p["a"]["patents_share"] == 7500.0 and p["a"]["papers_share"] == 10_000.0
    assert p["b"]["papers_share"] == 0.0  # patents but no papers: a real 0
    assert p["c"]["patents_share"] is None and p["c"]["papers_share"] is None  # neither: unknown
    assert p["c"]["attention_growth"] is None  # NaN is missing, not a number
    assert p["a"]["patent_vs_paper_growth"] == pytest.approx(0.4)
    assert p["b"]["patent_vs_paper_growth"] is None


# -- the estimator interface -----------------------------------------------------------------
def test_registered_and_marked_as_learning_from_labels() -> None:
    assert MODELS["neighbours"] is NeighbourModel
    assert NeighbourModel.requires_labels
    assert not MODELS["snapshot"].requires_labels


def test_unfitted_model_raises() -> None:
    with pytest.raises(AssessError, match=r"not fitted yet: call fit\(\) first"):
        NeighbourModel().predict_profiles(query(CENTRES["peak"]))
    with pytest.raises(AssessError, match="learns from labelled rows"):
        NeighbourModel().fit(pl.DataFrame(), None)


def test_get_params_round_trip_and_set_params_forgets() -> None:
    model = NeighbourModel(
        k=7, features=("age", "papers_share"), scaling="standard", min_features=1
    )
    params = model.get_params()
    assert params["k"] == 7 and params["features"] == ("age", "papers_share")
    again = make_model("neighbours", params)
    assert isinstance(again, NeighbourModel) and again.get_params() == params
    assert repr(again) == repr(model)
    model.fit(pl.DataFrame(), training())
    assert hasattr(model, "train_")
    model.set_params(k=2)
    assert not hasattr(model, "train_")
    with pytest.raises(AssessError, match="not fitted"):
        model.predict_profiles(query(CENTRES["peak"]))
    with pytest.raises(AssessError, match="unknown parameter"):
        make_model("neighbours", {"neighbours": 3})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"features": ["hype"]}, "unknown feature"),
        ({"k": 0}, "k=0"),
        ({"scaling": "minmax"}, "scaling="),
        ({"weights": "rank"}, "weights="),
        ({"min_features": 9}, "min_features=9"),
        ({"clip": -1.0}, "clip="),
    ],
)
def test_bad_parameters_are_named(params: dict[str, Any], message: str) -> None:
    with pytest.raises(AssessError, match=message):
        NeighbourModel(**params).fit(pl.DataFrame(), training())


def test_assess_fits_on_plain_labels_as_of_the_summary() -> None:
    # Plain (subfield_id, phase) labels are read as of the summary's own date.
    rows = []
    for phase, centre in CENTRES.items():
        for i in range(3):
            c = jitter(centre, i + 10 * len(rows))
            rows.append(
                {
                    "subfield_id": f"{phase}-{i}",
                    "as_of": "2020-07-01",
                    "patents_cum": int(c["patents_share"] * 100),
                    "papers_cum": int(c["papers_share"] * 100),
                    "birth_year": 2020 - c["age"],
                    "attention_vs_peak": c["attention_vs_peak"],
                    "attention_growth": c["attention_growth"],
                    "attention_latest": c["attention_latest"],
                    "patent_growth": c["patent_vs_paper_growth"],
                    "paper_growth": 0.0,
                }
            )
    summary = pl.DataFrame(rows)
    labels = summary.select("subfield_id").with_columns(
        pl.col("subfield_id").str.replace(r"-\d+$", "").alias("phase")
    )
    frame = assess(summary, None, model="neighbours", params={"k": 3}, labels=labels)
    assert frame.height == summary.height
    # Each row's own label is among the training rows here (no hold-out: this is
    # fitting, not scoring), so every phase comes back.
    assert frame["phase"].to_list() == labels["phase"].to_list()
    reasons = json.loads(frame["reasons"][0])
    assert any(r["indicator"] == "neighbours" for r in reasons)
    with pytest.raises(AssessError, match="learns from labelled rows"):
        assess(summary, None, model="neighbours")


# -- held-out prediction in the backtest -----------------------------------------------------
def leaky_training() -> pl.DataFrame:
    """Technology "x" has two labelled years with nearly the same profile and a phase
    (plateau) no other technology has: only x's own other year could teach it."""
    rows = training().to_dicts()
    for i, year in enumerate((2014, 2015)):
        rows.append(
            {
                "row": 100 + i,
                "subfield_id": "x",
                "year": year,
                "phase": "plateau",
                "years_band": None,
                **{k: v * 1.25 for k, v in CENTRES["peak"].items()},
                "age": 10.0 + 0.1 * i,
            }
        )
    return pl.DataFrame(rows).filter(~pl.col("subfield_id").str.starts_with("plateau"))


def test_leave_one_out_excludes_the_same_technology() -> None:
    test = leaky_training()
    got = held_out_predictions("neighbours", {"k": 1}, test, None)
    assert set(got) == set(test["row"].to_list())
    for row in (100, 101):
        p = got[row]
        status, phase, note = p.status, p.phase, p.how
        assert status == "assessed"
        assert phase != "plateau"  # x's other year was not in the training fold
        assert note is not None and "leave-one-technology-out" in note
        assert f"{test.height - 2} rows of" in note
    # What leave-one-*row*-out would have done: x 2015 copies x 2014's label.
    fold = test.filter(pl.col("row") != 101)
    (a,) = (
        NeighbourModel(k=1)
        .fit(pl.DataFrame(), fold)
        .predict_profiles(test.filter(pl.col("row") == 101))
    )
    assert a.phase is Phase.PLATEAU


def test_transfer_uses_the_other_label_set() -> None:
    test = leaky_training().filter(pl.col("subfield_id") == "x")
    train = training()  # plateau technologies exist here, "x" does not
    got = held_out_predictions("neighbours", {"k": 1}, test, train)
    assert {v.phase for v in got.values()} == {"peak"}
    assert all("fitted on the training labels" in (v.how or "") for v in got.values())
    # The same technology in the training set is left out unless asked otherwise.
    with_x = pl.concat([train, leaky_training().filter(pl.col("row") == 100)])
    kept = held_out_predictions("neighbours", {"k": 1}, test, with_x, exclude_same_technology=False)
    dropped = held_out_predictions("neighbours", {"k": 1}, test, with_x)
    assert kept[101].phase == "plateau" and dropped[101].phase == "peak"


def test_no_other_technology_is_insufficient() -> None:
    test = leaky_training().filter(pl.col("subfield_id") == "x")
    got = held_out_predictions("neighbours", None, test, None)
    assert all(
        v.status == "insufficient" and "no other labelled rows" in (v.how or "")
        for v in got.values()
    )
