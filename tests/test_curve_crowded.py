"""Issue 21: a curve that stays legible with 150+ dots — domain curves, numbered labels
with their key, dots that share a position spread along the curve.

The positions are real: tests/data/curve/demo_positions.csv is the demo's 148 placed
sub-fields (2026 evidence; 25 share 0.455 and 18 share 0.795, where the models clamp
to a phase edge); the shipped taxonomy names them. Larger curves repeat them. The dots are
made by the curve benchmark's generator (`benchmarks/bench_curve.py` `crowded`), so the
benchmark times the curves these tests check.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from benchmarks.bench_curve import crowded
from matplotlib.figure import Figure

from techcurve.datatypes import Phase
from techcurve.errors import ReportError
from techcurve.render.curve import curve_y, draw_curve
from techcurve.render.curve.legibility import Legibility, legibility
from techcurve.render.curve.numbered import fit, key_entries, numbered
from techcurve.render.curve.shape import CurvePoint

SCREENS = Path(__file__).resolve().parent.parent / "out" / "test-screens"


def _check_legible(fig: Figure, n: int) -> None:
    """No two dot centres closer than a dot's radius; no label over another label, a
    dot or the curve; every label inside the plot."""
    assert legibility(fig) == Legibility(
        dots=n, labels=n, close_dots=0, overlapping_labels=0, labels_on_dots=0,
        labels_on_curve=0, labels_outside=0,
    )  # fmt: skip


@pytest.mark.parametrize("n", [167, 300, 1000])
def test_crowded_curves_stay_legible(n: int) -> None:
    """At the issue's three sizes (1,000 dots take ~15–20 s; benchmarks/bench_curve.py
    times them)."""
    a, s, d = crowded(n)
    fig = draw_curve(a, s, d, lang="zh", cutoff="2026-08-23", source_line="数据来源：测试")
    _check_legible(fig, n)


def test_legibility_counts_what_overlaps() -> None:
    a, s, d = crowded(148)
    fig = draw_curve(a, s, d, lang="en", labels="numbers")
    labels = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("techcurve-label-")]
    for t in labels[:3]:  # three labels moved onto the first dot
        t.set_position((0.04, float(curve_y(0.04))))
    got = legibility(fig)
    assert (got.overlapping_labels, got.labels_on_dots, got.labels_on_curve) == (3, 3, 3)
    assert not got.ok


def _labels(fig: Figure) -> list[str]:
    return [
        t.get_text()
        for t in fig.axes[0].texts
        if (t.get_gid() or "").startswith("techcurve-label-")
    ]


def _key_names(fig: Figure) -> list[str]:
    return [
        t.get_text() for t in fig.texts if (t.get_gid() or "").startswith("techcurve-key-name-")
    ]


def test_auto_labels_keep_names_on_a_sparse_curve_and_number_a_crowded_one() -> None:
    a, s, d = crowded(148)
    few = a.filter(pl.col("subfield_id").is_in(["tokenization", "agents", "cdn", "5g"]))
    fig = draw_curve(few, s, d, lang="en")
    assert sorted(_labels(fig)) == [
        "5G mobile networks", "Content delivery\nnetworks (CDN)",
        "Intelligent agents and\nmulti-agent systems", "Tokenisation and\ntoken economy",
    ]  # fmt: skip
    assert _key_names(fig) == []
    fig = draw_curve(a, s, d, lang="en")  # the demo's 148: names would need long leaders
    assert _labels(fig) == [str(k) for k in range(1, 149)]
    assert len(_key_names(fig)) == 148
    fig = draw_curve(a, s, d, lang="en", labels="names")
    assert "Tokenisation and\ntoken economy" in _labels(fig)


def test_numbers_run_along_the_curve_and_the_key_lists_them_by_phase() -> None:
    a, s, d = crowded(148)
    fig = draw_curve(a, s, d, lang="zh", labels="numbers", size="a4")
    assert fig.get_size_inches().tolist() == [11.69, 8.27]
    headings = [t.get_text() for t in fig.texts if t.get_gid() == "techcurve-key-phase"]
    assert headings == [
        "技术萌芽期（28）", "期望膨胀期（5）", "泡沫破裂低谷期（60）", "稳步爬升复苏期（47）",
        "生产成熟期（8）",
    ]  # fmt: skip
    names = _key_names(fig)
    assert names[:3] == ["通证经济/资产上链", "BaaS/区块链即服务", "超融合"]
    numbers = [
        t.get_text() for t in fig.texts if (t.get_gid() or "").startswith("techcurve-key-number-")
    ]
    assert numbers == [str(k) for k in range(1, 149)]


def test_numbered_points_and_key_entries() -> None:
    pts = [
        CurvePoint("b", "Beta", "d", 0.5, float(curve_y(0.5)), None),
        CurvePoint("a", "Alpha", "d", 0.1, float(curve_y(0.1)), None),
        CurvePoint("c", "Gamma", "d", 0.5, float(curve_y(0.5)), None),
    ]
    nums = numbered(pts)
    assert [(p.subfield_id, p.label) for p in nums] == [("a", "1"), ("b", "2"), ("c", "3")]
    entries = key_entries(nums, {"a": "Alpha", "b": "Beta", "c": "Gamma"})
    assert [(e.number, e.name, e.phase) for e in entries] == [
        (1, "Alpha", Phase.TRIGGER), (2, "Beta", Phase.TROUGH), (3, "Gamma", Phase.TROUGH),
    ]  # fmt: skip
    assert fit("自然语言处理（NLP）/自然语言理解", 8) == "自然语言处理（…"
    assert fit("Short", 8) == "Short"


def test_a_domain_curve_holds_that_domain_alone() -> None:
    a, s, d = crowded(148)
    fig = draw_curve(a, s, d, lang="en", domain="blockchain", labels="names")
    title = next(t.get_text() for t in fig.texts if t.get_fontsize() == 17)
    assert title == "Technology maturity assessment curve: Blockchain"
    # the demo placed 15 of the taxonomy's 20 blockchain sub-fields
    assert len(_labels(fig)) == 15


def test_an_unknown_domain_names_the_known_ones() -> None:
    a, s, d = crowded(20)
    with pytest.raises(ReportError) as e:
        draw_curve(a, s, d, lang="en", domain="quantum")
    assert str(e.value) == (
        "there is no domain 'quantum' (use one of: network, ai, bigdata, interaction, "
        "cloud, blockchain)"
    )


def test_unknown_label_mode_and_size_are_errors() -> None:
    a, s, d = crowded(5)
    with pytest.raises(
        ReportError, match=r"unknown label mode 'tags' \(use one of: auto, names, numbers\)"
    ):
        draw_curve(a, s, d, lang="en", labels="tags")
    with pytest.raises(ReportError, match=r"unknown page size 'a3' \(use one of: auto, a4, 16:9\)"):
        draw_curve(a, s, d, lang="en", size="a3")


def test_several_domains_write_one_curve_each(assessed_db: Path, tmp_path: Path) -> None:
    import techcurve.pipeline as tc

    out = tmp_path / "curve.svg"
    paths = tc.curve(assessed_db, [out], lang="en", domains=["interaction", "ai"])
    assert [p.name for p in paths] == ["curve-interaction.svg", "curve-ai.svg"]
    assert all(p.stat().st_size > 1000 for p in paths)
    one = tc.curve(assessed_db, [out], lang="en", domains=["ai"])
    assert one == [out]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_look_at_it_full_and_domain_curves_on_a4_and_a_slide(lang: str) -> None:
    """The PNGs a reviewer looks at: out/test-screens/curve-<what>-<size>-<lang>.png."""
    from techcurve.render.fonts import save_figure

    SCREENS.mkdir(parents=True, exist_ok=True)
    a, s, d = crowded(167)
    for size, tag in (("a4", "a4"), ("16:9", "slide")):
        for dom in (None, "ai", "blockchain"):
            fig = draw_curve(a, s, d, lang=lang, size=size, domain=dom, cutoff="2026-08-23")
            if dom is None:
                _check_legible(fig, 167)
            save_figure(fig, SCREENS / f"curve-{dom or 'full'}-{tag}-{lang}.png", dpi=200)
