"""What the stored financing amounts are made of: exact, vague or undisclosed, per source.

The report states how many amounts were printed as vague words or ranges (数千万, 近亿,
1000万-2000万) and how many were not disclosed at all (未透露, empty), because sums
and shares of amounts rest on the vague-word table (:mod:`techcurve.ingest.money`).
"""

from __future__ import annotations

from typing import Any

from techcurve.store import Store

_SQL = """
SELECT source,
       count(*) AS events,
       count(*) FILTER (WHERE amount_point_cny IS NOT NULL
                          AND amount_low_cny = amount_high_cny) AS exact,
       count(*) FILTER (WHERE amount_point_cny IS NOT NULL
                          AND amount_low_cny < amount_high_cny) AS vague,
       count(*) FILTER (WHERE amount_point_cny IS NULL) AS undisclosed
FROM records
WHERE kind = 'financing'{where}
GROUP BY source
ORDER BY source
"""


def amount_stats(store: Store, *, where: str = "") -> dict[str, Any]:
    """Counts of exact, vague (a word or a range: low < high) and undisclosed financing
    amounts per source and in total, with shares of all events.

    ``where`` is an extra SQL condition on ``records`` (e.g. ``"date <= DATE '2021-11-24'"``).

    >>> amount_stats(store)                                       # doctest: +SKIP
    {'sources': {'itjuzi': {'events': 772, 'exact': 61, 'vague': 396, 'undisclosed': 315,
      'vague_share': 0.513, 'undisclosed_share': 0.408}}, 'total': {...}}
    """
    sql = _SQL.format(where=f" AND ({where})" if where else "")
    rows = store.con.execute(sql).fetchall()
    sources: dict[str, dict[str, Any]] = {}
    total = {"events": 0, "exact": 0, "vague": 0, "undisclosed": 0}
    for source, events, exact, vague, undisclosed in rows:
        counts = {"events": int(events), "exact": int(exact), "vague": int(vague),
                  "undisclosed": int(undisclosed)}  # fmt: skip
        for k, v in counts.items():
            total[k] += v
        sources[str(source)] = _with_shares(counts)
    return {"sources": sources, "total": _with_shares(total)}


def _with_shares(c: dict[str, int]) -> dict[str, Any]:
    n = c["events"]
    out: dict[str, Any] = dict(c)
    out["vague_share"] = round(c["vague"] / n, 4) if n else None
    out["undisclosed_share"] = round(c["undisclosed"] / n, 4) if n else None
    return out
