"""The analyst's pages in the dashboard: listed among the report's pages, filled from the
same report data as `techcurve report`, re-read when edited, and refused clearly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serve_store import build_store
from techcurve.errors import ReportError
from techcurve.serve import create_app

ZH = """---
title: 本期观察
section: curve
language: zh
---
曲线上共 {{on_curve}} 个细分领域，期望膨胀期 {{phase_count:peak}} 个。
"""
EN = """---
title: This edition
section: curve
language: en
---
{{on_curve}} sub-fields are on the curve, {{phase_count:peak}} at the peak.
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("serve-pages") / "tc.duckdb")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "view.zh.md").write_text(ZH, encoding="utf-8")
    (tmp_path / "view.en.md").write_text(EN, encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(db: Path, folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, lang="zh", pages=folder)) as c:
        yield c


def test_the_pages_of_the_language_are_listed_and_served_filled(client: TestClient) -> None:
    curve = client.get("/report/curve").text
    assert '<a href="/report/page-view.zh?lang=zh">本期观察</a>' in curve
    assert "page-view.en" not in curve
    # the same numbers as the store: 7 sub-fields placed, llm the only one at the peak
    zh = client.get("/report/page-view.zh")
    assert zh.status_code == 200
    assert '<a href="/report/page-view.zh?lang=zh" aria-current="page">本期观察</a>' in zh.text
    assert "<p>曲线上共 7 个细分领域，期望膨胀期 1 个。</p>" in zh.text
    en = client.get("/report/page-view.en?lang=en")
    assert "<p>7 sub-fields are on the curve, 1 at the peak.</p>" in en.text
    # the language switch leads to the page in the other language; no file, no page
    switched = client.get("/report/page-view.en?lang=zh", follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/report/page-view.zh?lang=zh"
    assert client.get("/report/page-nothing").status_code == 404
    assert client.get("/report/page-nothing.zh?lang=en").status_code == 404


def test_an_edited_page_is_shown_at_the_next_request(client: TestClient, folder: Path) -> None:
    assert "期望膨胀期 1 个" in client.get("/report/page-view.zh").text
    page = folder / "view.zh.md"
    page.write_text(ZH.replace("期望膨胀期", "低谷期").replace("peak", "trough"), encoding="utf-8")
    os.utime(page, ns=(1, 10**18))  # a later modification time, whatever the clock's grain
    assert "低谷期 1 个" in client.get("/report/page-view.zh").text


def test_a_bad_placeholder_is_named_on_the_page(client: TestClient, folder: Path) -> None:
    (folder / "view.zh.md").write_text(ZH.replace("{{on_curve}}", "{{on_kurve}}"), "utf-8")
    r = client.get("/report/page-view.zh")
    assert r.status_code == 500
    assert "view.zh.md:6" in r.text and "on_kurve" in r.text


def test_a_missing_folder_is_refused_at_start(db: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="pages folder .*nope does not exist"):
        create_app(db, pages=tmp_path / "nope")
