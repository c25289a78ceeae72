"""Lint a loaded taxonomy: :func:`check_taxonomy` lists the problems a file can load with
(duplicate ids, bad queries, terms shared or shadowed between sub-fields, one-character
terms, domains without sub-fields) as :class:`~techcurve.taxonomy.model.Finding` values.

It runs in time linear in the terms (10,000 sub-fields in about a second): the shadowing
check looks every substring of a term up among the others instead of comparing pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ahocorasick_rs import AhoCorasick, MatchKind

from techcurve.errors import Phrase, QueryError, phrase
from techcurve.normalize import SEP
from techcurve.taxonomy.model import Finding, Taxonomy, _name_key, without_gc
from techcurve.taxonomy.query import And, Node, Not, Query, Term, parse_query

__all__ = ["check_taxonomy"]


def _and_list(ids: list[str]) -> Phrase | str:
    if len(ids) < 2:
        return ids[0]
    return phrase("taxonomy.check.and_list", items=", ".join(ids[:-1]), last=ids[-1])


@dataclass
class _Lint:
    """The findings of one :func:`check_taxonomy` run, errors and warnings apart."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def error(self, subfield: str | None, kind: str, /, **values: object) -> None:
        said = phrase(f"taxonomy.check.{kind}", **values)
        self.errors.append(Finding("error", subfield, said.say("en"), kind, said))

    def warn(self, subfield: str | None, kind: str, /, **values: object) -> None:
        said = phrase(f"taxonomy.check.{kind}", **values)
        self.warnings.append(Finding("warning", subfield, said.say("en"), kind, said))


@without_gc
def check_taxonomy(tax: Taxonomy) -> list[Finding]:
    """Lint a taxonomy: errors first, then warnings.

    Errors: duplicate domain or sub-field ids, sub-fields of unknown domains, empty
    or unparseable queries. Warnings: two sub-fields with the same name, a term used
    by more than one sub-field, a term that contains another sub-field's term (so
    every record it matches also hits the other one), a term of one character (``云``,
    ``a``: it matches far more than the sub-field), domains without sub-fields.
    """
    lint = _Lint()
    domains: set[str] = set()
    for d in tax.domains:
        if d.id in domains:
            lint.error(None, "duplicate-domain", id=repr(d.id))
        domains.add(d.id)
    queries = _check_subfields(tax, domains, lint)
    users = _term_users(queries)
    for (_, pattern), by in users.items():
        if len(pattern.replace(SEP, "").strip()) == 1:
            for sid, text in by.items():
                lint.warn(sid, "one-char-term", term=repr(text))
    for by in users.values():
        if len(by) > 1:
            ids = list(by)
            lint.warn(ids[-1], "shared-term", term=repr(next(iter(by.values()))),
                      subfields=_and_list(ids))  # fmt: skip
    _check_shadowing(users, queries, lint)
    used = {sf.domain for sf in tax.subfields}
    for d in tax.domains:
        if d.id not in used:
            lint.warn(None, "empty-domain", id=repr(d.id), name=d.name_zh)
    return lint.errors + lint.warnings


def _check_subfields(tax: Taxonomy, domains: set[str], lint: _Lint) -> dict[str, Query]:
    """Ids, domains, names and queries of the sub-fields; the queries that parse."""
    seen: set[str] = set()
    names: dict[str, str] = {}
    queries: dict[str, Query] = {}
    for sf in tax.subfields:
        if sf.id in seen:
            lint.error(sf.id, "duplicate-id", id=repr(sf.id))
        seen.add(sf.id)
        if sf.domain not in domains:
            lint.error(sf.id, "unknown-domain", domain=repr(sf.domain))
        for name in (sf.name_zh, sf.name_en):
            key = _name_key(name)
            if key and names.get(key, sf.id) != sf.id:
                lint.warn(sf.id, "same-name", name=repr(name), other=repr(names[key]))
            names.setdefault(key, sf.id)
        if not sf.query.strip():
            lint.error(sf.id, "empty-query")
            continue
        try:
            queries[sf.id] = tax.queries.get(sf.id) or parse_query(sf.query)
        except QueryError as e:
            lint.error(sf.id, "bad-query", error=str(e))
    return queries


def _term_users(queries: dict[str, Query]) -> dict[tuple[str, str], dict[str, str]]:
    """Which sub-fields use each (kind, pattern) as a positive term, in order, with the
    term as each wrote it."""
    users: dict[tuple[str, str], dict[str, str]] = {}
    for sid, query in queries.items():
        for term in query.positive_terms():
            kind = "ipc" if term.field == "ipc" else "text"
            users.setdefault((kind, term.pattern), {}).setdefault(sid, term.text)
    return users


class _Index:
    """The patterns of one kind, to find those inside a longer one without comparing every
    pair (10,000 sub-fields hold ~45,000 patterns). Text: one Aho–Corasick automaton
    (ahocorasick-rs) over all the patterns, its overlapping matches; IPC codes: the
    prefixes of the longer code that are patterns."""

    def __init__(self, kind: str, patterns: Iterable[str]) -> None:
        self.kind = kind
        self.patterns = set(patterns)
        self.automaton = (
            AhoCorasick(sorted(self.patterns), matchkind=MatchKind.Standard)
            if kind == "text" and self.patterns
            else None
        )

    def inside(self, long: str) -> frozenset[str]:
        """The patterns that ``long`` starts with (IPC) or contains (text), itself too."""
        if self.automaton is not None:
            return frozenset(self.automaton.find_matches_as_strings(long, overlapping=True))
        return frozenset(long[:n] for n in range(1, len(long) + 1) if long[:n] in self.patterns)


def _kind(term: Term) -> str:
    return "ipc" if term.field == "ipc" else "text"


def _check_shadowing(
    users: dict[tuple[str, str], dict[str, str]], queries: dict[str, Query], lint: _Lint
) -> None:
    """Shadowing: a record holding the longer pattern always holds the shorter one too
    (for IPC codes: a longer code always starts with the shorter prefix). Reported only
    when the other sub-field's query then matches, so a deliberate `5G NOT 5G专网` stays
    quiet. Warnings come shortest shadowed term first, then shortest longer term."""
    keys = sorted(users, key=lambda k: len(k[1]))
    order = {key: i for i, key in enumerate(keys)}
    matches = _Matches(queries)
    leaves = matches.by_pattern  # every (kind, pattern) of the queries, once
    index = {kind: _Index(kind, (p for k, p in leaves if k == kind)) for kind in ("ipc", "text")}
    inside = {key: index[key[0]].inside(key[1]) for key in keys}
    pairs = sorted(
        (order[(kind, short)], order[(kind, long)])
        for kind, long in keys
        for short in inside[(kind, long)]
        if short != long and (kind, short) in order
    )
    alone: dict[tuple[str, str], tuple[list[tuple[str, str, bool]], list[tuple[str, str]]]] = {}
    user_sets = {key: set(by) for key, by in users.items()}
    for i, j in pairs:
        (kind, short), (_, long) = keys[i], keys[j]
        present = inside[(kind, long)]
        if (kind, short) not in alone:  # b's answers when short is the only pattern b has
            single = frozenset({short})
            each = [(b, text, matches(b, kind, single)) for b, text in users[(kind, short)].items()]
            alone[(kind, short)] = (each, [(b, text) for b, text, ok in each if ok])
        each, ok_alone = alone[(kind, short)]
        others = [matches.by_pattern[(kind, p)] for p in present if p != short]
        short_users = user_sets[(kind, short)]
        if any(not o.isdisjoint(short_users) for o in others):  # some hold another one
            mixed = set().union(*others)
            shadowed = [
                (b, text) for b, text, ok in each
                if (matches(b, kind, present) if b in mixed else ok)
            ]  # fmt: skip
        else:
            shadowed = ok_alone
        for a, long_text in users[(kind, long)].items():
            for b, short_text in shadowed:
                if a != b:
                    lint.warn(a, "shadowed-term", term=repr(long_text), subfield=a,
                              other_term=repr(short_text), other=b)  # fmt: skip


class _Matches:
    """Whether a sub-field's query matches a record holding only some patterns of one kind
    (other kinds absent), remembered per set of the sub-field's own patterns present: a
    query looks at nothing else, and most longer patterns hold just one of its patterns."""

    def __init__(self, queries: dict[str, Query]) -> None:
        self.queries = queries
        self.own = {sid: _leaves(q) for sid, q in queries.items()}
        self.by_pattern: dict[tuple[str, str], set[str]] = {}
        for sid, leaves in self.own.items():
            for leaf in leaves:
                self.by_pattern.setdefault(leaf, set()).add(sid)
        self.compiled: dict[tuple[str, str], Callable[[frozenset[str]], bool]] = {}
        self.memo: dict[tuple[str, str, frozenset[str]], bool] = {}

    def __call__(self, sid: str, kind: str, present: frozenset[str]) -> bool:
        mine = frozenset(p for p in present if (kind, p) in self.own[sid])
        key = (sid, kind, mine)
        if key not in self.memo:
            if (sid, kind) not in self.compiled:
                self.compiled[(sid, kind)] = _compile(self.queries[sid].root, kind)
            self.memo[key] = self.compiled[(sid, kind)](mine)
        return self.memo[key]


def _leaves(query: Query) -> set[tuple[str, str]]:
    """The (kind, pattern) of every term of ``query``."""
    return {(_kind(x), x.pattern) for x in query.terms()}


def _compile(node: Node, kind: str) -> Callable[[frozenset[str]], bool]:
    """``node`` as a function of the patterns of ``kind`` present in a record (other
    kinds absent): :meth:`Query.evaluate`, without the walk on every call."""
    if isinstance(node, Term):
        if _kind(node) != kind:
            return lambda present: False
        pattern = node.pattern
        return lambda present: pattern in present
    if isinstance(node, Not):
        item = _compile(node.item, kind)
        return lambda present: not item(present)
    items = [_compile(x, kind) for x in node.items]
    if isinstance(node, And):
        return lambda present: all(f(present) for f in items)
    # an OR: its terms of this kind at once, then the rest (other kinds never match)
    wanted = frozenset(x.pattern for x in node.items if isinstance(x, Term) and _kind(x) == kind)
    rest = [f for x, f in zip(node.items, items, strict=True) if not isinstance(x, Term)]
    if not rest:
        return lambda present: not wanted.isdisjoint(present)
    return lambda present: not wanted.isdisjoint(present) or any(f(present) for f in rest)
