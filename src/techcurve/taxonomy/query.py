"""The query language of the taxonomy.

Queries (:func:`parse_query`) are boolean expressions over terms::

    title:(AR OR VR) 眼镜 NOT "AR model"

The grammar, the operators and every error message are described in
``docs/query-language.md``. Terms are normalised by :mod:`techcurve.normalize`.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from techcurve.errors import Phrase, QueryError, phrase
from techcurve.normalize import SEP, normalize

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "FIELDS",
    "MAX_DEPTH",
    "And",
    "Node",
    "Not",
    "Or",
    "Query",
    "Term",
    "format_node",
    "literal_node",
    "parse_query",
    "quote_term",
]

FIELDS = ("title", "abstract", "keywords", "ipc")
"""Field scopes a term can carry; a term without one searches title + abstract + keywords."""

OPERATORS = ("AND", "OR", "NOT")

MAX_DEPTH = 64
"""How deeply parentheses and ``NOT`` may nest (together); deeper is refused with a
:class:`~techcurve.errors.QueryError` at the first token past the limit."""


# ---------------------------------------------------------------------------- AST


@functools.lru_cache(maxsize=65536)
def _normalized(text: str) -> str:
    """:func:`normalize` of a term, once per text: matching asks each term's pattern
    several times while it compiles the queries (docs/performance.md, issue 18)."""
    return normalize(text)


@dataclass(frozen=True, slots=True)
class Term:
    """A leaf: a word or phrase, optionally scoped to one field.

    ``field`` is ``None`` (title + abstract + keywords), ``"title"``, ``"abstract"``,
    ``"keywords"`` or ``"ipc"`` (prefix match on IPC codes).
    """

    text: str
    field: str | None = None

    @property
    def pattern(self) -> str:
        """What the matcher searches for: normalised text, or the IPC code prefix.

        >>> Term("AR").pattern
        '\\x1far\\x1f'
        >>> Term("g06n 3/08", "ipc").pattern
        'G06N3/08'
        """
        if self.field == "ipc":
            return "".join(self.text.split()).upper()
        return _normalized(self.text)


@dataclass(frozen=True, slots=True)
class And:
    """All items must hold."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one item must hold."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The item must not hold."""

    item: Node


Node: TypeAlias = Term | And | Or | Not


def _walk(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from _walk(node.item)
    else:
        for item in node.items:
            yield from _walk(item)


def _walk_positive(node: Node, *, negated: bool) -> Iterator[Term]:
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Not):
        yield from _walk_positive(node.item, negated=not negated)
    else:
        for item in node.items:
            yield from _walk_positive(item, negated=negated)


def _evaluate(node: Node, hits: Collection[Term]) -> bool:
    if isinstance(node, Term):
        return node in hits
    if isinstance(node, Not):
        return not _evaluate(node.item, hits)
    if isinstance(node, And):
        return all(_evaluate(item, hits) for item in node.items)
    return any(_evaluate(item, hits) for item in node.items)


def flatten(node: Node) -> Node:
    """The same expression with nested same operators merged (``a AND (b AND c)`` →
    ``a AND b AND c``) and one-item groups unwrapped: the form the parser returns."""
    if isinstance(node, Term):
        return node
    if isinstance(node, Not):
        return Not(flatten(node.item))
    items: list[Node] = []
    for item in node.items:
        item = flatten(item)
        if type(item) is type(node):
            items.extend(item.items)  # type: ignore[union-attr]
        else:
            items.append(item)
    if len(items) == 1:
        return items[0]
    return type(node)(tuple(items))


# -------------------------------------------------------------------- printing

_FIELD_PREFIX_RE = re.compile(r"(title|abstract|keywords|ipc):", re.IGNORECASE)


#: a character that ends a bare word: a bracket, a quote or white space (``\s`` is
#: ``str.isspace``); regular expressions instead of character loops: a large taxonomy
#: quotes and tokenises ~100,000 terms while loading
_BREAK_RE = re.compile(r'[()"\s]')
_WORD_RE = re.compile(r'[^()"\s]+')
#: a quoted phrase: ``\"`` and ``\\`` are escapes, any other backslash is itself
_PHRASE_RE = re.compile(r'"((?:\\["\\]|\\(?!["\\])|[^"\\])*)"')
_ESCAPE_RE = re.compile(r'\\(["\\])')


def _needs_quotes(text: str) -> bool:
    return (
        not text
        or text in OPERATORS
        or _BREAK_RE.search(text) is not None
        or _FIELD_PREFIX_RE.match(text) is not None
    )


def quote_term(text: str) -> str:
    """``text`` as the query language reads it literally: bare when it can be,
    else a quoted phrase with ``\\`` and ``"`` escaped.

    >>> quote_term("5G"), quote_term("machine learning"), quote_term("OR")
    ('5G', '"machine learning"', '"OR"')
    """
    if not _needs_quotes(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PRECEDENCE = {Or: 1, And: 2, Not: 3, Term: 4}


def format_node(node: Node) -> str:
    """The canonical text of an expression (see :meth:`Query.__str__`)."""
    return _format(flatten(node), 0)


def _format(node: Node, parent: int) -> str:
    if isinstance(node, Term):
        prefix = f"{node.field}:" if node.field else ""
        return prefix + quote_term(node.text)
    prec = _PRECEDENCE[type(node)]
    if isinstance(node, Not):
        text = "NOT " + _format(node.item, prec)
    else:
        joiner = " AND " if isinstance(node, And) else " OR "
        text = joiner.join(_format(item, prec) for item in node.items)
    return f"({text})" if prec < parent or (prec == parent and prec < 3) else text


# ----------------------------------------------------------------------- Query


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the expression tree and the text it came from.

    Two queries are equal when their trees are; ``str(query)`` is the canonical
    form (explicit ``AND``, minimal parentheses, field on every scoped term).
    """

    root: Node
    source: str = dataclasses.field(default="", compare=False)

    def terms(self) -> tuple[Term, ...]:
        """The unique leaves, in order of first appearance."""
        return tuple(dict.fromkeys(_walk(self.root)))

    def positive_terms(self) -> tuple[Term, ...]:
        """The unique leaves that can make the query true by being present (those under
        an even number of NOTs), in order of first such appearance."""
        return tuple(dict.fromkeys(_walk_positive(self.root, negated=False)))

    def evaluate(self, hits: Collection[Term]) -> bool:
        """Whether a record whose present terms are ``hits`` matches."""
        return _evaluate(self.root, hits)

    def to_expr(self, lookup: Callable[[Term], pl.Expr]) -> pl.Expr:
        """The query as a polars boolean expression.

        ``lookup`` gives, for each leaf, a boolean expression that is true where the
        leaf is present (called once per unique leaf).
        """
        cache: dict[Term, pl.Expr] = {}

        def build(node: Node) -> pl.Expr:
            if isinstance(node, Term):
                if node not in cache:
                    cache[node] = lookup(node)
                return cache[node]
            if isinstance(node, Not):
                return ~build(node.item)
            combine = operator.and_ if isinstance(node, And) else operator.or_
            return functools.reduce(combine, (build(item) for item in node.items))

        return build(self.root)

    def __str__(self) -> str:
        return format_node(self.root)


# --------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # term | phrase | field | ( | ) | AND | OR | NOT | end
    text: str
    col: int  # 1-based column of the first character
    end: int  # 1-based column just after the token
    field: str | None = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, c, i + 1, i + 2))
            i += 1
        elif c == '"':
            quoted = _PHRASE_RE.match(text, i)
            if quoted is None:
                raise QueryError.of("taxonomy.query.unterminated", query=text, column=i + 1)
            body = quoted.group(1)
            if "\\" in body:
                body = _ESCAPE_RE.sub(r"\1", body)
            tokens.append(_Token("phrase", body, i + 1, quoted.end() + 1))
            i = quoted.end()
        else:
            word_match = _WORD_RE.match(text, i)
            assert word_match is not None  # c is no break character
            j = word_match.end()
            word = word_match.group()
            if word in OPERATORS:
                tokens.append(_Token(word, word, i + 1, j + 1))
            elif m := _FIELD_PREFIX_RE.match(word):
                field, rest = m.group(1).lower(), word[m.end() :]
                if rest:
                    tokens.append(_Token("term", rest, i + 1, j + 1, field))
                else:
                    tokens.append(_Token("field", word, i + 1, j + 1, field))
            else:
                tokens.append(_Token("term", word, i + 1, j + 1))
            i = j
    tokens.append(_Token("end", "", n + 1, n + 1))
    return tokens


_OPERAND_START = frozenset({"term", "phrase", "field", "(", "NOT"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.open: list[int] = []  # columns of the '(' not yet closed
        self.depth = 0  # '(' and NOT around the token being read

    def error(self, key: str, column: int, **fields: Any) -> QueryError:
        return QueryError.of(key, query=self.text, column=column, **fields)

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("taxonomy.query.empty", 1)
        node = flatten(self.parse_or(None))
        tok = self.peek()
        if tok.kind != "end":  # anything else would have continued the expression
            raise self.error("taxonomy.query.unmatched_close", tok.col)
        return node

    def parse_or(self, scope: str | None) -> Node:
        items = [self.parse_and(scope)]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.parse_and(scope))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, scope: str | None) -> Node:
        items = [self.parse_not(scope)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
            elif kind not in _OPERAND_START:  # an operand right here is an implicit AND
                break
            items.append(self.parse_not(scope))
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self, scope: str | None) -> Node:
        if self.peek().kind == "NOT":
            self.deeper(self.take())
            node = Not(self.parse_not(scope))
            self.depth -= 1
            return node
        return self.parse_primary(scope)

    def deeper(self, tok: _Token) -> None:
        """One more level of nesting at ``tok``; refused past :data:`MAX_DEPTH` (the
        parser, printer and matcher recurse once per level)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("taxonomy.query.too_deep", tok.col, limit=MAX_DEPTH)

    def parse_primary(self, scope: str | None) -> Node:
        tok = self.take()
        if tok.kind == "term":
            return self.term(tok.text, self.scoped(tok.field, scope, tok), tok)
        if tok.kind == "phrase":
            return self.term(tok.text, scope, tok)
        if tok.kind == "field":
            field = self.scoped(tok.field, scope, tok)
            nxt = self.peek()
            if nxt.col != tok.end or nxt.kind not in ("phrase", "("):
                raise self.error("taxonomy.query.after_field", tok.end, field=repr(tok.text))
            if nxt.kind == "phrase":
                self.take()
                return self.term(nxt.text, field, nxt)
            return self.parse_primary(field)
        if tok.kind == "(":
            self.deeper(tok)
            self.open.append(tok.col)
            node = self.parse_or(scope)
            close = self.take()
            if close.kind != ")":  # only the end of input can stop an expression here
                raise self.unclosed(close.col)
            self.open.pop()
            self.depth -= 1
            return node
        raise self.missing_operand(tok)

    def missing_operand(self, tok: _Token) -> QueryError:
        prev = self.tokens[self.pos - 2] if self.pos >= 2 else None
        after: Phrase | str = ""
        if prev is not None and prev.kind in OPERATORS:
            after = phrase("taxonomy.query.after", op=repr(prev.text))
        if tok.kind == "end":
            if self.open:
                return self.unclosed(tok.col)
            return self.error("taxonomy.query.expected_term", tok.col, after=after)
        if tok.kind == ")":
            if not self.open:
                return self.error("taxonomy.query.unmatched_close", tok.col)
            if prev is not None and prev.kind == "(":
                return self.error("taxonomy.query.empty_parens", tok.col)
            return self.error("taxonomy.query.term_before", tok.col, after=after, token="')'")
        return self.error("taxonomy.query.term_before", tok.col, after=after, token=repr(tok.text))

    def unclosed(self, column: int) -> QueryError:
        return self.error("taxonomy.query.unclosed", column, open=self.open[-1])

    def scoped(self, field: str | None, scope: str | None, tok: _Token) -> str | None:
        if field and scope and field != scope:
            raise self.error("taxonomy.query.field_in_scope", tok.col, field=field, scope=scope)
        return field or scope

    def term(self, text: str, field: str | None, tok: _Token) -> Term:
        term = Term(text, field)
        fault = term_fault(term)
        if fault:
            raise self.error(fault.key, tok.col, **fault.fields)
        return term


def term_problem(term: Term) -> str | None:
    """Why ``term`` cannot be searched for, or ``None`` if it can.

    A term must keep at least one letter or digit after normalisation: a lone
    ``-`` or ``""`` would match almost everything or nothing.
    """
    fault = term_fault(term)
    return None if fault is None else fault.say("en")


def term_fault(term: Term) -> Phrase | None:
    """:func:`term_problem` as a catalogue phrase, to be said in any language."""
    problem = _pattern_problem(term.pattern)
    return None if problem is None else phrase(problem, term=term.text)


@functools.lru_cache(maxsize=1 << 16)
def _pattern_problem(pattern: str) -> str | None:
    """The catalogue key of what is wrong with a term's pattern, if anything (kept: a
    large taxonomy checks the same patterns while loading and again while linting)."""
    if not pattern.replace(SEP, "").strip():
        return "taxonomy.query.term_empty"
    if not any(unicodedata.category(c)[0] in "LN" for c in pattern):
        return "taxonomy.query.term_no_letter"
    return None


def literal_node(terms: Sequence[str], exclude: Sequence[str] = ()) -> Node:
    """The tree :func:`parse_query` gives for ``compose_query(terms, exclude)`` (every item
    read literally, OR-ed, minus the OR of ``exclude``), built without the parser: a
    large taxonomy's term lists are most of its loading. The items must be valid terms
    (:func:`term_fault` ``None``); ``tests/test_query.py`` holds the two equal."""

    def any_of(texts: Sequence[str]) -> Node:
        items = tuple(Term(x) for x in texts)
        return items[0] if len(items) == 1 else Or(items)

    positive = any_of(terms)
    return And((positive, Not(any_of(exclude)))) if exclude else positive


def parse_query(text: str) -> Query:
    """Parse a boolean query (grammar in ``docs/query-language.md``).

    Raises :class:`~techcurve.errors.QueryError` with a 1-based ``column`` and a
    message that says what was expected.

    >>> str(parse_query("5G 专网 OR title:(AR OR VR)"))
    '5G AND 专网 OR title:AR OR title:VR'
    """
    node = _Parser(text).parse()
    if _evaluate(node, ()):
        raise QueryError.of("taxonomy.query.no_required_term", query=text, column=1)
    return Query(node, text)


def _error_reason(err: QueryError) -> str:
    """The bare message of a QueryError, without its 'at column … of query …' suffix."""
    return str(err).removesuffix(f" at column {err.column} of query {err.query!r}")


def requalify(err: QueryError, **where: Any) -> QueryError:
    """The same query error with a file, sub-field and line attached."""
    if err.key is not None:
        return QueryError.of(err.key, query=err.query, column=err.column, **where, **err.fields)
    return QueryError(_error_reason(err), query=err.query, column=err.column, **where)
