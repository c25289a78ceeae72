"""The expert panel over HTTP: the facilitator's pages (create a panel, open and close
rounds, the aggregates, the Excel forms out and back in), the experts' pages and the
panel's JSON API, every refusal, escaping, and the store shared by reads and writes
of concurrent requests."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from serve_store import XSS, build_store
from techcurve.serve import create_app
from techcurve.serve.delphi import MAX_UPLOAD
from techcurve.serve.security import CSP

KEY = "facilitator-secret"
EXPERTS = Path(__file__).parent / "data" / "panel" / "experts.csv"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("panel-web") / "tc.duckdb")


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    out = tmp_path / "tc.duckdb"
    shutil.copy(template, out)
    return out


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, lang="en", facilitator_key=KEY)) as c:
        c.get(f"/facilitator?key={KEY}")  # the key's cookie from now on
        yield c


def csrf(c: TestClient) -> str:
    return re.search(r'data-csrf="([^"]+)"', c.get("/table").text).group(1)  # type: ignore[union-attr]


def create(
    c: TestClient, name: str = "AI 2026", data: bytes | None = None
) -> tuple[str, list[str]]:
    body = EXPERTS.read_bytes() if data is None else data
    r = c.post(
        "/facilitator/panels?lang=en",
        data={"csrf_token": csrf(c), "name": name, "max_rounds": "2"},
        files={"experts": ("C:\\Users\\me\\experts.csv", body, "text/csv")},
    )
    assert r.status_code == 200, r.text
    return r.text, re.findall(r"/expert/([\w-]+)</code>", r.text)


def open_round(c: TestClient, *ids: str, panel: int = 1) -> None:
    r = c.post(
        f"/facilitator/panel/{panel}/open",
        data={"csrf_token": csrf(c), "subfield": list(ids)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/facilitator/panel/{panel}?lang=en"


def answer(c: TestClient, token: str, **fields: str) -> tuple[int, str]:
    data = {"csrf_token": csrf(c), **{k.replace("__", "."): v for k, v in fields.items()}}
    r = c.post(f"/expert/{token}?lang=en", data=data)
    return r.status_code, r.text


def close(c: TestClient, panel: int = 1) -> str:
    r = c.post(f"/facilitator/panel/{panel}/close?lang=en", data={"csrf_token": csrf(c)})
    assert r.status_code == 200, r.text
    return r.text


def results(html: str, number: int) -> list[list[str]]:
    table = re.search(rf'<table class="results" id="results-{number}">(.*?)</table>', html, re.S)
    assert table, html
    rows = re.findall(r"<tr data-subfield[^>]*>(.*?)</tr>", table.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_a_new_panel_shows_each_link_once_with_a_csv_of_them(client: TestClient) -> None:
    html, tokens = create(client)
    assert len(tokens) == 2 and len(set(tokens)) == 2
    assert "cannot be shown again" in html
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", html)
    assert rows == [("Ada Wang", "Tsinghua University"), ("Bo Li", "CAICT")]
    href = re.search(
        r'id="links-csv" class="button" download="panel-links.csv" href="([^"]+)"', html
    )
    assert href is not None
    text = unquote(href.group(1).removeprefix("data:text/csv;charset=utf-8,")).lstrip("\ufeff")
    assert text.splitlines() == [
        "name,affiliation,link",
        f"Ada Wang,Tsinghua University,http://testserver/expert/{tokens[0]}",
        f"Bo Li,CAICT,http://testserver/expert/{tokens[1]}",
    ]
    page = client.get("/facilitator/panel/1?lang=en").text
    assert tokens[0] not in page and tokens[1] not in page  # never shown again
    assert (
        '<li><a href="/facilitator/panel/1?lang=en">AI 2026</a></li>'
        in client.get("/facilitator?lang=en").text
    )


def test_two_experts_two_rounds_to_consensus_over_http(client: TestClient) -> None:
    _, (ada, bo) = create(client)
    open_round(client, "llm", "cv")
    assert (
        answer(client, ada, llm__position="0.2", cv__position="0.3", cv__rationale="labs only")[0]
        == 200
    )
    status, html = answer(
        client, bo, llm__phase="peak", cv__position="0.9", cv__rationale="everywhere"
    )
    assert status == 200 and "answers saved: 2" in html
    page = client.get("/facilitator/panel/1?lang=en").text
    assert 'answered: 2 of 2 experts: <span class="who">Ada Wang, Bo Li</span>' in page
    assert "sub-fields asked about: 2" in page
    html = close(client)
    assert results(html, 1) == [
        ["Computer vision", "2", "0.60", "Slope of Enlightenment", "0.45–0.75", "1.20", "0%", "no",
         "Ada Wang: 0.30 (Peak of Inflated Expectations) — labs only"],
        ["Large language models", "2", "0.23", "Peak of Inflated Expectations", "0.22–0.25", "0.17",
         "100%", "yes", ""],
    ]  # fmt: skip
    open_round(client, "cv")
    mine = client.get(f"/expert/{ada}?lang=en").text
    assert "round 1 had 2 answers (anonymous): median 0.60 (Slope of Enlightenment)" in mine
    assert "your answer in the previous round: Peak of Inflated Expectations, position 0.30" in mine
    assert "Bo Li" not in mine and "everywhere" not in mine  # anonymised
    view = client.get(f"/api/panel/expert/{ada}/round").json()
    assert view["round"]["number"] == 2
    assert view["subfields"][0]["distribution"]["positions"] == [0.3, 0.9]
    assert answer(client, ada, cv__position="0.6")[0] == 200
    assert answer(client, bo, cv__position="0.65")[0] == 200
    html = close(client)
    assert results(html, 2)[0][:8] == [
        "Computer vision", "2", "0.62", "Slope of Enlightenment", "0.61–0.64", "0.10", "100%", "yes"
    ]  # fmt: skip
    curve = client.get("/?lang=en").text
    data = json.loads(re.search(r'id="curve-data">(.*?)</script>', curve, re.S).group(1))  # type: ignore[union-attr]
    cv = next(d for d in data["dots"] if d["subfield_id"] == "cv")
    assert (cv["expert"], cv["expert_who"], cv["x"], cv["model_x"]) == (
        True, "panel AI 2026, round 2", 0.625, 0.66
    )  # fmt: skip
    sub = client.get("/subfield/cv?lang=en").text
    assert "<td>panel AI 2026, round 2</td><td>2</td>" in sub


def test_every_error_shows_beside_its_field_with_the_values_kept(client: TestClient) -> None:
    _, (ada, _bo) = create(client)
    open_round(client, "llm", "cv")
    status, html = answer(
        client, ada, llm__position="0.9", cv__position="1.5", llm__years_band="2-5"
    )
    assert status == 422
    errors = dict(
        re.findall(r'<span class="field-error" data-field="([^"]+)">([^<]+)</span>', html)
    )
    assert sorted(errors) == ["cv.position", "llm.rationale"]
    assert "give a rationale" in errors["llm.rationale"]
    assert 'name="llm.position" class="f-position" min="0" max="1" step="0.01" value="0.9"' in html
    assert '<option value="2-5" selected>' in html
    assert "nothing was saved yet" in html
    assert client.get("/facilitator/panel/1?lang=en").text.count("answered: 0 of 2") == 1


def test_the_api_takes_answers_as_json_and_names_every_error(client: TestClient) -> None:
    _, (ada, _bo) = create(client)
    open_round(client, "llm", "cv")
    h = {"X-CSRF-Token": csrf(client)}
    url = f"/api/panel/expert/{ada}/answers"
    r = client.post(
        url, json={"answers": {"llm": {"position": 0.9}, "cv": {"phase": "slope"}}}, headers=h
    )
    assert r.status_code == 422
    assert [(e["subfield"], e["field"]) for e in r.json()["errors"]] == [("llm", "rationale")]
    r = client.post(url, json={"answers": {"llm": {"phase": "fad"}}}, headers=h)
    assert r.status_code == 422 and "body.answers.llm.phase" in r.json()["detail"]
    r = client.post(url, json={"answers": {"llm": {"position": 0.9, "rationale": "r"}}}, headers=h)
    assert r.json() == {"stored": 1, "errors": []}
    assert (
        client.post(url, json={"answers": {"llm": {"position": 0.2}}}).status_code == 403
    )  # no CSRF


def test_every_refusal(client: TestClient, db: Path) -> None:
    _, (ada, _bo) = create(client)
    _, (other, _) = create(client, "network")
    r = client.get(f"/expert/{ada}?lang=en")
    assert r.status_code == 409 and "this link works once the facilitator opens one" in r.text
    open_round(client, "llm")
    open_round(client, "sdn", panel=2)
    for url in (f"/expert/{'x' * 43}", f"/api/panel/expert/{'x' * 43}/round"):
        r = client.get(url)
        assert r.status_code == 403 and "ask the facilitator for your personal link" in r.text
    # a token opens only its own panel's round
    assert client.get(f"/api/panel/expert/{other}/round").json()["round"]["subfields"] == ["sdn"]
    assert client.get(f"/api/panel/expert/{ada}/round").json()["round"]["subfields"] == ["llm"]
    r = client.post(f"/expert/{ada}?lang=en", data={"llm.position": "0.2"})
    assert r.status_code == 403  # no CSRF token
    close(client)
    status, html = answer(client, ada, llm__position="0.2")
    assert status == 409 and "round 1 is closed" in html
    r = client.post(
        f"/api/panel/expert/{ada}/answers",
        json={"answers": {"llm": {"position": 0.2}}},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert r.status_code == 409 and r.json() == {
        "detail": "round 1 is closed and takes no more answers"
    }
    with TestClient(create_app(db, lang="en", facilitator_key=KEY)) as stranger:
        for url in ("/facilitator", "/facilitator/panel/1", "/facilitator/panel/1/forms/1"):
            r = stranger.get(url)
            assert r.status_code == 403 and "open the facilitator&#39;s link" in r.text
        t = csrf(stranger)
        r = stranger.post("/facilitator/panel/1/close", data={"csrf_token": t})
        assert r.status_code == 403
    assert client.get("/facilitator/panel/99").status_code == 404
    assert client.post("/facilitator/panel/1/close", data={}).status_code == 403  # no CSRF


def test_forms_go_out_as_a_zip_and_come_back_with_every_problem_named(client: TestClient) -> None:
    _, (ada, _bo) = create(client)
    open_round(client, "llm", "cv")
    r = client.get("/facilitator/panel/1/forms/1?lang=en")
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="round1-forms.xlsx.zip"'
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert z.namelist() == ["round1-001-Ada_Wang.xlsx", "round1-002-Bo_Li.xlsx"]
    wb = load_workbook(io.BytesIO(z.read("round1-001-Ada_Wang.xlsx")))
    ws = wb["subfields"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("position") + 1 if "position" in header else 9, 1.4)
    buf = io.BytesIO()
    wb.save(buf)
    files = [("files", ("/home/ada/form ada.xlsx", buf.getvalue(), "application/octet-stream"))]
    r = client.post(
        "/facilitator/panel/1/forms?lang=en", data={"csrf_token": csrf(client)}, files=files
    )
    problems = re.findall(
        r"<li>([^<]+)</li>", r.text.split('id="form-problems"')[1].split("</ul>")[0]
    )
    assert len(problems) == 1 and problems[0].startswith(
        "form ada.xlsx, sheet subfields, row 2, column"
    )
    assert "1.4 is not between 0 and 1" in problems[0]
    big = [("files", ("big.xlsx", b"x" * (MAX_UPLOAD + 1), "application/octet-stream"))]
    r = client.post("/facilitator/panel/1/forms", data={"csrf_token": csrf(client)}, files=big)
    assert r.status_code == 413


def test_record_and_expert_text_shows_as_text(client: TestClient) -> None:
    _, (ada, bo) = create(client, name=XSS)
    open_round(client, "xss", "llm")
    page = client.get(f"/expert/{ada}?lang=en").text
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert (
        answer(client, ada, llm__position="0.9", llm__rationale="far", xss__position="0.1")[0]
        == 200
    )
    assert (
        answer(client, bo, llm__position="0.2", llm__rationale=SCRIPT, xss__position="0.1")[0]
        == 200
    )
    for html in (
        close(client),
        client.get("/subfield/llm?lang=en").text,
        client.get("/facilitator?lang=en").text,
    ):
        assert SCRIPT not in html and XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in close_html(client)


def close_html(client: TestClient) -> str:
    return client.get("/facilitator/panel/1?lang=en").text


def test_reads_and_panel_writes_of_concurrent_requests_share_the_store(client: TestClient) -> None:
    _, (ada, _bo) = create(client)
    open_round(client, "llm", "cv")
    token = csrf(client)
    failures: list[str] = []

    def read(i: int) -> None:
        for url in ("/", f"/api/panel/expert/{ada}/round"):
            r = client.get(url + "?lang=en")
            if r.status_code != 200:
                failures.append(f"{i} {url} {r.status_code} {r.text[:200]}")

    def write(i: int) -> None:
        pos = f"{0.17 + (i % 10) / 100:.2f}"
        r = client.post(f"/expert/{ada}?lang=en", data={"csrf_token": token, "llm.position": pos})
        if r.status_code != 200:
            failures.append(f"{i} submit {r.status_code} {r.text[:200]}")

    for i in range(50):
        threads = [
            threading.Thread(target=read, args=(i,)),
            threading.Thread(target=write, args=(i,)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    assert (
        client.get(f"/api/panel/expert/{ada}/round").json()["subfields"][0]["previous"]["position"]
        == 0.26
    )


def test_every_panel_page_answers_in_both_languages_without_inline_script(
    client: TestClient,
) -> None:
    html, (ada, _bo) = create(client)
    open_round(client, "llm", "cv")
    answer(client, ada, llm__position="0.3")
    pages = ["/facilitator", "/facilitator/panel/1", f"/expert/{ada}", "/subfield/llm"]
    for lang in ("zh", "en"):
        for url in pages:
            r = client.get(f"{url}?lang={lang}")
            assert r.status_code == 200, (url, r.text[:300])
            assert r.headers["content-security-policy"] == CSP
            assert (
                re.findall(r"<script(?! src=\"/static/| type=\"application/json\")", r.text) == []
            )
            assert ' style="' not in r.text  # CSP: no inline style either
    zh = client.get(f"/expert/{ada}?lang=zh").text
    assert "专家小组「AI 2026」第 1 轮" in zh and "Your answer" not in zh
    assert re.findall(r"<script(?! src=\"/static/)", html) == []
