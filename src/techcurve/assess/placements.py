"""Expert placements in the store: the overrides YAML imported into them, exported from
them, and read back as :class:`Override` values for :func:`apply_overrides`.

An imported YAML entry becomes one ``expert_placements`` row of origin ``yaml`` whose
``made_at`` is the entry's ``when`` (midnight): the latest judgement of a sub-field wins,
whatever its origin, so importing an old file does not undo a newer panel consensus.
An entry already in the history (same sub-field, phase, position, band, who, day and
why) is not added again: importing a file twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import yaml

from techcurve.assess.overrides import Override, apply_overrides, load_overrides
from techcurve.datatypes import Phase, YearsBand
from techcurve.store import Store
from techcurve.store import panel as stored
from techcurve.store.assessments import has_assessments


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What importing an overrides file did: entries read, rows added."""

    path: str
    entries: int
    added: int


def _key(sid: str, phase: str | None, pos: float | None, band: str | None, who: str | None,
         day: date | None, why: str | None) -> tuple[object, ...]:  # fmt: skip
    return (sid, phase, None if pos is None else round(pos, 9), band, who, day, why)


def import_overrides(st: Store, overrides: Sequence[Override]) -> int:
    """Record ``overrides`` as expert placements of origin ``yaml``; returns the rows added
    (entries already in the history are skipped)."""
    hist = stored.placement_history(st)
    seen = {
        _key(
            r["subfield_id"],
            r["phase"],
            r["position"],
            r["years_band"],
            r["who"],
            r["made_at"].date() if r["made_at"] else None,
            r["rationale"],
        )  # fmt: skip
        for r in hist.iter_rows(named=True)
    }
    new = []
    for o in overrides:
        phase = o.phase.value if o.phase else None
        band = o.years_band.value if o.years_band else None
        if _key(o.subfield_id, phase, o.position, band, o.who, o.when, o.why) in seen:
            continue
        new.append(
            stored.NewPlacement(
                subfield_id=o.subfield_id,
                phase=phase,
                position=o.position,
                years_band=band,
                who=o.who,
                made_at=datetime.combine(o.when, time()),
                rationale=o.why,
                origin="yaml",
            )
        )
    return stored.add_placements(st, new)


def import_overrides_file(
    st: Store, path: str | Path, *, known_ids: Collection[str] | None = None
) -> ImportResult:
    """Validate the overrides YAML at ``path`` (as :func:`load_overrides` does) and import it."""
    entries = load_overrides(path, known_ids=known_ids)
    return ImportResult(path=str(path), entries=len(entries), added=import_overrides(st, entries))


def _override(row: dict[str, object]) -> Override:
    made = row["made_at"]
    assert isinstance(made, datetime)
    return Override(
        subfield_id=str(row["subfield_id"]),
        phase=Phase(str(row["phase"])) if row["phase"] else None,
        position=float(row["position"]) if row["position"] is not None else None,  # type: ignore[arg-type]
        years_band=YearsBand(str(row["years_band"])) if row["years_band"] else None,
        who=str(row["who"] or ""),
        when=made.date(),
        why=str(row["rationale"] or ""),
    )


def stored_overrides(st: Store, known_ids: Collection[str] | None = None) -> list[Override]:
    """The current expert placements as overrides (of ``known_ids`` only, when given)."""
    cur = stored.current_placements(st)
    if known_ids is not None:
        cur = cur.filter(pl.col("subfield_id").is_in(list(known_ids)))
    return [_override(r) for r in cur.iter_rows(named=True)]


def overrides_yaml(overrides: Sequence[Override]) -> str:
    """The overrides YAML that :func:`load_overrides` reads back to ``overrides``."""
    entries = []
    for o in overrides:
        e: dict[str, object] = {"id": o.subfield_id}
        if o.phase is not None:
            e["phase"] = o.phase.value
        if o.position is not None:
            e["position"] = o.position
        if o.years_band is not None:
            e["years"] = o.years_band.value
        e.update(who=o.who, when=o.when, why=o.why)
        entries.append(e)
    return yaml.safe_dump(
        {"overrides": entries}, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def export_overrides(st: Store, path: str | Path) -> int:
    """Write the current expert placements to ``path`` as overrides YAML; returns how many."""
    ovr = stored_overrides(st)
    Path(path).write_text(overrides_yaml(ovr), encoding="utf-8")
    return len(ovr)


def reapply_placements(st: Store) -> int:
    """Re-apply the current expert placements to the stored ``assessments`` (their
    ``expert_*``/``final_*`` columns), as the assess stage would; returns the sub-fields
    an expert placed. Nothing happens before the first assessment."""
    if not has_assessments(st):
        return 0
    frame = st.table("assessments")
    ovr = stored_overrides(st, set(frame["subfield_id"].to_list()))
    st.replace_table("assessments", apply_overrides(frame, ovr, strict=False))
    return len(ovr)
