"""A small assessed store for the web app's tests (HTTP and browser).

Four domains, eight sub-fields (one insufficient, one named with an XSS payload, one
placed by an expert), 61 records matched to ``llm`` (so its records page 2 exists; one
titled with an XSS payload, one with a link, one with a ``javascript:`` URL), the
yearly indicators of ``llm``, a saved edition ``2021`` and an ingest with rejects
written by ingest's own rejects writer.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import polars as pl

from techcurve.ingest.base import Reject
from techcurve.ingest.rejects import write_rejects
from techcurve.store import Store

XSS = "<img src=x onerror=alert(1)>"
XSS_TITLE = "<script>alert('t')</script><img src=x onerror=alert(2)>"

DOMAINS = [
    ("ai", "人工智能", "Artificial intelligence"),
    ("network", "网络", "Network"),
    ("bigdata", "大数据", "Big data"),
    ("sec", "安全", "Security"),
]
# id, domain, zh, en, status, phase, position, band, confidence
SUBFIELDS = [
    ("llm", "ai", "大语言模型", "Large language models", "assessed", "peak", 0.22, "2-5", 0.81),
    ("cv", "ai", "计算机视觉", "Computer vision", "assessed", "slope", 0.66, "<2", 0.55),
    ("5g", "network", "5G", "5G", "assessed", "plateau", 0.86, "<2", 0.9),
    (
        "sdn",
        "network",
        "软件定义网络",
        "Software-defined networking",
        "assessed",
        "trough",
        0.45,
        "5-10",
        0.35,
    ),
    ("bda", "bigdata", "大数据分析", "Big-data analytics", "assessed", "slope", 0.58, "2-5", 0.62),
    (
        "qkd",
        "sec",
        "量子密钥分发",
        "Quantum key distribution",
        "assessed",
        "trigger",
        0.08,
        ">10",
        0.7,
    ),
    ("xss", "sec", XSS, XSS, "assessed", "trigger", 0.12, "5-10", 0.6),
    ("dex", "bigdata", "数据交易所", "Data exchanges", "insufficient", None, None, None, None),
]
AS_OF = date(2024, 6, 30)
PROBS = {"trigger": 0.05, "peak": 0.7, "trough": 0.2, "slope": 0.05, "plateau": 0.0}


def _assessments() -> pl.DataFrame:
    rows = []
    for sid, _d, _zh, _en, status, phase, pos, band, conf in SUBFIELDS:
        rows.append(
            {
                "subfield_id": sid,
                "model": "snapshot",
                "as_of": AS_OF,
                "status": status,
                "phase": phase,
                "position": pos,
                "years_band": band,
                "confidence": conf,
                "probabilities": json.dumps(PROBS) if sid == "llm" else None,
                "reasons": json.dumps(
                    [{"indicator": "patents_cum", "value": 120, "text": f"{sid}: 累计专利 120 件"}],
                    ensure_ascii=False,
                ),
                "expert_phase": "slope" if sid == "bda" else None,
                "expert_position": 0.62 if sid == "bda" else None,
                "expert_years_band": None,
                "expert_who": "Dr. Wang" if sid == "bda" else None,
                "expert_why": "deployed widely" if sid == "bda" else None,
                "final_phase": "slope" if sid == "bda" else phase,
                "final_position": 0.62 if sid == "bda" else pos,
                "final_years_band": band,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def _records() -> tuple[pl.DataFrame, pl.DataFrame]:
    recs, links = [], []
    for i in range(61):
        title = f"大语言模型论文 {i:02d}"
        url = None
        if i == 0:
            title = XSS_TITLE
        if i == 1:
            url = "https://example.org/paper/1"
        if i == 2:
            url = "javascript:alert(3)"
        recs.append(
            {
                "record_id": f"cnki:{i}",
                "kind": "paper",
                "source": "cnki",
                "source_id": str(i),
                "title": title,
                "date": date(2024, 6, 1) if i < 3 else date(2015 + i % 9, 1 + i % 12, 1),
                "date_precision": "month",
                "year": 2024 if i < 3 else 2015 + i % 9,
                "url": url,
                "ingest_id": 1,
            }
        )
        links.append({"record_id": f"cnki:{i}", "subfield_id": "llm", "terms": "大语言模型;LLM"})
    return pl.DataFrame(recs), pl.DataFrame(links)


def _indicators() -> pl.DataFrame:
    rows, cum = [], 0
    for y in range(2015, 2025):
        n = [1, 2, 3, 5, 8, 12, 18, 24, 28, 30][y - 2015]
        cum += n
        rows.append(
            {
                "subfield_id": "llm",
                "year": y,
                "patents": n,
                "patents_cum": cum,
                "papers": n * 2,
                "papers_cum": cum * 2,
                "articles": 0,
                "attention": float([1, 2, 4, 9, 20, 40, 60, 50, 35, 25][y - 2015]),
            }
        )
    return pl.DataFrame(rows)


def build_store(path: Path) -> Path:
    """Write the store at ``path`` (and its rejects file beside it); returns ``path``."""
    rejects = write_rejects(
        [
            Reject("papers.csv", 7, "date", "2022-13-01", "not a date"),
            Reject("papers.csv", 9, "title", XSS, "empty after cleaning"),
        ],
        path.parent / "papers.rejects.csv",
    )
    with Store.open(path, create=True) as st:
        st.replace_table(
            "domains",
            pl.DataFrame([{"domain_id": a, "name_zh": b, "name_en": c} for a, b, c in DOMAINS]),
        )
        st.con.execute("SELECT 1").fetchall()
        st.append(
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
        st.replace_table("assessments", _assessments())
        recs, links = _records()
        st.append("records", recs)
        st.append("matches", links)
        st.replace_table("indicators", _indicators())
        st.replace_table(
            "summary",
            pl.DataFrame(
                [
                    {"subfield_id": s[0], "domain_id": s[1], "as_of": AS_OF, "patents_cum": 120}
                    for s in SUBFIELDS
                ]
            ),
        )
        st.append(
            "editions",
            pl.DataFrame(
                [
                    {
                        "edition": "2021",
                        "subfield_id": s[0],
                        "model": "snapshot",
                        "as_of": "2021-06-30",
                        "phase": "trigger",
                        "position": max(0.0, s[6] - 0.1),
                        "years_band": s[7],
                        "saved_at": datetime(2021, 7, 1),
                    }
                    for s in SUBFIELDS
                    if s[6] is not None
                ]
            ),
        )
        st.append(
            "ingest_log",
            pl.DataFrame(
                [
                    {
                        "ingest_id": 1,
                        "path": "papers.csv",
                        "kind": "paper",
                        "profile": "cnki",
                        "sha256": "00",
                        "rows_read": 64,
                        "stored": 61,
                        "duplicates": 1,
                        "rejected": 2,
                        "rejects_path": str(rejects),
                        "started_at": datetime(2024, 7, 1, 9),
                        "finished_at": datetime(2024, 7, 1, 9, 1),
                    }
                ]
            ),
        )
        st.set_meta("as_of", AS_OF.isoformat())
        st.con.execute("SELECT 1").fetchall()
    return path
