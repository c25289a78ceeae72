"""Label placements kept by what they depend on (docs/performance.md, issue 18).

Placing the labels is most of drawing the curve (~1 s at 167 dots), and the same
labels are placed again and again: ``techcurve run`` draws the curve for its curve
stage and again for the report's curve page, and a later ``curve`` or ``report`` on
unchanged assessments draws them once more. Where the labels go depends only on the
dots as drawn (position, label text), the canvas (size, the plot's rectangle, the
labels' font size), the dot size, the ghost dots, whether placing may give up, the
matplotlib settings in effect, and the placing code — not on the title, the footer's
text or the legends, which are drawn after. So the outcome
(:class:`~techcurve.render.curve.placement.Placement`: each label's centre and leader
line) is kept under a key of exactly these, in this process and in the per-user cache
(:mod:`techcurve.cache`, one JSON file of at most :data:`KEEP` placements, floats
written exactly); :func:`~techcurve.render.curve.placement.draw_placed` draws a kept
outcome as the placer would have, so the figure is the same either way.

>>> key = placement_key(drawn, canvas, 7.0, [], None)  # doctest: +SKIP
>>> recall(key) or keep(key, place_labels(...))         # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

import techcurve.render.curve.placement as placement
import techcurve.render.curve.shape as shape
import techcurve.render.curve.spatial as spatial
from techcurve import cache
from techcurve.render.curve.placement import PlacedLabel, Placement
from techcurve.render.curve.shape import CurvePoint
from techcurve.render.fonts import cjk_font_path
from techcurve.version import __version__

#: at most this many placements are kept (the newest first)
KEEP = 32

#: the placements known in this process, by the cache file they came from
_known: dict[Path, dict[str, Placement]] = {}


def _code_stamp() -> str:
    """What decides a placement besides its inputs: the versions of techcurve,
    matplotlib and numpy, the CJK font file (its size and modification time), and the
    placing modules' contents (an edited placer places again)."""
    modules = (placement, spatial, shape, sys.modules[__name__])
    parts = [__version__, matplotlib.__version__, np.__version__, cache.code_stamp(*modules)]
    font = cjk_font_path()
    try:
        st = font.stat()
        parts.append(f"{font.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        parts.append(f"{font.name}:?")
    return "|".join(parts)


#: the settings that size a label: its font, the text engine's, the figure's resolution
_TEXT_SETTINGS = ("font.", "text.", "mathtext.", "figure.dpi")


def _text_settings() -> str:
    """The matplotlib settings in effect that decide a label's size, and the font files
    its families resolve to (not every setting: reading ``backend`` would choose one)."""
    rc = matplotlib.rcParams
    keys = sorted(k for k in dict.keys(rc) if k.startswith(_TEXT_SETTINGS))
    families = rc["font.family"]
    files = [font_manager.findfont(FontProperties(family=f)) for f in families]
    return repr([(k, repr(rc[k])) for k in keys] + files)


def placement_key(
    points: Sequence[CurvePoint],
    canvas: tuple[float, ...],
    marker_pt: float,
    extra_marks: Sequence[tuple[float, float]],
    give_up_leader_pt: float | None,
) -> str:
    """The key of placing the labels of ``points`` (as drawn) on ``canvas`` (the
    figure's width and height, the plot's rectangle, the labels' font size), with dots
    ``marker_pt`` wide, the ghost dots ``extra_marks`` and the giving-up threshold; to
    be called where the figure is drawn (inside ``chart_style``), as the matplotlib
    settings in effect are part of it."""
    h = hashlib.sha256(_code_stamp().encode())
    h.update(_text_settings().encode())
    h.update(repr((canvas, marker_pt, list(extra_marks), give_up_leader_pt)).encode())
    for p in points:
        h.update(repr((p.subfield_id, p.x, p.y, p.label)).encode())
    return h.hexdigest()


def _path() -> Path:
    return cache.entry("placements", suffix=".json")


def _load(path: Path) -> dict[str, Placement]:
    known = _known.get(path)
    if known is None:
        known = {}
        data = cache.read(path)
        if data:
            try:
                known = {k: _placement(v) for k, v in json.loads(data).items()}
            except (ValueError, TypeError, KeyError, IndexError):  # damaged: only a miss
                known = {}
        _known[path] = known
    return known


def recall(key: str) -> Placement | None:
    """The placement kept under ``key``, if any."""
    return _load(_path()).get(key)


def keep(key: str, placed: Placement) -> Placement:
    """Keep ``placed`` under ``key`` (in this process and in the cache); returns it."""
    path = _path()
    known = _load(path)
    known.pop(key, None)
    newest = {key: placed, **dict(list(known.items())[: KEEP - 1])}
    _known[path] = newest
    cache.write(path, json.dumps({k: _jsonable(v) for k, v in newest.items()}).encode())
    return placed


def _jsonable(p: Placement) -> list[Any]:
    labels = [[x.x, x.y, list(x.leader) if x.leader else None, x.no_room] for x in p.labels]
    return [p.placed, p.crowded, p.longest_leader_pt, p.gave_up, labels]


def _placement(v: list[Any]) -> Placement:
    placed, crowded, longest, gave_up, labels = v
    return Placement(
        int(placed),
        int(crowded),
        float(longest),
        bool(gave_up),
        tuple(
            PlacedLabel(float(x), float(y), tuple(map(float, ld)) if ld else None, bool(nr))  # type: ignore[arg-type]
            for x, y, ld, nr in labels
        ),
    )


__all__ = ["KEEP", "keep", "placement_key", "recall"]
