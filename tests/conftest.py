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
