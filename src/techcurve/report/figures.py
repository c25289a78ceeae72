"""The report's own figures in the audit schema (:mod:`techcurve.audit`).

:func:`report_figures` restates every table the report prints (as printed, in
strings) and every sentence whose numbers come from a table (as a claim pointing
at the parts it sums), so ``techcurve audit report.data.json`` checks a techcurve
report with the same rules as any other report. :func:`round_to_total` is how the
report makes printed parts add up to their printed total in the first place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def round_to_total(values: Sequence[float], total: float, decimals: int = 1) -> list[str]:
    """``values`` printed with ``decimals`` so that they add up to ``total`` as printed.

    Largest-remainder rounding in units of the last decimal: each value is rounded
    down, and the units still missing from the rounded total go to the values with
    the largest remainders. Every printed value is within one unit of the exact one.

    >>> round_to_total([10.84, 2.83, 15.24], 28.91)
    ['10.8', '2.8', '15.3']
    """
    scale = 10**decimals
    units = [max(v, 0.0) * scale for v in values]
    target = round(total * scale)
    floors = [math.floor(u + 1e-9) for u in units]
    short = target - sum(floors)
    order = sorted(range(len(units)), key=lambda i: (-(units[i] - floors[i]), -units[i], i))
    if short >= 0:
        for i in order[:short]:
            floors[i] += 1
    else:  # only when the values exceed the total (should not happen): take from the largest
        for i in sorted(range(len(units)), key=lambda i: -floors[i])[:-short]:
            floors[i] -= 1
    return [f"{f / scale:.{decimals}f}" for f in floors]


def _num(v: str) -> str:
    return v.rstrip("%").strip()


def _pct(v: float) -> str:
    return f"{v:.2f}"


def _int(v: float) -> str:
    return f"{round(v):,}"


def report_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The tables and claims of a report data dict (see :mod:`techcurve.audit`)."""
    tables: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []

    def claim(cid: str, text: str, value: str, of: dict[str, Any]) -> None:
        if text:
            claims.append({"id": cid, "text": text, "value": _num(value), "of": of})

    methods = data.get("methods", {})
    ev = [e for e in methods.get("evidence", []) if e.get("records")]
    if ev:
        tables.append(
            {
                "id": "evidence_records",
                "title": "records by evidence kind",
                "parts": [[e["label"], _int(e["records"])] for e in ev],
                "total": _int(methods.get("records_total", 0)),
            }
        )
        claim(
            "methods_title",
            methods.get("action_title", ""),
            _int(methods.get("records_total", 0)),
            {"table": "evidence_records", "total": True},
        )

    pat = data.get("patents", {})
    doms = pat.get("domains") or []
    if doms:
        tables.append(
            {
                "id": "patent_domain_share",
                "title": "patent share by domain (%)",
                "shares": True,
                "parts": [[d["name"], _pct(d["share_pct"])] for d in doms],
            }
        )
        tables.append(
            {
                "id": "patent_domain_count",
                "title": "cumulative patents by domain",
                "parts": [[d["name"], _int(d["patents"])] for d in doms],
                "total": _int(pat["total"]),
            }
        )
        top = pat.get("top10") or []
        rest = pat["total"] - sum(t["patents"] for t in top)
        tables.append(
            {
                "id": "patent_top10",
                "title": "top-10 sub-fields by cumulative patents, and the rest",
                "parts": [[t["name"], _int(t["patents"])] for t in top]
                + [["(other sub-fields)", _int(rest)]],
                "total": _int(pat["total"]),
            }
        )
        names = [d["name"] for d in doms]
        if len(doms) >= 2:
            t1 = pat.get("action_title", "")
            claim(
                "patents_title_top2",
                t1,
                _pct(doms[0]["share_pct"] + doms[1]["share_pct"]),
                {"table": "patent_domain_share", "sum": names[:2]},
            )
            claim(
                "patents_title_last",
                t1,
                _pct(doms[-1]["share_pct"]),
                {"table": "patent_domain_share", "value": names[-1]},
            )
        if top:
            claim(
                "top10_title_share",
                pat.get("top10_title", ""),
                _pct(pat["top10_share_pct"]),
                {"table": "patent_top10", "share": [t["name"] for t in top]},
            )
            claim(
                "top10_title_first",
                pat.get("top10_title", ""),
                _int(top[0]["patents"]),
                {"table": "patent_top10", "value": top[0]["name"]},
            )

    fin = data.get("financing", {})
    if not fin.get("empty") and fin.get("months"):
        months = fin["months"]
        tables.append(
            {
                "id": "financing_month_amount",
                "title": "financing amount by month (亿元)",
                "parts": [[m["label"], m["amount_text"]] for m in months],
                "total": fin["amount_text"],
            }
        )
        tables.append(
            {
                "id": "financing_month_events",
                "title": "financing events by month",
                "parts": [[m["label"], str(m["events"])] for m in months],
                "total": str(fin["events"]),
            }
        )
        fd = fin.get("domains") or []
        if fd:
            tables.append(
                {
                    "id": "financing_domain_share",
                    "title": "financing amount share by domain (%)",
                    "shares": True,
                    "parts": [[d["name"], _pct(d["share_pct"])] for d in fd],
                }
            )
            tables.append(
                {
                    "id": "financing_domain_amount",
                    "title": "financing amount by domain (亿元)",
                    "parts": [[d["name"], d["amount_text"]] for d in fd],
                    "total": fin["amount_text"],
                }
            )
        rounds = fin.get("rounds") or []
        tables.append(
            {
                "id": "financing_round_share",
                "title": "share of financing events by round (%)",
                "shares": True,
                "base": fin["events"],
                "parts": [[r["label"], _pct(r["share_pct"])] for r in rounds],
            }
        )
        tables.append(
            {
                "id": "financing_round_events",
                "title": "financing events by round",
                "parts": [[r["label"], str(r["events"])] for r in rounds],
                "total": str(fin["events"]),
            }
        )
        tables.append(
            {
                "id": "financing_round_amount",
                "title": "financing amount by round (亿元)",
                "parts": [[r["label"], r["amount_text"]] for r in rounds],
                "total": fin["amount_text"],
            }
        )
        mt = fin.get("month_title", "")
        claim(
            "financing_title_amount",
            mt,
            fin["amount_text"],
            {"table": "financing_month_amount", "total": True},
        )
        claim(
            "financing_title_events",
            mt,
            str(fin["events"]),
            {"table": "financing_month_events", "total": True},
        )
        peak = max(months, key=lambda m: m["amount_yi"])
        claim(
            "financing_title_peak",
            mt,
            peak["amount_text"],
            {"table": "financing_month_amount", "value": peak["label"]},
        )
        if len(fd) >= 2:
            claim(
                "financing_domain_title",
                fin.get("domain_title", ""),
                _pct(fd[0]["share_pct"] + fd[1]["share_pct"]),
                {"table": "financing_domain_share", "sum": [fd[0]["name"], fd[1]["name"]]},
            )
        ab = [r["label"] for r in rounds if r["group"] in ("a", "b")]
        claim(
            "financing_round_title",
            fin.get("round_title", ""),
            _pct(fin["early_share_pct"]),
            {"table": "financing_round_share", "sum": ab},
        )

    cur = data.get("curve", {})
    if cur.get("n_points"):
        pc = cur["phase_counts"]
        tables.append(
            {
                "id": "curve_phase_counts",
                "title": "sub-fields per phase",
                "parts": [[c["name"], str(c["count"])] for c in pc],
                "total": str(cur["n_points"]),
            }
        )
        top = max(pc, key=lambda c: c["count"])
        claim(
            "curve_title_n",
            cur.get("action_title", ""),
            str(cur["n_points"]),
            {"table": "curve_phase_counts", "total": True},
        )
        claim(
            "curve_title_k",
            cur.get("action_title", ""),
            str(top["count"]),
            {"table": "curve_phase_counts", "value": top["name"]},
        )

    # the key conclusions restate numbers of the tables above
    conc = data.get("conclusions", {})
    items: list[str] = conc.get("items") or []
    restated = [c for c in claims if c["id"] != "methods_title"]
    for k, sentence in enumerate(items):
        for c in restated:
            if (
                c["value"]
                and _contains(sentence, c["value"])
                and _mentions_table(sentence, c, data)
            ):
                claims.append({**c, "id": f"conclusion{k + 1}:{c['id']}", "text": sentence})
    sp = conc.get("spearman")
    if sp and items:
        rho = f"{sp['rho']:.2f}"
        tables.append({"id": "spearman", "title": "rank correlation", "parts": [["rho", rho]]})
        claim("conclusion1:rho", items[0], rho, {"table": "spearman", "value": "rho"})
    return {"title": data.get("title", ""), "tables": tables, "claims": claims}


def _contains(text: str, value: str) -> bool:
    import re

    want = value.replace(",", "")
    return any(m.replace(",", "") == want for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text))


def _mentions_table(sentence: str, c: dict[str, Any], data: dict[str, Any]) -> bool:
    """A conclusion restates a claim when it names the same parts (domain names etc.)."""
    of = c["of"]
    parts = of.get("sum") or of.get("share") or ([of["value"]] if "value" in of else [])
    return all(str(p) in sentence for p in parts)
