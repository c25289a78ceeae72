"""The latest evidence used (the curve's and the report's "数据截止") and records looked up
by id for the reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from techcurve.store import Store, init_store
from techcurve.store.curve import curve_inputs
from techcurve.store.meta import Meta
from techcurve.store.provenance import EvidenceEnd, RecordRef, latest_evidence, records_by_id


def _store(tmp_path: Path) -> Path:
    db = init_store(tmp_path / "tc.duckdb")
    with Store.open(db) as st:
        st.append(
            "records",
            pl.DataFrame(
                {
                    "record_id": ["a1", "a2", "p1", "f1"],
                    "kind": ["article", "article", "paper", "financing"],
                    "source": ["ruanyf_weekly", "ruanyf_weekly", "cnki", "itjuzi"],
                    "title": ["VR  鞋", "not matched", "综述", "A 轮"],
                    "date": [
                        date(2024, 5, 1),
                        date(2026, 8, 1),
                        date(2016, 1, 1),
                        date(2025, 3, 9),
                    ],
                    "date_precision": ["month", "month", "year", "day"],
                    "year": [2024, 2026, 2016, 2025],
                }
            ),
        )
        st.append(
            "matches",
            pl.DataFrame({"record_id": ["a1", "p1", "f1"], "subfield_id": ["vr"] * 3}),
        )
        st.append(
            "counts",
            pl.DataFrame(
                {
                    "source": ["mag", "mag", "hn_hiring"],
                    "term": ["VR", "VR", "VR"],
                    "kind": ["paper", "paper", "attention"],
                    "year": [2015, 2026, 2025],
                    "month": [0, 0, 11],
                    "count": [10.0, 0.0, 3.0],
                }
            ),
        )
        st.append(
            "count_matches",
            pl.DataFrame(
                {
                    "source": ["mag", "hn_hiring"],
                    "term": ["VR", "VR"],
                    "kind": ["paper", "attention"],
                    "subfield_id": ["vr", "vr"],
                }
            ),
        )
        st.set_meta(Meta.AS_OF, "2026-12-03")
    return db


def test_latest_evidence_is_the_newest_matched_record_or_nonzero_count(tmp_path: Path) -> None:
    with Store.open(_store(tmp_path), read_only=True) as st:
        # the unmatched 2026-08 article and the zero 2026 count do not count
        end = latest_evidence(st, "2026-12-03")
        assert end == EvidenceEnd(date(2025, 11, 1), "month")
        assert end.text() == "2025-11"
        assert latest_evidence(st, "2025-06-30") == EvidenceEnd(date(2025, 3, 9), "day")
        assert latest_evidence(st, "2024-12-31") == EvidenceEnd(date(2024, 5, 1), "month")
        # a yearly count is shown as its year
        assert latest_evidence(st, "2015-12-31") == EvidenceEnd(date(2015, 1, 1), "year")
        assert latest_evidence(st, "2015-12-31").text() == "2015"  # type: ignore[union-attr]
        assert latest_evidence(st, "2010-01-01") is None


def test_latest_evidence_looks_past_the_newest_records_when_none_is_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the newest records are joined to the matches first; when none of them is
    matched (here the newest, the unmatched 2026-08 article), all are."""
    import techcurve.store.provenance as provenance

    monkeypatch.setattr(provenance, "NEWEST", 1)
    with Store.open(_store(tmp_path)) as st:
        assert latest_evidence(st, "2026-12-03") == EvidenceEnd(date(2025, 11, 1), "month")
        assert latest_evidence(st, "2025-06-30") == EvidenceEnd(date(2025, 3, 9), "day")
        st.con.execute("DROP TABLE counts")
        assert latest_evidence(st, "2026-12-03") == EvidenceEnd(date(2025, 3, 9), "day")
        assert latest_evidence(st, "2025-01-01") == EvidenceEnd(date(2024, 5, 1), "month")


def test_the_curve_states_the_latest_evidence_not_the_as_of_date(tmp_path: Path) -> None:
    db = _store(tmp_path)
    with Store.open(db) as st:
        st.replace_table("assessments", pl.DataFrame({"subfield_id": ["vr"], "position": [0.4]}))
        inputs = curve_inputs(st)
    assert (inputs.as_of, inputs.evidence_end) == ("2026-12-03", "2025-11")


def test_latest_evidence_on_an_empty_store(tmp_path: Path) -> None:
    with Store.open(init_store(tmp_path / "e.duckdb"), read_only=True) as st:
        assert latest_evidence(st, None) is None


def test_records_by_id_gives_title_source_and_date(tmp_path: Path) -> None:
    with Store.open(_store(tmp_path), read_only=True) as st:
        refs = records_by_id(st, ["a1", "p1", "nope"])
    assert refs == {
        "a1": RecordRef("a1", "article", "ruanyf_weekly", "VR 鞋", date(2024, 5, 1), "month", 2024),
        "p1": RecordRef("p1", "paper", "cnki", "综述", date(2016, 1, 1), "year", 2016),
    }
    assert [r.when() for r in refs.values()] == ["2024-05", "2016"]
