"""Report: one self-contained HTML file (inline SVG charts and CSS) plus its data as JSON.

:func:`build_report_data` builds the typed report (:class:`ReportData`, one object per
page) from the store; :func:`build_report` writes it as HTML or PDF and its JSON beside.
"""

from techcurve.report.build import build_report_data, compute_report_data
from techcurve.report.format import largest_remainder
from techcurve.report.model import ReportData
from techcurve.report.provenance import source_line
from techcurve.report.render import build_report, data_json_path

__all__ = [
    "ReportData",
    "build_report",
    "build_report_data",
    "compute_report_data",
    "data_json_path",
    "largest_remainder",
    "source_line",
]
