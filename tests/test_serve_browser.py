"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

uvicorn serves :func:`techcurve.serve.create_app` on a free port in a thread, over the
small store of ``tests/serve_store.py``. Screenshots go to ``out/test-screens/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import CHROMIUM, SCREENS, chromium, served
from serve_store import XSS, XSS_TITLE, build_store
from techcurve.serve import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (make setup)")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_store(tmp_path_factory.mktemp("serve-browser") / "tc.duckdb")
    with served(create_app(db, lang="zh")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api) as b:
        yield b


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def _shot(pg: object, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _hover_dot(pg: object, subfield_id: str) -> None:
    pg.wait_for_function("() => window.tc && tc.curve")  # type: ignore[attr-defined]
    x, y = pg.evaluate(f"tc.dotPixel({subfield_id!r})")  # type: ignore[attr-defined]
    pg.mouse.move(x, y)  # type: ignore[attr-defined]


def test_hover_a_dot_reads_its_tooltip_and_click_opens_its_page(
    page: object, base_url: str
) -> None:
    pg = page
    pg.goto(base_url + "/")  # type: ignore[attr-defined]
    _hover_dot(pg, "llm")
    tip = pg.locator("#curve div").filter(has_text="大语言模型").last  # type: ignore[attr-defined]
    tip.wait_for(state="visible")
    text = " ".join(tip.inner_text().split())
    assert text == "大语言模型 领域：人工智能 阶段：期望膨胀期 置信度：81% 距成熟期：2–5年"
    _shot(pg, "curve-zh-hover")
    x, y = pg.evaluate("tc.dotPixel('llm')")  # type: ignore[attr-defined]
    pg.mouse.click(x, y)  # type: ignore[attr-defined]
    pg.wait_for_url("**/subfield/llm?lang=zh")  # type: ignore[attr-defined]
    assert pg.locator("#sf-name").inner_text() == "大语言模型"  # type: ignore[attr-defined]
    assert pg.console_errors == []  # type: ignore[attr-defined]


def test_subfield_page_records_and_paging(page: object, base_url: str) -> None:
    pg = page
    pg.goto(base_url + "/subfield/llm")  # type: ignore[attr-defined]
    rows = pg.locator("#records-table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 50
    assert pg.locator("#page-of").inner_text() == "第 1 / 2 页"  # type: ignore[attr-defined]
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[0] == XSS_TITLE  # the payload is text, not markup
    link = pg.locator("#records-table a", has_text="大语言模型论文 01")  # type: ignore[attr-defined]
    assert link.get_attribute("href") == "https://example.org/paper/1"
    assert pg.locator("#records-table a", has_text="大语言模型论文 02").count() == 0  # type: ignore[attr-defined]
    pg.wait_for_function("() => document.querySelectorAll('.chart-series canvas').length >= 2")  # type: ignore[attr-defined]
    _shot(pg, "subfield-zh")
    pg.click("#next-page")  # type: ignore[attr-defined]
    pg.wait_for_function("() => document.getElementById('page-of').textContent.includes('2 / 2')")  # type: ignore[attr-defined]
    assert pg.locator("#records-table tbody tr").count() == 11  # type: ignore[attr-defined]
    assert pg.dialogs == []  # type: ignore[attr-defined]
    assert pg.console_errors == []  # type: ignore[attr-defined]


def test_filter_by_domain_keeps_that_domains_dots(page: object, base_url: str) -> None:
    pg = page
    pg.goto(base_url + "/")  # type: ignore[attr-defined]
    pg.wait_for_function("() => window.tc && tc.curve")  # type: ignore[attr-defined]
    pg.select_option("#f-domain", "network")  # type: ignore[attr-defined]
    pg.wait_for_function("() => location.search.includes('domain=network')")  # type: ignore[attr-defined]
    pg.wait_for_function("() => document.getElementById('curve-count').textContent.includes('2 /')")  # type: ignore[attr-defined]
    ids = pg.evaluate("tc.json('curve-data').dots.map(d => d.subfield_id)")  # type: ignore[attr-defined]
    assert ids == ["sdn", "5g"]
    pg.wait_for_function(
        "() => tc.curve && tc.curve.getOption().series.filter(s => s.name === 'dots')[0].data.length === 2"
    )  # type: ignore[attr-defined]
    _shot(pg, "curve-zh-network")
    assert pg.console_errors == []  # type: ignore[attr-defined]  # nothing the CSP blocked


def test_xss_payloads_render_as_text_and_no_dialog_fires(page: object, base_url: str) -> None:
    pg = page
    pg.goto(base_url + "/table")  # type: ignore[attr-defined]
    assert pg.locator("#subfields a", has_text=XSS).count() == 1  # type: ignore[attr-defined]
    pg.goto(base_url + "/subfield/xss")  # type: ignore[attr-defined]
    assert pg.locator("#sf-name").inner_text() == XSS  # type: ignore[attr-defined]
    pg.goto(base_url + "/")  # type: ignore[attr-defined]
    _hover_dot(pg, "xss")
    tip = pg.locator("#curve div").filter(has_text="onerror").last  # type: ignore[attr-defined]
    tip.wait_for(state="visible")
    assert tip.inner_text().splitlines()[0] == XSS
    assert pg.locator("#curve img").count() == 0  # type: ignore[attr-defined]
    _shot(pg, "curve-zh-xss-tooltip")
    assert pg.dialogs == []  # type: ignore[attr-defined]
    assert pg.console_errors == []  # type: ignore[attr-defined]


def test_switch_to_english_and_compare_with_an_edition(page: object, base_url: str) -> None:
    pg = page
    pg.goto(base_url + "/")  # type: ignore[attr-defined]
    pg.click("#lang-switch")  # type: ignore[attr-defined]
    pg.wait_for_url("**lang=en**")  # type: ignore[attr-defined]
    assert pg.locator("h1").inner_text() == "Technology maturity curve"  # type: ignore[attr-defined]
    pg.select_option("#f-edition", "2021")  # type: ignore[attr-defined]
    pg.wait_for_function("() => location.search.includes('edition=2021')")  # type: ignore[attr-defined]
    moves = pg.evaluate("tc.json('curve-data').moves.length")  # type: ignore[attr-defined]
    assert moves == 7
    pg.wait_for_function(
        "() => tc.curve && tc.curve.getOption().series.filter(s => s.name === 'arrows')[0].data.length === 7"
    )  # type: ignore[attr-defined]
    _shot(pg, "curve-en-edition-2021")
    pg.goto(base_url + "/table?lang=en")  # type: ignore[attr-defined]
    _shot(pg, "table-en")
    pg.goto(base_url + "/report/curve?lang=en")  # type: ignore[attr-defined]
    _shot(pg, "report-curve-en")
    pg.goto(base_url + "/ingest?lang=en")  # type: ignore[attr-defined]
    _shot(pg, "ingest-en")
