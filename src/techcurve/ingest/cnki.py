"""CNKI NoteExpress exports (``.net``): ``{Field}: value`` lines, one record per block.

Wanfang exports the same format (its records carry ``{Database Provider}: 北京万方数据
股份有限公司`` and wanfangdata URLs); such a file gets the hint ``wanfang`` and with it
the ``wanfang`` profile (the cnki mapping under the source name ``wanfang``).

What real exports do, all handled here:

* separators after the field name are ``:`` or the full-width ``：``, with or without
  a space; field names may carry a stray comma (``{Subsidiary Author,}``);
* a record starts at ``{Reference Type}`` or at a field line after blank lines;
  a non-field line continues the previous field (addresses broken over lines);
* line ends are LF, CRLF or CR-only, sometimes mixed within a file;
* repeated fields (``{Author}`` per author) are joined with ``;``; keyword lists use
  ``;``, ``;;`` or ``；`` and become ``;``-joined.

Besides every NoteExpress field as a column (``Title``, ``Year`` …), the reader adds
derived columns the ``cnki`` profile maps: ``_kind`` (``patent`` for
``{Reference Type}: Patent``, else ``paper``), ``_venue`` (journal, conference or
newspaper title, or the school/publisher of a thesis or book), ``_organization``
(a patent's applicant, else the first author address), ``_source_id`` (a patent's
publication number, else the DOI) and ``_keywords``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from techcurve.errors import IngestError
from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.readers import SHOWN_CHARS, RawBatch, Table
from techcurve.text import t

_FIELD = re.compile(r"^\s*\{(?P<name>[^{}]{1,60})\}\s*[:：]\s?(?P<value>.*)$")
_PUBNO = re.compile(r"^[A-Z]{2}\d{5,}[A-Z]?\d?$")
_KW_SEP = re.compile(r"\s*(?:;;|；|;)\s*")
# Columns every CNKI table has (null where the file lacks the field), so that the
# profile's mapping never names a missing column.
STANDARD_FIELDS = ("Reference Type", "Title", "Author", "Author Address", "Journal", "Year",
                   "Date", "Keywords", "Abstract", "URL", "Publisher", "Secondary Title")  # fmt: skip
DERIVED = ("_kind", "_venue", "_organization", "_source_id", "_keywords", "_ipc")


def open_cnki(path: Path, encoding: str) -> Table:
    """Read a NoteExpress file; the whole file is one batch (CNKI exports are small)."""
    try:
        with path.open("r", encoding=encoding, newline="", errors="strict") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise IngestError.of(
            "ingest.undecodable_cnki", encoding=encoding, reason=e.reason, path=str(path)
        ) from None
    records, rejects = parse_noteexpress(text, str(path))
    names: dict[str, None] = dict.fromkeys(STANDARD_FIELDS)
    for _, rec in records:
        for k in rec:
            names.setdefault(k, None)
    cols = list(names)
    data: dict[str, list[str | None]] = {c: [] for c in cols}
    for _, rec in records:
        for c in cols:
            values = rec.get(c)
            data[c].append(";".join(values) if values else None)
    frame = pl.DataFrame(data, schema={c: pl.Utf8() for c in cols}).with_columns(
        pl.Series(ROW_COL, [n for n, _ in records], dtype=pl.Int64())
    )
    frame = frame.with_columns(_derived(frame, [rec for _, rec in records]))
    batch = RawBatch(frame.select([*cols, *DERIVED, ROW_COL]), tuple(rejects))
    hint = "wanfang" if any(_is_wanfang(rec) for _, rec in records[:20]) else None
    return Table(path, "cnki", encoding, None, [*cols, *DERIVED], iter([batch]), hint=hint)


def _is_wanfang(rec: dict[str, list[str]]) -> bool:
    """Wanfang exports NoteExpress too; its records name the provider or link to it."""
    provider = " ".join(rec.get("Database Provider", ()))
    url = " ".join(rec.get("URL", ()))
    return "万方" in provider or "wanfang" in provider.lower() or "wanfangdata" in url.lower()


def parse_noteexpress(
    text: str, path: str = ""
) -> tuple[list[tuple[int, dict[str, list[str]]]], list[Reject]]:
    """Records as (line number, {field: [values]}) and lines that belong to no record."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    rejects: list[Reject] = []
    current: dict[str, list[str]] | None = None
    last: str | None = None
    blank = False
    for n, line in enumerate(re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")), start=1):
        if not line.strip():
            blank = True
            continue
        m = _FIELD.match(line)
        if m:
            name = m["name"].strip(" ,，")
            value = m["value"].strip()
            if current is None or name == "Reference Type" or blank:
                current = {}
                records.append((n, current))
            current.setdefault(name, [])
            if value:
                current[name].append(value)
            last = name
        elif current is not None and last is not None:
            values = current[last]
            if values:
                values[-1] = values[-1] + " " + line.strip()
            else:
                values.append(line.strip())
        else:
            rejects.append(
                Reject(path, n, None, line.strip()[:SHOWN_CHARS],
                       t("ingest.reject_outside_noteexpress", "en", field="{Field}"))
            )  # fmt: skip
        blank = False
    return records, rejects


def _first(rec: dict[str, list[str]], *names: str) -> str | None:
    for n in names:
        for v in rec.get(n, ()):
            v = v.strip(" ;；,，")
            if v and v.lower() != "none":
                return v
    return None


def _derived(frame: pl.DataFrame, recs: list[dict[str, list[str]]]) -> list[pl.Series]:
    kinds, venues, orgs, ids, kws, ipcs = [], [], [], [], [], []
    for rec in recs:
        rtype = (_first(rec, "Reference Type") or "").lower()
        is_patent = rtype == "patent"
        kinds.append("patent" if is_patent else "paper")
        venues.append(
            _first(rec, "Journal", "Secondary Title", "Publisher", "Tertiary Title")
            if not is_patent
            else _first(rec, "SrcDatabase", "Publisher")
        )
        if is_patent:
            orgs.append(_first(rec, "Subsidiary Author", "Applicant", "Author Address"))
            pubno = next(
                (v for n in ("Notes", "Type of Work", "Publication Number", "ISBN")
                 for v in rec.get(n, ()) if _PUBNO.match(v.strip())),
                None,
            )  # fmt: skip
            ids.append(pubno.strip() if pubno else None)
        else:
            orgs.append(_first(rec, "Author Address"))
            doi = _first(rec, "DOI")
            ids.append(f"doi:{doi.lower()}" if doi else None)
        raw_kw = ";".join(rec.get("Keywords", ()))
        parts = [p.strip() for p in _KW_SEP.split(raw_kw) if p.strip()]
        kws.append(";".join(parts) if parts else None)
        ipcs.append(_first(rec, "IPC", "Classification", "分类号"))
    return [
        pl.Series("_kind", kinds, dtype=pl.Utf8()),
        pl.Series("_venue", venues, dtype=pl.Utf8()),
        pl.Series("_organization", orgs, dtype=pl.Utf8()),
        pl.Series("_source_id", ids, dtype=pl.Utf8()),
        pl.Series("_keywords", kws, dtype=pl.Utf8()),
        pl.Series("_ipc", ipcs, dtype=pl.Utf8()),
    ]
