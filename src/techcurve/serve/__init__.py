"""The dashboard: ``techcurve serve``, a local web app over the store (docs/serve.md).

:func:`create_app` builds the FastAPI app (tests and notebooks use it), :func:`run`
serves it with uvicorn. The store is opened per request, read-only and briefly
(:mod:`~techcurve.serve.gate`); pages are Jinja2 templates and the charts are Apache
ECharts, both shipped in the package (no network needed).
"""

from techcurve.serve.app import Links, create_app, run

__all__ = ["Links", "create_app", "run"]
