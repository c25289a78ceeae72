"""Guessing what a file is: its format, text encoding and CSV delimiter.

Encoding, in order: a byte-order mark (UTF-8-BOM, UTF-16, UTF-32); strict UTF-8; then
charset-normalizer. Two corrections on top of charset-normalizer, both for the data
techcurve meets:

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
import logging
import re
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import IngestError

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
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".net": "cnki",
}  # fmt: skip
_CNKI_FIELD = re.compile(r"^\s*\{[^{}\n]{1,40}\}\s*[:：]")


def check_file(path: Path) -> None:
    """Raise :class:`IngestError` unless ``path`` is a readable file."""
    if not path.exists():
        raise IngestError("file does not exist", path=str(path))
    if path.is_dir():
        raise IngestError("is a folder, not a file: name the files to ingest", path=str(path))


def read_sample(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(n)
    except OSError as e:
        raise IngestError(f"cannot read the file ({e.strerror or e})", path=str(path)) from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: Path, sample: bytes | None = None, override: str | None = None) -> str:
    """The text encoding of ``path`` as a Python codec name (see the module docstring)."""
    if override:
        try:
            return codecs.lookup(override).name
        except LookupError:
            raise IngestError(
                f"unknown encoding {override!r} (try utf-8, utf-8-sig, gb18030, utf-16)",
                path=str(path),
            ) from None
    if sample is None:
        sample = read_sample(path)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if not sample:
        return "utf-8"
    whole = len(sample) < SAMPLE_BYTES
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is None:
        raise IngestError(
            "cannot tell the file's text encoding: save it as UTF-8 or pass encoding= "
            "(e.g. gb18030, utf-16)",
            path=str(path),
        )
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


def _decodes(sample: bytes, encoding: str, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
        return True
    except UnicodeDecodeError:
        return False


def detect_format(path: Path, sample: bytes, encoding: str) -> str:
    """``csv``, ``tsv``, ``jsonl``, ``xlsx`` or ``cnki`` from the extension, else the content."""
    ext = path.suffix.lower()
    if ext == ".xls":
        raise IngestError(
            "old binary Excel (.xls) files are not supported: open it and save as .xlsx or .csv",
            path=str(path),
        )
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    if ext in _EXTENSIONS and ext not in (".net",):
        return _EXTENSIONS[ext]
    text = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    first = next((ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip()), "")
    if _CNKI_FIELD.match(first):
        return "cnki"
    if ext == ".net":
        return "cnki"
    if first.lstrip().startswith("{"):
        return "jsonl"
    return "csv"


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
