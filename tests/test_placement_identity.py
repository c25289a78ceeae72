"""Issue 18: making the label placer faster must not move a label.

The digests below were computed with the placer of 071e423 (before the candidates'
leader crossings were costed lazily): every label's centre and leader line, in data
coordinates rounded to 1e-6, for the curve benchmark's crowded dots
(``benchmarks/bench_curve.py`` ``crowded``). A change that alters the search order or
the scoring changes them; one that only prunes work that cannot change an outcome does
not.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from benchmarks.bench_curve import crowded

from techcurve.render.curve import draw
from techcurve.render.curve.placement import Placement

#: (dots, label mode) → (labels placed, digest) of each placing, in order; ``auto``
#: places the names until one needs a long leader line, then numbers
PINNED: dict[tuple[int, str], list[tuple[int, str]]] = {
    (300, "numbers"): [(300, "5f110f14c19bc432cfabfd933358cb4659c7925e4368a00c1e903c9df21e8334")],
    (167, "names"): [(167, "ae6d662211b3989c9df07c3d68293790479ff9ac19c3aceb57a8f398c37f0b61")],
    (167, "auto"): [
        (55, "21e2278368366e8406f6e95a629a4f83da61ceda2382860bbc305ccd7401a9ee"),
        (167, "fe634008f01a7e91137e6d4cb1f4303f03f8a331b4ec782853280c5923721880"),
    ],
}


def digest(p: Placement) -> str:
    """A hash of where every label went (rounded to 1e-6 in data coordinates)."""

    def r(v: float) -> str:
        return f"{v:.6f}"

    rows: list[Any] = [p.placed, p.crowded, r(p.longest_leader_pt), p.gave_up]
    for lb in p.labels:
        leader = None if lb.leader is None else tuple(map(r, lb.leader))
        rows.append((r(lb.x), r(lb.y), leader, lb.no_room))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.parametrize(("n", "labels"), list(PINNED))
def test_crowded_placements_are_the_pinned_ones(
    n: int, labels: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    got: list[Placement] = []
    place = draw.place_labels

    def recorded(*args: Any, **kwargs: Any) -> Placement:
        got.append(place(*args, **kwargs))
        return got[-1]

    monkeypatch.setattr(draw, "place_labels", recorded)
    a, s, d = crowded(n)
    draw.draw_curve(a, s, d, lang="zh", labels=labels, source_line="数据来源：测试")
    assert [(g.placed, digest(g)) for g in got] == PINNED[(n, labels)]
