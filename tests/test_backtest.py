"""The backtest: labels, the radar reader, statistics, baselines, and an end-to-end run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import techcurve.pipeline as tc
from techcurve.assess import BacktestResult, load_labels, radar_labels, read_radar, resolve_labels
from techcurve.assess import backtest as backtest_evidence
from techcurve.assess.evidence import Evidence
from techcurve.assess.scoring import spearman, wilson_interval
from techcurve.cli import cli
from techcurve.errors import AssessError
from techcurve.store import Store
from techcurve.taxonomy import load_taxonomy

DATA = Path(__file__).parent / "data" / "assess"
SHIPPED = (
    Path(__file__).parents[1] / "src" / "techcurve" / "data" / "labels" / "public_statements.csv"
)
RADAR = DATA / "radar_excerpt.json"


def backtest(db: Path, labels: Path, **kw: object) -> BacktestResult:
    """The library backtest on the evidence of the store at ``db`` (opened read-only)."""
    with Store.open(db, read_only=True) as st:
        evidence = Evidence.from_store(st)
    return backtest_evidence(evidence, labels, **kw)  # type: ignore[arg-type]


def taxonomy_subfields() -> pl.DataFrame:
    tax = load_taxonomy(None)
    return pl.DataFrame(
        {
            "subfield_id": [s.id for s in tax.subfields],
            "name_zh": [s.name_zh for s in tax.subfields],
            "name_en": [s.name_en for s in tax.subfields],
            "query": [s.query for s in tax.subfields],
        }
    )


# -- statistics and baselines -----------------------------------------------------------
def test_wilson_interval_known_values() -> None:
    lo, hi = wilson_interval(8, 10)  # type: ignore[misc]
    assert (round(lo, 3), round(hi, 3)) == (0.49, 0.943)
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(0, 20)  # type: ignore[misc]
    assert lo == 0.0 and 0.15 < hi < 0.17


def test_spearman() -> None:
    assert spearman([0, 1, 2, 3], [0, 1, 2, 3]) == pytest.approx(1.0)
    assert spearman([0, 1, 2, 3], [3, 2, 1, 0]) == pytest.approx(-1.0)
    assert spearman([0, 1, 2], [1, 1, 1]) is None  # constant predictions: undefined


# -- labels ---------------------------------------------------------------------------------
def test_shipped_labels_load_cite_and_resolve() -> None:
    lab = load_labels(SHIPPED)
    assert lab.height >= 30
    assert lab["source"].null_count() == 0 and all("Gartner" in s for s in lab["source"])
    assert set(lab["phase"]) == {"trigger", "peak", "trough", "slope", "plateau"}
    assert lab["uncertain"].sum() > 0  # uncertain rows are marked, not hidden
    resolved = resolve_labels(lab, taxonomy_subfields())
    assert resolved["subfield_id"].null_count() == 0


def test_labels_resolve_names(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text(
        "name,year,phase,years_to_plateau\nAugmented reality,2015,Trough of Disillusionment,\n"
        "物联网,2014,期望膨胀期,5–10\nquantum-computing,2012,trigger,>10\n",
        encoding="utf-8",
    )
    lab = resolve_labels(load_labels(f), taxonomy_subfields())
    assert lab["subfield_id"].to_list() == ["ar", "iot", "quantum-computing"]
    assert lab["phase"].to_list() == ["trough", "peak", "trigger"]
    assert lab["years_band"].to_list() == [None, "5-10", ">10"]
    assert str(lab["as_of"][0]) == "2015-07-01"  # before Gartner's August publication


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("technology,phase\nar,peak\n", r"missing column\(s\) year"),
        ("technology,year,phase\nar,15,peak\n", r"l\.csv:2: column 'year' holds '15'"),
        (
            "technology,year,phase\nar,2015,hype\n",
            r"l\.csv:2: column 'phase' holds 'hype', which is not a known phase name",
        ),
        (
            "technology,year,phase,years_to_plateau\nar,2015,peak,soon\n",
            r"column 'years_to_plateau': unknown years-to-plateau band",
        ),
        ("technology,year,phase,uncertain\nar,2015,peak,maybe\n", "write yes or no"),
    ],
)
def test_label_errors_name_file_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "l.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(AssessError, match=message):
        load_labels(f)


def test_unknown_technology_lists_closest(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("technology,year,phase\nCloud computting,2012,trough\n", encoding="utf-8")
    with pytest.raises(
        AssessError, match=r"not a sub-field id or name.*row 2: 'Cloud computting' \(closest: "
    ):
        resolve_labels(load_labels(f), taxonomy_subfields())


# -- the radar ---------------------------------------------------------------------------------
def test_radar_excerpt_keeps_no_descriptions() -> None:
    blips = json.loads(RADAR.read_text(encoding="utf-8"))
    assert all(set(b) == {"name", "ring", "volume", "publishedDate"} for b in blips)
    frame = read_radar(RADAR)
    assert frame.columns == ["name", "ring", "volume", "published"]


def test_radar_labels_map_blips_and_rings() -> None:
    lab = radar_labels(read_radar(RADAR), taxonomy_subfields())
    by = {(r["subfield_id"], r["year"]): r for r in lab.iter_rows(named=True)}
    docker16 = by[("containers", 2016)]
    assert docker16["phase"] == "plateau"  # Docker was in "adopt" in Nov 2016
    assert "Docker" in docker16["source"] and "vol 15" in docker16["source"]
    assert str(docker16["as_of"]) == "2016-11-01"
    assert by[("mr", 2016)]["phase"] == "trigger"  # HoloLens: assess
    assert lab.group_by("subfield_id", "year").len()["len"].max() == 1  # one label a year


# -- end to end -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("bt") / "t.duckdb"
    tc.init(db)
    tc.ingest_counts(db, [DATA / "paper_dict.json", DATA / "patent_dict.json"])
    hn = Path(__file__).parent / "data" / "counts" / "hn_whoishiring_terms_monthly.csv"
    tc.ingest_counts(db, [hn])
    tc.match(db)
    return db


def test_backtest_end_to_end(store: Path, tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text(
        "technology,year,phase,years_to_plateau,source\n"
        "ar,2015,trough,,a\nar,2018,trough,5-10,b\nquantum-computing,2012,trigger,,c\n"
        "quantum-computing,2014,trigger,,d\niot,2014,peak,5-10,e\n",
        encoding="utf-8",
    )
    before = f.stat().st_mtime
    res = backtest(store, f, models="all")
    assert [s.model for s in res.scores] == [
        "snapshot",
        "timeseries",
        "neighbours",
        "learnt",
        "majority",
        "age-only",
    ]
    assert res.labels == 5 and len(res.as_of_dates) == 4
    for s in res.scores:
        assert s.n_labels == 5
        assert sum(map(sum, s.confusion)) == 5
        assert s.n_assessed + sum(r[-1] for r in s.confusion) == 5
    maj = res.scores[4]
    assert maj.n_assessed == 5 and maj.exact is not None
    assert res.predictions.height == 6 * 5
    assert "steady_ratio" in res.params["timeseries"]
    assert res.params["neighbours"]["k"] == 5
    # The label-learnt model is scored leave-one-technology-out: each row's fold holds
    # the rows of the other technologies only (ar 2×, quantum-computing 2×, iot 1×).
    nb = res.predictions.filter(pl.col("model") == "neighbours")
    folds = {sid: note for sid, note in nb.select("subfield_id", "note").iter_rows()}
    assert all("leave-one-technology-out" in n for n in folds.values())
    assert "3 rows of 2 other technologies" in folds["ar"]
    assert "4 rows of 2 other technologies" in folds["iot"]
    d = res.to_dict()
    json.dumps(d)
    assert d["protocols"][0]["scores"][0]["confusion"]["columns"][-1] == "insufficient"
    assert [p["protocol"] for p in d["protocols"]] == ["loto", "temporal"]
    assert d["protocols"][1]["n_rows"] == 0  # no label after 2018
    assert f.stat().st_mtime == before


def test_backtest_does_not_write_the_store(store: Path, tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("technology,year,phase\nar,2015,trough\nar,2014,peak\nvr,2015,slope\n")
    backtest(store, f, models="snapshot")
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    con.close()
    for t in ("indicators", "summary", "assessments"):
        if t in tables:
            con = duckdb.connect(str(store), read_only=True)
            n = con.execute(f"SELECT count(*) FROM {t}").fetchone()
            con.close()
            assert n == (0,), t


def test_backtest_unknown_model(store: Path) -> None:
    with pytest.raises(AssessError, match="unknown model"):
        backtest(store, SHIPPED, models=["magic"])


def test_cli_backtest_table_and_json(store: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", str(store), "backtest", str(SHIPPED), "--radar", str(RADAR)])
    assert r.exit_code == 0, r.output
    assert "majority" in r.output and "age-only" in r.output and "confusion" in r.output
    r = runner.invoke(
        cli, ["--db", str(store), "backtest", str(SHIPPED), "--model", "snapshot", "--json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    (res,) = data.values()
    loto = res["protocols"][0]
    assert loto["protocol"] == "loto"
    assert [s["model"] for s in loto["scores"]] == ["snapshot", "majority", "age-only"]
    assert res["labels"] == load_labels(SHIPPED).height


def test_cli_backtest_needs_labels(store: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", str(store), "backtest"])
    assert r.exit_code != 0


def test_backtest_transfer_fits_on_the_other_label_set(store: Path, tmp_path: Path) -> None:
    test = tmp_path / "test.csv"
    test.write_text("technology,year,phase\nar,2015,trough\niot,2014,peak\n", encoding="utf-8")
    train = tmp_path / "train.csv"
    train.write_text(
        "technology,year,phase\nar,2016,slope\nvr,2015,slope\nquantum-computing,2014,trigger\n"
        "quantum-computing,2016,trigger\n",
        encoding="utf-8",
    )
    res = backtest(store, test, models="neighbours", train_labels=train)
    assert [s.model for s in res.scores] == ["neighbours", "majority", "age-only"]
    nb = res.predictions.filter(pl.col("model") == "neighbours")
    notes = dict(nb.select("subfield_id", "note").iter_rows())
    assert "fitted on the training labels: 3 rows of 2 other technologies" in notes["ar"]
    assert "4 rows of 3 other technologies" in notes["iot"]
    kept = backtest(
        store, test, models="neighbours", train_labels=train, exclude_same_technology=False
    )
    notes = dict(
        kept.predictions.filter(pl.col("model") == "neighbours")
        .select("subfield_id", "note")
        .iter_rows()
    )
    assert "4 rows of 3 technologies" in notes["ar"]


def test_cli_backtest_transfer(store: Path) -> None:
    runner = CliRunner()
    args = ["--db", str(store), "backtest", str(SHIPPED), "--radar", str(RADAR)]
    r = runner.invoke(cli, [*args, "--model", "neighbours", "--transfer", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert len(data) == 4
    assert f"{SHIPPED} (fitted on {RADAR})" in data
    for res in data.values():
        assert res["protocols"][0]["scores"][0]["model"] == "neighbours"
    r = runner.invoke(cli, ["--db", str(store), "backtest", str(SHIPPED), "--transfer"])
    assert isinstance(r.exception, AssessError) and "--transfer needs both" in str(r.exception)


def test_cli_assess_labelled_writes_assessments(store: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(store, db)
    tc.compute(db)
    runner = CliRunner()
    r = runner.invoke(
        cli,
        ["--db", str(db), "assess-labelled", "--labels", str(SHIPPED), "--radar", str(RADAR)],
    )
    assert r.exit_code == 0, r.output
    assert "assessed:" in r.output
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    models = con.execute("SELECT DISTINCT model FROM assessments").fetchall()
    reasons = con.execute(
        "SELECT reasons FROM assessments WHERE status = 'assessed' LIMIT 1"
    ).fetchone()
    con.close()
    assert models == [("neighbours",)]
    assert reasons is not None and "nearest: " in reasons[0]
    r = runner.invoke(cli, ["--db", str(db), "assess", "--model", "neighbours"])
    assert isinstance(r.exception, AssessError) and "assess-labelled --labels" in str(r.exception)
    r = runner.invoke(cli, ["--db", str(db), "assess-labelled"])
    assert r.exit_code != 0


# -- the library behind the commands ----------------------------------------------------------
def test_pipeline_backtest_runs_each_label_set_and_writes_predictions(
    store: Path, tmp_path: Path
) -> None:
    test = tmp_path / "test.csv"
    test.write_text("technology,year,phase\nar,2015,trough\niot,2014,peak\n", encoding="utf-8")
    out = tmp_path / "pred.csv"
    run = tc.backtest(store, test, radar=RADAR, model="neighbours", transfer=True, predictions=out)
    assert isinstance(run, tc.BacktestRun)
    assert list(run.results) == [
        str(test),
        str(RADAR),
        f"{test} (fitted on {RADAR})",
        f"{RADAR} (fitted on {test})",
    ]
    assert run.predictions == out
    written = pl.read_csv(out)
    assert written["labels"].unique(maintain_order=True).to_list() == list(run.results)
    assert written.height == sum(r.predictions.height for r in run.results.values())
    assert list(run.to_dict()) == list(run.results)
    assert [s.model for s in run.results[str(test)].scores] == [
        "neighbours",
        "majority",
        "age-only",
    ]


def test_pipeline_backtest_errors_speak_of_the_library(store: Path, tmp_path: Path) -> None:
    with pytest.raises(AssessError, match="give a labels CSV, a radar file, or both"):
        tc.backtest(store)
    with pytest.raises(AssessError, match="a transfer needs both a labels CSV and a radar file"):
        tc.backtest(store, SHIPPED, transfer=True)
    with pytest.raises(AssessError, match="does not exist") as e:
        tc.backtest(tmp_path / "none.duckdb", SHIPPED)
    assert e.value.needs == "store"  # type: ignore[attr-defined]
    with pytest.raises(AssessError, match="indicators of store .* have not been computed") as e:
        tc.assess_labelled(store, labels=SHIPPED)
    assert e.value.needs == "indicators"  # type: ignore[attr-defined]


def test_pipeline_assess_labelled_writes_only_when_asked(store: Path, tmp_path: Path) -> None:
    import shutil

    from techcurve.store import Meta
    from techcurve.store import assessments as stored

    db = tmp_path / "copy.duckdb"
    shutil.copy(store, db)
    tc.compute(db)
    frame = tc.assess_labelled(db, labels=SHIPPED, write=False)
    assert frame["model"].unique().to_list() == ["neighbours"]
    with Store.open(db, read_only=True) as st:
        assert not stored.has_assessments(st)
        assert stored.summary(st) is not None and stored.indicators(st) is not None
    again = tc.assess_labelled(db, labels=SHIPPED)
    assert again.equals(frame)
    with Store.open(db, read_only=True) as st:
        assert stored.has_assessments(st)
        assert st.get_meta(Meta.ASSESSED_MODEL) == "neighbours"
        params = json.loads(st.get_meta(Meta.ASSESSED_PARAMS) or "{}")
        assert params["labels"] == str(SHIPPED) and params["radar"] is None
        assert params["labelled_rows"] == load_labels(SHIPPED).height
        row = stored.subfield_rows(st, "ar", n_records=2)
        assert row is not None and row.subfield["subfield_id"] == "ar"
        assert [a["model"] for a in row.assessments] == ["neighbours"]
        assert row.summary["subfield_id"] == "ar" and len(row.sample_records) <= 2


def test_store_reads_what_the_assess_stage_needs(store: Path) -> None:
    from techcurve.store import assessments as stored

    with Store.open(store, read_only=True) as st:
        assert stored.missing_evidence_tables(st) == []
        ev = stored.evidence_tables(st)
        assert ev.subfields.height == st.count("subfields")
        assert ev.matches.height == st.count("matches")
        assert ev.count_matches.height == st.count("count_matches")
        assert ev.subfields["subfield_id"].is_sorted()
        assert stored.summary(st) is None and stored.indicators(st) is None
        assert not stored.has_assessments(st)
        assert "quantum-computing" in stored.similar_subfield_ids(st, "quantum")
        assert stored.subfield_rows(st, "nonesuch") is None


def test_training_labels_join_csv_and_radar() -> None:
    from techcurve.assess.label_learnt import radar_training_labels, training_labels

    subs = taxonomy_subfields()
    lab = training_labels(subs, SHIPPED, radar=RADAR)
    n_csv = load_labels(SHIPPED).height
    assert lab.height == n_csv + radar_labels(read_radar(RADAR), subs).height
    assert lab["row"].to_list() == list(range(1, lab.height + 1))
    with pytest.raises(AssessError, match="give a labels CSV, a radar file, or both"):
        training_labels(subs)
    with pytest.raises(AssessError, match="no blip name matched any sub-field query"):
        radar_training_labels(
            RADAR, subs.with_columns(pl.lit("nothing-matches-this").alias("query"))
        )


def test_cli_adds_the_command_to_a_library_error() -> None:
    from techcurve.assess import needing
    from techcurve.cli.assess_cmds import hint_command

    with pytest.raises(AssessError, match=r"^x: run `techcurve indicators` first$"), hint_command():
        raise needing("indicators", AssessError("x"))
    with pytest.raises(AssessError, match=r"^y$"), hint_command():
        raise AssessError("y")
    day = date(2021, 11, 24)
    with (
        pytest.raises(
            AssessError, match=r"^z: run `techcurve indicators --as-of 2021-11-24` first$"
        ),
        hint_command(),
    ):
        raise needing("indicators", AssessError("z"), as_of=day)
