"""Financing amounts and rounds: exact parses, vague words, FX, and "never raises"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techcurve.ingest.base import Rejection
from techcurve.ingest.money import (
    HKD_PER_USD,
    ROUND_CODES,
    USD_CNY,
    Amount,
    fx_rate,
    normalize_round,
    parse_amount,
)


def amount(text: object, **kw: object) -> Amount:
    a = parse_amount(text, **kw)  # type: ignore[arg-type]
    assert isinstance(a, Amount), a
    return a


@pytest.mark.parametrize(
    ("text", "low", "high", "point", "currency"),
    [
        ("数百万人民币", 1e6, 1e7, 3e6, "CNY"),
        ("数千万人民币", 1e7, 1e8, 3e7, "CNY"),
        ("数十万人民币", 1e5, 1e6, 3e5, "CNY"),
        ("数亿人民币", 1e8, 1e9, 3e8, "CNY"),
        ("近亿元", 8e7, 1e8, 9e7, "CNY"),
        ("超亿元", 1e8, 1e9, 2e8, "CNY"),
        ("亿元及以上人民币", 1e8, 1e9, 2e8, "CNY"),
        ("1.5亿元", 1.5e8, 1.5e8, 1.5e8, "CNY"),
        ("5000万元", 5e7, 5e7, 5e7, "CNY"),
        ("250万人民币", 2.5e6, 2.5e6, 2.5e6, "CNY"),
        ("1000万-2000万元", 1e7, 2e7, 1.5e7, "CNY"),
        ("1-2亿", 1e8, 2e8, 1.5e8, "CNY"),
        ("约5000万元", 4e7, 6e7, 5e7, "CNY"),
        ("5000余万元", 5e7, 7.5e7, 6e7, "CNY"),
        ("１．５亿元", 1.5e8, 1.5e8, 1.5e8, "CNY"),  # full-width digits
        ("¥3,000,000", 3e6, 3e6, 3e6, "CNY"),
    ],
)
def test_cny_amounts(text: str, low: float, high: float, point: float, currency: str) -> None:
    a = amount(text)
    assert (a.low_cny, a.high_cny, a.point_cny, a.currency) == pytest.approx(
        (low, high, point, currency)
    )
    assert not a.undisclosed


@pytest.mark.parametrize(
    ("text", "year", "usd"),
    [
        ("US$5M", 2020, 5e6),
        ("$1.2B", 2019, 1.2e9),
        ("1亿美元", 2017, 1e8),
        ("1.9亿美元", 2017, 1.9e8),
        ("USD 2.5 million", 2015, 2.5e6),
    ],
)
def test_usd_amounts_use_the_years_rate(text: str, year: int, usd: float) -> None:
    a = amount(text, year=year)
    assert a.currency == "USD"
    assert a.point_cny == pytest.approx(usd * USD_CNY[year])
    assert a.low_cny == a.high_cny == a.point_cny


def test_vague_usd_and_hkd() -> None:
    a = amount("数亿美元", year=2018)
    assert (a.low_cny, a.high_cny, a.point_cny) == pytest.approx(
        (1e8 * 6.616, 1e9 * 6.616, 3e8 * 6.616)
    )
    a = amount("亿元及以上美元", year=2017)  # IT桔子's bucket, in US dollars
    assert (a.currency, a.low_cny, a.point_cny) == (
        "USD",
        pytest.approx(6.759e8),
        pytest.approx(1.3518e9),
    )
    a = amount("5000万港元", year=2017)
    assert a.currency == "HKD"
    assert a.point_cny == pytest.approx(5e7 * 6.759 / HKD_PER_USD)


def test_bare_number_takes_the_default_currency() -> None:
    a = amount("1750000", year=2012, currency="USD")
    assert a.point_cny == pytest.approx(1_750_000 * 6.312)
    assert amount("1750000").currency == "CNY"
    assert amount(600000.0, year=2012, currency="USD").point_cny == pytest.approx(600000 * 6.312)


@pytest.mark.parametrize(
    "text", ["未透露", "未披露", "undisclosed", "Undisclosed", "", "  ", None, "-", "0"]
)
def test_undisclosed_is_never_zero(text: object) -> None:
    a = amount(text)
    assert a.undisclosed
    assert a.low_cny is None and a.high_cny is None and a.point_cny is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("some money", "is not an amount"),
        ("数", "is not an amount"),
        ("5000万欧元", "currency '欧元' is not supported"),
        ("2亿-1亿", "low end is above its high end"),
        ("数5亿", "must be followed by a unit"),
        ("美元", "no amount"),
    ],
)
def test_unreadable_amounts_are_rejections(text: str, fragment: str) -> None:
    r = parse_amount(text)
    assert isinstance(r, Rejection)
    assert r.value == text
    assert fragment in r.reason


def test_fx_rate_clamps_to_the_table() -> None:
    assert fx_rate("CNY", 2017) == 1.0
    assert fx_rate("USD", 1950) == USD_CNY[min(USD_CNY)]
    assert fx_rate("USD", 2100) == USD_CNY[max(USD_CNY)]
    assert fx_rate("USD", None) == USD_CNY[max(USD_CNY)]
    with pytest.raises(ValueError, match="no exchange rate"):
        fx_rate("EUR", 2017)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("种子轮", "seed"), ("天使轮", "angel"), ("angel", "angel"), ("seed", "seed"),
        ("Pre-A轮", "pre-a"), ("A轮", "a"), ("A+轮", "a+"), ("Pre-B轮", "pre-b"), ("B轮", "b"),
        ("B+轮", "b+"), ("C轮", "c"), ("C+轮", "c+"), ("D轮", "d"), ("E轮", "e"),
        ("F轮-上市前", "f"), ("Pre-IPO", "pre-ipo"), ("IPO上市", "ipo"), ("IPO", "ipo"),
        ("IPO上市后", "post-ipo"), ("post-ipo", "post-ipo"), ("战略投资", "strategic"),
        ("并购", "m&a"), ("acquisition", "m&a"), ("新三板", "neeq"),
        ("series-a", "a"), ("series-b", "b"), ("series-c+", "c-or-later"), ("venture", "venture"),
        ("other", "other"), ("private-equity", "private-equity"), ("debt_round", "debt"),
        ("crowdfunding", "crowdfunding"), ("grant", "grant"), ("Series B", "b"),
        ("something new", "other"),
    ],
)  # fmt: skip
def test_normalize_round(raw: str, code: str) -> None:
    assert normalize_round(raw) == code
    assert code in ROUND_CODES


def test_normalize_round_empty() -> None:
    assert normalize_round(None) is None
    assert normalize_round("  ") is None


_money_chars = st.sampled_from(
    list("0123456789.,-~+$¥ 万亿千百十数近超约余多元美港币人民及以上轮KMBkmbUSDusd未透露")
)


@given(
    st.one_of(st.text(), st.text(_money_chars, max_size=12)),
    st.one_of(st.none(), st.integers(-5000, 5000)),
)
def test_parse_amount_never_raises(text: str, year: int | None) -> None:
    a = parse_amount(text, year=year)
    assert isinstance(a, Amount | Rejection)
    if isinstance(a, Amount) and not a.undisclosed:
        assert a.low_cny is not None and a.high_cny is not None and a.point_cny is not None
        assert 0 <= a.low_cny <= a.point_cny <= a.high_cny


@given(st.text())
def test_normalize_round_never_raises(text: str) -> None:
    code = normalize_round(text)
    assert code is None or code in ROUND_CODES
