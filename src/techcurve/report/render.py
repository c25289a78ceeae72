"""The report as HTML (and PDF): the Jinja template, the charts, and writing the files.

:func:`build_report` writes one self-contained HTML file — the template
(``templates/report.html.j2``, autoescaped) lays the :class:`~.model.ReportData` out,
the charts are drawn from it and inlined as SVG, the CSS and the font subset are
inline: the file opens offline — or, for ``.pdf``, that HTML printed (:mod:`.pdf`),
and the report data beside it as ``<stem>.data.json`` for tests and audits.

>>> with Store.open("techcurve.duckdb") as st:                       # doctest: +SKIP
...     build_report(st, Path("out/report.html"), as_of="2022-11-24")
"""

from __future__ import annotations

import json
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache
from markupsafe import Markup

from techcurve import cache
from techcurve.errors import ReportError
from techcurve.render.curve.filememo import kept_chart
from techcurve.render.curve.output import kept_curve
from techcurve.render.fonts import figure_svg, font_face_css
from techcurve.report.build import assemble, report_lang
from techcurve.report.context import DEFAULT_COLOR, ReportContext, load_context
from techcurve.report.format import FILTERS, fmt_pct
from techcurve.report.model import FinancingDetail, PatentsPage, ReportData, SubfieldCard
from techcurve.report.pdf import find_chromium, html_to_pdf
from techcurve.report.series import fitted_points
from techcurve.store import Store
from techcurve.text import Lang, t
from techcurve.version import __version__

T = TypeVar("T")
TEMPLATES = Path(__file__).parent / "templates"
#: the round groups' colours (A, B, C, D and later, other)
ROUND_COLORS = ["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#9a9a9a"]


def _svg(fig: Any) -> Markup:
    return Markup(figure_svg(fig))  # noqa: S704 - SVG from matplotlib, text as paths


def _patent_charts(
    pat: PatentsPage, colors: dict[str, str], lang: Lang, out: Callable[[Any], T]
) -> dict[str, T]:
    if not pat.domains:
        return {}
    d, top = pat.domains, pat.top10
    return {
        "patent_share": kept_chart(
            out,
            "techcurve.render.charts:donut_chart",
            [x.name for x in d],
            [x.patents for x in d],
            colors=[x.color for x in d],
            value_labels=[fmt_pct(x.share_pct) for x in d],
            title=t("report.chart.patents", lang),
        ),
        "top10": kept_chart(
            out,
            "techcurve.render.charts:top_bar_chart",
            [x.name for x in top],
            [x.patents for x in top],
            colors=[colors.get(x.domain_id, DEFAULT_COLOR) for x in top],
            legend={x.domain: colors.get(x.domain_id, DEFAULT_COLOR) for x in top},
            title=t("report.chart.top10", lang),
        ),
    }


def _financing_charts(fin: FinancingDetail, lang: Lang, out: Callable[[Any], T]) -> dict[str, T]:
    w = fin.window.label
    figs = {
        "fin_month": kept_chart(
            out,
            "techcurve.render.charts:financing_month_chart",
            [m.label for m in fin.months],
            [m.amount_yi for m in fin.months],
            [m.events for m in fin.months],
            amount_label=t("report.chart.amount_axis", lang),
            events_label=t("report.chart.events_axis", lang),
            title=t("report.chart.months", lang, window=w),
        )
    }
    if fin.domains:
        figs["fin_domain"] = kept_chart(
            out,
            "techcurve.render.charts:donut_chart",
            [x.name for x in fin.domains],
            [x.amount_yi for x in fin.domains],
            colors=[x.color for x in fin.domains],
            value_labels=[fmt_pct(x.share_pct) for x in fin.domains],
            title=t("report.chart.domains", lang, window=w),
        )
    rounds = [r for r in fin.rounds if r.events]
    if rounds:
        figs["fin_round"] = kept_chart(
            out,
            "techcurve.render.charts:donut_chart",
            [r.label for r in rounds],
            [r.events for r in rounds],
            colors=ROUND_COLORS[: len(rounds)] if len(rounds) == 5 else None,
            value_labels=[fmt_pct(r.share_pct) for r in rounds],
            center_text=t("report.chart.early_callout", lang, share=fmt_pct(fin.early_share_pct)),
            title=t("report.chart.rounds", lang, window=w),
        )
    if fin.subfields:
        figs["fin_tree"] = kept_chart(
            out,
            "techcurve.render.charts:treemap_chart",
            [s.name for s in fin.subfields],
            [s.amount_yi for s in fin.subfields],
            [s.color for s in fin.subfields],
            legend={x.name: x.color for x in fin.domains},
            title=t("report.chart.tree", lang, window=w),
        )
    return figs


def _card_charts(cards: tuple[SubfieldCard, ...], lang: Lang) -> dict[str, Markup]:
    """One chart per card; the cards' charts share one set of glyph outlines. All of them
    are one kept value (:func:`~techcurve.render.series_chart.cards_svg`): a report read
    back loads no drawing code."""
    titles = (t("report.chart.series_left", lang), t("report.chart.series_right", lang))
    calls: list[tuple[str, dict[str, Any]]] = []
    for r in cards:
        ch, ser = r.chart, r.chart.series
        if not ser or ch.frame is None:
            continue
        x0, x1 = ser.years[0], max(ser.years[-1], ch.frame.as_of_year)
        s_fit = ch.s_fit
        kappa = s_fit.params.kappa if s_fit and s_fit.identified and s_fit.params else None
        kwargs = {
            "years": list(ser.years),
            "patents": list(ser.patents),
            "papers": list(ser.papers),
            "cumulative": list(ser.cumulative_values or ()),
            "s_fit": fitted_points(s_fit, x0, x1),
            "kappa": kappa,
            "attention": list(ser.attention_values or ()),
            "bell_fit": fitted_points(ch.bell_fit, x0, x1),
            "as_of_year": ch.frame.as_of_year,
            "data_end": ch.frame.data_end,
            "titles": titles,
        }
        calls.append(("sf-" + r.subfield_id, kwargs))
    if not calls:
        return {}
    svgs = json.loads(kept_chart(_text, "techcurve.render.series_chart:cards_svg", calls))
    # our SVG, text as paths; "glyphs": the outlines the cards share
    return {name: Markup(svg) for name, svg in svgs.items()}  # noqa: S704


def _text(value: str) -> str:
    """What :func:`kept_chart` keeps of the cards' charts: their JSON as it is."""
    return value


#: the report's pages that hold charts
CHART_PAGES = frozenset({"patents", "financing", "curve", "appendix"})


def report_charts(
    data: ReportData,
    ctx: ReportContext,
    pages: Collection[str] = CHART_PAGES,
    out: Callable[[Any], Any] = _svg,
    curve_size: str = "auto",
) -> dict[str, Any]:
    """The charts of the report's ``pages`` (by default all) as inline SVG, by the name
    the template uses; with ``out`` (a function of a matplotlib figure), as what it
    returns (the appendix's cards are SVG only: leave ``appendix`` out then).
    ``curve_size``: the curves' page size (``16:9`` for a slide)."""
    lang = ctx.lang
    figs: dict[str, Any] = {}
    if "patents" in pages:
        figs.update(_patent_charts(data.patents, dict(data.domain_colors), lang, out))
    if "financing" in pages and data.financing.detail is not None:
        figs.update(_financing_charts(data.financing.detail, lang, out))
    if "appendix" in pages:
        figs.update(_card_charts(data.appendix, lang))
    if "curve" in pages and data.curve.n_points:
        # drawn, or read back when the same curve went through ``out`` before
        figs["curve"] = kept_curve(
            out,
            ctx.assessments,
            ctx.subfields,
            ctx.domains,
            lang=lang,
            title=data.title,
            cutoff=data.cutoff,
            source_line=data.curve.source,
            size=curve_size,
        )
        for page in data.domain_curves:
            figs[f"curve_{page.domain_id}"] = kept_curve(
                out, ctx.assessments, ctx.subfields, ctx.domains, lang=lang, cutoff=data.cutoff,
                source_line=data.curve.source, domain=page.domain_id, size=curve_size,
            )  # fmt: skip
    return figs


def render_html(data: ReportData, charts: dict[str, Markup]) -> str:
    """The report's HTML: the template filled with ``data`` and ``charts``, and the font
    subset of its text embedded."""
    html = _template().render(d=data, fig=charts, L=data.labels, version=__version__)
    # the text's glyphs travel with the file: it renders without any CJK system font
    # (only which characters occur matters, so the subsetter gets each character once)
    glyphs = "".join(sorted(set(_visible_text(html))))
    return html.replace("/*@font-face*/", font_face_css(glyphs), 1)


def _template() -> jinja2.Template:
    """The report's template, compiled (or read back from the per-user cache)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_TemplateCache(),
    )
    env.filters.update(FILTERS)
    return env.get_template("report.html.j2")


def _visible_text(html: str) -> str:
    """The characters a page can show: the HTML without its inline SVG (drawn as paths).

    What ``re.sub(r"<svg\\b.*?</svg>", "", html, flags=re.S)`` leaves, found with
    ``str.find`` instead of the expression's lazy scan through every chart: each
    ``<svg`` not followed by a word character is left out up to the first ``</svg>``
    after it."""
    kept: list[str] = []
    start = 0  # the text from here on is not yet kept or left out
    at = html.find("<svg")
    while at != -1:
        after = at + 4
        if after < len(html) and _WORD.match(html, after):  # no \b: not an <svg tag
            at = html.find("<svg", at + 1)
            continue
        end = html.find("</svg>", after)
        if end == -1:  # no closing tag after this one, nor after any later one
            break
        kept.append(html[start:at])
        start = end + len("</svg>")
        at = html.find("<svg", start)
    kept.append(html[start:])
    return "".join(kept)


_WORD = re.compile(r"\w")


class _TemplateCache(BytecodeCache):
    """The compiled template in the per-user cache (:mod:`techcurve.cache`): compiling it
    takes ~0.1 s of every report. Its key holds Jinja's version and this module's
    contents (the environment's options shape the compiled code); Jinja itself checks
    the template's source. An entry that cannot be read, written or loaded is compiled
    again."""

    def _path(self, bucket: Bucket) -> Path:
        stamp = cache.code_stamp(sys.modules[__name__])
        return cache.entry("template", jinja2.__version__, stamp, bucket.key, suffix=".jbc")

    def load_bytecode(self, bucket: Bucket) -> None:
        data = cache.read(self._path(bucket))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except (EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()  # a damaged entry: compiled again and rewritten

    def dump_bytecode(self, bucket: Bucket) -> None:
        cache.write(self._path(bucket), bucket.bytecode_to_string())
        cache.trim("template", 8)  # a template per code version: the newest few


def data_json_path(out_path: Path) -> Path:
    """Where :func:`build_report` writes the report data: ``report.html`` → ``report.data.json``."""
    return out_path.with_name(out_path.stem + ".data.json")


def _output_format(out_path: Path) -> str:
    fmt = out_path.suffix.lower().lstrip(".")
    if fmt not in ("html", "htm", "pdf", "pptx"):
        raise ReportError.of("report.error.format", name=out_path.name)
    return fmt


def build_report(
    store: Store,
    out_path: Path,
    *,
    lang: str = "zh",
    as_of: str | None = None,
    title: str | None = None,
    pages: Path | None = None,
) -> Path:
    """Write the self-contained HTML (or, for ``.pdf``, its print; for ``.pptx``, the
    deck of :mod:`.deck`) and its data beside it.

    A ``.pdf`` is the same HTML printed by headless Chromium (see
    :mod:`techcurve.report.pdf`); without Chromium that raises :class:`ReportError`
    saying to run ``make setup``.

    ``as_of`` (YYYY-MM-DD) is the data cut-off (see
    :func:`~techcurve.report.build.build_report_data`). The report data (every number
    the report prints) goes to :func:`data_json_path`. ``pages`` is a folder of the
    analyst's pages (:mod:`.pages`). Raises :class:`ReportError` when the store has no
    assessments.
    """
    lg = report_lang(lang)
    out_path = Path(out_path)
    fmt = _output_format(out_path)
    if fmt == "pdf":
        find_chromium()  # fail before the work when the PDF cannot be printed
    ctx = load_context(store, lg, as_of)
    data = assemble(store, ctx, title, pages)
    html = "" if fmt == "pptx" else render_html(data, report_charts(data, ctx))
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pptx":
            # python-pptx is imported for a deck only (~0.1 s of every HTML report)
            from techcurve.report.deck import DECK_CHARTS, figure_png, write_deck

            charts = report_charts(data, ctx, DECK_CHARTS, out=figure_png, curve_size="16:9")
            write_deck(data, charts, out_path)
        elif fmt == "pdf":
            with tempfile.TemporaryDirectory(prefix="techcurve-report-") as tmp:
                page = Path(tmp) / (out_path.stem + ".html")
                page.write_text(html, encoding="utf-8")
                html_to_pdf(page, out_path)
        else:
            out_path.write_text(html, encoding="utf-8")
        data_json_path(out_path).write_text(
            json.dumps(data.to_json(), ensure_ascii=False, indent=2, sort_keys=True),
            encoding="utf-8",
        )
    except OSError as e:
        raise ReportError.of("report.error.write", path=out_path, error=e.strerror or e) from None
    return out_path
