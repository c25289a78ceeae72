"""Editions: named snapshots of the curve, for year-on-year diffs and movement arrows.

An edition is the final phase, position and years-to-plateau band of every sub-field
placed on the curve at one moment, saved under a name such as ``2022`` into the
store's ``editions`` table together with the data cut-off (``as_of``) and the model
that placed it. Only placed sub-fields are saved; one with insufficient evidence is
simply absent, so a later diff reports it as "appeared" once it is placed.

>>> with Store.open("techcurve.duckdb") as st:                     # doctest: +SKIP
...     save_edition(st, "2022")
...     d = diff_editions(st, "2021", "2022")
...     [m["subfield_id"] for m in d.moved_phase]
['ar', 'serverless']

The name ``current`` is reserved: in :func:`diff_editions` and :func:`load_edition`
it means the store's assessments as they are now, unsaved.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from techcurve.datatypes import Phase
from techcurve.errors import ReportError
from techcurve.render.curve import select_assessments
from techcurve.store import Store

log = logging.getLogger(__name__)

CURRENT = "current"
POSITION_THRESHOLD = 0.05
_NAME_RE = re.compile(r"^[\w.\-+@]{1,64}$")
EDITION_COLUMNS = ("subfield_id", "model", "as_of", "phase", "position", "years_band")


@dataclass(frozen=True, slots=True)
class EditionInfo:
    """One saved edition: its name, when it was saved, cut-off, model and size."""

    name: str
    saved_at: str | None
    as_of: str | None
    model: str | None
    subfields: int


@dataclass(frozen=True, slots=True)
class EditionDiff:
    """What changed between two editions (each list holds one dict per sub-field)."""

    old: str
    new: str
    threshold: float
    appeared: list[dict[str, Any]] = field(default_factory=list)
    disappeared: list[dict[str, Any]] = field(default_factory=list)
    moved_phase: list[dict[str, Any]] = field(default_factory=list)
    moved_position: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when anything appeared, disappeared or moved."""
        return bool(self.appeared or self.disappeared or self.moved_phase or self.moved_position)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for ``techcurve diff --json``)."""
        return asdict(self)


def _check_name(name: str) -> str:
    n = (name or "").strip()
    if not _NAME_RE.match(n):
        raise ReportError(
            f"edition name {name!r} is not usable: use 1–64 letters, digits, '.', '-', '_', "
            "'+' or '@' (for example 2022 or 2022-h2)"
        )
    return n


def current_positions(store: Store, *, model: str | None = None) -> pl.DataFrame:
    """The store's assessments as an edition frame (placed sub-fields only).

    Columns: subfield_id, model, as_of (YYYY-MM-DD), phase, position, years_band; the
    final (override-applied) values where the assessment has them.
    """
    if not store.has_table("assessments") or store.count("assessments") == 0:
        raise ReportError(f"store {store.path} has no assessments: run `techcurve assess` first")
    sel = select_assessments(store.table("assessments"), model=model)
    if "model" not in sel.columns:
        sel = sel.with_columns(pl.lit(None, pl.Utf8).alias("model"))
    if "as_of" not in sel.columns:
        sel = sel.with_columns(pl.lit(store.get_meta("as_of"), pl.Utf8).alias("as_of"))
    frame = sel.select(
        pl.col("subfield_id").cast(pl.Utf8),
        pl.col("model").cast(pl.Utf8),
        pl.col("as_of").cast(pl.Utf8).str.slice(0, 10).alias("as_of"),
        pl.col("plot_phase").alias("phase"),
        pl.col("plot_position").alias("position"),
        pl.col("plot_band").alias("years_band"),
    ).filter(pl.col("position").is_not_null() & pl.col("position").is_not_nan())
    # a phase missing (or inconsistent with the position) is taken from the position
    phases = [_phase_of(ph, pos) for ph, pos in zip(frame["phase"], frame["position"], strict=True)]
    return frame.with_columns(pl.Series("phase", phases, pl.Utf8)).sort("subfield_id")


def _phase_of(phase: str | None, position: float) -> str:
    if phase:
        try:
            return Phase.parse(phase).value
        except ValueError:
            pass
    return Phase.at(position).value


def save_edition(
    store: Store, name: str, *, model: str | None = None, replace: bool = False
) -> EditionInfo:
    """Save the current final phase/position of every placed sub-field as edition ``name``.

    Raises :class:`ReportError` when the name is taken (unless ``replace``), reserved,
    or when the store has no assessments.
    """
    name = _check_name(name)
    if name == CURRENT:
        raise ReportError(
            f"{CURRENT!r} is reserved for the unsaved assessments: pick another edition name"
        )
    frame = current_positions(store, model=model)
    if frame.height == 0:
        raise ReportError(
            "no sub-field is placed on the curve, so there is nothing to save: "
            "check `techcurve assess` (all sub-fields have insufficient evidence)"
        )
    exists = store.count("editions", f"edition = '{name}'")
    if exists and not replace:
        raise ReportError(
            f"edition {name!r} already exists ({exists} sub-fields): pass --replace to "
            "overwrite it, or save under another name"
        )
    saved_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = frame.with_columns(
        pl.lit(name).alias("edition"), pl.lit(saved_at, pl.Datetime("us")).alias("saved_at")
    )
    with store.transaction():
        store.con.execute("DELETE FROM editions WHERE edition = ?", [name])
        store.append("editions", rows)
    log.info("saved edition %s: %d sub-fields", name, frame.height)
    return EditionInfo(
        name=name,
        saved_at=saved_at.isoformat(sep=" "),
        as_of=_first(frame["as_of"]),
        model=_first(frame["model"]),
        subfields=frame.height,
    )


def _first(s: pl.Series) -> str | None:
    vals = [v for v in s.drop_nulls().unique().sort().to_list() if v]
    return ", ".join(str(v) for v in vals) if vals else None


def list_editions(store: Store) -> list[EditionInfo]:
    """Every saved edition, oldest first."""
    df = store.sql(
        "SELECT edition, CAST(max(saved_at) AS VARCHAR) AS saved_at, "
        "string_agg(DISTINCT as_of, ', ') AS as_of, string_agg(DISTINCT model, ', ') AS model, "
        "count(*) AS n FROM editions GROUP BY edition ORDER BY max(saved_at), edition"
    )
    return [
        EditionInfo(
            name=str(r["edition"]),
            saved_at=r["saved_at"],
            as_of=r["as_of"],
            model=r["model"],
            subfields=int(r["n"]),
        )
        for r in df.iter_rows(named=True)
    ]


def load_edition(store: Store, name: str) -> pl.DataFrame:
    """The positions of edition ``name`` (or ``current``): one row per placed sub-field."""
    if name == CURRENT:
        return current_positions(store)
    df = store.sql(
        "SELECT subfield_id, model, as_of, phase, position, years_band FROM editions "
        "WHERE edition = ? ORDER BY subfield_id",
        [name],
    )
    if df.height == 0:
        have = [e.name for e in list_editions(store)]
        raise ReportError(
            f"no edition named {name!r} in {store.path}: "
            + (
                f"saved editions are {', '.join(have)} (or use {CURRENT!r})"
                if have
                else "save one first with `techcurve edition save NAME`"
            )
        )
    return df


def diff_editions(
    store: Store, old: str, new: str, *, threshold: float = POSITION_THRESHOLD
) -> EditionDiff:
    """Sub-fields that appeared, disappeared, changed phase, or moved more than ``threshold``.

    ``moved_position`` holds moves within the same phase only; a phase change is in
    ``moved_phase`` whatever its size. Either name may be ``current``.
    """
    a = {r["subfield_id"]: r for r in load_edition(store, old).iter_rows(named=True)}
    b = {r["subfield_id"]: r for r in load_edition(store, new).iter_rows(named=True)}
    names = _names(store)
    diff = EditionDiff(old=old, new=new, threshold=threshold)
    for sid in sorted(set(b) - set(a)):
        diff.appeared.append(_entry(sid, names, None, b[sid]))
    for sid in sorted(set(a) - set(b)):
        diff.disappeared.append(_entry(sid, names, a[sid], None))
    for sid in sorted(set(a) & set(b)):
        e = _entry(sid, names, a[sid], b[sid])
        if e["old_phase"] != e["new_phase"]:
            diff.moved_phase.append(e)
        elif abs(e["delta"]) > threshold:
            diff.moved_position.append(e)
    diff.moved_position.sort(key=lambda e: -abs(e["delta"]))
    return diff


def _names(store: Store) -> dict[str, tuple[str, str]]:
    if not store.has_table("subfields"):
        return {}
    return {
        str(r[0]): (str(r[1] or r[0]), str(r[2] or r[0]))
        for r in store.sql("SELECT subfield_id, name_zh, name_en FROM subfields").iter_rows()
    }


def _pos(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _entry(
    sid: str,
    names: dict[str, tuple[str, str]],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> dict[str, Any]:
    zh, en = names.get(sid, (sid, sid))
    op = _pos(old["position"]) if old else None
    np_ = _pos(new["position"]) if new else None
    return {
        "subfield_id": sid,
        "name_zh": zh,
        "name_en": en,
        "old_phase": old["phase"] if old else None,
        "new_phase": new["phase"] if new else None,
        "old_position": None if op is None else round(op, 4),
        "new_position": None if np_ is None else round(np_, 4),
        "delta": round(np_ - op, 4) if op is not None and np_ is not None else 0.0,
    }


def delete_edition(store: Store, name: str) -> int:
    """Delete edition ``name``; returns how many rows went (ReportError if none)."""
    n = store.count("editions", f"edition = '{_check_name(name)}'")
    if not n:
        load_edition(store, name)  # raises with the list of saved editions
    with store.transaction():
        store.con.execute("DELETE FROM editions WHERE edition = ?", [name])
    return n
