"""Editions: named snapshots of the curve, for year-on-year diffs and movement arrows.

An edition is the final phase, position and years-to-plateau band of every sub-field
placed on the curve at one moment, saved under a name such as ``2022`` into the
store's ``editions`` table together with the data cut-off (``as_of``) and the model
that placed it. Only placed sub-fields are saved; one with insufficient evidence is
simply absent, so a later diff reports it as "appeared" once it is placed.

>>> with Store.open("techcurve.duckdb") as st:                     # doctest: +SKIP
...     save_edition(st, "2022")
...     d = diff_editions(st, "2021", "2022")
...     [m.subfield_id for m in d.moved_phase]
['ar', 'serverless']

The name ``current`` is reserved: in :func:`diff_editions` and :func:`load_edition`
it means the store's assessments as they are now, unsaved.

An edition holds the positions the curve shows, so the choice of those positions lives
here too: :func:`select_assessments` picks one assessment per sub-field (one model,
one cut-off) with its final, override-applied position; the curve, the report and the
exports draw and list what it picks.
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
from techcurve.errors import ReportError, phrase
from techcurve.store import Store
from techcurve.store.curve import as_of as store_as_of
from techcurve.store.curve import assessments as stored_assessments
from techcurve.store.curve import subfield_names
from techcurve.store.editions import (
    EDITION_COLUMNS,
    edition_rows,
    edition_size,
    remove_edition,
    saved_editions,
    write_edition,
)

__all__ = [
    "CURRENT",
    "EDITION_COLUMNS",
    "MODEL_PREFERENCE",
    "POSITION_THRESHOLD",
    "EditionChange",
    "EditionDiff",
    "EditionInfo",
    "current_positions",
    "delete_edition",
    "diff_editions",
    "list_editions",
    "load_edition",
    "save_edition",
    "select_assessments",
]

log = logging.getLogger(__name__)

CURRENT = "current"
POSITION_THRESHOLD = 0.05
#: the model whose assessments the curve shows when the store holds several, first found
MODEL_PREFERENCE = ("final", "expert", "ensemble", "snapshot", "timeseries")
_NAME_RE = re.compile(r"^[\w.\-+@]{1,64}$")


# -- which assessments the curve shows ---------------------------------------------------
def select_assessments(
    assessments: pl.DataFrame, *, model: str | None = None, as_of: str | None = None
) -> pl.DataFrame:
    """One row per sub-field with ``plot_position``, ``plot_phase`` and ``plot_band``.

    Uses ``final_position`` / ``final_phase`` / ``final_years_band`` where those columns
    exist (expert overrides applied), else ``position`` / ``phase`` / ``years_band``.
    When the table holds several models, ``model`` picks one; by default the first of
    :data:`MODEL_PREFERENCE` present, else the alphabetically first. ``as_of`` keeps
    the assessments of that cut-off when the table holds several.
    """
    if "subfield_id" not in assessments.columns:
        raise ReportError.of("editions.no_subfield_column")
    df = _of_as_of(_of_model(assessments, model), as_of)

    def pick_col(name: str) -> pl.Expr:
        parts = [pl.col(f"final_{name}")] if f"final_{name}" in df.columns else []
        if name in df.columns:
            parts.append(pl.col(name))
        if not parts:
            return pl.lit(None)
        return pl.coalesce(parts) if len(parts) > 1 else parts[0]

    return df.with_columns(
        pick_col("position").cast(pl.Float64).alias("plot_position"),
        pick_col("phase").cast(pl.Utf8).alias("plot_phase"),
        pick_col("years_band").cast(pl.Utf8).alias("plot_band"),
    ).unique("subfield_id", keep="first", maintain_order=True)


def _of_model(df: pl.DataFrame, model: str | None) -> pl.DataFrame:
    """The rows of ``model`` (by default the preferred one) when the table holds several."""
    if "model" not in df.columns or not df.height:
        return df
    models = sorted(str(m) for m in df["model"].drop_nulls().unique().to_list())
    if model is not None:
        if model not in models:
            raise ReportError.of("editions.no_model", model=model, models=", ".join(models))
        return df.filter(pl.col("model") == model)
    if len(models) > 1:
        pick = next((m for m in MODEL_PREFERENCE if m in models), models[0])
        return df.filter(pl.col("model") == pick)
    return df


def _of_as_of(df: pl.DataFrame, as_of: str | None) -> pl.DataFrame:
    """The rows of cut-off ``as_of`` when the table holds several (a warning when it differs)."""
    if as_of is None or "as_of" not in df.columns or not df.height:
        return df
    have = df["as_of"].cast(pl.Utf8).str.slice(0, 10)
    dates = sorted(set(have.drop_nulls().to_list()))
    if as_of in dates:
        return df.filter(have == as_of)
    if len(dates) > 1:
        raise ReportError.of("editions.other_as_of", dates=", ".join(dates), as_of=as_of)
    said = phrase("editions.as_of_differs", dates=", ".join(dates) or "?", as_of=as_of)
    log.warning(said.say("en"), extra={"phrase": said})
    return df


# -- editions ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EditionInfo:
    """One saved edition: its name, when it was saved, cut-off, model and size."""

    name: str
    saved_at: str | None
    as_of: str | None
    model: str | None
    subfields: int


@dataclass(frozen=True, slots=True)
class EditionChange:
    """One sub-field in two editions: its phase and position in each (None where absent)."""

    subfield_id: str
    name_zh: str
    name_en: str
    old_phase: str | None
    new_phase: str | None
    old_position: float | None  # rounded to 4 decimals
    new_position: float | None
    delta: float  # new − old position (0.0 unless placed in both)


@dataclass(frozen=True, slots=True)
class EditionDiff:
    """What changed between two editions, one :class:`EditionChange` per sub-field."""

    old: str
    new: str
    threshold: float
    appeared: list[EditionChange] = field(default_factory=list)
    disappeared: list[EditionChange] = field(default_factory=list)
    moved_phase: list[EditionChange] = field(default_factory=list)
    moved_position: list[EditionChange] = field(default_factory=list)

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
        raise ReportError.of("editions.bad_name", name=name)
    return n


def current_positions(store: Store, *, model: str | None = None) -> pl.DataFrame:
    """The store's assessments as an edition frame (placed sub-fields only).

    Columns: subfield_id, model, as_of (YYYY-MM-DD), phase, position, years_band; the
    final (override-applied) values where the assessment has them.
    """
    sel = select_assessments(stored_assessments(store), model=model)
    if "model" not in sel.columns:
        sel = sel.with_columns(pl.lit(None, pl.Utf8).alias("model"))
    if "as_of" not in sel.columns:
        sel = sel.with_columns(pl.lit(store_as_of(store), pl.Utf8).alias("as_of"))
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
        raise ReportError.of("editions.reserved", name=CURRENT)
    frame = current_positions(store, model=model)
    if frame.height == 0:
        raise ReportError.of("editions.nothing_placed")
    exists = edition_size(store, name)
    if exists and not replace:
        raise ReportError.of("editions.exists", name=name, subfields=exists)
    saved_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = frame.with_columns(
        pl.lit(name).alias("edition"), pl.lit(saved_at, pl.Datetime("us")).alias("saved_at")
    )
    write_edition(store, name, rows)
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
    return [
        EditionInfo(
            name=str(r["edition"]),
            saved_at=r["saved_at"],
            as_of=r["as_of"],
            model=r["model"],
            subfields=int(r["n"]),
        )
        for r in saved_editions(store).iter_rows(named=True)
    ]


def load_edition(store: Store, name: str) -> pl.DataFrame:
    """The positions of edition ``name`` (or ``current``): one row per placed sub-field."""
    if name == CURRENT:
        return current_positions(store)
    df = edition_rows(store, name)
    if df.height == 0:
        have = [e.name for e in list_editions(store)]
        if have:
            raise ReportError.of(
                "editions.unknown",
                name=name,
                path=store.path,
                have=", ".join(have),
                current=CURRENT,
            )
        raise ReportError.of("editions.none_saved", name=name, path=store.path)
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
    names = subfield_names(store)
    diff = EditionDiff(old=old, new=new, threshold=threshold)
    for sid in sorted(set(b) - set(a)):
        diff.appeared.append(_entry(sid, names, None, b[sid]))
    for sid in sorted(set(a) - set(b)):
        diff.disappeared.append(_entry(sid, names, a[sid], None))
    for sid in sorted(set(a) & set(b)):
        e = _entry(sid, names, a[sid], b[sid])
        if e.old_phase != e.new_phase:
            diff.moved_phase.append(e)
        elif abs(e.delta) > threshold:
            diff.moved_position.append(e)
    diff.moved_position.sort(key=lambda e: -abs(e.delta))
    return diff


def _pos(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _entry(
    sid: str,
    names: dict[str, tuple[str, str]],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> EditionChange:
    zh, en = names.get(sid, (sid, sid))
    op = _pos(old["position"]) if old else None
    np_ = _pos(new["position"]) if new else None
    return EditionChange(
        subfield_id=sid,
        name_zh=zh,
        name_en=en,
        old_phase=old["phase"] if old else None,
        new_phase=new["phase"] if new else None,
        old_position=None if op is None else round(op, 4),
        new_position=None if np_ is None else round(np_, 4),
        delta=round(np_ - op, 4) if op is not None and np_ is not None else 0.0,
    )


def delete_edition(store: Store, name: str) -> int:
    """Delete edition ``name``; returns how many rows went (ReportError if none)."""
    n = edition_size(store, _check_name(name))
    if not n:
        load_edition(store, name)  # raises with the list of saved editions
    remove_edition(store, name)
    return n
