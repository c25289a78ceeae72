"""Expert overrides: a YAML file an analyst writes, shown beside the model's placement.

::

    overrides:
      - id: quantum-computing      # sub-field id
        phase: trigger             # and/or position: 0.1 and/or years: ">10"
        who: Jane Doe
        when: 2022-11-30
        why: "Financing is hype; no production use yet."

Every entry needs ``id``, ``who``, ``when``, ``why`` and at least one of ``phase``,
``position`` and ``years``. The model's columns are never changed: the expert's
values go in ``expert_*`` columns and the result in ``final_*`` columns.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import yaml

from techcurve.assess._base import phase_middle, phase_range
from techcurve.datatypes import Phase, YearsBand
from techcurve.errors import AssessError, phrase
from techcurve.text import Lang, t

ALLOWED_KEYS = ("id", "phase", "position", "years", "who", "when", "why")

EXPERT_COLUMNS: dict[str, pl.DataType] = {
    "expert_phase": pl.Utf8(),
    "expert_position": pl.Float64(),
    "expert_years_band": pl.Utf8(),
    "expert_who": pl.Utf8(),
    "expert_when": pl.Date(),
    "expert_why": pl.Utf8(),
    "final_phase": pl.Utf8(),
    "final_position": pl.Float64(),
    "final_years_band": pl.Utf8(),
    "override_disagrees": pl.Boolean(),
}


@dataclass(frozen=True, slots=True)
class Override:
    """One expert's placement of one sub-field, with who, when and why."""

    subfield_id: str
    phase: Phase | None  # given, or implied by the position
    position: float | None
    years_band: YearsBand | None
    who: str
    when: date
    why: str
    path: str | None = None
    line: int | None = None


class OverrideError(AssessError):
    """An overrides file holds something techcurve cannot use; names the file, the line,
    the entry (1-based), the field and the sub-field, as attributes and in the message."""

    _where: ClassVar[tuple[str, ...]] = ("path", "line", "entry", "field", "subfield")

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        entry: int | None = None,
        field: str | None = None,
        subfield: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.entry = entry
        self.field = field
        self.subfield = subfield
        super().__init__(self._placed(message, "en"))

    def _placed(self, message: str, lang: Lang) -> str:
        """``message`` after the file and line, the entry and the field it is about."""
        parts = []
        if self.entry is not None:
            which = "entry_of" if self.subfield else "entry"
            parts.append(
                t("assess.overrides." + which, lang, entry=self.entry, subfield=self.subfield)
            )
        if self.field is not None:
            parts.append(t("assess.overrides.field", lang, field=self.field))
        if parts:
            where = t("assess.overrides.part_sep", lang).join(parts)
            message = t("errors.where", lang, where=where, message=message)
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "")
            message = t("errors.where", lang, where=where, message=message)
        return message

    def message(self, lang: Lang) -> str:
        if self.key is None:
            return str(self)
        return self._placed(self.text(lang), lang)


def _error(key: str, /, *, path: str, **fields: Any) -> OverrideError:
    """The error of catalogue ``key``; ``line``, ``entry``, ``field`` and ``subfield``
    (when given) say where, the other ``fields`` fill the text."""
    return OverrideError.of(key, path=path, **fields)


def load_overrides(path: str | Path, *, known_ids: Collection[str] | None = None) -> list[Override]:
    """Read and validate an overrides YAML file.

    ``known_ids`` (the sub-field ids of the taxonomy or the summary) turns an unknown
    ``id`` into an error with the closest known ids. Errors name the file, the line,
    the entry number (1-based) and the field.

    >>> load_overrides("overrides.yaml", known_ids={"quantum-computing"})  # doctest: +SKIP
    [Override(subfield_id='quantum-computing', phase=<Phase.TRIGGER: 'trigger'>, ...)]
    """
    p = Path(path)
    ps = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AssessError.of("assess.overrides.no_file", path=ps) from None
    except UnicodeDecodeError:
        raise AssessError.of("assess.overrides.not_utf8", path=ps) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise _error(
            "assess.overrides.bad_yaml",
            problem=getattr(e, "problem", None) or e,
            path=ps,
            line=mark.line + 1 if mark is not None else None,
        ) from None
    if data is None:
        return []
    if not isinstance(data, dict) or "overrides" not in data:
        raise _error("assess.overrides.no_top_key", path=ps, line=1)
    extra = sorted(str(k) for k in data if k != "overrides")
    if extra:
        raise _error(
            "assess.overrides.extra_top_keys",
            keys=", ".join(extra),
            path=ps,
            line=1,
        )
    entries = data["overrides"]
    if entries is None:
        return []
    seq_node = _value_node(root, "overrides")
    if not isinstance(entries, list):
        raise _error(
            "assess.overrides.not_list",
            path=ps,
            line=_line(seq_node),
        )
    item_nodes = list(seq_node.value) if isinstance(seq_node, yaml.SequenceNode) else []

    out: list[Override] = []
    seen: dict[str, tuple[int, int | None]] = {}
    for i, entry in enumerate(entries, start=1):
        node = item_nodes[i - 1] if i - 1 < len(item_nodes) else None
        ov = _parse_entry(entry, node, i, ps, known_ids)
        if ov.subfield_id in seen:
            j, jline = seen[ov.subfield_id]
            raise _error(
                "assess.overrides.twice",
                id=ov.subfield_id,
                first=j,
                first_line=jline,
                i=i,
                path=ps,
                line=ov.line,
                entry=i,
                field="id",
                subfield=ov.subfield_id,
            )
        seen[ov.subfield_id] = (i, ov.line)
        out.append(ov)
    return out


def _value_node(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _line(node: Any) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


class _EntryError:
    """Builds the error of one entry: file, line of the field, entry number, sub-field."""

    def __init__(self, node: Any, i: int, path: str, sid: str) -> None:
        self.node, self.i, self.path, self.sid = node, i, path, sid
        self.line = _line(node)

    def __call__(self, field: str | None, key: str, **values: Any) -> OverrideError:
        line = (_line(_value_node(self.node, field)) or self.line) if field else self.line
        return _error(
            key,
            **values,
            path=self.path,
            line=line,
            entry=self.i,
            field=field,
            subfield=self.sid or None,
        )


def _parse_entry(
    entry: Any,
    node: Any,
    i: int,
    path: str,
    known_ids: Collection[str] | None,
) -> Override:
    if not isinstance(entry, dict):
        raise _error("assess.overrides.not_mapping", path=path, line=_line(node), entry=i)
    raw_id = entry.get("id")
    sid = str(raw_id).strip() if raw_id is not None else ""
    err = _EntryError(node, i, path, sid)
    unknown = sorted(str(k) for k in entry if k not in ALLOWED_KEYS)
    if unknown:
        raise err(
            unknown[0],
            "assess.overrides.unknown_keys",
            keys=", ".join(unknown),
            allowed=", ".join(ALLOWED_KEYS),
        )
    if not sid:
        raise err("id", "assess.overrides.missing_id")
    if known_ids is not None and sid not in known_ids:
        close = difflib.get_close_matches(sid, sorted(known_ids), n=3)
        hint = phrase("assess.overrides.did_you_mean", ids=", ".join(close)) if close else ""
        raise err("id", "assess.overrides.unknown_id", id=sid, hint=hint)
    phase, position = _entry_placement(entry, err)
    band: YearsBand | None = None
    if entry.get("years") is not None:
        try:
            band = YearsBand.parse(str(entry["years"]))
        except ValueError as e:
            raise err("years", "assess.overrides.plain", message=e) from None
    if phase is None and band is None:
        raise err(None, "assess.overrides.no_placement")
    who, when, why = _entry_provenance(entry, err)
    return Override(
        subfield_id=sid,
        phase=phase,
        position=position,
        years_band=band,
        who=who,
        when=when,
        why=why,
        path=path,
        line=err.line,
    )


def _entry_placement(entry: dict[str, Any], err: _EntryError) -> tuple[Phase | None, float | None]:
    """The entry's phase (given, or implied by its position) and position."""
    phase: Phase | None = None
    if entry.get("phase") is not None:
        try:
            phase = Phase.parse(str(entry["phase"]))
        except ValueError as e:
            raise err("phase", "assess.overrides.plain", message=e) from None
    if entry.get("position") is None:
        return phase, None
    v = entry["position"]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise err("position", "assess.overrides.position_not_number", value=v)
    position = float(v)
    if not 0.0 <= position <= 1.0:
        raise err("position", "assess.overrides.position_outside", position=position)
    at = Phase.at(position)
    if phase is not None and at is not phase:
        lo, hi = phase_range(phase)
        alo, ahi = phase_range(at)
        raise err(
            "position",
            "assess.overrides.position_elsewhere",
            position=position,
            at=at.value,
            at_lo=alo,
            at_hi=ahi,
            phase=phase.value,
            lo=lo,
            hi=hi,
        )
    return at, position


def _entry_provenance(entry: dict[str, Any], err: _EntryError) -> tuple[str, date, str]:
    """Who judged, when, and why."""
    who = entry.get("who")
    if who is None or not str(who).strip():
        raise err("who", "assess.overrides.missing_who")
    when_raw = entry.get("when")
    if when_raw is None:
        raise err("when", "assess.overrides.missing_when")
    when = _to_date(when_raw)
    if when is None:
        raise err("when", "assess.overrides.bad_when", value=when_raw)
    why = entry.get("why")
    if why is None or not str(why).strip():
        raise err("why", "assess.overrides.missing_why")
    return str(who).strip(), when, str(why).strip()


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def apply_overrides(
    assessments: pl.DataFrame, overrides: Iterable[Override], *, strict: bool = True
) -> pl.DataFrame:
    """The assessments frame with the expert's values and the final placement beside the model's.

    Adds ``expert_phase, expert_position, expert_years_band, expert_who, expert_when,
    expert_why, final_phase, final_position, final_years_band, override_disagrees``.
    ``final_*`` is the expert's value where given, else the model's; an override with
    only a phase keeps the model's position when it already lies in that phase, else
    puts it in the middle of the phase. ``override_disagrees`` is true when the expert's
    phase is more than one phase away from the model's (false without an override or
    without a model phase). With ``strict``, an override for a sub-field missing from
    ``assessments`` is an error rather than silently unused.
    """
    for col in ("subfield_id", "phase", "position", "years_band"):
        if col not in assessments.columns:
            raise AssessError.of("assess.overrides.frame_lacks", column=col)
    by_id = {o.subfield_id: o for o in overrides}
    if strict:
        present = set(assessments["subfield_id"].to_list())
        for unused in by_id.values():
            if unused.subfield_id not in present:
                raise OverrideError.of(
                    "assess.overrides.unused",
                    id=unused.subfield_id,
                    path=unused.path,
                    line=unused.line,
                )
    rows = []
    for sid, m_phase, m_pos, m_band in assessments.select(
        "subfield_id", "phase", "position", "years_band"
    ).iter_rows():
        o = by_id.get(sid)
        model_phase = Phase(m_phase) if m_phase is not None else None
        if o is None:
            rows.append(
                {
                    "expert_phase": None,
                    "expert_position": None,
                    "expert_years_band": None,
                    "expert_who": None,
                    "expert_when": None,
                    "expert_why": None,
                    "final_phase": m_phase,
                    "final_position": m_pos,
                    "final_years_band": m_band,
                    "override_disagrees": False,
                }
            )
            continue
        final_phase = o.phase or model_phase
        if o.position is not None:
            final_pos: float | None = o.position
        elif o.phase is not None:
            inside = m_pos is not None and Phase.at(m_pos) is o.phase
            final_pos = m_pos if inside else phase_middle(o.phase)
        else:
            final_pos = m_pos
        disagrees = (
            o.phase is not None
            and model_phase is not None
            and abs(o.phase.order - model_phase.order) > 1
        )
        rows.append(
            {
                "expert_phase": o.phase.value if o.phase else None,
                "expert_position": o.position,
                "expert_years_band": o.years_band.value if o.years_band else None,
                "expert_who": o.who,
                "expert_when": o.when,
                "expert_why": o.why,
                "final_phase": final_phase.value if final_phase else None,
                "final_position": final_pos,
                "final_years_band": (o.years_band.value if o.years_band else m_band),
                "override_disagrees": disagrees,
            }
        )
    extra = pl.DataFrame(rows, schema=EXPERT_COLUMNS, orient="row")
    base = assessments.drop([c for c in EXPERT_COLUMNS if c in assessments.columns])
    return pl.concat([base, extra], how="horizontal")
