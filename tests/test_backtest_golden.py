"""Golden backtest figures: a small fixed label file on a small store built from
tests/data, and the exact table it gives.

The golden file is ``tests/golden/backtest_small.json``. When a change of the figures
is intended (a model, a baseline or a metric changed on purpose), rewrite it with
``TECHCURVE_UPDATE_GOLDEN=1 pytest tests/test_backtest_golden.py`` and check the diff
in before committing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

import techcurve.pipeline as tc
from techcurve.assess import registry
from techcurve.assess._base import StageModel
from techcurve.assess.backtest import BacktestResult
from techcurve.assess.backtest.baselines import MajorityBaseline
from techcurve.cli import cli
from techcurve.datatypes import Phase
from techcurve.errors import AssessError

HERE = Path(__file__).parent
LABELS = HERE / "data" / "backtest" / "labels_small.csv"
MAP = HERE / "data" / "backtest" / "label_map.yaml"
GOLDEN = HERE / "golden" / "backtest_small.json"
UPDATE = os.environ.get("TECHCURVE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Papers and patents per term per year (tests/data/assess) and Hacker News hiring
    mentions per month (tests/data/counts), matched with the default taxonomy."""
    db = tmp_path_factory.mktemp("golden") / "t.duckdb"
    tc.init(db)
    tc.ingest_counts(db, [HERE / "data" / "assess" / "paper_dict.json"])
    tc.ingest_counts(db, [HERE / "data" / "assess" / "patent_dict.json"])
    tc.ingest_counts(db, [HERE / "data" / "counts" / "hn_whoishiring_terms_monthly.csv"])
    tc.match(db)
    return db


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, Mapping):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def figures(res: BacktestResult) -> dict[str, Any]:
    """What the golden file holds: the tables, the targets and every predicted phase."""
    d = res.to_dict()
    phases = (
        res.predictions.sort("protocol", "model", "row")
        .group_by("protocol", "model", maintain_order=True)
        .agg(pl.col("phase").fill_null("n/a"))
    )
    return _rounded(
        {
            "labels": d["labels"],
            "label_counts": d["label_counts"],
            "skipped": d["skipped"],
            "protocols": d["protocols"],
            "predicted": {f"{p}/{m}": list(v) for p, m, v in phases.iter_rows()},
        }
    )


def test_backtest_figures_match_the_golden_file(store: Path) -> None:
    run = tc.backtest(store, LABELS, model="all", split_year=2017)
    (res,) = run.results.values()
    got = figures(res)
    text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE or not GOLDEN.exists():
        GOLDEN.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{GOLDEN} did not exist and was written: check it in and re-run")
    assert json.loads(GOLDEN.read_text(encoding="utf-8")) == json.loads(text), (
        "the backtest figures differ from tests/golden/backtest_small.json; if the change "
        "is intended, re-run with TECHCURVE_UPDATE_GOLDEN=1 and check the diff in"
    )


def test_the_small_label_file_as_users_write_it(store: Path) -> None:
    run = tc.backtest(store, LABELS, model="snapshot", split_year=2017)
    (res,) = run.results.values()
    assert res.labels == 12  # 13 rows, "Hover boards" skipped
    assert res.label_counts == {"trigger": 3, "peak": 5, "trough": 3, "slope": 1, "plateau": 0}
    assert [u.text() for u in run.skipped] == ["row 14: 'Hover boards'"]
    assert run.skipped[0].text("zh") == "第 14 行：'Hover boards'"
    loto, temporal = res.protocols
    assert (loto.n_rows, loto.n_train) == (12, 12)
    assert (temporal.n_rows, temporal.n_train) == (4, 8)  # 2019 and 2020 vs up to 2017
    mapped = tc.backtest(store, LABELS, model="snapshot", label_map=MAP)
    assert mapped.skipped == () and mapped.results[str(LABELS)].labels == 13
    with pytest.raises(AssessError, match=r"row 14: 'Hover boards'"):
        tc.backtest(store, LABELS, model="snapshot", strict=True)


def test_cli_prints_protocols_targets_and_warns_of_skipped_rows(store: Path) -> None:
    runner = CliRunner()
    args = ["--db", str(store), "backtest", str(LABELS), "--model", "snapshot"]
    r = runner.invoke(cli, [*args, "--split-year", "2017"])
    assert r.exit_code == 0, r.output
    assert "warning: 1 technologies are not in the taxonomy" in r.stderr
    assert "'Hover boards'" in r.stderr and "--map FILE" in r.stderr
    assert "leave-one-technology-out" in r.stdout and "temporal split" in r.stdout
    assert "snapshot: target not reached" in r.stdout
    r = runner.invoke(cli, [*args, "--map", str(MAP), "--json"])
    assert r.exit_code == 0, r.output
    (res,) = json.loads(r.stdout).values()
    assert res["skipped"] == [] and res["labels"] == 13
    assert [p["split_year"] for p in res["protocols"]] == [None, 2018]
    r = runner.invoke(cli, [*args, "--strict"])
    assert isinstance(r.exception, AssessError) and "Hover boards" in str(r.exception)


class _Frequencies:
    """What a probabilistic model's assessment looks like to the backtest."""

    def __init__(self, phase: str, probs: Mapping[str, float]) -> None:
        self.status = "assessed"
        self.phase = Phase(phase)
        self.years_band = None
        self.confidence = max(probs.values())
        self.probabilities = probs
        self.reasons = ()


class FrequencyModel(StageModel):
    """A label-learnt stand-in giving phase probabilities: the training fold's
    frequencies, exactly like the majority baseline."""

    name = "frequencies"
    requires_labels = True

    def __init__(self) -> None:
        pass

    def fit(
        self, summary: pl.DataFrame, labels: pl.DataFrame | None = None, **_: Any
    ) -> StageModel:
        assert labels is not None
        self.base_ = MajorityBaseline().fit(labels["phase"].to_list())
        return self

    def predict_profiles(self, profiles: pl.DataFrame) -> list[_Frequencies]:
        return [_Frequencies(self.base_.phase_, self.base_.probabilities_)] * profiles.height


def test_probabilities_give_log_loss_and_calibration(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.MODELS, "frequencies", FrequencyModel)
    run = tc.backtest(store, LABELS, model="frequencies")
    loto = run.results[str(LABELS)].protocols[0]
    freq, majority, _age = loto.scores
    assert freq.log_loss is not None and freq.log_loss == pytest.approx(majority.log_loss)
    assert freq.same_rows_log_loss["majority"] == pytest.approx(freq.log_loss)
    assert freq.exact == majority.exact and freq.coverage == 1.0
    assert sum(b.n for b in freq.calibration) == 12
    assert all(b.lo < b.predicted <= b.hi for b in freq.calibration)
    preds = run.results[str(LABELS)].predictions.filter(pl.col("model") == "frequencies")
    assert preds.select(
        pl.sum_horizontal(pl.col("^p_.*$")).round(6)
    ).to_series().unique().to_list() == [1.0]


def test_cli_prints_the_calibration_of_a_model_with_probabilities(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.MODELS, "frequencies", FrequencyModel)
    args = ["--db", str(store), "backtest", str(LABELS), "--map", str(MAP), "--model", "all"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "calibration: frequencies (leave-one-technology-out)" in r.stdout
    assert "calibration: majority" not in r.stdout  # baselines: log loss only
    assert "frequencies: target not reached" in r.stdout
