"""JSON readers: JSON Lines, and JSON documents (an array of objects, or an object
holding one, as the OpenAlex API returns); OpenAlex works are flattened into columns.

Rows are numbered by line (JSON Lines) or by 1-based position in the array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from techcurve.errors import IngestError
from techcurve.ingest import readers
from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.openalex import is_openalex_work, openalex_row
from techcurve.ingest.readers import (
    SHOWN_CHARS,
    Lines,
    RawBatch,
    Table,
    cell_text,
    peeked,
    raw_frame,
    undecodable,
)
from techcurve.text import t

# -- JSONL ---------------------------------------------------------------------------


def open_jsonl(path: Path, encoding: str, fallback: str | None = None) -> Table:
    """JSON Lines; a line that does not decode is decoded with ``fallback``, else rejected."""
    f = path.open("r", encoding=encoding, newline="", errors="surrogateescape")
    lines = Lines(f, path, encoding, fallback)
    hint: list[str | None] = [None]
    first, batches = peeked(lambda: _jsonl_batches(path, lines, hint), f.close)
    cols = [] if first is None else first.frame.columns[:-1]
    return Table(path, "jsonl", encoding, None, list(cols), batches, close=f.close,
                 hint=hint[0])  # fmt: skip


def _object_row(obj: dict[str, Any], hint: list[str | None], first: bool) -> dict[str, str | None]:
    """One JSON object as a row; OpenAlex works (judged on the first) are flattened."""
    if first and is_openalex_work(obj):
        hint[0] = "openalex"
    if hint[0] == "openalex":
        return openalex_row(obj)
    return {str(k): cell_text(v) for k, v in obj.items()}


def _jsonl_batches(
    path: Path, lines: Lines, hint: list[str | None] | None = None
) -> Iterator[RawBatch]:
    hint = hint if hint is not None else [None]
    seen_object = False
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for line in lines:
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        n = lines.count
        if n in lines.bad:
            rejects.append(undecodable(path, n, text, lines))
            continue
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            msg = f"{e.msg} at column {e.colno}" if isinstance(e, json.JSONDecodeError) else str(e)
            rejects.append(
                Reject(
                    str(path),
                    n,
                    None,
                    text[:SHOWN_CHARS],
                    t("ingest.reject_bad_json", "en", error=msg),
                )
            )
        else:
            if isinstance(obj, dict):
                rows.append(_object_row(obj, hint, not seen_object))
                seen_object = True
                numbers.append(n)
            else:
                rejects.append(
                    Reject(str(path), n, None, text[:SHOWN_CHARS],
                           t("ingest.reject_json_not_object", "en", type=type(obj).__name__))
                )  # fmt: skip
        if len(rows) + len(rejects) >= readers.BATCH_ROWS:
            yield json_batch(rows, numbers, rejects)
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        yield json_batch(rows, numbers, rejects)


def json_batch(
    rows: list[dict[str, str | None]], numbers: list[int], rejects: list[Reject]
) -> RawBatch:
    cols: dict[str, None] = {}
    for r in rows:
        for k in r:
            cols.setdefault(k, None)
    names = [c for c in cols if c != ROW_COL]
    return RawBatch(
        raw_frame(names, [[r.get(c) for c in names] for r in rows], numbers), tuple(rejects)
    )


# -- JSON documents ------------------------------------------------------------------

#: Keys under which a JSON document keeps its list of records (OpenAlex: ``results``).
JSON_LIST_KEYS = ("results", "records", "data", "items", "rows", "works")


def open_json(path: Path, encoding: str) -> Table:
    """A JSON document: an array of objects, an object holding one (``{"results": [...]}``,
    as the OpenAlex API returns) or a single object. Rows are numbered by their 1-based
    position in the array. The document is parsed whole: use JSON Lines for huge files.
    A ``.json`` file that is really JSON Lines is read as such."""
    try:
        text = path.read_text(encoding=encoding, errors="strict")
    except UnicodeDecodeError as e:
        raise IngestError.of(
            "ingest.undecodable_json", encoding=encoding, reason=e.reason, path=str(path)
        ) from None
    text = text.lstrip("\ufeff")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data" and text.lstrip().startswith("{"):
            return open_jsonl(path, encoding)
        raise IngestError.of(
            "ingest.bad_json", error=e.msg, line=e.lineno, col=e.colno, path=str(path), row=e.lineno
        ) from None
    except RecursionError:
        raise IngestError.of("ingest.json_too_deep", path=str(path)) from None
    items = _json_items(doc, path)
    hint: list[str | None] = [None]
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    batches: list[RawBatch] = []
    seen_object = False
    for i, obj in enumerate(items, start=1):
        if isinstance(obj, dict):
            rows.append(_object_row(obj, hint, not seen_object))
            seen_object = True
            numbers.append(i)
        else:
            shown = json.dumps(obj, ensure_ascii=False)[:SHOWN_CHARS]
            rejects.append(
                Reject(str(path), i, None, shown,
                       t("ingest.reject_json_record_not_object", "en", record=i,
                         type=type(obj).__name__))
            )  # fmt: skip
        if len(rows) + len(rejects) >= readers.BATCH_ROWS:
            batches.append(json_batch(rows, numbers, rejects))
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        batches.append(json_batch(rows, numbers, rejects))
    cols = batches[0].frame.columns[:-1] if batches else []
    return Table(path, "json", encoding, None, list(cols), iter(batches), hint=hint[0])


def _json_items(doc: Any, path: Path) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in JSON_LIST_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        return [doc]
    raise IngestError.of(
        "ingest.json_not_records",
        type=type(doc).__name__,
        keys=", ".join(JSON_LIST_KEYS),
        path=str(path),
    )
