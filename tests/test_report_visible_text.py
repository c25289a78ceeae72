"""The report's visible text (what its embedded font must cover) is the HTML without its
inline SVG, exactly as the regular expression the report first used left it."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from techcurve.report.render import _visible_text


def _by_regex(html: str) -> str:
    return re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)


_pieces = st.sampled_from(
    ["<svg", "<svg>", "</svg>", "<svg ", "<svgx", "<svg_", "<svg中", "<svg-", "</svg", "svg>",
     "<", "/", ">", "a", "中", "\n", " ", "_", "1", "<sv", "g>", "</sv"]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_pieces, max_size=30).map("".join))
def test_same_text_as_the_regular_expression(html: str) -> None:
    assert _visible_text(html) == _by_regex(html)


def test_the_cases_one_by_one() -> None:
    for html in [
        "",
        "<svg",
        "a<svg>b</svg>c",
        "a<svg x='1'><svg>inner</svg>tail</svg>c",
        "<svgfoo>kept</svg><svg>gone</svg>",
        "<svg>unclosed",
        "x<svg>a</svg>y<svg>b",
        "<svg\n>multi\nline</svg>end",
        "<svg中>文</svg>字",
        "<svg>",
    ]:
        assert _visible_text(html) == _by_regex(html), html
