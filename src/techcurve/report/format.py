"""How the report prints numbers, and rounding that makes printed parts add up.

The formatting functions are shared by the sentences the pages build and by the
template (as the Jinja filters in :data:`FILTERS`), so a number reads the same in a
title and in its table. :func:`largest_remainder` and :func:`round_to_total` make
printed shares sum to exactly 100.00 % and printed amounts to their printed total.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

__all__ = [
    "FILTERS",
    "YI",
    "as_date_str",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "fmt_yi",
    "is_nan",
    "largest_remainder",
    "round_to_total",
]

YI = 1e8  # 亿元 = 100 million CNY


def fmt_int(v: float | None) -> str:
    """``1002391`` → ``"1,002,391"``; ``None`` → ``"–"``."""
    return "–" if v is None else f"{round(v):,}"


def fmt_pct(v: float | None, digits: int = 2) -> str:
    """``30.123`` → ``"30.12%"``."""
    return "–" if v is None else f"{v:.{digits}f}%"


def fmt_yi(v: float | None) -> str:
    """An amount already in 亿元, one decimal: ``58.24`` → ``"58.2"``."""
    return "–" if v is None else f"{v:,.1f}"


def fmt_num(v: float | None, digits: int = 2) -> str:
    """``0.7902`` → ``"0.79"``; ``None`` → ``"–"``."""
    return "–" if v is None else f"{v:.{digits}f}"


FILTERS: dict[str, Callable[..., str]] = {
    "int": fmt_int,
    "pct": fmt_pct,
    "yi": fmt_yi,
    "num": fmt_num,
}


def is_nan(v: object) -> bool:
    """Whether ``v`` is a float NaN (the store's "no value" in float columns)."""
    return isinstance(v, float) and math.isnan(v)


def as_date_str(v: object) -> str | None:
    """The ISO date (YYYY-MM-DD) at the start of ``str(v)``, or None."""
    if v is None:
        return None
    s = str(v)[:10]
    return s if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else None


def largest_remainder(values: Sequence[float], total: int = 10_000) -> list[int]:
    """Integer shares of ``total`` proportional to ``values`` that sum exactly to ``total``.

    With the default ``total`` the result is in hundredths of a percent, so printed
    shares (``share / 100`` with two decimals) add up to exactly 100.00 %. Ties in the
    remainders go to the larger value, then to the earlier item. All-zero input gives
    all zeros.

    >>> largest_remainder([1, 1, 1])
    [3334, 3333, 3333]
    """
    vals = [max(float(v), 0.0) for v in values]
    s = sum(vals)
    if s <= 0:
        return [0] * len(vals)
    exact = [v / s * total for v in vals]
    floors = [math.floor(e) for e in exact]
    short = total - sum(floors)
    order = sorted(range(len(vals)), key=lambda i: (-(exact[i] - floors[i]), -vals[i], i))
    for i in order[:short]:
        floors[i] += 1
    return floors


def round_to_total(values: Sequence[float], total: float, decimals: int = 1) -> list[str]:
    """``values`` printed with ``decimals`` so that they add up to ``total`` as printed.

    Largest-remainder rounding in units of the last decimal: each value is rounded
    down, and the units still missing from the rounded total go to the values with
    the largest remainders. Every printed value is within one unit of the exact one.

    >>> round_to_total([10.84, 2.83, 15.24], 28.91)
    ['10.8', '2.8', '15.3']
    """
    scale = 10**decimals
    units = [max(v, 0.0) * scale for v in values]
    target = round(total * scale)
    floors = [math.floor(u + 1e-9) for u in units]
    short = target - sum(floors)
    order = sorted(range(len(units)), key=lambda i: (-(units[i] - floors[i]), -units[i], i))
    if short >= 0:
        for i in order[:short]:
            floors[i] += 1
    else:  # only when the values exceed the total (should not happen): take from the largest
        for i in sorted(range(len(units)), key=lambda i: -floors[i])[:-short]:
            floors[i] -= 1
    return [f"{f / scale:.{decimals}f}" for f in floors]
