"""The years-to-plateau bands as the curve shows them — marker and name — without
matplotlib: the report's cards name the bands whether or not a curve is drawn
(:mod:`~techcurve.render.curve.legend` draws the legend with them)."""

from __future__ import annotations

from techcurve.datatypes import YearsBand
from techcurve.text import LANGS, Lang, t

__all__ = ["BAND_MARKERS", "BAND_NAMES", "band_name"]

# Marker per years-to-plateau band: hollow circle, filled circle, diamond, triangle, cross.
BAND_MARKERS: dict[YearsBand | None, dict[str, object]] = {
    YearsBand.LT2: {"marker": "o", "filled": False},
    YearsBand.Y2_5: {"marker": "o", "filled": True},
    YearsBand.Y5_10: {"marker": "D", "filled": True},
    YearsBand.GT10: {"marker": "^", "filled": True},
    YearsBand.OBSOLETE: {"marker": "X", "filled": True},
    None: {"marker": "s", "filled": False},
}


def band_name(band: YearsBand | None, lang: Lang) -> str:
    """The legend's name of a years-to-plateau band (None: not estimated) in ``lang``."""
    return t(f"curve.band.{band.name.lower() if band is not None else 'none'}", lang)


#: language → band → its legend name (the catalogue's ``curve.band.*`` texts)
BAND_NAMES: dict[str, dict[YearsBand | None, str]] = {
    lang: {band: band_name(band, lang) for band in BAND_MARKERS} for lang in LANGS
}
