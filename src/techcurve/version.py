"""The package version, for outputs that name their generator."""

__version__ = "0.1.0"
