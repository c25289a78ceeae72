"""Small, frozen data types shared by every stage.

The closed sets (evidence kinds, phases, years-to-plateau bands) are enums; the
records and results are frozen dataclasses. Bulk data travels between stages as
polars DataFrames whose columns are named in :mod:`techcurve.store`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias, cast

from techcurve.errors import ChoiceError
from techcurve.text import LANGS, Lang, t


def check_lang(lang: str) -> Lang:
    """``lang`` as a :data:`~techcurve.text.Lang`, or a :class:`ChoiceError` naming the
    languages there are.

    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGS:
        raise ChoiceError.of("errors.unknown_lang", value=lang, allowed=", ".join(LANGS))
    return cast(Lang, lang)


class EvidenceKind(StrEnum):
    """What a record or a count row is evidence of."""

    PATENT = "patent"
    PAPER = "paper"
    ARTICLE = "article"
    FINANCING = "financing"
    ATTENTION = "attention"  # count-level only: search interest, job posts, Q&A questions

    @classmethod
    def parse(cls, value: str) -> EvidenceKind:
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(k.value for k in cls)
            raise ChoiceError.of("errors.unknown_kind", value=value, allowed=allowed) from None


RECORD_KINDS = (
    EvidenceKind.PATENT,
    EvidenceKind.PAPER,
    EvidenceKind.ARTICLE,
    EvidenceKind.FINANCING,
)


class Phase(StrEnum):
    """The five phases of the maturity curve, in order."""

    TRIGGER = "trigger"
    PEAK = "peak"
    TROUGH = "trough"
    SLOPE = "slope"
    PLATEAU = "plateau"

    @property
    def zh(self) -> str:
        return self.label("zh")

    @property
    def en(self) -> str:
        return self.label("en")

    def label(self, lang: Lang) -> str:
        """The phase's name in ``lang``, from the text catalogue."""
        return t(f"common.phase.{self.value}", lang)

    @property
    def order(self) -> int:
        return _PHASE_ORDER[self]

    @property
    def bounds(self) -> tuple[float, float]:
        """The interval of curve positions (0–1) that belong to this phase."""
        return PHASE_BOUNDS[self]

    @classmethod
    def at(cls, position: float) -> Phase:
        """The phase a curve position (0–1) falls in."""
        for phase, (lo, hi) in PHASE_BOUNDS.items():
            if lo <= position < hi:
                return phase
        return cls.PLATEAU

    @classmethod
    def parse(cls, value: str) -> Phase:
        v = value.strip()
        stored = cls._value2member_map_.get(v.lower())
        if stored is not None:  # the stored form: no catalogue look-up
            return stored  # type: ignore[return-value]
        for p in cls:
            if v.lower() in (p.value, p.en.lower()) or v == p.zh:
                return p
        allowed = ", ".join(f"{p.value} ({p.zh})" for p in cls)
        raise ChoiceError.of("errors.unknown_phase", value=value, allowed=allowed)


_PHASE_ORDER: dict[Phase, int] = {p: i for i, p in enumerate(Phase)}

# Positions along the curve (x from 0 to 1) that belong to each phase. The render
# stage draws the curve over the same x range, so a position is a point on it.
PHASE_BOUNDS: dict[Phase, tuple[float, float]] = {
    Phase.TRIGGER: (0.0, 0.17),
    Phase.PEAK: (0.17, 0.36),
    Phase.TROUGH: (0.36, 0.55),
    Phase.SLOPE: (0.55, 0.80),
    Phase.PLATEAU: (0.80, 1.0001),
}


class YearsBand(StrEnum):
    """Gartner's years-to-plateau legend."""

    LT2 = "<2"
    Y2_5 = "2-5"
    Y5_10 = "5-10"
    GT10 = ">10"
    OBSOLETE = "obsolete"

    @classmethod
    def from_years(cls, years: float) -> YearsBand:
        if years < 2:
            return cls.LT2
        if years < 5:
            return cls.Y2_5
        if years < 10:
            return cls.Y5_10
        return cls.GT10

    @classmethod
    def parse(cls, value: str) -> YearsBand:
        v = value.strip().replace("–", "-").replace(" ", "")
        for b in cls:
            if v == b.value:
                return b
        allowed = ", ".join(b.value for b in cls)
        raise ChoiceError.of("errors.unknown_band", value=value, allowed=allowed)


@dataclass(frozen=True, slots=True)
class Domain:
    """A technology domain (技术领域) such as 人工智能."""

    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubField:
    """A technology sub-field (细分技术领域) with its boolean query."""

    id: str
    domain: str
    name_zh: str
    name_en: str
    query: str
    definition: str = ""
    line: int | None = None  # line in the taxonomy file, for error messages
    #: the titles of its Wikipedia articles (the taxonomy's ``wiki:``), "" when none
    wiki_zh: str = ""
    wiki_en: str = ""


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What happened to every row of one input file."""

    path: str
    kind: str
    profile: str
    rows_read: int
    stored: int
    duplicates: int
    rejected: int
    rejects_path: str | None = None
    undated: int = 0  # of the stored records, those without a date (in no period)
    unused_columns: tuple[str, ...] = ()  # the file's columns no field reads
    #: why the file was left out (``--keep-going``), in English; None: it was read
    skipped: str | None = None
    #: the same as an error, to be said in another language
    skipped_error: Exception | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.rows_read != self.stored + self.duplicates + self.rejected:
            raise AssertionError(
                f"{self.path}: {self.rows_read} rows read but "
                f"{self.stored}+{self.duplicates}+{self.rejected} accounted for"
            )


@dataclass(frozen=True, slots=True)
class Phrase:
    """A part of a reason's text that is itself a catalogue entry (e.g. "still falling").

    >>> Phrase("reasons.snapshot.trend.falling").text("en")
    'still falling'
    """

    key: str
    values: Mapping[str, ReasonValue] = field(default_factory=dict)

    def text(self, lang: Lang = "en") -> str:
        """The phrase in ``lang``, from the text catalogue."""
        return t(self.key, lang, **_filled(self.values, lang))

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "values": _values_json(self.values)}


#: a value a reason's text is filled with: a number, a word that needs no translation
#: (an id, a year, a list of ids), or a :class:`Phrase` rendered in the reason's language
ReasonValue: TypeAlias = float | int | str | Phrase | None


def _filled(values: Mapping[str, ReasonValue], lang: Lang) -> dict[str, Any]:
    return {k: v.text(lang) if isinstance(v, Phrase) else v for k, v in values.items()}


def _values_json(values: Mapping[str, ReasonValue]) -> dict[str, Any]:
    return {k: v.to_json() if isinstance(v, Phrase) else v for k, v in values.items()}


def _values_from_json(values: Mapping[str, Any]) -> dict[str, ReasonValue]:
    return {
        k: Phrase(v["key"], _values_from_json(v.get("values") or {})) if isinstance(v, dict) else v
        for k, v in values.items()
    }


@dataclass(frozen=True, slots=True)
class Reason:
    """One indicator that drove a placement: what it is, its value, what it implied.

    What it implied is a catalogue entry (``key``, in ``text/reasons.yaml``) filled with
    ``values``, so the reason reads in either language:

    >>> r = Reason("hype", 0.5, "reasons.snapshot.hype", {"hype": 0.5, "hot": 0.7})
    >>> r.text("en")
    'hype level 0.50 (hot from 0.7)'
    """

    indicator: str
    value: float | str | None
    key: str
    values: Mapping[str, ReasonValue] = field(default_factory=dict)

    def text(self, lang: Lang = "en") -> str:
        """The reason in ``lang``, from the text catalogue."""
        return t(self.key, lang, **_filled(self.values, lang))

    def to_json(self) -> dict[str, Any]:
        """The reason as stored in the ``reasons`` column: ``indicator``, ``value``, its
        English ``text``, and the ``key`` and ``values`` to render it in another language."""
        value: Any = self.value
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        return {
            "indicator": self.indicator,
            "value": value,
            "text": self.text("en"),
            "key": self.key,
            "values": _values_json(self.values),
        }

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Reason:
        """A reason from its :meth:`to_json` form."""
        return cls(
            str(item["indicator"]),
            item.get("value"),
            str(item["key"]),
            _values_from_json(item.get("values") or {}),
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    """Where one sub-field stands according to one model."""

    subfield_id: str
    model: str
    phase: Phase | None  # None = not enough evidence
    position: float | None  # 0–1 along the curve
    years_band: YearsBand | None
    confidence: float  # 0–1
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    status: str = "assessed"  # "assessed" | "insufficient"
    # phase value → probability, from models that give one (the learnt model); else None
    probabilities: Mapping[str, float] | None = None
