"""The Delphi panel: experts and tokens, rounds, answers and their validation, the
aggregates of a closed round (hand-checked), consensus and the placements it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

import techcurve.pipeline.panel as tp
from techcurve.errors import PanelError
from techcurve.panel.aggregate import aggregate, phase_width
from techcurve.panel.model import Answer, Outlier
from techcurve.panel.roster import read_roster
from techcurve.panel.tokens import hash_token
from techcurve.store import Store

DATA = Path(__file__).parent / "data" / "panel"


def _answers(*positions: float, rationale: str | None = None) -> list[tuple[int, Answer]]:
    from techcurve.datatypes import Phase

    return [
        (i, Answer("ar", Phase.at(p).value, p, rationale=rationale))
        for i, p in enumerate(positions, start=1)
    ]


# -- aggregates -----------------------------------------------------------------------


def test_phase_widths_come_from_the_curve_s_phase_bounds() -> None:
    from techcurve.datatypes import Phase

    assert [phase_width(p) for p in Phase] == [0.17, 0.19, 0.19, 0.25, 0.2]


def test_five_answers_aggregate_to_hand_checked_numbers() -> None:
    # sorted 0.10 0.20 0.25 0.30 0.70: median 0.25 (peak, width 0.19); Q1 = 0.20 and
    # Q3 = 0.30 (ranks 1 and 3 of 0..4); IQR 0.10 = 0.526 phase widths; 3 of 5 in peak;
    # 0.70 is outside [0.05, 0.45] and two phases from peak: the one outlier
    r = aggregate("ar", _answers(0.30, 0.10, 0.25, 0.70, 0.20, rationale="why"))
    assert (r.answers, r.median, r.median_phase, r.q1, r.q3) == (5, 0.25, "peak", 0.2, 0.3)
    assert r.iqr_phases == pytest.approx(0.10 / 0.19)
    assert r.share_agreeing == 0.6
    assert r.outliers == (Outlier(4, 0.7, "slope", "why"),)
    assert r.consensus is True


def test_a_wide_spread_is_no_consensus_until_the_last_round() -> None:
    # sorted 0.05 0.30 0.60 0.90: median 0.45 (trough, width 0.19); Q1 = 0.05 + 0.75 ×
    # 0.25 = 0.2375, Q3 = 0.60 + 0.25 × 0.30 = 0.675; IQR 0.4375 = 2.30 phase widths;
    # nobody says trough; trigger and plateau are more than one phase from trough
    answers = _answers(0.05, 0.30, 0.60, 0.90)
    r = aggregate("ar", answers)
    assert (r.median, r.median_phase, r.q1, r.q3) == (0.45, "trough", 0.2375, 0.675)
    assert r.iqr_phases == pytest.approx(0.4375 / 0.19)
    assert r.share_agreeing == 0.0
    assert [(o.expert_id, o.phase) for o in r.outliers] == [(1, "trigger"), (4, "plateau")]
    assert r.consensus is False
    assert aggregate("ar", answers, last_round=True).consensus is True


# -- the expert list and tokens -------------------------------------------------------


def test_the_expert_list_is_read_with_english_or_chinese_headers() -> None:
    en = read_roster(DATA / "experts.csv")
    assert [(e.name, e.affiliation, e.domains, e.row) for e in en] == [
        ("Ada Wang", "Tsinghua University", ("ai", "xr"), 2),
        ("Bo Li", "CAICT", ("ai",), 3),
    ]
    zh = read_roster(DATA / "experts_zh.csv")
    assert [(e.name, e.affiliation, e.domains) for e in zh] == [
        ("王艾达", "清华大学", ("ai", "xr")),
        ("李博", "中国信通院", ("ai",)),
    ]


def test_an_expert_list_without_a_name_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("who,where\nA,B\n", encoding="utf-8")
    with pytest.raises(PanelError) as e:
        read_roster(bad)
    assert str(e.value) == (
        f"{bad}: the expert list needs a column name (or 姓名); its columns are: who, where"
    )


def test_tokens_are_shown_once_stored_hashed_and_open_only_their_expert(
    assessed_db: Path,
) -> None:
    made = tp.create_panel(assessed_db, "p1", DATA / "experts.csv", max_rounds=2)
    other = tp.create_panel(assessed_db, "p2", DATA / "experts_zh.csv")
    ada, bo = made.experts
    assert len(ada.token) == 43 and ada.link == f"/expert/{ada.token}"
    with Store.open(assessed_db) as st:
        stored = st.sql("SELECT name, token_hash FROM experts ORDER BY expert_id").rows()
        assert ada.token not in str(st.table("experts").rows())
    assert stored[0] == ("Ada Wang", hash_token(ada.token))
    assert tp.authenticate(assessed_db, ada.token) == ada.expert
    assert [p.name for p in tp.list_panels(assessed_db)] == ["p1", "p2"]
    assert tp.authenticate(assessed_db, bo.token).name == "Bo Li"
    assert tp.authenticate(assessed_db, other.experts[0].token).panel_id == other.panel.panel_id
    for wrong in ("", ada.token[:-1] + ("x" if ada.token[-1] != "x" else "y"), "nonsense"):
        with pytest.raises(PanelError, match="this link is not valid"):
            tp.authenticate(assessed_db, wrong)
    # a token of panel p2 does not open p1's round
    tp.open_round(assessed_db, panel="p1", subfields=["ar"])
    with pytest.raises(PanelError, match="panel 'p2' has no round yet"):
        tp.expert_round_view(assessed_db, other.experts[0].token)
    with pytest.raises(PanelError, match="a panel named 'p1' already exists"):
        tp.create_panel(assessed_db, "p1", DATA / "experts.csv")


# -- rounds ---------------------------------------------------------------------------


def test_answers_are_validated_with_the_sub_field_and_field_named(assessed_db: Path) -> None:
    made = tp.create_panel(assessed_db, "p", DATA / "experts.csv")
    tp.open_round(assessed_db, subfields=["ar", "machine-learning"])
    token = made.experts[0].token
    cases = [
        ({"ar": {"position": 1.5}}, "sub-field ar, position: 1.5 is not between 0 and 1"),
        ({"ar": {"position": "high"}}, "sub-field ar, position: 'high' is not a number (expected a number from 0 to 1)"),
        ({"ar": {}}, "sub-field ar, phase: give a phase or a position on the curve"),
        ({"ar": {"phase": "peak", "position": 0.5}}, "sub-field ar, position: position 0.5 lies in phase trough, not in the phase given, peak (0.17–0.36)"),
        ({"ar": {"phase": "trough"}}, "sub-field ar, rationale: your phase trough is more than one phase from the model's, trigger: give a rationale"),
        ({"ar": {"position": 0.2, "confidence": 2}}, "sub-field ar, confidence: 2.0 is not between 0 and 1"),
        ({"vr": {"position": 0.2}}, "sub-field vr: not asked in round 1"),
    ]  # fmt: skip
    for raw, message in cases:
        with pytest.raises(PanelError) as e:
            tp.submit_responses(assessed_db, token, raw)
        assert str(e.value) == message
    assert e.value.subfield == "vr"
    with pytest.raises(PanelError) as e:
        tp.submit_responses(assessed_db, token, {"ar": {"position": 0.2, "years_band": "soon"}})
    assert (e.value.subfield, e.value.field) == ("ar", "years_band")
    assert e.value.message("zh").startswith("子领域 ar，years_band：未知的成熟年限区间 'soon'")
    with Store.open(assessed_db) as st:
        assert st.count("responses") == 0
    every = tp.check_responses(
        assessed_db, token,
        {"ar": {"position": 2}, "machine-learning": {"position": 0.3}, "vr": {"phase": "peak"}},
    )  # fmt: skip
    assert [(e.subfield, e.field) for e in every] == [("ar", "position"), ("vr", None)]


def test_two_experts_two_rounds_to_consensus(assessed_db: Path) -> None:
    made = tp.create_panel(assessed_db, "p", DATA / "experts.csv", max_rounds=2)
    ada, bo = (e.token for e in made.experts)
    r1 = tp.open_round(assessed_db, subfields=["ar", "machine-learning"])
    assert (r1.number, r1.subfields, r1.status) == (1, ("ar", "machine-learning"), "open")
    with pytest.raises(PanelError, match="round 1 of panel 'p' is still open"):
        tp.open_round(assessed_db, subfields=["vr"])

    view = tp.expert_round_view(assessed_db, ada, lang="en")
    ar = view.subfields[0]
    assert (ar.subfield_id, ar.model.phase, ar.model.position) == ("ar", "trigger", 0.097)
    assert ar.previous is None and ar.distribution is None and ar.model.reasons

    tp.submit_responses(assessed_db, ada, {"ar": {"phase": "trigger"}})
    tp.submit_responses(assessed_db, ada, {"ar": {"phase": "peak", "position": 0.2},
                                            "machine-learning": {"position": 0.3}})  # fmt: skip
    with pytest.raises(PanelError, match="sub-field machine-learning, rationale"):
        tp.submit_responses(assessed_db, bo, {"machine-learning": {"position": 0.9}})
    tp.submit_responses(
        assessed_db, bo,
        {"ar": {"position": 0.15, "years_band": "5-10", "confidence": 0.7},
         "machine-learning": {"position": 0.9, "rationale": "In production everywhere"}},
    )  # fmt: skip
    status = tp.panel_status(assessed_db)
    assert [(r.round.number, r.experts_answered, r.answers) for r in status.rounds] == [(1, 2, 4)]
    # the re-submission replaced Ada's first answer to ar
    assert tp.expert_round_view(assessed_db, ada).subfields[0].previous == Answer("ar", "peak", 0.2)

    closed = tp.close_round(assessed_db, lang="en")
    # ar: 0.15, 0.20 → median 0.175 (peak), Q1 0.1625, Q3 0.1875, IQR 0.025 / 0.19
    # machine-learning: 0.3, 0.9 → median 0.6 (slope), Q1 0.45, Q3 0.75, IQR 0.3 / 0.25 = 1.2
    ar_r, ml_r = closed.results
    assert (ar_r.median, ar_r.median_phase, ar_r.q1, ar_r.q3) == (0.175, "peak", 0.1625, 0.1875)
    assert (ar_r.share_agreeing, ar_r.years_band, ar_r.confidence) == (0.5, "5-10", 0.7)
    assert ar_r.consensus and not ml_r.consensus
    assert (ml_r.median, ml_r.median_phase, ml_r.q1, ml_r.q3) == (0.6, "slope", 0.45, 0.75)
    assert ml_r.iqr_phases == pytest.approx(1.2)
    assert ml_r.outliers == (Outlier(made.experts[0].expert.expert_id, 0.3, "peak", None),)
    assert (closed.placed, closed.open_questions, closed.last_round) == (
        ("ar",), ("machine-learning",), False,
    )  # fmt: skip

    stored = tp.round_results(assessed_db)
    assert stored.round.status == "closed" and stored.results == closed.results

    [placed] = tp.list_placements(assessed_db).iter_rows(named=True)
    assert (placed["subfield_id"], placed["phase"], placed["position"], placed["origin"]) == (
        "ar", "peak", 0.175, "panel",
    )  # fmt: skip
    assert placed["who"] == "panel p, round 1"
    assert placed["rationale"] == (
        "2 experts: median position 0.17 (Peak of Inflated Expectations), quartiles "
        "0.16–0.19 (IQR 0.13 phase widths), 50% agree on the phase."
    )
    with Store.open(assessed_db) as st:
        final = st.sql(
            "SELECT final_phase, final_position, final_years_band, expert_who FROM assessments "
            "WHERE subfield_id = 'ar'"
        ).row(0)
    assert final == ("peak", 0.175, "5-10", "panel p, round 1")

    # round 2: each expert sees the anonymised distribution and their own answer
    tp.open_round(assessed_db, subfields=["machine-learning"])
    [ml] = tp.expert_round_view(assessed_db, ada).subfields
    assert ml.previous == Answer("machine-learning", "peak", 0.3)
    d = ml.distribution
    assert d is not None
    assert (d.round_number, d.answers, d.median, d.positions, d.consensus) == (
        1, 2, 0.6, (0.3, 0.9), False,
    )  # fmt: skip
    tp.submit_responses(assessed_db, ada, {"machine-learning": {"position": 0.45}})
    tp.submit_responses(assessed_db, bo, {"machine-learning": {"position": 0.5}})
    closed = tp.close_round(assessed_db, lang="en")
    assert closed.placed == ("machine-learning",) and closed.last_round
    with pytest.raises(PanelError, match="panel 'p' has had its 2 rounds already"):
        tp.open_round(assessed_db)
    with pytest.raises(PanelError, match="round 2 is closed"):
        tp.submit_responses(assessed_db, ada, {"machine-learning": {"position": 0.6}})
    current = tp.list_placements(assessed_db)
    assert current.select("subfield_id", "position", "who").rows() == [
        ("ar", 0.175, "panel p, round 1"),
        ("machine-learning", 0.475, "panel p, round 2"),
    ]


def test_a_round_for_a_domain_or_for_every_placed_sub_field(assessed_db: Path) -> None:
    tp.create_panel(assessed_db, "p", DATA / "experts.csv", max_rounds=5)
    every = tp.open_round(assessed_db)
    assert every.subfields == ("ar", "big-data-processing", "machine-learning", "vr")
    tp.close_round(assessed_db)  # nobody answered: no aggregate, no placement
    assert tp.list_placements(assessed_db).height == 0
    assert len(tp.open_round(assessed_db, domain="network").subfields) > 20
    tp.close_round(assessed_db)
    with pytest.raises(PanelError, match="no sub-field in domain 'nowhere'"):
        tp.open_round(assessed_db, domain="nowhere")
    with pytest.raises(PanelError, match="the taxonomy has no sub-fields nope"):
        tp.open_round(assessed_db, subfields=["ar", "nope"])


def test_evidence_counts_are_kept_until_the_evidence_changes(
    assessed_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An expert's page asks for its round's evidence counts at every request; they are
    computed once per state of the records, matches and count series."""
    from techcurve.store import panel as stored

    computed: list[tuple[str, ...]] = []
    real = stored._evidence_counts

    def counting(st: Store, ids: list[str]):  # type: ignore[no-untyped-def]
        computed.append(tuple(ids))
        return real(st, ids)

    monkeypatch.setattr(stored, "_evidence_counts", counting)
    with Store.open(assessed_db) as st:
        matched = st.one("SELECT min(subfield_id) FROM matches")
        assert matched is not None and matched[0]
        ids = ["ar", str(matched[0])]  # ar: count series; the other: matched records
        first = stored.evidence_counts(st, ids)
        assert stored.evidence_counts(st, ids).equals(first)
        assert computed == [tuple(ids)]
        assert set(first["subfield_id"]) == set(ids)
        st.con.execute("UPDATE counts SET count = count + 1 WHERE rowid = 0")  # a fetch's new value
        stored.evidence_counts(st, ids)
        assert len(computed) == 2
        st.con.execute("DELETE FROM matches WHERE subfield_id = ?", [ids[1]])  # a new match
        after = stored.evidence_counts(st, ids)
    assert computed == [tuple(ids)] * 3
    assert set(after["subfield_id"]) == {"ar"}
