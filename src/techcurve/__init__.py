"""techcurve: evidence-based technology maturity curves."""

__version__ = "0.1.0"
