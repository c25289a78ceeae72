"""Tagged bibliographic exports: RIS, Web of Science, EndNote, RefWorks and CNKI E-Study.

Each format is a sequence of records, each record a run of ``TAG value`` lines:

=============  ===========================  ==============================  ===========
format         a line                        a record                        parsed by
=============  ===========================  ==============================  ===========
``ris``        ``TI  - Deep learning``       ``TY  - JOUR`` … ``ER  -``       rispy
``wos``        ``TI Deep learning``          ``PT J`` … ``ER``                rispy (WoK)
``endnote``    ``%T Deep learning``          ``%0 Journal Article`` … blank   here
``refworks``   ``T1 Deep learning``          ``RT Journal Article`` … blank   here
``estudy``     ``Title-题名: 深度学习``        ``DataType: 1`` … next record    here
=============  ===========================  ==============================  ===========

(RIS is what CNKI, Wanfang, Zotero, Mendeley and most publishers export; CNKI also
exports EndNote (``%0``), RefWorks (``RT``) and E-Study (``Title-题名:``) text; Web of
Science exports "plain text" in its own two-letter tags.) Lines that continue a value
(indented in WoS, untagged elsewhere) are joined to it with a space.

Each record's row number is the line where it starts; a record rispy cannot read and
text outside any record become rejects. Besides its raw fields (RIS/WoS under rispy's
names such as ``title``, ``authors``; the others under their tags), every row has the
derived columns the bibliographic profiles map (:data:`BIB_COLUMNS`): ``_kind``
(``patent`` for patent records, else ``paper``), ``_title``, ``_abstract``,
``_keywords`` (``;``-joined), ``_date`` (the most precise date the record gives),
``_venue``, ``_organization`` (first author address, or a patent's applicant),
``_source_id`` (``doi:…``, a WoS accession number, a CNKI file name or a patent's
publication number), ``_url`` and ``_ipc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from techcurve.errors import IngestError
from techcurve.ingest import readers
from techcurve.ingest.base import Reject
from techcurve.ingest.jsonfiles import json_batch
from techcurve.ingest.readers import SHOWN_CHARS, Lines, RawBatch, Table, peeked
from techcurve.text import t

BIB_COLUMNS = ("_kind", "_title", "_abstract", "_keywords", "_date", "_venue",
               "_organization", "_source_id", "_url", "_ipc")  # fmt: skip
TAGGED_FORMATS = ("ris", "wos", "endnote", "refworks", "estudy")
#: The tags behind each derived column, as a rejects file names them.
LABELS: dict[str, dict[str, str]] = {
    "ris": {"_title": "TI/T1", "_date": "DA/PY/Y1", "_kind": "TY", "_abstract": "AB/N2",
            "_keywords": "KW", "_venue": "JO/T2/JF", "_source_id": "DO"},
    "wos": {"_title": "TI", "_date": "PY/PD", "_kind": "PT", "_abstract": "AB",
            "_keywords": "DE/ID", "_venue": "SO", "_source_id": "UT/DI"},
    "endnote": {"_title": "%T", "_date": "%8/%D", "_kind": "%0", "_abstract": "%X",
                "_keywords": "%K", "_venue": "%J/%B", "_source_id": "%R"},
    "refworks": {"_title": "T1", "_date": "FD/YR", "_kind": "RT", "_abstract": "AB",
                 "_keywords": "K1", "_venue": "JF", "_source_id": "DO"},
    "estudy": {"_title": "Title-题名", "_date": "PubTime-出版时间/Year-年", "_kind": "SrcDatabase",
               "_abstract": "Summary-摘要", "_keywords": "Keyword-关键词", "_venue": "Source-刊名",
               "_source_id": "Link-链接"},
}  # fmt: skip

_PUBNO = re.compile(r"^(?:CN|US|EP|WO|JP|KR|DE)\d{5,}[A-Z]?\d?$")
_LIST_SEP = re.compile(r"\s*(?:;;|；|;)\s*")
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
)}  # fmt: skip

Raw = dict[str, Any]  # one record's fields: name → str or list of str


# -- splitting a file into records ------------------------------------------------------


class _Syntax:
    """How one format marks tags, record starts and record ends."""

    def __init__(
        self,
        tag: re.Pattern[str],
        start: Callable[[str, Raw], bool],
        end: Callable[[str], bool],
        blank_ends: bool,
        ignore: Callable[[str], bool] = lambda line: False,
    ) -> None:
        self.tag = tag
        self.start = start
        self.end = end
        self.blank_ends = blank_ends
        self.ignore = ignore


_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_ENDNOTE_TAG = re.compile(r"^%(\S)(?: (.*))?$")
_REFWORKS_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9])(?: (.*))?$")
_ESTUDY_TAG = re.compile(r"^(DataType|[A-Za-z]+)(?:-[^:：]{0,20})?\s*[:：]\s?(.*)$")

_SYNTAX: dict[str, _Syntax] = {
    "ris": _Syntax(_RIS_TAG, lambda ln, rec: ln.startswith("TY  -"),
                   lambda ln: ln.rstrip().startswith("ER  -") or ln.rstrip() == "ER", False),
    "wos": _Syntax(_WOS_TAG, lambda ln, rec: ln.startswith("PT "),
                   lambda ln: ln.rstrip() == "ER", False,
                   ignore=lambda ln: ln.rstrip() in ("EF",) or ln.startswith(("FN ", "VR "))),
    "endnote": _Syntax(_ENDNOTE_TAG, lambda ln, rec: ln.startswith("%0 "), lambda ln: False, True),
    "refworks": _Syntax(_REFWORKS_TAG, lambda ln, rec: ln.startswith("RT "),
                        lambda ln: False, True),
    "estudy": _Syntax(
        _ESTUDY_TAG,
        lambda ln, rec: ln.startswith("DataType") or (ln.startswith("Title-") and "Title" in rec),
        lambda ln: False,
        True,
    ),
}  # fmt: skip


def _chunks(
    lines: Lines, fmt: str, path: str
) -> Iterator[tuple[int, list[str] | None, Reject | None]]:
    """(first line, the record's lines) per record, or a reject for stray text."""
    syn = _SYNTAX[fmt]
    current: list[str] | None = None
    start = 0
    tags: Raw = {}
    for raw in lines:
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        n = lines.count
        if not line.strip():
            if current is not None and syn.blank_ends:
                yield start, current, None
                current, tags = None, {}
            continue
        if syn.start(line, tags):
            if current is not None:
                yield start, current, None
            current, start, tags = [line], n, {}
            m = syn.tag.match(line)
            if m:
                tags[m.group(1)] = True
            continue
        if current is None:
            if syn.ignore(line) or syn.end(line):
                continue
            yield n, None, Reject(
                path, n, None, line.strip()[:SHOWN_CHARS],
                t("ingest.reject_outside_tagged", "en", format=_FORMAT_NAMES[fmt],
                  start=_STARTS[fmt]),
            )  # fmt: skip
            continue
        if syn.end(line):
            current.append(line)
            yield start, current, None
            current, tags = None, {}
            continue
        current.append(line)
        m = syn.tag.match(line)
        if m:
            tags[m.group(1)] = True
    if current is not None:
        yield start, current, None


_FORMAT_NAMES = {"ris": "RIS", "wos": "Web of Science", "endnote": "EndNote",
                 "refworks": "RefWorks", "estudy": "CNKI E-Study"}  # fmt: skip
_STARTS = {"ris": "TY  - ", "wos": "PT ", "endnote": "%0 ", "refworks": "RT ",
           "estudy": "DataType: or Title-题名:"}  # fmt: skip


# -- parsing one record -----------------------------------------------------------------


def _rispy_record(lines: list[str], fmt: str) -> Raw:
    import rispy  # noqa: PLC0415 - only RIS/WoS inputs pay for the import

    parser: Any = rispy.RisParser() if fmt == "ris" else rispy.WokParser()
    body = list(lines)
    if fmt == "ris" and not body[-1].startswith("ER"):
        body.append("ER  - ")
    if fmt == "wos" and body[-1].rstrip() != "ER":
        body.append("ER")
    if fmt == "ris":
        # rispy reads the value from column 7: "TY  -JOUR" would lose its first letter.
        body = [re.sub(r"^([A-Z][A-Z0-9])  -(?=\S)", r"\1  - ", ln) for ln in body]
    got = parser.parse_lines(iter(body))
    if len(got) != 1:
        raise ValueError(t("ingest.tagged_found_records", "en", n=len(got)))
    rec: Raw = {}
    for k, v in got[0].items():
        if isinstance(v, dict):  # rispy's unknown_tag: {tag: [values]}
            for tag, vals in v.items():
                if tag:
                    rec[str(tag)] = [str(x) for x in vals]
        elif isinstance(v, list):
            rec[str(k)] = [str(x) for x in v]
        elif v is not None:
            rec[str(k)] = str(v)
    return rec


def _tag_record(lines: list[str], fmt: str) -> Raw:
    tag_re = _SYNTAX[fmt].tag
    rec: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines:
        m = tag_re.match(line)
        if m:
            last = m.group(1)
            rec.setdefault(last, [])
            value = (m.group(2) or "").strip()
            if value:
                rec[last].append(value)
        elif last is not None:
            vals = rec[last]
            if vals:
                vals[-1] = f"{vals[-1]} {line.strip()}"
            else:
                vals.append(line.strip())
        else:
            raise ValueError(t("ingest.tagged_untagged_line", "en", line=line.strip()[:60]))
    return {k: v for k, v in rec.items()}


def _one(rec: Raw, *names: str) -> str | None:
    for n in names:
        v = rec.get(n)
        vals = v if isinstance(v, list) else [v]
        for x in vals:
            if x is None:
                continue
            s = str(x).strip(" ;；,，")
            if s and s.lower() not in ("none", "null"):
                return s
    return None


def _all(rec: Raw, *names: str) -> list[str]:
    out: list[str] = []
    for n in names:
        v = rec.get(n)
        for x in v if isinstance(v, list) else [v]:
            if x is None:
                continue
            for part in _LIST_SEP.split(str(x)):
                part = part.strip()
                if part and part not in out:
                    out.append(part)
    return out


def _doi(rec: Raw, *names: str) -> str | None:
    d = _one(rec, *names)
    if not d:
        return None
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d.strip(), flags=re.I)
    return d.lower() or None


def _ris_date(value: str | None) -> str | None:
    """RIS dates are ``YYYY/MM/DD/other`` with empty parts (``2020///``)."""
    if not value:
        return None
    parts = value.strip().split("/")
    if len(parts) >= 2 and parts[0].isdigit() and len(parts[0]) == 4:
        nums = [p for p in parts[:3] if p.strip()]
        if all(p.strip().isdigit() for p in nums):
            return "-".join(p.strip() for p in nums)
    return value.strip()


def _wos_date(year: str | None, pd: str | None) -> str | None:
    """``PY 2021`` + ``PD DEC 15`` (or ``JAN-FEB``, ``2021 MAR``) → ``2021-12-15``."""
    if not year:
        return None
    if not pd:
        return year
    words = re.findall(r"[A-Za-z]+|\d+", pd.upper())
    month = next((_MONTHS[w[:3]] for w in words if w[:3] in _MONTHS), None)
    if month is None:
        return year
    days = [int(w) for w in words if w.isdigit() and len(w) <= 2]
    return f"{year}-{month:02d}-{days[0]:02d}" if days else f"{year}-{month:02d}"


def _first_address(text: str | None) -> str | None:
    """WoS ``C1`` starts with ``[Authors] Address``: the first address without names."""
    if not text:
        return None
    rest = re.sub(r"^\[[^\]]*\]\s*", "", text.strip())
    rest = re.split(r"\s*\[", rest, maxsplit=1)[0].strip()
    return rest.split(";")[0].strip() or None


def _fields(
    kind: str, title: str | None, abstract: str | None, keywords: list[str], date: str | None,
    venue: str | None, org: str | None, sid: str | None, url: str | None, ipc: str | None = None,
) -> dict[str, str | None]:  # fmt: skip
    """The derived columns (:data:`BIB_COLUMNS`) of one record."""
    return {
        "_kind": kind,
        "_title": title,
        "_abstract": abstract,
        "_keywords": ";".join(keywords) or None,
        "_date": date,
        "_venue": venue,
        "_organization": org,
        "_source_id": sid,
        "_url": url,
        "_ipc": ipc,
    }


def _derive_ris(rec: Raw) -> dict[str, str | None]:
    kind = "patent" if (_one(rec, "type_of_reference") or "").upper() == "PAT" else "paper"
    date = _ris_date(_one(rec, "date")) or _ris_date(_one(rec, "year", "publication_year"))
    if date and len(date) == 4 and (full := _ris_date(_one(rec, "publication_year"))):
        date = full if full.startswith(date) else date
    venue = _one(rec, "journal_name", "secondary_title", "alternate_title3",
                 "alternate_title1", "alternate_title2", "publisher")  # fmt: skip
    org = _one(rec, "author_address")
    doi = _doi(rec, "doi")
    urls = _all(rec, "urls")
    url = urls[0] if urls else (f"https://doi.org/{doi}" if doi else None)
    sid = f"doi:{doi}" if doi else None
    ipc = None
    if kind == "patent":
        org = _one(rec, "publisher", "author_address", "custom1")
        pubno = next((v for v in _all(rec, "number", "issn", "custom2", "note", "id")
                      if _PUBNO.match(v)), None)  # fmt: skip
        sid = pubno or sid
        ipc = _one(rec, "custom3", "call_number")
    title = _one(rec, "title", "primary_title", "translated_title")
    abstract = _one(rec, "abstract", "notes_abstract")
    return _fields(kind, title, abstract, _all(rec, "keywords"), date, venue, org, sid, url, ipc)


def _derive_wos(rec: Raw) -> dict[str, str | None]:
    kind = "patent" if (_one(rec, "publication_type") or "").upper() == "P" else "paper"
    keywords = _all(rec, "author_keywords") or _all(rec, "keywords_plus")
    date = _wos_date(_one(rec, "publication_year"), _one(rec, "publication_date"))
    venue = _one(rec, "publication_name", "conference_title", "book_series_title")
    org = _first_address(_one(rec, "author_address"))
    doi = _doi(rec, "doi")
    sid = _one(rec, "accession_number") or (f"doi:{doi}" if doi else None)
    url = f"https://doi.org/{doi}" if doi else None
    title, abstract = _one(rec, "document_title"), _one(rec, "abstract")
    return _fields(kind, title, abstract, keywords, date, venue, org, sid, url)


def _derive_endnote(rec: Raw) -> dict[str, str | None]:
    kind = "patent" if (_one(rec, "0") or "").lower() == "patent" else "paper"
    date = _one(rec, "8") if _one(rec, "8") and _starts_year(_one(rec, "8"), _one(rec, "D")) \
        else _one(rec, "D")  # fmt: skip
    venue = _one(rec, "J", "B", "I") if kind == "paper" else _one(rec, "W", "J")
    org = _one(rec, "+") if kind == "paper" else _one(rec, "I", "+")
    doi = _doi(rec, "R")
    sid = f"doi:{doi}" if doi else None
    if kind == "patent":
        sid = next((v for v in _all(rec, "@", "M", "N", "1") if _PUBNO.match(v)), None) or sid
    url = _one(rec, "U") or (f"https://doi.org/{doi}" if doi else None)
    title, abstract = _one(rec, "T"), _one(rec, "X")
    return _fields(kind, title, abstract, _all(rec, "K"), date, venue, org, sid, url)


def _derive_refworks(rec: Raw) -> dict[str, str | None]:
    kind = "patent" if (_one(rec, "RT") or "").lower() == "patent" else "paper"
    full = _one(rec, "FD")
    date = full if full and _starts_year(full, _one(rec, "YR")) else _one(rec, "YR") or full
    venue = _one(rec, "JF", "JO", "T2", "PB") if kind == "paper" else _one(rec, "DS", "PB")
    org = _one(rec, "AD") if kind == "paper" else _one(rec, "PB", "AD")
    doi = _doi(rec, "DO")
    sid = f"doi:{doi}" if doi else None
    ipc = None
    if kind == "patent":
        sid = next((v for v in _all(rec, "ID", "SN", "IS", "NO") if _PUBNO.match(v)), None) or sid
        ipc = _one(rec, "CL")
    url = _one(rec, "UL", "LK") or (f"https://doi.org/{doi}" if doi else None)
    title, abstract, keywords = _one(rec, "T1", "TI"), _one(rec, "AB"), _all(rec, "K1", "KW")
    return _fields(kind, title, abstract, keywords, date, venue, org, sid, url, ipc)


def _derive_estudy(rec: Raw) -> dict[str, str | None]:
    db = _one(rec, "SrcDatabase") or ""
    kind = "patent" if "专利" in db or db.lower() == "patent" else "paper"
    year, pub = _one(rec, "Year"), _one(rec, "PubTime")
    date = pub if pub and _starts_year(pub, year) else year or pub
    organs = _all(rec, "Organ")
    org = organs[0] if organs else None
    url = _one(rec, "Link")
    sid = _cnki_filename(url)
    ipc = None
    if kind == "patent":
        sid = next((v for v in _all(rec, "PubNo", "PublicationNo") if _PUBNO.match(v)), sid)
        org = _one(rec, "Applicant") or org
        ipc = _one(rec, "CLC", "IPC")
    title, abstract, keywords = _one(rec, "Title"), _one(rec, "Summary"), _all(rec, "Keyword")
    return _fields(kind, title, abstract, keywords, date, _one(rec, "Source"), org, sid, url, ipc)


#: Format → the function deriving a record's columns from its tags.
_DERIVE: dict[str, Callable[[Raw], dict[str, str | None]]] = {
    "ris": _derive_ris, "wos": _derive_wos, "endnote": _derive_endnote,
    "refworks": _derive_refworks, "estudy": _derive_estudy,
}  # fmt: skip


def _derive(rec: Raw, fmt: str) -> dict[str, str | None]:
    return _DERIVE[fmt](rec)


def _starts_year(full: str | None, year: str | None) -> bool:
    """Whether a full date agrees with the record's year (or there is no year)."""
    if not full:
        return False
    return year is None or full.strip().startswith(year.strip()[:4])


def _cnki_filename(url: str | None) -> str | None:
    if not url:
        return None
    try:
        q = parse_qs(urlparse(url).query)
    except ValueError:
        return None
    for key in ("FileName", "filename", "fileName"):
        if q.get(key):
            return q[key][0].strip() or None
    return None


# -- the reader ---------------------------------------------------------------------------


def _row(rec: Raw, fmt: str) -> dict[str, str | None]:
    row: dict[str, str | None] = {}
    for k, v in rec.items():
        if isinstance(v, list):
            row[k] = ";".join(v) if v else None
        else:
            row[k] = v
    row.update(_derive(rec, fmt))
    return row


def open_tagged(path: Path, encoding: str, fmt: str) -> Table:
    """Read a tagged export (``fmt`` in :data:`TAGGED_FORMATS`) in batches."""
    if fmt not in _SYNTAX:
        raise IngestError.of("ingest.no_tagged_reader", format=fmt, path=str(path))
    f = path.open("r", encoding=encoding, newline="", errors="strict")
    lines = Lines(f, path, encoding)
    first, batches = peeked(lambda: _batches(path, lines, fmt), f.close)
    cols = list(dict.fromkeys([*(first.frame.columns[:-1] if first else []), *BIB_COLUMNS]))
    return Table(path, fmt, encoding, None, cols, batches, close=f.close, labels=LABELS[fmt])


def _batches(path: Path, lines: Lines, fmt: str) -> Iterator[RawBatch]:
    parse = _rispy_record if fmt in ("ris", "wos") else _tag_record
    rows: list[dict[str, str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    empty = dict.fromkeys(BIB_COLUMNS)
    for start, chunk, reject in _chunks(lines, fmt, str(path)):
        if reject is not None:
            rejects.append(reject)
        elif chunk is not None:
            try:
                rec = parse(chunk, fmt)
            except Exception as e:  # rispy and friends raise KeyError, AttributeError …
                rejects.append(
                    Reject(str(path), start, None, " | ".join(chunk)[:SHOWN_CHARS],
                           t("ingest.reject_bad_tagged_record", "en", format=_FORMAT_NAMES[fmt],
                             error=f"{type(e).__name__}: {e}"))
                )  # fmt: skip
            else:
                rows.append(empty | _row(rec, fmt))
                numbers.append(start)
        if len(rows) + len(rejects) >= readers.BATCH_ROWS:
            yield json_batch(rows, numbers, rejects)
            rows, numbers, rejects = [], [], []
    if rows or rejects:
        yield json_batch(rows, numbers, rejects)
