"""What changed between two taxonomies (:func:`diff_taxonomies`)."""

from __future__ import annotations

from dataclasses import dataclass

from techcurve.datatypes import Domain, SubField
from techcurve.taxonomy.model import Taxonomy
from techcurve.taxonomy.query import Query, Term
from techcurve.taxonomy.write import JOIN

__all__ = [
    "DomainEntry",
    "FieldChange",
    "SubfieldChange",
    "SubfieldEntry",
    "TaxonomyDiff",
    "diff_taxonomies",
    "term_label",
]


def term_label(t: Term) -> str:
    """A leaf as an analyst reads it: ``field:text`` when scoped, else its text."""
    return f"{t.field}:{t.text}" if t.field else t.text


@dataclass(frozen=True, slots=True)
class DomainEntry:
    """A domain as the diff lists it (aliases joined with ``" | "``)."""

    id: str
    zh: str
    en: str
    aliases: str


@dataclass(frozen=True, slots=True)
class SubfieldEntry:
    """A sub-field as the diff lists it, with its canonical query."""

    id: str
    domain: str
    zh: str
    en: str
    query: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One attribute that differs: ``field`` is zh, en, domain, definition, query or aliases."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class SubfieldChange:
    """A sub-field (or domain) present in both files whose attributes differ."""

    id: str
    changes: tuple[FieldChange, ...]
    terms_added: tuple[str, ...] = ()
    terms_removed: tuple[str, ...] = ()
    exclude_added: tuple[str, ...] = ()
    exclude_removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxonomyDiff:
    """What changed from ``old`` to ``new`` (:func:`diff_taxonomies`)."""

    old_path: str
    new_path: str
    old_version: str
    new_version: str
    old_hash: str
    new_hash: str
    domains_added: tuple[DomainEntry, ...]
    domains_removed: tuple[DomainEntry, ...]
    domains_changed: tuple[SubfieldChange, ...]
    subfields_added: tuple[SubfieldEntry, ...]
    subfields_removed: tuple[SubfieldEntry, ...]
    subfields_changed: tuple[SubfieldChange, ...]

    @property
    def empty(self) -> bool:
        """True when the two taxonomies say the same (the version may differ)."""
        return not (
            self.domains_added
            or self.domains_removed
            or self.domains_changed
            or self.subfields_added
            or self.subfields_removed
            or self.subfields_changed
        )


def _leaf_texts(q: Query | None) -> tuple[set[str], set[str]]:
    """(positive, negated) leaf labels of a query, for the term-level delta."""
    if q is None:
        return set(), set()
    pos = {term_label(t) for t in q.positive_terms()}
    return pos, {term_label(t) for t in q.terms()} - pos


def _sf_summary(sf: SubField) -> SubfieldEntry:
    return SubfieldEntry(sf.id, sf.domain, sf.name_zh, sf.name_en, sf.query)


def diff_taxonomies(old: Taxonomy, new: Taxonomy) -> TaxonomyDiff:
    """Added and removed domains and sub-fields, and changed names, domains,
    definitions and (canonical) queries, with the terms added to and removed from
    each changed query.

    >>> d = diff_taxonomies(load_taxonomy("old.yaml"), load_taxonomy("new.yaml"))  # doctest: +SKIP
    >>> [c.id for c in d.subfields_changed]  # doctest: +SKIP
    ['ar']
    """
    od, nd = {d.id: d for d in old.domains}, {d.id: d for d in new.domains}
    os_, ns = {s.id: s for s in old.subfields}, {s.id: s for s in new.subfields}

    def dom(d: Domain) -> DomainEntry:
        return DomainEntry(d.id, d.name_zh, d.name_en, JOIN.join(d.aliases))

    domains_changed = []
    for i in od.keys() & nd.keys():
        da, db = dom(od[i]), dom(nd[i])
        pairs = [(k, getattr(da, k), getattr(db, k)) for k in ("zh", "en", "aliases")]
        ch = tuple(FieldChange(k, x, y) for k, x, y in pairs if x != y)
        if ch:
            domains_changed.append(SubfieldChange(i, ch))
    changed = []
    for i in [s.id for s in new.subfields if s.id in os_]:
        a, b = os_[i], ns[i]
        pairs = [
            ("domain", a.domain, b.domain),
            ("zh", a.name_zh, b.name_zh),
            ("en", a.name_en, b.name_en),
            ("definition", a.definition, b.definition),
            ("query", a.query, b.query),
        ]
        ch = tuple(FieldChange(k, x, y) for k, x, y in pairs if x != y)
        if not ch:
            continue
        (p0, n0), (p1, n1) = _leaf_texts(old.queries.get(i)), _leaf_texts(new.queries.get(i))
        changed.append(
            SubfieldChange(
                i,
                ch,
                terms_added=tuple(sorted(p1 - p0)),
                terms_removed=tuple(sorted(p0 - p1)),
                exclude_added=tuple(sorted(n1 - n0)),
                exclude_removed=tuple(sorted(n0 - n1)),
            )
        )
    return TaxonomyDiff(
        old_path=old.path,
        new_path=new.path,
        old_version=old.version,
        new_version=new.version,
        old_hash=old.hash,
        new_hash=new.hash,
        domains_added=tuple(dom(nd[i]) for i in nd if i not in od),
        domains_removed=tuple(dom(od[i]) for i in od if i not in nd),
        domains_changed=tuple(sorted(domains_changed, key=lambda c: c.id)),
        subfields_added=tuple(_sf_summary(ns[i]) for i in ns if i not in os_),
        subfields_removed=tuple(_sf_summary(os_[i]) for i in os_ if i not in ns),
        subfields_changed=tuple(changed),
    )
