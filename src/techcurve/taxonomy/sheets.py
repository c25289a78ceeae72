"""The taxonomy as a spreadsheet: export to CSV or XLSX, and import an edited one.

:func:`export_taxonomy` writes one row per sub-field (and per domain);
:func:`import_taxonomy` checks every row of an edited spreadsheet, names the file,
sheet, row and column of a problem, and writes taxonomy YAML. XLSX workbooks are read
by ingest's reader (:func:`techcurve.ingest.spreadsheets.open_xlsx`).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from techcurve.datatypes import Domain, SubField
from techcurve.errors import IngestError, Phrase, QueryError, TaxonomyError, phrase
from techcurve.ingest.base import ROW_COL
from techcurve.ingest.readers import Table, column_letter
from techcurve.ingest.spreadsheets import open_xlsx
from techcurve.taxonomy.model import ID_RE, Taxonomy, load_taxonomy
from techcurve.taxonomy.query import Term, parse_query, term_fault
from techcurve.taxonomy.write import JOIN, render_yaml, split_cell, table_rows
from techcurve.text import Lang, t

__all__ = [
    "CSV_COLUMNS",
    "DOMAIN_COLUMNS",
    "JOIN",
    "SUBFIELD_COLUMNS",
    "SheetRow",
    "TaxonomyImportError",
    "export_taxonomy",
    "import_taxonomy",
    "read_taxonomy_table",
]

SUBFIELD_COLUMNS = (
    "id", "domain", "zh", "en", "definition", "terms", "exclude", "query", "notes",
    "wiki_zh", "wiki_en",
)  # fmt: skip
"""Columns of the sub-field sheet (XLSX) and of the ``subfield`` rows (CSV)."""
DOMAIN_COLUMNS = ("id", "zh", "en", "aliases")
"""Columns of the domain sheet (XLSX) and of the ``domain`` rows (CSV)."""
CSV_COLUMNS = (
    "kind",
    "id",
    "domain",
    "zh",
    "en",
    "definition",
    "terms",
    "exclude",
    "query",
    "aliases",
    "notes",
    "wiki_zh",
    "wiki_en",
)
"""Columns of an exported CSV: ``kind`` is ``version``, ``domain`` or ``subfield``."""

_REQUIRED = {"domain": ("id", "zh", "en"), "subfield": ("id", "domain", "zh", "en")}


def export_taxonomy(taxonomy: Taxonomy, path: str | Path) -> Path:
    """Write ``taxonomy`` as a spreadsheet: ``.csv`` or ``.xlsx`` (by the extension).

    One row per sub-field: id, domain, zh, en, definition, terms and exclude (joined
    with ``" | "``) or, for a sub-field that is not a plain list of terms, its
    canonical query; notes hold the comments of the sub-field's YAML block.
    XLSX has three sheets: ``subfields``, ``domains`` and ``taxonomy`` (version and
    header comment). CSV (UTF-8 with BOM, so Excel reads the Chinese) has one row per
    domain and sub-field plus a ``version`` row, told apart by the ``kind`` column.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise TaxonomyError.of("taxonomy.export.suffix", name=out.name)
    header, domains, subs = table_rows(taxonomy)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, CSV_COLUMNS, restval="", lineterminator="\r\n")
        w.writeheader()
        w.writerow({"kind": "version", "id": taxonomy.version, "notes": header})
        for d in domains:
            w.writerow({"kind": "domain", **d})
        for s in subs:
            w.writerow({"kind": "subfield", **s})
        out.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
        return out
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    sheets = [
        ("subfields", SUBFIELD_COLUMNS, subs),
        ("domains", DOMAIN_COLUMNS, domains),
        (
            "taxonomy",
            ("key", "value"),
            [{"key": "version", "value": taxonomy.version}, {"key": "notes", "value": header}],
        ),
    ]
    widths = {"definition": 60, "terms": 80, "exclude": 40, "query": 60, "notes": 40, "value": 80}
    for i, (name, columns, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = name
        ws.append(list(columns))
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c, "") or None for c in columns])
        for j, col in enumerate(columns, 1):
            ws.column_dimensions[ws.cell(1, j).column_letter].width = widths.get(col, 16)
        for cells in ws.iter_rows(min_row=2):
            for c in cells:
                c.alignment = Alignment(vertical="top", wrap_text=False)
        ws.freeze_panes = "B2"
    wb.save(out)
    return out


class TaxonomyImportError(TaxonomyError):
    """A taxonomy spreadsheet row cannot be imported; names file, sheet, row and column."""

    _where: ClassVar[tuple[str, ...]] = ("path", "row", "column", "sheet", "subfield")

    def __init__(
        self,
        message: str,
        *,
        path: str,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
        subfield: str | None = None,
    ) -> None:
        self.row = row
        self.column = column
        self.sheet = sheet
        super().__init__(message, path=path, subfield=subfield)

    def _placed(self, message: str, lang: Lang) -> str:
        where = str(self.path)
        if self.sheet:
            where = t("taxonomy.import.where_sheet", lang, where=where, sheet=self.sheet)
        if self.row is not None:
            where = t("taxonomy.import.where_row", lang, where=where, row=self.row)
        if self.column:
            where = t("taxonomy.import.where_column", lang, where=where, column=self.column)
        if self.subfield:
            where += t("errors.where_sep", lang) + t(
                "errors.subfield", lang, subfield=self.subfield
            )
        return t("errors.where", lang, where=where, message=message)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row of a taxonomy spreadsheet, with where it is (row number as a spreadsheet
    shows it, sheet, and each column's letter) for the errors that name it."""

    kind: str  # version | domain | subfield
    values: dict[str, str]
    row: int
    sheet: str | None
    letters: dict[str, str] = field(default_factory=dict)  # column name → spreadsheet letter


def _header(
    path: str, names: list[str], allowed: Sequence[str], required: Sequence[str], sheet: str | None
) -> dict[str, str]:
    seen: dict[str, str] = {}
    for i, raw in enumerate(names):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in allowed:
            raise TaxonomyImportError.of(
                "taxonomy.import.unknown_column",
                name=repr(raw),
                allowed=", ".join(allowed),
                path=path,
                row=1,
                column=column_letter(i),
                sheet=sheet,
            )
        if name in seen:
            raise TaxonomyImportError.of(
                "taxonomy.import.column_twice",
                name=repr(name),
                path=path,
                row=1,
                column=column_letter(i),
                sheet=sheet,
            )
        seen[name] = column_letter(i)
    for name in required:
        if name not in seen:
            raise TaxonomyImportError.of(
                "taxonomy.import.lacks_column",
                name=repr(name),
                allowed=", ".join(allowed),
                path=path,
                row=1,
                sheet=sheet,
            )
    return seen


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for enc in (
        ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    ):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    try:  # Excel on Chinese Windows saves "CSV" as GBK
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TaxonomyImportError.of("taxonomy.import.encoding", path=str(path)) from None


def read_taxonomy_table(path: str | Path) -> tuple[list[SheetRow], str]:
    """The rows of an exported (and edited) taxonomy spreadsheet, with row numbers as a
    spreadsheet shows them (the header is row 1). Returns (rows, file name)."""
    p = Path(path)
    name = str(p)
    if not p.exists():
        raise TaxonomyImportError.of("taxonomy.import.no_file", path=name)
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(p), name
    if suffix not in (".csv", ".tsv", ".txt"):
        raise TaxonomyImportError.of("taxonomy.import.suffix", path=name)
    text = _decode(p)
    first = text.split("\n", 1)[0]
    delim = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        head = next(reader)
    except StopIteration:
        raise TaxonomyImportError.of("taxonomy.import.empty", path=name) from None
    letters = _header(name, head, CSV_COLUMNS, ("kind", "id"), None)
    index = {n.strip().lower(): i for i, n in enumerate(head) if n.strip()}
    rows: list[SheetRow] = []
    for number, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        values = {c: _cell(cells[i]) if i < len(cells) else "" for c, i in index.items()}
        kind = values.pop("kind", "").lower()
        if kind not in ("version", "domain", "subfield"):
            raise TaxonomyImportError.of(
                "taxonomy.import.bad_kind", kind=repr(kind), path=name, row=number, column="kind"
            )
        rows.append(SheetRow(kind, values, number, None, letters))
    return rows, name


#: sheet → (row kind, allowed columns, required columns) of an exported workbook
_SHEETS = {
    "subfields": ("subfield", SUBFIELD_COLUMNS, ("id", "domain", "zh", "en")),
    "domains": ("domain", DOMAIN_COLUMNS, ("id", "zh", "en")),
    "taxonomy": ("version", ("key", "value"), ("key", "value")),
}


def _typed_header(columns: Sequence[str]) -> list[str]:
    """The header as typed: ingest's reader names an empty header cell ``column_<n>`` and
    a repeated name ``<name>_2``, ``_3`` …; undone here, so both read as they were."""
    out: list[str] = []
    for i, name in enumerate(columns):
        base, _, k = name.rpartition("_")
        if name == f"column_{i + 1}":
            out.append("")
        elif k.isdigit() and base in out:
            out.append(base)
        else:
            out.append(name)
    return out


def _open_sheet(p: Path, sheet: str) -> Table:
    try:
        return open_xlsx(p, sheet)
    except IngestError as e:
        reason = str(e).removeprefix(f"{e.path}: ") if e.path else str(e)
        raise TaxonomyImportError.of(
            "taxonomy.import.workbook", reason=reason, path=str(p)
        ) from None


def _sheet_rows(name: str, sheet: str, table: Table) -> list[SheetRow]:
    kind, allowed, required = _SHEETS[sheet]
    head = _typed_header(table.columns)
    letters = _header(name, head, allowed, required, sheet)
    index = {n.lower(): col for n, col in zip(head, table.columns, strict=True) if n}
    rows: list[SheetRow] = []
    for batch in table.batches:
        for reject in batch.rejects:
            raise TaxonomyImportError(reject.reason, path=name, row=reject.row, sheet=sheet)
        for cells in batch.frame.iter_rows(named=True):
            number = int(cells[ROW_COL])
            values = {c: _cell(cells[col]) for c, col in index.items()}
            if not any(values.values()):
                continue
            if kind != "version":
                rows.append(SheetRow(kind, values, number, sheet, letters))
                continue
            key = values.get("key", "").lower()
            if key not in ("version", "notes"):
                raise TaxonomyImportError.of(
                    "taxonomy.import.unknown_key",
                    key=repr(values.get("key")),
                    path=name,
                    row=number,
                    column=f"key ({letters['key']})",
                    sheet=sheet,
                )
            values = {"id" if key == "version" else "notes": values.get("value", "")}
            rows.append(SheetRow(kind, values, number, sheet, {"id": letters["value"]}))
    return rows


def _read_xlsx(p: Path) -> list[SheetRow]:
    """The rows of the three sheets of an exported workbook, read by ingest's reader."""
    rows: list[SheetRow] = []
    for sheet in _SHEETS:
        table = _open_sheet(p, sheet)
        try:
            rows += _sheet_rows(str(p), sheet, table)
        finally:
            table.close()
    return rows


def _cell(value: str | None) -> str:
    return (value or "").strip().replace("\r\n", "\n")


def _reason(e: TaxonomyError) -> Phrase | str:
    """What ``e`` says, without the file, line and sub-field it names."""
    if e.key is None:
        return str(e).split(": ", 2)[-1]
    said = Phrase(e.key, e.fields)
    if isinstance(e, QueryError):
        return phrase("errors.query_at", message=said, column=e.column, query=e.query)
    return said


def _fail(
    name: str, row: SheetRow, column: str | None, message: Phrase | str, sid: str | None = None
) -> NoReturn:
    col = None
    if column:
        letter = row.letters.get(column)
        col = f"{column} ({letter})" if letter else column
    where: dict[str, Any] = {
        "path": name,
        "row": row.row,
        "column": col,
        "sheet": row.sheet,
        "subfield": sid,
    }
    if isinstance(message, Phrase):
        raise TaxonomyImportError.saying(message, **where)
    raise TaxonomyImportError(message, **where)


def _check_row(name: str, row: SheetRow, domain_ids: dict[str, int]) -> None:
    v = row.values
    for col in _REQUIRED.get(row.kind, ()):
        if not v.get(col):
            what = phrase("taxonomy.import.subfield") if row.kind == "subfield" else row.kind
            sid = (v.get("id") or None) if row.kind == "subfield" else None
            _fail(name, row, col, phrase("taxonomy.import.missing", what=what, column=col), sid)
    sid = v["id"] if row.kind == "subfield" else None
    if row.kind != "version" and not ID_RE.match(v["id"]):
        _fail(
            name,
            row,
            "id",
            phrase("taxonomy.import.bad_id", id=repr(v["id"])),
        )
    if row.kind != "subfield":
        for col in ("domain", "definition", "terms", "exclude", "query"):
            if v.get(col):
                _fail(
                    name,
                    row,
                    col,
                    phrase("taxonomy.import.no_such_cell", kind=row.kind, column=col),
                )
        if row.kind == "version" and v.get("aliases"):
            _fail(name, row, "aliases", phrase("taxonomy.import.version_aliases"))
        return
    if v.get("aliases"):
        _fail(name, row, "aliases", phrase("taxonomy.import.subfield_aliases"), sid)
    if v["domain"] not in domain_ids:
        known = ", ".join(domain_ids)
        message = phrase("taxonomy.import.unknown_domain", domain=repr(v["domain"]), known=known)
        _fail(name, row, "domain", message, sid)
    terms, exclude, query = v.get("terms", ""), v.get("exclude", ""), v.get("query", "")
    if query and (terms or exclude):
        col = "terms" if terms else "exclude"
        _fail(
            name,
            row,
            col,
            phrase("taxonomy.import.terms_and_query"),
            sid,
        )
    if not query and not terms:
        _fail(name, row, "terms", phrase("taxonomy.import.no_terms"), sid)
    for col in ("terms", "exclude"):
        for i, item in enumerate(split_cell(v.get(col, "")), 1):
            problem = phrase("taxonomy.import.empty_item") if not item else term_fault(Term(item))
            if problem:
                message = phrase("taxonomy.import.bad_item", i=i, item=repr(item), problem=problem)
                _fail(name, row, col, message, sid)
    if query:
        try:
            parse_query(query)
        except QueryError as e:
            reason: Phrase | str = (
                Phrase(e.key, e.fields)
                if e.key is not None
                else str(e).removesuffix(f" at column {e.column} of query {e.query!r}")
            )
            message = phrase("taxonomy.import.bad_query", reason=reason, column=e.column)
            _fail(name, row, "query", message, sid)


def import_taxonomy(path: str | Path, output: str | Path) -> Taxonomy:
    """Read a spreadsheet written by :func:`export_taxonomy` (and edited), write it as
    taxonomy YAML to ``output`` and return the loaded taxonomy.

    Every row is checked first; a problem raises :class:`TaxonomyImportError` naming
    the file, sheet, row and column, and nothing is written.
    """
    rows, name = read_taxonomy_table(path)
    versions = [r for r in rows if r.kind == "version"]
    header = "\n".join(r.values.get("notes", "") for r in versions if r.values.get("notes"))
    versions = [r for r in versions if r.values.get("id")]
    if not versions:
        raise TaxonomyImportError.of("taxonomy.import.no_version", path=name)
    if len(versions) > 1:
        message = phrase("taxonomy.import.second_version", row=versions[0].row)
        _fail(name, versions[1], "id", message)
    domain_ids: dict[str, int] = {}
    sub_ids: dict[str, int] = {}
    for row in rows:
        if row.kind == "domain":
            _check_row(name, row, domain_ids)
            if row.values["id"] in domain_ids:
                _fail(
                    name,
                    row,
                    "id",
                    phrase(
                        "taxonomy.import.duplicate_domain",
                        id=repr(row.values["id"]),
                        row=domain_ids[row.values["id"]],
                    ),  # fmt: skip
                )
            domain_ids[row.values["id"]] = row.row
    if not domain_ids:
        raise TaxonomyImportError.of("taxonomy.import.no_domains", path=name)
    for row in rows:
        if row.kind == "subfield":
            _check_row(name, row, domain_ids)
            sid = row.values["id"]
            if sid in sub_ids:
                message = phrase("taxonomy.import.duplicate_subfield", row=sub_ids[sid])
                _fail(name, row, "id", message, sid)
            sub_ids[sid] = row.row
    if not sub_ids:
        raise TaxonomyImportError.of("taxonomy.import.no_subfields", path=name)
    text = _yaml_from_rows(versions[0].values["id"], header, rows, Path(name).name)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".yaml", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        try:
            load_taxonomy(tmp)
        except TaxonomyError as e:  # a check the row checks above do not make
            by_id = {r.values.get("id"): r for r in rows if r.kind == "subfield"}
            bad = by_id.get(e.subfield) if e.subfield else None
            reason = _reason(e)
            if bad is not None:
                _fail(name, bad, None, reason, e.subfield)
            if isinstance(reason, Phrase):
                raise TaxonomyImportError.saying(reason, path=name) from None
            raise TaxonomyImportError(reason, path=name) from None
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return load_taxonomy(out)


def _yaml_from_rows(version: str, header: str, rows: list[SheetRow], source: str) -> str:
    domains = [
        Domain(
            r.values["id"],
            r.values["zh"],
            r.values["en"],
            tuple(split_cell(r.values.get("aliases", ""))),
        )
        for r in rows
        if r.kind == "domain"
    ]
    subs: list[tuple[SubField, list[str] | None, list[str], str]] = []
    for r in rows:
        if r.kind != "subfield":
            continue
        v = r.values
        terms = split_cell(v.get("terms", "")) or None
        sf = SubField(
            v["id"], v["domain"], v["zh"], v["en"], v.get("query", ""), v.get("definition", ""),
            wiki_zh=v.get("wiki_zh", ""), wiki_en=v.get("wiki_en", ""),
        )  # fmt: skip
        subs.append((sf, terms, split_cell(v.get("exclude", "")), v.get("notes", "")))
    return render_yaml(
        version, header or t("taxonomy.import.header", "en", source=source), domains, subs
    )
