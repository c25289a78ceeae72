"""What techcurve does to be fast gives the results it gave before (issue 18): the
report's fits read back from the cache, the fits' Jacobian computed as SciPy's
"2-point" scheme computes it, Spearman's ρ without scipy.stats, constants written out
instead of derived at import."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import curve_fit

from techcurve.assess import timeseries
from techcurve.assess.forward_jac import REL_STEP, forward_jacobian
from techcurve.assess.timeseries import bell, fit_bell, fit_s_curve, gompertz, logistic
from techcurve.ingest.fastcsv import PY_WHITESPACE
from techcurve.report import fit_memo
from techcurve.report.conclusions import _spearmanr
from techcurve.report.fit_memo import FitMemo, FitRequest

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


_X = np.arange(16, dtype=float)
_NOISE = 1 + 0.03 * np.random.default_rng(7).standard_normal(16)
#: (model, series, p0, lower, upper) as fit_s_curve and fit_bell set them up; the step
#: ends with α at its upper bound and the flat series with σ at its bound, where the
#: forward step is turned back into the box
FIT_CASES = {
    "noisy logistic": (logistic, logistic(_X, 1000, 0.5, 8) * _NOISE, [1500, 0.5, 8], [980, 0.01, -30], [1e5, 5, 55]),
    "gompertz": (gompertz, gompertz(_X, 500, 0.3, 6), [750, 0.5, 6], [490, 0.01, -30], [5e4, 5, 55]),
    "step": (logistic, np.where(_X >= 8, 100.0, 1.0), [150, 0.5, 8], [98, 0.01, -30], [1e4, 5, 55]),
    "straight line": (logistic, 100.0 * (_X + 1), [2400, 0.5, 15], [1568, 0.01, -30], [1.6e5, 5, 55]),
    "flat bell": (bell, 3.0 + 0.1 * (_X % 2), [3.1, 1, 4], [0, -10, 0.5], [31, 35, 30]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_forward_jacobian_fits_what_2_point_fits(case: str) -> None:
    f, y, p0, lower, upper = FIT_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scipy_fit, _ = curve_fit(f, _X, y, p0=p0, bounds=(lower, upper), maxfev=20000)
        jac = forward_jacobian(f, y, lower, upper)
        ours, _ = curve_fit(f, _X, y, p0=p0, bounds=(lower, upper), maxfev=20000, jac=jac)
    assert ours.tolist() == scipy_fit.tolist()  # bit for bit


def test_forward_steps_turn_back_at_a_bound() -> None:
    y = np.zeros(3)
    x = np.array([0.0, 1.0, 2.0])
    jac = forward_jacobian(logistic, y, [0.0, 0.0, -1.0], [10.0, 5.0, 1.0])
    # at α = 5, its upper bound, the step goes down instead of out of the box
    h = REL_STEP * 5.0
    r0 = logistic(x, 4.0, 5.0, 0.5) - y
    below = (logistic(x, 4.0, 5.0 - h, 0.5) - y - r0) / ((5.0 - h) - 5.0)
    assert jac(x, 4.0, 5.0, 0.5)[:, 1].tolist() == below.tolist()
    # inside the box the step is √ε · max(1, |p|), signed like p: down from t_m = −0.5
    h = REL_STEP * 1.0
    r0 = logistic(x, 4.0, 2.0, -0.5) - y
    above = (logistic(x, 4.0, 2.0, -0.5 - h) - y - r0) / ((-0.5 - h) - -0.5)
    assert jac(x, 4.0, 2.0, -0.5)[:, 2].tolist() == above.tolist()


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


def test_fit_cache_is_keyed_by_the_fitting_codes_contents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "timeseries.py"
    copy.write_bytes(Path(timeseries.__file__).read_bytes())
    monkeypatch.setattr(timeseries, "__file__", str(copy))
    stamp = fit_memo._code_stamp()
    os.utime(copy, (1_000_000_000, 1_000_000_000))  # a fresh checkout: new times, same code
    assert fit_memo._code_stamp() == stamp
    copy.write_text(copy.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert fit_memo._code_stamp() != stamp  # edited: every series is fitted again


def _requests(n: int) -> list[FitRequest]:
    """``n`` S-curve and bell fits of different series."""
    out = []
    for i in range(n):
        scale = 1.0 + i / 10
        if i % 2:
            out.append(FitRequest("bell", YEARS, ATT * scale, {"series": "attention"}))
        else:
            cum = logistic(YEARS - 2000, 1000.0 * scale, 0.3 + i / 100, 8.0)
            out.append(FitRequest("s", YEARS, cum, {"curve": "best", "series": "patents_cum"}))
    return out


def test_many_new_fits_are_shared_with_a_second_process(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = _requests(fit_memo.PARALLEL_FROM)
    assert fit_memo.fit_all(requests) == [fit_memo.fit(r) for r in requests]  # the same fits
    if fit_memo._cores() < 2:
        pytest.skip("one core: no second process")
    monkeypatch.setattr(fit_memo, "fit", lambda _request: os.getpid())
    pids = fit_memo.fit_all(requests)
    assert len(set(pids)) == 2 and os.getpid() in pids  # type: ignore[comparison-overlap]
    assert set(fit_memo.fit_all(requests[:-1])) == {os.getpid()}  # too few to share
    in_thread: list[object] = []  # a dashboard's request thread does not fork
    worker = threading.Thread(target=lambda: in_thread.extend(fit_memo.fit_all(requests)))
    worker.start()
    worker.join()
    assert set(in_thread) == {os.getpid()}


def test_prefetched_fits_are_not_fitted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = _requests(4)
    memo = FitMemo(path=None, known={})
    memo.prefetch(requests + requests[:1])  # a repeated series is fitted once
    assert len(memo.used) == 4

    def no_fitting(_request: FitRequest) -> None:
        raise AssertionError("fitted again")

    monkeypatch.setattr(fit_memo, "fit", no_fitting)
    assert [memo.fit(r) for r in requests] == list(memo.used.values())


def test_without_a_second_process_every_fit_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(*_: object, **__: object) -> None:
        raise OSError("fork: resource temporarily unavailable")

    monkeypatch.setattr(fit_memo, "ProcessPoolExecutor", no_fork)
    monkeypatch.setattr(fit_memo, "_cores", lambda: 2)
    requests = _requests(fit_memo.PARALLEL_FROM)
    assert fit_memo.fit_all(requests) == [fit_memo.fit(r) for r in requests]
