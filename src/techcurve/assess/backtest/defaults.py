"""The backtest's defaults that the command line shows (kept apart: importing them
must not load the backtest)."""

#: the temporal split's default year: labels up to it train, later ones are scored
DEFAULT_SPLIT_YEAR = 2018
