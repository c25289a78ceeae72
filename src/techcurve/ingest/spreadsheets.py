"""Spreadsheet readers: XLSX (openpyxl) and XLS (Excel 97-2003, xlrd).

The header is the first non-empty row; rows are numbered as the spreadsheet numbers
them; cells are read as values (dates as dates) and turned into text by
:func:`~techcurve.ingest.readers.cell_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from techcurve.errors import IngestError, Phrase
from techcurve.ingest import readers
from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.readers import (
    SHOWN_CHARS,
    RawBatch,
    Table,
    cell_text,
    clean_header,
    name_date_columns,
    raw_frame,
    rename_batch,
    unnamed_columns,
)
from techcurve.text import t

# -- XLSX ----------------------------------------------------------------------------


def open_xlsx(path: Path, sheet: str | None = None) -> Table:
    import openpyxl  # noqa: PLC0415 - only XLSX inputs pay for the import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as e:
        raise IngestError.of("ingest.bad_xlsx", error=e, path=str(path)) from None
    except Exception as e:  # zipfile.BadZipFile and friends
        raise IngestError.of(
            "ingest.bad_xlsx", error=f"{type(e).__name__}: {e}", path=str(path)
        ) from None
    if sheet is not None:
        if sheet not in wb.sheetnames:
            wb.close()
            raise IngestError.of(
                "ingest.no_sheet", sheet=sheet, sheets=", ".join(wb.sheetnames), path=str(path)
            )
        ws = wb[sheet]
    else:
        ws = wb.worksheets[0]
    it = enumerate(ws.iter_rows(values_only=True), start=1)
    return _sheet_table(path, "xlsx", it, wb.close)


def _sheet_table(
    path: Path, fmt: str, it: Iterator[tuple[int, tuple[Any, ...]]], close: Callable[[], None]
) -> Table:
    """A worksheet's rows (number, cell values) → a table: header = first non-empty row."""
    header_raw: list[Any] | None = None
    try:
        for _, cells in it:
            if any(c is not None and str(c).strip() for c in cells):
                header_raw = list(cells)
                break
    except BaseException:
        close()
        raise
    if header_raw is None:
        close()
        return Table(path, fmt, fmt, None, [], iter(()), close=close)
    while header_raw and (header_raw[-1] is None or not str(header_raw[-1]).strip()):
        header_raw.pop()
    header = clean_header(header_raw)
    width = len(header)
    gen = _xlsx_batches(path, it, width)
    first = next(gen, None)
    notes: list[Phrase] = []
    unnamed = unnamed_columns(header_raw)
    if unnamed and first is not None:
        rows = [list(r) for r in first.frame.drop(ROW_COL).rows()]
        notes = name_date_columns(header, unnamed, rows, letters=True)
    cols = header

    def batches() -> Iterator[RawBatch]:
        try:
            if first is not None:
                yield rename_batch(first, cols)
                for b in gen:
                    yield rename_batch(b, cols)
        finally:
            close()

    return Table(path, fmt, fmt, None, cols, batches(), notes, close=close)


# -- XLS (Excel 97-2003) ---------------------------------------------------------------


def open_xls(path: Path, sheet: str | None = None) -> Table:
    """An old binary Excel workbook through xlrd; cells are read as XLSX cells are
    (dates as dates, error cells as their text such as ``#NAME?``)."""
    try:
        import xlrd  # noqa: PLC0415 - only XLS inputs pay for the import
    except ImportError:  # pragma: no cover - xlrd is a dependency
        raise IngestError.of(
            "ingest.xls_needs_xlrd", command="pip install xlrd", path=str(path)
        ) from None
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as e:  # xlrd raises XLRDError, CompDocError, struct.error …
        raise IngestError.of(
            "ingest.bad_xls_resave", error=f"{type(e).__name__}: {e}", path=str(path)
        ) from None
    try:
        names = book.sheet_names()
        if sheet is not None and sheet not in names:
            raise IngestError.of(
                "ingest.no_sheet", sheet=sheet, sheets=", ".join(names), path=str(path)
            )
        ws = book.sheet_by_name(sheet) if sheet is not None else book.sheet_by_index(0)
    except IngestError:
        book.release_resources()
        raise
    except Exception as e:
        book.release_resources()
        raise IngestError.of(
            "ingest.bad_xls", error=f"{type(e).__name__}: {e}", path=str(path)
        ) from None

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for i in range(ws.nrows):
            try:
                cells = tuple(_xls_value(c, book.datemode) for c in ws.row(i))
            except Exception as e:
                raise IngestError.of(
                    "ingest.bad_sheet_row",
                    error=f"{type(e).__name__}: {e}",
                    path=str(path),
                    row=i + 1,
                ) from None
            yield i + 1, cells

    return _sheet_table(path, "xls", rows(), book.release_resources)


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd  # noqa: PLC0415

    ctype = cell.ctype
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell.value


def _xlsx_batches(
    path: Path, it: Iterator[tuple[int, tuple[Any, ...]]], width: int
) -> Iterator[RawBatch]:
    cols = [f"c{i}" for i in range(width)]
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for n, cells in it:
        values = [cell_text(c) for c in cells]
        if not any(v is not None and v.strip() for v in values):
            continue
        if len(values) > width:
            extra = [v for v in values[width:] if v is not None and v.strip()]
            if extra:
                rejects.append(
                    Reject(str(path), n, None, " | ".join(v or "" for v in values)[:SHOWN_CHARS],
                           t("ingest.reject_values_beyond_header", "en", width=width))
                )  # fmt: skip
                continue
            values = values[:width]
        values += [None] * (width - len(values))
        rows.append(values)
        numbers.append(n)
        if len(rows) + len(rejects) >= readers.BATCH_ROWS:
            yield RawBatch(raw_frame(cols, rows, numbers), tuple(rejects))
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        yield RawBatch(raw_frame(cols, rows, numbers), tuple(rejects))
