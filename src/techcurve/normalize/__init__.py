"""Text normalisation shared by the taxonomy (terms), ingest and the matcher (text).

:func:`normalize` is the reference for one string; :func:`normalize_series` and
:func:`normalize_arrow` give exactly the same for a column, most of it through one
compiled pass (:mod:`techcurve.normalize.fastnorm`).
"""

from techcurve.normalize.reference import SEP, normalize, normalize_arrow, normalize_series

__all__ = ["SEP", "normalize", "normalize_arrow", "normalize_series"]
