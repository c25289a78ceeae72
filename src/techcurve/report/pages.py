"""The analyst's pages: Markdown files with a YAML header, placed into the report.

A page is a ``.md`` file in the folder given by ``report --pages DIR`` (or the
``report.pages`` setting)::

    ---
    title: 本年度曲线上的变动
    section: curve        # the report section it follows (SECTIONS)
    order: 1              # among the pages after one section, smaller first
    language: zh          # zh | en; left out: the page is for every language
    ---
    大语言模型累计专利 {{patents_cum:llm}} 件，处于{{phase:llm}}。

The report takes the pages of its own language. Placeholders (:mod:`.placeholders`)
are filled from the report's data; the body is rendered by markdown-it-py with raw
HTML escaped, and its blocks are kept as plain text for the PowerPoint deck.
:func:`with_pages` adds the pages and the audit claims of their numbers to a
:class:`~.model.ReportData`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from techcurve.errors import ReportError
from techcurve.report.analyst_model import AnalystPage, FilledValue, TextBlock
from techcurve.report.context import ReportContext
from techcurve.report.model import AuditDocument, ReportData
from techcurve.report.placeholders import YEARLY, Facts, Filler
from techcurve.store import Store
from techcurve.store.report import indicator_series
from techcurve.text import LANGS, t

#: the report's sections, in order: a page's ``section`` names the one it follows
SECTIONS = ("methods", "conclusions", "hot", "patents", "financing", "curve", "appendix")
_FENCE = "---"


@dataclasses.dataclass(frozen=True)
class PageSource:
    """A page file read and its header checked, before its placeholders are filled."""

    name: str
    path: str
    title: str
    section: str
    order: int
    language: str | None
    body: list[str]  # the lines after the header
    first_line: int  # the file line of body[0]


def _header(lines: list[str], path: str) -> tuple[dict[str, Any], int]:
    """The YAML header of a page's ``lines`` and the index of the first body line."""
    if not lines or lines[0].strip() != _FENCE:
        raise ReportError.of("pages.error.no_header", where=f"{path}:1")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == _FENCE), None)
    if end is None:
        raise ReportError.of("pages.error.open_header", where=f"{path}:1")
    try:
        head = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = str(getattr(e, "problem", e))
        raise ReportError.of("pages.error.yaml", where=f"{path}:{line}", problem=problem) from None
    if not isinstance(head, dict):
        raise ReportError.of("pages.error.header_mapping", where=f"{path}:2")
    return head, end + 1


def _field_line(lines: list[str], key: str, path: str) -> str:
    """``path:line`` of the header line that sets ``key`` (line 1 when it is missing)."""
    for i, line in enumerate(lines[1:], start=2):
        if line.strip() == _FENCE:
            break
        if line.lstrip().startswith(f"{key}:"):
            return f"{path}:{i}"
    return f"{path}:1"


def read_page(file: Path) -> PageSource:
    """One page file with its header checked (title, section, order, language)."""
    path = str(file)
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ReportError.of("pages.error.read", where=path, error=str(e)) from None
    head, start = _header(lines, path)
    for key in ("title", "section"):
        if not isinstance(head.get(key), str) or not head[key].strip():
            raise ReportError.of("pages.error.field", where=_field_line(lines, key, path), key=key)
    section = head["section"].strip()
    if section not in SECTIONS:
        raise ReportError.of(
            "pages.error.section",
            where=_field_line(lines, "section", path),
            section=section,
            known=", ".join(SECTIONS),
        )
    order = head.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        raise ReportError.of(
            "pages.error.order", where=_field_line(lines, "order", path), order=repr(order)
        )
    language = head.get("language")
    if language is not None and language not in LANGS:
        raise ReportError.of(
            "pages.error.language",
            where=_field_line(lines, "language", path),
            language=repr(language),
            known=", ".join(LANGS),
        )
    return PageSource(
        name=file.stem,
        path=path,
        title=head["title"].strip(),
        section=section,
        order=order,
        language=language,
        body=lines[start:],
        first_line=start + 1,
    )


def read_pages(folder: Path, lang: str) -> list[PageSource]:
    """The pages in ``folder`` for a report in ``lang``, in section and page order."""
    if not folder.is_dir():
        raise ReportError.of("pages.error.folder", path=str(folder))
    pages = [read_page(f) for f in sorted(folder.glob("*.md"))]
    mine = [p for p in pages if p.language in (None, lang)]
    return sorted(mine, key=lambda p: (SECTIONS.index(p.section), p.order, p.name))


def _markdown() -> MarkdownIt:
    # commonmark with tables; html=False: raw HTML in a page is shown as text, escaped
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _cjk(ch: str) -> bool:
    return bool(ch) and ord(ch) >= 0x2E80


def _plain(tok: Token) -> str:
    """The text of an inline token, without its markup."""
    out: list[str] = []
    for c in tok.children or []:
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type == "hardbreak":
            out.append("\n")
        elif c.type == "softbreak" and not (out and _cjk(out[-1][-1:])):
            out.append(" ")  # a line break inside Chinese text is no space
    return "".join(out).strip()


def text_blocks(tokens: Sequence[Token]) -> tuple[TextBlock, ...]:
    """Headings, paragraphs, list items and table rows as plain text, in order."""
    blocks: list[TextBlock] = []
    depth, heading, row = 0, 0, None
    cells: list[str] = []
    for tok in tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "heading_open":
            heading = int(tok.tag[1:])
        elif tok.type == "tr_open":
            row, cells = True, []
        elif tok.type == "tr_close":
            blocks.append(TextBlock("row", 0, " | ".join(cells)))
            row = None
        elif tok.type == "inline":
            text = _plain(tok)
            if row:
                cells.append(text)
            elif heading:
                blocks.append(TextBlock("heading", heading, text))
                heading = 0
            elif text:
                kind = "item" if depth else "paragraph"
                blocks.append(TextBlock(kind, depth, text))
    return tuple(blocks)


def fill_page(src: PageSource, filler: Filler) -> AnalystPage:
    """``src`` with its placeholders filled, rendered, and its blocks as text."""
    lines: list[str] = []
    values: list[FilledValue] = []
    for k, line in enumerate(src.body):
        lineno = src.first_line + k
        filled, vals = filler.fill_line(line, f"{src.path}:{lineno}", src.name, lineno)
        lines.append(filled)
        values += vals
    markdown = "\n".join(lines)
    md = _markdown()
    tokens = md.parse(markdown)
    return AnalystPage(
        name=src.name,
        kicker=t("pages.kicker", filler.lang),
        path=src.path,
        title=src.title,
        section=src.section,
        order=src.order,
        language=src.language,
        markdown=markdown,
        html=md.renderer.render(tokens, md.options, {}),
        blocks=text_blocks(tokens),
        values=tuple(values),
    )


def _yearly(store: Store, ctx: ReportContext) -> dict[tuple[str, str], dict[int, float]]:
    """Each sub-field's yearly indicators up to the as-of year, by (id, column)."""
    until = int(ctx.as_of[:4]) if ctx.as_of else 9999
    df = indicator_series(store, list(ctx.subfield_names), until)
    out: dict[tuple[str, str], dict[int, float]] = {}
    for col in (c for c in YEARLY if c in df.columns):
        for sid, year, v in df.select("subfield_id", "year", col).iter_rows():
            if v is not None:
                out.setdefault((str(sid), col), {})[int(year)] = float(v)
    return out


def with_pages(data: ReportData, store: Store, ctx: ReportContext, folder: Path) -> ReportData:
    """``data`` with the analyst's pages in ``folder`` and the audit claims of their numbers.

    Raises :class:`ReportError` (with the file and line) for a page that cannot be
    read or names a measure, sub-field, domain, phase or year that does not exist.
    """
    sources = read_pages(Path(folder), data.lang)
    filler = Filler(Facts(data, ctx.domain_names, _yearly(store, ctx) if sources else {}))
    pages = tuple(fill_page(s, filler) for s in sources)
    fig = data.figures
    figures = AuditDocument(
        title=fig.title,
        tables=(*fig.tables, *filler.audit.tables()),
        claims=(*fig.claims, *filler.audit.claims),
    )
    return dataclasses.replace(data, pages=pages, figures=figures)
