"""Expert placements (with their history) and the Delphi panel's tables.

``expert_placements`` holds every placement ever made; the current placement of a
sub-field is its latest row (``made_at``, then ``placement_id``), unless that row is a
withdrawal. ``panels``, ``experts``, ``rounds``, ``responses`` and ``round_results``
hold the panel (docs/panel.md). Every function here takes an open :class:`Store`;
the caller holds the transaction.

A store opened read-only before its migration to schema version 4 has none of these
tables: the reads then return empty frames (or None).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from techcurve.store.core import Store
from techcurve.store.meta import Meta

#: the columns of ``expert_placements`` in order (``placement_id`` first)
PLACEMENT_COLUMNS: dict[str, pl.DataType] = {
    "placement_id": pl.Int64(),
    "subfield_id": pl.Utf8(),
    "phase": pl.Utf8(),
    "position": pl.Float64(),
    "years_band": pl.Utf8(),
    "confidence": pl.Float64(),
    "who": pl.Utf8(),
    "affiliation": pl.Utf8(),
    "made_at": pl.Datetime("us"),
    "rationale": pl.Utf8(),
    "origin": pl.Utf8(),
    "panel_id": pl.Int64(),
    "round_id": pl.Int64(),
    "withdrawn": pl.Boolean(),
}

ORIGINS = ("yaml", "panel", "form")


@dataclass(frozen=True, slots=True)
class NewPlacement:
    """One placement to record (``phase`` None and ``withdrawn`` for a withdrawal)."""

    subfield_id: str
    phase: str | None
    position: float | None
    years_band: str | None
    who: str
    made_at: datetime
    rationale: str
    origin: str  # yaml | panel | form
    confidence: float | None = None
    affiliation: str | None = None
    panel_id: int | None = None
    round_id: int | None = None
    withdrawn: bool = False


def _next_id(st: Store, table: str, column: str) -> int:
    row = st.one(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")
    return int(row[0]) if row else 1  # type: ignore[call-overload]


def add_placements(st: Store, placements: Sequence[NewPlacement]) -> int:
    """Append ``placements`` to ``expert_placements``; returns how many were added."""
    first = _next_id(st, "expert_placements", "placement_id")
    rows = [
        {
            "placement_id": first + i,
            **{k: getattr(p, k) for k in PLACEMENT_COLUMNS if k != "placement_id"},
        }
        for i, p in enumerate(placements)
    ]
    st.append("expert_placements", pl.DataFrame(rows, schema=PLACEMENT_COLUMNS, orient="row"))
    return len(rows)


def placement_history(st: Store, subfield_id: str | None = None) -> pl.DataFrame:
    """Every placement ever made (of one sub-field, or of all), oldest first."""
    if not st.has_table("expert_placements"):
        return pl.DataFrame(schema=PLACEMENT_COLUMNS)
    where = "WHERE subfield_id = ?" if subfield_id is not None else ""
    params: list[object] = [subfield_id] if subfield_id is not None else []
    return st.sql(
        f"SELECT * FROM expert_placements {where} ORDER BY made_at, placement_id", params
    ).cast(PLACEMENT_COLUMNS)  # type: ignore[arg-type]


def current_placements(st: Store) -> pl.DataFrame:
    """Each sub-field's current placement: its latest row, withdrawals left out."""
    if not st.has_table("expert_placements"):
        return pl.DataFrame(schema=PLACEMENT_COLUMNS)
    return st.sql(
        "SELECT * FROM expert_placements QUALIFY row_number() OVER "
        "(PARTITION BY subfield_id ORDER BY made_at DESC, placement_id DESC) = 1 "
        "AND NOT withdrawn ORDER BY subfield_id"
    ).cast(PLACEMENT_COLUMNS)  # type: ignore[arg-type]


# -- panels and experts -------------------------------------------------------------


def add_panel(st: Store, name: str, max_rounds: int, created_at: datetime) -> int:
    """Insert a panel; returns its id."""
    pid = _next_id(st, "panels", "panel_id")
    st.con.execute("INSERT INTO panels VALUES (?, ?, ?, ?)", [pid, name, max_rounds, created_at])
    return pid


def panel_row(st: Store, name: str | None = None) -> tuple[int, str, int] | None:
    """(panel_id, name, max_rounds) of the panel called ``name``, or of the latest panel."""
    if not st.has_table("panels"):
        return None
    if name is None:
        row = st.one("SELECT panel_id, name, max_rounds FROM panels ORDER BY panel_id DESC")
    else:
        row = st.one("SELECT panel_id, name, max_rounds FROM panels WHERE name = ?", [name])
    return None if row is None else (int(row[0]), str(row[1]), int(row[2]))  # type: ignore[call-overload]


def panel_row_by_id(st: Store, panel_id: int) -> tuple[int, str, int]:
    """(panel_id, name, max_rounds) of panel ``panel_id`` (which must exist)."""
    row = st.one("SELECT panel_id, name, max_rounds FROM panels WHERE panel_id = ?", [panel_id])
    assert row is not None
    return (int(row[0]), str(row[1]), int(row[2]))  # type: ignore[call-overload]


def panel_names(st: Store) -> list[str]:
    if not st.has_table("panels"):
        return []
    return [
        str(r[0]) for r in st.con.execute("SELECT name FROM panels ORDER BY panel_id").fetchall()
    ]


def add_experts(
    st: Store, panel_id: int, experts: Sequence[tuple[str, str, str, str]]
) -> list[int]:
    """Insert (name, affiliation, domains, token_hash) rows; returns their ids in order."""
    first = _next_id(st, "experts", "expert_id")
    ids = [first + i for i in range(len(experts))]
    for eid, (name, aff, domains, th) in zip(ids, experts, strict=True):
        st.con.execute(
            "INSERT INTO experts VALUES (?, ?, ?, ?, ?, ?)", [eid, panel_id, name, aff, domains, th]
        )
    return ids


def experts(st: Store, panel_id: int) -> pl.DataFrame:
    """A panel's experts: expert_id, name, affiliation, domains (no token hash)."""
    return st.sql(
        "SELECT expert_id, name, affiliation, domains FROM experts WHERE panel_id = ? "
        "ORDER BY expert_id",
        [panel_id],
    )


def token_hashes(st: Store) -> list[tuple[int, int, str]]:
    """(expert_id, panel_id, token_hash) of every expert, to compare a token against."""
    if not st.has_table("experts"):
        return []
    rows = st.con.execute("SELECT expert_id, panel_id, token_hash FROM experts").fetchall()
    return [(int(a), int(b), str(c)) for a, b, c in rows]


def expert_row(st: Store, expert_id: int) -> tuple[int, int, str, str, str] | None:
    """(expert_id, panel_id, name, affiliation, domains) of one expert."""
    row = st.one(
        "SELECT expert_id, panel_id, name, coalesce(affiliation, ''), coalesce(domains, '') "
        "FROM experts WHERE expert_id = ?",
        [expert_id],
    )
    if row is None:
        return None
    return (int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]))  # type: ignore[call-overload]


# -- rounds and responses -----------------------------------------------------------


def add_round(
    st: Store, panel_id: int, number: int, subfields: Sequence[str], opened_at: datetime
) -> int:
    rid = _next_id(st, "rounds", "round_id")
    st.con.execute(
        "INSERT INTO rounds VALUES (?, ?, ?, ?, ?, NULL, 'open')",
        [rid, panel_id, number, json.dumps(list(subfields)), opened_at],
    )
    return rid


def rounds(st: Store, panel_id: int) -> pl.DataFrame:
    """A panel's rounds: round_id, number, subfields (JSON), opened_at, closed_at, status."""
    return st.sql(
        "SELECT round_id, number, subfields, opened_at, closed_at, status FROM rounds "
        "WHERE panel_id = ? ORDER BY number",
        [panel_id],
    )


def round_numbers(st: Store) -> dict[int, int]:
    """round_id → the round's number in its panel, of every round."""
    if not st.has_table("rounds"):
        return {}
    return {
        int(a): int(b) for a, b in st.con.execute("SELECT round_id, number FROM rounds").fetchall()
    }


def close_round_row(st: Store, round_id: int, closed_at: datetime) -> None:
    st.con.execute(
        "UPDATE rounds SET status = 'closed', closed_at = ? WHERE round_id = ?",
        [closed_at, round_id],
    )


def put_responses(st: Store, round_id: int, expert_id: int, rows: pl.DataFrame) -> None:
    """Store an expert's answers for a round, replacing earlier answers to the same
    sub-fields. ``rows``: subfield_id, phase, position, years_band, confidence,
    rationale, submitted_at."""
    for sid in rows["subfield_id"].to_list():
        st.con.execute(
            "DELETE FROM responses WHERE round_id = ? AND expert_id = ? AND subfield_id = ?",
            [round_id, expert_id, sid],
        )
    full = rows.with_columns(
        pl.lit(round_id, pl.Int64).alias("round_id"), pl.lit(expert_id, pl.Int64).alias("expert_id")
    )
    st.append("responses", full)


def responses(st: Store, round_id: int) -> pl.DataFrame:
    """A round's answers: expert_id, subfield_id, phase, position, years_band, confidence,
    rationale, submitted_at; by sub-field then expert."""
    return st.sql(
        "SELECT expert_id, subfield_id, phase, position, years_band, confidence, rationale, "
        "submitted_at FROM responses WHERE round_id = ? ORDER BY subfield_id, expert_id",
        [round_id],
    )


def put_round_results(st: Store, results: pl.DataFrame) -> None:
    """Write a closed round's aggregates (columns of ``round_results``)."""
    st.append("round_results", results)


def round_results(st: Store, round_id: int) -> pl.DataFrame:
    return st.sql("SELECT * FROM round_results WHERE round_id = ? ORDER BY subfield_id", [round_id])


# -- what an expert is shown -------------------------------------------------------


def _in(ids: Sequence[str]) -> tuple[str, list[object]]:
    return "(" + ", ".join("?" for _ in ids) + ")", list(ids)


def subfield_rows(st: Store, ids: Sequence[str]) -> pl.DataFrame:
    """subfield_id, domain_id, name_zh, name_en of ``ids`` (those the taxonomy has)."""
    if not ids or not st.has_table("subfields"):
        return pl.DataFrame(
            schema={c: pl.Utf8 for c in ("subfield_id", "domain_id", "name_zh", "name_en")}
        )
    marks, params = _in(ids)
    return st.sql(
        "SELECT subfield_id, domain_id, name_zh, name_en FROM subfields "
        f"WHERE subfield_id IN {marks}",
        params,
    )


def model_placements(st: Store, ids: Sequence[str]) -> pl.DataFrame:
    """The assessed model's rows of ``ids``: subfield_id, model, phase, position, years_band,
    confidence, reasons (JSON) and probabilities (JSON, null when the model has none)."""
    if not ids or not st.has_table("assessments"):
        return pl.DataFrame()
    cols = {
        str(r[0])
        for r in st.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'assessments'"
        ).fetchall()
    }
    probs = "probabilities" if "probabilities" in cols else "NULL AS probabilities"
    marks, params = _in(ids)
    model = st.get_meta(Meta.ASSESSED_MODEL)
    where = f"subfield_id IN {marks}" + (" AND model = ?" if model else "")
    return st.sql(
        "SELECT subfield_id, model, phase, position, years_band, confidence, reasons, "
        f"{probs} FROM assessments WHERE {where}",
        params + ([model] if model else []),
    )


#: evidence counts kept in this process: (store path, sub-field ids, evidence state) →
#: frame; an expert's page asks for the same round's at every request (a join of its
#: matches with every record: 0.2–0.3 s at 1M records)
_EVIDENCE: OrderedDict[tuple[str, tuple[str, ...], tuple[object, ...]], pl.DataFrame] = (
    OrderedDict()
)
_EVIDENCE_KEPT = 16


def evidence_state(st: Store) -> tuple[object, ...]:
    """What the evidence counts depend on, cheaply read: the taxonomy and match state,
    and the size of the records, matches, count series and their links (the series'
    sum too: a fetch may replace a count in place; and how many links are primary)."""
    meta = tuple(st.get_meta(k) for k in (Meta.TAXONOMY_HASH, Meta.MATCH_VERSION,
                                          Meta.MATCH_WATERMARK, Meta.MATCH_WATERMARK_RECORDS))  # fmt: skip
    sizes = tuple(
        st.one(f"SELECT count(*) FROM {t}") if st.has_table(t) else None
        for t in ("records", "matches", "counts", "count_matches")
    )
    total = st.one("SELECT sum(count) FROM counts") if st.has_table("counts") else None
    primary = (
        st.one("SELECT count(*) FROM count_matches WHERE is_primary")
        if st.has_table("count_matches")
        else None
    )
    return (*meta, *sizes, total, primary)


def evidence_counts(st: Store, ids: Sequence[str]) -> pl.DataFrame:
    """Per sub-field of ``ids`` and evidence kind: items and the latest year. Matched
    records count one each (kind ``patent``, ``paper`` …); the primary count series are
    summed (kind ``<kind>_series``). Kept in the process until :func:`evidence_state`
    changes."""
    key = (st.path, tuple(ids), evidence_state(st))
    if key in _EVIDENCE:
        _EVIDENCE.move_to_end(key)
        return _EVIDENCE[key]
    frame = _evidence_counts(st, ids)
    _EVIDENCE[key] = frame
    while len(_EVIDENCE) > _EVIDENCE_KEPT:
        _EVIDENCE.popitem(last=False)
    return frame


def _evidence_counts(st: Store, ids: Sequence[str]) -> pl.DataFrame:
    schema = {"subfield_id": pl.Utf8, "kind": pl.Utf8, "items": pl.Int64, "latest_year": pl.Int32}
    if not ids or not st.has_table("matches"):
        return pl.DataFrame(schema=schema)
    marks, params = _in(ids)
    return st.sql(
        "SELECT m.subfield_id, r.kind, count(*) AS items, max(r.year) AS latest_year "
        f"FROM matches m JOIN records r USING (record_id) WHERE m.subfield_id IN {marks} "
        "GROUP BY ALL UNION ALL "
        "SELECT cm.subfield_id, c.kind || '_series', CAST(sum(c.count) AS BIGINT), max(c.year) "
        "FROM counts c JOIN count_matches cm USING (source, term, kind) "
        f"WHERE cm.is_primary AND cm.subfield_id IN {marks} GROUP BY ALL "
        "ORDER BY 1, 2",
        params + params,
    ).cast(schema)  # type: ignore[arg-type]
