"""The analyst's pages as report data: :class:`AnalystPage` and the values filled into it.

An analyst page is a Markdown file with a YAML header (:mod:`.pages`) whose
placeholders (:mod:`.placeholders`) were filled from the store; the report keeps the
filled Markdown, its HTML, its blocks as plain text (for the PowerPoint deck's text
boxes) and every value filled in, so a page can be laid out in any format and its
numbers audited.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FilledValue:
    """One placeholder of a page and what it printed."""

    placeholder: str  # as written, "{{patents_cum:llm}}"
    line: int  # 1-based line of the page file
    measure: str
    subject: str | None
    year: int | None
    text: str  # as printed, "1,204" or "25.0%"


@dataclass(frozen=True)
class TextBlock:
    """A block of a page as plain text: a heading, a paragraph or a list item."""

    kind: str  # heading | paragraph | item
    level: int  # the heading's level (1–6), the item's nesting depth (1…), 0 otherwise
    text: str


@dataclass(frozen=True)
class AnalystPage:
    """A page the analyst wrote, placed after the report section its header names."""

    name: str  # the file name without .md ("movers.zh")
    kicker: str  # the line above its title ("分析师观点")
    path: str
    title: str
    section: str  # the report section it follows: methods, conclusions, hot, …
    order: int  # among the pages after one section, smaller first
    language: str | None  # None: the page is for every report language
    markdown: str  # the page's body with the placeholders filled
    html: str  # the filled body rendered (raw HTML in the file is escaped)
    blocks: tuple[TextBlock, ...]
    values: tuple[FilledValue, ...]
