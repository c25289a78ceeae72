"""The report data from the store: :func:`build_report_data` fills the page objects.

Every number, sentence and table row the report prints is computed here once, page by
page; the action titles and conclusion sentences are built from the same values and
with the same formatting functions (:mod:`.format`) the template uses, so text and
tables cannot disagree. :mod:`.render` lays the result out as HTML (and PDF), and
:meth:`~techcurve.report.model.ReportData.to_json` is the JSON written beside it.

>>> with Store.open("techcurve.duckdb") as st:                       # doctest: +SKIP
...     data = build_report_data(st, lang="zh", as_of="2022-11-24")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from techcurve.errors import ReportError
from techcurve.report.appendix import appendix_pages
from techcurve.report.audit_tables import audit_document
from techcurve.report.conclusions import conclusions_page
from techcurve.report.context import ReportContext, load_context
from techcurve.report.curve import curve_page, domain_curve_pages
from techcurve.report.financing import financing_page
from techcurve.report.hot_words import hot_words_page
from techcurve.report.methods import methods_page
from techcurve.report.model import ReportData
from techcurve.report.patents import patents_page
from techcurve.store import Store
from techcurve.text import LANGS, Lang, catalogue, t
from techcurve.version import __version__

LABEL_PREFIX = "report.label."


def report_lang(lang: str) -> Lang:
    """``lang`` as a report language, or a :class:`ReportError` naming the languages."""
    if lang not in LANGS:
        raise ReportError.of("report.error.lang", lang=repr(lang))
    return lang  # type: ignore[return-value]


def labels(lang: Lang) -> dict[str, str]:
    """The headings and table headers the template prints (``report.label.*``)."""
    return {
        key.removeprefix(LABEL_PREFIX): t(key, lang)
        for key in catalogue()
        if key.startswith(LABEL_PREFIX)
    }


def build_report_data(
    store: Store,
    *,
    lang: str = "zh",
    as_of: str | None = None,
    title: str | None = None,
    pages: Path | None = None,
) -> ReportData:
    """Every page of the report on ``store``, at the cut-off ``as_of`` (YYYY-MM-DD).

    ``as_of`` defaults to the assessments' own as-of date; financing pages cover the
    calendar year of the latest matched financing event on or before it, from January
    to that event's month. Raises :class:`ReportError` when the store has no
    assessments or ``lang`` is not a report language. ``pages`` is a folder of the
    analyst's pages (:mod:`.pages`), placed after the sections their headers name.
    """
    lg = report_lang(lang)
    return assemble(store, load_context(store, lg, as_of), title, pages)


def assemble(
    store: Store, ctx: ReportContext, title: str | None = None, pages: Path | None = None
) -> ReportData:
    """The pages of the report from a loaded context (see :func:`build_report_data`)."""
    lg = ctx.lang
    report_title = title or t("report.title", lg)
    methods = methods_page(store, ctx)
    patents = patents_page(ctx)
    financing = financing_page(store, ctx)
    curve = curve_page(ctx)
    cards, insufficient = appendix_pages(store, ctx)
    conclusions = conclusions_page(ctx, patents, financing, curve)
    data = ReportData(
        lang=lg,
        title=report_title,
        subtitle=t("report.subtitle", lg),
        as_of=ctx.as_of,
        cutoff=ctx.cutoff,
        generator=f"techcurve {__version__}",
        domain_colors=ctx.colors,
        methods=methods,
        conclusions=conclusions,
        hot_words=hot_words_page(ctx),
        patents=patents,
        financing=financing,
        curve=curve,
        appendix=cards,
        insufficient=insufficient,
        labels=labels(lg),
        figures=audit_document(report_title, methods, patents, financing, curve, conclusions),
        domain_curves=domain_curve_pages(ctx, curve),
    )
    if pages is None:
        return data
    # the analyst's pages (and their Markdown parser) are imported for them only
    from techcurve.report.pages import with_pages  # noqa: PLC0415 - Markdown only for pages

    return with_pages(data, store, ctx, pages)


def compute_report_data(
    store: Store, *, lang: str = "zh", as_of: str | None = None, title: str | None = None
) -> dict[str, Any]:
    """The report data as JSON-ready dict (what ``<name>.data.json`` holds).

    Raises :class:`ReportError` when the store has no assessments.
    """
    return build_report_data(store, lang=lang, as_of=as_of, title=title).to_json()
