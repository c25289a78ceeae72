"""Phase names as people write them: one table of spellings, one parser.

Labels come from press reports, Chinese translations of Gartner's curves, spreadsheets
and code, so the same phase is written "Peak of Inflated Expectations", ``peak``,
``peak-of-inflated-expectations``, 期望膨胀期 or 过热期. :func:`parse_phase` folds a
name (case, full/half width and traditional characters through
:func:`techcurve.normalize.normalize`; spaces, hyphens, underscores and punctuation
dropped; a leading "the" and a trailing "phase"/"stage"/"阶段" dropped) and looks it up
in :data:`PHASE_SPELLINGS` plus the catalogue's own zh/en phase names.

>>> parse_phase("Trough of Disillusionment").value
'trough'
>>> parse_phase("peak_of_inflated_expectations").value
'peak'
>>> parse_phase("稳步爬升复苏期").value
'slope'
"""

from __future__ import annotations

import re
from functools import cache

from techcurve.datatypes import Phase
from techcurve.normalize import normalize

#: phase → the spellings accepted beside its value and the catalogue's zh/en names
#: (Gartner's English names and short forms; the Chinese names used by Gartner China,
#: the Chinese press and translations of Fenn & Raskino).
PHASE_SPELLINGS: dict[Phase, tuple[str, ...]] = {
    Phase.TRIGGER: (
        "innovation trigger",
        "technology trigger",
        "trigger",
        "on the rise",
        "rising",
        "技术萌芽期",
        "萌芽期",
        "创新萌芽期",
        "创新触发期",
        "技术触发期",
        "科技诞生的促动期",
        "技术诞生期",
    ),
    Phase.PEAK: (
        "peak of inflated expectations",
        "peak of expectations",
        "inflated expectations",
        "peak",
        "at the peak",
        "期望膨胀期",
        "过热期",
        "期望膨胀的顶峰",
        "期望膨胀顶峰期",
        "期望顶峰",
        "膨胀期",
        "过高期望的峰值",
        "过高期望的峰值期",
        "泡沫化的顶峰期",
        "炒作顶峰",
    ),
    Phase.TROUGH: (
        "trough of disillusionment",
        "trough",
        "disillusionment",
        "泡沫破裂低谷期",
        "泡沫破裂期",
        "泡沫化的低谷期",
        "泡沫化的底谷期",
        "幻灭低谷期",
        "幻灭期",
        "低谷期",
        "破灭期",
        "失望低谷期",
    ),
    Phase.SLOPE: (
        "slope of enlightenment",
        "slope",
        "enlightenment",
        "稳步爬升复苏期",
        "稳步爬升期",
        "稳步爬升的光明期",
        "复苏期",
        "爬升期",
        "光明期",
        "启蒙期",
        "启蒙斜坡",
        "复苏爬坡期",
    ),
    Phase.PLATEAU: (
        "plateau of productivity",
        "plateau",
        "productivity",
        "生产成熟期",
        "成熟期",
        "实质生产高峰期",
        "生产高峰期",
        "生产力平台期",
        "生产力成熟期",
        "生产高原期",
        "成熟应用期",
    ),
}

_AFFIXES = re.compile(r"^(?:the)|(?:phase|stage|阶段)$")


def phase_key(name: str) -> str:
    """The folded form of a phase name that :func:`parse_phase` looks up.

    >>> phase_key("  The Peak-of-Inflated_Expectations phase ")
    'peakofinflatedexpectations'
    """
    folded = "".join(ch for ch in normalize(name) if ch.isalnum())
    previous = None
    while previous != folded:
        previous = folded
        stripped = _AFFIXES.sub("", folded)
        folded = stripped or folded
    return folded


@cache
def _table() -> dict[str, Phase]:
    out: dict[str, Phase] = {}
    for phase in Phase:
        for name in (phase.value, phase.en, phase.zh, *PHASE_SPELLINGS[phase]):
            key = phase_key(name)
            if out.setdefault(key, phase) is not phase:  # pragma: no cover - table check
                raise AssertionError(f"phase spelling {name!r} is listed for two phases")
    return out


def parse_phase(name: str) -> Phase | None:
    """The phase ``name`` spells, or None when it is not a known spelling."""
    return _table().get(phase_key(name)) if name else None


def phase_spellings() -> dict[str, Phase]:
    """Every accepted folded spelling → its phase (for error messages and tests)."""
    return dict(_table())


__all__ = ["PHASE_SPELLINGS", "parse_phase", "phase_key", "phase_spellings"]
