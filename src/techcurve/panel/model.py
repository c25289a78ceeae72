"""The panel's values: experts, rounds, answers, the expert's view of a round and a closed
round's aggregates. All frozen; built by :mod:`techcurve.panel.rounds` and read by the CLI
and the web app alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Expert:
    """A panel member (the token is never kept: only its hash is stored)."""

    expert_id: int
    panel_id: int
    name: str
    affiliation: str
    domains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewExpert:
    """An expert just created, with the plain token shown once and the link path."""

    expert: Expert
    token: str

    @property
    def link(self) -> str:
        """The path of the expert's personal page in the web app."""
        return f"/expert/{self.token}"


@dataclass(frozen=True, slots=True)
class PanelInfo:
    """A panel: its id, name and the most rounds before the spread counts as consensus."""

    panel_id: int
    name: str
    max_rounds: int


@dataclass(frozen=True, slots=True)
class CreatedPanel:
    """What :func:`create_panel` made: the panel and each expert's one-time token."""

    panel: PanelInfo
    experts: tuple[NewExpert, ...]


@dataclass(frozen=True, slots=True)
class RoundInfo:
    """A round of a panel."""

    round_id: int
    panel_id: int
    number: int
    subfields: tuple[str, ...]
    status: str  # open | closed
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Answer:
    """One expert's validated answer for one sub-field (phase implied by the position)."""

    subfield_id: str
    phase: str
    position: float
    years_band: str | None = None
    confidence: float | None = None
    rationale: str | None = None


@dataclass(frozen=True, slots=True)
class ModelPlacement:
    """The model's placement of a sub-field as the expert is shown it."""

    model: str | None
    phase: str | None  # None: insufficient evidence
    position: float | None
    years_band: str | None
    confidence: float | None
    probabilities: dict[str, float] | None  # phase → probability, when the model gives them
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvidenceCount:
    """How much evidence of one kind a sub-field has, and its latest year."""

    kind: str
    items: int
    latest_year: int | None


@dataclass(frozen=True, slots=True)
class Distribution:
    """A closed round's anonymised answers for one sub-field (no names)."""

    round_number: int
    answers: int
    median: float
    median_phase: str
    q1: float
    q3: float
    iqr_phases: float
    share_agreeing: float
    positions: tuple[float, ...]  # every answer's position, sorted (the viewer's included)
    consensus: bool


@dataclass(frozen=True, slots=True)
class SubfieldView:
    """What an expert sees of one sub-field in a round."""

    subfield_id: str
    name_zh: str
    name_en: str
    domain_id: str
    model: ModelPlacement
    evidence: tuple[EvidenceCount, ...]
    previous: Answer | None  # the expert's own answer: this round's, else the last round's
    distribution: Distribution | None  # the previous round's, from round 2


@dataclass(frozen=True, slots=True)
class RoundView:
    """An expert's view of a round."""

    panel: PanelInfo
    round: RoundInfo
    expert: Expert
    subfields: tuple[SubfieldView, ...]


@dataclass(frozen=True, slots=True)
class Outlier:
    """An answer far from the rest: outside 1.5 IQR of the quartiles or > 1 phase from
    the median's phase."""

    expert_id: int
    position: float
    phase: str
    rationale: str | None


@dataclass(frozen=True, slots=True)
class SubfieldResult:
    """A closed round's aggregate for one sub-field."""

    subfield_id: str
    answers: int
    median: float
    median_phase: str
    q1: float
    q3: float
    iqr_phases: float  # (Q3 − Q1) / the width of the median's phase
    share_agreeing: float  # answers in the median's phase / answers
    years_band: str | None  # the median band of the answers that give one
    confidence: float | None  # the median confidence of the answers that give one
    consensus: bool
    outliers: tuple[Outlier, ...]


@dataclass(frozen=True, slots=True)
class ClosedRound:
    """What closing a round did: its aggregates and the placements written."""

    round: RoundInfo
    results: tuple[SubfieldResult, ...]
    placed: tuple[str, ...]  # sub-fields whose consensus became an expert placement
    open_questions: tuple[str, ...]  # sub-fields without consensus (for the next round)
    last_round: bool  # the panel's max rounds are reached


@dataclass(frozen=True, slots=True)
class RoundStatus:
    """A round and how many experts answered it."""

    round: RoundInfo
    experts_answered: int
    answers: int


@dataclass(frozen=True, slots=True)
class PanelStatus:
    """A panel, its experts and its rounds."""

    panel: PanelInfo
    experts: tuple[Expert, ...]
    rounds: tuple[RoundStatus, ...]
