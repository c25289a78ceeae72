"""Ingest throughput: ``techcurve`` ingest of an N-row CSV against DuckDB's own
``read_csv`` of the same file, measured in the same run.

The CSV (:func:`write_ingest_csv`, seeded) has the ``generic`` profile's columns and
the mix an analyst's export has: 40% Chinese patents, 35% English papers, 25%
financing events with IT桔子-style amounts (数千万人民币, 近亿元, US$5M, 未透露 …) and
rounds; dates in four spellings (2021-03-08, 2021.3.8, 2021年3月8日, 2021/03/08);
about 1% duplicate ids, 0.3% impossible dates and 0.2% rows without a title, so
the reject and duplicate paths run too.

What is compared: techcurve parses, validates, normalises (NFKC + t2s + the matcher's
separators), hashes and stores every row into a fresh store in one transaction;
DuckDB's ``read_csv`` only parses the file into a table with sniffed types. The ratio
says what that extra work costs.

>>> from pathlib import Path                                   # doctest: +SKIP
>>> run(Path("/tmp/bench"), 100_000)                           # doctest: +SKIP
{'rows': 100000, 'techcurve_s': 4.1, 'duckdb_read_csv_s': 0.12, 'ratio': 34.2, ...}
"""

from __future__ import annotations

import csv
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from techcurve.ingest import ingest_records
from techcurve.store import Store, init_store

_ZH = ("人工智能", "区块链", "边缘计算", "数字孪生", "知识图谱", "联邦学习", "云原生", "微服务",
       "自动驾驶", "增强现实", "虚拟现实", "量子计算", "隐私计算", "物联网", "5G专网", "低代码",
       "大模型", "机器视觉", "智能制造", "数据湖")  # fmt: skip
_ZH_TAIL = ("的方法", "装置及系统", "的调度方法", "的识别方法", "平台", "的检测系统", "的优化方法")
_EN = ("graph neural networks", "federated learning", "edge inference", "serverless computing",
       "augmented reality", "digital twins", "quantum error correction", "knowledge graphs",
       "large language models", "service mesh", "privacy-preserving analytics", "RISC-V cores")  # fmt: skip
_EN_HEAD = ("Towards", "Scalable", "Efficient", "Robust", "A survey of", "Rethinking")
_VENUES_P = ("计算机学报", "软件学报", "NeurIPS", "ICML", "IEEE TPAMI", "ACM CSUR")
_ORGS = ("示例大学", "示例科技有限公司", "Example University", "示例通信有限公司", "Example Corp.")
_AMOUNTS = ("数千万人民币", "数百万人民币", "近亿元", "超亿元", "1.5亿元", "数亿美元", "US$5M",
            "未透露", "5000万元", "亿元及以上人民币", "$1.2B", "")  # fmt: skip
_ROUNDS = (
    "种子轮",
    "天使轮",
    "Pre-A轮",
    "A轮",
    "A+轮",
    "B轮",
    "C轮",
    "战略投资",
    "并购",
    "IPO上市",
)
COLUMNS = ("source_id", "kind", "title", "abstract", "keywords", "date", "venue",
           "organization", "amount", "round")  # fmt: skip


def write_ingest_csv(path: Path, rows: int, seed: int = 20221124) -> Path:
    """Write the benchmark CSV (deterministic for a given ``seed``)."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(3, size=rows, p=[0.40, 0.35, 0.25])
    years = rng.integers(2012, 2023, size=rows)
    months = rng.integers(1, 13, size=rows)
    days = rng.integers(1, 29, size=rows)
    fmts = rng.integers(0, 4, size=rows)
    picks = rng.integers(0, 1 << 30, size=(rows, 4))
    flaws = rng.random(size=rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i in range(rows):
            k, a, b, c = (int(x) for x in picks[i])
            y, m, d = int(years[i]), int(months[i]), int(days[i])
            flaw = float(flaws[i])
            if flaw < 0.003:
                m = 13
            dt = (f"{y}-{m:02d}-{d:02d}", f"{y}.{m}.{d}", f"{y}年{m}月{d}日",
                  f"{y}/{m:02d}/{d:02d}")[int(fmts[i])]  # fmt: skip
            sid = str(i - 1 if 0.003 <= flaw < 0.013 and i else i)
            kind = int(kinds[i])
            if kind == 0:
                t1, t2 = _ZH[k % len(_ZH)], _ZH[a % len(_ZH)]
                title = f"一种基于{t1}与{t2}{_ZH_TAIL[b % len(_ZH_TAIL)]}"
                row = [f"CN{110000000 + i}A", "patent", title,
                       f"本发明公开了一种基于{t1}的{t2}方案，提高了效率。", "", dt, "CNIPA",
                       _ORGS[c % len(_ORGS)], "", ""]  # fmt: skip
            elif kind == 1:
                t1, t2 = _EN[k % len(_EN)], _EN[a % len(_EN)]
                title = f"{_EN_HEAD[b % len(_EN_HEAD)]} {t1} with {t2}"
                row = [f"P{sid}", "paper", title, f"We study {t1} and {t2} at scale.",
                       f"{t1};{t2}", dt, _VENUES_P[c % len(_VENUES_P)],
                       _ORGS[k % len(_ORGS)], "", ""]  # fmt: skip
            else:
                name = f"{_ZH[k % len(_ZH)]}示例{a % 5000}号"
                row = [f"F{sid}", "financing", name, _ZH[k % len(_ZH)], "", dt, "IT桔子", name,
                       _AMOUNTS[b % len(_AMOUNTS)], _ROUNDS[c % len(_ROUNDS)]]  # fmt: skip
            if 0.013 <= flaw < 0.015:
                row[2] = ""
            w.writerow(row)
    return path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(tmpdir: Path, rows: int) -> dict[str, Any]:
    """Time techcurve ingest and DuckDB ``read_csv`` of the same generated ``rows``-row
    CSV; returns seconds for both, their ratio and techcurve's row accounting."""
    tmpdir = Path(tmpdir)
    tmpdir.mkdir(parents=True, exist_ok=True)
    csv_path = write_ingest_csv(tmpdir / f"ingest_{rows}.csv", rows)

    con = duckdb.connect(str(tmpdir / "duck.duckdb"))
    t0 = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    duck_rows = con.execute("SELECT count(*) FROM t").fetchone()
    duck_s = time.perf_counter() - t0
    con.close()

    db = tmpdir / "tc.duckdb"
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    init_store(db)
    t0 = time.perf_counter()
    with Store.open(db) as st:
        [s] = ingest_records(
            st, [csv_path], kind="auto", rejects_dir=tmpdir / "rejects", as_of=date(2030, 1, 1)
        )
    tc_s = time.perf_counter() - t0
    return {
        "rows": rows,
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "techcurve_s": round(tc_s, 3),
        "duckdb_read_csv_s": round(duck_s, 3),
        "ratio": round(tc_s / duck_s, 1) if duck_s > 0 else None,
        "techcurve_rows_per_s": round(rows / tc_s) if tc_s > 0 else None,
        "duckdb_rows": int(duck_rows[0]) if duck_rows else 0,
        "stored": s.stored,
        "duplicates": s.duplicates,
        "rejected": s.rejected,
        "peak_rss_mb_process": round(_rss_mb(), 1),
    }


if __name__ == "__main__":  # python -m benchmarks.bench_ingest [rows]
    import json
    import sys
    import tempfile

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as d:
        print(json.dumps(run(Path(d), n), indent=2))
