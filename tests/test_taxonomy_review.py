"""What the taxonomy tools read about the last match (techcurve.store.taxonomy), the
review functions over it, and the library functions of `techcurve taxonomy …`
(techcurve.pipeline.taxonomy), on a small hand-made store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from techcurve import pipeline
from techcurve.errors import StoreError, TaxonomyError
from techcurve.match import write_taxonomy
from techcurve.store import RECORD_COLUMNS, Meta, Store, init_store
from techcurve.store import taxonomy as stored
from techcurve.taxonomy import check_taxonomy, load_taxonomy
from techcurve.taxonomy.review import (
    NotMatchedError,
    UnknownSubfieldError,
    match_stats,
    sample_matches,
)

GOOD = Path(__file__).parent / "data" / "taxonomy" / "good.yaml"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = init_store(tmp_path / "r.duckdb")
    cols = ("record_id", "kind", "source", "title", "abstract", "year")
    with Store.open(path) as st:
        write_taxonomy(st, load_taxonomy(GOOD))
        st.append(
            "records",
            pl.DataFrame(
                [
                    ("p:1", "paper", "p", "AR 眼镜", None, 2020),
                    ("p:2", "patent", "p", None, "5G专网 and AR", 2021),
                    ("p:3", "paper", "p", "VR", None, 2022),
                ],
                schema={c: RECORD_COLUMNS[c] for c in cols},
                orient="row",
            ),
        )
        st.append(
            "matches",
            pl.DataFrame(
                {
                    "record_id": ["p:1", "p:2", "p:2"],
                    "subfield_id": ["ar", "ar", "5g-private"],
                    "terms": ["AR", "AR", "5G专网"],
                }
            ),
        )
        st.append(
            "counts",
            pl.DataFrame(
                {
                    "source": ["so", "so", "gt"],
                    "term": ["augmented-reality", "augmented-reality", "faas"],
                    "kind": ["attention"] * 3,
                    "year": [2020, 2021, 2020],
                    "month": [0] * 3,
                    "count": [1.0, 2.0, 3.0],
                }
            ),
        )
        st.append(
            "count_matches",
            pl.DataFrame(
                {
                    "source": ["so"],
                    "term": ["augmented-reality"],
                    "kind": ["attention"],
                    "subfield_id": ["ar"],
                    "is_primary": [True],
                }
            ),
        )
    return path


def test_what_the_review_reads(db: Path) -> None:
    with Store.open(db, read_only=True) as st:
        assert stored.subfield_names(st).rows()[:2] == [
            ("5g", "5G", "5G"),
            ("5g-private", "5G专网", "5G private networks"),
        ]
        assert stored.subfield_domains(st).rows()[0] == ("ar", "interaction", "增强现实")
        assert stored.subfield_query(st, "5g-private") == (
            "5G专网",
            "5G private networks",
            '5G专网 OR "5G private network"',
        )
        assert stored.subfield_query(st, "nope") is None
        assert stored.matches_by_kind(st, "ar") == {"paper": 1, "patent": 1}
        assert stored.matched_record_ids(st, "ar") == ["p:1", "p:2"]
        assert stored.matched_record_ids(st, "ar", "patent") == ["p:2"]
        assert stored.matched_records(st, "ar", ["p:2"]).rows() == [
            ("p:2", "patent", 2021, "p", None, "5G专网 and AR", None, "AR")
        ]
        assert stored.linked_count_series(st, "ar").rows() == [
            ("so", "attention", "augmented-reality")
        ]
        assert sorted(stored.links_per_subfield_and_kind(st).rows()) == [
            ("5g-private", "patent", 1, 1),
            ("ar", "paper", 1, 0),
            ("ar", "patent", 1, 1),
        ]
        assert stored.count_series_per_subfield(st) == {"ar": 1}
        assert stored.matched_record_totals(st) == (2, 1)
        assert stored.records_by_kind(st) == {"paper": 2, "patent": 1}
        assert stored.count_series(st).rows() == [
            ("gt", "faas", "attention"),
            ("so", "augmented-reality", "attention"),
        ]
        assert stored.count_series_count(st) == 2
        assert stored.linked_count_series_count(st) == 1
        assert st.get_meta(Meta.TAXONOMY_VERSION) == "2022.1"


def test_sample_and_stats_of_the_hand_made_store(db: Path) -> None:
    with Store.open(db, read_only=True) as st:
        res = sample_matches(st, "ar", 5, seed=3)
        stats = match_stats(st)
    assert (res.matched, res.by_kind, res.count_series) == (
        2,
        {"paper": 1, "patent": 1},
        ("so/attention: augmented-reality",),
    )
    assert [(r.record_id, r.title, r.terms, r.where) for r in res.records] == [
        ("p:1", "AR 眼镜", "AR", "title"),
        ("p:2", "5G专网 and AR", "AR", "abstract"),
    ]
    assert (stats.records, stats.matched_records, stats.multi_matched_records) == (3, 2, 1)
    assert stats.records_by_kind == {"patent": 1, "paper": 2, "article": 0, "financing": 0}
    assert [(s.subfield_id, s.records, s.shared, s.count_series) for s in stats.subfields[:2]] == [
        ("ar", 2, 1, 1),
        ("5g-private", 1, 1, 0),
    ]


def test_pipeline_sample_stats_and_check(db: Path) -> None:
    assert pipeline.taxonomy_sample(db, "ar", 1, seed=3).matched == 2
    assert pipeline.taxonomy_stats(db).matched_records == 2
    with pytest.raises(UnknownSubfieldError) as unknown:
        pipeline.taxonomy_sample(db, "arr")
    # the library names no command: the CLI adds the one that lists the ids
    assert str(unknown.value) == f"unknown sub-field 'arr' in store {db}; did you mean 'ar'?"
    assert isinstance(unknown.value, TaxonomyError)
    alone = pipeline.taxonomy_check(GOOD)
    assert alone.findings == tuple(check_taxonomy(load_taxonomy(GOOD))) and alone.store is None
    checked = pipeline.taxonomy_check(GOOD, db=db)
    assert checked.store == str(db) and checked.errors == ()
    unused = {f.subfield: f.message for f in checked.warnings if f.kind == "unused-term"}
    where = "(3 records and 2 count series)"
    assert unused == {
        "ar": f"1 of 3 terms occur nowhere in the store {where}: '增强现实'",
        "5g-private": f"1 of 2 terms occur nowhere in the store {where}: '5G private network'",
        "serverless": f"2 of 3 terms occur nowhere in the store {where}: 'serverless', '无服务器'",
        "edge-ai": f"none of its 4 terms occurs in the store {where}: "
        "'title:边缘', 'title:edge', '智能', 'AI'",
    }


def test_pipeline_export_import_and_diff(tmp_path: Path) -> None:
    exported = pipeline.taxonomy_export(tmp_path / "t.csv", GOOD)
    assert exported.path == tmp_path / "t.csv" and exported.taxonomy.version == "2022.1"
    imported = pipeline.taxonomy_import(exported.path, tmp_path / "back.yaml")
    assert imported.path == tmp_path / "back.yaml" and imported.path.exists()
    assert (imported.errors, imported.warnings) == (0, len(imported.findings))
    assert [s.id for s in imported.taxonomy.subfields] == [
        s.id for s in exported.taxonomy.subfields
    ]
    assert pipeline.taxonomy_diff(str(GOOD), str(imported.path)).empty
    assert pipeline.taxonomy_diff("default", "default").empty


def test_an_unmatched_store_has_nothing_to_review(tmp_path: Path) -> None:
    db = init_store(tmp_path / "new.duckdb")
    for review in (pipeline.taxonomy_stats, lambda d: pipeline.taxonomy_sample(d, "ar")):
        with pytest.raises(NotMatchedError) as e:
            review(db)
        assert str(e.value) == f"store {db} has not been matched yet"
        assert isinstance(e.value, StoreError)
