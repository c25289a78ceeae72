"""The curve's legends: domain colours, and the years-to-plateau band of each marker shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from techcurve.datatypes import YearsBand
from techcurve.render.curve.bands import BAND_MARKERS, band_name
from techcurve.render.curve.uncertainty import SOLID_FROM, WHISKER_MASS
from techcurve.text import Lang, t

LEGEND_GREY = "#555555"


@dataclass(frozen=True, slots=True)
class DomainKey:
    """One entry of the domain legend."""

    name: str
    color: str


def _legend_style() -> dict[str, object]:
    return {
        "frameon": False,
        "fontsize": 9,
        "title_fontsize": 9,
        "alignment": "left",
        "handletextpad": 0.3,
        "columnspacing": 1.2,
    }


def _band_handle(band: YearsBand | None) -> Line2D:
    st = BAND_MARKERS[band]
    return Line2D(
        [],
        [],
        ls="",
        marker=str(st["marker"]),
        markersize=7,
        markerfacecolor=LEGEND_GREY if st["filled"] else "white",
        markeredgecolor=LEGEND_GREY,
        markeredgewidth=1.2,
    )


def draw_legends(
    fig: Figure,
    domains: Sequence[DomainKey],
    bands: Sequence[YearsBand | None],
    *,
    lang: Lang,
    y: float,
    previous: str | None = None,
) -> None:
    """The domain legend (bottom left) and the band legend (bottom right), at height ``y``.

    ``previous`` names the ghost dot of a previous edition in the band legend ("" for
    an edition without a name); None leaves it out.
    """
    band_handles = [_band_handle(b) for b in bands]
    band_labels = [band_name(b, lang) for b in bands]
    if previous is not None:
        band_handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                markersize=5,
                markerfacecolor="white",
                markeredgecolor="#9aa3b2",
            )
        )
        band_labels.append(
            t("curve.previous", lang, edition=previous)
            if previous
            else t("curve.previous_plain", lang)
        )
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    n = len(band_labels)
    # one row each; on a narrow canvas the domains on two rows, then the bands too
    for band_cols in dict.fromkeys((n, -(-n // 2))):
        leg2 = fig.legend(
            band_handles,
            band_labels,
            title=t("curve.band_legend", lang),
            loc="lower right",
            bbox_to_anchor=(0.98, y),
            ncol=band_cols,
            **_legend_style(),  # type: ignore[arg-type]
        )
        right = leg2.get_window_extent(renderer).x0 - 12
        for ncol in (min(len(domains), 7), max(1, -(-len(domains) // 2))):
            leg1 = _domain_legend(fig, domains, lang, y, ncol)
            if leg1.get_window_extent(renderer).x1 <= right:
                fig.add_artist(leg1)
                return
            leg1.remove()
        if band_cols != -(-n // 2):
            leg2.remove()
    fig.add_artist(leg1)


def _domain_legend(
    fig: Figure, domains: Sequence[DomainKey], lang: Lang, y: float, ncol: int
) -> Legend:
    handles = [Line2D([], [], ls="", marker="o", markersize=7, color=d.color) for d in domains]
    return fig.legend(
        handles,
        [d.name for d in domains],
        title=t("curve.domain_legend", lang),
        loc="lower left",
        bbox_to_anchor=(0.04, y),
        ncol=ncol,
        **_legend_style(),  # type: ignore[arg-type]
    )


#: the ring around an expert's dot and the arrow from the model's position
EXPERT_COLOR = "#1f2937"


def draw_uncertainty_key(
    ax: Axes, *, faded: bool, whisker: bool, lang: Lang, expert: bool = False,
    expert_moved: bool = False,
) -> None:  # fmt: skip
    """The keys of the faded dot, the whisker and the expert's ring and arrow, top right
    inside the plot (above the plateau, where labels seldom go), when some dot has one."""
    handles: list[Line2D] = []
    labels: list[str] = []
    if expert:
        handles.append(Line2D([], [], ls="", marker="o", markersize=11, markerfacecolor="none",
                              markeredgecolor=EXPERT_COLOR, markeredgewidth=1.4))  # fmt: skip
        labels.append(t("curve.expert", lang))
    if expert_moved:
        handles.append(Line2D([], [], lw=1.2, color=EXPERT_COLOR, ls=(0, (3, 2))))
        labels.append(t("curve.expert_arrow", lang))
    if faded:
        handles.append(
            Line2D([], [], ls="", marker="o", markersize=7, color=LEGEND_GREY, alpha=0.3)
        )
        labels.append(t("curve.low_confidence", lang, limit=SOLID_FROM))
    if whisker:
        handles.append(Line2D([], [], lw=1.6, color=LEGEND_GREY, alpha=0.7))
        labels.append(t("curve.whisker", lang, mass=WHISKER_MASS))
    if handles:
        style = {
            k: v for k, v in _legend_style().items() if k not in ("alignment", "title_fontsize")
        }
        ax.legend(handles, labels, loc="upper right", **style)  # type: ignore[arg-type]
