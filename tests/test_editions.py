"""Editions: save the curve under a name, list, diff, and draw movement arrows."""

from __future__ import annotations

import json
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
        with pytest.raises(ReportError, match="--replace"):
            save_edition(st, "2022")
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
