"""The backtest's parts: phase names as people write them, technology names, the
baselines fitted on training folds, the protocols, the metrics and the target."""

from __future__ import annotations

import math
import string
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from techcurve.assess.backtest import AgeOnlyBaseline, MajorityBaseline, Protocol, Target, folds
from techcurve.assess.backtest.protocols import fold_baselines
from techcurve.assess.label_files import load_label_map, resolve_label_names, resolve_labels
from techcurve.assess.phase_names import PHASE_SPELLINGS, parse_phase, phase_key
from techcurve.assess.scoring import (
    CalibrationBin,
    ScoredRow,
    agreement_interval,
    bootstrap_interval,
    calibration,
    log_loss,
    score,
    wilson_interval,
)
from techcurve.datatypes import Phase
from techcurve.errors import AssessError
from techcurve.taxonomy import load_taxonomy

BT = Path(__file__).parent / "data" / "backtest"


# -- phase names ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "phase"),
    [
        ("Innovation Trigger", "trigger"),
        ("Peak of Inflated Expectations", "peak"),
        ("Trough of Disillusionment", "trough"),
        ("Slope of Enlightenment", "slope"),
        ("Plateau of Productivity", "plateau"),
        ("innovation_trigger", "trigger"),
        ("peak-of-inflated-expectations", "peak"),
        ("TROUGH_OF_DISILLUSIONMENT", "trough"),
        ("the slope of enlightenment phase", "slope"),
        ("技术萌芽期", "trigger"),
        ("期望膨胀期", "peak"),
        ("过热期", "peak"),
        ("過熱期", "peak"),
        ("泡沫破裂低谷期", "trough"),
        ("稳步爬升复苏期", "slope"),
        ("生产成熟期", "plateau"),
        ("Ｐｅａｋ", "peak"),
        ("plateau", "plateau"),
    ],
)
def test_phase_names_in_common_spellings(text: str, phase: str) -> None:
    assert parse_phase(text) == Phase(phase)


@pytest.mark.parametrize("text", ["", "hype", "stage", "peak trough", "期望", "post-plateau"])
def test_phase_names_that_are_not_phases(text: str) -> None:
    assert parse_phase(text) is None


SPELLINGS = [(p, s) for p in Phase for s in (p.value, p.en, p.zh, *PHASE_SPELLINGS[p])]
SEPARATORS = st.sampled_from([" ", "_", "-", "  ", " - ", "\u3000", "·"])


@st.composite
def respelled(draw: st.DrawFn) -> tuple[Phase, str]:
    """A known spelling with its case, separators and width changed the way people do."""
    phase, name = draw(st.sampled_from(SPELLINGS))
    words = name.split(" ")
    sep = draw(SEPARATORS)
    text = sep.join(words)
    text = "".join(c.upper() if draw(st.booleans()) else c for c in text)
    if draw(st.booleans()):  # full width, as typed with a Chinese input method
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["The ", "the_"])) + text
    if draw(st.booleans()):
        text += draw(st.sampled_from([" phase", "_stage", "阶段"]))
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return phase, pad + text + pad


@given(respelled())
def test_phase_parser_accepts_respelled_names(case: tuple[Phase, str]) -> None:
    phase, text = case
    assert parse_phase(text) is phase


@given(st.text(alphabet=string.printable + "期萌芽峰谷熟", max_size=40))
def test_phase_parser_never_raises_and_keys_are_stable(text: str) -> None:
    got = parse_phase(text)
    assert got is None or isinstance(got, Phase)
    assert phase_key(phase_key(text)) == phase_key(text)  # folding is idempotent
    assert parse_phase(unicodedata.normalize("NFKC", text)) == got


def test_every_spelling_names_one_phase() -> None:
    keys: dict[str, Phase] = {}
    for phase, name in SPELLINGS:
        assert keys.setdefault(phase_key(name), phase) is phase, name


# -- technology names ------------------------------------------------------------------------
def subfields() -> pl.DataFrame:
    tax = load_taxonomy(None)
    return pl.DataFrame(
        {
            "subfield_id": [s.id for s in tax.subfields],
            "name_zh": [s.name_zh for s in tax.subfields],
            "name_en": [s.name_en for s in tax.subfields],
            "query": [s.query for s in tax.subfields],
        }
    )


def labels_of(*names: str) -> pl.DataFrame:
    return pl.DataFrame({"technology": list(names), "row": list(range(2, len(names) + 2))})


def test_technologies_by_id_name_alias_case_and_width() -> None:
    res = resolve_label_names(
        labels_of(
            "ar", "AUGMENTED REALITY", "Augmented reality (AR)", "增强现实", "ＶＲ", "物联网"
        ),
        subfields(),
    )
    assert res.labels["subfield_id"].to_list() == ["ar", "ar", "ar", "ar", "vr", "iot"]
    assert res.unknown == ()


def test_unknown_technologies_are_listed_once_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    lab = labels_of("ar", "Hover boards", "hover boards", "Cloud computting")
    res = resolve_label_names(lab, subfields())
    assert res.labels["technology"].to_list() == ["ar"]
    assert [(u.name, u.rows, u.closest) for u in res.unknown] == [
        ("Hover boards", (3, 4), ()),  # one entry for both spellings
        ("Cloud computting", (5,), ("public-cloud", "heterogeneous-computing", "edge-computing")),
    ]
    with caplog.at_level("WARNING"):
        kept = resolve_labels(lab, subfields(), strict=False)
    assert kept.height == 1 and "2 labelled technologies are not a sub-field" in caplog.text
    with pytest.raises(AssessError, match=r"row 3: 'Hover boards'"):
        resolve_labels(lab, subfields())


@pytest.mark.parametrize("name", ["label_map.yaml", "label_map.csv"])
def test_map_file_maps_other_names(name: str) -> None:
    mapping = load_label_map(BT / name)
    assert mapping["Hover boards"] in ("vr", "Virtual reality (VR)")
    res = resolve_label_names(labels_of("hover BOARDS", "ar"), subfields(), mapping)
    assert res.labels["subfield_id"].to_list() == ["vr", "ar"] and res.unknown == ()


def test_map_file_errors_say_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(AssessError, match="must be a mapping name: sub-field id"):
        load_label_map(bad)
    with pytest.raises(AssessError, match="does not exist"):
        load_label_map(BT / "none.yaml")
    with pytest.raises(AssessError, match=r"'X' → 'nowhere': the target is not a sub-field"):
        resolve_label_names(labels_of("X"), subfields(), {"X": "nowhere"})


# -- baselines -------------------------------------------------------------------------------------
def test_majority_baseline_learns_the_training_fold_only() -> None:
    m = MajorityBaseline().fit(["peak", "peak", "trough"])
    assert m.phase_ == "peak"
    assert m.probabilities_ == {
        "trigger": 1 / 8,
        "peak": 3 / 8,
        "trough": 2 / 8,
        "slope": 1 / 8,
        "plateau": 1 / 8,
    }
    assert MajorityBaseline().fit(["trough", "peak"]).phase_ == "peak"  # tie: earlier phase
    with pytest.raises(AssessError, match="not fitted"):
        MajorityBaseline().predict([1.0], "x")


def test_age_only_baseline_orders_phases_by_age() -> None:
    phases = ["trigger"] * 4 + ["peak"] * 4 + ["plateau"] * 4
    ages = [1.0, 2.0, 2.0, 3.0, 6.0, 7.0, 7.0, 8.0, 25.0, 30.0, 28.0, 27.0]
    m = AgeOnlyBaseline().fit(phases, ages)
    got = [p.phase for p in m.predict([1.5, 7.0, 29.0, None], "fold")]
    assert got == ["trigger", "peak", "plateau", "trigger"]  # no age: the majority (tie)
    probs = m.probabilities(29.0)
    assert math.isclose(sum(probs.values()), 1.0) and probs["plateau"] > 0.5
    none = AgeOnlyBaseline().fit(["peak", "slope", "slope"], [None, None, None])
    assert none.predict([3.0], "f")[0].phase == "slope"


def _frame(rows: list[tuple[int, str, str, int, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": [r[0] for r in rows],
            "subfield_id": [r[1] for r in rows],
            "phase": [r[2] for r in rows],
            "as_of": [pl.date(r[3], 7, 1) for r in rows],
            "age": [r[4] for r in rows],
        }
    ).with_columns(pl.col("as_of").cast(pl.Date))


LAB = pl.DataFrame(
    {
        "row": [2, 3, 4, 5, 6],
        "subfield_id": ["a", "a", "b", "c", "c"],
        "phase": ["trough", "trough", "peak", "peak", "slope"],
        "as_of": [f"{y}-07-01" for y in (2012, 2019, 2014, 2016, 2020)],
        "age": [3.0, 10.0, 5.0, 7.0, 11.0],
    }
).with_columns(pl.col("as_of").str.to_date())


def test_leave_one_technology_out_folds() -> None:
    fs = folds(Protocol("loto"), LAB)
    assert [(f.test["row"].to_list(), f.train["row"].to_list()) for f in fs] == [
        ([2, 3], [4, 5, 6]),
        ([4], [2, 3, 5, 6]),
        ([5, 6], [2, 3, 4]),
    ]
    assert fs[0].how == "leave-one-technology-out: 3 rows of 2 other technologies"
    # technology a's rows are predicted by the majority of b and c: peak, never trough
    got = fold_baselines(fs[0])["majority"]
    assert {r: p.phase for r, p in got.items()} == {2: "peak", 3: "peak"}


def test_temporal_split_fits_on_the_past() -> None:
    (f,) = folds(Protocol("temporal", 2018), LAB)
    assert f.train["row"].to_list() == [2, 4, 5] and f.test["row"].to_list() == [3, 6]
    assert f.how.startswith("temporal split: fitted on the labels dated up to 2018 (3 rows")
    assert folds(Protocol("temporal", 2020), LAB) == []  # nothing later to score


# -- metrics ---------------------------------------------------------------------------------------
def test_log_loss_and_calibration() -> None:
    labels = ["peak", "peak", "trough", "slope"]
    probs = [
        {"peak": 0.9, "trough": 0.1},
        {"peak": 0.5, "trough": 0.5},
        {"peak": 0.7, "trough": 0.3},
        {"trough": 1.0},
    ]
    expected = -(math.log(0.9) + math.log(0.5) + math.log(0.3) + math.log(1e-6)) / 4
    assert log_loss(labels, probs) == pytest.approx(expected)
    assert calibration(labels, probs) == (
        CalibrationBin(0.4, 0.6, 1, 0.5, 1.0),  # the tie goes to the earlier phase: peak
        CalibrationBin(0.6, 0.8, 1, 0.7, 0.0),
        CalibrationBin(0.8, 1.0, 2, 0.95, 0.5),
    )


def test_intervals_hold_wilson_and_the_bootstrap_over_technologies() -> None:
    hits = [True] * 6 + [False] * 6
    groups = ["a"] * 6 + ["b"] * 6  # two technologies, one all right, one all wrong
    w = wilson_interval(6, 12)
    b = bootstrap_interval(hits, groups)
    assert w is not None and b is not None
    assert b == (0.0, 1.0)  # resampling two technologies: all a, all b, or both
    assert agreement_interval(hits, groups) == (0.0, 1.0)
    spread = [f"t{i}" for i in range(12)]  # independent rows: Wilson is the wider
    lo, hi = agreement_interval(hits, spread)  # type: ignore[misc]
    assert lo <= w[0] and hi >= w[1]
    assert bootstrap_interval(hits, spread) == bootstrap_interval(hits, spread)  # seeded


def test_score_compares_baselines_on_the_rows_placed() -> None:
    rows = [
        ScoredRow(1, "a", "peak", "peak"),
        ScoredRow(2, "a", "trough", "trough"),
        ScoredRow(3, "b", "trough", None),
        ScoredRow(4, "c", "slope", "plateau"),
    ]
    maj = {
        i: ScoredRow(i, "x", lab, "peak")
        for i, lab in ((1, "peak"), (2, "trough"), (3, "trough"), (4, "slope"))
    }
    s = score("m", rows, {"majority": maj})
    assert (s.n_labels, s.n_assessed, s.coverage) == (4, 3, 0.75)
    assert s.exact == pytest.approx(2 / 3) and s.within_one == 1.0
    assert s.majority_same_rows == pytest.approx(1 / 3)  # rows 1, 2, 4 only
    assert s.gain_over_majority == pytest.approx(1 / 3)
    assert s.log_loss is None and s.calibration == ()
    assert s.confusion[2] == (0, 0, 1, 0, 0, 1)  # trough: one placed right, one n/a


def test_target_check() -> None:
    rows = [
        ScoredRow(i, f"t{i}", p, p) for i, p in enumerate(["trigger", "peak", "trough", "slope"])
    ]
    maj = {r.row: ScoredRow(r.row, r.group, r.label, "peak") for r in rows}
    s = score("m", rows, {"majority": maj})
    check = Target().check(s)
    assert check.reached and s.gain_over_majority == 0.75 and s.spearman == pytest.approx(1.0)
    low = score(
        "m",
        [*rows, ScoredRow(9, "t9", "peak", None), ScoredRow(10, "t10", "peak", None)],
        {"majority": maj},
    )
    assert Target().check(low).coverage_ok is False  # 4 of 6 placed < 70 %


def test_label_learnt_models_read_labels_as_users_write_them() -> None:
    from techcurve.assess.label_learnt import training_labels

    labels = BT / "labels_small.csv"
    with pytest.raises(AssessError, match=r"row 14: 'Hover boards'"):
        training_labels(subfields(), labels)  # strict by default: fitting needs every label
    kept = training_labels(subfields(), labels, strict=False)
    assert kept.height == 12 and kept["phase"].to_list()[:3] == ["peak", "trough", "slope"]
    mapped = training_labels(subfields(), labels, mapping=load_label_map(BT / "label_map.yaml"))
    assert mapped.height == 13 and mapped["subfield_id"].to_list()[-1] == "vr"
