"""The HTML report: self-contained, numbers computed once, shares that sum to 100.00 %."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from techcurve.audit import audit_figures
from techcurve.datatypes import Phase, Phrase, Reason
from techcurve.errors import ReportError
from techcurve.render.charts import GlyphSheet, series_svg
from techcurve.report import (
    ReportData,
    build_report,
    build_report_data,
    compute_report_data,
    data_json_path,
    largest_remainder,
    source_line,
)
from techcurve.report.appendix import missing_evidence
from techcurve.report.build import labels, report_lang
from techcurve.report.conclusions import spearman
from techcurve.report.context import load_context
from techcurve.report.financing import load_events, round_group, window_of
from techcurve.report.format import as_date_str, fmt_pct, fmt_yi, round_to_total
from techcurve.report.methods import evidence_counts
from techcurve.report.model import (
    ChartFrame,
    FinancingPage,
    FinancingWindow,
    SCurveFit,
    SeriesChart,
    Spearman,
    to_json,
)
from techcurve.report.provenance import join_sources, kind_label, page_source
from techcurve.store import Store
from techcurve.store.report import (
    count_source_stats,
    count_volumes,
    financing_events,
    indicator_series,
    ingest_log,
    kind_sources,
    last_financing_date,
    last_indicator_year,
    record_source_stats,
    record_volumes,
    report_tables,
    sample_records,
)

DOMAINS = [
    ("network", "网络", "Network"),
    ("ai", "人工智能", "Artificial intelligence"),
    ("bigdata", "大数据", "Big data"),
    ("cloud", "云计算", "Cloud computing"),
]
# id, domain, zh, en, patents_cum, opinion_index, birth_year, position, band
SUBFIELDS = [
    ("5g", "network", "5G", "5G", 1002391, 95.0, 2009, 0.86, "<2"),
    ("ml", "ai", "机器/深度学习", "Machine learning", 592445, 90.0, 1995, 0.70, "2-5"),
    ("nlp", "ai", "自然语言处理", "NLP", 180796, 70.0, 1990, 0.62, "2-5"),
    ("cv", "ai", "计算机视觉", "Computer vision", 163216, 80.0, 1992, 0.66, "2-5"),
    ("bda", "bigdata", "大数据分析", "Big-data analytics", 221658, 60.0, 2010, 0.58, "2-5"),
    ("bdc", "bigdata", "大数据流通", "Data exchange", 191400, 40.0, 2014, 0.40, "5-10"),
    ("lake", "bigdata", "湖仓一体", "Lakehouse", 3000, 30.0, 2020, 0.15, "5-10"),
    ("qc", "cloud", "量子计算", "Quantum computing", 20000, 50.0, 2000, 0.22, ">10"),
    ("idc", "cloud", "行业云平台", "Industry cloud", 15000, 20.0, 2016, 0.30, "2-5"),
    ("dcl", "cloud", "分布式云", "Distributed cloud", 8000, 35.0, 2018, 0.25, "5-10"),
    ("sls", "cloud", "Serverless", "Serverless", 5000, 45.0, 2015, 0.33, "2-5"),
    ("pc", "bigdata", "隐私计算", "Privacy computing", 4000, 25.0, 2017, 0.45, "5-10"),
]
# record id, date, point, low, high, round, matched sub-fields
FINANCING = [
    ("f1", date(2022, 1, 10), 5e8, 4e8, 6e8, "a", ["qc"]),
    ("f2", date(2022, 1, 20), 3e8, 3e8, 3e8, "b", ["qc", "idc"]),  # split 50/50
    ("f3", date(2022, 3, 5), 1.2e8, 1e8, 1.5e8, "c", ["ml"]),
    ("f4", date(2022, 3, 28), None, None, None, "strategic", ["cv"]),  # undisclosed
    ("f5", date(2022, 6, 1), 0.8e8, 0.5e8, 1e8, "pre-a", ["bda"]),
    ("f6", date(2022, 9, 9), 2e8, 2e8, 2e8, "d", ["lake", "pc"]),
    ("f7", date(2022, 11, 24), 0.5e8, 0.5e8, 0.5e8, "a+", ["5g"]),
    ("f8", date(2021, 12, 30), 9e8, 9e8, 9e8, "a", ["qc"]),  # before the window
    ("f9", date(2022, 11, 25), 9e8, 9e8, 9e8, "a", ["qc"]),  # after the cut-off
    ("f10", date(2022, 5, 5), 1e8, 1e8, 1e8, "b", []),  # matched to no sub-field
]


def _indicator_rows() -> list[dict[str, object]]:
    """Yearly series for two sub-fields (the rest have none).

    5g: cumulative patents on a logistic (κ 1,000, midpoint 2012, α 0.6) ending in 2020
    (the patent records end there too, so later years fall outside the coverage) and an
    attention bell peaking in 2014. ml: papers growing 50 % a year (still accelerating)
    and attention still rising.
    """
    rows: list[dict[str, object]] = []
    prev = 0
    for y in range(2005, 2023):
        cum = round(1000 / (1 + math.exp(-0.6 * (y - 2012)))) if y <= 2020 else prev
        rows.append(
            {
                "subfield_id": "5g",
                "year": y,
                "patents": cum - prev,
                "patents_cum": cum,
                "papers": 0,
                "papers_cum": 0,
                "articles": 0,
                "opinion_index": None,
                "attention": 80 * math.exp(-0.5 * ((y - 2014) / 2.5) ** 2) if y >= 2008 else None,
            }
        )
        prev = cum
    prev = 0
    for y in range(2010, 2023):
        cum = round(10 * 1.5 ** (y - 2010))
        rows.append(
            {
                "subfield_id": "ml",
                "year": y,
                "patents": 0,
                "patents_cum": 0,
                "papers": cum - prev,
                "papers_cum": cum,
                "articles": 0,
                "opinion_index": None,
                "attention": 10.0 + 7.5 * (y - 2014) if y >= 2014 else None,
            }
        )
        prev = cum
    return rows


INDICATORS = _indicator_rows()


class _Writer:
    """Store writes for the fixture. Drains any pending result first: with duckdb 2.x a
    ``fetchone()`` (as in ``Store.get_meta``/``has_table``) leaves the result open and the
    next ``register`` fails with "connection has an unfinished result" (a store.py issue)."""

    def __init__(self, st: Store) -> None:
        self.st = st

    def replace_table(self, name: str, df: pl.DataFrame) -> None:
        self.st.con.execute("SELECT 1").fetchall()
        self.st.replace_table(name, df)

    def append(self, name: str, df: pl.DataFrame) -> None:
        self.st.con.execute("SELECT 1").fetchall()
        self.st.append(name, df)

    def set_meta(self, key: str, value: str) -> None:
        self.st.con.execute("SELECT 1").fetchall()
        self.st.set_meta(key, value)


def make_store(path: Path, *, with_assessments: bool = True) -> Store:
    store = Store.open(path, create=True)
    st = _Writer(store)
    st.replace_table(
        "domains",
        pl.DataFrame([{"domain_id": a, "name_zh": b, "name_en": c} for a, b, c in DOMAINS]),
    )
    st.replace_table(
        "subfields",
        pl.DataFrame(
            [
                {
                    "subfield_id": s[0],
                    "domain_id": s[1],
                    "name_zh": s[2],
                    "name_en": s[3],
                    "query": f'"{s[2]}" OR "{s[3]}"',
                    "definition": "",
                }
                for s in SUBFIELDS
            ]
        ),
    )
    st.replace_table(
        "summary",
        pl.DataFrame(
            [
                {
                    "subfield_id": s[0],
                    "domain_id": s[1],
                    "as_of": date(2022, 11, 24),
                    "patents_cum": s[4],
                    "opinion_index": s[5],
                    "birth_year": s[6],
                    "fin_events": 0,
                    "fin_amount_point_cny": 0.0,
                }
                for s in SUBFIELDS
            ]
        ),
    )
    if with_assessments:
        rows = [
            {
                "subfield_id": s[0],
                "model": "snapshot",
                "as_of": date(2022, 11, 24),
                "status": "assessed",
                "phase": Phase.at(s[7]).value,
                "position": s[7],
                "years_band": s[8],
                "confidence": 0.7,
                "reasons": json.dumps(
                    [{"indicator": "patents_cum", "value": s[4], "text": f"累计专利 {s[4]} 件"}],
                    ensure_ascii=False,
                ),
            }
            for s in SUBFIELDS
        ]
        rows[-1].update(status="insufficient", phase=None, position=None, years_band=None)
        st.replace_table("assessments", pl.DataFrame(rows))
    recs = [
        {
            "record_id": f[0],
            "kind": "financing",
            "source": "itjuzi",
            "source_id": f[0],
            "title": f"融资 {f[0]}",
            "date": f[1],
            "year": f[1].year,
            "amount_point_cny": f[2],
            "amount_low_cny": f[3],
            "amount_high_cny": f[4],
            "round": f[5],
            "amount_text": "未透露" if f[2] is None else f"{f[2] / 1e8:.1f}亿人民币",
        }
        for f in FINANCING
    ]
    recs += [
        {
            "record_id": f"p{i}",
            "kind": "patent",
            "source": "cnipa",
            "source_id": f"p{i}",
            "title": "一种5G方法",
            "date": date(2020, 1, 1),
            "year": 2020,
        }
        for i in range(3)
    ]
    st.append("records", pl.DataFrame(recs))
    matches = [{"record_id": f[0], "subfield_id": s, "terms": ""} for f in FINANCING for s in f[6]]
    matches += [{"record_id": "p0", "subfield_id": "5g", "terms": "5g"}]
    st.append("matches", pl.DataFrame(matches))
    st.append(
        "ingest_log",
        pl.DataFrame(
            [
                {
                    "ingest_id": 1,
                    "path": "financing.xlsx",
                    "kind": "financing",
                    "profile": "itjuzi",
                    "rows_read": 10,
                    "stored": 10,
                    "duplicates": 0,
                    "rejected": 0,
                }
            ]
        ),
    )
    st.replace_table("indicators", pl.DataFrame(INDICATORS))
    st.set_meta("taxonomy_version", "2022.1")
    st.set_meta("taxonomy_hash", "ab" * 32)
    store.con.execute("SELECT 1").fetchall()
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    d = tmp_path_factory.mktemp("report")
    with make_store(d / "tc.duckdb") as st:
        out = build_report(st, d / "report.html", as_of="2022-11-24")
    data = json.loads(data_json_path(out).read_text(encoding="utf-8"))
    return out.read_text(encoding="utf-8"), data


def test_report_is_self_contained(built: tuple[str, dict]) -> None:
    html, _ = built
    assert html.startswith("<!DOCTYPE html>")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, flags=re.I)
    assert external == []
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert "<link" not in html and "<script" not in html
    assert html.count("<svg") >= 6  # 2 patent charts, 4 financing charts, the curve


def test_patent_shares_sum_to_exactly_100(built: tuple[str, dict]) -> None:
    _, data = built
    doms = data["patents"]["domains"]
    assert sum(d["share_centi"] for d in doms) == 10_000
    assert sum(Decimal(fmt_pct(d["share_pct"])[:-1]) for d in doms) == Decimal("100.00")
    total = sum(s[4] for s in SUBFIELDS)
    assert data["patents"]["total"] == total
    for d in doms:  # each printed share is within 0.01 pt of the exact one
        assert abs(d["share_pct"] - d["patents"] / total * 100) <= 0.01


def test_top10_is_sorted_and_its_share_computed(built: tuple[str, dict]) -> None:
    _, data = built
    top = data["patents"]["top10"]
    assert [t["rank"] for t in top] == list(range(1, 11))
    values = [t["patents"] for t in top]
    assert values == sorted(values, reverse=True)
    assert top[0]["subfield_id"] == "5g"
    expected = sum(sorted((s[4] for s in SUBFIELDS), reverse=True)[:10])
    total = sum(s[4] for s in SUBFIELDS)
    assert data["patents"]["top10_share_pct"] == pytest.approx(expected / total * 100, abs=0.005)
    assert fmt_pct(data["patents"]["top10_share_pct"]) in data["patents"]["top10_title"]


def test_financing_window_split_and_rounds(built: tuple[str, dict]) -> None:
    _, data = built
    fin = data["financing"]
    # f1–f7 are in Jan–Nov 24 2022 and matched; f8, f9 out of the window, f10 unmatched
    assert fin["events"] == 7
    assert fin["undisclosed"] == 1
    assert fin["amount_yi"] == pytest.approx(5 + 3 + 1.2 + 0.8 + 2 + 0.5)
    assert sum(m["amount_yi"] for m in fin["months"]) == pytest.approx(fin["amount_yi"])
    assert sum(m["events"] for m in fin["months"]) == 7
    assert [m["label"] for m in fin["months"]][:2] == ["1月", "2月"] and len(fin["months"]) == 11
    assert sum(d["amount_yi"] for d in fin["domains"]) == pytest.approx(fin["amount_yi"])
    by_sf = {s["subfield_id"]: s["amount_yi"] for s in fin["subfields"]}
    assert by_sf["qc"] == pytest.approx(6.5) and by_sf["idc"] == pytest.approx(1.5)
    assert fin["domains"][0]["domain_id"] == "cloud"
    assert fin["domains"][0]["top_subfield"] == "量子计算"
    assert sum(d["share_centi"] for d in fin["domains"]) == 10_000
    rounds = {r["group"]: r["events"] for r in fin["rounds"]}
    assert rounds == {"a": 3, "b": 1, "c": 1, "d": 1, "other": 1}
    assert sum(r["share_centi"] for r in fin["rounds"]) == 10_000
    assert fin["yi_level_events"] == 4
    assert fmt_yi(fin["amount_yi"]) in fin["month_title"]


def test_conclusions_use_the_computed_numbers(built: tuple[str, dict]) -> None:
    html, data = built
    rho = spearmanr([s[5] for s in SUBFIELDS], [s[4] for s in SUBFIELDS]).statistic
    corr = data["conclusions"]["spearman"]
    assert corr["rho"] == pytest.approx(rho, abs=1e-4) and corr["n"] == len(SUBFIELDS)
    assert f"{rho:.2f}" in data["conclusions"]["items"][0]
    top_dom = data["patents"]["domains"][0]
    assert top_dom["domain_id"] == "network"  # 5G alone outweighs the three AI rows
    assert any(
        top_dom["name"] in c and fmt_pct(top_dom["share_pct"]) in c
        for c in data["conclusions"]["items"]
    )
    for sentence in data["conclusions"]["items"]:
        assert sentence in html


def test_hot_words_curve_and_appendix(built: tuple[str, dict]) -> None:
    html, data = built
    assert [r["subfield_id"] for r in data["hot_words"]["rows"][:3]] == ["5g", "ml", "cv"]
    assert data["curve"]["n_points"] == 11 and data["curve"]["n_insufficient"] == 1
    assert sum(c["count"] for c in data["curve"]["phase_counts"]) == 11
    assert len(data["appendix"]) + data["insufficient"]["count"] == len(SUBFIELDS)
    row = next(r for r in data["appendix"] if r["subfield_id"] == "5g")
    assert row["phase"] == Phase.PLATEAU.zh and row["patents_cum"] == 1002391
    assert "累计专利 1002391 件" in row["reasons"]
    assert '"5G" OR "5G"' in data["appendix"][0]["query"] or row["query"]
    assert "2022.1" in html and data["methods"]["meta"]["taxonomy_hash"] == "ab" * 32
    assert "数据来源：" in html


def test_english_report(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        out = build_report(st, tmp_path / "en.html", lang="en", as_of="2022-11-24", title="Test")
    html = out.read_text(encoding="utf-8")
    assert "<title>Test</title>" in html and "Spearman" in html


def test_sections_without_data_say_so(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        st.con.execute("DELETE FROM records WHERE kind = 'financing'")
        st.con.execute("DROP TABLE summary")
        data = compute_report_data(st, as_of="2022-11-24")
    assert data["financing"]["empty"] and data["patents"]["empty"] and data["hot_words"]["empty"]
    assert data["conclusions"]["spearman"] is None


def test_empty_store_says_it_has_no_assessments(tmp_path: Path) -> None:
    with (
        make_store(tmp_path / "tc.duckdb", with_assessments=False) as st,
        pytest.raises(
            ReportError, match=r"has no assessments, .* the sub-fields have not been assessed$"
        ),
    ):
        build_report(st, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_unknown_language(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st, pytest.raises(ReportError, match="'fr'"):
        build_report(st, tmp_path / "r.html", lang="fr")


@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=40))
def test_largest_remainder_sums_exactly(values: list[float]) -> None:
    shares = largest_remainder(values)
    total = sum(values)
    if total <= 0:
        assert shares == [0] * len(values)
        return
    assert sum(shares) == 10_000
    for v, s in zip(values, shares, strict=True):
        assert abs(s - v / total * 10_000) < 1.0 + 1e-9


@pytest.mark.parametrize(
    ("raw", "group"),
    [
        ("a", "a"),
        ("pre-a", "a"),
        ("a+", "a"),
        ("b", "b"),
        ("c+", "c"),
        ("d", "d"),
        ("e", "d"),
        ("seed", "other"),
        ("angel", "other"),
        ("strategic", "other"),
        ("ipo", "other"),
        (None, "other"),
    ],
)
def test_round_groups(raw: str | None, group: str) -> None:
    assert round_group(raw) == group


# -- golden files, provenance, audit, PDF ---------------------------------------------
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TECHCURVE_UPDATE_GOLDEN") == "1"
VOLATILE = {"generator"}  # changes with the version, not with the data


def _golden(name: str, value: object) -> None:
    """Compare ``value`` with tests/golden/NAME; TECHCURVE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path} did not exist and was written: check it in and re-run")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{name} differs from the golden file; if the change is intended, re-run with "
        "TECHCURVE_UPDATE_GOLDEN=1"
    )


class _Structure(HTMLParser):
    """Section/article ids, h2/h3 headings and table headers of the report HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[list[str]] = []
        self._cur: list[str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("section", "article", "table") and a.get("id"):
            self.items.append([tag, str(a["id"])])
        if tag in ("h2", "h3", "th"):
            self._cur = [tag]
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._cur is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._cur is not None and tag == self._cur[0]:
            self.items.append([tag, " ".join(self._text.split())])
            self._cur = None


def test_report_data_matches_the_golden_file(built: tuple[str, dict]) -> None:
    _, data = built
    _golden("report_data.json", {k: v for k, v in data.items() if k not in VOLATILE})


def test_report_html_structure_matches_the_golden_file(built: tuple[str, dict]) -> None:
    html, _ = built
    parser = _Structure()
    parser.feed(html)
    _golden("report_structure.json", parser.items)


def test_every_figure_states_cutoff_kinds_and_counts(built: tuple[str, dict]) -> None:
    html, data = built
    for key, kinds in (
        ("patents", ["patent"]),
        ("financing", ["financing"]),
        ("curve", ["patent", "financing"]),
        ("conclusions", ["patent", "financing"]),
    ):
        prov = data[key]["provenance"]
        assert prov["cutoff"] == "2022-11-24"
        assert [k["kind"] for k in prov["kinds"]] == kinds
        assert "数据截止 2022-11-24" in prov["text"] and prov["text"] in html
    fin = data["financing"]["provenance"]["kinds"][0]
    assert fin["records"] == len(FINANCING) and fin["sources"] == ["IT桔子"]
    # sources by their human names, not profile ids
    assert "IT桔子" in data["financing"]["source"] and "itjuzi" not in data["financing"]["source"]
    assert data["methods"]["sources"][0]["name"]


def test_each_subfield_links_to_its_query_and_sample_records(built: tuple[str, dict]) -> None:
    html, data = built
    row = next(r for r in data["appendix"] if r["subfield_id"] == "5g")
    assert [x["terms"] for x in row["samples"]] == ["", "5g"]  # newest first
    assert row["samples"][1]["title"] == "一种5G方法"
    assert 'id="sf-5g"' in html and 'href="#sf-5g"' in html
    card = html[html.index('id="sf-5g"') :]
    card = card[: card.index("</article>")]
    assert "5G" in card and "← 5g" in card and "<code>" in card
    assert all(len(r["samples"]) <= 5 for r in data["appendix"])


def test_vague_and_undisclosed_amounts_are_counted(built: tuple[str, dict]) -> None:
    _, data = built
    fin = data["financing"]
    # f1, f3, f5 have a range (low != high); f4 has no amount at all
    assert fin["vague"] == 3 and fin["undisclosed"] == 1
    assert "3 起为模糊金额" in fin["note"] and "1 起未披露金额" in fin["note"]


def test_printed_parts_add_up_to_printed_totals(built: tuple[str, dict]) -> None:
    _, data = built
    fin = data["financing"]
    for rows in (fin["months"], fin["domains"], fin["rounds"]):
        printed = sum(Decimal(r["amount_text"]) for r in rows)
        assert printed == Decimal(fin["amount_text"])


def test_the_report_passes_its_own_audit(built: tuple[str, dict]) -> None:
    _, data = built
    res = audit_figures(data["figures"])
    assert res.tables >= 10 and res.claims >= 10
    assert [f for f in res.findings if f.level != "info"] == []


def test_round_to_total_sums_exactly() -> None:
    assert round_to_total([10.84, 2.83, 15.24], 28.91) == ["10.8", "2.8", "15.3"]
    vals = [0.04, 0.04, 0.04, 0.04, 0.04]
    assert sum(Decimal(v) for v in round_to_total(vals, sum(vals))) == Decimal("0.2")


def test_report_extension_picks_the_format(tmp_path: Path) -> None:
    with (
        make_store(tmp_path / "tc.duckdb") as st,
        pytest.raises(ReportError, match=r"\.html or \.pdf"),
    ):
        build_report(st, tmp_path / "r.docx")


def test_html_embeds_a_font_for_its_chinese_text(built: tuple[str, dict]) -> None:
    html, _ = built
    assert "@font-face" in html and "data:font/woff;base64," in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_pdf_report(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        out = build_report(st, tmp_path / "report.pdf", as_of="2022-11-24")
    raw = out.read_bytes()
    assert raw[:5] == b"%PDF-" and len(raw) > 50_000
    assert data_json_path(out).exists()


def test_pdf_without_chromium_says_run_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with (
        make_store(tmp_path / "tc.duckdb") as st,
        pytest.raises(ReportError, match="make setup"),
    ):
        build_report(st, tmp_path / "report.pdf")


# -- appendix: series, fitted curves, the insufficient table ---------------------------
def test_cards_carry_the_series_and_the_fitted_s_curve_and_bell(built: tuple[str, dict]) -> None:
    html, data = built
    card = next(r for r in data["appendix"] if r["subfield_id"] == "5g")["chart"]
    ser = card["series"]
    assert ser["years"][0] == 2005 and ser["years"][-1] == 2022 and card["as_of_year"] == 2022
    assert ser["cumulative"] == "patents_cum" and ser["attention"] == "attention"
    # the patent records end in 2020: later years are left out of the series and the fit
    assert card["data_end"] == 2020 and ser["cumulative_values"][-2:] == [None, None]
    assert ser["cumulative_values"][ser["years"].index(2012)] == 500
    s = card["s_fit"]
    assert s["identified"] and s["series"] == "patents_cum"
    assert s["kappa"] == pytest.approx(1000, rel=0.03)
    assert s["midpoint"] == pytest.approx(2012, abs=0.3)
    assert s["growth_time"] == pytest.approx(math.log(81) / 0.6, rel=0.1)
    b = card["bell_fit"]
    assert b["identified"] and b["peak_year"] == pytest.approx(2014, abs=0.2)
    assert b["sigma"] == pytest.approx(2.5, abs=0.2)
    assert "κ ≈ 1," in card["caption"] and "专利数据截至 2020 年" in card["caption"]
    assert "峰值 2014." in card["caption"]
    assert [k["label"] for k in card["key"]][-3:] == ["拟合曲线", "κ（饱和值）", "数据截止年份"]


def test_no_kappa_while_still_accelerating_and_no_peak_while_rising(
    built: tuple[str, dict],
) -> None:
    _, data = built
    card = next(r for r in data["appendix"] if r["subfield_id"] == "ml")["chart"]
    s, b = card["s_fit"], card["bell_fit"]
    assert s["series"] == "papers_cum" and not s["identified"] and "kappa" not in s
    assert "仍在加速增长——饱和点尚不可识别" in s["reason"]
    assert not b["identified"] and "峰值尚不可识别" in b["reason"]
    assert s["reason"] in card["caption"] and b["reason"] in card["caption"]
    assert "κ（饱和值）" not in [k["label"] for k in card["key"]]


def test_cards_without_indicators_say_so(built: tuple[str, dict]) -> None:
    html, data = built
    card = next(r for r in data["appendix"] if r["subfield_id"] == "nlp")["chart"]
    assert card["series"] is None and card["caption"] == "无逐年指标，无法绘制曲线"
    one = html[html.index('id="sf-nlp"') :]
    assert "<svg" not in one[: one.index("</article>")]


def test_each_placed_card_has_its_chart_sharing_one_glyph_sheet(built: tuple[str, dict]) -> None:
    html, data = built
    for sid in ("5g", "ml"):
        card = html[html.index(f'id="sf-{sid}"') :]
        card = card[: card.index("</article>")]
        assert card.count("<svg") == 1 and '<use href="#tcg' in card and "<defs>" not in card
    assert html.count('aria-hidden="true" style="position:absolute"><defs>') == 1


def test_insufficient_subfields_are_one_table_not_cards(built: tuple[str, dict]) -> None:
    html, data = built
    insufficient = {s[0] for s in SUBFIELDS} - {p["subfield_id"] for p in data["curve"]["points"]}
    assert [r["subfield_id"] for r in data["insufficient"]["rows"]] == sorted(insufficient)
    assert data["insufficient"]["count"] == 1
    assert {r["subfield_id"] for r in data["appendix"]} == {s[0] for s in SUBFIELDS} - insufficient
    table = html[html.index('id="insufficient-table"') :]
    table = table[: table.index("</table>")]
    assert '<tr id="sf-pc">' in table and "隐私计算" in table and "<code>" in table
    assert '<article class="sf" id="sf-pc"' not in html
    assert html.count("<article") == len(data["appendix"])


def test_what_is_missing_is_short() -> None:
    items = [
        {"indicator": "evidence_years", "value": 1.0, "text": "only 1 year(s) …"},
        {"indicator": "patents_cum", "value": 0.0, "text": "no patents …"},
        {"indicator": "other", "value": None, "text": "something else"},
    ]
    assert missing_evidence(items, "zh") == "有证据的年份仅 1 年；无专利与论文；something else"
    assert missing_evidence([], "en") == "not assessed"


def test_series_svg_stands_alone_without_a_sheet() -> None:
    svg = series_svg(
        [2018, 2019, 2020, 2021],
        patents=[1, 2, None, 4],
        cumulative=[1, 3, None, 7],
        attention=[5, 9, 7, None],
        s_fit=([2018, 2021], [1, 7]),
        kappa=8.0,
        as_of_year=2022,
    )
    root = ET.fromstring(svg)  # well-formed
    assert root.tag.endswith("svg") and "<defs>" in svg and 'href="#tcg' in svg
    sheet = GlyphSheet()
    shared = series_svg([2018, 2019], cumulative=[1, 2], glyphs=sheet)
    assert "<defs>" not in shared and sheet.used
    ET.fromstring(sheet.svg())


# -- the typed report model and the store reads behind it ------------------------------
def test_report_data_is_one_object_per_page_and_serialises_to_the_data_json(
    tmp_path: Path, built: tuple[str, dict]
) -> None:
    _, data = built
    with make_store(tmp_path / "tc.duckdb") as st:
        report = build_report_data(st, as_of="2022-11-24")
    assert isinstance(report, ReportData) and isinstance(report.financing, FinancingPage)
    assert report.financing.detail is not None and report.financing.detail.events == 7
    assert report.patents.headlines is not None
    assert report.patents.headlines.top10_share_pct == data["patents"]["top10_share_pct"]
    assert [c.subfield_id for c in report.appendix] == [r["subfield_id"] for r in data["appendix"]]
    assert report.to_json() == data
    assert report.figures.tables[0].id == "evidence_records"


def test_to_json_leaves_out_none_optionals_and_inlines_parts() -> None:
    fit = SCurveFit(identified=False, series=None, reason="no series")
    assert to_json(fit) == {"identified": False, "series": None, "reason": "no series"}
    chart = SeriesChart(None, None, None, "caption", ChartFrame((), 2022, {"patent": 2020}, None))
    assert to_json(chart) == {
        "series": None,
        "s_fit": None,
        "bell_fit": None,
        "caption": "caption",
        "key": [],
        "as_of_year": 2022,
        "coverage": {"patent": 2020},
        "data_end": None,
    }
    assert to_json((float("nan"), date(2022, 1, 2))) == [None, "2022-01-02"]


def test_store_report_reads(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        assert last_financing_date(st, "2022-11-24") == date(2022, 11, 24)
        assert last_financing_date(st, None) == date(2022, 11, 25)
        events = financing_events(st, "2022-01-01", "2022-11-24")
        assert events["record_id"].to_list() == [
            "f1",
            "f2",
            "f2",
            "f3",
            "f4",
            "f5",
            "f6",
            "f6",
            "f7",
        ]
        assert events["subfield_id"].to_list()[:3] == ["qc", "idc", "qc"]
        samples = sample_records(st).filter(pl.col("subfield_id") == "5g")
        assert samples.select("kind", "source", "year", "title", "terms").rows() == [
            ("financing", "itjuzi", 2022, "融资 f7", ""),
            ("patent", "cnipa", 2020, "一种5G方法", "5g"),
        ]
        assert ingest_log(st).rows() == [("financing.xlsx", "financing", "itjuzi", 10, 10, 0, 0)]
        assert kind_sources(st) == [("financing", "itjuzi"), ("patent", "cnipa")]
        assert record_source_stats(st).rows() == [
            ("financing", "itjuzi", 10, 9, "2021-12-30", "2022-11-25"),
            ("patent", "cnipa", 3, 1, "2020-01-01", "2020-01-01"),
        ]
        assert count_source_stats(st).height == 0 and count_volumes(st, 2021).height == 0
        assert record_volumes(st, 2021).sort("kind", "year").rows() == [
            ("financing", 2021, 1),
            ("patent", 2020, 3),
        ]
        assert last_indicator_year(st) == 2022
        ml = indicator_series(st, ["ml"], 2012).select("year", "papers_cum").rows()
        assert ml == [(2010, 10), (2011, 15), (2012, 22)]
        tables = report_tables(st)
        assert tables.summary is not None and tables.summary.height == len(SUBFIELDS)
        assert tables.domains is not None and tables.domains.height == len(DOMAINS)
        st.con.execute("DROP TABLE summary")
        assert report_tables(st).summary is None


def test_source_line_names_the_sources_by_kind(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        assert source_line(st, "zh") == (
            "数据来源：专利（国家知识产权局专利数据库）；融资事件（IT桔子）；techcurve 整理分析"
        )
        assert source_line(st, "en", ("financing",)) == (
            "Sources: financing events (IT Juzi (IT桔子)); techcurve analysis"
        )


def test_page_helpers_on_the_fixture(tmp_path: Path) -> None:
    with make_store(tmp_path / "tc.duckdb") as st:
        ctx = load_context(st, "en", None)  # the cut-off defaults to the assessments'
        assert ctx.as_of == "2022-11-24"
        assert ctx.domain_order == ["network", "ai", "bigdata", "cloud"]
        assert [
            (e.kind, e.label, e.records, e.matched) for e in evidence_counts(ctx.stats, "en")
        ] == [
            ("patent", "patents", 3, 1),
            ("paper", "papers", 0, 0),
            ("article", "media articles", 0, 0),
            ("financing", "financing events", 10, 9),
        ]
        assert join_sources(ctx.sources, "en") == (
            "patent data (CNIPA patents); financing events (IT Juzi (IT桔子))"
        )
        assert join_sources(ctx.sources, "zh", ("article",)) == "技术媒体报道"
        assert page_source(ctx.sources, "zh", ("financing",)) == (
            "数据来源：融资事件数据（IT Juzi (IT桔子)）；techcurve 整理分析"
        )
        assert kind_label("attention", "zh") == "关注度序列" and kind_label("x", "en") == "x"
        assert window_of(st, "2022-06-30", "zh") == FinancingWindow(
            "2022-01-01", "2022-06-01", "2022年1月-6月"
        )
        assert window_of(st, "2022-11-24", "en") == FinancingWindow(
            "2022-01-01", "2022-11-24", "Jan–Nov 2022"
        )
        assert window_of(st, "2021-06-30", "en") is None
        events = load_events(st, "2022-01-01", "2022-01-31")
        assert [(e.round, e.subfields, e.amount, e.vague) for e in events] == [
            ("a", ("qc",), 5e8, True),
            ("b", ("idc", "qc"), 3e8, False),
        ]
        corr = spearman(ctx)
        assert corr is not None and corr[0] == Spearman(0.7902, corr[0].p_value, 12, "strong")
    assert labels("en")["toc"] == "Contents" and labels("zh")["toc"] == "目录"
    assert report_lang("zh") == "zh"
    with pytest.raises(ReportError, match="unknown report language 'fr'"):
        report_lang("fr")
    assert as_date_str("2022-11-24 00:00:00") == "2022-11-24" and as_date_str("2022") is None


# -- reasons in the reader's language, phase probabilities ---------------------------------
_BIRTH = Reason(
    "birth_year",
    2009,
    "reasons.snapshot.birth_year",
    {
        "birth": 2009,
        "age": 13,
        "year": 2022,
        "source": Phrase("reasons.snapshot.first_record", {"record": "p0"}),
        "mature_age": 20,
    },
)
_RULE = Reason(
    "rule",
    "plateau",
    "reasons.snapshot.rule.plateau",
    {"maturity": 0.8, "plateau": 0.75, "fast": 0.3},
)
# a sentence of three or more English words (names such as 5G or CNIPA are fine)
_ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}")


@pytest.fixture(scope="module")
def language_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store with catalogue reasons for every sub-field (one naming a record
    by id) and phase probabilities for 5G."""
    path = tmp_path_factory.mktemp("lang") / "tc.duckdb"
    with make_store(path) as st:
        asm = st.table("assessments")
        reasons = json.dumps([_BIRTH.to_json(), _RULE.to_json()], ensure_ascii=False)
        probs = json.dumps({"plateau": 0.85, "slope": 0.15})
        asm = asm.with_columns(
            reasons=pl.lit(reasons),
            probabilities=pl.when(pl.col("subfield_id") == "5g").then(pl.lit(probs)),
        )
        st.con.execute("SELECT 1").fetchall()
        st.replace_table("assessments", asm)
    return path


@pytest.mark.parametrize(
    ("lang", "birth", "probs"),
    [
        (
            "zh",
            "诞生于 2009 年，距 2022 年 13 年（最早记录：《一种5G方法》（国家知识产权局专利数据库，2020-01-01））；"
            "年龄满 20 年即计满",
            "稳步爬升复苏期 15%、生产成熟期 85%",
        ),
        (
            "en",
            "born 2009, 13 years before 2022 (first record: “一种5G方法” (CNIPA patents, "
            "2020-01-01)); age counts fully from 20 years",
            "Slope of Enlightenment 15%, Plateau of Productivity 85%",
        ),
    ],
)
def test_appendix_reasons_are_catalogue_sentences_naming_records_by_title(
    language_store: Path, lang: str, birth: str, probs: str
) -> None:
    with Store.open(language_store, read_only=True) as st:
        data = build_report_data(st, lang=lang, as_of="2022-11-24").to_json()
    card = next(c for c in data["appendix"] if c["subfield_id"] == "5g")
    assert card["reasons_list"][0] == birth
    assert card["probabilities"] == probs
    assert all(c["probabilities"] is None for c in data["appendix"] if c["subfield_id"] != "5g")
    assert "p0" not in json.dumps(data["appendix"], ensure_ascii=False).replace('"p0"', "")


def test_chinese_appendix_reasons_hold_no_english_sentence(language_store: Path) -> None:
    with Store.open(language_store, read_only=True) as st:
        data = build_report_data(st, lang="zh", as_of="2022-11-24").to_json()
    rows = [*data["appendix"], *data["insufficient"]["rows"]]
    sentences = [s for c in data["appendix"] for s in c["reasons_list"]]
    sentences += [r["reasons"] for r in rows] + [r["missing"] for r in data["insufficient"]["rows"]]
    assert len(sentences) > 20
    english = [s for s in sentences if _ENGLISH_SENTENCE.search(s)]
    assert not english, english
