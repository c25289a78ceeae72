"""The report's matplotlib charts kept by what decides them (render/curve/filememo.py
``kept_chart``): a chart drawn once with the same arguments, code and settings is read
back as it was drawn; anything the key could not hold is drawn every time."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from cli_support import cli_modules
from techcurve.render.charts import donut_chart
from techcurve.render.curve.filememo import kept_chart, plain_repr
from techcurve.render.fonts import figure_svg

#: how many times :func:`counted` drew
DRAWN: list[tuple[Any, ...]] = []


def counted(labels: list[str], values: list[float], **kw: Any) -> str:
    """A chart function at the top of its module that notes every drawing."""
    DRAWN.append((labels, values, kw))
    return f"chart of {labels} {values} {sorted(kw.items())}"


def as_text(value: str) -> str:
    return value


def svg(fig: Any) -> Markup:
    return Markup(figure_svg(fig))  # noqa: S704 - our SVG


def test_a_kept_chart_is_what_was_drawn() -> None:
    args = (["云计算", "人工智能"], [3.0, 1.5])
    first = kept_chart(svg, donut_chart, *args, title="专利")
    again = kept_chart(svg, donut_chart, *args, title="专利")
    assert type(again) is Markup
    assert again == first == svg(donut_chart(*args, title="专利"))


def test_the_same_chart_is_drawn_once_and_any_change_draws_again() -> None:
    DRAWN.clear()
    a = kept_chart(as_text, counted, ["a", "b"], [1.0, 2.0], title="x")
    b = kept_chart(as_text, counted, ["a", "b"], [1.0, 2.0], title="x")
    assert a == b and len(DRAWN) == 1
    kept_chart(as_text, counted, ["a", "b"], [1.0, 2.5], title="x")
    kept_chart(as_text, counted, ["a", "b"], [1.0, 2.0], title="y")
    kept_chart(as_text, counted, ["a", "b"], [1.0, 2.0], title="x", colors=None)
    assert len(DRAWN) == 4


def test_what_the_key_cannot_hold_is_drawn_every_time() -> None:
    DRAWN.clear()
    for _ in range(2):
        kept_chart(lambda v: v, counted, ["a"], [1.0])  # out may hold state of its own
        kept_chart(as_text, counted, ["a"], [np.float64(1.0)])  # not a plain value
        kept_chart(as_text, lambda *a, **k: counted(*a, **k), ["a"], [1.0])
    assert len(DRAWN) == 6


def test_plain_repr_refuses_what_its_repr_would_not_say() -> None:
    assert plain_repr((["a", 1, 2.5, None, True], {"k": (1,)})) == (
        "tuple(list('a', 1, 2.5, None, True), {'k': tuple(1)})"
    )
    assert plain_repr([np.int64(1)]) is None
    assert plain_repr({1: "a"}) is None
    assert plain_repr([object()]) is None


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_plain, _plain)
def test_plain_repr_tells_unequal_values_apart(a: object, b: object) -> None:
    ra, rb = plain_repr(a), plain_repr(b)
    assert ra is not None and rb is not None
    assert plain_repr(copy.deepcopy(a)) == ra
    if ra == rb:
        assert a == b and type(a) is type(b)


def test_a_chart_named_by_module_is_drawn_once_and_only_render_is_kept() -> None:
    DRAWN.clear()
    ref = f"{__name__}:counted"  # a test module: its code is not stamped, never kept
    kept_chart(as_text, ref, ["a"], [1.0])
    kept_chart(as_text, ref, ["a"], [1.0])
    assert len(DRAWN) == 2
    args = (["云计算"], [1.0])
    named = kept_chart(svg, "techcurve.render.charts:donut_chart", *args)
    assert named == kept_chart(svg, donut_chart, *args) == svg(donut_chart(*args))


def test_a_report_read_back_draws_no_figure(assessed_db: Path, tmp_path: Path) -> None:
    """Its curves, charts and cards kept, a second report imports no matplotlib at all."""
    cache = tmp_path / "xdg"
    report = ["--db", str(assessed_db), "report", "-o"]
    assert cli_modules([*report, str(tmp_path / "a.html")], cache, ["matplotlib"])["matplotlib"]
    assert not cli_modules([*report, str(tmp_path / "b.html")], cache, ["matplotlib"])["matplotlib"]
    assert (tmp_path / "b.html").read_bytes() == (tmp_path / "a.html").read_bytes()
