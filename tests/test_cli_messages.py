"""What a user reads when something fails: one line from the text catalogue, in the language
TECHCURVE_LANG picks, naming the command to run when the library cannot; and exit codes that
only the entry point sets.

Errors are raised with their catalogue key (``StoreError.of("store.busy", path=…)``): ``str()``
is the English text, :meth:`TechcurveError.message` says it in Chinese too.
"""

from __future__ import annotations

import ast
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from techcurve.cli.app import _main
from techcurve.cli.common import SaidLogs
from techcurve.errors import (
    AssessError,
    IngestError,
    Phrase,
    QueryError,
    ReportError,
    StoreError,
    TaxonomyError,
    phrase,
)
from techcurve.taxonomy.model import load_taxonomy
from techcurve.taxonomy.query import parse_query, requalify
from techcurve.taxonomy.sheets import TaxonomyImportError

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "techcurve"
INFOQ = PACKAGE / "data" / "figures" / "infoq_2022.yaml"

# three or more English words in a row (the check of tests/test_text.py)
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}")


# -- errors that carry their key ----------------------------------------------------------


def test_an_error_made_from_a_key_is_english_and_says_itself_in_chinese() -> None:
    e = StoreError.of("store.busy", path="tc.duckdb", pid="42", seconds=5.0)
    assert str(e) == (
        "store tc.duckdb is busy: another process (PID 42) is writing to it; waited 5 s. Wait "
        "for it to finish, or wait longer with --wait SECONDS (config key store.wait_seconds)"
    )
    assert e.key == "store.busy" and e.fields == {"path": "tc.duckdb", "pid": "42", "seconds": 5.0}
    assert e.message("en") == str(e)
    assert e.message("zh") == (
        "存储 tc.duckdb 正忙：另一个进程（PID 42）正在写入它；已等待 5 秒。请等它结束，或用 --wait 秒数"
        "（配置项 store.wait_seconds）等得更久"
    )
    plain = StoreError("something else")
    assert plain.key is None and plain.message("zh") == "something else"


def test_phrases_and_errors_in_fields_are_said_in_the_same_language() -> None:
    where = phrase("audit.at_table", where="f.yaml", table="T2")
    assert isinstance(where, Phrase)
    e = ReportError.of("audit.no_parts", where=phrase("audit.at_total", where=where))
    assert str(e) == "f.yaml: table T2 total: no parts"
    assert e.message("zh") == "f.yaml：表 T2 合计：没有任何部分"


def test_where_an_error_is_is_said_in_its_language() -> None:
    e = IngestError.of("ingest.file_does_not_exist", path="x.csv", row=1204, column="申请日")
    assert (e.path, e.row, e.column) == ("x.csv", 1204, "申请日")
    assert str(e) == "x.csv row 1,204 column '申请日': file does not exist"
    assert e.message("zh") == "x.csv 第 1,204 行 列 '申请日'：文件不存在"
    t = TaxonomyError.of("taxonomy.file.empty", path="t.yaml", line=3, subfield="ar")
    assert str(t) == "t.yaml:3: sub-field 'ar': the taxonomy file is empty"
    assert t.message("zh") == "t.yaml:3：子领域 'ar'：分类体系文件为空"
    s = TaxonomyImportError.of(
        "taxonomy.import.empty", path="t.xlsx", sheet="subfields", row=4, column="B"
    )
    assert str(s) == "t.xlsx sheet 'subfields', row 4, column B: the file is empty"
    assert s.message("zh") == "t.xlsx 工作表 'subfields'，第 4 行，列 B：文件为空"


def test_a_query_error_keeps_its_key_when_placed_in_a_file() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("x AND (y")
    e = caught.value
    assert str(e) == (
        "expected a term or ')' (the '(' at column 7 is not closed) at column 9 of query 'x AND (y'"
    )
    placed = requalify(e, path="t.yaml", subfield="a", line=5)
    assert (placed.key, placed.column, placed.line) == ("taxonomy.query.unclosed", 9, 5)
    assert str(placed) == "t.yaml:5: sub-field 'a': " + str(e)
    assert placed.message("zh") == (
        "t.yaml:5：子领域 'a'：此处应有一个词项或 ')'（第 7 列的 '(' 没有闭合）（查询 'x AND (y' 第 9 列）"
    )


def test_library_errors_name_no_command(tmp_path: Path) -> None:
    from techcurve.store import Store

    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path / "none.duckdb")
    assert str(caught.value) == f"no store at {tmp_path / 'none.duckdb'}"
    with pytest.raises(TaxonomyError) as bad:
        load_taxonomy().subfield("nope")
    assert "`techcurve" not in str(bad.value)


def test_errors_of_analyst_files_say_themselves_in_chinese(tmp_path: Path) -> None:
    """Models, overrides and parsed values: the same error in English and, whole, in Chinese."""
    from techcurve.assess.overrides import load_overrides
    from techcurve.assess.registry import make_model

    with pytest.raises(AssessError) as unknown:
        make_model("magic")
    assert unknown.value.message("zh") == (
        "未知模型 'magic'（可选：snapshot, timeseries）；"
        "需用标注拟合的模型：neighbours, learnt（由标注评估全部子领域）"
    )
    path = tmp_path / "o.yaml"
    path.write_text(
        "overrides:\n  - id: ar\n    phase: hype\n    who: A\n    when: 2022-01-01\n    why: x\n",
        encoding="utf-8",
    )
    with pytest.raises(AssessError) as phase:
        load_overrides(path, known_ids={"ar"})
    assert (phase.value.line, phase.value.field) == (3, "phase")  # type: ignore[attr-defined]
    assert phase.value.message("zh") == (
        f"{path}:3：第 1 条覆盖（ar），字段 'phase'：未知的阶段 'hype'（应为以下之一："
        "trigger (技术萌芽期), peak (期望膨胀期), trough (泡沫破裂低谷期), slope (稳步爬升复苏期), "
        "plateau (生产成熟期)）"
    )
    with pytest.raises(AssessError) as unknown_id:
        load_overrides(path, known_ids={"arx"})
    assert str(unknown_id.value) == (
        f"{path}:2: override #1 (ar), field 'id': unknown sub-field id 'ar' (did you mean: arx?)"
    )
    assert unknown_id.value.message("zh") == (
        f"{path}:2：第 1 条覆盖（ar），字段 'id'：未知的子领域 ID 'ar'（是否指：arx？）"
    )


# -- what the CLI prints, in Chinese --------------------------------------------------------


def _zh(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """Run the entry point in-process with TECHCURVE_LANG=zh: exit code and stderr."""
    monkeypatch.setenv("TECHCURVE_LANG", "zh")
    monkeypatch.setattr(sys, "argv", ["techcurve", *args])
    capsys.readouterr()
    code = _main()
    return code, capsys.readouterr().err


def _english_left(line: str, tmp_path: Path) -> list[str]:
    """Runs of English words in ``line`` outside paths, `commands` and 'quoted ids'."""
    rest = line.replace(str(tmp_path) + "/", "")
    rest = re.sub(r"`[^`]*`|'[^']*'|\S+\.(?:duckdb|yaml|csv)", "", rest)
    return _ENGLISH_RUN.findall(rest)


def test_failing_commands_print_one_chinese_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad_query.yaml").write_text(
        'version: "1"\ndomains:\n  - {id: net, zh: 网络, en: Net}\nsubfields:\n'
        '  - {id: a, domain: net, zh: 甲, en: A, query: "x AND (y"}\n',
        encoding="utf-8",
    )
    (tmp_path / "bad_domain.yaml").write_text(
        'version: "1"\ndomains:\n  - {id: net, zh: 网络, en: Net}\nsubfields:\n'
        "  - {id: a, domain: nett, zh: 甲, en: A, terms: [x]}\n",
        encoding="utf-8",
    )
    assert _zh(monkeypatch, capsys, "--db", "s.duckdb", "init")[0] == 0
    expected = {
        ("--db", "none.duckdb", "match"): (
            5,
            "错误：none.duckdb 处没有存储：请先运行 `techcurve init`（或用 --db PATH 指定存储）",
        ),
        ("--db", "s.duckdb", "edition", "save", "current"): (
            7,
            "错误：'current' 留给尚未保存的评估结果：请另取一个版本名：请先运行 `techcurve assess`",
        ),
        ("audit", "--figures", "nope.yaml"): (
            7,
            "错误：nope.yaml 不存在：请给出报告的 .data.json 或数字 YAML 文件",
        ),
        ("taxonomy", "check", "bad_query.yaml"): (
            3,
            "错误：bad_query.yaml:5：子领域 'a'：此处应有一个词项或 ')'（第 7 列的 '(' 没有闭合）"
            "（查询 'x AND (y' 第 9 列）",
        ),
        ("taxonomy", "check", "bad_domain.yaml"): (
            3,
            "错误：bad_domain.yaml:5：子领域 'a'：未知的领域 'nett'（已知：net）",
        ),
        ("--db", "s.duckdb", "ingest", "nofile.csv"): (4, "错误：nofile.csv：文件不存在"),
        ("--db", "s.duckdb", "--memory-limit", "lots", "match"): (
            5,
            "错误：内存上限 'lots'（--memory-limit 或 TECHCURVE_MEMORY_LIMIT）不是 DuckDB 能理解的"
            "大小：请写成 2GB、512MB 或 4GiB 这样的形式",
        ),
    }
    for args, (code, line) in expected.items():
        got_code, err = _zh(monkeypatch, capsys, *args)
        assert (got_code, err) == (code, line + "\n"), args
        assert not _english_left(err, tmp_path), (args, err)


def test_the_english_run_check_can_fail(tmp_path: Path) -> None:
    assert _english_left(
        "错误：store x has no indicators：请先运行 `techcurve indicators`", tmp_path
    )
    assert not _english_left("错误：存储 'a b c' 中没有 `techcurve a b c`", tmp_path)


def test_the_cli_names_the_command_that_fixes_a_library_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TECHCURVE_LANG", raising=False)
    import duckdb

    monkeypatch.setattr(sys, "argv", ["techcurve", "--db", "s.duckdb", "init"])
    assert _main() == 0
    con = duckdb.connect("s.duckdb")
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    monkeypatch.setattr(sys, "argv", ["techcurve", "--db", "s.duckdb", "match"])
    capsys.readouterr()
    assert _main() == 5
    assert capsys.readouterr().err == (
        "error: s.duckdb has schema version 0, this techcurve needs 5: re-create the store: "
        "re-create it with `techcurve init --force`\n"
    )


def test_the_cli_fills_the_command_from_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TECHCURVE_LANG", raising=False)
    monkeypatch.setattr(sys, "argv", ["techcurve", "--db", "s.duckdb", "init"])
    assert _main() == 0
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(
        '{"files": [], "records": 0, "watermark": 0, "columns": ["record_id"]}', encoding="utf-8"
    )
    for parquet, line in (
        ("nope", "nope is not a techcurve Parquet export (no manifest.json): "
                 "run `techcurve export-parquet DIR` first"),
        ("old", "old was exported by an older techcurve (no column "),
    ):  # fmt: skip
        monkeypatch.setattr(
            sys, "argv", ["techcurve", "--db", "s.duckdb", "scale", "match", "--parquet", parquet]
        )
        capsys.readouterr()
        assert _main() == 5
        err = capsys.readouterr().err
        assert err.startswith("error: " + line), err
    assert err.endswith("): export it again: run `techcurve export-parquet old` again\n"), err


# -- exit codes ------------------------------------------------------------------------------


def test_only_the_entry_point_exits() -> None:
    exits = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("exit", "_exit")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("sys", "os")
            ):
                exits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert [e.split(":")[0] for e in exits] == ["cli/app.py"], exits  # its os._exit


def test_commands_that_report_by_exit_code_go_through_the_entry_point(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'version: "1"\ndomains:\n  - {id: net, zh: 网络, en: Net}\nsubfields:\n'
        "  - {id: a, domain: net, zh: 甲, en: A, terms: [x]}\n"
        "  - {id: a, domain: net, zh: 乙, en: B, terms: [y]}\n",
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "techcurve", *args], capture_output=True, text=True, timeout=120
        )

    assert run("audit", "--figures", str(INFOQ)).returncode == 1
    proc = run("taxonomy", "check", str(bad))
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_cli_says_the_phrases_the_library_logs_in_its_language() -> None:
    said = phrase("ingest.counts_no_totals", path="trends.json", totals="total_trends.json")
    record = logging.LogRecord(
        "techcurve.ingest", logging.WARNING, __file__, 1, said.say("en"), (), None
    )
    assert record.getMessage() == "trends.json: no totals file total_trends.json; totals left empty"
    record.phrase = said
    assert SaidLogs("zh").filter(record)
    assert record.getMessage() == "trends.json：没有总量文件 total_trends.json；总量留空"
    plain = logging.LogRecord("techcurve.x", logging.WARNING, __file__, 1, "%s left", ("x",), None)
    assert SaidLogs("zh").filter(plain) and plain.getMessage() == "x left"


def test_taxonomy_check_lists_its_findings_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.yaml").write_text(
        'version: "1"\ndomains:\n  - {id: net, zh: 网络, en: Net}\n  - {id: empty, zh: 空, en: Empty}\n'
        "subfields:\n  - {id: a, domain: net, zh: 甲, en: A, terms: [xr, yz]}\n"
        "  - {id: b, domain: net, zh: 乙, en: B, terms: [xr]}\n",
        encoding="utf-8",
    )
    assert _zh(monkeypatch, capsys, "taxonomy", "check", "w.yaml") == (0, "")
    monkeypatch.setattr(sys, "argv", ["techcurve", "taxonomy", "check", "--details", "w.yaml"])
    assert _main() == 0
    assert capsys.readouterr().out == (
        "警告：b：术语 'xr' 出现在 a 和 b 中\n"
        "警告：-：领域 'empty'（空）下没有子领域\n"
        "2 个领域中共 2 个子领域；0 个错误，2 个警告\n"
    )
    monkeypatch.setattr(sys, "argv", ["techcurve", "taxonomy", "check", "w.yaml"])
    assert _main() == 0
    assert capsys.readouterr().out == (
        "按类别统计的警告（--details 逐条列出）：\n"
        "      1  shared-term    一个术语被多个子领域使用\n"
        "      1  empty-domain   领域下没有子领域\n"
        "2 个领域中共 2 个子领域；0 个错误，2 个警告\n"
    )


# -- every key raised or logged exists, with the fields it needs -----------------------------

_WHERE = {
    "IngestError": {"path", "row", "column"},
    "TaxonomyError": {"path", "subfield", "line"},
    "UnknownSubfieldError": {"path", "subfield", "line"},
    "QueryError": {"path", "subfield", "line", "query", "column"},
    "TaxonomyImportError": {"path", "row", "column", "sheet", "subfield"},
}


def _keyed_calls() -> list[tuple[str, str, set[str] | None, set[str]]]:
    """(where, key, keyword names or None when ``**`` is passed, names taken as where) of
    every ``X.of("key", …)``, ``phrase("key", …)`` and ``fail("key", …)`` in the package."""
    calls = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            func, taken = node.func, set()
            if isinstance(func, ast.Attribute) and func.attr == "of":
                if isinstance(func.value, ast.Name):
                    taken = _WHERE.get(func.value.id, set())
            elif isinstance(func, ast.Name) and func.id == "phrase":
                pass
            elif (
                isinstance(func, ast.Attribute) and func.attr == "fail" and path.name == "model.py"
            ):
                taken = _WHERE["TaxonomyError"]
            else:
                continue
            names = {k.arg for k in node.keywords if k.arg}
            if any(k.arg is None for k in node.keywords):
                names = None
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            calls.append((where, node.args[0].value, names, taken))
    return calls


def test_every_key_raised_or_logged_exists_with_its_fields() -> None:
    from techcurve.cli.failures import FIXES
    from techcurve.text import catalogue, fields

    calls = _keyed_calls()
    assert len(calls) > 150  # the scan finds them
    problems = []
    for where, key, names, taken in calls:
        if key not in catalogue():
            problems.append(f"{where}: no key {key!r}")
            continue
        needed = fields(catalogue()[key]["en"])
        if needed & taken:
            problems.append(f"{where}: {key} fills {sorted(needed & taken)}, which say where")
        elif names is not None and not needed <= names - taken:
            problems.append(f"{where}: {key} lacks {sorted(needed - (names - taken))}")
    for key, (fix, commands) in FIXES.items():
        if key not in catalogue() or fix not in catalogue():
            problems.append(f"FIXES: {key} → {fix}")
        elif fields(catalogue()[fix]["en"]) != set(commands):
            problems.append(f"FIXES: {fix} fills {sorted(commands)}")
    assert not problems, "\n".join(problems)


def test_inspect_says_what_it_sees_in_chinese(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(__file__).parent / "data" / "ingest" / "itjuzi_invest_events_excerpt.xlsx"
    assert _zh(monkeypatch, capsys, "inspect", str(path), "-n", "1") == (0, "")
    monkeypatch.setattr(sys, "argv", ["techcurve", "inspect", str(path), "-n", "1"])
    assert _main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:5] == [
        "  格式      xlsx   编码 xlsx   分隔符 -",
        "  来源配置  itjuzi   类型 financing",
        "  列        date，location，label，company，money，rounds",
        "  说明      第 A 列没有表头，但其中是日期（例如 '2017.12.22'）：已命名为 'date'",
    ]
    assert lines[5] == (
        "  映射      title ← company，organization ← company，amount ← money，round ← rounds，"
        "venue ← =IT桔子，date ← date，sector ← label，abstract ← label"
    )
    assert lines[6] == "  未用的列  location（不会存入；要用它们请写映射文件，--mapping）"
    assert lines[8] == "前 1 条记录（按入库时的样子）："
