"""The report as a PowerPoint deck, read back with python-pptx (and rendered by LibreOffice)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from techcurve import pipeline
from techcurve.render.fonts import FONT_FAMILY
from test_report import make_store

PAGES = Path(__file__).parent / "data" / "pages"


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("deck")
    make_store(d / "tc.duckdb").close()
    return pipeline.report(d / "tc.duckdb", d / "report.pptx", pages=PAGES)


def _tables(slide) -> list[list[list[str]]]:  # type: ignore[no-untyped-def]
    return [
        [[c.text for c in row.cells] for row in shape.table.rows]
        for shape in slide.shapes
        if shape.has_table
    ]


def test_one_slide_per_report_page_with_its_action_title(deck: Path) -> None:
    prs = Presentation(str(deck))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles == [
        "中国技术成熟度评估曲线",
        "研究方法与数据来源：专利、融资事件共 13 条记录，覆盖 12 个细分技术领域",
        "开篇",
        "行业关注度与技术成熟度强相关：12 个细分技术领域的舆论指数与累计专利数的斯皮尔曼等级相关系数为 0.79（p = 0.0022）",
        "5G、机器/深度学习、计算机视觉等话题成为舆论指数最高的技术热词",
        "网络和人工智能领域技术专利最多，合计占 80.56%；云计算领域专利较少（1.99%）",
        "专利数 TOP10 细分技术领域占全部细分领域累计专利的 99.71%，5G居首（1,002,391 件）",
        "2022年1月-11月技术领域共融资 12.5 亿元、7 起，1月融资金额最高（8.0 亿元）",
        "云计算与大数据赛道融资金额领先，合计占 86.40%",
        "技术领域聚焦早期融资：A轮与B轮占融资事件的 57.15%",
        "量子计算、行业云平台、机器/深度学习在细分技术领域中融资金额居前",
        "11 个细分技术领域中，4 个处于期望膨胀期",
        "网络：1 个细分技术领域中，1 个处于生产成熟期",  # one curve per domain
        "人工智能：3 个细分技术领域中，3 个处于稳步爬升复苏期",
        "大数据：3 个细分技术领域中，1 个处于技术萌芽期",
        "云计算：4 个细分技术领域中，4 个处于期望膨胀期",
        "年度观察",
        "附录：细分技术领域评估明细",
    ]


def test_tables_are_native_tables_with_the_reports_numbers(deck: Path) -> None:
    slides = list(Presentation(str(deck)).slides)
    assert _tables(slides[5]) == [
        [
            ["技术领域", "累计专利件数", "占比"],
            ["网络", "1,002,391", "41.65%"],
            ["人工智能", "936,457", "38.91%"],
            ["大数据", "420,058", "17.45%"],
            ["云计算", "48,000", "1.99%"],
            ["合计", "2,406,906", "100.00%"],
        ]
    ]
    appendix = _tables(slides[17])[0]
    assert appendix[0] == ["细分技术领域", "技术领域", "阶段", "位置", "距成熟年限", "置信度"]
    assert len(appendix) == 12  # the 11 placed sub-fields and the header


def test_charts_are_pictures_and_the_curves_are_the_widest(deck: Path) -> None:
    slides = list(Presentation(str(deck)).slides)
    pictures = {
        i: [sh.width for sh in s.shapes if sh.shape_type == 13] for i, s in enumerate(slides)
    }
    assert [i for i, p in pictures.items() if p] == list(range(5, 16))
    curves = [pictures[i][0] for i in range(11, 16)]  # the full curve, then each domain's
    assert len(set(curves)) == 1
    assert curves[0] > max(w for i, p in pictures.items() if i < 11 for w in p)


def test_every_data_slide_ends_with_its_source_line(deck: Path) -> None:
    slides = list(Presentation(str(deck)).slides)
    last = [s.shapes[-1] for s in slides]
    foot = [sh.text_frame.text.splitlines() if sh.has_text_frame else [""] for sh in last]
    assert foot[7] == [
        "数据来源：融资事件数据（IT桔子）；techcurve 整理分析",
        "数据截止 2022-11-24；融资事件：10 条记录（9 条匹配），来源 IT桔子",
    ]
    assert [f[0] for f in foot[1:11] if f[0].startswith("数据来源：")] == [
        f[0] for f in foot[1:11] if f[0] != "分析师观点"
    ]


def test_analyst_pages_are_text_boxes_and_their_tables_native(deck: Path) -> None:
    slide = list(Presentation(str(deck)).slides)[16]
    texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    assert texts[1].splitlines() == [
        "要点",
        "• 5G 累计专利 1,002,391 件，处于生产成熟期，位置 0.86。",
        "• 5G 2015 年专利 89 件，比上年 -27.6%。",
        "• 人工智能占融资金额的 9.60%（1.2 亿元）；2022年1月-11月共 12.5 亿元、7 起。",
        "• 期望膨胀期有 4 个细分领域，曲线上共 11 个。<b>不是粗体</b>",
    ]
    assert _tables(slide) == [[["年份", "专利"], ["2014", "123"], ["2015", "89"]]]
    assert texts[-1] == "分析师观点"


def test_text_names_the_cjk_font_for_east_asian_and_latin_runs(deck: Path) -> None:
    slide = list(Presentation(str(deck)).slides)[16]
    run = slide.shapes.title.text_frame.paragraphs[0].runs[0]
    rpr = run._r.find(qn("a:rPr"))
    assert rpr.find(qn("a:latin")).get("typeface") == FONT_FAMILY
    assert rpr.find(qn("a:ea")).get("typeface") == FONT_FAMILY


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or poppler-utils not installed (scripts/setup-system.sh)",
)
def test_libreoffice_renders_every_slide(deck: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+18$", info.stdout, re.M)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "12", "-l", "12", str(pdf), str(tmp_path / "s")],
        check=True,
    )
    from PIL import Image

    with Image.open(next(tmp_path.glob("s-*.png"))) as im:
        assert round(im.width / im.height, 2) == 1.78  # the curve's slide, 16:9
        colours = im.convert("RGB").getcolors(maxcolors=100_000)
    assert colours is not None and len(colours) > 50  # the curve is drawn, not a blank page
