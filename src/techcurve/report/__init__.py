"""Report: one self-contained HTML file (inline SVG charts and CSS) plus its data as JSON."""

from techcurve.report.build import (
    build_report,
    compute_report_data,
    data_json_path,
    largest_remainder,
)

__all__ = ["build_report", "compute_report_data", "data_json_path", "largest_remainder"]
