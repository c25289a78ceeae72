"""Issue 17, a newcomer's run: an articles-only store runs to a report, global options
after the command, ``explain`` after an expert placement imported from YAML with record
titles that look like Rich markup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from techcurve.cli import cli
from techcurve.cli.app import hoist_global_options

DATA = Path(__file__).parent / "data"
TITLES = DATA / "newcomer" / "hotlist_titles.csv"


def tc(*args: str, code: int = 0) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == code, (r.output, r.exception)
    return r.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["match", "--json", "--db", "x"], ["--json", "--db", "x", "match"]),
        (["--db", "x", "match", "-q"], ["-q", "--db", "x", "match"]),
        (["experts", "list", "--db=x", "-v"], ["--db=x", "-v", "experts", "list"]),
        # a command's own option stays its own
        (["explain", "vr", "--lang", "zh", "--json"], ["--json", "explain", "vr", "--lang", "zh"]),
        (["inspect", "f.csv", "--json"], ["inspect", "f.csv", "--json"]),
        (["taxonomy", "check", "--db", "s"], ["taxonomy", "check", "--db", "s"]),
        (["run", "a.csv", "--", "-q"], ["run", "a.csv", "--", "-q"]),
        (["--help"], ["--help"]),
    ],
)
def test_global_options_are_hoisted_before_the_command(
    args: list[str], expected: list[str]
) -> None:
    assert hoist_global_options(cli, args) == expected


def test_match_takes_json_and_db_after_the_command(assessed_db: Path) -> None:
    out = json.loads(tc("match", "--json", "--db", str(assessed_db)))
    assert (out["records"], out["subfields"], out["mode"]) == (19, 167, "incremental")
    assert tc("match", "-q", "--db", str(assessed_db)) == ""


def test_lang_after_the_command_says_the_error_in_chinese(tmp_path: Path) -> None:
    store = tmp_path / "no.duckdb"
    for lang, said in (("zh", f"错误：{store} 处没有存储"), ("en", f"error: no store at {store}")):
        proc = subprocess.run(
            [sys.executable, "-m", "techcurve", "match", "--lang", lang, "--db", str(store)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 5
        assert proc.stderr.startswith(said), proc.stderr


OVERRIDES = """\
overrides:
  - id: vr
    phase: trough
    position: 0.455
    years: "2-5"
    who: Li Wei
    when: 2026-07-01
    why: "headsets [/red] sell [bold]x"
"""


def test_explain_after_experts_import_shows_model_and_final_and_prints_titles_as_is(
    assessed_db: Path, tmp_path: Path
) -> None:
    db = str(assessed_db)
    titles = tmp_path / "tricky.csv"
    titles.write_text(
        "title,date,venue\nWhy [/red] VR [bold]x headsets [article] failed,2016-05-01,36kr\n",
        encoding="utf-8",
    )
    tc("ingest", str(titles), "--kind", "article", "--db", db, "-q")
    tc("match", "--db", db, "-q")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(OVERRIDES, encoding="utf-8")
    said = tc("experts", "import", str(overrides), "--db", db)
    assert " ".join(said.split()) == f"{overrides}: 1 expert placements, 1 new"
    out = tc("explain", "vr", "--lang", "en", "--db", db)
    lines = [line for line in out.splitlines() if not line.startswith("  •")]
    assert lines[3:] == [
        "snapshot (model): Innovation Trigger, position 0.120, years to plateau more than 10 "
        "years, confidence 0.94",
        "  final (expert override): Trough of Disillusionment, position 0.455, years to "
        "plateau 2 to 5 years",
        "  expert Li Wei (2026-07-01): headsets [/red] sell [bold]x",
        "",
        "records behind it:",
        "  2016-05-01 [article] Why [/red] VR [bold]x headsets [article] failed (generic) ← VR",
    ]


def test_an_articles_only_store_runs_to_a_report(tmp_path: Path) -> None:
    db, out = str(tmp_path / "a.duckdb"), tmp_path / "out"
    said = " ".join(tc("run", str(TITLES), "--kind", "article", "-o", str(out), "--db", db).split())
    assert "assessed: insufficient evidence 167" in said
    assert "curve: not drawn, no sub-field has a position on it" in said
    assert (out / "report.html").is_file()
    explained = json.loads(tc("explain", "humanoid-robots", "--json", "--db", db))
    (row,) = explained["assessments"]
    assert row["status"] == "insufficient"
    assert row["reasons_text"] == [
        "no patents and no papers matched: maturity cannot be judged (check the sub-field's "
        "query or ingest patents/papers)"
    ]
