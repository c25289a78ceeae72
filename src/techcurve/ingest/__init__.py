"""Ingest: record files → the ``records`` table, count files → ``counts`` (docs/ingest.md).

:func:`ingest_records` (:mod:`.files`) stores files' records, one transaction per file,
every row stored, duplicate or rejected; :func:`read_records` (:mod:`.opening`) parses a
file without a store; :func:`inspect_file` (:mod:`.inspection`) shows what techcurve sees
in one. Profiles and mappings: :mod:`.profiles`; count files: :mod:`.counts`.
"""

from techcurve.ingest.amount_disclosure import AmountCounts, AmountStats, amount_stats
from techcurve.ingest.base import Inspection, ReadResult, Reject, Rejection
from techcurve.ingest.dates import ParsedDate, parse_date
from techcurve.ingest.files import ingest_records
from techcurve.ingest.inspection import inspect_file
from techcurve.ingest.linking import LinkMatcher
from techcurve.ingest.money import Amount, MoneyConfig, money_config, normalize_round, parse_amount
from techcurve.ingest.opening import read_records
from techcurve.ingest.profiles import PROFILES, Mapping, load_mapping

__all__ = [
    "PROFILES", "Amount", "AmountCounts", "AmountStats", "Inspection", "LinkMatcher", "Mapping",
    "MoneyConfig", "ParsedDate", "ReadResult", "Reject", "Rejection", "amount_stats",
    "ingest_records", "inspect_file", "load_mapping", "money_config", "normalize_round",
    "parse_amount", "parse_date", "read_records",
]  # fmt: skip
