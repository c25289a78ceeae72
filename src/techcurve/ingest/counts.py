"""Count-level evidence: how many hits a term got in a database per year (or month).

This is how the original report gathered most of its numbers: a keyword search in a
paper or patent database and the number of hits per year. Each input row becomes one
row of the store's ``counts`` table, keyed by ``(source, term, kind, year, month)``
(``month`` 0 = the whole year), with the period's ``total`` over all terms where the
source publishes one, so later stages compare shares instead of raw counts.

Profiles (``profile=None`` detects them from the file name and header):

``long-csv``
    The generic layout: columns ``term`` (or ``technology``), ``year``, ``kind``,
    ``count`` and optionally ``month`` (1–12, empty or 0 = whole year), ``total`` and
    ``source``. ``kind=``/``source=``/``term=`` fill a missing column; ``source``
    defaults to the file's stem.
``hypecycle-json``
    ``paper_dict.json`` / ``patent_dict.json`` of github.com/rainatam/HypeCycle_model:
    ``{term: {year: count}}``, with totals read from ``total_<name>`` in the same folder
    (``{year: total}``; a missing totals file leaves ``total`` null). The kind comes
    from the file name (``paper``/``patent``), the source is ``mag`` (Microsoft Academic
    Graph) for papers and ``uspto`` for patents. One input row = one (term, year) pair;
    its row number is the pair's position in the file (1-based) and its columns are
    called ``year`` and ``count``.
``hn-hiring``
    ``hn_whoishiring_terms_monthly.csv``: ``month`` (YYYY-MM), ``term``, ``count``,
    ``percentage``, ``num_comments`` → kind ``attention``, source ``hn_hiring``,
    total = ``num_comments`` (the month's job posts).
``stackoverflow-tags``
    ``stackoverflow_questions_by_tag_year.csv``: ``year``, ``tag``, ``number``,
    ``year_total`` → kind ``attention``, source ``stackoverflow``, term = tag.
``google-trends``
    ``google_trends/<stem>.csv``: ``date``, ``popularity``. Dates mix ``12-Jan``
    (= 2012-01) and ``Jan-04`` (= 2004-01); ``2012-01`` also works. Two-digit years
    are 20YY (Google Trends starts in 2004). The term is ``term=`` or comes from
    :data:`GOOGLE_TRENDS_TERMS` by the file stem; kind ``attention``, source
    ``google_trends``, total = 100 (every series is scaled to its own peak).

Explicit ``kind=`` and ``source=`` arguments override what the file or profile says;
``term=`` is only allowed where the file has no term column.

Every input row ends in exactly one place:

* **stored** — a new ``(source, term, kind, year, month)``;
* **duplicate** — that key is already in the store, or appeared earlier in the same
  file with the same count and total (the first occurrence wins);
* **rejected** — written to ``<store dir>/rejects/<stem>.rejects.csv`` (columns
  ``file,row,column,value,reason``) because of an empty term, an unknown kind, a year
  outside 1800–2100, a month outside 0–12, a count that is not a number ≥ 0, a count
  above the period total, or a repeat of an earlier row of the same file with a
  *different* value.

Row numbers of CSV files are line numbers as an editor shows them (header = line 1).
Each file is ingested in one transaction together with its ``ingest_log`` row, so
re-ingesting a file is idempotent (everything comes back as a duplicate).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.datatypes import EvidenceKind, IngestSummary
from techcurve.errors import IngestError
from techcurve.store import COUNT_COLUMNS, Store

log = logging.getLogger(__name__)

PROFILES = ("long-csv", "hypecycle-json", "hn-hiring", "stackoverflow-tags", "google-trends")

#: File stem (lower-cased) → term, for the Google Trends exports of
#: github.com/Connorrmcd6/Gartner-Hype-Cycle, whose file names are abbreviations.
GOOGLE_TRENDS_TERMS: dict[str, str] = {
    "ml": "machine learning",
    "3dprint": "3D printing",
    "5g": "5G",
    "blockchain": "blockchain",
    "ev": "electric vehicle",
    "iphone": "iPhone",
    "smarthome": "smart home",
    "stream": "streaming",
}

#: Sources of the hypecycle-json profile, by kind.
HYPECYCLE_SOURCES = {"paper": "mag", "patent": "uspto"}

MIN_YEAR, MAX_YEAR = 1800, 2100

REJECT_COLUMNS = ("file", "row", "column", "value", "reason")

#: The columns of :attr:`CountsResult.frame`: a row number, then the count columns.
FRAME_COLUMNS: dict[str, pl.DataType] = {"row": pl.Int64()} | {
    k: v for k, v in COUNT_COLUMNS.items() if k not in ("term_norm", "ingest_id")
}
_KEY = ["source", "term", "kind", "year", "month"]
_RAW = ["source", "term", "kind", "year", "month", "count", "total"]
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


@dataclass(frozen=True, slots=True)
class CountsResult:
    """One count file, read and validated but not stored.

    ``frame`` has :data:`FRAME_COLUMNS` (``row`` = the input row number, then
    ``source, term, kind, year, month, count, total``) with one row per distinct key;
    ``rejects`` has :data:`REJECT_COLUMNS`; ``duplicates`` counts rows that repeat an
    earlier row of the same file. ``rows_read = frame.height + duplicates + rejects.height``.
    """

    path: str
    profile: str
    frame: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    duplicates: int = 0


# -- reading ------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    """Text of a file: BOM-marked UTF-8/UTF-16, else UTF-8, else GB18030, else a guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise IngestError(
                    "cannot decode the file (not UTF-8, GB18030 or UTF-16): re-save it as UTF-8",
                    path=str(path),
                )
            text = str(best)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_csv_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (lower-cased, stripped) and ``(line number, cells)`` for every non-blank row."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise IngestError("the file is empty (expected a header row)", path=str(path)) from None
    header = [h.strip().lower() for h in header]
    rows: list[tuple[int, list[str]]] = []
    start = 2
    try:
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise IngestError(f"not a valid CSV file ({e})", path=str(path), row=start) from None
    return header, rows


def _column(header: list[str], rows: list[tuple[int, list[str]]], name: str) -> list[str | None]:
    i = header.index(name)
    return [cells[i].strip() if i < len(cells) else None for _, cells in rows]


def detect_profile(path: str | Path) -> str:
    """The profile of a count file, from its name and header row.

    Raises :class:`IngestError` when nothing fits (with the header it saw).
    """
    p = Path(path)
    if p.suffix.lower() == ".json":
        return "hypecycle-json"
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as e:
        raise IngestError(f"cannot read the file ({e.strerror})", path=str(p)) from None
    first = _decode(p, head).split("\n", 1)[0]
    cols = {c.strip().strip('"').lower() for c in re.split(r"[,\t]", first)}
    if {"date", "popularity"} <= cols:
        return "google-trends"
    if {"month", "term", "count", "num_comments"} <= cols:
        return "hn-hiring"
    if {"year", "tag", "number", "year_total"} <= cols:
        return "stackoverflow-tags"
    if {"year", "count"} <= cols:
        return "long-csv"
    raise IngestError(
        f"cannot tell which count profile this is from its header {sorted(cols)}: expected "
        "term,year,kind,count[,month,total,source] (long-csv), date,popularity "
        "(google-trends), month,term,count,num_comments (hn-hiring) or "
        "year,tag,number,year_total (stackoverflow-tags); or pass profile=",
        path=str(p),
    )


def _raw_frame(rows: list[int], **cols: list[str | None] | str | None) -> pl.DataFrame:
    n = len(rows)
    data: dict[str, list[str | None]] = {}
    for name in _RAW + ["_err_col", "_err_val", "_err_reason"]:
        v = cols.get(name)
        data[name] = v if isinstance(v, list) else [v] * n
    return pl.DataFrame(
        {"row": rows, **data}, schema={"row": pl.Int64} | dict.fromkeys(data, pl.Utf8)
    )


def _read_long_csv(p: Path, text: str, term: str | None) -> tuple[pl.DataFrame, dict[str, str]]:
    header, rows = _read_csv_rows(p, text)
    names = {"year": "year", "count": "count"}
    cols: dict[str, list[str | None] | str | None] = {}
    term_col = "term" if "term" in header else "technology" if "technology" in header else None
    if term_col is None:
        if term is None:
            raise IngestError(
                f"no 'term' (or 'technology') column in header {header}: add one or pass term=",
                path=str(p),
            )
        cols["term"] = term
    else:
        if term is not None:
            raise IngestError(
                f"term= cannot be used: the file has a {term_col!r} column", path=str(p)
            )
        cols["term"] = _column(header, rows, term_col)
        names["term"] = term_col
    for name in ("year", "count"):
        cols[name] = _column(header, rows, name)
    for name in ("kind", "month", "total", "source"):
        if name in header:
            cols[name] = _column(header, rows, name)
            names[name] = name
    if "source" not in cols:
        cols["source"] = p.stem
    if "month" not in cols:
        cols["month"] = "0"
    return _raw_frame([r for r, _ in rows], **cols), names


def _read_hn(p: Path, text: str) -> tuple[pl.DataFrame, dict[str, str]]:
    header, rows = _read_csv_rows(p, text)
    month = _column(header, rows, "month")
    m = pl.Series("m", month, dtype=pl.Utf8).str.extract_groups(r"^(\d{4})-(\d{1,2})$")
    years = m.struct.field("1").to_list()
    months = m.struct.field("2").to_list()
    bad = [y is None for y in years]
    frame = _raw_frame(
        [r for r, _ in rows],
        source="hn_hiring",
        kind="attention",
        term=_column(header, rows, "term"),
        year=years,
        month=months,
        count=_column(header, rows, "count"),
        total=_column(header, rows, "num_comments"),
        _err_col=["month" if b else None for b in bad],
        _err_val=[v if b else None for v, b in zip(month, bad, strict=True)],
        _err_reason=["not a month (expected YYYY-MM)" if b else None for b in bad],
    )
    return frame, {
        "term": "term",
        "year": "month",
        "month": "month",
        "count": "count",
        "total": "num_comments",
    }


def _read_stackoverflow(p: Path, text: str) -> tuple[pl.DataFrame, dict[str, str]]:
    header, rows = _read_csv_rows(p, text)
    frame = _raw_frame(
        [r for r, _ in rows],
        source="stackoverflow",
        kind="attention",
        term=_column(header, rows, "tag"),
        year=_column(header, rows, "year"),
        month="0",
        count=_column(header, rows, "number"),
        total=_column(header, rows, "year_total"),
    )
    return frame, {"term": "tag", "year": "year", "count": "number", "total": "year_total"}


def parse_trends_month(text: str | None) -> tuple[int, int] | None:
    """``12-Jan`` → (2012, 1); ``Jan-04`` → (2004, 1); ``2012-01[-01]`` → (2012, 1); else None."""
    if not text:
        return None
    t = text.strip()
    if m := re.fullmatch(r"(\d{2})-([A-Za-z]{3})", t):
        yy, mon = m.group(1), m.group(2)
    elif m := re.fullmatch(r"([A-Za-z]{3})-(\d{2})", t):
        mon, yy = m.group(1), m.group(2)
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", t):
        month = int(m.group(2))
        return (int(m.group(1)), month) if 1 <= month <= 12 else None
    else:
        return None
    month_no = _MONTHS.get(mon.lower())
    return None if month_no is None else (2000 + int(yy), month_no)


def _read_google_trends(
    p: Path, text: str, term: str | None
) -> tuple[pl.DataFrame, dict[str, str]]:
    if term is None:
        term = GOOGLE_TRENDS_TERMS.get(p.stem.lower())
        if term is None:
            known = ", ".join(f"{k} → {v}" for k, v in GOOGLE_TRENDS_TERMS.items())
            raise IngestError(
                f"cannot tell the search term from the file name {p.name!r} (known stems: "
                f"{known}): pass term=",
                path=str(p),
            )
    header, rows = _read_csv_rows(p, text)
    dates = _column(header, rows, "date")
    parsed = [parse_trends_month(d) for d in dates]
    frame = _raw_frame(
        [r for r, _ in rows],
        source="google_trends",
        kind="attention",
        term=term,
        year=[str(x[0]) if x else None for x in parsed],
        month=[str(x[1]) if x else None for x in parsed],
        count=_column(header, rows, "popularity"),
        total="100",
        _err_col=[None if x else "date" for x in parsed],
        _err_val=[None if x else d for x, d in zip(parsed, dates, strict=True)],
        _err_reason=[
            None if x else "not a month (expected 12-Jan, Jan-04 or 2012-01)" for x in parsed
        ],
    )
    return frame, {"year": "date", "month": "date", "count": "popularity"}


def _load_json(p: Path) -> object:
    try:
        return json.loads(_decode(p, p.read_bytes()))
    except json.JSONDecodeError as e:
        raise IngestError(f"not valid JSON ({e.msg})", path=str(p), row=e.lineno) from None


def _num_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float | str):
        return str(v)
    return json.dumps(v)


def _read_hypecycle(p: Path, kind: str | None) -> tuple[pl.DataFrame, dict[str, str]]:
    data = _load_json(p)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise IngestError(
            "expected {term: {year: count}} (like paper_dict.json); a {year: total} file such "
            "as total_paper_dict.json is read automatically beside its counts file",
            path=str(p),
        )
    name = p.name.lower()
    if kind is None:
        found = [k for k in HYPECYCLE_SOURCES if k in name]
        if len(found) != 1:
            raise IngestError(
                "cannot tell from the file name whether it counts papers or patents: pass kind=",
                path=str(p),
            )
        kind = found[0]
    totals: dict[str, object] = {}
    tpath = p.with_name("total_" + p.name)
    if tpath.exists():
        t = _load_json(tpath)
        if not isinstance(t, dict):
            raise IngestError("expected {year: total}", path=str(tpath))
        totals = {str(k).strip(): v for k, v in t.items()}
    else:
        log.warning("%s: no totals file %s; totals left empty", p, tpath.name)
    rows: list[int] = []
    terms: list[str | None] = []
    years: list[str | None] = []
    counts: list[str | None] = []
    tots: list[str | None] = []
    i = 0
    for term, series in data.items():
        for year, count in series.items():
            i += 1
            rows.append(i)
            terms.append(str(term).strip())
            years.append(str(year).strip())
            counts.append(_num_text(count))
            tots.append(_num_text(totals.get(str(year).strip())))
    frame = _raw_frame(
        rows,
        source=HYPECYCLE_SOURCES.get(kind, p.stem),
        kind=kind,
        term=terms,
        year=years,
        month="0",
        count=counts,
        total=tots,
    )
    return frame, {"term": "term", "year": "year", "count": "count", "total": "total"}


# -- validation ---------------------------------------------------------------------------


def _validate(
    path: str, raw: pl.DataFrame, names: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows and rejects (first failing check per row)."""
    kinds = [k.value for k in EvidenceKind]
    s = raw.with_columns(pl.col(c).str.strip_chars() for c in _RAW).with_columns(
        pl.col("kind").str.to_lowercase(),
        pl.col("year").str.to_integer(strict=False).alias("_year"),
        pl.when(pl.col("month").is_null() | (pl.col("month") == ""))
        .then(pl.lit(0, pl.Int64))
        .otherwise(pl.col("month").str.to_integer(strict=False))
        .alias("_month"),
        pl.col("count").cast(pl.Float64, strict=False).alias("_count"),
        pl.col("total").cast(pl.Float64, strict=False).alias("_total"),
    )
    checks: list[tuple[str, pl.Expr, str]] = [
        ("source", pl.col("source").is_null() | (pl.col("source") == ""), "empty source"),
        ("term", pl.col("term").is_null() | (pl.col("term") == ""), "empty term"),
        (
            "kind",
            pl.col("kind").is_null() | ~pl.col("kind").is_in(kinds),
            f"unknown kind (expected one of: {', '.join(kinds)})",
        ),
        (
            "year",
            pl.col("_year").is_null() | ~pl.col("_year").is_between(MIN_YEAR, MAX_YEAR),
            f"not a year between {MIN_YEAR} and {MAX_YEAR}",
        ),
        (
            "month",
            pl.col("_month").is_null() | ~pl.col("_month").is_between(0, 12),
            "not a month 1–12 (or 0/empty for the whole year)",
        ),
        (
            "count",
            pl.col("_count").is_null() | ~pl.col("_count").is_finite(),
            "not a number",
        ),
        ("count", pl.col("_count") < 0, "negative count"),
        (
            "total",
            pl.col("total").is_not_null()
            & (pl.col("total") != "")
            & (pl.col("_total").is_null() | ~pl.col("_total").is_finite() | (pl.col("_total") < 0)),
            "not a number ≥ 0",
        ),
        (
            "count",
            pl.col("_total").is_not_null() & (pl.col("_count") > pl.col("_total")),
            "count exceeds the period total",
        ),
    ]
    err_col: pl.Expr = pl.col("_err_col")
    err_val: pl.Expr = pl.col("_err_val")
    err_reason: pl.Expr = pl.col("_err_reason")
    # Build a when/then chain whose first true branch names the failed check.
    chain_col: Any = pl.when(pl.col("_err_reason").is_not_null()).then(err_col)
    chain_val: Any = pl.when(pl.col("_err_reason").is_not_null()).then(err_val)
    chain_reason: Any = pl.when(pl.col("_err_reason").is_not_null()).then(err_reason)
    for col, cond, reason in checks:
        value = pl.col(col) if col in _RAW else pl.lit(None, pl.Utf8)
        chain_col = chain_col.when(cond).then(pl.lit(names.get(col, col)))
        chain_val = chain_val.when(cond).then(value)
        chain_reason = chain_reason.when(cond).then(pl.lit(reason))
    s = s.with_columns(
        chain_col.otherwise(None).alias("_rcol"),
        chain_val.otherwise(None).alias("_rval"),
        chain_reason.otherwise(None).alias("_reason"),
    )
    bad = s.filter(pl.col("_reason").is_not_null())
    rejects = bad.select(
        pl.lit(path).alias("file"),
        pl.col("row").cast(pl.Int64),
        pl.col("_rcol").alias("column"),
        pl.col("_rval").alias("value"),
        pl.col("_reason").alias("reason"),
    )
    good = s.filter(pl.col("_reason").is_null()).select(
        pl.col("row").cast(pl.Int64),
        "source",
        "term",
        "kind",
        pl.col("_year").cast(pl.Int32).alias("year"),
        pl.col("_month").cast(pl.Int32).alias("month"),
        pl.col("_count").alias("count"),
        pl.col("_total").alias("total"),
    )
    return good, rejects


def _dedupe(path: str, good: pl.DataFrame) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """First occurrence of each key; later equal repeats are duplicates, differing ones rejects."""
    ranked = good.sort("row").with_columns(
        pl.col("row").first().over(_KEY).alias("_first"),
        pl.col("count").first().over(_KEY).alias("_fcount"),
        pl.col("total").first().over(_KEY).alias("_ftotal"),
    )
    first = ranked.filter(pl.col("row") == pl.col("_first"))
    later = ranked.filter(pl.col("row") != pl.col("_first"))
    same = (pl.col("count") == pl.col("_fcount")) & pl.col("total").eq_missing(pl.col("_ftotal"))
    conflicts = later.filter(~same).select(
        pl.lit(path).alias("file"),
        pl.col("row"),
        pl.lit("count").alias("column"),
        pl.col("count").cast(pl.Utf8).alias("value"),
        pl.format(
            "repeats row {} (same source, term, kind, year, month) with a different count or total",
            pl.col("_first"),
        ).alias("reason"),
    )
    return first.select(list(FRAME_COLUMNS)), later.height - conflicts.height, conflicts


def read_counts(
    path: str | Path,
    *,
    profile: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    term: str | None = None,
) -> CountsResult:
    """Read and validate one count file without touching a store.

    >>> r = read_counts("tests/data/counts/google_trends/ML.csv")   # doctest: +SKIP
    >>> r.frame.select("term", "year", "month", "count").row(0)      # doctest: +SKIP
    ('machine learning', 2010, 1, 7.0)

    Raises :class:`IngestError` when the file as a whole cannot be read (missing,
    unknown layout, missing columns); bad rows end in ``rejects`` instead.
    """
    p = Path(path)
    if p.is_dir():
        raise IngestError(
            "is a folder: pass the count files in it (e.g. folder/*.csv)", path=str(p)
        )
    if not p.is_file():
        raise IngestError("no such file", path=str(p))
    if profile is None:
        profile = detect_profile(p)
    elif profile not in PROFILES:
        raise IngestError(
            f"unknown count profile {profile!r} (expected one of: {', '.join(PROFILES)})",
            path=str(p),
        )
    if kind is not None:
        try:
            kind = EvidenceKind.parse(kind).value
        except ValueError as e:
            raise IngestError(str(e), path=str(p)) from None
    if term is not None and profile not in ("google-trends", "long-csv"):
        raise IngestError(
            f"term= cannot be used with profile {profile}: its rows name their own terms",
            path=str(p),
        )
    required = {
        "long-csv": {"year", "count"},
        "hn-hiring": {"month", "term", "count", "num_comments"},
        "stackoverflow-tags": {"year", "tag", "number", "year_total"},
        "google-trends": {"date", "popularity"},
    }
    if profile == "hypecycle-json":
        raw, names = _read_hypecycle(p, kind)
    else:
        text = _decode(p, p.read_bytes())
        header = [
            h.strip().lower() for h in next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
        ]
        missing = sorted(required[profile] - set(header))
        if missing:
            raise IngestError(
                f"missing column(s) {', '.join(missing)} for profile {profile} (header: {header})",
                path=str(p),
            )
        if profile == "long-csv":
            raw, names = _read_long_csv(p, text, term)
            if kind is None and "kind" not in header:
                raise IngestError(
                    "no 'kind' column: add one (paper, patent, article, financing, attention) "
                    "or pass kind=",
                    path=str(p),
                )
        elif profile == "hn-hiring":
            raw, names = _read_hn(p, text)
        elif profile == "stackoverflow-tags":
            raw, names = _read_stackoverflow(p, text)
        else:
            raw, names = _read_google_trends(p, text, term)
    overrides = {k: v for k, v in (("kind", kind), ("source", source)) if v is not None}
    if overrides:
        raw = raw.with_columns(pl.lit(v, pl.Utf8).alias(k) for k, v in overrides.items())
    good, rejects = _validate(str(p), raw, names)
    frame, duplicates, conflicts = _dedupe(str(p), good)
    rejects = pl.concat([rejects, conflicts]).sort("row")
    return CountsResult(
        path=str(p),
        profile=profile,
        frame=frame,
        rejects=rejects,
        rows_read=raw.height,
        duplicates=duplicates,
    )


# -- storing ------------------------------------------------------------------------------


def _term_norm(terms: pl.Series) -> pl.Series:
    from techcurve.normalize import normalize

    uniq = terms.unique().to_list()
    mapping = {t: normalize(t) for t in uniq}
    return terms.replace_strict(mapping, return_dtype=pl.Utf8)


def _already_stored(store: Store, frame: pl.DataFrame) -> pl.DataFrame:
    """The keys of ``frame`` that the store's ``counts`` table already holds."""
    keys = frame.select(_KEY)
    store.con.register("_tc_keys", keys.to_arrow())
    try:
        return store.con.sql(
            "SELECT k.source, k.term, k.kind, k.year, k.month FROM _tc_keys k "
            "JOIN counts c USING (source, term, kind, year, month)"
        ).pl()
    finally:
        store.con.unregister("_tc_keys")


def rejects_path_for(store: Store, path: str | Path) -> Path:
    """Where the rejects of ``path`` go: ``<store dir>/rejects/<stem>.rejects.csv``."""
    return Path(store.path).parent / "rejects" / f"{Path(path).stem}.rejects.csv"


def ingest_counts(
    store: Store,
    paths: Sequence[str | Path],
    *,
    profile: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    term: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[IngestSummary]:
    """Ingest count files into the store's ``counts`` table, one transaction per file.

    Returns one :class:`IngestSummary` per file (rows read = stored + duplicates +
    rejected). ``dry_run`` reads, validates and compares with the store but writes
    nothing (no counts, no log row, no rejects file). ``progress`` is called with the
    number of rows read after each file.

    >>> with Store.open("my.duckdb") as st:                                 # doctest: +SKIP
    ...     [s.stored for s in ingest_counts(st, ["paper_dict.json"])]
    [18760]
    """
    summaries: list[IngestSummary] = []
    for path in paths:
        started = datetime.now()
        p = Path(path)
        res = read_counts(p, profile=profile, kind=kind, source=source, term=term)
        frame = res.frame.drop("row")
        stored_keys = _already_stored(store, frame) if frame.height else frame.select(_KEY)
        new = frame.join(stored_keys, on=_KEY, how="anti", nulls_equal=True)
        duplicates = res.duplicates + (frame.height - new.height)
        kinds = ",".join(sorted(set(res.frame["kind"].to_list()))) or (kind or "")
        rejects_path: Path | None = None
        if not dry_run:
            rp = rejects_path_for(store, p)
            if res.rejects.height:
                rp.parent.mkdir(parents=True, exist_ok=True)
                res.rejects.select(REJECT_COLUMNS).write_csv(rp)
                rejects_path = rp
            elif rp.exists():
                rp.unlink()  # stale rejects of an earlier run of this file
            sha = hashlib.sha256(p.read_bytes()).hexdigest()
            with store.transaction():
                ingest_id = store.next_ingest_id()
                rows = new.with_columns(
                    _term_norm(new["term"]).alias("term_norm"),
                    pl.lit(ingest_id, pl.Int64).alias("ingest_id"),
                ).select(list(COUNT_COLUMNS))
                store.append("counts", rows)
                store.append(
                    "ingest_log",
                    pl.DataFrame(
                        {
                            "ingest_id": [ingest_id],
                            "path": [str(p)],
                            "kind": [kinds],
                            "profile": [res.profile],
                            "sha256": [sha],
                            "rows_read": [res.rows_read],
                            "stored": [new.height],
                            "duplicates": [duplicates],
                            "rejected": [res.rejects.height],
                            "rejects_path": [str(rejects_path) if rejects_path else None],
                            "started_at": [started],
                            "finished_at": [datetime.now()],
                        },
                        schema_overrides={"rejects_path": pl.Utf8},
                    ),
                )
        summary = IngestSummary(
            path=str(p),
            kind=kinds,
            profile=res.profile,
            rows_read=res.rows_read,
            stored=new.height,
            duplicates=duplicates,
            rejected=res.rejects.height,
            rejects_path=str(rejects_path) if rejects_path else None,
        )
        log.info(
            "%s (%s): %d rows read, %d stored, %d duplicates, %d rejected%s",
            p,
            res.profile,
            summary.rows_read,
            summary.stored,
            summary.duplicates,
            summary.rejected,
            " (dry run)" if dry_run else "",
        )
        summaries.append(summary)
        if progress is not None:
            progress(res.rows_read)
    return summaries
