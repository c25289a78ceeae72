"""An analyst's own files and bad input (issue 17): Chinese and English headers, the
mapping shown and the columns left unused, files that store nothing, several files
stored together or not at all, mixed encodings, quotes, control characters, amounts
beyond belief, leftover staging folders and a store another process holds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from techcurve.cli.app import _main
from techcurve.errors import IngestError, StoreError
from techcurve.ingest import ingest_records, inspect_file, read_records
from techcurve.store import Store, init_store

DATA = Path(__file__).parent / "data" / "ingest"
AS_OF = date(2026, 11, 29)


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the entry point in-process: exit code, stdout and stderr."""
    monkeypatch.delenv("TECHCURVE_LANG", raising=False)
    monkeypatch.setattr(sys, "argv", ["techcurve", *args])
    capsys.readouterr()
    code = _main()
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(init_store(tmp_path / "tc.duckdb"))


# -- 1. Chinese and English headers ------------------------------------------------------------


def test_chinese_headers_are_read_by_the_generic_profile(db: str) -> None:
    ins = inspect_file(DATA / "own_headers_zh.csv", kind="article", n=1)
    assert (ins.profile, ins.mapping, ins.unused) == (
        "generic",
        (("title", "标题"), ("date", "日期"), ("source", "网站")),
        (),
    )
    with Store.open(db) as st:
        [s] = ingest_records(st, [DATA / "own_headers_zh.csv"], kind="article", as_of=AS_OF)
        assert (s.rows_read, s.stored, s.rejected, s.undated) == (30, 30, 0, 0)
        sources = st.sql("SELECT source, count(*) FROM records GROUP BY 1 ORDER BY 1").rows()
    assert sources == [("36kr", 10), ("huxiu", 10), ("sspai", 10)]


def test_an_id_column_is_the_record_id_and_unused_columns_are_said(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(DATA / "own_headers_en.csv")
    code, out, err = _cli(monkeypatch, capsys, "--db", db, "ingest", "--kind", "article", path)
    assert (code, err) == (0, "")
    said = " ".join(ln.strip() for ln in out.splitlines() if "│" not in ln and "━" not in ln)
    assert said.endswith(
        "own_headers_en.csv: records without a date: 1 (stored, but they count in no period) "
        "own_headers_en.csv: columns not used (not stored): note; a mapping file (--mapping) "
        "can use them"
    )
    with Store.open(db, read_only=True) as st:
        ids = [r for (r,) in st.sql("SELECT record_id FROM records ORDER BY record_id").rows()]
    assert ids == ["hn:n1", "hn:n2", "hn:n3", "hn:n4", "hn:n5", "hn:n6"]


def test_inspect_shows_the_mapping_and_the_unused_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(monkeypatch, capsys, "inspect", str(DATA / "own_headers_en.csv"), "-n", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[4:6] == [
        "  mapping   title ← title, date ← date, source ← site, source_id ← id",
        "  unused    note (not stored; a mapping file, --mapping, can use them)",
    ]


# -- 2. files that store nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("empty.csv", "the file is empty: no header and no records"),
        ("header_only.csv", "the file holds a header but no records"),
        (
            "every_row_rejected.csv",
            "every one of its 3 rows was rejected, nothing stored; the first ones (row: reason): "
            "2: no title: every record needs one (fill it in or drop the row); 3: the title is "
            "empty once spaces and control characters (such as NUL) are removed: every record "
            "needs one; 4: the title is empty once spaces and control characters (such as NUL) "
            "are removed: every record needs one",
        ),
    ],
)
def test_a_file_that_stores_nothing_exits_non_zero_with_one_line(
    db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    line: str,
) -> None:
    path = str(DATA / name)
    code, _, err = _cli(monkeypatch, capsys, "--db", db, "ingest", "--kind", "article", path)
    assert (code, err) == (4, f"error: {path}: {line}\n")


# -- 4. several files: all or none ---------------------------------------------------------------


def test_several_files_are_checked_before_any_is_stored(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(DATA / n) for n in ("own_headers_zh.csv", "header_only.csv", "random_bytes.xlsx")]
    code, _, err = _cli(monkeypatch, capsys, "--db", db, "ingest", "--kind", "article", *files)
    assert (code, err) == (
        4,
        "error: 2 of 3 files cannot be ingested (header_only.csv, random_bytes.xlsx), so none "
        "was stored (--keep-going stores the others); the first: "
        f"{files[1]}: the file holds a header but no records\n",
    )
    with Store.open(db, read_only=True) as st:
        assert (st.count("records"), st.count("ingest_log")) == (0, 0)
    code, out, err = _cli(
        monkeypatch, capsys, "--db", db, "ingest", "--kind", "article", "--keep-going", *files
    )
    assert (code, err) == (4, "")  # stored what could be, and says that not all was
    said = " ".join(ln.strip() for ln in out.splitlines() if "│" not in ln and "━" not in ln)
    assert said.endswith(
        "header_only.csv: skipped (--keep-going): the file holds a header but no records "
        "random_bytes.xlsx: skipped (--keep-going): not an XLSX workbook (it does not start "
        "with an XLSX file's ZIP signature): open it in Excel and save it as .xlsx, or give it "
        "its right extension"
    )
    with Store.open(db, read_only=True) as st:
        assert (st.count("records"), st.count("ingest_log")) == (30, 1)


def test_an_error_while_storing_the_second_file_leaves_the_first_unstored(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from techcurve.ingest import files as ingest_files

    insert = ingest_files.insert_staged_records
    calls: list[int] = []

    def second_fails(st: Store, scans: object, ingest_id: int) -> tuple[int, list[str]]:
        calls.append(ingest_id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C between the two files' inserts
        return insert(st, scans, ingest_id)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_files, "insert_staged_records", second_fails)
    files = [DATA / "own_headers_zh.csv", DATA / "own_headers_en.csv"]
    with Store.open(db) as st:
        with pytest.raises(KeyboardInterrupt):
            ingest_records(st, files, kind="article", as_of=AS_OF)
        assert (st.count("records"), st.count("ingest_log")) == (0, 0)


# -- 7. encodings, quotes, control characters, amounts ------------------------------------------


def test_a_line_in_another_encoding_is_rejected_alone_or_decoded_with_the_fallback() -> None:
    r = read_records(DATA / "mixed_encodings.csv", kind="article", as_of=AS_OF)
    assert (r.encoding, r.rows_read, r.frame.height) == ("utf-8", 11, 9)
    assert [(x.row, x.reason) for x in r.rejects] == [
        (10, "line 10 is not utf-8 text (byte 0xd0): re-save the file as utf-8, or decode such "
             "lines with --fallback-encoding (e.g. gb18030)"),
        (11, 'a quoted field goes on after its closing quote (like "closed"junk): under RFC '
             '4180 the whole field is quoted and quotes inside it are doubled ("")'),
    ]  # fmt: skip
    assert r.frame["title"][-1] == 'properly "quoted" title'
    assert "closedjunk" not in r.frame["title"].to_list()


def test_the_fallback_encoding_decodes_the_odd_line(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(DATA / "mixed_encodings.csv")
    args = ("--db", db, "ingest", "--kind", "article", "--fallback-encoding", "gb18030", path)
    code, out, err = _cli(monkeypatch, capsys, *args)
    assert (code, err) == (0, "")
    with Store.open(db, read_only=True) as st:
        titles = {t for (t,) in st.sql("SELECT title FROM records").rows()}
    assert "一行GBK标题" in titles and len(titles) == 10


def test_a_json_lines_file_rejects_or_decodes_its_odd_line(db: str) -> None:
    path = DATA / "mixed_encodings.jsonl"
    r = read_records(path, kind="article", as_of=AS_OF)
    assert (r.rows_read, r.frame.height) == (6, 5)
    assert [(x.row, x.reason) for x in r.rejects] == [
        (3, "line 3 is not utf-8 text (byte 0xd0): re-save the file as utf-8, or decode such "
            "lines with --fallback-encoding (e.g. gb18030)"),
    ]  # fmt: skip
    with Store.open(db) as st:
        [s] = ingest_records(st, [path], kind="article", as_of=AS_OF, fallback_encoding="gb18030")
        assert (s.stored, s.rejected) == (6, 0)
        assert st.one("SELECT count(*) FROM records WHERE title = '一行GBK标题'") == (1,)


def test_random_bytes_named_xlsx_are_not_a_workbook() -> None:
    with pytest.raises(IngestError) as e:
        read_records(DATA / "random_bytes.xlsx", kind="paper")
    assert e.value.message("zh") == (
        f"{DATA / 'random_bytes.xlsx'}：不是 XLSX 工作簿（文件不以 XLSX 的 ZIP 签名开头）：请在 "
        "Excel 中打开后另存为 .xlsx，或改成正确的扩展名"
    )


def test_amounts_above_the_ceiling_are_rejected_as_implausible(db: str) -> None:
    r = read_records(DATA / "implausible_amounts.csv", kind="financing", as_of=AS_OF)
    assert [(x.row, x.reason) for x in r.rejects] == [
        (2, "amount '99999999999999999999999999999999999999亿美元' is 6.9e+46 CNY, above the "
            "ceiling of 1e+13 CNY, so not plausible (the ceiling: --max-amount or the config "
            "key ingest.max_amount_cny)"),
    ]  # fmt: skip
    assert r.frame["amount_point_cny"].to_list() == [1e8, 2e12]
    low = read_records(
        DATA / "implausible_amounts.csv", kind="financing", as_of=AS_OF,
        config={"ingest": {"max_amount_cny": 1e12}},
    )  # fmt: skip
    assert [x.row for x in low.rejects] == [2, 4]


def test_the_max_amount_option_lowers_the_ceiling(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(DATA / "implausible_amounts.csv")
    code, _, err = _cli(monkeypatch, capsys, "--db", db, "ingest", "--max-amount", "1e12", path)
    assert (code, err) == (0, "")
    with Store.open(db, read_only=True) as st:
        assert [t for (t,) in st.sql("SELECT title FROM records").rows()] == ["乙智能"]


# -- 9. staging folders and a busy store ----------------------------------------------------------


def test_leftover_staging_folders_of_this_store_are_removed(db: str, tmp_path: Path) -> None:
    mine = tmp_path / ".techcurve-ingest-tc.duckdb-k1ll3d"
    older = tmp_path / ".techcurve-ingest-ab_12cde"  # as versions before 2026-12 named it
    theirs = tmp_path / ".techcurve-ingest-other.duckdb-x"
    for folder in (mine, older, theirs):
        folder.mkdir()
        (folder / "batch-000000.parquet").write_bytes(b"PAR1")
    with Store.open(db) as st:
        ingest_records(st, [DATA / "own_headers_zh.csv"], kind="article", as_of=AS_OF)
    assert not mine.exists() and not older.exists()
    assert theirs.exists()  # another store's: it may be ingesting right now
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".techcurve")) == [
        theirs.name
    ]


def _hold(db: str, read_only: bool) -> subprocess.Popen[str]:
    """A process that holds ``db`` until its stdin closes."""
    code = (
        "import sys, duckdb\n"
        f"c = duckdb.connect({db!r}, read_only={read_only})\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None and p.stdout.readline() == "held\n"
    return p


@pytest.mark.parametrize(("read_only", "doing"), [(True, "reading it"), (False, "writing to it")])
def test_a_busy_store_says_whether_the_other_process_reads_or_writes(
    db: str, read_only: bool, doing: str
) -> None:
    holder = _hold(db, read_only)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as e:
            Store.open(db, wait=0.6)
        waited = time.monotonic() - started
    finally:
        holder.communicate("")
    assert 0.6 <= waited < 5
    assert e.value.key == ("store.busy_reading" if read_only else "store.busy")
    assert str(e.value).startswith(
        f"store {db} is busy: another process (PID {holder.pid}) is {doing}"
    )
    assert str(e.value).endswith(
        "waited 0.6 s. Wait for it to finish, or wait longer with --wait SECONDS (config key "
        "store.wait_seconds)"
    )


def test_a_store_freed_while_waiting_is_opened(db: str) -> None:
    code = (
        "import time, duckdb\n"
        f"c = duckdb.connect({db!r}, read_only=True)\n"
        "print('held', flush=True)\n"
        "time.sleep(1.0)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        with Store.open(db, wait=30) as st:  # the reader lets go after a second
            assert st.count("records") == 0
        assert 0.3 < time.monotonic() - started < 30
    finally:
        holder.wait()


def test_the_wait_option_sets_how_long_a_command_waits(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold(db, read_only=False)
    try:
        code, _, err = _cli(monkeypatch, capsys, "--db", db, "match", "--wait", "0.3")
    finally:
        holder.communicate("")
    assert code == 5
    assert err.startswith(f"error: store {db} is busy: another process (PID {holder.pid}) is ")
    assert "waited 0.3 s." in err
    assert "TECHCURVE_WAIT" not in os.environ  # restored after the command
