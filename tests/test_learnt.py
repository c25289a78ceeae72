"""The learnt model: it recovers phases from histories made of a hype bell plus a maturity
S-curve, and none of its features (nor its predictions) sees evidence after a label's date."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import techcurve.pipeline as tc
from techcurve.assess import assessments_to_frame
from techcurve.assess.evidence import Evidence
from techcurve.assess.learnt import LearntModel
from techcurve.assess.learnt_features import history_features
from techcurve.assess.profiles import labelled_profiles
from techcurve.assess.registry import make_model, requires_labels
from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import AssessError
from techcurve.store import Store

DATA = Path(__file__).parent / "data"


# -- synthetic histories ----------------------------------------------------------------------
#: years from the hype peak → the phase an analyst would give (Fenn & Raskino's two curves:
#: the attention bell peaks at P, the maturity S-curve's midpoint is 6 years later)
def phase_at(years_from_peak: int) -> Phase:
    if years_from_peak <= -3:
        return Phase.TRIGGER
    if years_from_peak <= 1:
        return Phase.PEAK
    if years_from_peak <= 5:
        return Phase.TROUGH
    if years_from_peak <= 10:
        return Phase.SLOPE
    return Phase.PLATEAU


def synthetic_indicators(n: int, seed: int) -> tuple[pl.DataFrame, dict[str, int]]:
    """Per-year indicators of ``n`` technologies: attention and articles = a bell (peak at
    P, width 2.5 years) + 0.3 × the S-curve; papers = an S-curve of yearly output with its
    midpoint at P + 6, patents the same two years later; multiplicative noise of 15 %.
    Returns the frame and each technology's peak year P."""
    rng = np.random.default_rng(seed)
    years = np.arange(1985, 2031)
    rows = []
    peaks: dict[str, int] = {}
    for i in range(n):
        sid = f"tech{i:02d}"
        peak = int(rng.integers(1998, 2016))
        peaks[sid] = peak
        size = float(rng.uniform(0.5, 3.0))
        bell = np.exp(-(((years - peak) / 2.5) ** 2))
        s_papers = 1 / (1 + np.exp(-(years - peak - 6) / 1.5))
        s_patents = 1 / (1 + np.exp(-(years - peak - 8) / 1.5))
        start = peak - 6 - int(rng.integers(0, 4))

        def noisy(x: np.ndarray) -> np.ndarray:
            return x * np.exp(rng.normal(0, 0.15, x.size))

        att = noisy(60 * (bell + 0.3 * s_papers)) * size
        art = noisy(200 * (bell + 0.3 * s_papers)) * size
        pap = noisy(500 * s_papers) * size
        pat = noisy(300 * s_patents) * size
        for j, y in enumerate(years):
            if y < start:
                continue
            rows.append(
                {
                    "subfield_id": sid,
                    "year": int(y),
                    "patents": round(float(pat[j])),
                    "papers": round(float(pap[j])),
                    "articles": round(float(art[j])),
                    "attention": float(att[j]),
                }
            )
    return pl.DataFrame(rows), peaks


def synthetic_profiles(ind: pl.DataFrame, peaks: dict[str, int], years: range) -> pl.DataFrame:
    """One labelled profile per technology and label year: the history features as of the
    end of that year, and the phase :func:`phase_at` gives."""
    parts = []
    for year in years:
        feats = history_features(ind, date(year, 12, 31))
        labels = pl.DataFrame(
            {
                "subfield_id": list(peaks),
                "year": [year] * len(peaks),
                "phase": [phase_at(year - p).value for p in peaks.values()],
            }
        )
        parts.append(labels.join(feats, on="subfield_id", how="left"))
    # a technology is labelled once it has some evidence
    return pl.concat(parts).filter(pl.col("h.all.breadth") > 0)


@pytest.mark.parametrize("learner", ["ordinal", "multinomial"])
def test_learnt_recovers_phases_of_bell_plus_s_histories(learner: str) -> None:
    train_ind, train_peaks = synthetic_indicators(40, seed=1)
    test_ind, test_peaks = synthetic_indicators(20, seed=2)
    train = synthetic_profiles(train_ind, train_peaks, range(2000, 2031, 3))
    test = synthetic_profiles(test_ind, test_peaks, range(2001, 2031, 4))
    model = LearntModel(threshold=0.0, learner=learner).fit(pl.DataFrame(), train)
    got = model.predict_profiles(test)
    truth = test["phase"].to_list()
    placed = [(a.phase.value, want) for a, want in zip(got, truth, strict=True) if a.phase]
    exact = sum(p == w for p, w in placed) / len(placed)
    within_one = sum(abs(Phase(p).order - Phase(w).order) <= 1 for p, w in placed) / len(placed)
    assert len(placed) == test.height == 148
    # ordinal 142 of 148, multinomial 144 of 148 (scikit-learn 1.9)
    assert exact >= 0.95, exact
    assert within_one == 1.0, within_one
    # every phase is recovered for most of its rows
    for phase in Phase:
        rows = [(p, w) for p, w in placed if w == phase.value]
        assert sum(p == w for p, w in rows) / len(rows) >= 0.6, (phase, rows)
    # the probabilities are a distribution over the five phases, the top one is the phase
    for a in got:
        assert a.probabilities is not None and set(a.probabilities) == {p.value for p in Phase}
        assert math.isclose(sum(a.probabilities.values()), 1.0, abs_tol=1e-3)
        assert max(a.probabilities, key=a.probabilities.__getitem__) == a.phase.value
        assert math.isclose(a.confidence, max(a.probabilities.values()), abs_tol=1e-3)
        assert Phase.at(a.position) is a.phase
        assert a.years_band is not None


def test_learnt_reasons_are_catalogue_sentences_with_numbers() -> None:
    ind, peaks = synthetic_indicators(30, seed=3)
    train = synthetic_profiles(ind, peaks, range(2000, 2031, 3))
    model = LearntModel(threshold=0.0, show=3).fit(pl.DataFrame(), train)
    (a,) = model.predict_profiles(train.head(1))
    keys = [r.key for r in a.reasons]
    assert keys[0] == "learnt.probabilities"
    assert keys[1:4] == ["learnt.feature"] * 3
    assert keys[4:] == ["learnt.fitted", "learnt.band.rule"] or keys[4:] == [
        "learnt.fitted",
        "learnt.band.obsolete",
    ]
    feature = a.reasons[1]
    assert feature.indicator.startswith("h.")
    assert "pulls toward" in feature.text("en") and "推向" in feature.text("zh")
    assert a.reasons[0].text("zh").startswith("各阶段概率：技术萌芽期 ")
    fitted = a.reasons[4]
    assert fitted.text("en").startswith(f"learnt from {train.height} expert placements of 30 ")


# -- no feature sees evidence after the label's date --------------------------------------------
def test_history_features_ignore_evidence_after_the_date() -> None:
    ind, _ = synthetic_indicators(12, seed=4)
    as_of = date(2010, 7, 1)  # the last complete year is 2009
    before = history_features(ind, as_of)
    rng = np.random.default_rng(5)
    later = pl.col("year") >= 2010
    changed = ind.with_columns(
        pl.when(later).then(pl.col(c) * 1000 + 7).otherwise(pl.col(c)).alias(c)
        for c in ("patents", "papers", "articles")
    ).with_columns(
        pl.when(later)
        .then(pl.Series(rng.uniform(0, 1e6, ind.height)))
        .otherwise(pl.col("attention"))
        .alias("attention")
    )
    # a new sub-field and a new evidence kind, both only after the date
    extra = pl.DataFrame(
        {"subfield_id": ["late"], "year": [2012], "patents": [10**6], "papers": [10**6]}
    )
    changed = pl.concat([changed, extra], how="diagonal_relaxed")
    after = history_features(changed, as_of, ids=before["subfield_id"].to_list())
    assert after.equals(before)
    # a change up to the date does change them (the test can fail)
    earlier = ind.with_columns(
        pl.when(pl.col("year") == 2009).then(pl.col("papers") * 5).otherwise(pl.col("papers"))
    )
    assert not history_features(earlier, as_of).equals(before)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("learnt") / "t.duckdb"
    tc.init(db)
    tc.ingest_counts(
        db, [DATA / "assess" / "paper_dict.json", DATA / "assess" / "patent_dict.json"]
    )
    tc.ingest_counts(db, [DATA / "counts" / "hn_whoishiring_terms_monthly.csv"])
    tc.match(db)
    return db


LABELS = pl.DataFrame(
    {
        "row": [1, 2, 3, 4, 5, 6],
        "technology": ["ar", "vr", "iot", "quantum-computing", "ar", "iot"],
        "subfield_id": ["ar", "vr", "iot", "quantum-computing", "ar", "iot"],
        "year": [2014, 2014, 2014, 2014, 2012, 2012],
        "as_of": [date(2014, 7, 1)] * 4 + [date(2012, 7, 1)] * 2,
        "phase": ["trough", "slope", "peak", "trigger", "peak", "trigger"],
        "years_band": [None, None, "5-10", None, None, None],
        "uncertain": [False] * 6,
        "source": ["s"] * 6,
    }
)


def test_labelled_profiles_and_predictions_ignore_evidence_after_the_label_date(
    store: Path,
) -> None:
    with Store.open(store, read_only=True) as st:
        ev = Evidence.from_store(st)
    # every count row after mid-2014 multiplied, and rows added for 2015–2016
    counts = ev.counts
    late = counts.filter(pl.col("year") >= 2014).with_columns(pl.col("count") * 97 + 3)
    added = counts.filter(pl.col("year") == 2013).with_columns(pl.col("year") + 3)
    changed = dataclasses.replace(
        ev,
        counts=pl.concat(
            [counts.filter(pl.col("year") < 2014), late, added], how="vertical_relaxed"
        ),
    )
    feats = [c for c in labelled_profiles(ev, LABELS).columns if c.startswith("h.")]
    assert "h.papers.growth" in feats and "h.attention.from_peak" in feats
    before = labelled_profiles(ev, LABELS).select("row", *feats)
    after = labelled_profiles(changed, LABELS).select("row", *feats)
    assert after.equals(before)
    train = labelled_profiles(ev, LABELS)
    model = LearntModel(threshold=0.0).fit(pl.DataFrame(), train.filter(pl.col("row") > 1))
    p_before = model.predict_profiles(train.filter(pl.col("row") == 1))
    p_after = model.predict_profiles(labelled_profiles(changed, LABELS).filter(pl.col("row") == 1))
    assert p_after == p_before


# -- the model in the registry, the store and the backtest ---------------------------------------
def test_learnt_is_registered_as_a_model_fitted_on_labels() -> None:
    model = make_model("learnt", {"c": 0.5, "threshold": 0.4})
    assert isinstance(model, LearntModel) and requires_labels("learnt")
    with pytest.raises(AssessError, match="parameter c is -1"):
        LearntModel(c=-1).fit(pl.DataFrame(), LABELS)
    with pytest.raises(AssessError, match="parameter learner is 'boosted' .*multinomial | ordinal"):
        LearntModel(learner="boosted").fit(pl.DataFrame(), LABELS)
    with pytest.raises(AssessError, match="fitted on labels"):
        LearntModel().fit(pl.DataFrame(), None)


def test_threshold_is_calibrated_to_keep_the_coverage() -> None:
    ind, peaks = synthetic_indicators(30, seed=6)
    train = synthetic_profiles(ind, peaks, range(2000, 2031, 3))
    model = LearntModel(min_coverage=0.9).fit(pl.DataFrame(), train)
    got = model.predict_profiles(train)
    placed = sum(a.status == "assessed" for a in got)
    assert 0 < model.threshold_ < 1
    assert placed / len(got) >= 0.85
    model = LearntModel(threshold=0.99).fit(pl.DataFrame(), train)
    abstained = [a for a in model.predict_profiles(train) if a.status == "insufficient"]
    assert abstained and abstained[0].reasons[-1].key == "learnt.abstain"
    assert abstained[0].probabilities is not None and abstained[0].phase is None


def test_probabilities_are_stored_as_json() -> None:
    ind, peaks = synthetic_indicators(10, seed=7)
    train = synthetic_profiles(ind, peaks, range(2000, 2031, 5))
    a = LearntModel(threshold=0.0).fit(pl.DataFrame(), train).predict_profiles(train.head(1))[0]
    frame = assessments_to_frame([a], "2024-01-01")
    assert frame.columns[-1] == "probabilities"
    assert json.loads(frame["probabilities"][0]) == dict(a.probabilities or {})
    other = dataclasses.replace(a, probabilities=None)
    assert assessments_to_frame([other], "2024-01-01")["probabilities"][0] is None


def test_backtest_and_assess_labelled_run_the_learnt_model(store: Path, tmp_path: Path) -> None:
    from techcurve.assess.backtest import backtest

    with Store.open(store, read_only=True) as st:
        ev = Evidence.from_store(st)
    res = backtest(ev, LABELS, models="learnt")
    assert [s.model for s in res.scores] == ["learnt", "majority", "age-only"]
    learnt = res.predictions.filter(pl.col("model") == "learnt")
    assert learnt.height == 6
    assert all("leave-one-technology-out" in n for n in learnt["note"].to_list())
    tc.compute(store, as_of=date(2016, 12, 31))
    csv = tmp_path / "labels.csv"
    csv.write_text(
        "technology,year,phase,years_to_plateau,as_of,source\n"
        + "".join(
            f"{r['technology']},{r['year']},{r['phase']},{r['years_band'] or ''},{r['as_of']},s\n"
            for r in LABELS.iter_rows(named=True)
        ),
        encoding="utf-8",
    )
    # three labelled rows with evidence, of two technologies: too few to calibrate on
    config = tmp_path / "config.yaml"
    config.write_text("assess:\n  learnt:\n    threshold: 0.0\n", encoding="utf-8")
    frame = tc.assess_labelled(store, labels=csv, model="learnt", config=config)
    assert set(frame["model"].to_list()) == {"learnt"}
    placed = frame.filter(pl.col("status") == "assessed")
    assert placed.height > 0
    assert placed["probabilities"].null_count() == 0
    assert {YearsBand(b) for b in placed["years_band"].to_list()} <= set(YearsBand)


def test_store_reads_probabilities_and_older_stores_without_them(tmp_path: Path) -> None:
    from techcurve.store.assessments import assessment_probabilities, write_assessments

    ind, peaks = synthetic_indicators(10, seed=8)
    train = synthetic_profiles(ind, peaks, range(2000, 2031, 5))
    got = LearntModel(threshold=0.0).fit(pl.DataFrame(), train).predict_profiles(train.head(2))
    frame = assessments_to_frame(got, "2024-01-01")
    db = tmp_path / "p.duckdb"
    tc.init(db)
    with Store.open(db) as st:
        assert assessment_probabilities(st) == {}
        write_assessments(st, frame.drop("probabilities"), model="learnt", params={})
        assert assessment_probabilities(st) == {}  # a store from before the column
        write_assessments(st, frame, model="learnt", params={})
        probs = assessment_probabilities(st)
    assert probs[(got[0].subfield_id, "learnt")] == dict(got[0].probabilities or {})


def test_years_band_is_learnt_when_enough_labels_give_one() -> None:
    ind, peaks = synthetic_indicators(30, seed=9)
    train = synthetic_profiles(ind, peaks, range(2000, 2031, 3))
    band = {"trigger": ">10", "peak": "5-10", "trough": "5-10", "slope": "2-5", "plateau": "<2"}
    train = train.with_columns(pl.col("phase").replace_strict(band).alias("years_band"))
    model = LearntModel(threshold=0.0, band_min_labels=30).fit(pl.DataFrame(), train)
    assert model.band_model_ is not None
    got = model.predict_profiles(train)
    assert {r.key for a in got for r in a.reasons if r.indicator == "years_band"} == {
        "learnt.band.learnt"
    }
    agree = sum(a.years_band.value == b for a, b in zip(got, train["years_band"], strict=True))
    assert agree / len(got) >= 0.9
    # too few labels with a band: the band follows the phase probabilities instead
    rule = LearntModel(threshold=0.0, band_min_labels=10_000).fit(pl.DataFrame(), train)
    assert rule.band_model_ is None
    a = rule.predict_profiles(train.head(1))[0]
    assert a.reasons[-1].key in ("learnt.band.rule", "learnt.band.obsolete")
