"""The curve and the charts: shape, output formats, label layout and CJK glyphs."""

from __future__ import annotations

import math
import random
import struct
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from techcurve.datatypes import PHASE_BOUNDS, Phase, YearsBand
from techcurve.errors import ReportError
from techcurve.render import (
    cjk_family,
    cjk_font_path,
    curve_y,
    domain_colors,
    donut_chart,
    draw_curve,
    figure_svg,
    financing_month_chart,
    label_boxes,
    missing_glyphs,
    render_curve,
    top_bar_chart,
    treemap_chart,
)
from techcurve.render.curve import BAND_NAMES, curve_points, wrap_label
from techcurve.text import catalogue

DOMAINS = [
    ("network", "网络", "Network"),
    ("ai", "人工智能", "Artificial intelligence"),
    ("bigdata", "大数据", "Big data"),
    ("interaction", "交互技术", "Interaction technology"),
    ("cloud", "云原生", "Cloud native"),
    ("blockchain", "区块链", "Blockchain"),
]
NAMES = [
    "5G",
    "机器/深度学习",
    "增强现实",
    "大数据分析",
    "大数据流通",
    "自然语言处理（NLP）/自然语言理解（NLU）/自然语言生成（NLG)",
    "计算机视觉",
    "虚拟现实",
    "大数据处理",
    "混合现实",
    "量子计算",
    "行业云平台",
    "分布式云",
    "生物识别",
    "数据治理及数据智能",
    "分布式数据库",
    "湖仓一体",
    "隐私计算",
    "数字孪生",
    "边缘计算",
    "自动驾驶",
    "知识图谱",
    "脑机接口",
    "元宇宙",
    "虚拟人",
    "低代码",
    "可观测性",
    "云安全",
    "服务网格",
    "Serverless",
]
SUFFIX_ZH = ["", "平台", "工具", "应用", "芯片", "安全"]
SUFFIX_EN = ["", " platform", " tooling", " applications", " chips", " security"]


def synthetic(n: int = 130, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``n`` sub-fields at random positions: (assessments, subfields, domains)."""
    rnd = random.Random(seed)
    sub, asm = [], []
    for i in range(n):
        name = NAMES[i % len(NAMES)] + SUFFIX_ZH[(i // len(NAMES)) % len(SUFFIX_ZH)]
        en = f"Sub-field {i}{SUFFIX_EN[i % len(SUFFIX_EN)]}"
        sid = f"sf{i:03d}"
        sub.append(
            {
                "subfield_id": sid,
                "domain_id": DOMAINS[i % len(DOMAINS)][0],
                "name_zh": name,
                "name_en": en,
                "query": f'"{name}"',
            }
        )
        pos = rnd.random()
        asm.append(
            {
                "subfield_id": sid,
                "model": "snapshot",
                "as_of": "2022-11-24",
                "status": "assessed",
                "phase": Phase.at(pos).value,
                "position": pos,
                "years_band": rnd.choice(list(YearsBand)[:4]).value,
                "confidence": 0.6,
                "reasons": "[]",
            }
        )
    doms = pl.DataFrame([{"domain_id": a, "name_zh": b, "name_en": c} for a, b, c in DOMAINS])
    return pl.DataFrame(asm), pl.DataFrame(sub), doms


# -- the shape ------------------------------------------------------------------------
def test_curve_has_peak_trough_and_plateau() -> None:
    xs = np.linspace(0, 1, 2001)
    ys = curve_y(xs)
    peak = xs[np.argmax(ys)]
    assert 0.2 <= peak <= 0.3
    after = xs > peak
    trough = xs[after][np.argmin(ys[after])]
    assert 0.38 <= trough <= 0.52
    assert ys[-1] > ys[np.searchsorted(xs, trough)] + 0.3  # the slope rises to a plateau
    assert ys[-1] < ys.max()  # …that stays below the peak
    # the peak lies in the peak phase, the trough in the trough phase
    assert PHASE_BOUNDS[Phase.PEAK][0] <= peak < PHASE_BOUNDS[Phase.PEAK][1]
    assert PHASE_BOUNDS[Phase.TROUGH][0] <= trough < PHASE_BOUNDS[Phase.TROUGH][1]


# -- output files -----------------------------------------------------------------------
def _png_info(path: Path) -> tuple[int, int, float | None]:
    """Width, height and dpi (from the pHYs chunk) of a PNG, without PIL."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, dpi = 8, None
    width = height = 0
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind = raw[pos + 4 : pos + 8]
        body = raw[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"pHYs":
            ppu_x, _ppu_y, unit = struct.unpack(">IIB", body)
            if unit == 1:
                dpi = ppu_x * 0.0254
        elif kind == b"IEND":
            break
        pos += 12 + length
    return width, height, dpi


def test_render_curve_writes_svg_and_png(tmp_path: Path) -> None:
    a, s, d = synthetic(20)
    svg, png = tmp_path / "c.svg", tmp_path / "sub" / "c.png"
    out = render_curve(a, s, d, [svg, png], cutoff="2022-11-24", title="测试曲线")
    assert out == [svg, png]
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    # labels stay text, naming the CJK font: editable in PowerPoint or Illustrator
    texts = [e for e in root.iter() if e.tag.endswith("}text")]
    assert "测试曲线" in [e.text for e in texts]
    assert {e.get("style", "").split("font-family: ")[1].split(";")[0] for e in texts} == {
        f"'{cjk_family()}', 'DejaVu Sans'"
    }
    width, height, dpi = _png_info(png)
    assert dpi is not None and dpi >= 199.5
    assert width >= 16 * 200 and height >= 9 * 200


def test_unknown_extension_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    a, s, d = synthetic(5)
    with pytest.raises(ReportError, match=r"\.gif"):
        render_curve(a, s, d, [tmp_path / "c.svg", tmp_path / "c.gif"])
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_draw_is_an_error() -> None:
    a, s, d = synthetic(3)
    a = a.with_columns(
        pl.lit(None, pl.Float64).alias("position"), pl.lit("insufficient").alias("status")
    )
    with pytest.raises(ReportError) as nothing:
        draw_curve(a, s, d)
    # the library names no command (the CLI adds "check `techcurve assess`": cli/failures.py)
    assert str(nothing.value) == (
        "no sub-field has a curve position to draw (3 assessed as insufficient)"
    )
    assert nothing.value.message("zh") == "没有任何子领域有可绘制的曲线位置（3 个评估为证据不足）"
    with pytest.raises(ReportError) as empty:
        draw_curve(a.clear(), s, d)
    assert (str(empty.value), empty.value.message("zh")) == (
        "no assessments to draw",
        "没有可绘制的评估",
    )


# -- label layout --------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_130_labels_do_not_overlap(lang: str) -> None:
    a, s, d = synthetic(130)
    fig = draw_curve(a, s, d, lang=lang, cutoff="2022-11-24")
    boxes = label_boxes(fig)
    assert len(boxes) == 130
    ax_box = fig.axes[0].get_window_extent(fig.canvas.get_renderer())
    for i, b in enumerate(boxes):
        assert ax_box.x0 <= b.x0 and b.x1 <= ax_box.x1, "label sticks out of the plot"
        assert ax_box.y0 <= b.y0 and b.y1 <= ax_box.y1, "label sticks out of the plot"
        for c in boxes[:i]:
            overlap = min(b.x1, c.x1) > max(b.x0, c.x0) and min(b.y1, c.y1) > max(b.y0, c.y0)
            assert not overlap, f"labels overlap: {b} and {c}"


def test_dots_sit_on_the_curve_and_final_position_wins() -> None:
    a, s, d = synthetic(4)
    a = a.with_columns(
        pl.Series("final_position", [0.9, None, 0.1, 0.5]),
        pl.Series("final_phase", ["plateau", None, "trigger", "trough"]),
        pl.Series("final_years_band", ["<2", None, ">10", "2-5"]),
    )
    points, skipped = curve_points(a, s)
    assert skipped == 0
    by_id = {p.subfield_id: p for p in points}
    assert by_id["sf000"].x == pytest.approx(0.9)
    assert by_id["sf001"].x == pytest.approx(a["position"][1])  # no override: the model's value
    assert by_id["sf000"].band is YearsBand.LT2
    for p in points:
        assert p.y == pytest.approx(float(curve_y(p.x)))


def test_several_models_pick_one() -> None:
    a, s, d = synthetic(3)
    both = pl.concat(
        [a, a.with_columns(pl.lit("timeseries").alias("model"), pl.lit(0.99).alias("position"))]
    )
    points, _ = curve_points(both, s, model="timeseries")
    assert all(p.x == pytest.approx(0.99) for p in points)
    points, _ = curve_points(both, s)
    assert len(points) == 3  # one row per sub-field
    with pytest.raises(ReportError, match="no assessments by model 'nope'"):
        curve_points(both, s, model="nope")


def test_wrap_label_breaks_at_slashes_and_leaves_no_orphan() -> None:
    text = "自然语言处理（NLP）/自然语言理解（NLU）/自然语言生成（NLG)"
    assert wrap_label(text, 10.5).split("\n") == [
        "自然语言处理（NLP）/",
        "自然语言理解（NLU）/",
        "自然语言生成（NLG)",
    ]
    assert wrap_label("5G", 10) == "5G"
    for line in wrap_label("数据治理及数据智能平台工具", 6).split("\n"):
        assert len(line) >= 2


# -- fonts and glyphs --------------------------------------------------------------------
def test_the_bundled_noto_font_is_used() -> None:
    assert cjk_font_path().name == "NotoSansCJKsc-Regular.otf"
    assert cjk_family() == "Noto Sans CJK SC"


def test_every_glyph_of_the_chinese_labels_is_in_the_font() -> None:
    a, s, d = synthetic(130)
    texts = list(s["name_zh"]) + list(d["name_zh"])
    texts += [p.zh for p in Phase] + list(BAND_NAMES["zh"].values())
    texts += [v["zh"] for k, v in catalogue().items() if k.startswith("curve.")]
    texts += ["○●◆▲", "数据来源：", "（亿元）"]
    missing = {t: missing_glyphs(t) for t in texts if missing_glyphs(t)}
    assert missing == {}


def test_drawing_chinese_emits_no_missing_glyph_warning() -> None:
    a, s, d = synthetic(30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = draw_curve(a, s, d, lang="zh", cutoff="2022-11-24")
        figure_svg(fig)
    assert not [w for w in caught if "missing from" in str(w.message).lower()]


# -- charts ----------------------------------------------------------------------------
def test_charts_render_to_inline_svg() -> None:
    colors = domain_colors([x[0] for x in DOMAINS])
    assert len(set(colors.values())) == len(DOMAINS)
    figs = [
        donut_chart(["网络", "人工智能", "大数据"], [30.12, 29.15, 40.73], title="专利占比"),
        top_bar_chart(["5G", "机器/深度学习"], [1002391, 592445], title="TOP10"),
        financing_month_chart(
            [f"{m}月" for m in range(1, 12)],
            [10.8, 2.8, 15.2, 4.1, 2.6, 6.8, 2.1, 2.2, 8.7, 2.1, 1.0],
            [12, 5, 14, 9, 8, 11, 7, 9, 13, 9, 7],
            title="2022年1月-11月融资金额与事件数量",
        ),
        donut_chart(["A轮", "B轮", "其他"], [42, 23, 39], hole=0.0, center_text="A+B 62.50%"),
        treemap_chart(["量子计算", "行业云平台", "生物识别"], [9.0, 5.5, 3.2], ["#0072B2"] * 3),
    ]
    for fig in figs:
        svg = figure_svg(fig)
        assert svg.lstrip().startswith("<svg")
        assert "<?xml" not in svg and "<metadata>" not in svg


# -- the full default taxonomy, dodging, PDF, source names -------------------------------
def full_taxonomy(seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Every sub-field of the shipped taxonomy at a synthetic position, with clusters:
    a third share one of a few positions, as models that clamp to phase edges produce."""
    from techcurve.taxonomy import load_taxonomy

    tax = load_taxonomy(None)
    rnd = random.Random(seed)
    clamps = [0.455, 0.795, 0.922, 0.076]
    asm, sub = [], []
    for i, s in enumerate(tax.subfields):
        pos = rnd.choice(clamps) if i % 3 == 0 else rnd.random()
        sub.append(
            {"subfield_id": s.id, "domain_id": s.domain, "name_zh": s.name_zh, "name_en": s.name_en}
        )
        asm.append(
            {
                "subfield_id": s.id,
                "model": "snapshot",
                "status": "assessed",
                "phase": Phase.at(pos).value,
                "position": pos,
                "years_band": rnd.choice(list(YearsBand)[:4]).value,
                "confidence": 0.5,
            }
        )
    doms = pl.DataFrame(
        [{"domain_id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in tax.domains]
    )
    return pl.DataFrame(asm), pl.DataFrame(sub), doms


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_full_default_taxonomy_labels_do_not_overlap(lang: str) -> None:
    a, s, d = full_taxonomy()
    fig = draw_curve(a, s, d, lang=lang, cutoff="2022-11-24", source_line="数据来源：测试")
    boxes = label_boxes(fig)
    assert len(boxes) == s.height >= 130
    renderer = fig.canvas.get_renderer()
    ax_box = fig.axes[0].get_window_extent(renderer)
    for i, b in enumerate(boxes):
        assert ax_box.x0 <= b.x0 and b.x1 <= ax_box.x1 and ax_box.y0 <= b.y0 and b.y1 <= ax_box.y1
        for c in boxes[:i]:
            overlap = min(b.x1, c.x1) > max(b.x0, c.x0) and min(b.y1, c.y1) > max(b.y0, c.y0)
            assert not overlap, f"labels overlap: {b} and {c}"
    # the footer (source line) stays clear of the plot and its legends
    footer = next(t for t in fig.texts if t.get_gid() == "techcurve-source")
    fb = footer.get_window_extent(renderer)
    assert fb.y1 < ax_box.y0
    for leg in fig.legends:
        lb = leg.get_window_extent(renderer)
        assert fb.y1 <= lb.y0 + 1


def test_every_glyph_of_the_default_taxonomy_is_in_the_font() -> None:
    _, s, d = full_taxonomy()
    texts = list(s["name_zh"]) + list(d["name_zh"]) + list(s["name_en"])
    assert {t: missing_glyphs(t) for t in texts if missing_glyphs(t)} == {}


def test_dodge_keeps_phase_and_order_and_spreads_shared_positions() -> None:
    from techcurve.render.curve import CurvePoint, dodge_points

    pts = [CurvePoint(f"p{i}", "x", "d", 0.795, float(curve_y(0.795)), None) for i in range(9)]
    pts += [CurvePoint("q", "x", "d", 0.30, float(curve_y(0.30)), None)]
    out = dodge_points(pts, spacing_pt=10.0, x_scale=1000.0, y_scale=400.0)
    assert len(out) == 10
    moved = [p for p in out if p.subfield_id.startswith("p")]
    assert all(Phase.at(p.x) == Phase.SLOPE for p in moved)  # 0.795 is the slope's edge
    xs = sorted(p.x for p in moved)
    gaps = [
        math.hypot((b - a) * 1000, (float(curve_y(b)) - float(curve_y(a))) * 400)
        for a, b in zip(xs, xs[1:], strict=False)
    ]
    assert min(gaps) >= 9.5
    q = next(p for p in out if p.subfield_id == "q")
    assert q.x == pytest.approx(0.30)  # a dot alone is not moved
    assert all(p.y == pytest.approx(float(curve_y(p.x))) for p in out)


def test_curve_pdf(tmp_path: Path) -> None:
    a, s, d = synthetic(20)
    (pdf,) = render_curve(a, s, d, [tmp_path / "c.pdf"], cutoff="2022-11-24")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_source_line_names_sources_not_profiles(tmp_path: Path) -> None:
    from techcurve.render.sources import source_display_name, source_line
    from techcurve.store import Store, init_store

    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        st.append(
            "records",
            pl.DataFrame(
                [
                    {"record_id": "1", "kind": "paper", "source": "ml_conference_titles"},
                    {"record_id": "2", "kind": "financing", "source": "itjuzi"},
                ]
            ),
        )
        line = source_line(st, "zh")
    assert "机器学习会议论文标题" in line and "IT桔子" in line
    assert "mapping:" not in line and "itjuzi" not in line
    assert source_display_name("mapping:ruanyf_weekly", "en") == "Ruan Yifeng's tech weekly"
    assert source_display_name("some_new-source") == "some new source"


def test_source_line_reads_only_the_sources_sizes(tmp_path: Path) -> None:
    """The curve's source line: per kind in the report's order, the biggest source
    first, from the rows each source holds (the same line as the report's)."""
    from techcurve.render.sources import source_line
    from techcurve.report.provenance import source_line as report_source_line
    from techcurve.store import Store, init_store
    from techcurve.store.curve import SourceSize, source_sizes

    path = init_store(tmp_path / "tc.duckdb")
    rows = [("1", "paper", "cnki"), ("2", "patent", "uspto"), ("3", "paper", "mag")]
    rows += [("4", "paper", "mag"), ("5", "financing", "itjuzi")]
    with Store.open(path) as st:
        assert source_sizes(st) == [] and source_line(st, "en") == "Sources: —; techcurve analysis"
        st.append(
            "records",
            pl.DataFrame([{"record_id": i, "kind": k, "source": s} for i, k, s in rows]),
        )
        assert source_sizes(st) == [
            SourceSize("records", "financing", "itjuzi", 1),
            SourceSize("records", "paper", "mag", 2),
            SourceSize("records", "paper", "cnki", 1),
            SourceSize("records", "patent", "uspto", 1),
        ]
        line = source_line(st, "en")
        assert line == (
            "Sources: patents (USPTO patents); papers (Microsoft Academic Graph, CNKI); "
            "financing events (IT Juzi (IT桔子)); techcurve analysis"
        )
        assert report_source_line is source_line


def test_band_names_come_from_the_catalogue() -> None:
    from techcurve.render.curve import band_name

    assert band_name(YearsBand.Y2_5, "zh") == "2–5年"
    assert band_name(YearsBand.OBSOLETE, "en") == "obsolete before plateau"
    assert band_name(None, "zh") == "未评估"
    assert BAND_NAMES["en"][YearsBand.GT10] == "more than 10 years"
    assert set(BAND_NAMES["zh"]) == {*YearsBand, None}


def test_text_width_and_source_wrapping() -> None:
    from techcurve.render.curve.wrap import wrap_source
    from techcurve.render.fonts import text_width

    assert text_width("AI芯片") == pytest.approx(3.1)
    line = "数据来源：专利（甲）；论文（乙）；techcurve"
    assert wrap_source(line, 11) == "数据来源：专利（甲）；\n论文（乙）；techcurve"
    assert wrap_source(line, 10) == "数据来源：专利（甲）\n；论文（乙）；\ntechcurve"
    assert wrap_source("一二三四五六七八九十一二", 5) == "一二三四五\n六七八九十\n一二"
    assert wrap_source("Sources: a; b", 40) == "Sources: a; b"


def test_points_take_names_and_bands_from_the_rows() -> None:
    from techcurve.render.curve.shape import display_name, parse_band

    assert display_name({"name_zh": " 量子 ", "name_en": "Quantum"}, "zh", "q") == "量子"
    assert display_name({"name_zh": "", "name_en": "Quantum"}, "zh", "q") == "Quantum"
    assert display_name({}, "en", "q") == "q"
    assert parse_band("2–5") is YearsBand.Y2_5
    assert parse_band("soon") is None and parse_band(None) is None


def test_curve_with_a_previous_edition_names_it_in_the_legend() -> None:
    from techcurve.render.curve import movements

    a, s, d = synthetic(6)
    previous = a.select("subfield_id", (pl.col("position") * 0.5).alias("position"))
    points, _ = curve_points(a, s)
    moves = movements(points, previous)
    assert sorted(m.subfield_id for m in moves) == sorted(
        p.subfield_id for p in points if abs(p.x * 0.5 - p.x) >= 0.01
    )
    fig = draw_curve(a, s, d, lang="en", compare=previous, compare_label="2021")
    legend_texts = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "position in edition 2021 → now" in legend_texts
    fig = draw_curve(a, s, d, lang="zh", compare=previous)
    assert "上一版位置 → 现位置" in [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    with pytest.raises(ReportError, match="subfield_id and position"):
        movements(points, previous.rename({"position": "x"}))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legends_do_not_overlap_with_every_band_and_domain(lang: str) -> None:
    a, s, d = synthetic(30)
    bands = [b.value for b in YearsBand]
    a = a.with_columns(years_band=pl.Series([bands[i % 5] for i in range(30)]))
    d = d.with_columns(  # the default taxonomy's domain names, the longest first
        name_en=pl.Series(
            [
                "Network",
                "Artificial intelligence",
                "Big data",
                "Interaction technology",
                "Cloud computing / cloud native",
                "Blockchain",
            ]
        )
    )
    fig = draw_curve(a, s, d, lang=lang, cutoff="2022-11-24")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = sorted((leg.get_window_extent(renderer) for leg in fig.legends), key=lambda b: b.x0)
    assert len(boxes) == 2
    assert boxes[0].x1 < boxes[1].x0
    assert len(fig.legends[-1].get_texts()) + len(fig.legends[0].get_texts()) == 6 + 5
