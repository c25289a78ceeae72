"""The CLI end to end: init → ingest → match → indicators → assess → curve → report.

Runs the real console entry point in a subprocess on the small real files in
tests/data, and checks that bad input gets one clear line and a non-zero exit code.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

DATA = Path(__file__).parent / "data"


def run(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "techcurve", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"techcurve {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_json(db: Path, *args: str) -> object:
    return json.loads(run(db, "--json", *args).stdout)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that has been through every stage, built from tests/data."""
    tmp = tmp_path_factory.mktemp("cli")
    db = tmp / "tc.duckdb"
    run(db, "init")
    run(db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv"))
    run(
        db, "ingest-counts", "--profile", "hn-hiring", str(DATA / "cli" / "hn_hiring_quarterly.csv")
    )
    run(
        db,
        "ingest",
        "--kind",
        "financing",
        "--profile",
        "itjuzi",
        str(DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx"),
    )
    run(
        db,
        "ingest",
        "--kind",
        "article",
        "--mapping",
        "demo/mappings/ruanyf_weekly.yaml",
        str(DATA / "ingest" / "weekly_format_sample.csv"),
    )
    run(db, "match")
    run(db, "indicators", "--as-of", "2016-12-31")
    run(db, "assess")
    return db


def test_ingest_prints_what_happened_to_every_row(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    first = run_json(
        db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv")
    )
    assert [(s["rows_read"], s["stored"], s["duplicates"], s["rejected"]) for s in first] == [
        (480, 480, 0, 0)
    ]
    again = run_json(
        db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv")
    )
    assert [(s["rows_read"], s["stored"], s["duplicates"], s["rejected"]) for s in again] == [
        (480, 0, 480, 0)
    ]
    out = run(db, "ingest", "--kind", "paper", str(DATA / "ingest" / "broken_rows.csv")).stdout
    assert "read" in out and "stored" in out and "rejected" in out
    assert "rejected rows of broken_rows.csv:" in out


def test_match_links_records_and_count_series(demo_store: Path) -> None:
    res = run_json(demo_store, "match")
    assert res["subfields"] >= 130
    assert res["records"] == 20 + 19  # weekly sample + IT桔子 excerpt (one duplicate event)
    assert res["count_series"] > 0 and res["links"] > 0


def test_every_subfield_is_assessed_or_says_why_not(demo_store: Path) -> None:
    rows = run_json(demo_store, "assess")
    assert isinstance(rows, list) and len(rows) >= 130
    for r in rows:
        reasons = json.loads(r["reasons"])
        assert reasons, r["subfield_id"]
        if r["status"] == "insufficient":
            assert r["phase"] is None and r["position"] is None
        else:
            assert r["phase"] in {"trigger", "peak", "trough", "slope", "plateau"}
            assert 0.0 <= r["position"] <= 1.0
    assessed = {r["subfield_id"] for r in rows if r["status"] == "assessed"}
    # Papers, patents and Hacker News attention all exist for these in the test data.
    assert {"ar", "vr", "machine-learning"} <= assessed


def test_explain_shows_the_reasons_and_the_query(demo_store: Path) -> None:
    out = run(demo_store, "explain", "vr").stdout
    assert "query:" in out and "snapshot" in out
    res = run_json(demo_store, "explain", "vr")
    assert res["subfield"]["subfield_id"] == "vr"
    assert res["assessments"][0]["model"] == "snapshot"


def test_curve_and_report_are_written(demo_store: Path, tmp_path: Path) -> None:
    svg, png, html = tmp_path / "c.svg", tmp_path / "c.png", tmp_path / "r.html"
    run(demo_store, "curve", "-o", str(svg), "-o", str(png))
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run(demo_store, "report", "-o", str(html))
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text
    assert 'src="http' not in text and 'href="http' not in text


# --------------------------------------------------------------------------- bad input


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_no_store_yet(tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path / "none.duckdb", "match", check=False))
    assert "run `techcurve init` first" in line


def test_missing_input_file(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    line = one_line_error(
        run(db, "ingest", "--kind", "paper", str(tmp_path / "nope.csv"), check=False)
    )
    assert "nope.csv" in line


def test_mapping_naming_a_missing_column(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    proc = run(
        db,
        "ingest",
        "--kind",
        "article",
        "--mapping",
        str(DATA / "cli" / "bad_mapping.yaml"),
        str(DATA / "ingest" / "weekly_format_sample.csv"),
        check=False,
    )
    line = one_line_error(proc)
    assert "headline" in line and "weekly_format_sample.csv" in line


def test_unparseable_query_names_file_subfield_and_column(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    run(db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv"))
    line = one_line_error(
        run(db, "match", "--taxonomy", str(DATA / "taxonomy" / "bad_query.yaml"), check=False)
    )
    assert "bad_query.yaml:14" in line and "'edge'" in line and "column 14" in line


def test_empty_store_stages_say_what_to_run_first(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    assert "techcurve ingest" in one_line_error(run(db, "match", check=False))
    assert "techcurve match" in one_line_error(run(db, "indicators", check=False))
    assert "techcurve indicators" in one_line_error(run(db, "assess", check=False))
    assert "techcurve assess" in one_line_error(
        run(db, "curve", "-o", str(tmp_path / "c.svg"), check=False)
    )
    assert "techcurve assess" in one_line_error(
        run(db, "report", "-o", str(tmp_path / "r.html"), check=False)
    )


def test_unknown_output_format(demo_store: Path, tmp_path: Path) -> None:
    line = one_line_error(run(demo_store, "curve", "-o", str(tmp_path / "c.gif"), check=False))
    assert ".gif" in line


def test_every_command_has_help_text() -> None:
    from techcurve.cli import cli

    def walk(group: object, prefix: str = "") -> list[tuple[str, object]]:
        out = []
        for name, cmd in getattr(group, "commands", {}).items():
            out.append((prefix + name, cmd))
            out.extend(walk(cmd, prefix + name + " "))
        return out

    for name, cmd in walk(cli):
        assert getattr(cmd, "help", None), f"`techcurve {name}` has no help text"


def test_ingest_inspect_shows_the_records_and_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    out = run(
        db, "ingest", "--inspect", str(DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx")
    ).stdout
    assert "profile   itjuzi" in out
    assert "column A has no header but holds dates" in out
    assert "first 5 records as they would be stored" in out
    counts = run_json(
        db,
        "ingest-counts",
        "--dry-run",
        "--profile",
        "long-csv",
        str(DATA / "cli" / "counts_long.csv"),
    )
    assert counts[0]["stored"] == 480  # a dry run reports what it would store ...
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM records").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM counts").fetchall() == [
            (0,)
        ]  # ... and stores nothing
    finally:
        con.close()


def test_row_estimate_for_the_progress_bar_counts_line_ends(tmp_path: Path) -> None:
    from techcurve.cli.progress import estimate_rows

    lf = tmp_path / "a.csv"
    lf.write_bytes(b"h1,h2\n1,2\n3,4\n")
    cr = tmp_path / "b.csv"
    cr.write_bytes(b"h1,h2\r1,2\r3,4\r5,6\r")  # old-Mac line ends, like the Crunchbase export
    assert estimate_rows([str(lf)]) == 2
    assert estimate_rows([str(lf), str(cr)]) == 5
    assert estimate_rows([str(DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx")]) is None


def test_the_package_exposes_the_stages_as_functions() -> None:
    import techcurve
    import techcurve.assess  # a stage package must not shadow the pipeline's functions
    from techcurve import pipeline

    assert callable(pipeline.assess) and callable(pipeline.report)
    assert techcurve.pipeline is pipeline
    assert str(techcurve.parse_query("AR OR 增强现实")) == "AR OR 增强现实"
    assert set(techcurve.__all__) <= set(dir(techcurve))


def test_run_does_every_stage_in_one_command_as_the_stages_do(
    demo_store: Path, tmp_path: Path
) -> None:
    db = tmp_path / "tc.duckdb"
    run(db, "init")
    run(db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv"))
    run(
        db, "ingest-counts", "--profile", "hn-hiring", str(DATA / "cli" / "hn_hiring_quarterly.csv")
    )
    xlsx = DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx"
    run(db, "ingest", "--kind", "financing", "--profile", "itjuzi", str(xlsx))
    out = tmp_path / "out"
    res = run_json(
        db, "run", "--kind", "article", "--mapping", "demo/mappings/ruanyf_weekly.yaml",
        str(DATA / "ingest" / "weekly_format_sample.csv"), "--as-of", "2016-12-31", "-o", str(out),
    )  # fmt: skip
    assert isinstance(res, dict)
    assert list(res["seconds"]) == ["ingest", "match", "indicators", "assess", "curve", "report"]
    assert res["report"] == str(out / "report.html") and (out / "report.html").stat().st_size
    assert res["curve"] == [str(out / "curve.svg"), str(out / "curve.png")]
    assert all(Path(p).stat().st_size for p in res["curve"])
    [summary] = res["ingest"]
    assert summary["stored"] > 0 and res["match"]["links"] > 0
    # the same store as init → ingest → match → indicators → assess, stage by stage
    import duckdb

    same = {
        "matches": "SELECT * FROM matches ORDER BY ALL",
        "summary": "SELECT * EXCLUDE (as_of) FROM summary ORDER BY ALL",
        "assessments": "SELECT subfield_id, phase, position, years_band FROM assessments "
        "ORDER BY ALL",
    }
    with (
        duckdb.connect(str(db), read_only=True) as a,
        duckdb.connect(str(demo_store), read_only=True) as b,
    ):
        for name, sql in same.items():
            # (float sums may differ in the last bit: parallel aggregation order)
            assert_frame_equal(a.sql(sql).pl(), b.sql(sql).pl(), check_exact=False), name
    # again without files: nothing new to match, the outputs written again
    again = run_json(db, "run", "--as-of", "2016-12-31", "-o", str(out))
    assert isinstance(again, dict) and again["ingest"] == []
    assert again["match"]["mode"] == "incremental" and again["match"]["rematched_records"] == 0
    assert list(again["seconds"])[0] == "match"


def test_run_creates_the_store_and_says_when_there_is_no_curve_to_draw(tmp_path: Path) -> None:
    db, out = tmp_path / "new.duckdb", tmp_path / "out"
    titles = ["区块链存证系统", "边缘计算网关", "AR眼镜光学模组", "机器学习训练方法", "云原生容器编排",
              "5G专网基站", "联邦学习隐私计算"]  # fmt: skip
    csv = tmp_path / "patents.csv"
    csv.write_text(
        "source_id,kind,title,date\n"
        + "".join(f"p{i},patent,{t},2021-0{1 + i % 9}-01\n" for i, t in enumerate(titles * 3)),
        encoding="utf-8",
    )
    proc = run(db, "run", "--profile", "generic", str(csv), "-o", str(out))
    assert db.exists() and (out / "report.html").exists()
    assert "curve: not drawn, no sub-field has a position on it" in proc.stdout
    assert not (out / "curve.png").exists()
    assert "done in " in proc.stdout


def test_the_console_script_sets_polars_allocator_unless_the_user_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import techcurve.cli
    from techcurve import __main__ as console

    seen: list[str | None] = []
    monkeypatch.setattr(techcurve.cli, "main", lambda: seen.append(os.environ.get(KEY)))
    KEY = "_RJEM_MALLOC_CONF"
    monkeypatch.delenv(KEY, raising=False)
    console.main()
    monkeypatch.setenv(KEY, "dirty_decay_ms:0")
    console.main()
    assert seen == [console.POLARS_ALLOCATOR, "dirty_decay_ms:0"]


def test_importing_the_package_loads_no_polars() -> None:
    # (so that the console script's allocator setting comes first)
    code = "import sys, techcurve; print('polars' in sys.modules, techcurve.Store.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "Store"]


def test_a_run_s_progress_bar_starts_each_stage_without_the_last_one_s_count() -> None:
    from rich.console import Console
    from rich.progress import Progress

    from techcurve.cli.progress import Bar, CountColumn

    with Progress(console=Console(file=io.StringIO())) as progress:
        bar = Bar(progress, progress.add_task("ingest", total=None))
        bar(120, 200)
        bar.stage("match")
        shown = [t for t in progress.tasks if t.visible]
        assert [(t.description, t.total, t.completed) for t in shown] == [("match", None, 0)]
        assert CountColumn().render(shown[0]).plain == ""
        assert [t.completed for t in progress.tasks if not t.visible] == [120]


# --------------------------------------------------------------------------- library API


def test_status_follows_the_store_through_the_stages(tmp_path: Path, demo_store: Path) -> None:
    from techcurve.pipeline import StoreStatus, status

    db = tmp_path / "tc.duckdb"
    assert status(db) == StoreStatus(False, False, False, False, False)
    run(db, "init")
    assert status(db) == StoreStatus(True, False, False, False, False)
    run(db, "ingest-counts", "--profile", "long-csv", str(DATA / "cli" / "counts_long.csv"))
    assert status(db) == StoreStatus(True, True, False, False, False)
    run(db, "match")
    assert status(db) == StoreStatus(True, True, True, False, False)
    assert status(demo_store) == StoreStatus(True, True, True, True, True)


def test_editions_and_exports_through_the_library(demo_store: Path, tmp_path: Path) -> None:
    import shutil

    from techcurve import pipeline as tc

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_store, db)
    placed = sum(
        1 for r in run_json(db, "assess") if r["status"] == "assessed" and r["position"] is not None
    )
    info = tc.save_edition(db, "e1")
    assert (info.name, info.model, info.subfields, info.as_of) == ("e1", "snapshot", placed,
                                                                   "2016-12-31")  # fmt: skip
    assert tc.list_editions(db) == [info]
    same = tc.diff(db, "e1")
    assert (same.old, same.new, same.threshold, same.changed) == ("e1", "current", 0.05, False)
    assert tc.diff(db, "e1", threshold=0.5).threshold == 0.5
    assert tc.delete_edition(db, "e1") == tc.DeletedEdition(name="e1", subfields=placed)
    assert tc.list_editions(db) == []
    out = tc.export_json(db, tmp_path / "a.json")
    assert out == tc.Exported(kind="json", path=tmp_path / "a.json")
    written = json.loads(out.path.read_text(encoding="utf-8"))
    assert (written["as_of"], written["model"]) == ("2016-12-31", "snapshot")
    assert len(written["assessments"]) == len(run_json(db, "assess"))
    radar = tc.export_byor(db, tmp_path / "radar.csv", lang="en")
    assert radar.kind == "byor"
    assert radar.path.read_text(encoding="utf-8").splitlines()[0] == (
        "name,ring,quadrant,isNew,description"
    )


def test_audit_and_inspect_through_the_library() -> None:
    from techcurve import pipeline as tc
    from techcurve.audit import audit_file

    figures = Path(__file__).parent.parent / "src/techcurve/data/figures/infoq_2022.yaml"
    res = tc.audit(figures)
    assert res == audit_file(figures)
    assert (res.tables, res.claims, res.failed) == (6, 5, True)
    ins = tc.inspect(DATA / "ingest" / "itjuzi_invest_events_excerpt.xlsx", n=2)
    assert (ins.format, ins.profile, ins.kind, ins.records.height) == (
        "xlsx", "itjuzi", "financing", 2,
    )  # fmt: skip


# --------------------------------------------------------------------------- messages


def test_errors_name_the_command_that_makes_what_the_store_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library error speaks of the library; the CLI adds the command to run."""
    from click.testing import CliRunner

    from techcurve import pipeline
    from techcurve.cli import cli
    from techcurve.cli.failures import error_line
    from techcurve.errors import AssessError, IngestError

    db = tmp_path / "tc.duckdb"
    run(db, "init")

    def no_indicators(*args: object, **kwargs: object) -> None:
        raise AssessError(f"store {db} has no indicators")

    monkeypatch.setattr(pipeline, "assess", no_indicators)
    res = CliRunner().invoke(cli, ["--db", str(db), "assess"])
    assert isinstance(res.exception, AssessError)  # the library's error, unchanged
    assert str(res.exception) == f"store {db} has no indicators"
    assert error_line(res.exception, "en") == (
        f"error: store {db} has no indicators: run `techcurve indicators` first"
    )
    with monkeypatch.context() as m:
        m.setenv("TECHCURVE_LANG", "zh")
        res = CliRunner().invoke(cli, ["--db", str(db), "assess"])
        assert error_line(res.exception, "zh") == (
            f"错误：store {db} has no indicators：请先运行 `techcurve indicators`"
        )
    res = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "assess"])
    assert error_line(res.exception, "en") == (
        f"error: store {db} has no indicators: run `techcurve init` first (or pass --db PATH)"
    )

    def bad_file(*args: object, **kwargs: object) -> None:
        raise IngestError("file does not exist", path="x.csv")

    # not something a stage makes (`ingest` calls ingest_and_match, which ingests alone
    # without --taxonomy)
    monkeypatch.setattr(pipeline, "ingest_and_match", bad_file)
    res = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.duckdb"), "ingest", "x.csv"])
    assert error_line(res.exception, "en") == "error: x.csv: file does not exist"


def test_next_steps_per_need() -> None:
    from techcurve.cli.failures import NEEDS, next_step
    from techcurve.pipeline import StoreStatus

    empty = StoreStatus(True, False, False, False, False)
    assert next_step("store", empty, "en") is None
    assert next_step("records", empty, "en") == (
        "run `techcurve ingest` or `techcurve ingest-counts` first"
    )
    assert next_step("matched", empty, "en") == "run `techcurve match` first"
    assert next_step("indicators", empty, "zh") == "请先运行 `techcurve indicators`"
    assert next_step("assessments", empty, "en") == "run `techcurve assess` first"
    assert next_step("assessments", StoreStatus(True, True, True, True, True), "en") is None
    from techcurve.cli import cli

    def paths(group: object, prefix: str = "") -> set[str]:
        out = set()
        for name, cmd in getattr(group, "commands", {}).items():
            out |= paths(cmd, prefix + name + " ") if hasattr(cmd, "commands") else {prefix + name}
        return out

    assert set(NEEDS) <= paths(cli)


def test_messages_in_chinese_with_techcurve_lang(tmp_path: Path) -> None:
    db = tmp_path / "tc.duckdb"
    env = {**os.environ, "TECHCURVE_LANG": "zh", "COLUMNS": "300"}  # (no wrapping)

    def zh(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "techcurve", "--db", str(db), *args],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip

    assert zh("init").stdout.strip() == f"存储已就绪：{db}"
    assert zh("edition", "list").stdout.strip() == "尚未保存任何版本：`techcurve edition save NAME`"
    proc = zh("--db", str(tmp_path / "none.duckdb"), "edition", "list")
    assert proc.returncode == 5
    assert proc.stderr.startswith("错误：")
    assert run(db, "edition", "list").stdout.strip() == (
        "no editions saved yet: `techcurve edition save NAME`"
    )


def test_dates_on_the_command_line() -> None:
    from datetime import date

    import click

    from techcurve.cli.common import parse_date

    assert parse_date("2016-12-31") == date(2016, 12, 31)
    assert parse_date("2016") == date(2016, 12, 31)
    assert parse_date(None) is None
    with pytest.raises(click.BadParameter, match=r"'20x' is not a date \(expected YYYY-MM-DD"):
        parse_date("20x")


def test_the_help_lists_the_exit_codes() -> None:
    from click.testing import CliRunner

    from techcurve.cli import cli

    out = CliRunner().invoke(cli, ["--help"]).output
    assert "Exit codes:" in out and "5    the store is missing" in out
    assert "TECHCURVE_LANG=zh" in out
