"""The report's charts: donuts, bars, the monthly financing combo chart, the treemap
and the small per-sub-field series chart of the appendix.

Each function takes plain sequences (the report computes the numbers once, so a chart
and the sentence above it cannot disagree) and returns a matplotlib
:class:`~matplotlib.figure.Figure`; :func:`techcurve.render.fonts.figure_svg` turns it
into inline SVG and :func:`techcurve.render.fonts.save_figure` writes it to a file.
Chinese text is drawn with the bundled CJK font. The appendix's small per-sub-field
chart is the exception: :func:`~techcurve.render.series_chart.series_svg` writes its
SVG directly (re-exported here with its :class:`GlyphSheet` and colours).

>>> fig = donut_chart(["网络", "人工智能"], [60.0, 40.0], title="专利占比")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import squarify
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from techcurve.render.fonts import chart_style, new_figure, text_width
from techcurve.render.palette import DOMAIN_PALETTE, domain_colors
from techcurve.render.series_chart import SERIES_COLORS, GlyphSheet, series_svg

__all__ = [
    "DOMAIN_PALETTE",
    "SERIES_COLORS",
    "GlyphSheet",
    "domain_colors",
    "donut_chart",
    "financing_month_chart",
    "series_svg",
    "top_bar_chart",
    "treemap_chart",
]

ACCENT = "#0072B2"
LINE_ACCENT = "#D55E00"
TEXT_GREY = "#444444"


def _title(fig: Figure, title: str | None) -> None:
    if title:
        fig.suptitle(title, fontsize=12, x=0.02, ha="left", color="#1a202c")


def donut_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    title: str | None = None,
    center_text: str | None = None,
    value_labels: Sequence[str] | None = None,
    hole: float = 0.45,
) -> Figure:
    """A donut (``hole`` > 0) or pie (``hole`` = 0) with a legend of ``label  value``.

    ``value_labels`` are the printed values (e.g. shares already rounded so they sum
    to 100.00 %); by default each slice's percentage of the total with two decimals.
    """
    total = float(sum(values))
    if value_labels is None:
        value_labels = [f"{(v / total * 100 if total else 0):.2f}%" for v in values]
    cols = list(colors) if colors is not None else list(DOMAIN_PALETTE[: len(values)])
    with chart_style():
        fig = new_figure(7.2, 4.2)
        ax = fig.add_axes((0.02, 0.04, 0.55, 0.84))
        if total > 0:
            wedges, _ = ax.pie(
                list(values),
                colors=cols,
                startangle=90,
                counterclock=False,
                wedgeprops={"width": 1 - hole if hole else 1, "edgecolor": "white"},
            )
            for w, vl, v in zip(wedges, value_labels, values, strict=True):
                if total and v / total >= 0.07:  # smaller slices: the legend has the value
                    r = 1 - (1 - hole) / 2 if hole else 0.65
                    ang = (w.theta1 + w.theta2) / 2
                    x = r * math.cos(math.radians(ang))
                    y = r * math.sin(math.radians(ang))
                    ax.text(x, y, vl, ha="center", va="center", fontsize=8, color="white")
        ax.set_aspect("equal")
        ax.axis("off")
        if center_text and hole:
            ax.text(0, 0, center_text, ha="center", va="center", fontsize=10, color=TEXT_GREY)
        handles = [Patch(color=c) for c in cols[: len(labels)]]
        texts = [f"{lab}  {vl}" for lab, vl in zip(labels, value_labels, strict=True)]
        fig.legend(
            handles,
            texts,
            loc="center left",
            bbox_to_anchor=(0.60, 0.46),
            frameon=False,
            fontsize=9,
        )
        _title(fig, title)
    return fig


def top_bar_chart(
    names: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    legend: Mapping[str, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    value_format: str = "{:,.0f}",
) -> Figure:
    """Horizontal bars, first item on top, each with its value printed at the bar's end.

    ``legend`` maps a label (e.g. a domain name) to its colour.
    """
    n = len(names)
    cols = list(colors) if colors is not None else [ACCENT] * n
    with chart_style():
        fig = new_figure(7.2, max(2.4, 0.38 * n + 1.2))
        ax = fig.add_axes((0.30, 0.10, 0.58, 0.78))
        ys = list(range(n))[::-1]
        ax.barh(ys, list(values), color=cols, height=0.65)
        ax.set_yticks(ys, list(names), fontsize=9)
        vmax = max(values) if n else 1.0
        for y, v in zip(ys, values, strict=True):
            ax.text(v + vmax * 0.01, y, value_format.format(v), va="center", fontsize=8)
        ax.set_xlim(0, vmax * 1.18 if vmax > 0 else 1)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:,.0f}")
        if xlabel:
            ax.set_xlabel(xlabel, fontsize=9)
        if legend:
            ax.legend(
                [Patch(color=c) for c in legend.values()],
                list(legend),
                loc="lower right",
                fontsize=8,
                frameon=False,
            )
        _title(fig, title)
    return fig


def financing_month_chart(
    months: Sequence[str],
    amounts_yi: Sequence[float],
    events: Sequence[int],
    *,
    amount_label: str = "融资金额（亿元）",
    events_label: str = "融资事件（起）",
    title: str | None = None,
) -> Figure:
    """Amount bars (亿元, with data labels) and an event-count line on a secondary axis."""
    with chart_style():
        fig = new_figure(7.6, 3.8)
        ax = fig.add_axes((0.08, 0.16, 0.84, 0.68))
        xs = list(range(len(months)))
        bars = ax.bar(xs, list(amounts_yi), color=ACCENT, width=0.6, label=amount_label)
        amax = max(amounts_yi) if amounts_yi else 0.0
        for b, v in zip(bars, amounts_yi, strict=True):
            if v <= 0:
                continue
            ax.text(
                b.get_x() + b.get_width() / 2,
                v + (amax or 1) * 0.02,
                f"{v:.1f}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(xs, list(months), fontsize=9)
        # bars use the lower ~55 % of the plot and the event line the upper part,
        # so data labels and line markers do not collide
        ax.set_ylim(0, (amax or 1) * 1.8)
        ax.set_yticks(
            [t for t in MaxNLocator(nbins=4).tick_values(0, amax or 1) if t <= (amax or 1) * 1.1]
        )
        ax.spines["left"].set_bounds(0, (amax or 1) * 1.1)
        ax.set_ylabel(amount_label, fontsize=9)
        ax.yaxis.set_label_coords(-0.06, 0.3)
        ax.tick_params(axis="y", labelsize=8)
        ax2 = ax.twinx()
        ax2.spines["right"].set_visible(True)
        ax2.spines["top"].set_visible(False)
        (line,) = ax2.plot(
            xs, list(events), color=LINE_ACCENT, marker="o", markersize=4, label=events_label
        )
        emax = max(events) if events else 0
        top = max(emax, 1)
        ax2.set_ylim(-top * 1.7, top * 1.15)
        ax2.set_yticks(
            [t for t in MaxNLocator(nbins=3, integer=True).tick_values(0, top) if 0 <= t <= top]
        )
        for x, e in zip(xs, events, strict=True):
            ax2.annotate(
                str(e),
                (x, e),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=LINE_ACCENT,
            )
        ax2.set_ylabel(events_label, fontsize=9)
        ax2.yaxis.set_label_coords(1.06, 0.8)
        ax2.spines["right"].set_bounds(0, top * 1.05)
        ax2.tick_params(axis="y", labelsize=8)
        fig.legend(
            [cast(Any, bars), line],
            [amount_label, events_label],
            loc="lower center",
            ncol=2,
            frameon=False,
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
        )
        _title(fig, title)
    return fig


def treemap_chart(
    names: Sequence[str],
    values: Sequence[float],
    colors: Sequence[str],
    *,
    legend: Mapping[str, str] | None = None,
    title: str | None = None,
    value_format: str = "{:.1f}",
) -> Figure:
    """A treemap (squarify) of ``values``; tiles too small for their label stay unlabelled.

    ``legend`` maps a label (a domain name) to its colour.
    """
    items = [(n, v, c) for n, v, c in zip(names, values, colors, strict=True) if v > 0]
    items.sort(key=lambda t: -t[1])
    width, height = 100.0, 60.0
    with chart_style():
        fig = new_figure(7.6, 4.8)
        ax = fig.add_axes((0.01, 0.10, 0.98, 0.78))
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.axis("off")
        if items:
            sizes = squarify.normalize_sizes([t[1] for t in items], width, height)
            rects = squarify.squarify(sizes, 0, 0, width, height)
            fig_w_pt = 7.6 * 0.98 * 72
            for (name, value, color), r in zip(items, rects, strict=True):
                ax.add_patch(
                    _rect(r["x"], r["y"], r["dx"], r["dy"], color),
                )
                # the tile's size in points, to decide whether its label fits
                w_pt = r["dx"] / width * fig_w_pt
                h_pt = r["dy"] / height * (4.8 * 0.78 * 72)
                label = f"{name}\n{value_format.format(value)}"
                fs = 8.0
                est_w = max(text_width(line) for line in label.split("\n")) * fs
                if est_w <= w_pt - 4 and 2.4 * fs <= h_pt - 2:
                    ax.text(
                        r["x"] + r["dx"] / 2,
                        r["y"] + r["dy"] / 2,
                        label,
                        ha="center",
                        va="center",
                        fontsize=fs,
                        color="white",
                    )
        if legend:
            fig.legend(
                [Patch(color=c) for c in legend.values()],
                list(legend),
                loc="lower center",
                ncol=min(len(legend), 6),
                frameon=False,
                fontsize=8,
                bbox_to_anchor=(0.5, 0.0),
            )
        _title(fig, title)
    return fig


def _rect(x: float, y: float, dx: float, dy: float, color: str) -> Patch:
    return Rectangle((x, y), dx, dy, facecolor=color, edgecolor="white", linewidth=1.2)
