"""One rejects file for record files and count files: the same columns, UTF-8 with a
BOM (so that Excel shows Chinese text), written by one writer."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from techcurve.ingest import Reject, ingest_records
from techcurve.ingest.counts import ingest_counts
from techcurve.ingest.rejects import REJECT_COLUMNS, write_rejects
from techcurve.store import Store, init_store

DATA = Path(__file__).parent / "data"
AS_OF = date(2026, 11, 29)


def _read(path: str) -> list[list[str]]:
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), path  # the BOM
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_record_and_count_rejects_files_have_the_bom_and_the_same_columns(
    tmp_path: Path,
) -> None:
    path = init_store(tmp_path / "tc.duckdb")
    with Store.open(path) as st:
        [records] = ingest_records(st, [DATA / "ingest" / "broken_rows.csv"], kind="paper",
                                   as_of=AS_OF)  # fmt: skip
        [counts] = ingest_counts(st, [DATA / "counts" / "long_broken.csv"])
    assert records.rejects_path and counts.rejects_path
    record_rows, count_rows = _read(records.rejects_path), _read(counts.rejects_path)
    assert record_rows[0] == count_rows[0] == list(REJECT_COLUMNS)
    assert (len(record_rows), len(count_rows)) == (1 + records.rejected, 1 + counts.rejected)
    assert all(len(r) == len(REJECT_COLUMNS) for r in record_rows + count_rows)


def test_write_rejects_writes_chinese_text_and_empty_cells(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.rejects.csv"
    rejects = [
        Reject("a.csv", 3, "日期", "2019年13月", "无效日期"),
        Reject("a.csv", 7, None, None, "x"),
    ]
    assert write_rejects(rejects, target) == target
    assert target.read_bytes() == (
        "\ufefffile,row,column,value,reason\r\na.csv,3,日期,2019年13月,无效日期\r\na.csv,7,,,x\r\n"
    ).encode("utf-8")
