"""The snapshot model and assess(): archetypes land in the phase the rules promise."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
import pytest

from techcurve.assess import (
    ASSESSMENT_SCHEMA,
    SnapshotModel,
    TimeSeriesModel,
    assess,
    assessments_to_frame,
    make_model,
)
from techcurve.assess.registry import requires_labels, resolve_models
from techcurve.assess.snapshot_settings import SnapshotSettings
from techcurve.datatypes import Assessment, Phase, Phrase, Reason, YearsBand
from techcurve.errors import AssessError

AS_OF = date(2022, 11, 24)

SUMMARY_SCHEMA: dict[str, Any] = {
    "subfield_id": pl.Utf8,
    "domain_id": pl.Utf8,
    "as_of": pl.Date,
    "patents_cum": pl.Float64,
    "papers_cum": pl.Float64,
    "birth_year": pl.Int32,
    "birth_evidence": pl.Utf8,
    "articles_total": pl.Float64,
    "opinion_index": pl.Float64,
    "fin_events": pl.Float64,
    "fin_amount_point_cny": pl.Float64,
    "fin_amount_low_cny": pl.Float64,
    "fin_amount_high_cny": pl.Float64,
    "attention_peak_year": pl.Int32,
    "attention_vs_peak": pl.Float64,
    "attention_growth": pl.Float64,
    "patent_growth": pl.Float64,
    "paper_growth": pl.Float64,
    "evidence_years": pl.Int32,
}


def row(sid: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subfield_id": sid,
        "domain_id": "ai",
        "as_of": AS_OF,
        "patents_cum": 1000.0,
        "papers_cum": 500.0,
        "birth_year": 2012,
        "birth_evidence": f"cnki:{sid}-first",
        "articles_total": 100.0,
        "opinion_index": 30.0,
        "fin_events": 2.0,
        "fin_amount_point_cny": 5e7,
        "fin_amount_low_cny": 1e7,
        "fin_amount_high_cny": 1e8,
        "attention_peak_year": 2022,
        "attention_vs_peak": 1.0,
        "attention_growth": 0.05,
        "patent_growth": 0.1,
        "paper_growth": 0.1,
        "evidence_years": 10,
    }
    base.update(kw)
    return base


# A background of ordinary sub-fields so the learnt quantiles mean something.
BACKGROUND = [
    row(
        f"bg{i}",
        patents_cum=p,
        opinion_index=o,
        birth_year=b,
        attention_vs_peak=0.8,
        attention_peak_year=2020,
        attention_growth=0.0,
    )
    for i, (p, o, b) in enumerate(
        [
            (50, 5, 2016),
            (150, 10, 2014),
            (400, 20, 2013),
            (900, 25, 2012),
            (2000, 30, 2011),
            (4000, 35, 2010),
            (7000, 40, 2009),
            (12000, 45, 2008),
            (20000, 55, 2006),
            (35000, 60, 2004),
        ]
    )
]

ARCHETYPES = {
    # young, few patents, low but fast-rising attention
    "young": row(
        "young",
        patents_cum=30,
        papers_cum=20,
        birth_year=2019,
        opinion_index=8,
        fin_events=1,
        attention_growth=0.6,
        patent_growth=0.8,
        evidence_years=4,
    ),
    # hot: top opinion index, attention at its own peak, still young
    "hot": row(
        "hot",
        patents_cum=600,
        birth_year=2017,
        opinion_index=100,
        fin_events=30,
        attention_growth=0.2,
    ),
    # attention at 40% of its 2017 peak, moderate patents
    "fallen": row(
        "fallen",
        patents_cum=3000,
        birth_year=2011,
        opinion_index=35,
        attention_peak_year=2017,
        attention_vs_peak=0.4,
        attention_growth=-0.1,
    ),
    # old, very many patents, stable attention
    "old": row(
        "old",
        patents_cum=80000,
        birth_year=1990,
        opinion_index=70,
        attention_peak_year=2015,
        attention_vs_peak=0.9,
        attention_growth=0.0,
    ),
    # mature patents, attention holding: slope without a trough
    "climbing": row(
        "climbing",
        patents_cum=10000,
        birth_year=2008,
        opinion_index=50,
        attention_peak_year=2019,
        attention_vs_peak=0.8,
        attention_growth=0.05,
    ),
    # nothing at all
    "empty": row(
        "empty",
        patents_cum=0,
        papers_cum=0,
        birth_year=None,
        articles_total=0,
        opinion_index=None,
        fin_events=0,
        fin_amount_point_cny=None,
        attention_peak_year=None,
        attention_vs_peak=None,
        attention_growth=None,
        evidence_years=0,
    ),
}


def summary(rows: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    rows = rows if rows is not None else BACKGROUND + list(ARCHETYPES.values())
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


@pytest.fixture(scope="module")
def placed() -> dict[str, Assessment]:
    s = summary()
    model = SnapshotModel().fit(s)
    return {a.subfield_id: a for a in model.predict(s)}


@pytest.mark.parametrize(
    ("sid", "phase"),
    [
        ("young", Phase.TRIGGER),
        ("hot", Phase.PEAK),
        ("fallen", Phase.TROUGH),
        ("climbing", Phase.SLOPE),
        ("old", Phase.PLATEAU),
    ],
)
def test_archetypes_land_in_their_phase(
    placed: dict[str, Assessment], sid: str, phase: Phase
) -> None:
    a = placed[sid]
    assert a.status == "assessed"
    assert a.phase is phase, [r.text() for r in a.reasons]


def test_positions_lie_inside_their_phase(placed: dict[str, Assessment]) -> None:
    for a in placed.values():
        if a.status != "assessed":
            continue
        assert a.position is not None and a.phase is not None
        lo, hi = a.phase.bounds
        assert lo <= a.position < hi
        assert Phase.at(a.position) is a.phase
        assert 0.0 <= a.confidence <= 1.0


def test_empty_evidence_is_insufficient_with_reasons(placed: dict[str, Assessment]) -> None:
    a = placed["empty"]
    assert a.status == "insufficient"
    assert (a.phase, a.position, a.years_band, a.confidence) == (None, None, None, 0.0)
    texts = [r.text() for r in a.reasons]
    assert texts == [
        "only 0 year(s) with any evidence, at least 3 needed: ingest a longer history",
        "no patents and no papers matched: maturity cannot be judged "
        "(check the sub-field's query or ingest patents/papers)",
        "no media articles, opinion index, attention series or financing: "
        "the hype side cannot be judged (ingest articles or attention counts)",
    ]


def test_short_history_alone_is_insufficient() -> None:
    s = summary(BACKGROUND + [row("short", evidence_years=2)])
    a = SnapshotModel().fit(s).predict(s)[-1]
    assert a.status == "insufficient" and a.phase is None
    assert [r.indicator for r in a.reasons] == ["evidence_years"]


def test_reasons_state_numbers(placed: dict[str, Assessment]) -> None:
    old = {r.indicator: r for r in placed["old"].reasons}
    assert old["patents_cum"].value == 80000
    assert (
        old["patents_cum"]
        .text()
        .startswith("cumulative patents 80,000 — top 20% of sub-fields (≥ ")
    )
    assert (
        old["birth_year"].text().startswith("born 1990, 32 years before 2022 (first record: cnki:")
    )
    fallen = {r.indicator: r for r in placed["fallen"].reasons}
    assert (
        fallen["attention_vs_peak"].text()
        == "attention at 40% of its 2017 peak — fallen below 60% of it"
    )
    assert fallen["rule"].value == "trough"
    assert "→ trough" in fallen["rule"].text()


def test_years_bands_follow_phase(placed: dict[str, Assessment]) -> None:
    assert placed["old"].years_band is YearsBand.LT2
    assert placed["young"].years_band is YearsBand.Y5_10  # patents +80%/yr, attention rising
    assert placed["hot"].years_band in (YearsBand.Y5_10, YearsBand.GT10)
    assert placed["fallen"].years_band is YearsBand.Y5_10


def test_peak_position_moves_right_after_the_peak() -> None:
    rising = row(
        "rising", patents_cum=600, birth_year=2017, opinion_index=100, attention_growth=0.5
    )
    after = row(
        "after",
        patents_cum=600,
        birth_year=2017,
        opinion_index=100,
        attention_peak_year=2021,
        attention_vs_peak=0.7,
        attention_growth=-0.2,
    )
    s = summary(BACKGROUND + [rising, after])
    res = {a.subfield_id: a for a in SnapshotModel().fit(s).predict(s)}
    assert res["rising"].phase is res["after"].phase is Phase.PEAK
    assert res["rising"].position < res["after"].position  # type: ignore[operator]


def test_fixed_thresholds_need_no_background() -> None:
    s = summary([ARCHETYPES["old"]])
    m = SnapshotModel(patents_low=1000, patents_high=10000, opinion_hot=60).fit(s)
    assert m.thresholds_.patents_high == 10000
    (a,) = m.predict(s)
    assert a.phase is Phase.PLATEAU
    assert "patents_unranked" not in " ".join(r.key for r in a.reasons)


def test_too_few_patents_to_learn_from_places_on_fixed_marks_and_says_so() -> None:
    s = summary([ARCHETYPES["old"]])
    m = SnapshotModel().fit(s)  # one sub-field with patents: nothing to learn marks from
    assert (m.thresholds_.patents_low, m.thresholds_.patents_high) == (10.0, 100.0)
    (a,) = m.predict(s)
    fixed = SnapshotModel(patents_low=10, patents_high=100).fit(s).predict(s)[0]
    assert a.phase is fixed.phase and a.position == fixed.position
    assert a.confidence == round(fixed.confidence * 0.8, 2)
    assert a.reasons[0].text("en") == (
        "only 1 sub-fields have patents (5 are needed to learn the patent marks): patents are "
        "judged against fixed marks 10/100 and the confidence is lowered; ingest patents, or "
        "set assess.snapshot.patents_low and patents_high in the config"
    )


def test_thresholds_are_learnt_quantiles() -> None:
    m = SnapshotModel().fit(summary(BACKGROUND))
    assert m.thresholds_.patents_low == pytest.approx(1560.0)  # 40% of 10 values
    assert m.thresholds_.patents_high == pytest.approx(13600.0)
    assert m.thresholds_.opinion_hot == pytest.approx(41.5)  # 70% quantile


def test_unfitted_model_raises() -> None:
    with pytest.raises(AssessError, match=r"not fitted yet: call fit\(\) first"):
        SnapshotModel().predict(summary())


def test_get_params_round_trip() -> None:
    m = SnapshotModel(trough_ratio=0.5, mature_age=15)
    params = m.get_params()
    assert params["trough_ratio"] == 0.5 and params["mature_age"] == 15
    assert SnapshotModel(**params).get_params() == params
    m.fit(summary())
    m.set_params(trough_ratio=0.55)
    assert not hasattr(m, "thresholds_")
    with pytest.raises(AssessError, match="call fit"):
        m.predict(summary())


def test_bad_parameters_are_named() -> None:
    with pytest.raises(AssessError, match=r"unknown parameter\(s\) trough for the snapshot model"):
        make_model("snapshot", {"trough": 0.5})
    with pytest.raises(
        AssessError, match=r"slope_maturity=0.8 must be below plateau_maturity=0.75"
    ):
        SnapshotModel(slope_maturity=0.8).fit(summary())
    with pytest.raises(
        AssessError, match=r"unknown model 'magic' \(expected one of: snapshot, timeseries\)"
    ):
        make_model("magic")


def test_missing_summary_columns_are_named() -> None:
    s = summary().drop("opinion_index", "evidence_years")
    with pytest.raises(AssessError, match="lacks column\\(s\\) opinion_index, evidence_years"):
        SnapshotModel().fit(s)


def test_assess_returns_the_assessments_table() -> None:
    s = summary()
    frame = assess(s, None)
    assert frame.schema == pl.Schema(ASSESSMENT_SCHEMA)
    assert frame.height == s.height
    assert frame["subfield_id"].to_list() == s["subfield_id"].to_list()
    assert set(frame["model"]) == {"snapshot"}
    assert set(frame["as_of"]) == {AS_OF}
    by = {r["subfield_id"]: r for r in frame.iter_rows(named=True)}
    assert by["old"]["phase"] == "plateau" and by["old"]["years_band"] == "<2"
    assert by["empty"]["status"] == "insufficient" and by["empty"]["phase"] is None
    reasons = json.loads(by["old"]["reasons"])
    assert list(reasons[0]) == ["indicator", "value", "text", "key", "values"]
    first = Reason.from_json(reasons[0])
    assert first.text() == reasons[0]["text"] and first.key == "reasons.snapshot.patents_cum"
    assert reasons[0]["indicator"] == "patents_cum"


def test_assess_params_and_as_of() -> None:
    s = summary()
    strict = assess(s, None, params={"trough_ratio": 0.3})
    assert strict.filter(pl.col("subfield_id") == "fallen")["phase"].item() != "trough"
    with pytest.raises(AssessError, match="computed as of 2022-11-24 but 2021-11-24 was asked for"):
        assess(s, None, as_of=date(2021, 11, 24))
    with pytest.raises(AssessError, match="summary table is empty"):
        assess(s.clear(), None)


def test_assessments_to_frame_serialises_reasons() -> None:
    why = Reason(
        "opinion_index",
        12.5,
        "reasons.snapshot.opinion_index",
        {"opinion": 12.5, "state": Phrase("reasons.snapshot.hot_state.below", {"hot": 40.0})},
    )
    a = Assessment("ar", "snapshot", Phase.TROUGH, 0.4, YearsBand.Y5_10, 0.6, (why,))
    f = assessments_to_frame([a], "2022-11-24")
    assert f.row(0) == (
        "ar",
        "snapshot",
        AS_OF,
        "assessed",
        "trough",
        0.4,
        "5-10",
        0.6,
        '[{"indicator": "opinion_index", "value": 12.5, '
        '"text": "opinion index 12.5 — below the hot mark 40.0", '
        '"key": "reasons.snapshot.opinion_index", "values": {"opinion": 12.5, '
        '"state": {"key": "reasons.snapshot.hot_state.below", "values": {"hot": 40.0}}}}]',
        None,  # probabilities: the snapshot model gives none
    )
    assert why.text("zh") == "舆论指数 12.5 — 低于热门线 40.0"
    assert Reason.from_json(json.loads(f["reasons"][0])[0]) == why
    assert assessments_to_frame([], AS_OF).schema == pl.Schema(ASSESSMENT_SCHEMA)


def test_models_share_one_interface() -> None:
    for cls in (SnapshotModel, TimeSeriesModel):
        m = cls()
        assert callable(m.fit) and callable(m.predict)
        assert cls(**m.get_params()).get_params() == m.get_params()


def test_snapshot_settings_from_config_and_as_one_object() -> None:
    cfg = SnapshotSettings.from_config({"trough_ratio": 0.5, "mature_age": 15})
    assert (cfg.trough_ratio, cfg.mature_age, cfg.faded_ratio) == (0.5, 15, 0.3)
    assert SnapshotSettings.from_config(None) == SnapshotSettings()
    m = SnapshotModel(cfg)
    assert m.settings is cfg and m.get_params() == cfg.as_dict()
    assert SnapshotModel(cfg, mature_age=25).settings.mature_age == 25
    with pytest.raises(AssessError, match="unknown parameter.s. trough for the snapshot model"):
        SnapshotSettings.from_config({"trough": 0.5})
    with pytest.raises(AssessError, match="slope_maturity=0.8 must be below plateau_maturity"):
        SnapshotSettings(slope_maturity=0.8).validate()
    with pytest.raises(AssessError, match="faded_ratio=0.7 must not exceed trough_ratio=0.6"):
        SnapshotSettings(faded_ratio=0.7).validate()


def test_registry_resolves_model_names() -> None:
    assert resolve_models("all") == ["snapshot", "timeseries", "neighbours", "learnt"]
    assert resolve_models(["timeseries"]) == ["timeseries"] and resolve_models("snapshot") == [
        "snapshot"
    ]
    assert requires_labels("neighbours") and not requires_labels("timeseries")
    with pytest.raises(AssessError, match=r"unknown model\(s\) \(none\) for the backtest"):
        resolve_models([])
    with pytest.raises(AssessError, match=r"unknown model\(s\) magic .*snapshot, timeseries"):
        resolve_models(["snapshot", "magic"])


def test_the_cli_s_model_names_are_the_registry_s() -> None:
    """The CLI's choices come from assess/model_names.py, so starting a command does not
    import the models; the names must stay those of the registry."""
    from techcurve.assess.model_names import LABEL_MODEL_NAMES, MODEL_NAMES
    from techcurve.assess.registry import MODELS

    assert tuple(MODELS) == MODEL_NAMES
    assert tuple(n for n, c in MODELS.items() if c.requires_labels) == LABEL_MODEL_NAMES


def test_every_reason_reads_in_both_languages(placed: dict[str, Assessment]) -> None:
    assert placed
    for a in placed.values():
        for r in a.reasons:
            en, zh = r.text("en"), r.text("zh")
            assert en and zh and en != zh and "{" not in en + zh, (r.key, en, zh)
            assert Reason.from_json(json.loads(json.dumps(r.to_json()))).text("zh") == zh
    fallen = {r.indicator: r for r in placed["fallen"].reasons}
    assert (
        fallen["attention_vs_peak"].text("zh") == "关注度为其 2017 年峰值的 40% — 已跌破峰值的 60%"
    )


def test_every_reason_key_the_models_name_is_in_the_catalogue() -> None:
    """Reason and phrase keys are built as ``_R + "name"`` (``_R`` the module's prefix,
    e.g. "reasons.snapshot."); each one must be in text/reasons.yaml in both languages.
    Keys joined from a conditional (``_R + ("a" if x else "b")``) count both branches."""
    import ast
    from pathlib import Path

    from techcurve.text import catalogue

    folder = Path(__file__).resolve().parent.parent / "src" / "techcurve" / "assess"
    named: set[str] = set()
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefix = next(
            (
                n.value.value
                for n in tree.body
                if isinstance(n, ast.Assign)
                and any(isinstance(x, ast.Name) and x.id == "_R" for x in n.targets)
                and isinstance(n.value, ast.Constant)
            ),
            None,
        )
        if prefix is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Name):
                if node.left.id != "_R":
                    continue
                right = node.right
                parts = [right.body, right.orelse] if isinstance(right, ast.IfExp) else [right]
                named |= {prefix + p.value for p in parts if isinstance(p, ast.Constant)}
    assert len(named) > 60
    dynamic = {
        k
        for k in catalogue()
        if k.startswith(
            (
                "reasons.neighbours.name.",
                "reasons.neighbours.feature.",
                "reasons.timeseries.series.",
            )
        )
    }
    complete = {k for k in named if not k.endswith(".")}
    assert not sorted(complete - set(catalogue())), sorted(complete - set(catalogue()))
    unused = {k for k in catalogue() if k.startswith("reasons.")} - named - dynamic
    assert not sorted(unused), sorted(unused)
