"""The expert panel in a real browser (Debian's Chromium driven by Playwright): the
facilitator creates a panel of two experts and opens round 1; expert A drags the dot
on the small curve and answers, expert B answers with the slider and the phase, a
missing rationale shows beside its field; the facilitator closes round 1 (no consensus
on one sub-field) and opens round 2; expert A sees the anonymised distribution; both
answer close to each other; round 2 reaches consensus and the curve at ``/`` marks the
expert's placement. A rationale holding a script stays text. Screenshots go to
``out/test-screens/panel-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import CHROMIUM, SCREENS, chromium, served
from serve_store import build_store
from techcurve.serve import create_app

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium (make setup)")

KEY = "browser-facilitator"
EXPERTS = Path(__file__).parent / "data" / "panel" / "experts.csv"
SCRIPT = "<script>alert('r')</script>"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_store(tmp_path_factory.mktemp("panel-browser") / "tc.duckdb")
    with served(create_app(db, lang="en", facilitator_key=KEY)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api) as b:
        yield b


def _page(browser: object) -> object:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = ctx.new_page()
    pg.dialogs = []
    pg.console_errors = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    return pg


def _shot(pg: object, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENS / f"panel-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _drag(pg: object, index: int, x0: float, x1: float) -> None:
    """Drag the dot on the index-th small curve from position x0 to x1."""
    sel = f"document.querySelectorAll('.mini-curve')[{index}]"
    pg.evaluate(f"{sel}.scrollIntoView({{block: 'center'}})")  # type: ignore[attr-defined]
    pg.wait_for_function(f"() => {sel}.tcPixel")  # type: ignore[attr-defined]
    a = pg.evaluate(f"{sel}.tcPixel({x0})")  # type: ignore[attr-defined]
    b = pg.evaluate(f"{sel}.tcPixel({x1})")  # type: ignore[attr-defined]
    pg.mouse.move(*a)  # type: ignore[attr-defined]
    pg.mouse.down()  # type: ignore[attr-defined]
    pg.mouse.move(*b, steps=8)  # type: ignore[attr-defined]
    pg.mouse.up()  # type: ignore[attr-defined]


def _set_slider(pg: object, sid: str, value: float) -> None:
    pg.locator(f"section[data-sid='{sid}'] .f-slider").fill(str(value))  # type: ignore[attr-defined]


def test_two_experts_two_rounds_to_consensus_in_the_browser(browser: object, base_url: str) -> None:
    fac = _page(browser)
    fac.goto(f"{base_url}/facilitator?key={KEY}")  # type: ignore[attr-defined]
    fac.fill("#create-panel input[name=name]", "Panel 2026")  # type: ignore[attr-defined]
    fac.set_input_files("#create-panel input[name=experts]", str(EXPERTS))  # type: ignore[attr-defined]
    fac.click("#create-panel button[type=submit]")  # type: ignore[attr-defined]
    fac.wait_for_selector("#links")  # type: ignore[attr-defined]
    links = fac.locator("#links code.link").all_inner_texts()  # type: ignore[attr-defined]
    assert [re.sub(r"/expert/[\w-]+$", "/expert/…", u) for u in links] == [
        f"{base_url}/expert/…"
    ] * 2
    _shot(fac, "created")
    fac.click("text=Go to the panel's page")  # type: ignore[attr-defined]
    fac.select_option("#choose-domain", "ai")  # type: ignore[attr-defined]
    fac.click("#choose-all")  # type: ignore[attr-defined]
    fac.select_option("#choose-domain", "network")  # type: ignore[attr-defined]
    fac.fill("#choose-q", "software")  # type: ignore[attr-defined]
    fac.click("#choose-all")  # type: ignore[attr-defined]
    checked = fac.eval_on_selector_all(  # type: ignore[attr-defined]
        "#chooser input:checked", "els => els.map(e => e.value)"
    )
    assert checked == ["llm", "cv", "sdn"]
    fac.click("#open-round button[type=submit]")  # type: ignore[attr-defined]
    fac.wait_for_selector("#round-1 .status-open")  # type: ignore[attr-defined]

    ada, bo = _page(browser), _page(browser)
    ada.goto(links[0])  # type: ignore[attr-defined]
    ada.wait_for_function("() => document.querySelectorAll('.mini-curve canvas').length >= 3")  # type: ignore[attr-defined]
    _drag(ada, 0, 0.22, 0.30)  # llm: the dot from the model's place to 0.30
    assert ada.input_value("section[data-sid='llm'] .f-position") == "0.3"  # type: ignore[attr-defined]
    assert ada.input_value("section[data-sid='llm'] .f-phase") == "peak"  # type: ignore[attr-defined]
    _set_slider(ada, "cv", 0.2)  # cv: the model says slope; peak is two phases away
    assert ada.input_value("section[data-sid='cv'] .f-phase") == "peak"  # type: ignore[attr-defined]
    ada.click("#submit-answers")  # type: ignore[attr-defined]
    err = ada.locator("[data-field='cv.rationale']")  # type: ignore[attr-defined]
    assert "give a rationale" in err.inner_text()
    assert ada.input_value("section[data-sid='llm'] .f-position") == "0.3"  # type: ignore[attr-defined]
    _shot(ada, "expert-error")
    assert ada.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]  # type: ignore[attr-defined]
    ada.console_errors.clear()  # type: ignore[attr-defined]
    ada.fill("textarea[name='cv.rationale']", SCRIPT)  # type: ignore[attr-defined]
    ada.click("#submit-answers")  # type: ignore[attr-defined]
    assert "answers saved: 2" in ada.locator("#saved").inner_text()  # type: ignore[attr-defined]

    bo.goto(links[1])  # type: ignore[attr-defined]
    bo.select_option("section[data-sid='llm'] .f-phase", "peak")  # type: ignore[attr-defined]
    assert bo.input_value("section[data-sid='llm'] .f-position") == "0.27"  # type: ignore[attr-defined]
    bo.select_option("section[data-sid='cv'] .f-phase", "plateau")  # type: ignore[attr-defined]
    bo.click("#submit-answers")  # type: ignore[attr-defined]
    assert "answers saved: 2" in bo.locator("#saved").inner_text()  # type: ignore[attr-defined]

    fac.reload()  # type: ignore[attr-defined]
    assert fac.locator("#round-1 .who").inner_text() == "Ada Wang, Bo Li"  # type: ignore[attr-defined]
    fac.click("#close-round button")  # type: ignore[attr-defined]
    fac.wait_for_selector("#results-1")  # type: ignore[attr-defined]
    consensus = dict(
        zip(
            fac.eval_on_selector_all(
                "#results-1 tr[data-subfield]", "r => r.map(e => e.dataset.subfield)"
            ),  # type: ignore[attr-defined]
            fac.locator("#results-1 td.consensus").all_inner_texts(),  # type: ignore[attr-defined]
            strict=True,
        )
    )
    assert consensus == {"cv": "no", "llm": "yes"}
    assert SCRIPT in fac.locator("#results-1").inner_text()  # type: ignore[attr-defined]
    unanswered = fac.locator("#round-1 .unanswered").inner_text()  # type: ignore[attr-defined]
    assert unanswered == "sub-fields nobody answered (not aggregated): Software-defined networking"
    _shot(fac, "round1-closed")
    fac.check("#chooser input[value=cv]")  # type: ignore[attr-defined]
    fac.click("#open-round button[type=submit]")  # type: ignore[attr-defined]
    fac.wait_for_selector("#round-2 .status-open")  # type: ignore[attr-defined]

    ada.goto(links[0])  # type: ignore[attr-defined]
    ada.wait_for_function("() => document.querySelectorAll('.mini-curve canvas').length >= 1")  # type: ignore[attr-defined]
    assert (
        "round 1 had 2 answers (anonymous)"
        in ada.locator("section[data-sid='cv'] .dist").inner_text()
    )  # type: ignore[attr-defined]
    others = ada.evaluate(  # type: ignore[attr-defined]
        "document.querySelector('.mini-curve').tcChart.getOption().series"
        ".filter(s => s.name === 'others')[0].data.length"
    )
    assert others == 2
    _shot(ada, "round2-distribution")
    _set_slider(ada, "cv", 0.62)
    ada.fill("textarea[name='cv.rationale']", "")  # type: ignore[attr-defined]
    ada.click("#submit-answers")  # type: ignore[attr-defined]
    assert "answers saved: 1" in ada.locator("#saved").inner_text()  # type: ignore[attr-defined]
    bo.goto(links[1])  # type: ignore[attr-defined]
    _set_slider(bo, "cv", 0.66)
    bo.click("#submit-answers")  # type: ignore[attr-defined]
    bo.wait_for_selector("#saved")  # type: ignore[attr-defined]

    fac.reload()  # type: ignore[attr-defined]
    fac.click("#close-round button")  # type: ignore[attr-defined]
    fac.wait_for_selector("#results-2")  # type: ignore[attr-defined]
    assert fac.locator("#results-2 td.consensus").all_inner_texts() == ["yes"]  # type: ignore[attr-defined]
    _shot(fac, "round2-closed")

    fac.goto(f"{base_url}/?lang=en")  # type: ignore[attr-defined]
    fac.wait_for_function("() => window.tc && tc.curve")  # type: ignore[attr-defined]
    arrows = fac.evaluate(  # type: ignore[attr-defined]
        "tc.curve.getOption().series.filter(s => s.name === 'expert-arrows')[0].data.length"
    )
    assert arrows == 2  # llm (round 1: model 0.22 → 0.28) and cv (round 2: 0.66 → 0.64)
    assert "ring: an expert's placement" in fac.locator("#legend-expert").inner_text()  # type: ignore[attr-defined]
    x, y = fac.evaluate("tc.dotPixel('cv')")  # type: ignore[attr-defined]
    fac.mouse.move(x, y)  # type: ignore[attr-defined]
    tip = fac.locator("#curve div").filter(has_text="Computer vision").last  # type: ignore[attr-defined]
    tip.wait_for(state="visible")
    assert "expert: panel Panel 2026, round 2" in " ".join(tip.inner_text().split())
    _shot(fac, "curve-expert")
    for pg in (fac, ada, bo):
        assert pg.dialogs == []  # type: ignore[attr-defined]
        assert pg.console_errors == []  # type: ignore[attr-defined]
