"""Review and edit tools for the taxonomy: sample, stats, store-aware lint, export/import, diff.

These are the library side of ``techcurve taxonomy …`` (``docs/taxonomy.md``, "Tools"):

- :func:`sample_matches` — random matched records of one sub-field with the terms that
  fired, so an analyst can judge precision;
- :func:`match_stats` — matches per sub-field and kind, and how many records match
  more than one sub-field;
- :func:`term_hits` / :func:`check_against_store` — which terms never match anything
  in a store (same normalisation and Aho–Corasick search as :mod:`techcurve.match`);
- :func:`export_taxonomy` / :func:`import_taxonomy` — one spreadsheet row per
  sub-field (CSV or XLSX), round-tripping without loss;
- :func:`diff_taxonomies` — what changed between two taxonomy files.

Nothing here prints; errors are :class:`~techcurve.errors.TechcurveError` subclasses.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import random
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.datatypes import RECORD_KINDS, Domain, SubField
from techcurve.errors import QueryError, StoreError, TaxonomyError
from techcurve.match import FIELDS, TEXT_FIELDS, field_hits
from techcurve.match.matcher import _BATCH, _count_text, _leaf_key, _positive_terms
from techcurve.normalize import SEP, normalize
from techcurve.store import Store
from techcurve.taxonomy import FINDING_KINDS, Finding, Taxonomy, load_taxonomy
from techcurve.taxonomy.query import Node as QueryNode
from techcurve.taxonomy.query import Not, Or, Query, Term, parse_query, term_problem

__all__ = [
    "CSV_COLUMNS",
    "DOMAIN_COLUMNS",
    "SUBFIELD_COLUMNS",
    "FieldChange",
    "MatchStats",
    "SampleResult",
    "SampledRecord",
    "SubfieldChange",
    "SubfieldStats",
    "TaxonomyDiff",
    "TaxonomyImportError",
    "check_against_store",
    "diff_taxonomies",
    "export_taxonomy",
    "import_taxonomy",
    "match_stats",
    "read_taxonomy_table",
    "resolve_taxonomy_path",
    "sample_matches",
    "split_terms",
    "subfield_notes",
    "summarize_findings",
    "taxonomy_content",
    "taxonomy_to_yaml",
    "term_hits",
]

KINDS = tuple(k.value for k in RECORD_KINDS)

# ------------------------------------------------------------------------ helpers


def _matched_store(store: Store) -> None:
    if store.count("subfields") == 0:
        raise StoreError(
            f"store {store.path} has not been matched yet: run `techcurve match` first"
        )


def _unknown_subfield(store: Store, subfield_id: str) -> TaxonomyError:
    rows = store.sql("SELECT subfield_id, name_zh, name_en FROM subfields ORDER BY subfield_id")
    ids = rows["subfield_id"].to_list()
    typed = subfield_id.strip().lower()
    prefixed = sorted((i for i in ids if i.startswith(typed) or typed.startswith(i)), key=len)
    close = list(dict.fromkeys(prefixed + difflib.get_close_matches(typed, ids, n=4, cutoff=0.6)))
    close = close[:4]
    # Analysts often type the name rather than the id.
    for sid, zh, en in rows.iter_rows():
        if typed in (str(zh).lower(), str(en).lower()) and sid not in close:
            close.insert(0, sid)
    quoted = [repr(c) for c in close]
    hint = ""
    if quoted:
        hint = "; did you mean " + (
            f"{', '.join(quoted[:-1])} or {quoted[-1]}?" if len(quoted) > 1 else f"{quoted[0]}?"
        )
    return TaxonomyError(
        f"unknown sub-field {subfield_id!r} in store {store.path}{hint} "
        "(`techcurve taxonomy stats` lists the ids)"
    )


# ------------------------------------------------------------------------ sample


@dataclass(frozen=True, slots=True)
class SampledRecord:
    """One matched record as :func:`sample_matches` shows it."""

    record_id: str
    kind: str
    year: int | None
    source: str
    title: str
    terms: str  # the positive terms that fired, "; "-joined
    where: str  # where the first fired term occurs: title, abstract, keywords or text


@dataclass(frozen=True, slots=True)
class SampleResult:
    """A random sample of one sub-field's matched records."""

    subfield_id: str
    name_zh: str
    name_en: str
    query: str
    matched: int  # records of the requested kind(s) that match
    by_kind: dict[str, int]
    count_series: tuple[str, ...]  # "source/kind: term" of linked count series
    records: tuple[SampledRecord, ...]
    seed: int | None = None


def _where(row: Mapping[str, Any], terms: Sequence[Term]) -> str:
    title = normalize(row.get("title"))
    for t in terms:
        if t.pattern and t.pattern in title:
            return "title"
    for name in ("abstract", "keywords"):
        text = normalize(row.get(name))
        if any(t.pattern and t.pattern in text for t in terms):
            return name
    return "text"  # the source's sector label, which unscoped terms also search


def sample_matches(
    store: Store,
    subfield_id: str,
    n: int = 20,
    *,
    seed: int | None = None,
    kind: str | None = None,
) -> SampleResult:
    """``n`` random records that the last match linked to ``subfield_id``.

    The same ``seed`` gives the same sample of the same store. ``kind`` keeps one
    evidence kind (patent, paper, article, financing). Raises
    :class:`~techcurve.errors.StoreError` if the store was never matched and
    :class:`~techcurve.errors.TaxonomyError` (with close ids) for an unknown id.

    >>> sample_matches(store, "ar", 5, seed=1).records[0].terms  # doctest: +SKIP
    'AR眼镜; 增强现实'
    """
    if n < 1:
        raise StoreError(f"the sample size must be at least 1, not {n}")
    if kind is not None and kind not in KINDS:
        raise StoreError(f"unknown record kind {kind!r} (expected one of: {', '.join(KINDS)})")
    _matched_store(store)
    info = store.one(
        "SELECT name_zh, name_en, query FROM subfields WHERE subfield_id = ?", [subfield_id]
    )
    if info is None:
        raise _unknown_subfield(store, subfield_id)
    name_zh, name_en, query_text = (str(v) for v in info)
    by_kind = dict(
        store.sql(
            "SELECT r.kind, count(*) AS n FROM matches m JOIN records r USING (record_id) "
            "WHERE m.subfield_id = ? GROUP BY r.kind ORDER BY r.kind",
            [subfield_id],
        ).iter_rows()
    )
    where = "m.subfield_id = ?" + (" AND r.kind = ?" if kind else "")
    params: list[object] = [subfield_id, kind] if kind else [subfield_id]
    ids = store.sql(
        f"SELECT m.record_id FROM matches m JOIN records r USING (record_id) WHERE {where} "
        "ORDER BY m.record_id",
        params,
    )["record_id"].to_list()
    chosen = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
    records: list[SampledRecord] = []
    if chosen:
        rows = store.sql(
            "SELECT r.record_id, r.kind, r.year, r.source, r.title, r.abstract, r.keywords, "
            "m.terms FROM records r JOIN matches m USING (record_id) "
            "WHERE m.subfield_id = ? AND list_contains(?, r.record_id) ORDER BY r.record_id",
            [subfield_id, chosen],
        )
        query = _query_or_none(query_text)
        for row in rows.iter_rows(named=True):
            fired = [t for t in (row["terms"] or "").split("; ") if t]
            terms = [t for t in (query.terms() if query else ()) if t.text in fired]
            title = row["title"] or (row["abstract"] or "")[:80] or "(no title)"
            records.append(
                SampledRecord(
                    record_id=row["record_id"],
                    kind=row["kind"],
                    year=row["year"],
                    source=row["source"],
                    title=" ".join(str(title).split()),
                    terms=row["terms"] or "",
                    where=_where(row, terms),
                )
            )
    series = store.sql(
        "SELECT source, kind, term FROM count_matches WHERE subfield_id = ? "
        "ORDER BY source, kind, term",
        [subfield_id],
    )
    return SampleResult(
        subfield_id=subfield_id,
        name_zh=name_zh,
        name_en=name_en,
        query=query_text,
        matched=len(ids),
        by_kind=by_kind,
        count_series=tuple(f"{s}/{k}: {t}" for s, k, t in series.iter_rows()),
        records=tuple(records),
        seed=seed,
    )


def _query_or_none(text: str) -> Query | None:
    try:
        return parse_query(text)
    except QueryError:
        return None


# ------------------------------------------------------------------------- stats


@dataclass(frozen=True, slots=True)
class SubfieldStats:
    """Matches of one sub-field in a store."""

    subfield_id: str
    domain_id: str
    name_zh: str
    records: int
    by_kind: dict[str, int]
    shared: int  # of its records, how many also match another sub-field
    count_series: int


@dataclass(frozen=True, slots=True)
class MatchStats:
    """What the last match wrote, per sub-field, with the taxonomy that made it."""

    taxonomy_version: str | None
    taxonomy_hash: str | None
    taxonomy_path: str | None
    records: int
    records_by_kind: dict[str, int]
    matched_records: int
    multi_matched_records: int  # records linked to more than one sub-field
    multi_share: float  # multi_matched_records / matched_records (0 when none matched)
    count_series: int
    matched_count_series: int
    subfields: tuple[SubfieldStats, ...]


def match_stats(store: Store) -> MatchStats:
    """Matches per sub-field (by kind) and the share of matched records that match
    more than one sub-field, with the taxonomy version and hash recorded at match time.

    Sub-fields are sorted by matched records (most first), then id.
    """
    _matched_store(store)
    per = store.sql(
        """
        WITH n AS (SELECT record_id, count(*) AS k FROM matches GROUP BY record_id)
        SELECT m.subfield_id, r.kind, count(*) AS records,
               count(*) FILTER (WHERE n.k > 1) AS shared
        FROM matches m JOIN records r USING (record_id) JOIN n USING (record_id)
        GROUP BY m.subfield_id, r.kind
        """
    )
    series = dict(
        store.sql(
            "SELECT subfield_id, count(*) FROM "
            "(SELECT DISTINCT subfield_id, source, term, kind FROM count_matches) GROUP BY 1"
        ).iter_rows()
    )
    by_sf: dict[str, dict[str, int]] = {}
    shared: Counter[str] = Counter()
    for sid, kind, n, s in per.iter_rows():
        by_sf.setdefault(sid, {})[kind] = int(n)
        shared[sid] += int(s)
    subs = []
    for sid, domain, zh in store.sql(
        "SELECT subfield_id, domain_id, name_zh FROM subfields"
    ).iter_rows():
        kinds = {k: by_sf.get(sid, {}).get(k, 0) for k in KINDS}
        subs.append(
            SubfieldStats(
                subfield_id=sid,
                domain_id=domain,
                name_zh=zh,
                records=sum(kinds.values()),
                by_kind=kinds,
                shared=shared[sid],
                count_series=int(series.get(sid, 0)),
            )
        )
    subs.sort(key=lambda s: (-s.records, -s.count_series, s.subfield_id))
    row = store.one(
        "SELECT count(*), count(*) FILTER (WHERE k > 1) FROM "
        "(SELECT record_id, count(*) AS k FROM matches GROUP BY record_id)"
    )
    matched, multi = (int(v) for v in row) if row else (0, 0)  # type: ignore[call-overload]
    by_kind = {k: 0 for k in KINDS} | {
        str(k): int(n)
        for k, n in store.sql("SELECT kind, count(*) FROM records GROUP BY kind").iter_rows()
    }
    n_series = store.one("SELECT count(*) FROM (SELECT DISTINCT source, term, kind FROM counts)")
    n_linked = store.one(
        "SELECT count(*) FROM (SELECT DISTINCT source, term, kind FROM count_matches)"
    )
    return MatchStats(
        taxonomy_version=store.get_meta("taxonomy_version"),
        taxonomy_hash=store.get_meta("taxonomy_hash"),
        taxonomy_path=store.get_meta("taxonomy_path"),
        records=sum(by_kind.values()),
        records_by_kind=by_kind,
        matched_records=matched,
        multi_matched_records=multi,
        multi_share=multi / matched if matched else 0.0,
        count_series=int(n_series[0]) if n_series else 0,  # type: ignore[call-overload]
        matched_count_series=int(n_linked[0]) if n_linked else 0,  # type: ignore[call-overload]
        subfields=tuple(subs),
    )


# ------------------------------------------------------------ term hits and lint


def term_hits(store: Store, taxonomy: Taxonomy) -> dict[Term, tuple[int, int]]:
    """For every leaf term of the taxonomy: (records it occurs in, count series it occurs in).

    Uses the matcher's own normalisation and search (:mod:`techcurve.match`): the same
    field columns, the same Aho–Corasick pass, the same count-series text (a tag is
    read both as spelled and with ``-``/``_`` as spaces). A term "occurs" whether or
    not its sub-field's whole query then matches.
    """
    leaves = {t for q in taxonomy.queries.values() for t in q.terms()}
    by_key: dict[str, list[Term]] = {}
    for t in leaves:
        by_key.setdefault(_leaf_key(t), []).append(t)
    rec: Counter[str] = Counter()
    total = store.count("records")
    cols = ", ".join(["record_id", *TEXT_FIELDS, "ipc"])
    for offset in range(0, total, _BATCH):
        batch = store.sql(
            f"SELECT {cols} FROM records ORDER BY record_id LIMIT {_BATCH} OFFSET {offset}"
        )
        rec.update(_hits_in_frame(batch, leaves))
    series = store.sql("SELECT DISTINCT source, term, kind FROM counts ORDER BY ALL")
    cnt: Counter[str] = Counter()
    if series.height:
        text = _count_text(series["term"])
        frame = pl.DataFrame(
            {
                "record_id": [str(i) for i in range(series.height)],
                "text_norm": text,
                "title_norm": text,
            }
        )
        cnt.update(_hits_in_frame(frame, {t for t in leaves if t.field in (None, "title")}))
    return {t: (rec[key], cnt[key]) for key, ts in by_key.items() for t in ts}


def _hits_in_frame(frame: pl.DataFrame, leaves: Iterable[Term]) -> Counter[str]:
    """Per leaf key, the number of rows of ``frame`` whose field holds the pattern."""
    out: Counter[str] = Counter()
    leaves = list(leaves)
    for fld in FIELDS:
        pats = sorted({t.pattern for t in leaves if t.field == fld and t.pattern})
        if not pats or (fld not in (None, "title") and fld not in frame.columns):
            continue
        # a record's hits are distinct: count the records each pattern occurs in
        found = field_hits(frame, fld, pats).explode().drop_nulls().value_counts()
        for k, n in found.iter_rows():
            out[f"{fld or ''}{SEP}{pats[k]}"] += n  # = match._leaf_key of the term
    return out


def check_against_store(taxonomy: Taxonomy, store: Store) -> list[Finding]:
    """Warnings for the terms that occur nowhere in ``store`` (records or count series).

    One ``unused-term`` finding per sub-field, listing its positive terms (those not
    under NOT) with no hit. Exclusions that never fire are not reported: they cost
    nothing. Raises :class:`~techcurve.errors.StoreError` for an empty store.
    """
    n_rec, n_cnt = store.count("records"), store.count("counts")
    if n_rec == 0 and n_cnt == 0:
        raise StoreError(
            f"store {store.path} holds no records or counts: ingest some before "
            "checking terms against it"
        )
    hits = term_hits(store, taxonomy)
    n_series = store.one("SELECT count(*) FROM (SELECT DISTINCT source, term, kind FROM counts)")
    where = f"{n_rec:,} records and {int(n_series[0]) if n_series else 0:,} count series"  # type: ignore[call-overload]
    out: list[Finding] = []
    for sf in taxonomy.subfields:
        q = taxonomy.queries.get(sf.id)
        if q is None:
            continue
        positive = [t for t in q.terms() if t in _positive_terms(q)]
        unused = [t for t in positive if hits.get(t, (0, 0)) == (0, 0)]
        if not unused:
            continue
        shown = ", ".join(repr(_term_label(t)) for t in unused)
        if len(unused) == len(positive):
            message = f"none of its {len(positive)} terms occurs in the store ({where}): {shown}"
        else:
            message = (
                f"{len(unused)} of {len(positive)} terms occur nowhere in the store "
                f"({where}): {shown}"
            )
        out.append(Finding("warning", sf.id, message, "unused-term"))
    return out


def _term_label(t: Term) -> str:
    return f"{t.field}:{t.text}" if t.field else t.text


def summarize_findings(findings: Iterable[Finding]) -> list[tuple[str, str, int, str]]:
    """``(level, kind, count, description)`` per kind of finding, errors first."""
    counts = Counter((f.level, f.kind) for f in findings)
    order = list(FINDING_KINDS)
    return [
        (level, kind, n, FINDING_KINDS.get(kind, ""))
        for (level, kind), n in sorted(
            counts.items(),
            key=lambda kv: (
                kv[0][0] != "error",
                order.index(kv[0][1]) if kv[0][1] in order else len(order),
            ),
        )
    ]


# ------------------------------------------------------------- export / import

SUBFIELD_COLUMNS = ("id", "domain", "zh", "en", "definition", "terms", "exclude", "query", "notes")
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
)
"""Columns of an exported CSV: ``kind`` is ``version``, ``domain`` or ``subfield``."""
JOIN = " | "
"""How list cells (terms, exclude, aliases) are joined; on import any ``|`` splits."""

_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_REQUIRED = {"domain": ("id", "zh", "en"), "subfield": ("id", "domain", "zh", "en")}


def _literal_or(node: QueryNode) -> list[str] | None:
    """The texts of a bare term or an OR of bare, unscoped terms; else None."""
    items = node.items if isinstance(node, Or) else (node,)
    if all(isinstance(i, Term) and i.field is None for i in items):
        return [i.text for i in items]  # type: ignore[union-attr]
    return None


def split_terms(query: Query) -> tuple[list[str], list[str]] | None:
    """The ``terms`` and ``exclude`` lists a query was composed from, or ``None`` if
    it is not of the form ``(t1 OR …) AND NOT (e1 OR …)`` (then it stays a query).

    >>> split_terms(parse_query('(AR OR "augmented reality") AND NOT ("AR model")'))
    (['AR', 'augmented reality'], ['AR model'])
    """
    from techcurve.taxonomy.query import And

    root = query.root
    terms = _literal_or(root)
    if terms is not None:
        return terms, []
    if (
        isinstance(root, And)
        and len(root.items) == 2
        and isinstance(root.items[1], Not)
        and (terms := _literal_or(root.items[0])) is not None
        and (exclude := _literal_or(root.items[1].item)) is not None
    ):
        return terms, exclude
    return None


def _cell_list(items: Sequence[str]) -> str | None:
    """``items`` joined for one cell, or None when a ``|`` inside one would be ambiguous."""
    if any("|" in t for t in items):
        return None
    return JOIN.join(items)


def subfield_notes(taxonomy: Taxonomy) -> tuple[str, dict[str, str]]:
    """The comments of the taxonomy file: its header and each sub-field's own notes.

    The header is the comment block before ``version:``; a sub-field's notes are the
    full-line comments inside its block (indented deeper than its ``- id:`` line).
    Section banners between sub-fields are not notes; the importer writes new ones.
    Returns ``("", {})`` when the file cannot be read.
    """
    try:
        lines = Path(taxonomy.path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return "", {}
    header: list[str] = []
    for line in lines:
        if line.strip().startswith("#"):
            header.append(line.strip()[1:].removeprefix(" "))
        elif line.strip():
            break
    starts = sorted((sf.line, sf.id) for sf in taxonomy.subfields if sf.line)
    notes: dict[str, str] = {}
    for i, (start, sid) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(lines)
        first = lines[start - 1]
        dash = len(first) - len(first.lstrip(" -"))
        own = [
            ln.strip()[1:].removeprefix(" ")
            for ln in lines[start:end]
            if ln.strip().startswith("#") and len(ln) - len(ln.lstrip()) >= dash
        ]
        if own:
            notes[sid] = "\n".join(own)
    return "\n".join(header), notes


def _table_rows(
    taxonomy: Taxonomy,
) -> tuple[str, list[dict[str, str]], list[dict[str, str]]]:
    header, notes = subfield_notes(taxonomy)
    domains = [
        {"id": d.id, "zh": d.name_zh, "en": d.name_en, "aliases": JOIN.join(d.aliases)}
        for d in taxonomy.domains
    ]
    subs = []
    for sf in taxonomy.subfields:
        row = {
            "id": sf.id,
            "domain": sf.domain,
            "zh": sf.name_zh,
            "en": sf.name_en,
            "definition": sf.definition,
            "terms": "",
            "exclude": "",
            "query": sf.query,
            "notes": notes.get(sf.id, ""),
        }
        q = taxonomy.queries.get(sf.id)
        split = split_terms(q) if q is not None else None
        if split is not None:
            terms, exclude = (_cell_list(split[0]), _cell_list(split[1]))
            if terms is not None and exclude is not None:
                row.update(terms=terms, exclude=exclude, query="")
        subs.append(row)
    return header, domains, subs


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
        raise TaxonomyError(f"cannot export to {out.name}: the file name must end in .csv or .xlsx")
    header, domains, subs = _table_rows(taxonomy)
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
        where = path
        if sheet:
            where += f" sheet {sheet!r}"
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column}"
        super().__init__(message, path=where, subfield=subfield)
        self.path = path
        self.row = row
        self.column = column
        self.sheet = sheet


@dataclass(frozen=True, slots=True)
class _Row:
    kind: str  # version | domain | subfield
    values: dict[str, str]
    row: int
    sheet: str | None
    letters: dict[str, str] = field(default_factory=dict)  # column name → spreadsheet letter


def _letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().replace("\r\n", "\n")


def _header(
    path: str, names: list[str], allowed: Sequence[str], required: Sequence[str], sheet: str | None
) -> dict[str, str]:
    seen: dict[str, str] = {}
    for i, raw in enumerate(names):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in allowed:
            raise TaxonomyImportError(
                f"unknown column {raw!r} (allowed: {', '.join(allowed)})",
                path=path,
                row=1,
                column=_letter(i),
                sheet=sheet,
            )
        if name in seen:
            raise TaxonomyImportError(
                f"column {name!r} appears twice", path=path, row=1, column=_letter(i), sheet=sheet
            )
        seen[name] = _letter(i)
    for name in required:
        if name not in seen:
            raise TaxonomyImportError(
                f"the header row lacks the column {name!r} (columns: {', '.join(allowed)})",
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
        raise TaxonomyImportError(
            "neither UTF-8 nor GB18030 text; save the file as CSV UTF-8", path=str(path)
        ) from None


def read_taxonomy_table(path: str | Path) -> tuple[list[_Row], str]:
    """The rows of an exported (and edited) taxonomy spreadsheet, with row numbers as a
    spreadsheet shows them (the header is row 1). Returns (rows, file name)."""
    p = Path(path)
    name = str(p)
    if not p.exists():
        raise TaxonomyImportError("the file does not exist", path=name)
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(p), name
    if suffix not in (".csv", ".tsv", ".txt"):
        raise TaxonomyImportError(
            "cannot import this file: the name must end in .csv or .xlsx", path=name
        )
    text = _decode(p)
    first = text.split("\n", 1)[0]
    delim = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        head = next(reader)
    except StopIteration:
        raise TaxonomyImportError("the file is empty", path=name) from None
    letters = _header(name, head, CSV_COLUMNS, ("kind", "id"), None)
    index = {n.strip().lower(): i for i, n in enumerate(head) if n.strip()}
    rows: list[_Row] = []
    for number, cells in enumerate(reader, 2):
        if not any(c.strip() for c in cells):
            continue
        values = {c: _cell_text(cells[i]) if i < len(cells) else "" for c, i in index.items()}
        kind = values.pop("kind", "").lower()
        if kind not in ("version", "domain", "subfield"):
            raise TaxonomyImportError(
                f"kind {kind!r} is not one of version, domain, subfield",
                path=name,
                row=number,
                column="kind",
            )
        rows.append(_Row(kind, values, number, None, letters))
    return rows, name


def _read_xlsx(p: Path) -> list[_Row]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(p)
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as e:
        raise TaxonomyImportError(f"not a readable XLSX workbook ({e})", path=name) from None
    spec = {
        "subfields": ("subfield", SUBFIELD_COLUMNS, ("id", "domain", "zh", "en")),
        "domains": ("domain", DOMAIN_COLUMNS, ("id", "zh", "en")),
        "taxonomy": ("version", ("key", "value"), ("key", "value")),
    }
    rows: list[_Row] = []
    try:
        for sheet, (kind, allowed, required) in spec.items():
            if sheet not in wb.sheetnames:
                raise TaxonomyImportError(
                    f"the workbook has no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)}); "
                    "start from `techcurve taxonomy export FILE.xlsx`",
                    path=name,
                )
            it = wb[sheet].iter_rows(values_only=True)
            head = [_cell_text(v) for v in next(it, ())]
            letters = _header(name, head, allowed, required, sheet)
            index = {n.lower(): i for i, n in enumerate(head) if n}
            for number, cells in enumerate(it, 2):
                values = {
                    c: _cell_text(cells[i]) if i < len(cells) else "" for c, i in index.items()
                }
                if not any(values.values()):
                    continue
                if kind == "version":
                    key = values.get("key", "").lower()
                    if key not in ("version", "notes"):
                        raise TaxonomyImportError(
                            f"unknown key {values.get('key')!r} (expected version or notes)",
                            path=name,
                            row=number,
                            column=f"key ({letters['key']})",
                            sheet=sheet,
                        )
                    values = {"id" if key == "version" else "notes": values.get("value", "")}
                    rows.append(_Row(kind, values, number, sheet, {"id": letters["value"]}))
                else:
                    rows.append(_Row(kind, values, number, sheet, letters))
    finally:
        wb.close()
    return rows


def _split_cell(text: str) -> list[str]:
    return [t.strip() for t in text.split("|")] if text.strip() else []


def _fail(name: str, row: _Row, column: str | None, message: str, sid: str | None = None) -> Any:
    col = None
    if column:
        letter = row.letters.get(column)
        col = f"{column} ({letter})" if letter else column
    raise TaxonomyImportError(
        message, path=name, row=row.row, column=col, sheet=row.sheet, subfield=sid
    )


def _check_row(name: str, row: _Row, domain_ids: dict[str, int]) -> None:
    v = row.values
    for col in _REQUIRED.get(row.kind, ()):
        if not v.get(col):
            what = "sub-field" if row.kind == "subfield" else row.kind
            sid = (v.get("id") or None) if row.kind == "subfield" else None
            _fail(name, row, col, f"the {what} has no {col}", sid)
    sid = v["id"] if row.kind == "subfield" else None
    if row.kind != "version" and not _ID_RE.match(v["id"]):
        _fail(
            name,
            row,
            "id",
            f"id {v['id']!r} may only hold lowercase ASCII letters, digits and '-' "
            "(and must start with a letter or digit)",
        )
    if row.kind != "subfield":
        for col in ("domain", "definition", "terms", "exclude", "query"):
            if v.get(col):
                _fail(name, row, col, f"a {row.kind} row has no {col}: leave the cell empty")
        if row.kind == "version" and v.get("aliases"):
            _fail(name, row, "aliases", "a version row has no aliases: leave the cell empty")
        return
    if v.get("aliases"):
        _fail(name, row, "aliases", "sub-fields have no aliases: leave the cell empty", sid)
    if v["domain"] not in domain_ids:
        known = ", ".join(domain_ids)
        _fail(name, row, "domain", f"unknown domain {v['domain']!r} (known: {known})", sid)
    terms, exclude, query = v.get("terms", ""), v.get("exclude", ""), v.get("query", "")
    if query and (terms or exclude):
        col = "terms" if terms else "exclude"
        _fail(
            name,
            row,
            col,
            "fill either terms/exclude or query, not both: write NOT … inside the query, "
            "or clear the query cell",
            sid,
        )
    if not query and not terms:
        _fail(name, row, "terms", "needs terms (separated by ' | ') or a query", sid)
    for col in ("terms", "exclude"):
        for i, t in enumerate(_split_cell(v.get(col, "")), 1):
            problem = "the item is empty" if not t else term_problem(Term(t))
            if problem:
                _fail(name, row, col, f"item {i} ({t!r}): {problem}", sid)
    if query:
        try:
            parse_query(query)
        except QueryError as e:
            reason = str(e).removesuffix(f" at column {e.column} of query {e.query!r}")
            _fail(name, row, "query", f"{reason} at column {e.column} of the query", sid)


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
        raise TaxonomyImportError(
            "no version: add a row of kind 'version' with the version in the id column "
            "(XLSX: key 'version' in the 'taxonomy' sheet)",
            path=name,
        )
    if len(versions) > 1:
        _fail(name, versions[1], "id", f"a second version (the first is on row {versions[0].row})")
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
                    f"duplicate domain id {row.values['id']!r} "
                    f"(first on row {domain_ids[row.values['id']]})",
                )
            domain_ids[row.values["id"]] = row.row
    if not domain_ids:
        raise TaxonomyImportError("no domains: add at least one domain row", path=name)
    for row in rows:
        if row.kind == "subfield":
            _check_row(name, row, domain_ids)
            sid = row.values["id"]
            if sid in sub_ids:
                _fail(name, row, "id", f"duplicate sub-field id (first on row {sub_ids[sid]})", sid)
            sub_ids[sid] = row.row
    if not sub_ids:
        raise TaxonomyImportError("no sub-fields: add at least one sub-field row", path=name)
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
            reason = str(e).split(": ", 2)[-1]
            if bad is not None:
                _fail(name, bad, None, reason, e.subfield)
            raise TaxonomyImportError(reason, path=name) from None
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return load_taxonomy(out)


# --------------------------------------------------------------------- YAML out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(key: str, items: Sequence[str], indent: int, width: int = 100) -> list[str]:
    """``key: ["a", "b", …]`` wrapped at ``width`` columns, continuation under the first item."""
    prefix = " " * indent + f"{key}: ["
    lines: list[str] = []
    line = prefix
    for i, item in enumerate(items):
        piece = _q(item) + ("]" if i == len(items) - 1 else ",")
        if line != prefix and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * len(prefix) + piece
        else:
            line += ("" if line == prefix else " ") + piece
    lines.append(line if items else prefix + "]")
    return lines


def _comment(text: str, indent: int) -> list[str]:
    return [(" " * indent + "# " + ln).rstrip() for ln in text.splitlines()]


def _yaml_from_rows(version: str, header: str, rows: list[_Row], source: str) -> str:
    domains = [
        Domain(
            r.values["id"],
            r.values["zh"],
            r.values["en"],
            tuple(_split_cell(r.values.get("aliases", ""))),
        )
        for r in rows
        if r.kind == "domain"
    ]
    subs: list[tuple[SubField, list[str] | None, list[str], str]] = []
    for r in rows:
        if r.kind != "subfield":
            continue
        v = r.values
        terms = _split_cell(v.get("terms", "")) or None
        sf = SubField(
            v["id"], v["domain"], v["zh"], v["en"], v.get("query", ""), v.get("definition", "")
        )
        subs.append((sf, terms, _split_cell(v.get("exclude", "")), v.get("notes", "")))
    return _render_yaml(
        version, header or f"techcurve taxonomy (imported from {source})", domains, subs
    )


def _render_yaml(
    version: str,
    header: str,
    domains: Sequence[Domain],
    subs: Sequence[tuple[SubField, list[str] | None, list[str], str]],
) -> str:
    out = _comment(header, 0) if header else []
    out.append(f"version: {_q(version)}")
    out += ["", "domains:"]
    names = {d.id: d for d in domains}
    for d in domains:
        aliases = ", ".join(_q(a) for a in d.aliases)
        out.append(
            f"  - {{id: {_q(d.id)}, zh: {_q(d.name_zh)}, en: {_q(d.name_en)}, aliases: [{aliases}]}}"
        )
    out += ["", "subfields:"]
    last_domain = None
    for sf, terms, exclude, notes in subs:
        if sf.domain != last_domain:
            zh = names[sf.domain].name_zh + " " if sf.domain in names else ""
            out.append(f"  # ── {zh}{sf.domain} ──")
            last_domain = sf.domain
        out.append(f"  - id: {_q(sf.id)}")
        out.append(f"    domain: {_q(sf.domain)}")
        out.append(f"    zh: {_q(sf.name_zh)}")
        out.append(f"    en: {_q(sf.name_en)}")
        if sf.definition:
            out.append(f"    definition: {_q(sf.definition)}")
        out += _comment(notes, 4)
        if terms is not None:
            out += _flow("terms", terms, 4)
            if exclude:
                out += _flow("exclude", exclude, 4)
        else:
            out.append(f"    query: {_q(sf.query)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def taxonomy_to_yaml(taxonomy: Taxonomy) -> str:
    """``taxonomy`` as YAML text in the file format, the way the importer writes it
    (terms lists where a query is a plain list of terms, comments kept as notes)."""
    header, _, subs = _table_rows(taxonomy)
    parts = []
    by_id = {s["id"]: s for s in subs}
    for sf in taxonomy.subfields:
        row = by_id[sf.id]
        terms = _split_cell(row["terms"]) or None
        parts.append((sf, terms, _split_cell(row["exclude"]), row["notes"]))
    return _render_yaml(taxonomy.version, header, taxonomy.domains, parts)


def taxonomy_content(taxonomy: Taxonomy) -> tuple[object, ...]:
    """What a taxonomy says, without where it came from (path, hash, line numbers):
    two files with equal content give equal values."""
    from dataclasses import replace

    return (
        taxonomy.version,
        taxonomy.domains,
        tuple(replace(sf, line=None) for sf in taxonomy.subfields),
    )


# -------------------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One attribute that differs: ``field`` is zh, en, domain, definition, query or aliases."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class SubfieldChange:
    """A sub-field (or domain) present in both files whose attributes differ."""

    id: str
    changes: tuple[FieldChange, ...]
    terms_added: tuple[str, ...] = ()
    terms_removed: tuple[str, ...] = ()
    exclude_added: tuple[str, ...] = ()
    exclude_removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxonomyDiff:
    """What changed from ``old`` to ``new`` (:func:`diff_taxonomies`)."""

    old_path: str
    new_path: str
    old_version: str
    new_version: str
    old_hash: str
    new_hash: str
    domains_added: tuple[dict[str, str], ...]
    domains_removed: tuple[dict[str, str], ...]
    domains_changed: tuple[SubfieldChange, ...]
    subfields_added: tuple[dict[str, str], ...]
    subfields_removed: tuple[dict[str, str], ...]
    subfields_changed: tuple[SubfieldChange, ...]

    @property
    def empty(self) -> bool:
        """True when the two taxonomies say the same (the version may differ)."""
        return not (
            self.domains_added
            or self.domains_removed
            or self.domains_changed
            or self.subfields_added
            or self.subfields_removed
            or self.subfields_changed
        )


def _leaf_texts(q: Query | None) -> tuple[set[str], set[str]]:
    """(positive, negated) leaf labels of a query, for the term-level delta."""
    if q is None:
        return set(), set()
    pos = {_term_label(t) for t in _positive_terms(q)}
    return pos, {_term_label(t) for t in q.terms()} - pos


def _sf_summary(sf: SubField) -> dict[str, str]:
    return {
        "id": sf.id,
        "domain": sf.domain,
        "zh": sf.name_zh,
        "en": sf.name_en,
        "query": sf.query,
    }


def diff_taxonomies(old: Taxonomy, new: Taxonomy) -> TaxonomyDiff:
    """Added and removed domains and sub-fields, and changed names, domains,
    definitions and (canonical) queries, with the terms added to and removed from
    each changed query.

    >>> d = diff_taxonomies(load_taxonomy("old.yaml"), load_taxonomy("new.yaml"))  # doctest: +SKIP
    >>> [c.id for c in d.subfields_changed]  # doctest: +SKIP
    ['ar']
    """
    od, nd = {d.id: d for d in old.domains}, {d.id: d for d in new.domains}
    os_, ns = {s.id: s for s in old.subfields}, {s.id: s for s in new.subfields}

    def dom(d: Domain) -> dict[str, str]:
        return {"id": d.id, "zh": d.name_zh, "en": d.name_en, "aliases": JOIN.join(d.aliases)}

    domains_changed = []
    for i in od.keys() & nd.keys():
        da, db = dom(od[i]), dom(nd[i])
        ch = tuple(FieldChange(k, da[k], db[k]) for k in ("zh", "en", "aliases") if da[k] != db[k])
        if ch:
            domains_changed.append(SubfieldChange(i, ch))
    changed = []
    for i in [s.id for s in new.subfields if s.id in os_]:
        a, b = os_[i], ns[i]
        pairs = [
            ("domain", a.domain, b.domain),
            ("zh", a.name_zh, b.name_zh),
            ("en", a.name_en, b.name_en),
            ("definition", a.definition, b.definition),
            ("query", a.query, b.query),
        ]
        ch = tuple(FieldChange(k, x, y) for k, x, y in pairs if x != y)
        if not ch:
            continue
        (p0, n0), (p1, n1) = _leaf_texts(old.queries.get(i)), _leaf_texts(new.queries.get(i))
        changed.append(
            SubfieldChange(
                i,
                ch,
                terms_added=tuple(sorted(p1 - p0)),
                terms_removed=tuple(sorted(p0 - p1)),
                exclude_added=tuple(sorted(n1 - n0)),
                exclude_removed=tuple(sorted(n0 - n1)),
            )
        )
    return TaxonomyDiff(
        old_path=old.path,
        new_path=new.path,
        old_version=old.version,
        new_version=new.version,
        old_hash=old.hash,
        new_hash=new.hash,
        domains_added=tuple(dom(nd[i]) for i in nd if i not in od),
        domains_removed=tuple(dom(od[i]) for i in od if i not in nd),
        domains_changed=tuple(sorted(domains_changed, key=lambda c: c.id)),
        subfields_added=tuple(_sf_summary(ns[i]) for i in ns if i not in os_),
        subfields_removed=tuple(_sf_summary(os_[i]) for i in os_ if i not in ns),
        subfields_changed=tuple(changed),
    )


def resolve_taxonomy_path(arg: str) -> str | None:
    """``None`` (the shipped taxonomy) for the word ``default`` when no such file exists."""
    if arg == "default" and not Path(arg).exists():
        return None
    return arg
