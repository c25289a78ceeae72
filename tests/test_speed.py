"""What techcurve does to be fast gives the results it gave before (issue 18): the
report's fits read back from the cache, Spearman's ρ without scipy.stats, constants
written out instead of derived at import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from techcurve.assess import timeseries
from techcurve.assess.timeseries import fit_bell, fit_s_curve, logistic
from techcurve.ingest.fastcsv import PY_WHITESPACE
from techcurve.report.conclusions import _spearmanr
from techcurve.report.fit_memo import FitMemo

YEARS = np.arange(2000, 2016, dtype=float)
CUM = logistic(YEARS - 2000, 1000.0, 0.5, 8.0)
ATT = np.array([1, 2, 5, 9, 14, 20, 18, 12, 8, 5, 4, 3, 3, 2, 2, 1], dtype=float)


def test_spearman_gives_scipys_numbers() -> None:
    # scipy.stats.spearmanr (SciPy 1.17) on the same inputs: its documentation's example,
    # and one with ties in both columns
    assert _spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == (0.8207826816681233, 0.08858700531354384)
    assert _spearmanr([1, 2, 2, 4, 5, 9, 3], [3, 3, 1, 7, 8, 2, 2]) == (
        0.21101805498255247,
        0.6496869277787182,
    )
    rho, p = _spearmanr([1, 1, 1], [1, 2, 3])  # a constant column: undefined
    assert np.isnan(rho) and np.isnan(p)


def test_fits_are_read_back_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with FitMemo.opened() as memo:
        s = memo.s_curve(YEARS, CUM, curve="best", series="patents_cum")
        b = memo.bell(YEARS, ATT, series="attention")
    assert s == fit_s_curve(YEARS, CUM, curve="best", series="patents_cum")
    assert b == fit_bell(YEARS, ATT, series="attention")
    assert len(list((tmp_path / "techcurve").glob("fits-*.pickle"))) == 1

    def no_fitting(*_: object, **__: object) -> None:
        raise AssertionError("fitted again")

    monkeypatch.setattr(timeseries, "fit_s_curve", no_fitting)
    monkeypatch.setattr(timeseries, "fit_bell", no_fitting)
    with FitMemo.opened() as memo:
        assert memo.s_curve(YEARS, CUM, curve="best", series="patents_cum") == s
        assert memo.bell(YEARS, ATT, series="attention") == b
        with pytest.raises(AssertionError, match="fitted again"):  # another series: a new fit
            memo.bell(YEARS, ATT * 2, series="attention")


def test_whitespace_is_what_str_strip_removes() -> None:
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == PY_WHITESPACE
