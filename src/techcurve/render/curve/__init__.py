"""The maturity curve: the hype-cycle shape with every assessed sub-field as a dot on it.

One module per job:

- :mod:`~techcurve.render.curve.shape`: the curve ``y = curve_y(x)``, the dots
  (:func:`curve_points`, from the assessments :func:`select_assessments` picks) and
  the dodging of dots that share a position;
- :mod:`~techcurve.render.curve.wrap`: wrapping labels and the source line;
- :mod:`~techcurve.render.curve.placement`: the label-placement optimiser;
- :mod:`~techcurve.render.curve.movements`: arrows from a previous edition;
- :mod:`~techcurve.render.curve.legend` and :mod:`~techcurve.render.curve.draw`:
  the figure (:func:`draw_curve`);
- :mod:`~techcurve.render.curve.output`: writing files (:func:`render_curve`,
  :func:`curve_from_store`).

The words on the curve come from the text catalogue (``text/curve.yaml``).

>>> render_curve(assessments, subfields, domains, [Path("curve.svg")])  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from techcurve import lazy
from techcurve.editions import select_assessments
from techcurve.render.curve.output import curve_from_store, render_curve
from techcurve.render.curve.shape import CurvePoint, curve_points, curve_y, dodge_points
from techcurve.render.curve.wrap import wrap_label

if TYPE_CHECKING:
    from techcurve.render.curve.bands import BAND_MARKERS, BAND_NAMES, band_name
    from techcurve.render.curve.draw import draw_curve
    from techcurve.render.curve.movements import Movement, movements
    from techcurve.render.curve.placement import label_boxes

# The names of the modules that import matplotlib are imported when first used (PEP
# 562): a curve read back from the cache (filememo) is written without matplotlib.
_WHERE = {
    "draw_curve": ".draw", "BAND_MARKERS": ".bands", "BAND_NAMES": ".bands",
    "band_name": ".bands", "Movement": ".movements", "movements": ".movements",
    "label_boxes": ".placement",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    return lazy.attribute(globals(), _WHERE, name)


def __dir__() -> list[str]:
    return lazy.names(globals(), _WHERE)


class _Face(ModuleType):
    """This package, whose ``movements`` stays the function: importing the submodule of
    that name later (drawing does) would otherwise bind the module in its place."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "movements" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Face

__all__ = [
    "BAND_MARKERS",
    "BAND_NAMES",
    "CurvePoint",
    "Movement",
    "band_name",
    "curve_from_store",
    "curve_points",
    "curve_y",
    "dodge_points",
    "draw_curve",
    "label_boxes",
    "movements",
    "render_curve",
    "select_assessments",
    "wrap_label",
]
