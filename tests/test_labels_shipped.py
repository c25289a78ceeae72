"""The shipped label files: every row loads, resolves to a sub-field and cites a source.

The two Gartner series kept aside for an independent check of the model (the Hype Cycle
for Emerging Technologies and the Hype Cycle for Artificial Intelligence) may only be
cited by the rows already in ``public_statements.csv``; see docs/labels.md.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from techcurve.assess import load_labels, resolve_labels
from techcurve.taxonomy import load_taxonomy

LABELS = Path(__file__).parents[1] / "src" / "techcurve" / "data" / "labels"
STATEMENTS = LABELS / "public_statements.csv"
PLACEMENTS = LABELS / "public_placements.csv"
HEADER = [
    "technology",
    "year",
    "phase",
    "years_to_plateau",
    "uncertain",
    "as_of",
    "statement_term",
    "source",
    "note",
]
URL = re.compile(r"https?://\S+")
# Names of the two kept-aside series in English, Chinese and Japanese.
KEPT_ASIDE = re.compile(
    r"Hype Cycle for Emerging Technolog|Emerging Technolog\w* Hype Cycle"
    r"|Hype Cycle for Artificial Intelligence|Hype Cycle for AI\b"
    r"|新兴技术成熟度曲线|新興技術成熟度曲線|先進テクノロジ(ー)?のハイプ・?サイクル"
    r"|人工知能のハイプ・?サイクル",
    re.IGNORECASE,
)


def shipped() -> list[Path]:
    return sorted(LABELS.glob("*.csv"))


def subfields() -> pl.DataFrame:
    tax = load_taxonomy(None)
    return pl.DataFrame(
        {
            "subfield_id": [s.id for s in tax.subfields],
            "name_zh": [s.name_zh for s in tax.subfields],
            "name_en": [s.name_en for s in tax.subfields],
        }
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_shipped_label_files() -> None:
    assert [p.name for p in shipped()] == ["public_placements.csv", "public_statements.csv"]


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_every_row_loads_and_resolves_to_a_subfield(path: Path) -> None:
    lab = load_labels(path)
    assert lab.height == len(rows(path))
    resolved = resolve_labels(lab, subfields())
    assert resolved["subfield_id"].null_count() == 0
    known = set(subfields()["subfield_id"])
    assert set(resolved["subfield_id"]) <= known


# Three rows of public_statements.csv name their reports without a URL (the same
# reports are linked from other rows); they are listed here so that no new one appears.
NO_URL = {
    ("public_statements.csv", 21),
    ("public_statements.csv", 29),
    ("public_statements.csv", 32),
}


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_every_row_cites_a_source_with_a_url(path: Path) -> None:
    missing = set()
    for i, row in enumerate(rows(path), start=2):
        source = (row.get("source") or "").strip()
        assert source, f"{path.name} line {i}: empty source"
        if not URL.search(source):
            missing.add((path.name, i))
    assert missing == {m for m in NO_URL if m[0] == path.name}


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_as_of_falls_in_the_year_of_the_statement(path: Path) -> None:
    lab = load_labels(path)
    assert (lab["as_of"].dt.year() == lab["year"]).all()


def test_only_the_original_statements_cite_the_kept_aside_series() -> None:
    for path in shipped():
        if path == STATEMENTS:
            continue
        for i, row in enumerate(rows(path), start=2):
            assert not KEPT_ASIDE.search(row["source"]), f"{path.name} line {i}"
    # public_statements.csv is frozen: 35 of its 37 rows cite the two series (the other
    # two cite the Hype Cycle for Enterprise Networking only).
    cited = [r for r in rows(STATEMENTS) if KEPT_ASIDE.search(r["source"])]
    assert (len(rows(STATEMENTS)), len(cited)) == (37, 35)


def test_the_kept_aside_pattern_recognises_the_series_names() -> None:
    for name in (
        "Gartner, Hype Cycle for Emerging Technologies 2014 (…)",
        "Gartner's 2015 Emerging Technologies Hype Cycle",
        "Gartner, Hype Cycle for Artificial Intelligence 2019",
        "Gartner 2022年新兴技术成熟度曲线",
        "ガートナー「先進テクノロジのハイプ・サイクル:2023年」",
    ):
        assert KEPT_ASIDE.search(name), name
    for name in (
        "Gartner, Hype Cycle for Human-Machine Interface, 2015",
        "Gartner Japan, 日本における未来志向型インフラ・テクノロジのハイプ・サイクル:2023年",
        "Gartner, 2023年中国智慧城市和可持续发展技术成熟度曲线",
    ):
        assert not KEPT_ASIDE.search(name), name


def test_public_placements_layout() -> None:
    with PLACEMENTS.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == HEADER
    lab = load_labels(PLACEMENTS)
    assert lab.height == 265
    assert set(lab["phase"]) == {"trigger", "peak", "trough", "slope", "plateau"}
    # No statement is entered twice from the same source.
    keys = [(r["technology"], r["year"], r["phase"], r["source"]) for r in rows(PLACEMENTS)]
    assert len(keys) == len(set(keys))
    # Every row names the term the source used.
    assert all(r["statement_term"].strip() for r in rows(PLACEMENTS))
