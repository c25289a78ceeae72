"""Dates as sources print them → ``(date, precision)`` or a typed rejection.

Accepted: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (also with ``.`` or ``/`` and one-digit
month/day, e.g. IT桔子's ``2017.12.2``), ``YYYYMMDD``, ``2022年11月24日``, ``2022年11月``,
``2022年``, ISO date-times (the time is dropped), Excel serial numbers (5 digits, as
XLSX cells without a date format hold them) and ``date``/``datetime`` objects (openpyxl).

A month or year is stored as its first day with precision ``month`` or ``year``.
Impossible dates (month 13, 30 February, a year before 1900, anything after ``as_of``)
are :class:`Rejection` values whose reason names the value; nothing here raises.

>>> parse_date("2017.12.2")
ParsedDate(date=datetime.date(2017, 12, 2), precision='day')
>>> parse_date("2022年11月")
ParsedDate(date=datetime.date(2022, 11, 1), precision='month')
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from techcurve.ingest.base import Rejection
from techcurve.text import t

MIN_YEAR = 1900
#: The date layouts read, as a rejection names them.
DATE_FORMATS = ("YYYY, YYYY-MM, YYYY-MM-DD, YYYY.M.D, YYYY/MM/DD, YYYYMMDD, 2022年11月24日, "
                "2022年11月")  # fmt: skip
EXPECTED = t("ingest.date_expected", "en", formats=DATE_FORMATS)
# Excel's day 0 (the 1900 leap-year bug makes 1899-12-30 the working epoch).
_EXCEL_EPOCH = date(1899, 12, 30)

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{4})年"), "year"),
    (re.compile(r"(\d{4})[-./](\d{1,2})"), "month"),
    (re.compile(r"(\d{4})年(\d{1,2})月"), "month"),
    (re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})" + _TIME), "day"),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?" + _TIME), "day"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "day"),
)
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date; ``date`` is ``None`` (precision ``none``) for an empty value."""

    date: date | None
    precision: str  # day | month | year | none

    @property
    def year(self) -> int | None:
        return None if self.date is None else self.date.year


NO_DATE = ParsedDate(None, "none")


def parse_date(value: object, *, as_of: date | None = None) -> ParsedDate | Rejection:
    """Parse one date value; never raises.

    ``as_of``: dates after it are rejected (a year or month is compared by its first day).
    Empty values (``None``, ``""``) give :data:`NO_DATE`.
    """
    try:
        parsed = _parse(value)
    except Exception as e:  # pragma: no cover - defensive: the contract is "never raises"
        return Rejection(_show(value), t("ingest.date_error", "en", text=_show(value), error=e))
    if isinstance(parsed, Rejection) or parsed.date is None:
        return parsed
    d = parsed.date
    if d.year < MIN_YEAR:
        return Rejection(
            _show(value),
            t("ingest.date_too_early", "en", year=d.year, text=_show(value), min_year=MIN_YEAR),
        )
    if as_of is not None and d > as_of:
        return Rejection(
            _show(value),
            t("ingest.date_after_as_of", "en", text=_show(value), as_of=as_of.isoformat()),
        )
    return parsed


def _show(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _parse(value: object) -> ParsedDate | Rejection:
    if value is None:
        return NO_DATE
    if isinstance(value, datetime):
        return ParsedDate(value.date(), "day")
    if isinstance(value, date):
        return ParsedDate(value, "day")
    if isinstance(value, bool):
        return Rejection(
            str(value), t("ingest.date_not_a_date", "en", text=value, expected=EXPECTED)
        )
    if isinstance(value, int):
        if 1000 <= value <= 9999:
            return _build(str(value), value, None, None)
        return _from_serial(str(value), float(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return Rejection(
                str(value), t("ingest.date_not_a_date", "en", text=value, expected=EXPECTED)
            )
        if value.is_integer() and 1000 <= value <= 9999:
            return _build(str(value), int(value), None, None)
        return _from_serial(str(value), value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return NO_DATE
    for pattern, precision in _PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            g = m.groups()
            y = int(g[0])
            mo = int(g[1]) if precision in ("month", "day") else None
            dd = int(g[2]) if precision == "day" else None
            return _build(str(value), y, mo, dd)
    if _SERIAL.fullmatch(text):
        return _from_serial(str(value), float(text))
    return Rejection(
        str(value), t("ingest.date_not_a_date", "en", text=str(value), expected=EXPECTED)
    )


def _build(raw: str, year: int, month: int | None, day: int | None) -> ParsedDate | Rejection:
    if year < 1:
        return Rejection(
            raw, t("ingest.date_too_early", "en", year=year, text=raw, min_year=MIN_YEAR)
        )
    if month is None:
        return ParsedDate(date(year, 1, 1), "year")
    if not 1 <= month <= 12:
        return Rejection(raw, t("ingest.date_bad_month", "en", month=month, text=raw))
    if day is None:
        return ParsedDate(date(year, month, 1), "month")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return Rejection(
            raw,
            t("ingest.date_bad_day", "en", day=day, text=raw, year=year, month=month, last=last),
        )
    return ParsedDate(date(year, month, day), "day")


def _from_serial(raw: str, serial: float) -> ParsedDate | Rejection:
    # 10000 = 1927-05-18 … 2958465 = 9999-12-31; smaller numbers are not plausible
    # record dates (and 1000-9999 are years).
    if not 10000 <= serial <= 2958465:
        return Rejection(raw, t("ingest.date_not_a_date", "en", text=raw, expected=EXPECTED))
    return ParsedDate(_EXCEL_EPOCH + timedelta(days=int(serial)), "day")
