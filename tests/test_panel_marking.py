"""The curve and the report mark expert placements: a ring, an arrow from the model's
position, a key; the card names who, when, why and where the model had it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import techcurve.pipeline as tc
import techcurve.pipeline.panel as tp
from techcurve.render.curve.shape import curve_points

OVERRIDES = """\
overrides:
  - id: ar
    phase: trough
    who: Jane Doe
    when: 2022-11-30
    why: "No hit product yet <script>alert(1)</script>"
  - id: vr
    years: ">10"
    who: Jane Doe
    when: 2022-11-30
    why: "Headsets still niche."
"""


def test_curve_points_know_the_expert_and_the_model_s_position() -> None:
    frame = pl.DataFrame(
        {
            "subfield_id": ["ar", "vr", "5g"],
            "model": ["snapshot"] * 3,
            "as_of": ["2016-12-31"] * 3,
            "phase": ["trigger", "trigger", "plateau"],
            "position": [0.097, 0.12, 0.9],
            "years_band": ["5-10", ">10", "<2"],
            "final_phase": ["trough", "trigger", "plateau"],
            "final_position": [0.455, 0.12, 0.9],
            "final_years_band": ["5-10", ">10", "<2"],
            "expert_who": ["Jane Doe", "Jane Doe", None],
        }
    )
    points, _ = curve_points(frame, pl.DataFrame({"subfield_id": ["ar", "vr", "5g"]}))
    assert [(p.subfield_id, p.x, p.expert, p.model_x) for p in points] == [
        ("vr", 0.12, True, None),  # the band only: no arrow
        ("ar", 0.455, True, 0.097),
        ("5g", 0.9, False, None),
    ]


def test_the_curve_and_report_mark_expert_placements(assessed_db: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.svg"
    tc.curve(assessed_db, [plain], lang="en")
    assert "techcurve-expert" not in plain.read_text(encoding="utf-8")
    yaml = tmp_path / "o.yaml"
    yaml.write_text(OVERRIDES, encoding="utf-8")
    tp.import_placements(assessed_db, yaml)
    svg = tmp_path / "curve.svg"
    tc.curve(assessed_db, [svg], lang="en")
    text = svg.read_text(encoding="utf-8")
    assert 'id="techcurve-expert-rings"' in text
    assert 'id="techcurve-expert-arrow-ar"' in text and "techcurve-expert-arrow-vr" not in text
    html = tc.report(assessed_db, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert (
        "Jane Doe (2022-11-30): No hit product yet &lt;script&gt;alert(1)&lt;/script&gt; "
        "(the model placed it in Innovation Trigger, at 0.097)"
    ) in html
    assert "Jane Doe (2022-11-30): Headsets still niche.</p>" in html
