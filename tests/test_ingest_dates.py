"""Date parsing: every accepted form, the impossible ones, and "never raises"."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techcurve.ingest.base import Rejection
from techcurve.ingest.dates import NO_DATE, ParsedDate, parse_date


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2019", date(2019, 1, 1), "year"),
        ("2022年", date(2022, 1, 1), "year"),
        ("2018-04", date(2018, 4, 1), "month"),
        ("2022年11月", date(2022, 11, 1), "month"),
        ("2012-06-30", date(2012, 6, 30), "day"),
        ("2017.12.22", date(2017, 12, 22), "day"),
        ("2017.12.2", date(2017, 12, 2), "day"),
        ("2017.1.5", date(2017, 1, 5), "day"),
        ("2022/11/25", date(2022, 11, 25), "day"),
        ("2022年11月24日", date(2022, 11, 24), "day"),
        ("20181102", date(2018, 11, 2), "day"),
        ("2019-07-16T10:30:00Z", date(2019, 7, 16), "day"),
        ("2019-07-16 10:30", date(2019, 7, 16), "day"),
        ("43091", date(2017, 12, 22), "day"),  # Excel serial as text
        ("43091.0", date(2017, 12, 22), "day"),
        (43091, date(2017, 12, 22), "day"),  # Excel serial as a number
        (2006, date(2006, 1, 1), "year"),
        (2006.0, date(2006, 1, 1), "year"),
        (datetime(2017, 12, 22, 0, 0), date(2017, 12, 22), "day"),
        (date(2020, 2, 29), date(2020, 2, 29), "day"),
        ("  2020-02-29 ", date(2020, 2, 29), "day"),
        ("２０２２年１１月", date(2022, 11, 1), "month"),  # full-width digits
    ],
)
def test_accepted_forms(value: object, expected: date, precision: str) -> None:
    assert parse_date(value) == ParsedDate(expected, precision)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_is_no_date(value: object) -> None:
    assert parse_date(value) == NO_DATE
    assert NO_DATE.precision == "none" and NO_DATE.year is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2022-13-01", "month 13 in '2022-13-01' is impossible (months are 1-12)"),
        ("2022-02-30", "day 30 in '2022-02-30' is impossible (2022-02 has 28 days)"),
        ("1850", "year 1850 in '1850' is before 1900"),
        ("2989", "'2989' is after the as-of date 2026-11-29"),
        ("2026-12", "'2026-12' is after the as-of date 2026-11-29"),
        ("yesterday", "'yesterday' is not a date (expected YYYY, YYYY-MM, YYYY-MM-DD"),
        ("12/25/2020", "is not a date"),
        (5, "is not a date"),
    ],
)
def test_impossible_dates_are_rejections(value: object, reason: str) -> None:
    r = parse_date(value, as_of=date(2026, 11, 29))
    assert isinstance(r, Rejection)
    assert r.reason.startswith(reason) or reason in r.reason


def test_as_of_compares_first_days() -> None:
    as_of = date(2026, 11, 29)
    assert parse_date("2026-11", as_of=as_of) == ParsedDate(date(2026, 11, 1), "month")
    assert parse_date("2026", as_of=as_of) == ParsedDate(date(2026, 1, 1), "year")
    assert isinstance(parse_date("2026-11-30", as_of=as_of), Rejection)


_date_chars = st.sampled_from(list("0123456789-./年月日T: Z+"))


@given(
    st.one_of(
        st.text(),
        st.text(_date_chars, max_size=14),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.dates(),
        st.datetimes(),
    )
)
def test_parse_date_never_raises(value: object) -> None:
    r = parse_date(value, as_of=date(2026, 11, 29))
    assert isinstance(r, ParsedDate | Rejection)
    if isinstance(r, ParsedDate) and r.date is not None:
        assert date(1900, 1, 1) <= r.date <= date(2026, 11, 29)
        assert r.precision in ("day", "month", "year")
