"""Expert overrides: validation messages name file, line, entry and field; side-by-side output."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from techcurve.assess import Override, apply_overrides, assess, assessments_to_frame, load_overrides
from techcurve.datatypes import Assessment, Phase, YearsBand
from techcurve.errors import AssessError

GOOD = """\
overrides:
  - id: quantum-computing      # sub-field id
    phase: trigger
    who: Jane Doe
    when: 2022-11-30
    why: "Financing is hype; no production use yet."
  - id: ar
    position: 0.5
    years: "5-10"
    who: 李雷
    when: "2022-12-01"
    why: 消费级AR尚无现象级产品
  - id: vr
    years: ">10"
    who: Jane Doe
    when: 2022-11-30
    why: "Headsets still niche."
"""

KNOWN = {"quantum-computing", "ar", "vr", "5g"}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "overrides.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def entry(**fields: object) -> str:
    base: dict[str, object] = {
        "id": "ar",
        "phase": "trough",
        "who": "Jane Doe",
        "when": "2022-11-30",
        "why": "because",
    }
    base.update(fields)
    lines = ["overrides:"]
    first = True
    for k, v in base.items():
        if v is None:
            continue
        lines.append(("  - " if first else "    ") + f"{k}: {v}")
        first = False
    return "\n".join(lines) + "\n"


def test_load_good_file(tmp_path: Path) -> None:
    ovs = load_overrides(write(tmp_path, GOOD), known_ids=KNOWN)
    assert [o.subfield_id for o in ovs] == ["quantum-computing", "ar", "vr"]
    qc, ar, vr = ovs
    assert qc.phase is Phase.TRIGGER and qc.position is None and qc.when == date(2022, 11, 30)
    assert qc.line == 2 and qc.why == "Financing is hype; no production use yet."
    assert ar.phase is Phase.TROUGH  # implied by position 0.5
    assert ar.position == 0.5 and ar.years_band is YearsBand.Y5_10 and ar.who == "李雷"
    assert vr.phase is None and vr.years_band is YearsBand.GT10


def test_empty_file_means_no_overrides(tmp_path: Path) -> None:
    assert load_overrides(write(tmp_path, "")) == []
    assert load_overrides(write(tmp_path, "overrides:\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            entry(phase="hype"),
            ":3: override #1 (ar), field 'phase': unknown phase 'hype' (expected one of: "
            "trigger (技术萌芽期), peak (期望膨胀期), trough (泡沫破裂低谷期), "
            "slope (稳步爬升复苏期), plateau (生产成熟期))",
        ),
        (
            entry(why=None),
            ":2: override #1 (ar), field 'why': missing 'why': every override needs its rationale",
        ),
        (
            entry(why='""'),
            ":6: override #1 (ar), field 'why': missing 'why': every override needs its rationale",
        ),
        (
            entry(position=1.5),
            ":7: override #1 (ar), field 'position': position 1.5 is outside 0–1",
        ),
        (
            entry(phase="trigger", position=0.5),
            ":7: override #1 (ar), field 'position': position 0.5 lies in trough (0.36–0.55), "
            "not in trigger (0.00–0.17): change one so they agree",
        ),
        (
            entry(id="quantum-computin"),
            ":2: override #1 (quantum-computin), field 'id': unknown sub-field id "
            "'quantum-computin' (did you mean: quantum-computing?)",
        ),
        (
            entry(years="3-4"),
            ":7: override #1 (ar), field 'years': unknown years-to-plateau band '3-4' "
            "(expected one of: <2, 2-5, 5-10, >10, obsolete)",
        ),
        (
            entry(phase=None),
            ":2: override #1 (ar): give at least one of 'phase', 'position' or 'years'",
        ),
        (
            entry(reason="typo"),
            ":7: override #1 (ar), field 'reason': unknown key(s) reason "
            "(allowed: id, phase, position, years, who, when, why)",
        ),
        (
            entry(when="last week"),
            ":5: override #1 (ar), field 'when': when 'last week' is not a date (expected YYYY-MM-DD)",
        ),
        ("- id: ar\n", ":1: expected a top-level key 'overrides:' holding a list of entries"),
        ("overrides: [\n", ":2: not valid YAML"),
    ],
)
def test_validation_errors(tmp_path: Path, text: str, message: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(AssessError) as e:
        load_overrides(p, known_ids=KNOWN)
    msg = str(e.value)
    assert msg.startswith(str(p) + message), msg


def test_second_entry_is_numbered_and_context_kept(tmp_path: Path) -> None:
    text = GOOD + "  - id: 5g\n    phase: Peak\n    who: X\n    when: 2022-01-01\n"
    p = write(tmp_path, text)
    with pytest.raises(AssessError) as e:
        load_overrides(p, known_ids=KNOWN)
    assert str(e.value) == (
        f"{p}:18: override #4 (5g), field 'why': missing 'why': every override needs its rationale"
    )
    assert (e.value.entry, e.value.field, e.value.line) == (4, "why", 18)  # type: ignore[attr-defined]


def test_duplicate_ids(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        GOOD + "  - id: ar\n    phase: peak\n    who: X\n    when: 2022-01-01\n    why: y\n",
    )
    with pytest.raises(
        AssessError, match=r"sub-field 'ar' is overridden twice \(entries #2 at line 7 and #4\)"
    ):
        load_overrides(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AssessError, match=r"overrides file .*nope.yaml does not exist"):
        load_overrides(tmp_path / "nope.yaml")


def frame() -> pl.DataFrame:
    rows = [
        Assessment("quantum-computing", "snapshot", Phase.PLATEAU, 0.9, YearsBand.LT2, 0.5),
        Assessment("ar", "snapshot", Phase.TROUGH, 0.4, YearsBand.Y2_5, 0.5),
        Assessment("vr", "snapshot", Phase.SLOPE, 0.6, YearsBand.Y2_5, 0.5),
        Assessment("5g", "snapshot", Phase.SLOPE, 0.7, YearsBand.Y2_5, 0.5),
        Assessment("bci", "snapshot", None, None, None, 0.0, status="insufficient"),
    ]
    return assessments_to_frame(rows, date(2022, 11, 24))


def ov(sid: str, **kw: object) -> Override:
    base: dict[str, object] = dict(
        subfield_id=sid,
        phase=None,
        position=None,
        years_band=None,
        who="J",
        when=date(2022, 1, 1),
        why="w",
    )
    base.update(kw)
    return Override(**base)  # type: ignore[arg-type]


def test_apply_side_by_side_and_disagreement(tmp_path: Path) -> None:
    before = frame()
    out = apply_overrides(before, load_overrides(write(tmp_path, GOOD)))
    assert out.select(before.columns).equals(before)  # the model's columns are untouched
    by = {r["subfield_id"]: r for r in out.iter_rows(named=True)}
    qc = by["quantum-computing"]
    assert (qc["phase"], qc["expert_phase"], qc["final_phase"]) == ("plateau", "trigger", "trigger")
    assert qc["final_position"] == 0.085  # middle of the trigger bounds
    assert qc["final_years_band"] == "<2" and qc["override_disagrees"] is True
    assert qc["expert_who"] == "Jane Doe" and qc["expert_when"] == date(2022, 11, 30)
    ar = by["ar"]
    assert (ar["final_phase"], ar["final_position"], ar["final_years_band"]) == (
        "trough",
        0.5,
        "5-10",
    )
    assert ar["override_disagrees"] is False
    vr = by["vr"]  # only a band
    assert (vr["final_phase"], vr["final_position"], vr["final_years_band"]) == (
        "slope",
        0.6,
        ">10",
    )
    assert by["5g"]["expert_phase"] is None and by["5g"]["final_phase"] == "slope"
    assert by["5g"]["override_disagrees"] is False


def test_phase_only_keeps_model_position_inside_that_phase() -> None:
    out = apply_overrides(frame(), [ov("5g", phase=Phase.SLOPE), ov("vr", phase=Phase.TROUGH)])
    by = {r["subfield_id"]: r for r in out.iter_rows(named=True)}
    assert by["5g"]["final_position"] == 0.7  # already on the slope
    assert by["vr"]["final_position"] == 0.455  # moved to the middle of the trough
    assert by["vr"]["override_disagrees"] is False  # one phase apart


def test_override_on_insufficient_row() -> None:
    out = apply_overrides(frame(), [ov("bci", phase=Phase.TRIGGER)])
    r = out.filter(pl.col("subfield_id") == "bci").row(0, named=True)
    assert (r["status"], r["phase"], r["final_phase"], r["override_disagrees"]) == (
        "insufficient",
        None,
        "trigger",
        False,
    )


def test_unknown_override_id_is_an_error_unless_lenient() -> None:
    with pytest.raises(AssessError, match="override for sub-field 'nft', which is not among"):
        apply_overrides(frame(), [ov("nft", phase=Phase.PEAK)])
    out = apply_overrides(frame(), [ov("nft", phase=Phase.PEAK)], strict=False)
    assert out["expert_phase"].null_count() == out.height


def test_assess_with_overrides_path(tmp_path: Path) -> None:
    from test_assess import summary

    p = write(tmp_path, entry(id="old", phase="trigger"))
    out = assess(summary(), None, overrides=p)
    r = out.filter(pl.col("subfield_id") == "old").row(0, named=True)
    assert (r["phase"], r["final_phase"], r["override_disagrees"]) == ("plateau", "trigger", True)
