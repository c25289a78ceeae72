"""The taxonomy written out: as spreadsheet rows and as taxonomy YAML.

:func:`table_rows` lays a taxonomy out as the rows of a spreadsheet (one per domain and
sub-field, a plain list of terms as ``terms``/``exclude`` cells, else the query);
:func:`render_yaml` and :func:`taxonomy_to_yaml` write the YAML file format, keeping the
file's comments as notes (:func:`subfield_notes`). Nothing here reads a store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from techcurve.datatypes import Domain, SubField
from techcurve.taxonomy.model import Taxonomy
from techcurve.taxonomy.query import And, Not, Or, Query, Term
from techcurve.taxonomy.query import Node as QueryNode

__all__ = [
    "JOIN",
    "render_yaml",
    "split_cell",
    "split_terms",
    "subfield_notes",
    "table_rows",
    "taxonomy_content",
    "taxonomy_to_yaml",
]

JOIN = " | "
"""How list cells (terms, exclude, aliases) are joined; on import any ``|`` splits."""


def _literal_or(node: QueryNode) -> list[str] | None:
    """The texts of a bare term or an OR of bare, unscoped terms; else None."""
    items = node.items if isinstance(node, Or) else (node,)
    if all(isinstance(i, Term) and i.field is None for i in items):
        return [i.text for i in items]  # type: ignore[union-attr]
    return None


def split_terms(query: Query) -> tuple[list[str], list[str]] | None:
    """The ``terms`` and ``exclude`` lists a query was composed from, or ``None`` if
    it is not of the form ``(t1 OR …) AND NOT (e1 OR …)`` (then it stays a query).

    >>> split_terms(parse_query('(AR OR "augmented reality") AND NOT ("AR model")'))
    (['AR', 'augmented reality'], ['AR model'])
    """
    root = query.root
    terms = _literal_or(root)
    if terms is not None:
        return terms, []
    if (
        isinstance(root, And)
        and len(root.items) == 2
        and isinstance(root.items[1], Not)
        and (terms := _literal_or(root.items[0])) is not None
        and (exclude := _literal_or(root.items[1].item)) is not None
    ):
        return terms, exclude
    return None


def _cell_list(items: Sequence[str]) -> str | None:
    """``items`` joined for one cell, or None when a ``|`` inside one would be ambiguous."""
    if any("|" in t for t in items):
        return None
    return JOIN.join(items)


def subfield_notes(taxonomy: Taxonomy) -> tuple[str, dict[str, str]]:
    """The comments of the taxonomy file: its header and each sub-field's own notes.

    The header is the comment block before ``version:``; a sub-field's notes are the
    full-line comments inside its block (indented deeper than its ``- id:`` line).
    Section banners between sub-fields are not notes; the importer writes new ones.
    Returns ``("", {})`` when the file cannot be read.
    """
    try:
        lines = Path(taxonomy.path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return "", {}
    header: list[str] = []
    for line in lines:
        if line.strip().startswith("#"):
            header.append(line.strip()[1:].removeprefix(" "))
        elif line.strip():
            break
    starts = sorted((sf.line, sf.id) for sf in taxonomy.subfields if sf.line)
    notes: dict[str, str] = {}
    for i, (start, sid) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(lines)
        first = lines[start - 1]
        dash = len(first) - len(first.lstrip(" -"))
        own = [
            ln.strip()[1:].removeprefix(" ")
            for ln in lines[start:end]
            if ln.strip().startswith("#") and len(ln) - len(ln.lstrip()) >= dash
        ]
        if own:
            notes[sid] = "\n".join(own)
    return "\n".join(header), notes


def table_rows(
    taxonomy: Taxonomy,
) -> tuple[str, list[dict[str, str]], list[dict[str, str]]]:
    """``(header, domain rows, sub-field rows)``: the taxonomy as a spreadsheet holds it,
    one dict per row keyed by column name (terms and exclude joined with :data:`JOIN`
    where the query is a plain list of terms, else the query)."""
    header, notes = subfield_notes(taxonomy)
    domains = [
        {"id": d.id, "zh": d.name_zh, "en": d.name_en, "aliases": JOIN.join(d.aliases)}
        for d in taxonomy.domains
    ]
    subs = []
    for sf in taxonomy.subfields:
        row = {
            "id": sf.id,
            "domain": sf.domain,
            "zh": sf.name_zh,
            "en": sf.name_en,
            "definition": sf.definition,
            "terms": "",
            "exclude": "",
            "query": sf.query,
            "notes": notes.get(sf.id, ""),
            "wiki_zh": sf.wiki_zh,
            "wiki_en": sf.wiki_en,
        }
        q = taxonomy.queries.get(sf.id)
        split = split_terms(q) if q is not None else None
        if split is not None:
            terms, exclude = (_cell_list(split[0]), _cell_list(split[1]))
            if terms is not None and exclude is not None:
                row.update(terms=terms, exclude=exclude, query="")
        subs.append(row)
    return header, domains, subs


def split_cell(text: str) -> list[str]:
    """The items of a list cell (any ``|`` splits), stripped; none for an empty cell."""
    return [t.strip() for t in text.split("|")] if text.strip() else []


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(key: str, items: Sequence[str], indent: int, width: int = 100) -> list[str]:
    """``key: ["a", "b", …]`` wrapped at ``width`` columns, continuation under the first item."""
    prefix = " " * indent + f"{key}: ["
    lines: list[str] = []
    line = prefix
    for i, item in enumerate(items):
        piece = _q(item) + ("]" if i == len(items) - 1 else ",")
        if line != prefix and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * len(prefix) + piece
        else:
            line += ("" if line == prefix else " ") + piece
    lines.append(line if items else prefix + "]")
    return lines


def _comment(text: str, indent: int) -> list[str]:
    return [(" " * indent + "# " + ln).rstrip() for ln in text.splitlines()]


def render_yaml(
    version: str,
    header: str,
    domains: Sequence[Domain],
    subs: Sequence[tuple[SubField, list[str] | None, list[str], str]],
) -> str:
    """The taxonomy file's YAML text: ``header`` as its leading comment, the domains, and
    each sub-field as ``(sub-field, terms or None for its query, exclude, notes)``."""
    out = _comment(header, 0) if header else []
    out.append(f"version: {_q(version)}")
    out += ["", "domains:"]
    names = {d.id: d for d in domains}
    for d in domains:
        aliases = ", ".join(_q(a) for a in d.aliases)
        out.append(
            f"  - {{id: {_q(d.id)}, zh: {_q(d.name_zh)}, en: {_q(d.name_en)}, aliases: [{aliases}]}}"
        )
    out += ["", "subfields:"]
    last_domain = None
    for sf, terms, exclude, notes in subs:
        if sf.domain != last_domain:
            zh = names[sf.domain].name_zh + " " if sf.domain in names else ""
            out.append(f"  # ── {zh}{sf.domain} ──")
            last_domain = sf.domain
        out.append(f"  - id: {_q(sf.id)}")
        out.append(f"    domain: {_q(sf.domain)}")
        out.append(f"    zh: {_q(sf.name_zh)}")
        out.append(f"    en: {_q(sf.name_en)}")
        wiki = [f"{lang}: {_q(title)}" for lang, title in (("zh", sf.wiki_zh), ("en", sf.wiki_en))
                if title]  # fmt: skip
        if wiki:
            out.append(f"    wiki: {{{', '.join(wiki)}}}")
        if sf.definition:
            out.append(f"    definition: {_q(sf.definition)}")
        out += _comment(notes, 4)
        if terms is not None:
            out += _flow("terms", terms, 4)
            if exclude:
                out += _flow("exclude", exclude, 4)
        else:
            out.append(f"    query: {_q(sf.query)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def taxonomy_to_yaml(taxonomy: Taxonomy) -> str:
    """``taxonomy`` as YAML text in the file format, the way the importer writes it
    (terms lists where a query is a plain list of terms, comments kept as notes)."""
    header, _, subs = table_rows(taxonomy)
    parts = []
    by_id = {s["id"]: s for s in subs}
    for sf in taxonomy.subfields:
        row = by_id[sf.id]
        terms = split_cell(row["terms"]) or None
        parts.append((sf, terms, split_cell(row["exclude"]), row["notes"]))
    return render_yaml(taxonomy.version, header, taxonomy.domains, parts)


def taxonomy_content(taxonomy: Taxonomy) -> tuple[object, ...]:
    """What a taxonomy says, without where it came from (path, hash, line numbers):
    two files with equal content give equal values."""
    return (
        taxonomy.version,
        taxonomy.domains,
        tuple(replace(sf, line=None) for sf in taxonomy.subfields),
    )
