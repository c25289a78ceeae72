"""The web app over HTTP (FastAPI's TestClient): every route, every refusal, the
security headers, escaping, CSRF, the facilitator's key, and a store busy with another
process's write."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from serve_store import XSS, XSS_TITLE, build_store
from techcurve.serve import create_app
from techcurve.serve.app import is_loopback
from techcurve.serve.gate import StoreBusy
from techcurve.serve.security import CSP, REPORT_CSP, require_csrf

KEY = "facilitator-secret"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("serve") / "tc.duckdb")


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, lang="zh", facilitator_key=KEY)) as c:
        yield c


PAGES = [
    "/",
    "/?domain=ai&phase=peak&band=2-5&edition=2021&insufficient=true",
    "/subfield/llm",
    "/subfield/llm?page=2",
    "/subfield/llm/records?page=2",
    "/table",
    "/table?q=%E5%A4%A7&sort=confidence&desc=true",
    "/report",
    "/report/methods",
    "/report/curve",
    "/report/appendix",
    "/ingest",
    "/ingest/1/rejects",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_in_both_languages_with_the_security_headers(
    client: TestClient, url: str
) -> None:
    for lang in ("zh", "en"):
        r = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        csp = REPORT_CSP if url.startswith("/report") else CSP
        assert r.headers["content-security-policy"] == csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "<script>" not in r.text  # no inline script: only src= and JSON blocks
        assert re.findall(r"<script(?! src=\"/static/| type=\"application/json\")", r.text) == []


def test_chinese_and_english_pages_hold_their_own_language(client: TestClient) -> None:
    zh = client.get("/table").text
    en = client.get("/table?lang=en").text
    assert "<h1>全部子领域</h1>" in zh and "All sub-fields" not in zh
    assert "<h1>All sub-fields</h1>" in en and "全部子领域" not in en
    assert '<a class="lang" id="lang-switch" href="/table?lang=en">English</a>' in zh


def test_curve_data_holds_the_final_placement_and_the_filters(client: TestClient) -> None:
    data = client.get("/api/curve?domain=bigdata").json()
    assert [(d["subfield_id"], d["x"], d["phase"], d["expert"]) for d in data["dots"]] == [
        ("bda", 0.62, "slope", True)  # the expert's position, not the model's 0.58
    ]
    assert data["dots"][0]["confidence"] is None and data["dots"][0]["opacity"] == 1.0
    allof = client.get("/api/curve?lang=en").json()
    assert len(allof["dots"]) == 7 and allof["moves"] == []
    llm = next(d for d in allof["dots"] if d["subfield_id"] == "llm")
    assert (llm["name"], llm["phase_name"], llm["band_name"], llm["confidence"]) == (
        "Large language models",
        "Peak of Inflated Expectations",
        "2 to 5 years",
        0.81,
    )
    moved = client.get("/api/curve?edition=2021").json()["moves"]
    assert {m["subfield_id"]: (m["old_x"], m["new_x"]) for m in moved}["llm"] == (0.12, 0.22)
    assert client.get("/api/curve?phase=trigger").json()["dots"][0]["subfield_id"] == "qkd"


def test_subfield_api_detail_and_records(client: TestClient) -> None:
    d = client.get("/api/subfields/llm?lang=en").json()
    assert (d["name"], d["domain"], d["query"]) == (
        "Large language models",
        "Artificial intelligence",
        '"大语言模型" OR "Large language models"',
    )
    assert d["final"]["phase"] == "peak" and d["model_placement"]["position"] == 0.22
    assert [p["phase"] for p in d["probabilities"]][:2] == ["trigger", "peak"]
    assert d["reasons"] == ["llm: 累计专利 120 件"]
    assert [c["title"] for c in d["charts"]] == [
        "Patents and papers per year",
        "cumulative patents",
        "attention index",
    ]
    fits = [line["name"] for c in d["charts"] for line in c["lines"] if line["fit"]]
    assert fits  # the fitted curves travel with the series
    p1 = client.get("/api/subfields/llm/records").json()
    assert (p1["total"], p1["pages"], len(p1["rows"])) == (61, 2, 50)
    assert p1["rows"][0]["title"] == XSS_TITLE
    urls = {r["title"]: r["url"] for r in p1["rows"][:3]}
    assert urls["大语言模型论文 01"] == "https://example.org/paper/1"
    assert urls["大语言模型论文 02"] is None  # javascript: is never a link
    assert len(client.get("/api/subfields/llm/records?page=2").json()["rows"]) == 11
    assert client.get("/api/subfields/llm/records?page=3").json()["rows"] == []


def test_table_api_sorts_and_filters(client: TestClient) -> None:
    rows = client.get("/api/table?sort=confidence&desc=true").json()["rows"]
    assert [r["subfield_id"] for r in rows] == [
        "5g",
        "llm",
        "qkd",
        "bda",
        "xss",
        "cv",
        "sdn",
        "dex",
    ]
    assert [
        r["subfield_id"] for r in client.get("/api/table?q=exchange&lang=en").json()["rows"]
    ] == ["dex"]
    assert client.get("/api/table?band=%3C2").json()["rows"][0]["subfield_id"] == "5g"


def test_editions_and_ingest_api(client: TestClient) -> None:
    assert client.get("/api/editions").json() == [
        {"edition": "2021", "saved_at": "2021-07-01 00:00:00", "n": 7}
    ]
    log = client.get("/api/ingest").json()
    assert [(e["path"], e["stored"], e["duplicates"], e["rejected"]) for e in log] == [
        ("papers.csv", 61, 1, 2)
    ]
    rj = client.get("/api/ingest/1/rejects").json()
    assert [(r["row"], r["column"], r["reason"]) for r in rj["rows"]] == [
        ("7", "date", "not a date"),
        ("9", "title", "empty after cleaning"),
    ]


def test_unknown_ids_answer_404_with_a_sentence(client: TestClient) -> None:
    r = client.get("/api/subfields/nope?lang=en")
    assert r.status_code == 404
    assert r.json() == {
        "detail": "no sub-field has the id 'nope'; pick one on the curve or in the table"
    }
    page = client.get("/subfield/nope")
    assert page.status_code == 404
    assert "没有 id 为 &#39;nope&#39; 的子领域：请从曲线或子领域表中选择" in page.text
    assert client.get("/api/subfields/nope/records").status_code == 404
    assert client.get("/ingest/99/rejects").status_code == 404
    assert client.get("/api/ingest/99/rejects").status_code == 404
    assert client.get("/nowhere").status_code == 404
    assert client.get("/report/secrets").status_code == 404  # not a page of the report
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


@pytest.mark.parametrize(
    "url",
    [
        "/?phase=bogus",
        "/?band=7",
        "/subfield/llm?page=0",
        "/subfield/llm?page=x",
        "/table?sort=evil",
        "/api/curve?lang=fr",
        "/api/table?desc=perhaps",
        "/api/subfields/llm/records?page=-1",
        "/ingest/abc/rejects",
    ],
)
def test_bad_parameters_answer_422(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 422
    if url.startswith("/api/"):
        assert r.json()["detail"].startswith("参数不可用：")
    else:
        assert "参数不可用：" in r.text


@pytest.mark.parametrize(
    "url",
    [
        "/static/../store.py",
        "/static/%2e%2e/store.py",
        "/static/..%2fstore.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/__init__.py",
        "/static/",
        "/static/templates%2fbase.html.j2",
    ],
)
def test_no_request_path_reaches_the_file_system(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert "import" not in r.text and "{%" not in r.text


def test_static_files_come_from_the_allowlist(client: TestClient) -> None:
    r = client.get("/static/echarts.min.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    assert "Apache License" in client.get("/static/echarts.LICENSE.txt").text


def test_xss_payloads_are_escaped_everywhere(client: TestClient) -> None:
    for url in ("/table", "/subfield/xss", "/", "/report/appendix", "/ingest/1/rejects"):
        html = client.get(url + "?insufficient=true").text if url == "/" else client.get(url).text
        assert "<img src=x" not in html, url
    table = client.get("/table").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in table
    records = client.get("/subfield/llm").text
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in records
    curve = client.get("/").text
    block = curve.split('id="curve-data">', 1)[1].split("</script>", 1)[0]
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in block and "<" not in block
    assert XSS in client.get("/api/curve").json()["dots"][1]["name"]


def test_table_export_is_the_filtered_table(client: TestClient) -> None:
    r = client.get("/table.xlsx?domain=sec&lang=en&sort=name")
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows == [
        ["Id", "Name", "Domain", "Status", "Phase", "Position", "Years to plateau", "Confidence"],
        ["xss", XSS, "Security", "assessed", "Innovation Trigger", 0.12, "5 to 10 years", 0.6],
        [
            "qkd",
            "Quantum key distribution",
            "Security",
            "assessed",
            "Innovation Trigger",
            0.08,
            "more than 10 years",
            0.7,
        ],
    ]


def test_facilitator_pages_need_the_key(db: Path) -> None:
    with TestClient(create_app(db, facilitator_key=KEY)) as c:
        r = c.get("/facilitator?lang=en")
        assert r.status_code == 403
        assert "this page is for the facilitator only" in r.text
        assert c.get("/facilitator?key=wrong").status_code == 403
        ok = c.get(f"/facilitator?key={KEY}")
        assert ok.status_code == 200 and "您已作为主持人登录" in ok.text
        assert "存储中还没有专家小组" in ok.text
        assert c.get("/facilitator").status_code == 200  # the key now rides in a cookie
    with TestClient(create_app(db)) as other:  # another start: another key
        assert other.get(f"/facilitator?key={KEY}").status_code == 403


def test_csrf_refuses_a_change_without_this_browsers_token(db: Path) -> None:
    app = create_app(db)

    @app.post("/echo", dependencies=[Depends(require_csrf)])
    def echo() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app) as c, TestClient(app) as stranger:
        page = c.get("/").text
        token = re.search(r'data-csrf="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert c.post("/echo").status_code == 403
        assert c.post("/echo", headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert c.post("/echo", headers={"X-CSRF-Token": token}).json() == {"ok": True}
        assert c.post("/echo", data={"csrf_token": token}).json() == {"ok": True}
        stranger.get("/")
        assert stranger.post("/echo", headers={"X-CSRF-Token": token}).status_code == 403


def test_openapi_describes_the_api(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert sorted(doc["paths"]) == [
        "/api/curve",
        "/api/editions",
        "/api/ingest",
        "/api/ingest/{ingest_id}/rejects",
        "/api/panel/expert/{token}/answers",
        "/api/panel/expert/{token}/round",
        "/api/subfields/{subfield_id}",
        "/api/subfields/{subfield_id}/records",
        "/api/table",
    ]
    assert {"Dot", "Detail", "RecordsPage", "Row"} <= set(doc["components"]["schemas"])


WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS busy_marker (i INTEGER)")
con.execute("INSERT INTO busy_marker VALUES (1)")
print("writing", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_store_busy_with_another_writer(tmp_path: Path) -> None:
    db = build_store(tmp_path / "tc.duckdb")
    app = create_app(db, lang="en")
    with TestClient(app) as c:
        assert "the store is being written" not in c.get("/").text  # cached now
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
            r = c.get("/")
            assert r.status_code == 200
            assert "the store is being written by another command; showing data as of" in r.text
            api = c.get("/api/curve").json()
            assert api["stale_since"] is not None and len(api["dots"]) == 7
            cold = c.get("/table")  # cached by the curve: the same dashboard
            assert cold.status_code == 200
            nothing = c.get("/subfield/cv")  # never read: nothing to show
            assert nothing.status_code == 503
            assert "cannot be read yet; reload this page when it has finished" in nothing.text
            assert c.get("/api/subfields/cv").status_code == 503
            with pytest.raises(StoreBusy):  # what a form's write checks first
                app.state.gate.check_writable()
        finally:
            assert writer.stdin is not None
            writer.stdin.write("\n")
            writer.stdin.flush()
            writer.wait(timeout=30)
        again = c.get("/")
        assert again.status_code == 200 and "the store is being written" not in again.text
        assert c.get("/subfield/cv").status_code == 200


def test_the_curve_lists_the_sub_fields_it_cannot_place(client: TestClient) -> None:
    html = client.get("/?insufficient=true&lang=en").text
    listed = html.split('<section id="insufficient">', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<a href="/subfield/(\w+)\?lang=en">([^<]+)</a>', listed) == [
        ("dex", "Data exchanges")
    ]
    assert '<section id="insufficient">' not in client.get("/").text


def test_the_facilitator_sees_the_panels_of_the_store(tmp_path: Path) -> None:
    import techcurve.pipeline.panel as tp

    db = build_store(tmp_path / "tc.duckdb")
    experts = Path(__file__).parent / "data" / "panel" / "experts.csv"
    first = tp.create_panel(db, "2025 AI panel", experts)
    second = tp.create_panel(db, "<b>net</b>", experts)
    with TestClient(create_app(db, facilitator_key=KEY)) as c:
        html = c.get(f"/facilitator?key={KEY}").text
    assert (
        '<ul id="panels">'
        f'<li><a href="/facilitator/panel/{first.panel.panel_id}?lang=zh">2025 AI panel</a></li>'
        f'<li><a href="/facilitator/panel/{second.panel.panel_id}?lang=zh">&lt;b&gt;net&lt;/b&gt;</a></li>'
        "</ul>"
    ) in html


def test_loopback_hosts() -> None:
    assert [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "10.1.2.3")] == [
        True,
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    "url", ["/", "/subfield/llm", "/subfield/llm/records?page=1", "/api/subfields/llm/records"]
)
def test_a_page_opens_the_store_once(db: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening and closing a large store costs tens of milliseconds: a page that reads
    several values (the dots and the filtered view; a sub-field's detail, coverage,
    records and expert history) reads them all in one opening, and leaves it closed."""
    from techcurve.store import Store

    opened: list[Store] = []
    real_open = Store.open

    def counting_open(*args: object, **kwargs: object) -> Store:
        st = real_open(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(st)
        return st

    monkeypatch.setattr(Store, "open", counting_open)
    with TestClient(create_app(db)) as c:
        assert c.get(url).status_code == 200
        assert len(opened) == 1
        assert c.get(url).status_code == 200  # the cache answers: no opening at all
        assert len(opened) == 1
    with pytest.raises(Exception, match="closed"):
        opened[0].con.execute("SELECT 1")
