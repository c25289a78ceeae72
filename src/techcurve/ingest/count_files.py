"""Reading count files: each count profile's layout → raw rows (all text) of
``source, term, kind, year, month, count, total``, validated by :mod:`.counts`.

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
``cset-ai-patents``
    ``cset_ai_patents_by_country_year_category.csv`` (CSET's AI patent data):
    ``publication_country``, ``priority_year``, ``patent_type``, ``category``,
    ``n_documents`` → kind ``patent``, source ``cset_ai``, one series per AI category
    (the term is the category in words: ``Computer_Vision`` → "computer vision", see
    :data:`CSET_TERMS`), count = documents summed over countries and patent types, total
    = the year's ``_ALL_AI`` documents (so a share is the category's part of AI
    patenting). Priority years after :data:`CSET_LAST_YEAR` are rejected: the
    publication lag leaves them incomplete. The row number of a (category, year) is its
    first line in the file.
``google-trends``
    ``google_trends/<stem>.csv``: ``date``, ``popularity``. Dates mix ``12-Jan``
    (= 2012-01) and ``Jan-04`` (= 2004-01); ``2012-01`` also works. Two-digit years
    are 20YY (Google Trends starts in 2004). The term is ``term=`` or comes from
    :data:`GOOGLE_TRENDS_TERMS` by the file stem; kind ``attention``, source
    ``google_trends``, total = 100 (every series is scaled to its own peak).

Row numbers of CSV files are line numbers as an editor shows them (header = line 1).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from pathlib import Path

import polars as pl

from techcurve.errors import IngestError, phrase
from techcurve.text import t

log = logging.getLogger(__name__)

PROFILES = (
    "long-csv",
    "hypecycle-json",
    "hn-hiring",
    "stackoverflow-tags",
    "google-trends",
    "cset-ai-patents",
)

#: CSET AI categories whose words are not the usual name of the field; the others become
#: their name with spaces (``Machine_Learning`` → "machine learning").
CSET_TERMS: dict[str, str] = {
    "Language_Processing": "natural language processing",
    "Security__eg_cybersecurity": "cybersecurity",
    "Analytics_and_Algorithms": "analytics and algorithms",
}
#: The last priority year CSET's counts hold completely (publication lag after it).
CSET_LAST_YEAR = 2018
_CSET_TOTAL = "_ALL_AI"

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

_COUNTS_SHAPE = "{term: {year: count}}"  # what a hypecycle-json file holds
_TOTALS_SHAPE = "{year: total}"  # and its totals file
#: The raw columns every count profile yields (as text), validated by .counts.
RAW_COLUMNS = ["source", "term", "kind", "year", "month", "count", "total"]
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


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
                raise IngestError.of("ingest.counts_undecodable", path=str(path))
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
        raise IngestError.of("ingest.counts_empty", path=str(path)) from None
    header = [h.strip().lower() for h in header]
    rows: list[tuple[int, list[str]]] = []
    start = 2
    try:
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise IngestError.of("ingest.counts_bad_csv", error=e, path=str(path), row=start) from None
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
        raise IngestError.of("ingest.cannot_read", error=e.strerror, path=str(p)) from None
    first = _decode(p, head).split("\n", 1)[0]
    cols = {c.strip().strip('"').lower() for c in re.split(r"[,\t]", first)}
    if {"date", "popularity"} <= cols:
        return "google-trends"
    if {"month", "term", "count", "num_comments"} <= cols:
        return "hn-hiring"
    if {"year", "tag", "number", "year_total"} <= cols:
        return "stackoverflow-tags"
    if {"priority_year", "category", "n_documents"} <= cols:
        return "cset-ai-patents"
    if {"year", "count"} <= cols:
        return "long-csv"
    raise IngestError.of(
        "ingest.counts_unknown_header",
        header=sorted(cols),
        long_csv="term,year,kind,count[,month,total,source]",
        trends="date,popularity",
        hn="month,term,count,num_comments",
        so="year,tag,number,year_total",
        path=str(p),
    )


def _raw_frame(rows: list[int], **cols: list[str | None] | str | None) -> pl.DataFrame:
    n = len(rows)
    data: dict[str, list[str | None]] = {}
    for name in RAW_COLUMNS + ["_err_col", "_err_val", "_err_reason"]:
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
            raise IngestError.of("ingest.counts_no_term_column", header=header, path=str(p))
        cols["term"] = term
    else:
        if term is not None:
            raise IngestError.of("ingest.counts_term_column_given", name=term_col, path=str(p))
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
        _err_reason=[t("ingest.counts_not_a_month_hn", "en") if b else None for b in bad],
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


def cset_term(category: str) -> str:
    """The term of a CSET AI category: :data:`CSET_TERMS`, else its words."""
    return CSET_TERMS.get(category, " ".join(category.replace("_", " ").split()).lower())


def _read_cset(p: Path, text: str) -> tuple[pl.DataFrame, dict[str, str]]:
    header, rows = _read_csv_rows(p, text)
    cats = _column(header, rows, "category")
    years = _column(header, rows, "priority_year")
    docs = _column(header, rows, "n_documents")
    first: dict[tuple[str, str], int] = {}
    sums: dict[tuple[str, str], int] = {}
    bad: list[tuple[int, str, str | None, str]] = []
    for (line, _), cat, year, n in zip(rows, cats, years, docs, strict=True):
        try:
            value = int(n or "")
        except ValueError:
            bad.append((line, "n_documents", n, t("ingest.counts_cset_not_a_number", "en")))
            continue
        key = (cat or "", year or "")
        first.setdefault(key, line)
        sums[key] = sums.get(key, 0) + value
    totals = {y: v for (c, y), v in sums.items() if c == _CSET_TOTAL}
    keys = sorted((k for k in sums if k[0] != _CSET_TOTAL), key=lambda k: first[k])
    late = [k[1].isdigit() and int(k[1]) > CSET_LAST_YEAR for k in keys]
    reason = t("ingest.counts_cset_late_year", "en", last=CSET_LAST_YEAR)
    frame = _raw_frame(
        [first[k] for k in keys] + [b[0] for b in bad],
        source="cset_ai",
        kind="patent",
        term=[cset_term(c) for c, _ in keys] + [None] * len(bad),
        year=[y for _, y in keys] + [None] * len(bad),
        month="0",
        count=[_num_text(sums[k]) for k in keys] + [None] * len(bad),
        total=[_num_text(totals.get(k[1])) for k in keys] + [None] * len(bad),
        _err_col=["priority_year" if x else None for x in late] + [b[1] for b in bad],
        _err_val=[k[1] if x else None for k, x in zip(keys, late, strict=True)]
        + [b[2] for b in bad],
        _err_reason=[reason if x else None for x in late] + [b[3] for b in bad],
    )
    return frame, {"term": "category", "year": "priority_year", "count": "n_documents"}


def parse_trends_month(text: str | None) -> tuple[int, int] | None:
    """``12-Jan`` → (2012, 1); ``Jan-04`` → (2004, 1); ``2012-01[-01]`` → (2012, 1); else None."""
    if not text:
        return None
    stripped = text.strip()
    if m := re.fullmatch(r"(\d{2})-([A-Za-z]{3})", stripped):
        yy, mon = m.group(1), m.group(2)
    elif m := re.fullmatch(r"([A-Za-z]{3})-(\d{2})", stripped):
        mon, yy = m.group(1), m.group(2)
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", stripped):
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
            raise IngestError.of(
                "ingest.counts_unknown_trends_stem", name=p.name, known=known, path=str(p)
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
        _err_reason=[None if x else t("ingest.counts_not_a_month_trends", "en") for x in parsed],
    )
    return frame, {"year": "date", "month": "date", "count": "popularity"}


def _load_json(p: Path) -> object:
    try:
        return json.loads(_decode(p, p.read_bytes()))
    except json.JSONDecodeError as e:
        raise IngestError.of(
            "ingest.counts_bad_json", error=e.msg, path=str(p), row=e.lineno
        ) from None


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
        raise IngestError.of(
            "ingest.counts_not_hypecycle", counts=_COUNTS_SHAPE, totals=_TOTALS_SHAPE, path=str(p)
        )
    name = p.name.lower()
    if kind is None:
        found = [k for k in HYPECYCLE_SOURCES if k in name]
        if len(found) != 1:
            raise IngestError.of("ingest.counts_paper_or_patent", path=str(p))
        kind = found[0]
    totals: dict[str, object] = {}
    tpath = p.with_name("total_" + p.name)
    if tpath.exists():
        loaded = _load_json(tpath)
        if not isinstance(loaded, dict):
            raise IngestError.of("ingest.counts_not_totals", totals=_TOTALS_SHAPE, path=str(tpath))
        totals = {str(k).strip(): v for k, v in loaded.items()}
    else:
        said = phrase("ingest.counts_no_totals", path=str(p), totals=tpath.name)
        log.warning(said.say("en"), extra={"phrase": said})
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


#: The columns each CSV profile needs in its header.
_REQUIRED = {
    "long-csv": {"year", "count"},
    "hn-hiring": {"month", "term", "count", "num_comments"},
    "stackoverflow-tags": {"year", "tag", "number", "year_total"},
    "google-trends": {"date", "popularity"},
    "cset-ai-patents": {"priority_year", "category", "n_documents"},
}


def read_raw_counts(
    p: Path, profile: str, kind: str | None, term: str | None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """A count file's raw rows (:data:`RAW_COLUMNS` as text, ``row`` and the reader's
    own rejects in ``_err_*``) and which input column each raw column came from."""
    if profile == "hypecycle-json":
        return _read_hypecycle(p, kind)
    text = _decode(p, p.read_bytes())
    header = [h.strip().lower() for h in next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])]
    missing = sorted(_REQUIRED[profile] - set(header))
    if missing:
        raise IngestError.of("ingest.counts_missing_columns", missing=", ".join(missing), profile=profile, header=header, path=str(p))  # fmt: skip
    if profile == "long-csv":
        read = _read_long_csv(p, text, term)
        if kind is None and "kind" not in header:
            raise IngestError.of("ingest.counts_no_kind_column", path=str(p))
        return read
    if profile == "hn-hiring":
        return _read_hn(p, text)
    if profile == "stackoverflow-tags":
        return _read_stackoverflow(p, text)
    if profile == "cset-ai-patents":
        return _read_cset(p, text)
    return _read_google_trends(p, text, term)
