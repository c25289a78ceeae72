"""The domains' and the cards' series colours, without matplotlib: the report's pages
colour their tables with them whether or not a chart is drawn
(:mod:`techcurve.render.charts` re-exports them)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DOMAIN_PALETTE", "SERIES_COLORS", "domain_colors"]

# Colour-blind-friendly first (Okabe–Ito), then distinct extras; yellow is avoided
# because markers and text in it vanish on white.
DOMAIN_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#6A3D9A",
    "#7F7F7F",
    "#B8860B",
    "#17BECF",
    "#E7298A",
)


def domain_colors(domain_ids: Sequence[str]) -> dict[str, str]:
    """A fixed colour per domain, by the order the domains are given in (taxonomy order)."""
    out: dict[str, str] = {}
    for i, d in enumerate(dict.fromkeys(domain_ids)):
        out[d] = DOMAIN_PALETTE[i % len(DOMAIN_PALETTE)]
    return out


#: the colours of the report cards' yearly charts (render/series_chart.py)
SERIES_COLORS = {
    "patents": "#9cc9e6",  # yearly patents: light bars
    "papers": "#009E73",  # yearly papers: thin line
    "cumulative": "#0b3d6b",  # the S-curve's series
    "attention": "#CC79A7",
    "fit": "#D55E00",  # fitted curves, dashed
    "as_of": "#8a8a8a",
}
