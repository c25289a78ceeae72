"""Expert placements in the store: the overrides YAML imported (twice adds nothing) and
exported (round-trips), history and withdrawals, and placements surviving a plain
assess and run."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

import techcurve.pipeline as tc
import techcurve.pipeline.panel as tp
from techcurve.assess import load_overrides
from techcurve.errors import AssessError
from techcurve.store import Store
from techcurve.store import panel as stored

OVERRIDES = """\
overrides:
  - id: ar
    phase: trough
    who: Jane Doe
    when: 2022-11-30
    why: "Consumer AR has no hit product yet."
  - id: machine-learning
    position: 0.85
    years: "<2"
    who: 李雷
    when: "2022-12-01"
    why: 已大规模落地
  - id: vr
    years: ">10"
    who: Jane Doe
    when: 2022-11-30
    why: "Headsets still niche."
"""


def _yaml(tmp_path: Path, text: str = OVERRIDES) -> Path:
    p = tmp_path / "overrides.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _final(db: Path) -> list[tuple[object, ...]]:
    with Store.open(db) as st:
        return st.sql(
            "SELECT subfield_id, phase, final_phase, final_position, final_years_band, expert_who "
            "FROM assessments WHERE expert_who IS NOT NULL ORDER BY subfield_id"
        ).rows()


STATEMENTS = (
    Path(__file__).parents[1] / "src" / "techcurve" / "data" / "labels" / "public_statements.csv"
)

EXPECTED_FINAL = [
    ("ar", "trigger", "trough", 0.455, "5-10", "Jane Doe"),  # the model's band kept
    ("machine-learning", "peak", "plateau", 0.85, "<2", "李雷"),
    ("vr", "trigger", "trigger", 0.12, ">10", "Jane Doe"),
]


def test_importing_the_same_file_twice_adds_nothing(assessed_db: Path, tmp_path: Path) -> None:
    path = _yaml(tmp_path)
    first = tp.import_placements(assessed_db, path)
    again = tp.import_placements(assessed_db, path)
    assert (first.entries, first.added, again.added) == (3, 3, 0)
    rows = tp.list_placements(assessed_db, history=True)
    assert rows.select("subfield_id", "origin", "made_at").rows() == [
        ("ar", "yaml", datetime(2022, 11, 30)),
        ("vr", "yaml", datetime(2022, 11, 30)),
        ("machine-learning", "yaml", datetime(2022, 12, 1)),
    ]
    assert _final(assessed_db) == EXPECTED_FINAL  # the final columns follow at once


def test_export_round_trips_the_overrides_file(assessed_db: Path, tmp_path: Path) -> None:
    path = _yaml(tmp_path)
    tp.import_placements(assessed_db, path)
    out = tmp_path / "out.yaml"
    assert tp.export_placements(assessed_db, out) == 3

    def placed(p: Path) -> list[tuple[object, ...]]:
        return sorted(
            (o.subfield_id, o.phase, o.position, o.years_band, o.who, o.when, o.why)
            for o in load_overrides(p)
        )

    assert placed(out) == placed(path)
    assert out.read_text(encoding="utf-8") == (
        "overrides:\n"
        "- id: ar\n  phase: trough\n  who: Jane Doe\n  when: 2022-11-30\n"
        "  why: Consumer AR has no hit product yet.\n"
        "- id: machine-learning\n  phase: plateau\n  position: 0.85\n  years: <2\n  who: 李雷\n"
        "  when: 2022-12-01\n  why: 已大规模落地\n"
        "- id: vr\n  years: '>10'\n  who: Jane Doe\n  when: 2022-11-30\n"
        "  why: Headsets still niche.\n"
    )
    other = tmp_path / "other.duckdb"
    import shutil

    shutil.copy(assessed_db, other)
    with Store.open(other) as st:
        st.con.execute("DELETE FROM expert_placements")
    assert tp.import_placements(other, out).added == 3
    assert tp.import_placements(other, path).added == 0  # the same placements


def test_the_latest_placement_is_current_and_a_withdrawal_removes_it(store: Store) -> None:
    def place(sid: str, day: int, phase: str | None, withdrawn: bool = False) -> None:
        stored.add_placements(store, [stored.NewPlacement(
            sid, phase, None, None, "x", datetime(2026, 1, day), "r", "form",
            withdrawn=withdrawn,
        )])  # fmt: skip

    place("ar", 1, "peak")
    place("ar", 3, "trough")
    place("vr", 2, "peak")
    place("vr", 4, None, withdrawn=True)
    assert stored.current_placements(store).select("subfield_id", "phase").rows() == [
        ("ar", "trough")
    ]
    assert stored.placement_history(store).height == 4


def test_placements_survive_a_plain_assess_and_run(assessed_db: Path, tmp_path: Path) -> None:
    tc.assess(assessed_db, overrides=_yaml(tmp_path))
    assert _final(assessed_db) == EXPECTED_FINAL
    tc.assess(assessed_db)  # no --overrides: the store's placements are applied
    assert _final(assessed_db) == EXPECTED_FINAL
    tc.run(assessed_db, out=tmp_path / "out", as_of=date(2016, 12, 31))
    assert _final(assessed_db) == EXPECTED_FINAL


def test_placements_survive_assess_labelled(assessed_db: Path, tmp_path: Path) -> None:
    """A label-learnt assessment applies the store's placements too (it used to write
    an assessments table without them); without writing, a YAML is applied on top."""
    tc.assess(assessed_db, overrides=_yaml(tmp_path))
    frame = tc.assess_labelled(assessed_db, labels=STATEMENTS)
    assert frame["model"].unique().to_list() == ["neighbours"]
    assert [(r[0], r[2], r[5]) for r in _final(assessed_db)] == [
        ("ar", "trough", "Jane Doe"),
        ("machine-learning", "plateau", "李雷"),
        ("vr", _final(assessed_db)[2][1], "Jane Doe"),  # a band only: the model's phase
    ]
    with Store.open(assessed_db) as st:
        st.con.execute("DELETE FROM expert_placements")
    dry = tc.assess_labelled(assessed_db, labels=STATEMENTS, overrides=_yaml(tmp_path),
                             write=False)  # fmt: skip
    assert dry.filter(pl.col("expert_who").is_not_null())["subfield_id"].sort().to_list() == [
        "ar", "machine-learning", "vr",
    ]  # fmt: skip
    with Store.open(assessed_db, read_only=True) as st:
        assert st.one("SELECT count(*) FROM expert_placements") == (0,)


def test_a_plain_assess_has_final_columns_equal_to_the_model(assessed_db: Path) -> None:
    with Store.open(assessed_db) as st:
        differ = st.one(
            "SELECT count(*) FROM assessments WHERE final_phase IS DISTINCT FROM phase "
            "OR final_position IS DISTINCT FROM position"
        )
    assert differ == (0,)


def test_an_invalid_overrides_file_keeps_its_messages_and_stores_nothing(
    assessed_db: Path, tmp_path: Path
) -> None:
    bad = _yaml(tmp_path, OVERRIDES.replace("id: vr", "id: vrr"))
    with pytest.raises(
        AssessError,
        match=r"overrides.yaml:13: override #3 \(vrr\), field 'id': unknown sub-field id 'vrr'",
    ):
        tp.import_placements(assessed_db, bad)
    assert tp.list_placements(assessed_db, history=True).height == 0


def test_withdrawing_a_placement_shows_the_model_s_again(assessed_db: Path, tmp_path: Path) -> None:
    tp.import_placements(assessed_db, _yaml(tmp_path))
    assert tp.withdraw_placement(assessed_db, "ar", who="Jane Doe", why="changed my mind")
    assert not tp.withdraw_placement(assessed_db, "ar", who="Jane Doe", why="again")
    assert _final(assessed_db) == EXPECTED_FINAL[1:]
    with Store.open(assessed_db) as st:
        ar = st.sql("SELECT final_phase, final_position FROM assessments WHERE subfield_id = 'ar'")
    assert ar.row(0) == ("trigger", 0.097)
    history = tp.list_placements(assessed_db, history=True).filter(pl.col("subfield_id") == "ar")
    assert history.select("who", "withdrawn").rows() == [
        ("Jane Doe", False), ("Jane Doe", True),
    ]  # fmt: skip
