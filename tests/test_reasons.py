"""Stored reasons shown in the reader's language: catalogue sentences with their numbers,
records by title, source and date, sub-fields and phases by name — never an internal id."""

from __future__ import annotations

import json
from datetime import date

from techcurve.datatypes import Phrase, Reason
from techcurve.report.reasons import Lookups, reason_items, reason_sentences, record_text
from techcurve.store.provenance import RecordRef

REF = RecordRef("cnki:h:1", "paper", "cnki", "深度学习综述", date(2014, 1, 1), "year", 2014)
LOOK = Lookups(
    {"cnki:h:1": REF}, {"llm": ("大模型", "Large models"), "gan": ("生成对抗网络", "GANs")}
)


def _nearest() -> Reason:
    second = Phrase(
        "reasons.neighbours.neighbour",
        {"subfield": "gan", "when": " 2019", "phase": "trough", "d": 0.31, "next": ""},
    )
    first = Phrase(
        "reasons.neighbours.neighbour",
        {
            "subfield": "llm",
            "when": " 2023",
            "phase": "peak",
            "d": 0.12,
            "next": Phrase("reasons.neighbours.neighbour_next", {"rest": second}),
        },
    )
    more = Phrase("reasons.neighbours.more", {"n": 2})
    return Reason(
        "neighbours", "llm 2023 peak", "reasons.neighbours.nearest", {"shown": first, "more": more}
    )


def test_neighbours_are_named_and_their_phases_said_in_the_readers_language() -> None:
    raw = json.dumps([_nearest().to_json()])
    assert reason_sentences(raw, "zh", LOOK) == (
        "最近邻：大模型 2023（期望膨胀期，距离 0.12）、生成对抗网络 2019（泡沫破裂低谷期，距离 0.31），另有 2 个",
    )
    assert reason_sentences(raw, "en", LOOK) == (
        "nearest: Large models 2023 (Peak of Inflated Expectations, d 0.12), GANs 2019 "
        "(Trough of Disillusionment, d 0.31) and 2 more",
    )
    # what the column stores keeps the ids (the model does not know the names)
    assert (
        json.loads(raw)[0]["text"]
        == "nearest: llm 2023 (peak, d 0.12), gan 2019 (trough, d 0.31) and 2 more"
    )


def test_records_by_title_source_and_date_count_series_by_source_term_and_year() -> None:
    assert record_text("cnki:h:1", LOOK.records, "zh") == "《深度学习综述》（CNKI 中国知网，2014）"
    assert record_text("cnki:h:1", LOOK.records, "en") == "“深度学习综述” (CNKI, 2014)"
    assert (
        record_text("counts:mag:Big data:1960", {}, "en")
        == "the Microsoft Academic Graph count for “Big data” in 1960"
    )
    assert record_text("counts:mag:Big data:1960", {}, "zh") == (
        "Microsoft Academic Graph 论文中“Big data”的 1960 年计数"
    )
    assert record_text("cnki:h:gone", {}, "zh") == "一条已不在库中的记录"


def test_legacy_plain_text_and_unreadable_values_are_kept() -> None:
    assert reason_items(None) == []
    assert reason_items("a plain sentence") == [{"text": "a plain sentence"}]
    assert reason_sentences('[{"indicator": "x", "text": "old"}]', "zh") == ("old",)
    unknown = '[{"indicator": "x", "key": "reasons.newer.thing", "values": {}, "text": "newer"}]'
    assert reason_sentences(unknown, "zh") == ("newer",)
