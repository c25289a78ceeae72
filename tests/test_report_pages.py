"""The analyst's pages: Markdown with a YAML header, placeholders filled and audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from techcurve import pipeline
from techcurve.audit import audit_figures
from techcurve.errors import ReportError
from techcurve.report import data_json_path
from techcurve.report.build import assemble
from techcurve.report.context import ReportContext, load_context
from techcurve.report.model import ReportData
from techcurve.report.pages import read_pages, text_blocks, with_pages
from techcurve.store import Store
from test_report import make_store

PAGES = Path(__file__).parent / "data" / "pages"
SHIPPED = Path(__file__).parents[1] / "src" / "techcurve" / "data" / "pages"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages") / "tc.duckdb"
    make_store(path).close()
    return path


@pytest.fixture(scope="module")
def built(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """The report with the pages of tests/data/pages, given by the config's report.pages."""
    d = tmp_path_factory.mktemp("pages-report")
    cfg = d / "config.yaml"
    cfg.write_text(f"report:\n  pages: {PAGES}\n", encoding="utf-8")
    out = pipeline.report(store_path, d / "report.html", config=cfg)
    data = json.loads(data_json_path(out).read_text(encoding="utf-8"))
    return out.read_text(encoding="utf-8"), data


def _page(tmp_path: Path, body: str, head: str = "title: T\nsection: curve") -> Path:
    folder = tmp_path / "pages"
    folder.mkdir(exist_ok=True)
    (folder / "p.md").write_text(f"---\n{head}\n---\n{body}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def english(store_path: Path) -> Iterator[tuple[Store, ReportContext, ReportData]]:
    """The English report data without pages, to add pages to."""
    with make_store_ro(store_path) as st:
        ctx = load_context(st, "en", "2022-11-24")
        yield st, ctx, assemble(st, ctx)


def _error(english: tuple[Store, ReportContext, ReportData], folder: Path) -> str:
    st, ctx, data = english
    with pytest.raises(ReportError) as e:
        with_pages(data, st, ctx, folder)
    return str(e.value)


def make_store_ro(path: Path) -> Store:
    return Store.open(path, read_only=True)


def test_pages_of_the_report_language_in_section_order(built: tuple[str, dict]) -> None:
    _, data = built
    assert [(p["name"], p["section"], p["order"]) for p in data["pages"]] == [
        ("first.zh", "methods", 0),
        ("observations.zh", "curve", 2),
    ]


def test_placeholders_are_filled_from_the_report_data(built: tuple[str, dict]) -> None:
    _, data = built
    page = data["pages"][1]
    assert [(v["placeholder"], v["line"], v["text"]) for v in page["values"]] == [
        ("{{patents_cum:5g}}", 9, "1,002,391"),
        ("{{phase:5g}}", 9, "生产成熟期"),
        ("{{position:5g}}", 9, "0.86"),
        ("{{patents:5g:2015}}", 10, "89"),
        ("{{patents_yoy:5g:2015}}", 10, "-27.6%"),
        ("{{domain:ai}}", 11, "人工智能"),
        ("{{financing_share:ai}}", 11, "9.60%"),
        ("{{financing_amount:ai}}", 11, "1.2"),
        ("{{financing_window}}", 11, "2022年1月-11月"),
        ("{{financing_total}}", 11, "12.5"),
        ("{{financing_events}}", 11, "7"),
        ("{{phase_count:peak}}", 12, "4"),
        ("{{on_curve}}", 12, "11"),
        ("{{patents:5g:2014}}", 16, "123"),
        ("{{patents:5g:2015}}", 17, "89"),
    ]
    assert data["pages"][0]["markdown"] == "网络领域专利占 41.65%，共 1,002,391 件。"


def test_markdown_is_rendered_with_raw_html_escaped(built: tuple[str, dict]) -> None:
    html, data = built
    page = data["pages"][1]
    assert (
        "<li>期望膨胀期有 4 个细分领域，曲线上共 11 个。&lt;b&gt;不是粗体&lt;/b&gt;</li>"
        in page["html"]
    )
    assert '<td style="text-align:right">123</td>' in page["html"]
    assert "<b>不是粗体</b>" not in html
    assert page["blocks"][:2] == [
        {"kind": "heading", "level": 2, "text": "要点"},
        {
            "kind": "item",
            "level": 1,
            "text": "5G 累计专利 1,002,391 件，处于生产成熟期，位置 0.86。",
        },
    ]
    assert page["blocks"][-3:] == [
        {"kind": "row", "level": 0, "text": "年份 | 专利"},
        {"kind": "row", "level": 0, "text": "2014 | 123"},
        {"kind": "row", "level": 0, "text": "2015 | 89"},
    ]


def test_each_page_follows_its_section_in_the_html(built: tuple[str, dict]) -> None:
    html, _ = built
    order = [html.index(f'id="{x}"') for x in ("methods", "page-first.zh", "conclusions")]
    assert order == sorted(order)
    order = [html.index(f'id="{x}"') for x in ("curve", "page-observations.zh", "appendix")]
    assert order == sorted(order)
    assert '<p class="kicker">分析师观点</p>\n  <h2>年度观察</h2>' in html


def test_the_filled_numbers_are_audit_claims_and_the_report_passes(built: tuple[str, dict]) -> None:
    _, data = built
    fig = data["figures"]
    claims = {c["id"]: c for c in fig["claims"] if c["id"].startswith("page:")}
    assert claims["page:observations.zh:10:2:patents_yoy"] == {
        "id": "page:observations.zh:10:2:patents_yoy",
        "text": "- 5G 2015 年专利 89 件，比上年 -27.6%。",
        "value": "-27.6",
        "of": {"table": "pages:5g:patents", "growth": "2015"},
    }
    assert claims["page:observations.zh:11:1:financing_share"]["of"] == {
        "table": "financing_domain_share",
        "value": "人工智能",
    }
    series = next(t for t in fig["tables"] if t["id"] == "pages:5g:patents")
    assert series["parts"] == [["2014", "123"], ["2015", "89"]]
    assert series["growth"] == [["2015", "-27.6"]]
    assert len(claims) == 14
    res = audit_figures(fig)
    assert not res.findings


def test_the_audit_catches_a_filled_number_that_disagrees(built: tuple[str, dict]) -> None:
    fig = json.loads(json.dumps(built[1]["figures"]))
    for c in fig["claims"]:
        if c["id"] == "page:observations.zh:10:2:patents_yoy":
            c["value"], c["text"] = "-20.0", "比上年 -20.0%"
    findings = audit_figures(fig).findings
    assert [(f.level, f.check, f.where) for f in findings] == [
        ("error", "claim", "page:observations.zh:10:2:patents_yoy")
    ]


def test_english_report_takes_the_english_pages(
    english: tuple[Store, ReportContext, ReportData],
) -> None:
    st, ctx, data = english
    pages = with_pages(data, st, ctx, PAGES).pages
    assert pages is not None
    assert [p.name for p in pages] == ["observations.en"]
    assert pages[0].markdown == (
        "5G has 1,002,391 patents and is in the Plateau of Productivity phase."
    )


def test_without_pages_the_report_data_has_no_pages_key(
    english: tuple[Store, ReportContext, ReportData],
) -> None:
    data = english[2]
    assert data.pages is None and "pages" not in data.to_json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "line one\n{{patents_cum:llm}}",
            "p.md:6: {{patents_cum:llm}} names the sub-field 'llm', which the report does not "
            "have; sub-field ids: 5g, bda, bdc, cv, dcl, idc, lake, ml, nlp, pc, qc, sls",
        ),
        (
            "{{patent_count:5g}}",
            "p.md:5: {{patent_count:5g}} names the measure 'patent_count', which does not exist; "
            "measures: phase_count, patents_cum, patents_yoy, articles, articles_yoy, confidence",
        ),
        (
            "{{patents:5g:1999}}",
            "p.md:5: {{patents:5g:1999}} names the year 1999, which has no value; "
            "the series has years 2005–2022",
        ),
        ("{{patents:5g}}", "p.md:5: {{patents:5g}} names no year"),
        (
            "{{financing_share:space}}",
            "names the domain 'space', which does not exist; domain ids: ",
        ),
        ("{{phase_count:hype}}", "phase ids: trigger, peak, trough, slope, plateau"),
        ("{{on_curve:5g}}", "p.md:5: {{on_curve:5g}} is a number of the whole report"),
        ("{{ 5g }}", "p.md:5: the placeholder {{ 5g }} is not written as {{measure:subject:year}}"),
    ],
)
def test_a_placeholder_naming_what_does_not_exist_says_where_and_what_exists(
    english: tuple[Store, ReportContext, ReportData], tmp_path: Path, body: str, message: str
) -> None:
    assert message in _error(english, _page(tmp_path, body))


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (
            "title: T\nsection: trends",
            "p.md:3: section is 'trends', which the report does not have; sections: methods, "
            "conclusions, hot, patents, financing, curve, appendix",
        ),
        ("section: curve", "p.md:1: the header needs title"),
        ("title: T\nsection: curve\norder: first", "p.md:4: order must be a whole number"),
        ("title: T\nsection: curve\nlanguage: fr", "p.md:4: language is 'fr'; languages: zh, en"),
        ("title: [T\nsection: curve", "p.md:3: the header is not valid YAML"),
    ],
)
def test_a_bad_header_says_where(tmp_path: Path, head: str, message: str) -> None:
    folder = _page(tmp_path, "text", head)
    with pytest.raises(ReportError) as e:
        read_pages(folder, "zh")
    assert message in str(e.value)


def test_a_page_without_a_header_and_a_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("# no header\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"p\.md:1: a page starts with a YAML header"):
        read_pages(tmp_path, "zh")
    with pytest.raises(ReportError, match="the analyst pages folder .*nowhere does not exist"):
        read_pages(tmp_path / "nowhere", "zh")


def test_text_blocks_join_chinese_lines_without_a_space() -> None:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse("第一行\n第二行\n\n- one\n  two\n")
    assert [b.text for b in text_blocks(tokens)] == ["第一行第二行", "one two"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_shipped_demo_pages_read_in_both_languages(lang: str) -> None:
    pages = read_pages(SHIPPED, lang)
    assert [(p.name, p.section) for p in pages] == [
        (f"timeline.{lang}", "hot"),
        (f"financing.{lang}", "financing"),
        (f"curve.{lang}", "curve"),
    ]
