"""A sub-field's query mapped to what an API's search supports.

The query language (docs/query-language.md) has terms, phrases, AND / OR / NOT, field
scopes and ``ipc:`` prefixes. An API supports a part of it; :func:`prune` drops the
leaves it cannot search (IPC codes everywhere, Chinese terms where the source is in
English) and the connector says which in a note. :func:`boolean_text` writes what is
left in the common ``a OR "b c" AND NOT d`` syntax (OpenAlex, GitHub), :func:`to_tree`
hands it to a JSON query builder (PatentsView).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from techcurve.taxonomy.query import And, Node, Not, Or, Query, Term

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_PRECEDENCE = {Or: 0, And: 1}


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese, Japanese or Korean character (or a full-width form)."""
    return bool(_CJK.search(text))


@dataclass(frozen=True, slots=True)
class Pruned:
    """A query without the leaves an API cannot search: ``node`` (None: nothing left),
    the dropped leaves, and the scoped leaves whose scope was widened."""

    node: Node | None
    dropped: tuple[Term, ...]
    widened: tuple[Term, ...]


def prune(query: Query, keep: Callable[[Term], bool]) -> Pruned:
    """``query`` with the leaves ``keep`` refuses removed (an AND or OR of what is left,
    a NOT of nothing gone) and every field scope dropped (the APIs search one set of
    fields for a term)."""
    dropped: list[Term] = []
    widened: list[Term] = []

    def walk(node: Node) -> Node | None:
        if isinstance(node, Term):
            if not keep(node):
                dropped.append(node)
                return None
            if node.field is not None:
                widened.append(node)
                return Term(node.text)
            return node
        if isinstance(node, Not):
            inner = walk(node.item)
            return None if inner is None else Not(inner)
        items = tuple(i for i in (walk(item) for item in node.items) if i is not None)
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        return type(node)(items)

    node = walk(query.root)
    if isinstance(node, Not):
        node = None  # a bare NOT would ask for everything else
    return Pruned(node, tuple(dict.fromkeys(dropped)), tuple(dict.fromkeys(widened)))


def not_ipc(term: Term) -> bool:
    return term.field != "ipc"


def english(term: Term) -> bool:
    """Searchable in an English-language source: not IPC, no CJK character."""
    return term.field != "ipc" and not has_cjk(term.text)


def quoted(text: str) -> str:
    """A term as the APIs' search syntax reads it: a phrase (or a lone operator word) in
    double quotes, other words bare."""
    if " " in text or text in ("AND", "OR", "NOT") or any(c in text for c in "()"):
        return '"' + text.replace('"', " ").strip() + '"'
    return text.replace('"', "")


def boolean_text(node: Node, parent: int = -1) -> str:
    """``node`` in the ``a OR "b c" AND NOT d`` syntax, with parentheses where needed."""
    if isinstance(node, Term):
        return quoted(node.text)
    if isinstance(node, Not):
        return "NOT " + boolean_text(node.item, 2)
    own = _PRECEDENCE[type(node)]
    sep = " OR " if isinstance(node, Or) else " AND "
    text = sep.join(boolean_text(item, own) for item in node.items)
    return f"({text})" if own < parent else text


def positive_terms(node: Node | None) -> list[Term]:
    """The leaves of ``node`` not under a NOT, in order."""
    if node is None:
        return []
    return list(Query(node).positive_terms())


def negated_terms(node: Node | None) -> list[Term]:
    """The leaves of ``node`` under a NOT."""
    if node is None:
        return []
    positive = set(positive_terms(node))
    return [t for t in Query(node).terms() if t not in positive]


def or_of_terms(node: Node | None) -> bool:
    """Whether ``node`` is one term or an OR of terms (no AND, no NOT)."""
    if isinstance(node, Term):
        return True
    return isinstance(node, Or) and all(isinstance(i, Term) for i in node.items)


def without_not(node: Node | None) -> Node | None:
    """``node`` with every NOT branch removed (for APIs without NOT)."""
    if node is None or isinstance(node, Term):
        return node
    if isinstance(node, Not):
        return None
    items = tuple(i for i in (without_not(item) for item in node.items) if i is not None)
    if not items:
        return None
    return items[0] if len(items) == 1 else type(node)(items)
