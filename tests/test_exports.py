"""Exports: BYOR radar CSV, priority matrix, assessments JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from techcurve.datatypes import Phase
from techcurve.errors import ReportError
from techcurve.exports import RINGS, export_byor, export_json, export_matrix
from techcurve.store import Store, init_store

DOMS = ["ai", "cloud", "data", "net", "xr"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = init_store(tmp_path / "tc.duckdb")
    rows, subs = [], []
    for i in range(15):
        sid = f"s{i:02d}"
        pos = i / 14
        subs.append(
            {
                "subfield_id": sid,
                "domain_id": DOMS[i % 5] if i < 12 else "ai",
                "name_zh": f"技术{i}",
                "name_en": f"Tech {i}",
                "query": sid,
            }
        )
        rows.append(
            {
                "subfield_id": sid,
                "model": "snapshot",
                "as_of": "2022-11-24",
                "status": "assessed",
                "phase": Phase.at(pos).value,
                "position": pos,
                "years_band": ["<2", "2-5", "5-10", ">10"][i % 4],
                "confidence": 0.5,
                "reasons": json.dumps(
                    [{"indicator": "x", "value": i, "text": f"原因 {i}"}], ensure_ascii=False
                ),
            }
        )
    with Store.open(path) as st:
        st.append("subfields", pl.DataFrame(subs))
        st.append(
            "domains",
            pl.DataFrame([{"domain_id": d, "name_zh": d.upper(), "name_en": d} for d in DOMS]),
        )
        st.con.execute("SELECT 1").fetchall()
        st.replace_table("assessments", pl.DataFrame(rows))
        st.replace_table(
            "summary",
            pl.DataFrame(
                [
                    {
                        "subfield_id": f"s{i:02d}",
                        "patents_cum": i * 10,
                        "fin_amount_point_cny": float(i),
                    }
                    for i in range(15)
                ]
            ),
        )
    return path


def test_byor_csv(db: Path, tmp_path: Path) -> None:
    with Store.open(db, read_only=True) as st:
        out = export_byor(st, tmp_path / "radar.csv")
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["name", "ring", "quadrant", "isNew", "description"]
    assert len(rows) == 15
    assert {r["ring"] for r in rows} <= set(RINGS.values())
    assert len({r["quadrant"] for r in rows}) == 4  # BYOR draws exactly four
    assert "其他领域" in {r["quadrant"] for r in rows}
    top = rows[0]  # sorted by position: the most mature first
    assert top["ring"] == "Adopt" and top["isNew"] == "FALSE" and "原因 14" in top["description"]


def test_byor_is_new_against_an_edition(db: Path, tmp_path: Path) -> None:
    from techcurve.editions import save_edition

    with Store.open(db) as st:
        save_edition(st, "old")
        st.con.execute("DELETE FROM editions WHERE subfield_id = 's03'")
        out = export_byor(st, tmp_path / "radar.csv", compare="old")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["name"] for r in rows if r["isNew"] == "TRUE"] == ["技术3"]


def test_matrix_png_and_svg_with_configured_benefit(db: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("outputs:\n  benefit: {s00: transformational}\n", encoding="utf-8")
    with Store.open(db, read_only=True) as st:
        png = export_matrix(st, tmp_path / "m.png", config=cfg)
        svg = export_matrix(st, tmp_path / "m.svg", lang="en")
    assert png.read_bytes()[:4] == b"\x89PNG" and svg.read_text().lstrip().startswith("<?xml")
    cfg.write_text("outputs:\n  benefit: {s00: huge}\n", encoding="utf-8")
    with Store.open(db, read_only=True) as st, pytest.raises(ReportError, match="transformational"):
        export_matrix(st, tmp_path / "m.png", config=cfg)


def test_default_benefit_rule(db: Path) -> None:
    from techcurve.exports import _placed, benefits

    with Store.open(db, read_only=True) as st:
        ben = benefits(st, _placed(st), {})
    assert ben["s14"] == "transformational" and ben["s00"] == "low"
    assert sorted(set(ben.values())) == ["high", "low", "moderate", "transformational"]


def test_json_has_every_assessment_with_reasons(db: Path, tmp_path: Path) -> None:
    with Store.open(db, read_only=True) as st:
        out = export_json(st, tmp_path / "a.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["assessments"]) == 15
    first = data["assessments"][0]
    assert first["reasons"][0]["text"] == "原因 0" and first["name_zh"] == "技术0"


def test_benefit_names_and_byor_description_in_english(db: Path, tmp_path: Path) -> None:
    from techcurve.exports import BENEFITS, benefit_name

    assert [benefit_name(b, "zh") for b in BENEFITS] == ["变革性", "高", "中等", "低"]
    assert benefit_name("transformational", "en") == "Transformational"
    with Store.open(db, read_only=True) as st:
        out = export_byor(st, tmp_path / "radar.csv", lang="en")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["name"] == "Tech 14"
    assert rows[0]["description"] == (
        "Plateau of Productivity, position 1.00, plateau in 5 to 10 years. 原因 14"
    )
    assert "Other domains" in {r["quadrant"] for r in rows}
