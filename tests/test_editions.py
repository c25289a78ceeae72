"""Editions: save the curve under a name, list, diff, and draw movement arrows."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from techcurve.cli import cli
from techcurve.editions import diff_editions, list_editions, load_edition, save_edition
from techcurve.errors import ReportError
from techcurve.store import Store, init_store

SUBS = [("a", "ai", "甲"), ("b", "ai", "乙"), ("c", "cloud", "丙"), ("d", "cloud", "丁")]


def _assess(st: Store, positions: dict[str, float | None]) -> None:
    st.con.execute("SELECT 1").fetchall()
    st.replace_table(
        "assessments",
        pl.DataFrame(
            [
                {
                    "subfield_id": k,
                    "model": "snapshot",
                    "as_of": "2022-11-24",
                    "status": "assessed" if v is not None else "insufficient",
                    "phase": None,
                    "position": v,
                    "years_band": "2-5",
                    "confidence": 0.5,
                    "reasons": "[]",
                }
                for k, v in positions.items()
            ],
            schema_overrides={"position": pl.Float64, "phase": pl.Utf8},
        ),
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        st.append(
            "subfields",
            pl.DataFrame(
                [
                    {"subfield_id": s, "domain_id": d, "name_zh": z, "name_en": s.upper()}
                    for s, d, z in SUBS
                ]
            ),
        )
        st.append(
            "domains",
            pl.DataFrame(
                [
                    {"domain_id": "ai", "name_zh": "人工智能"},
                    {"domain_id": "cloud", "name_zh": "云计算"},
                ]
            ),
        )
        _assess(st, {"a": 0.10, "b": 0.60, "c": 0.90, "d": None})
    return path


def test_save_list_and_diff(db: Path) -> None:
    with Store.open(db) as st:
        info = save_edition(st, "2021")
        assert info.subfields == 3 and info.as_of == "2022-11-24" and info.model == "snapshot"
        # a year later: a moved phase, b moved within its phase, c vanished, d appeared
        _assess(st, {"a": 0.25, "b": 0.70, "c": None, "d": 0.5})
        save_edition(st, "2022")
        assert [e.name for e in list_editions(st)] == ["2021", "2022"]
        d = diff_editions(st, "2021", "2022")
    assert [x.subfield_id for x in d.appeared] == ["d"]
    assert [x.subfield_id for x in d.disappeared] == ["c"]
    assert [(x.subfield_id, x.old_phase, x.new_phase) for x in d.moved_phase] == [
        ("a", "trigger", "peak")
    ]
    assert [(x.subfield_id, x.delta) for x in d.moved_position] == [("b", 0.1)]
    assert d.changed and json.loads(json.dumps(d.to_dict()))["new"] == "2022"


def test_small_moves_are_not_reported_and_current_is_the_unsaved_state(db: Path) -> None:
    with Store.open(db) as st:
        save_edition(st, "v1")
        _assess(st, {"a": 0.12, "b": 0.60, "c": 0.90, "d": None})
        d = diff_editions(st, "v1", "current")
    assert not d.changed


def test_names_are_checked_and_not_overwritten_silently(db: Path) -> None:
    with Store.open(db) as st:
        save_edition(st, "2022")
        with pytest.raises(ReportError) as e:
            save_edition(st, "2022")
        assert str(e.value) == (
            "edition '2022' already exists (3 sub-fields): save under another name, or replace it"
        )
        assert save_edition(st, "2022", replace=True).subfields == 3
        with pytest.raises(ReportError, match="reserved"):
            save_edition(st, "current")
        with pytest.raises(ReportError, match="not usable"):
            save_edition(st, "a b'; drop")
        with pytest.raises(ReportError, match="saved editions are 2022"):
            load_edition(st, "2019")


def test_cli_edition_and_diff_json(db: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "edition", "save", "2021"]).exit_code == 0
    res = runner.invoke(cli, ["--db", str(db), "--json", "edition", "list"])
    assert json.loads(res.output)[0]["name"] == "2021"
    res = runner.invoke(cli, ["--db", str(db), "--json", "diff", "2021", "current"])
    assert res.exit_code == 0 and json.loads(res.output)["appeared"] == []
    res = runner.invoke(cli, ["--db", str(db), "diff", "nope", "current"])
    assert res.exit_code != 0


def test_compare_draws_arrows_from_the_previous_edition(db: Path, tmp_path: Path) -> None:
    from techcurve.render.curve import curve_from_store

    with Store.open(db) as st:
        save_edition(st, "2021")
        _assess(st, {"a": 0.25, "b": 0.70, "c": 0.90, "d": None})
    with Store.open(db, read_only=True) as st:
        out = curve_from_store(st, [tmp_path / "c.svg", tmp_path / "c.pdf"], compare="2021")
    svg = out[0].read_text(encoding="utf-8")
    assert out[1].read_bytes()[:5] == b"%PDF-"
    assert "2021版位置" in svg  # the legend names the edition (an SVG comment beside its paths)
    from techcurve.render.curve import curve_points, movements

    with Store.open(db, read_only=True) as st:
        pts, _ = curve_points(st.table("assessments"), st.table("subfields"))
        moves = movements(pts, load_edition(st, "2021"))
    assert sorted(m.subfield_id for m in moves) == ["a", "b"]


def test_diff_lists_changes_as_text(db: Path) -> None:
    runner = CliRunner()
    with Store.open(db) as st:
        save_edition(st, "2021")
        _assess(st, {"a": 0.25, "b": 0.70, "c": None, "d": 0.5})
    res = runner.invoke(cli, ["--db", str(db), "diff", "2021", "current"])
    assert res.exit_code == 0, res.output
    lines = [ln.rstrip() for ln in res.output.splitlines()]
    assert f"  {'d':<28} 丁: – – → trough 0.50" in lines
    assert f"  {'c':<28} 丙: plateau 0.90 → – –" in lines
    assert f"  {'a':<28} 甲: trigger 0.10 → peak 0.25" in lines
    assert f"  {'b':<28} 乙: slope 0.60 → slope 0.70" in lines


def test_select_assessments_prefers_final_values_one_model_and_one_cutoff() -> None:
    from techcurve.editions import select_assessments

    rows = [
        {"subfield_id": "a", "model": "snapshot", "as_of": "2022-11-24", "position": 0.2,
         "final_position": 0.9, "phase": "peak", "final_phase": "plateau", "years_band": ">10"},
        {"subfield_id": "a", "model": "timeseries", "as_of": "2022-11-24", "position": 0.4,
         "final_position": None, "phase": "trough", "final_phase": None, "years_band": "2-5"},
        {"subfield_id": "b", "model": "snapshot", "as_of": "2022-11-24", "position": 0.5,
         "final_position": None, "phase": "trough", "final_phase": None, "years_band": None},
    ]  # fmt: skip
    sel = select_assessments(pl.DataFrame(rows), as_of="2022-11-24")
    assert sel.select("subfield_id", "plot_position", "plot_phase", "plot_band").rows() == [
        ("a", 0.9, "plateau", ">10"),
        ("b", 0.5, "trough", None),
    ]
    sel = select_assessments(pl.DataFrame(rows), model="timeseries")
    assert sel.select("subfield_id", "plot_position").rows() == [("a", 0.4)]
    with pytest.raises(ReportError, match="no assessments by model 'x'"):
        select_assessments(pl.DataFrame(rows), model="x")
    two_dates = pl.DataFrame(rows).with_columns(
        pl.Series("as_of", ["2021-01-01", "2022-11-24", "2022-11-24"])
    )
    with pytest.raises(ReportError, match="as of 2021-01-01, 2022-11-24, not 2020-01-01"):
        select_assessments(two_dates, as_of="2020-01-01")


def test_the_editions_table_functions(db: Path) -> None:
    from techcurve.store.editions import (
        EDITION_COLUMNS,
        edition_rows,
        edition_size,
        remove_edition,
        saved_editions,
        write_edition,
    )

    rows = pl.DataFrame(
        {
            "subfield_id": ["b", "a"],
            "model": ["snapshot", "snapshot"],
            "as_of": ["2022-11-24", "2022-11-24"],
            "phase": ["trigger", "peak"],
            "position": [0.1, 0.2],
            "years_band": ["2-5", None],
            "edition": ["e1", "e1"],
            "saved_at": [datetime(2023, 1, 2, 3, 4, 5)] * 2,
        }
    )
    with Store.open(db) as st:
        assert edition_size(st, "e1") == 0
        write_edition(st, "e1", rows)
        write_edition(st, "e1", rows)  # replaces, does not add
        assert edition_size(st, "e1") == 2
        got = edition_rows(st, "e1")
        assert tuple(got.columns) == EDITION_COLUMNS
        assert got.rows() == [
            ("a", "snapshot", "2022-11-24", "peak", 0.2, None),
            ("b", "snapshot", "2022-11-24", "trigger", 0.1, "2-5"),
        ]
        assert saved_editions(st).rows() == [
            ("e1", "2023-01-02 03:04:05", "2022-11-24", "snapshot", 2)
        ]
        remove_edition(st, "e1")
        assert edition_size(st, "e1") == 0 and saved_editions(st).height == 0


def test_the_curve_reading_functions(db: Path, tmp_path: Path) -> None:
    from techcurve.store import Meta
    from techcurve.store.curve import (
        AssessmentFacts,
        as_of,
        assessment_facts,
        assessments,
        curve_inputs,
        domains,
        has_assessments,
        subfield_names,
        subfields,
        summary_columns,
    )

    with Store.open(db) as st:
        st.set_meta(Meta.AS_OF, "2022-11-24")
        st.set_meta(Meta.ASSESSED_MODEL, "snapshot")
        assert has_assessments(st)
        assert assessments(st).height == 4
        assert subfields(st)["subfield_id"].to_list() == ["a", "b", "c", "d"]
        assert domains(st)["domain_id"].to_list() == ["ai", "cloud"]
        assert subfield_names(st)["a"] == ("甲", "A")
        assert as_of(st) == "2022-11-24"
        assert assessment_facts(st) == AssessmentFacts(
            as_of="2022-11-24", taxonomy_version=None, taxonomy_hash=None, model="snapshot",
            params=None,
        )  # fmt: skip
        assert summary_columns(st, ["patents_cum"]).columns == ["subfield_id"]
        st.replace_table("summary", pl.DataFrame({"subfield_id": ["a"], "patents_cum": [3]}))
        assert summary_columns(st, ["patents_cum", "nope"]).rows() == [("a", 3)]
        inputs = curve_inputs(st)
        assert inputs.as_of == "2022-11-24" and inputs.assessments.height == 4
        assert inputs.subfields.height == 4 and inputs.domains.height == 2
    empty = init_store(tmp_path / "empty.duckdb")
    with Store.open(empty) as st:
        assert not has_assessments(st)
        assert subfield_names(st) == {}
        with pytest.raises(ReportError, match=r"empty.duckdb has no assessments$"):
            curve_inputs(st)
