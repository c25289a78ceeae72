"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from techcurve.store import Store, init_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new, empty store in the test's temporary folder, closed afterwards."""
    init_store(tmp_path / "tc.duckdb")
    st = Store.open(tmp_path / "tc.duckdb")
    yield st
    st.close()


@pytest.fixture(scope="module")
def compiled_normalisation() -> Iterator[None]:
    """normalize_series through its compiled pass even for a few strings (it calls the
    Python reference per string below ``normalize.reference._SMALL`` strings)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr("techcurve.normalize.reference._SMALL", 0)
        yield


DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def _assessed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store through every stage to assess, from tests/data (built once per session):
    four sub-fields placed — ar 0.097 and vr 0.12 (trigger), machine-learning 0.265
    (peak), big-data-processing 0.905 (plateau)."""
    from datetime import date

    import techcurve.pipeline as tc

    db = tmp_path_factory.mktemp("assessed") / "tc.duckdb"
    tc.init(db)
    tc.ingest_counts(db, [DATA / "cli" / "counts_long.csv"], profile="long-csv")
    tc.ingest_counts(db, [DATA / "cli" / "hn_hiring_quarterly.csv"], profile="hn-hiring")
    tc.ingest(
        db, [DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx"], kind="financing",
        profile="itjuzi",
    )  # fmt: skip
    tc.match(db)
    tc.compute(db, as_of=date(2016, 12, 31))
    tc.assess(db)
    return db


@pytest.fixture
def assessed_db(_assessed_template: Path, tmp_path: Path) -> Path:
    """A copy of the assessed store (see ``_assessed_template``) for one test."""
    import shutil

    db = tmp_path / "tc.duckdb"
    shutil.copy(_assessed_template, db)
    return db


@pytest.fixture(autouse=True)
def _placement_memo(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test keeps its curves' label placements and written curves to itself (not in
    the user's cache), so every test places its labels and draws its curves
    (techcurve.render.curve.memo, techcurve.render.curve.filememo)."""
    from techcurve.render.curve import filememo, memo

    path = tmp_path_factory.mktemp("placements") / "placements.json"
    monkeypatch.setattr(memo, "_path", lambda: path)
    monkeypatch.setattr(memo, "_known", {})
    monkeypatch.setattr(filememo, "_dir", lambda: path.parent / "curves")
