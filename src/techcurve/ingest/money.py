"""Financing amounts and rounds as sources print them → CNY ranges and round codes.

``parse_amount`` reads exact amounts (``1.5亿元``, ``5000万元``, ``US$5M``, ``$1.2B``,
``1750000`` with a default currency), ranges (``1000万-2000万``, ``1-2亿``) and the vague
words Chinese databases print instead of numbers, and converts to CNY with a yearly
average exchange rate. Undisclosed amounts (``未透露``, ``undisclosed``, empty) are
:class:`Amount` values with ``undisclosed=True`` and null numbers — never 0.
Text it cannot read is a :class:`~techcurve.ingest.base.Rejection`; nothing raises.

Vague amounts (``X`` is the number and unit, e.g. ``亿`` = 1e8; ``U`` a bare unit):

=====================================================  =======  ========  ===========
wording                                                low      high      point
=====================================================  =======  ========  ===========
数U, 几U, several U                                    1 U      10 U      3 U
近X, 不到X, 不足X, nearly X                            0.8 X    X         0.9 X
约X, X左右, X上下, about X                             0.8 X    1.2 X     X
超X, 逾X, 过X, 上X, X以上, X及以上, over X, X+         X        10 X      2 X
X多, X余 (``1亿多``, ``5000余万``)                     X        1.5 X     1.2 X
X-Y, X至Y, X到Y                                        X        Y         (X+Y)/2
=====================================================  =======  ========  ===========

So 数百万 = 1–10M (point 3M), 数千万 = 10–100M (30M), 数亿 = 100M–1B (300M),
近亿 = 80–100M (90M), 超亿 / 亿元及以上 = 100M–1B (200M). The points follow IT桔子's own
exact amounts in 2017Q4: CNY amounts in 1–10M have a geometric mean of 3.4M, in
10–100M a median of 30M, and at or above 1亿 a median of 2亿.

The multipliers (rows ``several``, ``nearly``, ``about``, ``over``, ``more`` of the table)
and the exchange rates are settings: :class:`MoneyConfig` holds them, :func:`money_config`
reads them from the ``ingest`` section of the config (``vague_amounts``, ``fx_rates``,
``hkd_per_usd``) with the values above as defaults; ``docs/ingest.md`` shows the YAML.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from techcurve.errors import ChoiceError, ConfigError
from techcurve.ingest.base import Rejection
from techcurve.text import t

# Yearly average CNY per USD: World Bank WDI "Official exchange rate (LCU per US$, period
# average)", series PA.NUS.FCRF (IMF International Financial Statistics), rounded to
# 3 decimals. 2025 is provisional (about the year's PBoC central parity): replace it with
# the WDI figure once published.
# Years outside the table use the nearest year; an unknown year uses the latest.
USD_CNY: dict[int, float] = {
    1981: 1.705, 1982: 1.893, 1983: 1.976, 1984: 2.320, 1985: 2.937, 1986: 3.453,
    1987: 3.722, 1988: 3.722, 1989: 3.765, 1990: 4.783, 1991: 5.323, 1992: 5.515,
    1993: 5.762, 1994: 8.619, 1995: 8.351, 1996: 8.314, 1997: 8.290, 1998: 8.279,
    1999: 8.278, 2000: 8.279, 2001: 8.277, 2002: 8.277, 2003: 8.277, 2004: 8.277,
    2005: 8.194, 2006: 7.973, 2007: 7.608, 2008: 6.949, 2009: 6.831, 2010: 6.770,
    2011: 6.461, 2012: 6.312, 2013: 6.196, 2014: 6.143, 2015: 6.227, 2016: 6.644,
    2017: 6.759, 2018: 6.616, 2019: 6.908, 2020: 6.901, 2021: 6.449, 2022: 6.737,
    2023: 7.084, 2024: 7.190, 2025: 7.180,
}  # fmt: skip
# The Hong Kong dollar is pegged to the US dollar (Linked Exchange Rate System, since
# October 1983, band 7.75–7.85); the band's centre is used for every year.
HKD_PER_USD = 7.80
CURRENCIES = ("CNY", "USD", "HKD")


@dataclass(frozen=True, slots=True)
class Amount:
    """A financing amount in CNY; numbers are ``None`` when undisclosed."""

    low_cny: float | None
    high_cny: float | None
    point_cny: float | None
    currency: str | None  # currency the source printed: CNY | USD | HKD
    undisclosed: bool = False


UNDISCLOSED_WORDS = frozenset(
    {"未透露", "未披露", "不详", "不明", "保密", "未公开", "undisclosed", "unknown", "n/a",
     "na", "none", "null", "-", "--", "—", "/"}
)  # fmt: skip


#: Vague wordings → (low, high, point) as multiples of the amount X (``several``: of the
#: bare unit U). The table in the module docstring, as data.
VAGUE_AMOUNTS: dict[str, tuple[float, float, float]] = {
    "several": (1.0, 10.0, 3.0),
    "nearly": (0.8, 1.0, 0.9),
    "about": (0.8, 1.2, 1.0),
    "over": (1.0, 10.0, 2.0),
    "more": (1.0, 1.5, 1.2),
}


#: The default ceiling of a plausible amount: 10^13 CNY (ten trillion yuan, more than
#: any financing round or company value on record).
MAX_AMOUNT_CNY = 1e13


@dataclass(frozen=True, slots=True)
class MoneyConfig:
    """The settings amounts are parsed with: vague-word multipliers and exchange rates.

    ``fx[currency][year]`` is CNY per one unit; a currency without a table (HKD by
    default) is converted through USD and ``hkd_per_usd``.
    """

    vague: Mapping[str, tuple[float, float, float]] = field(
        default_factory=lambda: dict(VAGUE_AMOUNTS)
    )
    fx: Mapping[str, Mapping[int, float]] = field(default_factory=lambda: {"USD": dict(USD_CNY)})
    hkd_per_usd: float = HKD_PER_USD
    #: amounts above this many CNY are rejected as implausible (``ingest.max_amount_cny``)
    max_cny: float = MAX_AMOUNT_CNY

    def rate(self, currency: str, year: int | None) -> float:
        """CNY per one unit of ``currency`` in ``year`` (nearest year in the table)."""
        if currency == "CNY":
            return 1.0
        table = self.fx.get(currency)
        if table is None and currency == "HKD":
            return self.rate("USD", year) / self.hkd_per_usd
        if not table:
            raise ChoiceError.of(
                "ingest.no_exchange_rate", currency=currency, currencies=", ".join(CURRENCIES)
            )
        lo, hi = min(table), max(table)
        y = hi if year is None else min(max(year, lo), hi)
        if y not in table:  # a gap in a user's table: the nearest year
            y = min(table, key=lambda k: (abs(k - y), -k))
        return table[y]


DEFAULT_MONEY = MoneyConfig()


def money_config(section: Mapping[str, Any] | None) -> MoneyConfig:
    """A :class:`MoneyConfig` from the config's ``ingest`` section (defaults for the rest).

    >>> money_config({"fx_rates": {"USD": {2017: 6.5}}}).rate("USD", 2017)
    6.5
    """
    if not section:
        return DEFAULT_MONEY
    vague = dict(VAGUE_AMOUNTS)
    raw_vague = section.get("vague_amounts") or {}
    if not isinstance(raw_vague, Mapping):
        raise ConfigError.of("ingest.config_vague_not_a_mapping", shape="{low, high, point}")
    for name, spec in raw_vague.items():
        if name not in VAGUE_AMOUNTS:
            raise ConfigError.of(
                "ingest.config_vague_unknown", name=name, words=", ".join(VAGUE_AMOUNTS)
            )
        try:
            lo, hi, pt = (float(spec[k]) for k in ("low", "high", "point"))
        except (TypeError, KeyError, ValueError):
            raise ConfigError.of(
                "ingest.config_vague_not_numbers",
                name=name,
                shape="{low: …, high: …, point: …}",
                spec=spec,
            ) from None
        if not 0 < lo <= pt <= hi:
            raise ConfigError.of("ingest.config_vague_order", name=name, low=lo, point=pt, high=hi)
        vague[name] = (lo, hi, pt)
    fx: dict[str, dict[int, float]] = {"USD": dict(USD_CNY)}
    raw_fx = section.get("fx_rates") or {}
    if not isinstance(raw_fx, Mapping):
        raise ConfigError.of("ingest.config_fx_not_a_mapping", shape="{year: CNY per unit}")
    for cur, table in raw_fx.items():
        code = str(cur).upper()
        if code not in ("USD", "HKD"):
            raise ConfigError.of("ingest.config_fx_currency", currency=cur)
        if not isinstance(table, Mapping) or not table:
            raise ConfigError.of("ingest.config_fx_not_years", currency=cur)
        merged = dict(fx.get(code, {}))
        for y, r in table.items():
            try:
                year, rate = int(y), float(r)
            except (TypeError, ValueError):
                raise ConfigError.of(
                    "ingest.config_fx_not_year_rate", currency=cur, year=y, rate=r
                ) from None
            if not rate > 0:
                raise ConfigError.of("ingest.config_fx_not_positive", currency=cur, year=y)
            merged[year] = rate
        fx[code] = merged
    hkd = section.get("hkd_per_usd", HKD_PER_USD)
    try:
        hkd_f = float(hkd)
    except (TypeError, ValueError):
        raise ConfigError.of("ingest.config_hkd_not_a_number", value=hkd) from None
    if not hkd_f > 0:
        raise ConfigError.of("ingest.config_hkd_not_positive")
    ceiling = section.get("max_amount_cny", MAX_AMOUNT_CNY)
    try:
        max_cny = float(ceiling)
    except (TypeError, ValueError):
        raise ConfigError.of("ingest.config_max_amount", value=ceiling) from None
    if not max_cny > 0:
        raise ConfigError.of("ingest.config_max_amount", value=ceiling)
    return MoneyConfig(vague=vague, fx=fx, hkd_per_usd=hkd_f, max_cny=max_cny)


def fx_rate(currency: str, year: int | None, config: MoneyConfig | None = None) -> float:
    """CNY per one unit of ``currency`` in ``year`` (see :data:`USD_CNY`)."""
    return (config or DEFAULT_MONEY).rate(currency, year)


# Longest tokens first so that "hk$" wins over "$" and "美元" over "元".
_CURRENCY_TOKENS: tuple[tuple[str, str], ...] = (
    ("港元", "HKD"), ("港币", "HKD"), ("hkd", "HKD"), ("hk$", "HKD"),
    ("美元", "USD"), ("美金", "USD"), ("usd", "USD"), ("us$", "USD"), ("$", "USD"),
    ("人民币", "CNY"), ("rmb", "CNY"), ("cny", "CNY"), ("¥", "CNY"),
)  # fmt: skip
_UNSUPPORTED = ("欧元", "eur", "€", "日元", "jpy", "英镑", "gbp", "£", "韩元", "新台币", "台币")

_UNITS: dict[str, float] = {
    "十": 1e1, "百": 1e2, "千": 1e3, "万": 1e4, "十万": 1e5, "百万": 1e6, "千万": 1e7,
    "亿": 1e8, "十亿": 1e9, "百亿": 1e10, "千亿": 1e11, "万亿": 1e12,
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "mio": 1e6,
    "million": 1e6, "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
}  # fmt: skip
_SEVERAL = ("数", "几", "several", "afew")
_NEARLY = ("近", "不到", "不足", "nearly", "almost", "under", "below", "lessthan", "<")
_ABOUT = ("约", "大约", "about", "approx.", "approximately", "approx", "around", "~", "≈")
_OVER = ("超过", "超", "逾", "过", "上", "over", "morethan", "above", ">")
_POST_OVER = ("及以上", "以上", "+", "ormore", "plus")
_POST_ABOUT = ("左右", "上下")
_POST_MORE = ("多", "余")


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"\d+(?:\.\d+)?"
_UNIT = _alt(list(_UNITS))
_SINGLE = re.compile(
    rf"(?P<pre>{_alt(_SEVERAL + _NEARLY + _ABOUT + _OVER)})?"
    rf"(?P<num>{_NUM})?(?P<mid>{_alt(_POST_MORE)})?(?P<unit>{_UNIT})?"
    rf"(?P<post>{_alt(_POST_OVER + _POST_ABOUT + _POST_MORE)})?"
)
_VALUE = re.compile(rf"(?P<num>{_NUM})(?P<unit>{_UNIT})?")
_RANGE_SEP = re.compile(r"-|~|至|到|—|–|to")


def parse_amount(
    text: object,
    *,
    year: int | None = None,
    currency: str | None = None,
    config: MoneyConfig | None = None,
) -> Amount | Rejection:
    """Parse a financing amount into CNY; never raises.

    ``year`` picks the exchange rate; ``currency`` is the currency of amounts that
    name none (a bare ``1750000``), default CNY; ``config`` the vague-word multipliers
    and exchange rates (default :data:`DEFAULT_MONEY`).

    >>> parse_amount("数千万人民币")
    Amount(low_cny=10000000.0, high_cny=100000000.0, point_cny=30000000.0, currency='CNY', undisclosed=False)
    >>> parse_amount("未透露").undisclosed
    True
    """
    cfg = config or DEFAULT_MONEY
    try:
        a = _parse_amount(text, year, currency, cfg)
    except Exception as e:  # pragma: no cover - defensive: the contract is "never raises"
        return Rejection(str(text), t("ingest.amount_error", "en", text=str(text), error=e))
    top = a.high_cny if isinstance(a, Amount) else None
    if top is not None and not top <= cfg.max_cny:  # inf and nan too
        return Rejection(
            str(text),
            t("ingest.amount_implausible", "en", text=str(text), cny=top, ceiling=cfg.max_cny),
        )
    return a


def _parse_amount(
    text: object, year: int | None, default_currency: str | None, cfg: MoneyConfig
) -> Amount | Rejection:
    default = (default_currency or "CNY").upper()
    if default not in CURRENCIES:
        return Rejection(
            str(text),
            t("ingest.amount_currency_unsupported", "en", currency=default,
              currencies=", ".join(CURRENCIES)),
        )  # fmt: skip
    if text is None:
        return Amount(None, None, None, None, undisclosed=True)
    if isinstance(text, bool):
        return Rejection(str(text), t("ingest.amount_not_an_amount", "en", text=text))
    if isinstance(text, int | float):
        v = float(text)
        if math.isnan(v):
            return Amount(None, None, None, None, undisclosed=True)
        return _exact(str(text), v, default, year, cfg)
    return _parse_text(str(text), default, year, cfg)


def _parse_text(raw: str, default: str, year: int | None, cfg: MoneyConfig) -> Amount | Rejection:
    """An amount as printed: undisclosed, a range, or a single (maybe vague) value."""
    s = unicodedata.normalize("NFKC", raw).strip().lower()
    s = re.sub(r"\s+", "", s).replace(",", "")
    if not s or s in UNDISCLOSED_WORDS:
        return Amount(None, None, None, None, undisclosed=True)
    found = _currency(raw, s)
    if isinstance(found, Rejection):
        return found
    s, named = found
    cur = named or default
    # "元" is the generic money word ("亿元及以上美元", "1.5亿元"): drop it after the currency.
    s = s.replace("元", "")
    if not s:
        return Rejection(raw, t("ingest.amount_no_number", "en", text=raw))
    # A range: "1000万-2000万", "1-2亿".
    parts = _RANGE_SEP.split(s)
    if len(parts) == 2 and parts[0] and parts[1]:
        a, b = _VALUE.fullmatch(parts[0]), _VALUE.fullmatch(parts[1])
        if a and b:
            unit_b = _UNITS.get(b["unit"] or "", 1.0)
            unit_a = _UNITS[a["unit"]] if a["unit"] else unit_b
            lo, hi = float(a["num"]) * unit_a, float(b["num"]) * unit_b
            if lo > hi:
                return Rejection(raw, t("ingest.amount_range_reversed", "en", text=raw))
            return _scaled(raw, lo, hi, (lo + hi) / 2, cur, year, cfg)
    return _parse_single(raw, s, cur, year, cfg)


def _currency(raw: str, s: str) -> tuple[str, str | None] | Rejection:
    """``s`` without its currency words, and the currency they name (None: none)."""
    for bad in _UNSUPPORTED:
        if bad in s:
            return Rejection(raw, t("ingest.amount_currency_word_unsupported", "en", text=raw,
                                    word=bad))  # fmt: skip
    found: set[str] = set()
    for token, code in _CURRENCY_TOKENS:
        if token in s:
            found.add(code)
            s = s.replace(token, "")
    if len(found) > 1:
        return Rejection(
            raw, t("ingest.amount_two_currencies", "en", text=raw, found=", ".join(sorted(found)))
        )
    return s, (found.pop() if found else None)


def _parse_single(
    raw: str, s: str, cur: str, year: int | None, cfg: MoneyConfig
) -> Amount | Rejection:
    """One value, maybe qualified: 数千万, 近亿, 超过1亿, 5000万以上, 1000多万."""
    m = _SINGLE.fullmatch(s)
    if not m or not (m["num"] or m["unit"]):
        return Rejection(raw, t("ingest.amount_not_an_amount_expected", "en", text=raw))
    pre, post = m["pre"] or "", m["post"] or ""
    unit = _UNITS[m["unit"]] if m["unit"] else 1.0
    if pre in _SEVERAL:
        if m["num"] or not m["unit"]:
            return Rejection(raw, t("ingest.amount_several_needs_unit", "en", text=raw, word=pre))
        lo_m, hi_m, pt_m = cfg.vague["several"]
        return _scaled(raw, lo_m * unit, hi_m * unit, pt_m * unit, cur, year, cfg)
    v = float(m["num"] or 1) * unit
    if pre and post:
        return Rejection(raw, t("ingest.amount_qualified_twice_by", "en", text=raw, pre=pre,
                                post=post))  # fmt: skip
    if m["mid"] and (pre or post):
        return Rejection(raw, t("ingest.amount_qualified_twice", "en", text=raw))
    word = None
    if pre in _NEARLY:
        word = "nearly"
    elif pre in _ABOUT or post in _POST_ABOUT:
        word = "about"
    elif pre in _OVER or post in _POST_OVER:
        word = "over"
    elif m["mid"] or post in _POST_MORE:
        word = "more"
    if word is not None:
        lo_m, hi_m, pt_m = cfg.vague[word]
        return _scaled(raw, lo_m * v, hi_m * v, pt_m * v, cur, year, cfg)
    return _exact(raw, v, cur, year, cfg)


def _exact(
    raw: str, v: float, currency: str, year: int | None, cfg: MoneyConfig
) -> Amount | Rejection:
    if v < 0:
        return Rejection(raw, t("ingest.amount_negative", "en", text=raw))
    if v == 0:
        # A zero-amount round is a placeholder for "not disclosed", never a real 0.
        return Amount(None, None, None, currency, undisclosed=True)
    return _scaled(raw, v, v, v, currency, year, cfg)


def _scaled(
    raw: str,
    lo: float,
    hi: float,
    point: float,
    currency: str,
    year: int | None,
    cfg: MoneyConfig,
) -> Amount | Rejection:
    rate = cfg.rate(currency, year)
    values = (lo * rate, hi * rate, point * rate)
    if not all(math.isfinite(x) for x in values):
        return Rejection(raw, t("ingest.amount_too_large", "en", text=raw))
    if values[2] == 0:
        return Amount(None, None, None, currency, undisclosed=True)
    return Amount(values[0], values[1], values[2], currency)


# -- rounds ---------------------------------------------------------------------------

#: Normalised round codes, roughly in order of a company's life.
ROUND_CODES = (
    "seed", "angel", "pre-a", "a", "a+", "pre-b", "b", "b+", "c", "c+", "c-or-later", "d",
    "d+", "e", "e+", "f", "g", "h", "venture", "private-equity", "pre-ipo", "ipo", "post-ipo",
    "neeq", "strategic", "m&a", "debt", "crowdfunding", "grant", "other",
)  # fmt: skip

_ROUND_WORDS: dict[str, str] = {
    "种子轮": "seed", "种子": "seed", "seed": "seed",
    "天使轮": "angel", "天使": "angel", "angel": "angel",
    "series-c+": "c-or-later",  # Crunchbase: Series C or any later letter
    "pre-ipo": "pre-ipo", "preipo": "pre-ipo", "上市前": "pre-ipo",
    "ipo": "ipo", "ipo上市": "ipo", "上市": "ipo",
    "ipo上市后": "post-ipo", "上市后": "post-ipo", "post-ipo": "post-ipo", "postipo": "post-ipo",
    "定向增发": "post-ipo", "定增": "post-ipo",
    "新三板": "neeq", "新三板定增": "neeq", "新三板上市": "neeq",
    "战略投资": "strategic", "战略融资": "strategic", "战略": "strategic",
    "strategic": "strategic",
    "并购": "m&a", "收购": "m&a", "被收购": "m&a", "acquisition": "m&a", "acquired": "m&a",
    "m&a": "m&a", "merger": "m&a",
    "venture": "venture", "private-equity": "private-equity", "privateequity": "private-equity",
    "pe": "private-equity", "私募股权": "private-equity",
    "debt_round": "debt", "debt": "debt", "债权融资": "debt",
    "crowdfunding": "crowdfunding", "众筹": "crowdfunding", "股权众筹": "crowdfunding",
    "grant": "grant", "资助": "grant",
    "other": "other", "其他": "other", "其它": "other", "不明确": "other", "未知": "other",
}  # fmt: skip
# Letter rounds: "A轮", "Pre-A轮", "A+轮", "series-a", "Series B", "F轮-上市前".
_LETTER = re.compile(r"(?:series[-_ ]?)?(pre-?)?([a-h])(\+?)(?:轮.*|round|系列)?")


def normalize_round(text: object) -> str | None:
    """The normalised round code (one of :data:`ROUND_CODES`) or ``None`` if empty.

    Unknown wordings become ``"other"``; callers keep the original in ``round_raw``.

    >>> normalize_round("Pre-A轮"), normalize_round("series-b"), normalize_round("IPO上市后")
    ('pre-a', 'b', 'post-ipo')
    """
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not s:
        return None
    key = s.replace(" ", "")
    if key in _ROUND_WORDS:
        return _ROUND_WORDS[key]
    m = _LETTER.fullmatch(key) or _LETTER.fullmatch(s)
    if m:
        pre, letter, plus = m.groups()
        if pre:
            return f"pre-{letter}" if f"pre-{letter}" in ROUND_CODES else "other"
        code = letter + plus
        return code if code in ROUND_CODES else letter
    if key.endswith("轮") and key[:-1] in _ROUND_WORDS:
        return _ROUND_WORDS[key[:-1]]
    return "other"
