"""``explain``: the model's and the final (expert) placement, the phase probabilities, the
reasons in the reader's language and the records by title, source and date — never an id,
and never a title read as Rich markup."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from techcurve.assess import Override, apply_overrides, assessments_to_frame
from techcurve.datatypes import Assessment, Phase, Phrase, Reason, YearsBand
from techcurve.errors import AssessError
from techcurve.pipeline import explain
from techcurve.pipeline.explain import Placement
from techcurve.render.curve.uncertainty import phase_probabilities
from techcurve.store import Store, init_store
from techcurve.store.assessments import write_assessments

REASONS = (
    Reason(
        "birth_year",
        2016,
        "reasons.snapshot.birth_year",
        {
            "birth": 2016,
            "age": 10,
            "year": 2026,
            "source": Phrase("reasons.snapshot.first_record", {"record": "cnki:p1"}),
            "mature_age": 20,
        },
    ),
    Reason("hype", 0.5, "reasons.snapshot.hype", {"hype": 0.5, "hot": 0.7}),
    Reason("years_band", ">10", "reasons.snapshot.band.trigger"),
)


def _write(tmp_path: Path, *, with_probabilities: bool) -> Path:
    db = init_store(tmp_path / "tc.duckdb")
    with Store.open(db) as st:
        st.append(
            "subfields",
            pl.DataFrame(
                {
                    "subfield_id": ["vr"],
                    "domain_id": ["interaction"],
                    "name_zh": ["虚拟现实"],
                    "name_en": ["Virtual reality"],
                    "query": ["VR OR 虚拟现实"],
                    "definition": [""],
                }
            ),
        )
        st.append(
            "records",
            pl.DataFrame(
                {
                    "record_id": ["ruanyf:r1", "cnki:p1"],
                    "kind": ["article", "paper"],
                    "source": ["ruanyf_weekly", "cnki"],
                    "title": ["Why [/red] VR [article] failed", "虚拟现实技术综述"],
                    "date": [date(2024, 5, 1), date(2016, 1, 1)],
                    "date_precision": ["month", "year"],
                    "year": [2024, 2016],
                }
            ),
        )
        st.append(
            "matches",
            pl.DataFrame(
                {"record_id": ["ruanyf:r1", "cnki:p1"], "subfield_id": ["vr", "vr"]},
            ).with_columns(terms=pl.lit("VR")),
        )
        model = Assessment(
            "vr", "snapshot", Phase.TROUGH, 0.192, YearsBand.GT10, 0.62, reasons=REASONS
        )
        frame = assessments_to_frame([model], date(2026, 6, 30))
        expert = Override(
            "vr",
            Phase.SLOPE,
            0.455,
            YearsBand.Y2_5,
            "Li Wei",
            date(2026, 7, 1),
            "headsets [/red] sell",
        )
        frame = apply_overrides(frame, [expert])
        if with_probabilities:
            probs = {"trough": 0.6, "slope": 0.3, "peak": 0.1}
            frame = frame.with_columns(probabilities=pl.lit(json.dumps(probs)))
        write_assessments(st, frame, model="snapshot", params={})
    return db


def _cli(db: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "techcurve", "--db", str(db), "explain", "vr", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


EXPECTED_EN = """\
虚拟现实 / Virtual reality (vr, interaction)
query: VR OR 虚拟现实

snapshot (model): Trough of Disillusionment, position 0.192, years to plateau more than 10 years, confidence 0.62
  final (expert override): Slope of Enlightenment, position 0.455, years to plateau 2 to 5 years
  expert Li Wei (2026-07-01): headsets [/red] sell
  phase probabilities: Peak of Inflated Expectations 10%, Trough of Disillusionment 60%, Slope of Enlightenment 30%
  • born 2016, 10 years before 2026 (first record: “虚拟现实技术综述” (CNKI, 2016)); age counts fully from 20 years
  • hype level 0.50 (hot from 0.7)
  • at the trigger → >10 years

records behind it:
  2024-05 [article] Why [/red] VR [article] failed (Ruan Yifeng's tech weekly) ← VR
  2016 [paper] 虚拟现实技术综述 (CNKI) ← VR
"""

EXPECTED_ZH = """\
虚拟现实 / Virtual reality (vr, interaction)
检索式：VR OR 虚拟现实

snapshot（模型）：泡沫破裂低谷期，位置 0.192，距生产成熟期 10年以上，置信度 0.62
  最终（专家修订）：稳步爬升复苏期，位置 0.455，距生产成熟期 2–5年
  专家 Li Wei（2026-07-01）：headsets [/red] sell
  • 诞生于 2016 年，距 2026 年 10 年（最早记录：《虚拟现实技术综述》（CNKI 中国知网，2016））；年龄满 20 年即计满
  • 热度 0.50（0.7 起为热门）
  • 处于萌芽期 → 超过 10 年

背后的记录：
  2024-05 [文章] Why [/red] VR [article] failed（阮一峰《科技爱好者周刊》）← VR
  2016 [论文] 虚拟现实技术综述（CNKI 中国知网）← VR
"""


def test_explain_prints_model_final_expert_probabilities_reasons_and_records(
    tmp_path: Path,
) -> None:
    db = _write(tmp_path, with_probabilities=True)
    assert _cli(db, "--lang", "en") == EXPECTED_EN


def test_explain_in_chinese_without_probabilities(tmp_path: Path) -> None:
    db = _write(tmp_path, with_probabilities=False)
    assert _cli(db, "--lang", "zh") == EXPECTED_ZH


def test_explain_result_is_typed_and_json_keeps_its_keys(tmp_path: Path) -> None:
    db = _write(tmp_path, with_probabilities=True)
    res = explain(db, "vr", lang="en")
    (a,) = res.assessments
    assert a.model_placement == Placement(Phase.TROUGH, 0.192, YearsBand.GT10)
    assert a.final == Placement(Phase.SLOPE, 0.455, YearsBand.Y2_5)
    assert a.expert is not None and a.expert.who == "Li Wei"
    assert a.probabilities == ((Phase.PEAK, 0.1), (Phase.TROUGH, 0.6), (Phase.SLOPE, 0.3))
    out = res.to_json()
    assert set(out) == {"subfield", "summary", "assessments", "sample_records"}
    row = out["assessments"][0]
    assert (row["model"], row["position"], row["final_position"]) == ("snapshot", 0.192, 0.455)
    assert row["probabilities"] == {"peak": 0.1, "trough": 0.6, "slope": 0.3}
    assert row["reasons_text"][2] == "at the trigger → >10 years"
    assert [r["title"] for r in out["sample_records"]] == [
        "Why [/red] VR [article] failed",
        "虚拟现实技术综述",
    ]
    json.dumps(out, default=str)  # plain data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ("not json", ()),
        ('{"plateau": 0.2, "trigger": 0.8}', ((Phase.TRIGGER, 0.8), (Phase.PLATEAU, 0.2))),
        ({"peak": 1.0, "nonsense": 0.5}, ((Phase.PEAK, 1.0),)),
    ],
)
def test_probabilities_are_read_defensively(raw: object, expected: object) -> None:
    assert phase_probabilities(raw) == expected


@pytest.mark.parametrize("name", ["vr", "虚拟现实", "Virtual Reality", " virtual-reality ", "ＶＲ"])
def test_explain_finds_a_subfield_by_id_name_or_alias(tmp_path: Path, name: str) -> None:
    db = _write(tmp_path, with_probabilities=False)
    assert explain(db, name, lang="zh").subfield.subfield_id == "vr"


def test_explain_names_close_ids_for_an_unknown_name(tmp_path: Path) -> None:
    db = _write(tmp_path, with_probabilities=False)
    with pytest.raises(AssessError) as err:
        explain(db, "现实", lang="zh")
    assert err.value.message("zh") == "没有 ID 为 '现实' 的子领域（是否指：vr？）"
