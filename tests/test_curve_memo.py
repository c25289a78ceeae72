"""Label placements kept by their inputs (issue 18): drawing the same curve again puts
the labels where they went, without placing them, and the figure is the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from techcurve.render.curve import draw, memo
from techcurve.render.curve.placement import PlacedLabel, Placement
from techcurve.render.fonts import figure_svg
from test_curve_crowded import crowded


@pytest.fixture
def placed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the labels ``place_labels`` places (the placer itself, not the memo)."""
    calls: list[int] = []
    place = draw.place_labels

    def counted(*args: Any, **kwargs: Any) -> Placement:
        got = place(*args, **kwargs)
        calls.append(got.placed)
        return got

    monkeypatch.setattr(draw, "place_labels", counted)
    return calls


def test_a_curve_drawn_again_is_the_same_without_placing(placed: list[int]) -> None:
    a, s, d = crowded(60)
    first = figure_svg(draw.draw_curve(a, s, d, lang="en", labels="names"))
    assert placed == [60]
    again = figure_svg(draw.draw_curve(a, s, d, lang="en", labels="names"))
    assert placed == [60] and again == first
    # a changed label is placed again
    renamed = s.with_columns(s["name_en"].str.replace("^Intelligent agents", "Agents"))
    draw.draw_curve(a, renamed, d, lang="en", labels="names")
    assert placed == [60, 60]


def test_the_title_and_the_footer_do_not_place_again(placed: list[int]) -> None:
    """``run`` draws the curve for its stage and for the report's page, with another
    footer: the labels are placed once."""
    a, s, d = crowded(60)
    draw.draw_curve(a, s, d, lang="zh", labels="names", source_line="数据来源：甲")
    draw.draw_curve(a, s, d, lang="zh", labels="names", source_line="来源：乙", title="标题")
    assert placed == [60]


def test_auto_labels_known_to_give_up_go_straight_to_numbers(placed: list[int]) -> None:
    a, s, d = crowded(148)
    first = figure_svg(draw.draw_curve(a, s, d, lang="en"))
    assert placed == [47, 148]  # names gave up at the 47th label, then numbers
    assert figure_svg(draw.draw_curve(a, s, d, lang="en")) == first
    assert placed == [47, 148]


def test_placements_are_kept_on_disk_exactly(tmp_path: Path) -> None:
    gave_up = Placement(3, 1, 80.25, gave_up=True, labels=(PlacedLabel(0.1, 0.2),))
    full = Placement(
        2, 0, 0.1 + 0.2, gave_up=False,
        labels=(PlacedLabel(1 / 3, 2 / 3, (0.1, 0.2, 0.3, 0.4)), PlacedLabel(0.5, 0.5, None, True)),
    )  # fmt: skip
    memo.keep("a", gave_up)
    memo.keep("b", full)
    memo._known.clear()  # a new process: read back from the file
    assert memo.recall("a") == gave_up and memo.recall("b") == full
    assert memo.recall("c") is None
    path = memo._path()
    assert list(json.loads(path.read_bytes())) == ["b", "a"]  # the newest first
    path.write_text("{not json")
    memo._known.clear()
    assert memo.recall("a") is None  # a damaged file is only a miss


def test_at_most_keep_placements_are_kept() -> None:
    for k in range(memo.KEEP + 3):
        memo.keep(str(k), Placement(1, 0, 0.0, gave_up=False))
    memo._known.clear()
    kept = json.loads(memo._path().read_bytes())
    assert list(kept) == [str(k) for k in range(memo.KEEP + 2, 2, -1)]


def test_run_places_the_curve_once(assessed_db: Path, tmp_path: Path, placed: list[int]) -> None:
    """``run`` draws the curve for its curve stage and again for the report's curve page:
    its labels are placed once (the report's other placements are its domain curves)."""
    from datetime import date

    import techcurve.pipeline as tc

    res = tc.run(assessed_db, out=tmp_path / "out", as_of=date(2016, 12, 31))
    assert [p.name for p in res.curve] == ["curve.svg", "curve.png"]
    assert placed.count(4) == 1 and all(n < 4 for n in placed if n != 4)
