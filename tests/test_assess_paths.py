"""Non-canonical paths of the snapshot model: faded, grows without a trough, and a
sub-field that is hot on attention alone (no opinion index, no financing)."""

from __future__ import annotations

from typing import Any

import polars as pl

from techcurve.assess import SnapshotModel
from techcurve.datatypes import Assessment, Phase, YearsBand
from test_assess import BACKGROUND, SUMMARY_SCHEMA, row

SCHEMA: dict[str, Any] = {
    **SUMMARY_SCHEMA,
    "attention_latest": pl.Float64,
    "attention_latest_year": pl.Int32,
}


def place(*rows: dict[str, Any]) -> dict[str, Assessment]:
    bg = [{**r, "attention_latest": 20.0 + 5 * i} for i, r in enumerate(BACKGROUND)]
    s = pl.DataFrame([*bg, *rows], schema=SCHEMA, orient="row")
    return {a.subfield_id: a for a in SnapshotModel().fit(s).predict(s)}


def texts(a: Assessment) -> str:
    return " | ".join(r.text() for r in a.reasons)


def test_faded_is_trough_and_obsolete_before_the_plateau() -> None:
    faded = row(
        "faded",
        patents_cum=3000,
        birth_year=2008,
        opinion_index=5,
        attention_peak_year=2014,
        attention_vs_peak=0.15,
        attention_growth=-0.3,
        patent_growth=-0.2,
        paper_growth=-0.1,
    )
    a = place(faded)["faded"]
    assert a.phase is Phase.TROUGH, texts(a)
    assert a.years_band is YearsBand.OBSOLETE
    assert "faded" in texts(a) and "15%" in texts(a)


def test_collapsed_attention_with_growing_patents_is_not_faded() -> None:
    # The same collapse while patents still grow is disillusionment, not obsolescence.
    a = place(
        row(
            "dip",
            patents_cum=3000,
            birth_year=2008,
            opinion_index=5,
            attention_peak_year=2014,
            attention_vs_peak=0.15,
            attention_growth=-0.3,
            patent_growth=0.2,
            paper_growth=-0.1,
        )
    )["dip"]
    assert a.phase is Phase.TROUGH
    assert a.years_band is not YearsBand.OBSOLETE


def test_grows_without_a_trough() -> None:
    # Mature, attention peaked in 2019 but never fell below 60 % of it: slope, no trough.
    a = place(
        row(
            "steady",
            patents_cum=7000,
            birth_year=2009,
            opinion_index=45,
            attention_peak_year=2019,
            attention_vs_peak=0.85,
            attention_growth=0.02,
        )
    )["steady"]
    assert a.phase is Phase.SLOPE, texts(a)
    assert "no trough" in texts(a)


def test_attention_alone_can_make_a_subfield_hot() -> None:
    # No opinion index and no financing: the latest attention level, comparable across
    # sub-fields, is what says it is at the peak.
    a = place(
        row(
            "buzz",
            patents_cum=300,
            birth_year=2018,
            opinion_index=None,
            fin_events=None,
            fin_amount_point_cny=None,
            attention_latest=95.0,
            attention_latest_year=2022,
            attention_vs_peak=1.0,
            attention_growth=0.4,
        )
    )["buzz"]
    assert a.phase is Phase.PEAK, texts(a)
    assert "latest attention level 95.0/100 in 2022" in texts(a)
