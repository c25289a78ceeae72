"""Guessing what a file is: its format, text encoding and CSV delimiter.

Encoding, in order: a byte-order mark (UTF-8-BOM, UTF-16, UTF-32); UTF-16 LE/BE without
a BOM (told by the zero bytes that every ASCII character leaves at odd or even offsets);
strict UTF-8; then charset-normalizer. Two corrections on top of charset-normalizer,
both for the data techcurve meets:

* a CJK answer (cp949, big5, euc-jp …) for bytes that also decode as GB18030 becomes
  GB18030 — short Chinese exports are GBK far more often than Korean;
* a single-byte Western answer (cp1250, latin-1 …) for a file with old-Mac CR-only
  line ends becomes ``mac_roman``: such files come from classic Mac OS tools (the
  Crunchbase 2013 export is one; cp1250 would turn its ``™`` into ``Ş``).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import logging
import re
import threading
from pathlib import Path

from charset_normalizer import from_bytes

from techcurve.errors import IngestError

log = logging.getLogger(__name__)

SAMPLE_BYTES = 1 << 20  # encoding and format are judged on the first MiB
_CJK_CODECS = ("cp949", "euc_kr", "big5", "big5hkscs", "cp950", "euc_jp", "euc_jis_2004",
               "shift_jis", "cp932", "iso2022_jp", "johab", "gb2312", "gbk", "hz")  # fmt: skip
_GB = ("gb2312", "gbk", "gb18030", "hz")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".net": "cnki", ".xls": "xls", ".parquet": "parquet",
    ".pq": "parquet", ".ris": "ris", ".enw": "endnote", ".ciw": "wos", ".json": "json",
}  # fmt: skip
_CNKI_FIELD = re.compile(r"^\s*\{[^{}\n]{1,40}\}\s*[:：]")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Excel (and other OLE2 files)
# First lines of the tagged bibliographic exports (see tagged.py).
_RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ?")
_WOS_FIRST = re.compile(r"^(?:FN |VR |PT [A-Z]\b)")
_ENDNOTE_LINE = re.compile(r"^%0 \S")
_REFWORKS_LINE = re.compile(r"^RT \S")
_ESTUDY_LINE = re.compile(r"^(?:DataType|[A-Z][A-Za-z]+-[^\s:：]{1,12})\s*[:：]")


def check_file(path: Path) -> None:
    """Raise :class:`IngestError` unless ``path`` is a readable file."""
    if not path.exists():
        raise IngestError.of("ingest.file_does_not_exist", path=str(path))
    if path.is_dir():
        raise IngestError.of("ingest.is_a_folder", path=str(path))


def read_sample(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(n)
    except OSError as e:
        raise IngestError.of("ingest.cannot_read", error=e.strerror or e, path=str(path)) from None


def sha256_file(path: Path, stop: threading.Event | None = None) -> str:
    """The file's SHA-256 (hex); ``""`` when ``stop`` is set before it is done."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                return ""
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: Path, sample: bytes | None = None, override: str | None = None) -> str:
    """The text encoding of ``path`` as a Python codec name (see the module docstring)."""
    if override:
        try:
            return codecs.lookup(override).name
        except LookupError:
            raise IngestError.of(
                "ingest.unknown_encoding", encoding=override, path=str(path)
            ) from None
    if sample is None:
        sample = read_sample(path)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if not sample:
        return "utf-8"
    utf16 = _utf16_without_bom(sample)
    if utf16 is not None:
        return utf16
    whole = len(sample) < SAMPLE_BYTES
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(sample, whole):
        return "utf-8"  # the few lines that are not are rejected (or --fallback-encoding)
    best = from_bytes(sample).best()
    if best is None:
        raise IngestError.of("ingest.unknown_text_encoding", path=str(path))
    name = codecs.lookup(best.encoding).name
    if name.replace("-", "_") in _CJK_CODECS or name in _GB:
        if _decodes(sample, "gb18030", whole):
            name = "gb18030"
    elif (
        name.startswith(("cp125", "iso8859", "latin", "cp437", "cp850"))
        and b"\r" in sample
        and b"\n" not in sample
    ):
        name = "mac_roman"
    log.debug("%s: detected encoding %s (charset-normalizer said %s)", path, name, best.encoding)
    return name


def _mostly_utf8(sample: bytes, whole: bool) -> bool:
    """Whether ``sample`` is UTF-8 with a few lines in another encoding (one GBK line
    pasted into a UTF-8 file): its non-ASCII lines decode as UTF-8 at least 4 to 1
    (Chinese text in GBK almost never does)."""
    lines = sample.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a character
    good = bad = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good >= 4 * bad


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when zero bytes sit at (almost only) odd/even offsets.

    Every ASCII character (delimiters, digits, line ends) in UTF-16 has a zero high
    byte; UTF-8 and GB18030 text never contains zero bytes at all.
    """
    head = sample[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 10:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 8 * max(even, 1) or (even == 0 and odd >= 2):
        name = "utf-16-le"
    elif even >= 8 * max(odd, 1) or (odd == 0 and even >= 2):
        name = "utf-16-be"
    else:
        return None
    cut = len(sample) - len(sample) % 2
    return name if _decodes(sample[:cut], name, True) else None


def _decodes(sample: bytes, encoding: str, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
        return True
    except UnicodeDecodeError:
        return False


def detect_format(path: Path, sample: bytes, encoding: str) -> str:
    """The reader a file needs (one of :data:`~techcurve.ingest.base.FORMATS`).

    Binary formats by their magic bytes (XLSX ``PK``, XLS ``OLE2``, Parquet ``PAR1``);
    then the extension (``.csv .tsv .jsonl .json .xlsx .xls .parquet .ris .enw .ciw``);
    then the first non-blank line: ``{Field}: value`` is NoteExpress (``cnki``),
    ``TY  - `` RIS, ``FN``/``PT J`` Web of Science, ``%0`` EndNote, ``RT`` RefWorks,
    ``Title-题名:`` / ``DataType:`` CNKI E-Study, ``[`` a JSON array, ``{`` JSON Lines
    (or one JSON document when the first line is not a whole object); else CSV.
    """
    ext = path.suffix.lower()
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    if sample.startswith(_OLE2):
        return "xls"
    if sample.startswith(b"PAR1"):
        return "parquet"
    if ext in (".xls", ".parquet", ".pq"):
        return _EXTENSIONS[ext]  # the reader says what is wrong with the bytes
    if ext in _EXTENSIONS and ext != ".net":
        return _EXTENSIONS[ext]
    text = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    lines = [ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip()]
    first = lines[0] if lines else ""
    if _CNKI_FIELD.match(first):
        return "cnki"
    if ext == ".net":
        return "cnki"
    if _RIS_LINE.match(first):
        return "ris"
    if _WOS_FIRST.match(first):
        return "wos"
    if _ENDNOTE_LINE.match(first):
        return "endnote"
    if _REFWORKS_LINE.match(first):
        return "refworks"
    if _ESTUDY_LINE.match(first) and any(_ESTUDY_LINE.match(ln) for ln in lines[1:5]):
        return "estudy"
    stripped = first.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        if ext == ".json" or not _is_json_object(stripped):
            return "json"
        return "jsonl"
    return "csv"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def sniff_delimiter(sample_text: str, fmt: str) -> str:
    """The delimiter of a CSV/TSV file judged on its first lines.

    For each candidate (``,``, tab, ``;``, ``|``) the sample is parsed as CSV; the winner
    splits the header into the most fields among those that give the most rows with the
    header's field count. A file with one column gets ``,``.
    """
    if fmt == "tsv":
        return "\t"
    lines = re.split(r"\r\n|\r|\n", sample_text)
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    lines = [ln for ln in lines if ln.strip()][:50]
    if not lines:
        return ","
    best, best_score = ",", (-1.0, 0)
    for d in (",", "\t", ";", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(1 for r in rows[1:] if len(r) == width) / max(len(rows) - 1, 1)
        score = (same, width)
        if score > best_score:
            best, best_score = d, score
    return best
