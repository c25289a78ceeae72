"""Numbered labels: when names crowd the curve, dots carry numbers and a key beside the
plot lists them (number, the dot as drawn — domain colour and band shape —, name),
grouped under their phase, as Gartner's printed priority lists do.

``labels="auto"`` first places the names and falls back to numbers when a label needs a
leader line longer than :data:`MAX_LEADER_PT` or finds no free space
(:func:`techcurve.render.curve.draw.draw_curve`). Numbers run along the curve, left to
right, so the key read top to bottom follows the curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from techcurve.datatypes import Phase
from techcurve.errors import ReportError
from techcurve.render.curve.legend import BAND_MARKERS
from techcurve.render.curve.shape import CurvePoint
from techcurve.render.curve.uncertainty import dot_opacity
from techcurve.render.fonts import text_width
from techcurve.text import Lang, t

LABEL_MODES = ("auto", "names", "numbers")
#: in auto mode, a name whose leader line would be longer than this (points) turns the
#: curve's labels into numbers
MAX_LEADER_PT = 72.0
KEY_FONT_PT = 9.0  # the key's text, at most
MIN_KEY_FONT_PT = 5.5
#: a name's room in the key, at most (in em): longer names are cut
NAME_EM: dict[str, float] = {"zh": 11.0, "en": 20.0}
ROW_SPACING = 1.3  # a key row's height, in font sizes
NUMBER_EM = 2.4  # the number column, in em
MARKER_EM = 1.5  # the dot column, in em
COL_GAP_EM = 1.2
KEY_MAX_SHARE = 0.36  # of the canvas's width, at most


def check_labels(labels: str) -> str:
    """``labels`` if it is one of :data:`LABEL_MODES`, else a :class:`ReportError`."""
    if labels not in LABEL_MODES:
        raise ReportError.of(
            "curvekey.error.labels", labels=repr(labels), choices=", ".join(LABEL_MODES)
        )
    return labels


def numbered(points: Sequence[CurvePoint]) -> list[CurvePoint]:
    """The points with their number (1, 2 … in order along the curve) as the label."""
    order = sorted(points, key=lambda p: (p.x, p.subfield_id))
    return [replace(p, label=str(i + 1)) for i, p in enumerate(order)]


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One row of the key: a dot's number and what it stands for."""

    number: int
    name: str
    phase: Phase
    point: CurvePoint  # as drawn: domain, band, confidence


@dataclass(frozen=True, slots=True)
class KeySize:
    """How the key is laid out: columns of rows, at a font size."""

    fontsize: float
    rows_per_col: int
    n_cols: int
    name_em: float  # a name's room in its column, in em
    width_in: float


def key_entries(points: Sequence[CurvePoint], names: dict[str, str]) -> list[KeyEntry]:
    """The key's rows, in number order (``names``: sub-field id → its full name)."""
    return [
        KeyEntry(int(p.label), names.get(p.subfield_id, p.subfield_id), Phase.at(p.x), p)
        for p in sorted(points, key=lambda p: int(p.label))
    ]


def _rows(entries: Sequence[KeyEntry]) -> int:
    """Rows the key needs: one per entry and one heading per phase."""
    return len(entries) + len({e.phase for e in entries})


def key_size(
    entries: Sequence[KeyEntry], plot_h_pt: float, *, max_width_in: float, lang: Lang
) -> KeySize:
    """The key's font, columns and width for a plot ``plot_h_pt`` high: the largest font
    from :data:`KEY_FONT_PT` down to :data:`MIN_KEY_FONT_PT` at which it fits
    ``max_width_in``; names longer than their column (at most :data:`NAME_EM` em) are
    cut with an ellipsis."""
    longest = min(max((text_width(e.name) for e in entries), default=4.0), NAME_EM[lang])
    rows = _rows(entries) + 1  # and the title
    fs = KEY_FONT_PT
    while True:
        per_col = max(int(plot_h_pt / (fs * ROW_SPACING)), 1)
        n_cols = math.ceil(rows / per_col)
        fixed_em = NUMBER_EM + MARKER_EM + COL_GAP_EM
        # names as long as they are, else as long as the width allows, down to 8 em
        name_em = min(longest, max_width_in * 72 / fs / n_cols - fixed_em)
        if name_em >= min(longest, 8.0) or fs <= MIN_KEY_FONT_PT:
            name_em = max(name_em, 2.0)
            width = n_cols * (fixed_em + name_em) * fs / 72
            # as many rows in each column as the last one needs: columns of even length
            return KeySize(fs, math.ceil(rows / n_cols), n_cols, name_em, width)
        fs = max(fs - 0.5, MIN_KEY_FONT_PT)


def fit(name: str, max_em: float) -> str:
    """``name`` cut to ``max_em`` em, with an ellipsis when cut."""
    if text_width(name) <= max_em:
        return name
    while name and text_width(name) + 1.0 > max_em:
        name = name[:-1]
    return name.rstrip() + "…"


def draw_key(
    fig: Figure,
    rect: tuple[float, float, float, float],
    entries: Sequence[KeyEntry],
    size: KeySize,
    colors: dict[str, str],
    lang: Lang,
) -> None:
    """The key in ``rect`` (figure fractions): a title, then per phase a heading and its
    rows, top to bottom and column after column."""
    x0, y0, w, h = rect
    fs = size.fontsize
    fig_w_pt, fig_h_pt = fig.get_figwidth() * 72, fig.get_figheight() * 72
    row_h = fs * ROW_SPACING / fig_h_pt
    col_w = w / size.n_cols
    em = fs / fig_w_pt
    top = y0 + h
    cells: list[tuple[int, str, KeyEntry | None]] = [(0, t("curvekey.table_title", lang), None)]
    for phase in Phase:
        rows = [e for e in entries if e.phase == phase]
        if rows:
            heading = t("curvekey.phase_heading", lang, phase=phase.label(lang), n=len(rows))
            cells.append((1, heading, None))
            cells += [(2, e.name, e) for e in rows]
    for i, (kind, text, entry) in enumerate(cells):
        col, row = divmod(i, size.rows_per_col)
        cx, cy = x0 + col * col_w, top - (row + 0.5) * row_h
        if entry is None:
            fig.text(
                cx, cy, text, fontsize=fs + (1.0 if kind == 0 else 0.0), va="center",
                ha="left", color="#1a202c" if kind == 0 else "#3b5b92",
                gid="techcurve-key-title" if kind == 0 else "techcurve-key-phase",
            )  # fmt: skip
            continue
        fig.text(
            cx + NUMBER_EM * em * 0.85, cy, str(entry.number), fontsize=fs, va="center",
            ha="right", color="#222222", gid=f"techcurve-key-number-{entry.number}",
        )  # fmt: skip
        style = BAND_MARKERS[entry.point.band]
        c = to_rgba(colors.get(entry.point.domain_id, "#555555"))
        c = to_rgba(c, dot_opacity(entry.point.confidence))
        fig.add_artist(
            Line2D(
                [cx + (NUMBER_EM + MARKER_EM / 2) * em], [cy], marker=str(style["marker"]),
                markersize=fs * 0.8, markerfacecolor=c if style["filled"] else "white",
                markeredgecolor=c, markeredgewidth=0.9, linestyle="none",
                transform=fig.transFigure,
            )
        )  # fmt: skip
        fig.text(
            cx + (NUMBER_EM + MARKER_EM) * em, cy, fit(text, size.name_em), fontsize=fs,
            va="center", ha="left", color="#222222", gid=f"techcurve-key-name-{entry.number}",
        )  # fmt: skip
