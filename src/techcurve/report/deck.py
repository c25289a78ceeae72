"""The report as an editable PowerPoint deck (python-pptx): ``report -o report.pptx``.

One slide per report page, 16:9: the page's action title in the slide's title
placeholder, its chart as a picture (the curve at full width), its table as a native
PowerPoint table, and the source and provenance line at the foot; the analyst's pages
(:mod:`.pages`) follow the section their header names, as text boxes. Every run of
text names the bundled CJK font (:data:`~techcurve.render.fonts.FONT_FAMILY`) as its
East Asian and Latin typeface, so the Chinese stays editable and PowerPoint or
LibreOffice picks the same font wherever it is installed.

The numbers come from the same :class:`~.model.ReportData` as the HTML, formatted by
the same functions (:mod:`.format`).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.oxml.ns import qn
from pptx.slide import Slide
from pptx.text.text import TextFrame, _Run
from pptx.util import Emu, Inches, Pt

from techcurve.render.fonts import FONT_FAMILY, PNG_MIN_DPI, chart_style
from techcurve.report.analyst_model import AnalystPage, TextBlock
from techcurve.report.format import fmt_int, fmt_num, fmt_pct
from techcurve.report.model import Provenance, ReportData, SubfieldRow

#: the charts the deck shows (the appendix's cards are not in it: their rows are a table)
DECK_CHARTS = frozenset({"patents", "financing", "curve"})
WIDTH, HEIGHT = int(Inches(13.333)), int(Inches(7.5))  # 16:9, in EMU
MARGIN = int(Inches(0.5))
TITLE_TOP, TITLE_H = int(Inches(0.3)), int(Inches(0.95))
BODY_TOP = int(Inches(1.35))
FOOT_TOP = int(Inches(6.75))
BODY_H = FOOT_TOP - BODY_TOP - int(Inches(0.1))
INNER_W = WIDTH - 2 * MARGIN
GAP = int(Inches(0.3))
ROW_H = int(Inches(0.34))
MUTED = RGBColor(0x5A, 0x62, 0x70)
#: rows of a table slide before it continues on the next
TABLE_ROWS = 14
_TITLE_ONLY, _TITLE = 5, 0  # the default template's layouts


def figure_png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (at the charts' print resolution)."""
    buf = io.BytesIO()
    with chart_style():
        fig.savefig(buf, format="png", dpi=PNG_MIN_DPI)
    return buf.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _font(run: _Run, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """Size, weight and the CJK font (Latin and East Asian typeface) of ``run``."""
    f = run.font
    f.size, f.bold, f.name = Pt(size), bold, FONT_FAMILY
    if color is not None:
        f.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        latin = rpr.find(qn("a:latin"))
        latin.addnext(ea) if latin is not None else rpr.append(ea)
    ea.set("typeface", FONT_FAMILY)


def _write(
    tf: TextFrame, lines: Sequence[tuple[str, float, bool]], color: RGBColor | None = None
) -> None:
    """``lines`` (text, size, bold) as the paragraphs of ``tf``."""
    tf.word_wrap = True
    for i, (text, size, bold) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.space_after = Pt(size * 0.3)
        run = p.add_run()
        run.text = text
        _font(run, size, bold=bold, color=color)


@dataclass(frozen=True)
class Table:
    """A native table of a slide: header cells and rows of printed values."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Deck:
    """The presentation being written, with the helpers every slide uses."""

    def __init__(self, data: ReportData, charts: Mapping[str, bytes]) -> None:
        self.data, self.charts, self.L = data, charts, data.labels
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Emu(WIDTH), Emu(HEIGHT)

    def slide(self, title: str) -> Slide:
        s = self.prs.slides.add_slide(self.prs.slide_layouts[_TITLE_ONLY])
        t = s.shapes.title
        assert t is not None
        t.left, t.top, t.width, t.height = MARGIN, TITLE_TOP, INNER_W, TITLE_H
        t.text_frame.clear()
        _write(t.text_frame, [(title, 24, True)])
        return s

    def picture(self, s: Slide, name: str, left: int, top: int, width: int, height: int) -> None:
        """Chart ``name`` fitted into the box, centred (nothing when there is no chart)."""
        png = self.charts.get(name)
        if png is None:
            return
        pw, ph = _png_size(png)
        scale = min(width / pw, height / ph)
        w, h = int(pw * scale), int(ph * scale)
        s.shapes.add_picture(
            io.BytesIO(png),
            Emu(left + (width - w) // 2),
            Emu(top + (height - h) // 2),
            Emu(w),
            Emu(h),
        )

    def table(self, s: Slide, tab: Table, left: int, top: int, width: int) -> None:
        n_rows, n_cols = len(tab.rows) + 1, len(tab.header)
        row_h = ROW_H
        shape = s.shapes.add_table(
            n_rows, n_cols, Emu(left), Emu(top), Emu(width), Emu(row_h * n_rows)
        )
        table = shape.table
        for c in range(n_cols):
            table.columns[c].width = Emu(width // n_cols)
        for r, cells in enumerate((tab.header, *tab.rows)):
            for c, text in enumerate(cells):
                cell = table.cell(r, c)
                cell.text_frame.clear()
                _write(cell.text_frame, [(text, 11, r == 0)])
                cell.margin_top = cell.margin_bottom = Inches(0.03)

    def text(
        self, s: Slide, lines: Sequence[tuple[str, float, bool]], box: tuple[int, int, int, int]
    ) -> None:
        tb = s.shapes.add_textbox(*(Emu(v) for v in box))
        tf = tb.text_frame
        tf.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        _write(tf, lines)

    def foot(self, s: Slide, source: str, prov: Provenance | None = None) -> None:
        """The source line (and the provenance line) at the foot of the slide."""
        lines = [(source, 10, False)] + ([(prov.text, 9, False)] if prov and prov.text else [])
        box = (MARGIN, FOOT_TOP, INNER_W, HEIGHT - FOOT_TOP - int(Inches(0.1)))
        tb = s.shapes.add_textbox(*(Emu(v) for v in box))
        _write(tb.text_frame, lines, color=MUTED)

    def chart_and_table(
        self, title: str, chart: str, tab: Table | None, source: str, prov: Provenance
    ) -> None:
        """A slide with a chart on the left and its table on the right (or the chart alone)."""
        s = self.slide(title)
        if tab is None:
            self.picture(s, chart, MARGIN, BODY_TOP, INNER_W, BODY_H)
        else:
            half = (INNER_W - GAP) // 2
            self.picture(s, chart, MARGIN, BODY_TOP, half, BODY_H)
            self.table(s, tab, MARGIN + half + GAP, BODY_TOP, half)
        self.foot(s, source, prov)

    def table_slides(self, title: str, tab: Table, source: str, prov: Provenance | None) -> None:
        """``tab`` on as many slides as it needs (:data:`TABLE_ROWS` rows each)."""
        for k in range(0, max(len(tab.rows), 1), TABLE_ROWS):
            part = Table(tab.header, tab.rows[k : k + TABLE_ROWS])
            s = self.slide(title if k == 0 else f"{title} ({k // TABLE_ROWS + 1})")
            self.table(s, part, MARGIN, BODY_TOP, INNER_W)
            self.foot(s, source, prov)

    def analyst(self, page: AnalystPage) -> None:
        """An analyst's page: its text in text boxes, its Markdown tables as native tables."""
        s = self.slide(page.title)
        top = BODY_TOP
        for kind, blocks in _runs(page.blocks):
            if kind == "row":
                cells = [tuple(b.text.split(" | ")) for b in blocks]
                self.table(s, Table(cells[0], tuple(cells[1:])), MARGIN, top, INNER_W // 2)
                top += ROW_H * len(cells) + GAP // 2
                continue
            lines = [_line(b) for b in blocks]
            height = _text_height(lines, INNER_W)
            self.text(s, lines, (MARGIN, top, INNER_W, min(height, FOOT_TOP - top)))
            top += height + GAP // 3
        self.foot(s, page.kicker)


def _line(b: TextBlock) -> tuple[str, float, bool]:
    if b.kind == "heading":
        return (b.text, 18, True)
    if b.kind == "item":
        return ("  " * (b.level - 1) + "• " + b.text, 15, False)
    return (b.text, 15, False)


def _runs(blocks: Sequence[TextBlock]) -> list[tuple[str, list[TextBlock]]]:
    """``blocks`` in runs of table rows (``row``) and of text (``text``)."""
    runs: list[tuple[str, list[TextBlock]]] = []
    for b in blocks:
        kind = "row" if b.kind == "row" else "text"
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(b)
        else:
            runs.append((kind, [b]))
    return runs


def _text_height(lines: Sequence[tuple[str, float, bool]], width: int) -> int:
    """About how high ``lines`` set in a box ``width`` wide are (a CJK glyph is 1 em)."""
    pt = 12700  # EMU per point
    total = 0.0
    for text, size, _ in lines:
        ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)
        rows = max(1, -(-int(ems * size * pt) // int(width * 0.95)))
        total += rows * size * 1.3 * pt + 6 * pt
    return int(total + 0.2 * 914400)


def _cover(d: Deck) -> None:
    data = d.data
    s = d.prs.slides.add_slide(d.prs.slide_layouts[_TITLE])
    title, sub = s.shapes.title, s.placeholders[1]
    assert title is not None
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.2), INNER_W, Inches(1.5)
    sub.left, sub.top, sub.width, sub.height = MARGIN, Inches(3.9), INNER_W, Inches(1.5)
    title.text_frame.clear()
    _write(title.text_frame, [(data.title, 36, True)])
    sub_lines = [(data.subtitle, 18, False)]
    if data.cutoff:
        sub_lines.append((f"{d.L['as_of']}：{data.cutoff}", 14, False))
    sub.text_frame.clear()
    _write(sub.text_frame, sub_lines)


def _methods(d: Deck) -> None:
    m, L = d.data.methods, d.L
    rows = tuple((e.label, fmt_int(e.records), fmt_int(e.matched)) for e in m.evidence)
    d.table_slides(
        m.action_title, Table((L["kind"], L["records"], L["matched"]), rows), m.source, m.provenance
    )


def _conclusions(d: Deck) -> None:
    c = d.data.conclusions
    s = d.slide(c.items[0] if c.items else d.L["conclusions"])
    lines = [(f"{k}. {x}", 16, False) for k, x in enumerate(c.items, start=1)] or [
        (c.empty or "", 16, False)
    ]
    d.text(s, lines, (MARGIN, BODY_TOP, INNER_W, FOOT_TOP - BODY_TOP))
    d.foot(s, d.data.methods.source, c.provenance)


def _hot(d: Deck) -> None:
    h, L = d.data.hot_words, d.L
    rows = tuple((str(w.rank), w.name, w.domain, fmt_num(w.opinion_index, 1)) for w in h.rows)
    header = (L["rank"], L["subfield"], L["domain"], L["opinion"])
    d.table_slides(h.action_title, Table(header, rows), h.source, h.provenance)


def _patents(d: Deck) -> None:
    p, L = d.data.patents, d.L
    if p.headlines is None:
        d.foot(d.slide(L["patents"]), p.empty or "")
        return
    doms = Table(
        (L["domain"], L["patents_cum"], L["share"]),
        tuple((x.name, fmt_int(x.patents), fmt_pct(x.share_pct)) for x in p.domains)
        + ((L["total"], fmt_int(p.total), fmt_pct(p.headlines.shares_sum_centi / 100)),),
    )
    d.chart_and_table(p.headlines.action_title, "patent_share", doms, p.source, p.provenance)
    top = Table(
        (L["rank"], L["subfield"], L["domain"], L["patents_cum"]),
        tuple((str(x.rank), x.name, x.domain, fmt_int(x.patents)) for x in p.top10),
    )
    d.chart_and_table(p.headlines.top10_title, "top10", top, p.source, p.provenance)


def _financing(d: Deck) -> None:
    page, L = d.data.financing, d.L
    fin = page.detail
    if fin is None:
        d.foot(d.slide(L["financing"]), page.empty or "")
        return
    src, prov = page.source, page.provenance
    months = Table(
        (L["month"], L["amount"], L["events"]),
        tuple((m.label, m.amount_text, str(m.events)) for m in fin.months)
        + ((L["total"], fin.amount_text, str(fin.events)),),
    )
    d.chart_and_table(fin.month_title, "fin_month", months, src, prov)
    doms = Table(
        (L["domain"], L["amount"], L["share"], L["top_sub"]),
        tuple(
            (x.name, x.amount_text, fmt_pct(x.share_pct), x.top_subfield or "–")
            for x in fin.domains
        ),
    )
    d.chart_and_table(fin.domain_title, "fin_domain", doms, src, prov)
    rounds = Table(
        (L["round"], L["events"], L["share"], L["amount"]),
        tuple(
            (r.label, fmt_int(r.events), fmt_pct(r.share_pct), r.amount_text) for r in fin.rounds
        ),
    )
    d.chart_and_table(fin.round_title, "fin_round", rounds, src, prov)
    if fin.tree_title:
        d.chart_and_table(fin.tree_title, "fin_tree", None, src, prov)


def _curve(d: Deck) -> None:
    """The curve drawn for a 16:9 slide, as large as the slide allows (its source line is
    drawn in the figure), then one slide per domain's curve."""
    c = d.data.curve
    top = TITLE_TOP + TITLE_H
    d.picture(d.slide(c.action_title), "curve", 0, top, WIDTH, HEIGHT - top - Inches(0.1))
    for page in d.data.domain_curves:
        s = d.slide(page.action_title)
        d.picture(s, f"curve_{page.domain_id}", 0, top, WIDTH, HEIGHT - top - Inches(0.1))


def _row(r: SubfieldRow) -> tuple[str, ...]:
    pos = "–" if r.position is None else fmt_num(r.position, 2)
    return (r.name, r.domain, r.phase, pos, r.years_band or "–", fmt_num(r.confidence))


def _appendix(d: Deck) -> None:
    L = d.L
    header = (L["subfield"], L["domain"], L["phase"], L["position"], L["band"], L["confidence"])
    rows = tuple(_row(r) for r in d.data.appendix)
    if rows:
        d.table_slides(L["appendix"], Table(header, rows), d.data.curve.source, None)


#: the report's sections in order, each with the slides it makes
SLIDES: tuple[tuple[str, Callable[[Deck], None]], ...] = (
    ("methods", _methods),
    ("conclusions", _conclusions),
    ("hot", _hot),
    ("patents", _patents),
    ("financing", _financing),
    ("curve", _curve),
    ("appendix", _appendix),
)


def write_deck(data: ReportData, charts: Mapping[str, bytes], out_path: Path) -> Path:
    """Write the deck of ``data`` to ``out_path``; ``charts`` are PNGs by chart name
    (:func:`~.render.report_charts` with ``out=figure_png``)."""
    d = Deck(data, charts)
    _cover(d)
    for section, make in SLIDES:
        make(d)
        for page in data.pages or ():
            if page.section == section:
                d.analyst(page)
    d.prs.save(str(out_path))
    return out_path
