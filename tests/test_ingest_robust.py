"""Nothing lost, nothing half-written: every reader on random bytes and random malformed
records raises only IngestError naming the file (or accounts for every row); an error
or Ctrl-C mid-file leaves the store as it was; amount settings and amount statistics;
the ``techcurve inspect`` command."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.cli import cli
from techcurve.errors import ConfigError, IngestError
from techcurve.ingest import AmountCounts, amount_stats, ingest_records, read_records, readers
from techcurve.ingest.money import USD_CNY, money_config, parse_amount
from techcurve.store import Store

DATA = Path(__file__).parent / "data" / "ingest"
AS_OF = date(2026, 11, 29)
#: The readers' fuzz budget, examples per test: small in `make test`, large in `make fuzz`
#: (TECHCURVE_FUZZ_EXAMPLES=3000). Derandomized: the same examples on every run, so a
#: failure is reproduced by running the test again.
FUZZ_EXAMPLES = int(os.environ.get("TECHCURVE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(p: Path, kind: str = "paper") -> None:
    """Reading ``p`` either accounts for every row or raises IngestError naming ``p``."""
    try:
        r = read_records(p, kind=kind, as_of=AS_OF)
    except IngestError as e:
        assert e.path == str(p), e
        assert str(e).startswith(str(p))
        return
    assert r.rows_read == r.frame.height + r.duplicates + len(r.rejects)
    assert all(x.path == str(p) for x in r.rejects)


# -- random bytes behind each format's signature -------------------------------------------

_SIGNATURES = {
    "fuzz.csv": b"title,date\n",
    "fuzz.tsv": b"title\tdate\n",
    "fuzz.jsonl": b'{"title": "a"}\n',
    "fuzz.json": b"[",
    "fuzz.xlsx": b"PK\x03\x04",
    "fuzz.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    "fuzz.parquet": b"PAR1",
    "fuzz.net": b"{Reference Type}: Journal Article\n",
    "fuzz.ris": b"TY  - JOUR\n",
    "fuzz_wos.txt": b"FN Clarivate Analytics Web of Science\nPT J\n",
    "fuzz_endnote.txt": b"%0 Journal Article\n",
    "fuzz_refworks.txt": b"RT Journal Article\n",
    "fuzz_estudy.txt": "DataType: 1\nTitle-题名: x\n".encode(),
}


@pytest.mark.parametrize("name", list(_SIGNATURES))
def test_random_bytes_per_reader(tmp_path: Path, name: str) -> None:
    @FUZZ
    @given(st.binary(max_size=300))
    def run(data: bytes) -> None:
        p = tmp_path / name
        p.write_bytes(_SIGNATURES[name] + data)
        _check(p)

    run()


# -- random malformed records per tagged format ----------------------------------------------

_LINES = {
    "ris": ["TY  - JOUR", "TY  - PAT", "TI  - 深度学习", "PY  - 2019", "PY  - 2989", "DA  - 2020/13/01/",
            "KW  - a;;b", "ER  - ", "ER  -", "junk", "  - x", "AB  -", "DO  - 10.1/x", "IS  - CN1A"],
    "wos": ["PT J", "PT P", "TI Edge AI", "   continued", "PY 2021", "PD DEC 45", "PD FOO",
            "UT WOS:1", "ER", "EF", "DE a; b", "C1 [x] Univ", "zz"],
    "endnote": ["%0 Journal Article", "%0 Patent", "%T 区块链", "%D 2020", "%8 2020-02-31", "",
                "%K a;b", "%@ CN123456A", "junk", "%"],
    "refworks": ["RT Journal Article", "RT Patent", "T1 云原生", "YR 2021", "FD 2021-13-01", "",
                 "K1 a;;b", "ID CN1234567A", "x"],
    "estudy": ["DataType: 1", "Title-题名: 数字孪生", "Year-年: 2021", "PubTime-出版时间: 2021-02-30",
               "Link-链接: https://x/?FileName=A1", "Link-链接: ::://", "Keyword-关键词: a;;b",
               "SrcDatabase-来源库: 专利", "继续", ""],
}  # fmt: skip
_SUFFIX = {"ris": ".ris", "wos": ".ciw", "endnote": ".enw", "refworks": ".txt", "estudy": ".txt"}


@pytest.mark.parametrize("fmt", list(_LINES))
def test_malformed_tagged_records(tmp_path: Path, fmt: str) -> None:
    @FUZZ
    @given(st.lists(st.sampled_from(_LINES[fmt]), max_size=30))
    def run(lines: list[str]) -> None:
        p = tmp_path / f"fuzz_{fmt}{_SUFFIX[fmt]}"
        p.write_text(_LINES[fmt][0] + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        _check(p)

    run()


# -- random malformed CSV lines: encodings, quotes, control characters -------------------------

_CSV_LINES = [
    "标题一,2020-01-01".encode(), "标题二,2020-13-01".encode(), "GBK行,2021".encode("gbk"),
    b'"closed"junk,2020', b'"ok ""quoted""",2020', b'"open quote,2020', b"stray\"quote,2020",
    b"\x00\x00,2020", b" \t ,2020", b"one field", b"a,b,c", b"\xff\xfe\xfd,2020", b"",
    "\u200b,2020".encode(), b"tail\r", "标题三,2022年3月".encode(),
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(_CSV_LINES), max_size=40), st.sampled_from([b"\n", b"\r\n"]))
def test_malformed_csv_lines(tmp_path: Path, lines: list[bytes], eol: bytes) -> None:
    p = tmp_path / "fuzz_lines.csv"
    p.write_bytes(b"title,date" + eol + eol.join(lines) + eol)
    _check(p)
    try:
        r = read_records(p, kind="paper", as_of=AS_OF, encoding="utf-8")
    except IngestError:
        return
    assert all("\x00" not in t for t in r.frame["title"].to_list())
    assert "closedjunk" not in r.frame["title"].to_list()


_cells = st.one_of(
    st.none(), st.integers(-10, 10**6), st.floats(allow_nan=True), st.booleans(),
    st.text(st.sampled_from(list("ab 2019-13年月.,;数千万亿元US$")), max_size=12),
    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers()),
)  # fmt: skip


@FUZZ
@given(st.lists(st.one_of(_cells, st.dictionaries(
    st.sampled_from(["公司", "金额", "轮次", "时间", "title", "x"]), _cells, max_size=5)),
    max_size=8))  # fmt: skip
def test_malformed_json_arrays(tmp_path: Path, items: list[object]) -> None:
    p = tmp_path / "fuzz.json"
    p.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    _check(p, kind="financing")


@FUZZ
@given(st.lists(st.lists(_cells, min_size=1, max_size=7), max_size=6))
def test_malformed_xlsx_rows(tmp_path: Path, rows: list[list[object]]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["申请号", "名称", "申请日", "摘要"])
    for r in rows:
        ws.append([json.dumps(c) if isinstance(c, list | dict) else c for c in r])
    p = tmp_path / "fuzz.xlsx"
    wb.save(p)
    _check(p, kind="patent")


# -- nothing half-written ---------------------------------------------------------------------


def _big_csv(tmp_path: Path) -> Path:
    p = tmp_path / "papers.csv"
    p.write_text(
        "title,date\n" + "".join(f"paper {i},2020-01-{1 + i % 28:02d}\n" for i in range(40)),
        encoding="utf-8",
    )
    return p


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_interrupt_mid_file_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: type[BaseException]
) -> None:
    ingest_records(store, [DATA / "utf8_bom_articles.csv"], kind="article", as_of=AS_OF)
    before = store.table("records").sort("record_id")
    monkeypatch.setattr(readers, "BATCH_ROWS", 10)
    calls: list[int] = []

    def progress(n: int) -> None:
        calls.append(n)
        if len(calls) == 2:
            raise exc("stop")

    with pytest.raises(exc):
        ingest_records(store, [_big_csv(tmp_path)], kind="paper", as_of=AS_OF, progress=progress)
    assert calls == [10, 10]
    assert store.table("records").sort("record_id").equals(before)
    assert store.count("ingest_log") == 1
    assert not list(tmp_path.glob(".techcurve-ingest-*"))  # the staging files are gone


def test_failure_while_storing_rolls_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import techcurve.ingest.files as ingest_files

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_files, "write_rejects", boom)  # runs inside the transaction
    with pytest.raises(KeyboardInterrupt):
        ingest_records(store, [DATA / "broken_rows.csv"], kind="paper", as_of=AS_OF)
    assert store.count("records") == 0 and store.count("ingest_log") == 0
    monkeypatch.undo()
    # the store is usable afterwards, and the memory limit is restored
    [s] = ingest_records(store, [DATA / "broken_rows.csv"], kind="paper", as_of=AS_OF)
    assert (s.stored, s.rejected) == (6, 6)
    assert store.one("SELECT current_setting('memory_limit')") != ("488.2 MiB",)


def test_many_batches_into_the_store_keep_file_order_and_dedupe(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "BATCH_ROWS", 7)
    p = tmp_path / "dups.csv"
    p.write_text(
        "source_id,title\n" + "".join(f"{i % 12},t{i}\n" for i in range(30)), encoding="utf-8"
    )
    [s] = ingest_records(store, [p], kind="paper", as_of=AS_OF)
    assert (s.rows_read, s.stored, s.duplicates) == (30, 12, 18)
    got = store.sql("SELECT source_id, title FROM records ORDER BY rowid").rows()
    assert got == [(str(i), f"t{i}") for i in range(12)]  # the first occurrence wins


# -- amounts: settings and statistics ------------------------------------------------------------


def test_money_config_changes_vague_words_and_rates() -> None:
    cfg = money_config({
        "vague_amounts": {"several": {"low": 2, "high": 9, "point": 4}},
        "fx_rates": {"USD": {2017: 7.0}},
        "hkd_per_usd": 7.8,
    })  # fmt: skip
    a = parse_amount("数千万人民币", config=cfg)
    assert (a.low_cny, a.point_cny, a.high_cny) == (2e7, 4e7, 9e7)  # type: ignore[union-attr]
    assert parse_amount("US$1M", year=2017, config=cfg).point_cny == 7e6  # type: ignore[union-attr]
    assert parse_amount("HK$7.8M", year=2017, config=cfg).point_cny == pytest.approx(7e6)  # type: ignore[union-attr]
    assert parse_amount("US$1M", year=2018, config=cfg).point_cny == USD_CNY[2018] * 1e6  # type: ignore[union-attr]
    assert money_config(None).rate("USD", 2017) == USD_CNY[2017]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"vague_amounts": {"lots": {"low": 1, "high": 2, "point": 1}}}, "unknown wording"),
        ({"vague_amounts": {"over": {"low": 3, "high": 2, "point": 1}}}, "low <= point <= high"),
        ({"vague_amounts": {"over": [1, 2]}}, "must be {low"),
        ({"fx_rates": {"EUR": {2020: 7.9}}}, "only USD and HKD"),
        ({"fx_rates": {"USD": {"x": 7}}}, "is not year: rate"),
        ({"fx_rates": {"USD": {2020: -1}}}, "must be positive"),
        ({"hkd_per_usd": "peg"}, "must be a number"),
    ],
)
def test_money_config_errors(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        money_config(section)


def test_ingest_uses_the_config_section(store: Store) -> None:
    cfg = {"ingest": {"vague_amounts": {"nearly": {"low": 0.5, "high": 1, "point": 0.7}}}}
    r = read_records(DATA / "financing.jsonl", kind="financing", as_of=AS_OF, config=cfg)
    row = r.frame.filter(r.frame.get_column("amount_text") == "近亿元").row(0, named=True)
    assert (row["amount_low_cny"], row["amount_point_cny"]) == (5e7, 7e7)
    [s] = ingest_records(store, [DATA / "financing.jsonl"], kind="financing", as_of=AS_OF,
                         config=cfg)  # fmt: skip
    assert store.one("SELECT amount_point_cny FROM records WHERE amount_text = '近亿元'") == (7e7,)
    assert s.stored == r.frame.height


def test_amount_stats_per_source(store: Store) -> None:
    ingest_records(store, [DATA / "itjuzi_invest_events_excerpt.xlsx"], kind="financing",
                   as_of=AS_OF)  # fmt: skip
    ingest_records(store, [DATA / "crunchbase_rounds_excerpt.csv"], kind="financing", as_of=AS_OF)
    ingest_records(store, [DATA / "gbk_papers.csv"], kind="paper", as_of=AS_OF)
    stats = amount_stats(store)
    crunchbase = stats.sources["crunchbase"]
    assert crunchbase == AmountCounts(events=13, exact=12, vague=0, undisclosed=1)
    assert (crunchbase.vague_share, crunchbase.undisclosed_share) == (0.0, round(1 / 13, 4))
    it = stats.sources["itjuzi"]
    assert (it.events, it.exact + it.vague + it.undisclosed) == (19, 19)
    assert it.vague > 0 and it.undisclosed > 0
    assert list(stats.sources) == ["crunchbase", "itjuzi"]
    assert stats.total == AmountCounts(32, 12 + it.exact, it.vague, 1 + it.undisclosed)
    assert stats.total.events == 32  # papers are not financing events
    assert amount_stats(store, where="source = 'none'").total.vague_share is None


# -- techcurve inspect ------------------------------------------------------------------------------


def test_cli_inspect_json_and_text(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["inspect", str(DATA / "ris_export.ris"), "--json", "-n", "2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert (data["format"], data["encoding"], data["profile"]) == ("ris", "utf-8", "ris")
    assert [r["record_id"] for r in data["records"]] == [
        "ris:doi:10.11897/sp.j.1016.2020.00801", "ris:doi:10.5555/jeml.2021.017",
    ]  # fmt: skip
    assert data["records"][0]["date"] == "2020-01-01"
    res = runner.invoke(cli, ["inspect", str(DATA / "itjuzi_invest_events_excerpt.xlsx")])
    assert res.exit_code == 0, res.output
    assert "profile   itjuzi" in res.output
    assert "named it 'date'" in res.output
    assert "1亿美元" in res.output and "post-ipo" in res.output
    res = runner.invoke(cli, ["--json", "inspect", str(DATA / "utf16le_nobom.csv")])
    assert json.loads(res.output)["encoding"] == "utf-16-le"
    bad = tmp_path / "x.csv"
    shutil.copy(DATA / "gbk_papers.csv", bad)
    res = runner.invoke(cli, ["inspect", str(bad), "--encoding", "klingon"])
    assert res.exit_code != 0
