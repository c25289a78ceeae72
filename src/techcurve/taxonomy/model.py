"""Load, validate and lint the taxonomy: domains → sub-fields → boolean queries.

The file format is described in ``docs/architecture.md``::

    version: "2022.1"
    domains:
      - {id: interaction, zh: 交互技术, en: Interaction, aliases: [人机交互]}
    subfields:
      - id: ar
        domain: interaction
        zh: 增强现实
        en: Augmented reality (AR)
        definition: one line
        terms: [AR, 增强现实, augmented reality]   # literal, OR-ed
        exclude: [AR model, autoregressive]       # literal, NOT-ed
        # or instead of terms/exclude:  query: '…full boolean query…'

:func:`load_taxonomy` turns the file into a :class:`Taxonomy` or raises
:class:`~techcurve.errors.TaxonomyError` naming the file, the line and the sub-field;
:func:`~techcurve.taxonomy.lint.check_taxonomy` lists softer problems (terms shared or
shadowed between sub-fields, domains without sub-fields) as :class:`Finding` values.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, ParamSpec, TypeAlias, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from techcurve.config import FAST_YAML_LOADER
from techcurve.datatypes import Domain, SubField
from techcurve.errors import Phrase, QueryError, TaxonomyError, phrase
from techcurve.normalize import SEP, normalize
from techcurve.taxonomy.query import (
    Query,
    Term,
    literal_node,
    parse_query,
    quote_term,
    requalify,
    term_fault,
)
from techcurve.text import Lang, t

__all__ = [
    "DEFAULT_TAXONOMY",
    "FINDING_KINDS",
    "Finding",
    "Taxonomy",
    "compose_query",
    "load_taxonomy",
    "summarize_findings",
]

DEFAULT_TAXONOMY = Path(__file__).parent.parent / "data" / "taxonomy.yaml"

#: what a domain or sub-field id may look like
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_TOP_KEYS = {"version": True, "domains": True, "subfields": True}  # key → required
_DOMAIN_KEYS = {"id": True, "zh": True, "en": True, "aliases": False}
_SUBFIELD_KEYS = {
    "id": True,
    "domain": True,
    "zh": True,
    "en": True,
    "definition": False,
    "terms": False,
    "exclude": False,
    "query": False,
    "wiki": False,
}
_WIKI_KEYS = {"zh": False, "en": False}
#: characters a Wikipedia title cannot hold
_BAD_TITLE = re.compile(r"[#<>\[\]|{}]")
_NULL_TAG = "tag:yaml.org,2002:null"


def _name_key(name: str) -> str:
    """Folds a domain name for alias lookup: normalised, without SEP or spaces."""
    return "".join(normalize(name).replace(SEP, "").split())


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Domains and sub-fields, with each sub-field's parsed query.

    ``queries`` maps sub-field id → :class:`~techcurve.taxonomy.query.Query`; it is built from
    ``SubField.query`` when not given (sub-fields whose query does not parse are left
    out there and reported by :func:`check_taxonomy`).
    """

    domains: tuple[Domain, ...]
    subfields: tuple[SubField, ...]
    version: str = ""
    hash: str = ""
    path: str = ""
    queries: dict[str, Query] = field(default_factory=dict, compare=False, repr=False)
    _domain_index: dict[str, Domain] = field(init=False, compare=False, repr=False)
    _subfield_index: dict[str, SubField] = field(init=False, compare=False, repr=False)
    _alias_index: dict[str, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.queries:
            queries: dict[str, Query] = {}
            for sf in self.subfields:
                try:
                    queries.setdefault(sf.id, parse_query(sf.query))
                except QueryError:
                    continue
            object.__setattr__(self, "queries", queries)
        domains: dict[str, Domain] = {}
        aliases: dict[str, str] = {}
        for d in self.domains:
            domains.setdefault(d.id, d)
            for name in (d.id, d.name_zh, d.name_en, *d.aliases):
                if key := _name_key(name):
                    aliases.setdefault(key, d.id)
        subfields: dict[str, SubField] = {}
        for sf in self.subfields:
            subfields.setdefault(sf.id, sf)
        object.__setattr__(self, "_domain_index", domains)
        object.__setattr__(self, "_subfield_index", subfields)
        object.__setattr__(self, "_alias_index", aliases)

    def domain(self, id: str) -> Domain:
        """The domain with this id; :class:`TaxonomyError` listing the ids if unknown."""
        try:
            return self._domain_index[id]
        except KeyError:
            known = ", ".join(self._domain_index)
            raise TaxonomyError.of(
                "taxonomy.unknown_domain", id=repr(id), hint="", known=known, path=self.path or None
            ) from None

    def subfield(self, id: str) -> SubField:
        """The sub-field with this id; :class:`TaxonomyError` if unknown."""
        try:
            return self._subfield_index[id]
        except KeyError:
            raise TaxonomyError.of(
                "taxonomy.unknown_subfield",
                id=repr(id),
                n=len(self._subfield_index),
                path=self.path or None,
            ) from None

    def domain_of_alias(self, name: str) -> str:
        """The id of the domain called ``name``: its id, Chinese or English name or an
        alias, compared after normalisation (case, width, traditional characters and
        spaces do not matter).

        >>> tax.domain_of_alias("云原生")  # doctest: +SKIP
        'cloud'
        """
        try:
            return self._alias_index[_name_key(name)]
        except KeyError:
            known = ", ".join(f"{d.name_zh} ({d.id})" for d in self.domains)
            raise TaxonomyError.of(
                "taxonomy.no_domain_called", name=repr(name), known=known, path=self.path or None
            ) from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem :func:`check_taxonomy` found.

    ``kind`` names the check (see :data:`FINDING_KINDS`), so that tools can count and
    filter findings; it does not take part in equality.
    """

    level: Literal["error", "warning"]
    subfield: str | None
    message: str
    kind: str = field(default="", compare=False)
    #: the message as a catalogue phrase, to be said in another language (None: English only)
    said: Phrase | None = field(default=None, compare=False, repr=False)

    def text(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.message if self.said is None else self.said.say(lang)


FINDING_KINDS = {
    "duplicate-domain": t("taxonomy.kind.duplicate-domain", "en"),
    "duplicate-id": t("taxonomy.kind.duplicate-id", "en"),
    "unknown-domain": t("taxonomy.kind.unknown-domain", "en"),
    "empty-query": t("taxonomy.kind.empty-query", "en"),
    "bad-query": t("taxonomy.kind.bad-query", "en"),
    "same-name": t("taxonomy.kind.same-name", "en"),
    "shared-term": t("taxonomy.kind.shared-term", "en"),
    "shadowed-term": t("taxonomy.kind.shadowed-term", "en"),
    "one-char-term": t("taxonomy.kind.one-char-term", "en"),
    "empty-domain": t("taxonomy.kind.empty-domain", "en"),
    "unused-term": t("taxonomy.kind.unused-term", "en"),
}
"""Every :attr:`Finding.kind`, with a one-line description."""


def summarize_findings(findings: Iterable[Finding]) -> list[tuple[str, str, int, str]]:
    """``(level, kind, count, description)`` per kind of finding, errors first."""
    counts = Counter((f.level, f.kind) for f in findings)
    order = list(FINDING_KINDS)
    return [
        (level, kind, n, FINDING_KINDS.get(kind, ""))
        for (level, kind), n in sorted(
            counts.items(),
            key=lambda kv: (
                kv[0][0] != "error",
                order.index(kv[0][1]) if kv[0][1] in order else len(order),
            ),
        )
    ]


def compose_query(terms: list[str], exclude: list[str] | tuple[str, ...] = ()) -> str:
    """The query text for literal ``terms`` (OR-ed) minus literal ``exclude`` terms.

    Every item is read literally: one containing spaces becomes a quoted phrase, as
    does one that would otherwise read as an operator or a field prefix.

    >>> compose_query(["AR", "augmented reality"], ["AR model"])
    '(AR OR "augmented reality") AND NOT ("AR model")'
    """
    positive = " OR ".join(quote_term(t) for t in terms)
    if not exclude:
        return positive
    negative = " OR ".join(quote_term(t) for t in exclude)
    return f"({positive}) AND NOT ({negative})"


# ------------------------------------------------------------------------ loading


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


#: what a part of the file is called in an error: a quoted key, or a phrase
What: TypeAlias = str | Phrase


class _Loader:
    """Walks the composed YAML node tree, so every error can name its line."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(
        self, key: str, node: Node | None = None, subfield: str | None = None, /, **fields: Any
    ) -> NoReturn:
        """Raise the catalogue text ``key`` as a :class:`TaxonomyError` at ``node``'s line."""
        raise TaxonomyError.of(
            key, path=self.path, subfield=subfield, line=_line(node) if node else None, **fields
        )

    def mapping(
        self, node: Node, what: What, keys: dict[str, bool], subfield: str | None = None
    ) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.fail("taxonomy.file.not_mapping", node, subfield, what=what)
        out: dict[str, Node] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key not in keys:
                allowed = ", ".join(keys)
                self.fail(
                    "taxonomy.file.unknown_key", key_node, subfield,
                    key=repr(key), what=what, allowed=allowed,
                )  # fmt: skip
            if key in out:
                self.fail("taxonomy.file.key_twice", key_node, subfield, key=repr(key), what=what)
            out[key] = value
        for key, required in keys.items():
            if required and key not in out:
                self.fail("taxonomy.file.lacks_key", node, subfield, what=what, key=repr(key))
        return out

    def text(self, node: Node, what: What, subfield: str | None = None) -> str:
        # The raw scalar text: `version: 2022.10` stays "2022.10", a term `ON` stays "ON".
        if not isinstance(node, ScalarNode):
            self.fail("taxonomy.file.not_text", node, subfield, what=what)
        if node.tag == _NULL_TAG or not node.value.strip():
            self.fail("taxonomy.file.empty_value", node, subfield, what=what)
        return str(node.value).strip()

    def texts(self, node: Node, what: What, subfield: str | None = None) -> list[tuple[str, Node]]:
        if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
            return [(self.text(node, what, subfield), node)]  # a single term needs no list
        if not isinstance(node, SequenceNode) or not node.value:
            self.fail("taxonomy.file.not_list", node, subfield, what=what)
        return [
            (self.text(item, phrase("taxonomy.file.item", what=what, i=i), subfield), item)
            for i, item in enumerate(node.value, 1)
        ]

    def identifier(self, node: Node, what: What, subfield: str | None = None) -> str:
        value = self.text(node, what, subfield)
        if not ID_RE.match(value):
            self.fail("taxonomy.file.bad_id", node, subfield, what=what, value=repr(value))
        return value


_P = ParamSpec("_P")
_R = TypeVar("_R")


def without_gc(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with Python's cyclic garbage collector paused. Loading and linting a
    large taxonomy build hundreds of thousands of small objects and no cycles; the
    collector's passes over them took a third of the load (10,000 sub-fields:
    ``python -m benchmarks.bench_taxonomy``). Reference counting still frees memory."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run


@without_gc
def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (``None``: the one shipped with techcurve).

    Every sub-field's query is parsed; ``SubField.query`` holds its canonical form
    and ``Taxonomy.queries`` the parsed :class:`~techcurve.taxonomy.query.Query`.

    Raises :class:`~techcurve.errors.TaxonomyError` (``path``, ``line``, ``subfield``)
    for malformed files and :class:`~techcurve.errors.QueryError` (a subclass, with
    the ``column`` inside the query) for queries that do not parse.

    >>> tax = load_taxonomy()  # doctest: +SKIP
    >>> tax.subfield("ar").query  # doctest: +SKIP
    '(AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive)'
    """
    file = Path(path) if path is not None else DEFAULT_TAXONOMY
    name = str(file)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise TaxonomyError.of("taxonomy.file.missing", path=name) from None
    except OSError as e:
        raise TaxonomyError.of("taxonomy.file.unreadable", error=e.strerror, path=name) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TaxonomyError.of(
            "taxonomy.file.not_utf8", path=name, line=data[: e.start].count(b"\n") + 1
        ) from None
    try:
        root = yaml.compose(text, Loader=FAST_YAML_LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or phrase("taxonomy.file.syntax_error")
        line = mark.line + 1 if mark else None
        if e.problem and e.context and e.context_mark is not None:
            raise TaxonomyError.of(
                "taxonomy.file.bad_yaml_in", problem=problem, context=e.context,
                start=e.context_mark.line + 1, path=name, line=line,
            ) from None  # fmt: skip
        raise TaxonomyError.of(
            "taxonomy.file.bad_yaml", problem=problem, path=name, line=line
        ) from None
    except yaml.YAMLError as e:
        raise TaxonomyError.of("taxonomy.file.bad_yaml", problem=str(e), path=name) from None
    if root is None:
        raise TaxonomyError.of("taxonomy.file.empty", path=name)

    r = _Loader(name)
    top = r.mapping(root, phrase("taxonomy.file.top"), _TOP_KEYS)
    version = r.text(top["version"], "'version'")
    domains = _load_domains(r, top["domains"])
    subfields, queries = _load_subfields(r, top["subfields"], {d.id: d for d in domains})
    return Taxonomy(
        domains=tuple(domains),
        subfields=tuple(subfields),
        version=version,
        hash=hashlib.sha256(data).hexdigest(),
        path=name,
        queries=queries,
    )


def _load_domains(r: _Loader, node: Node) -> list[Domain]:
    if not isinstance(node, SequenceNode) or not node.value:
        r.fail("taxonomy.file.no_domains", node)
    domains: list[Domain] = []
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for item in node.value:
        keys = r.mapping(item, phrase("taxonomy.file.a_domain"), _DOMAIN_KEYS)
        id = r.identifier(keys["id"], phrase("taxonomy.file.domain_id"))
        if id in seen:
            r.fail("taxonomy.file.domain_twice", keys["id"], id=repr(id), first=seen[id])
        seen[id] = _line(item)
        aliases: tuple[str, ...] = ()
        if "aliases" in keys and not _is_empty(keys["aliases"]):
            aliases = tuple(t for t, _ in r.texts(keys["aliases"], "'aliases'"))
        domain = Domain(
            id=id,
            name_zh=r.text(keys["zh"], "'zh'"),
            name_en=r.text(keys["en"], "'en'"),
            aliases=aliases,
        )
        for name in dict.fromkeys((id, domain.name_zh, domain.name_en, *aliases)):
            key = _name_key(name)
            if names.get(key, id) != id:
                r.fail(
                    "taxonomy.file.name_twice",
                    item,
                    name=repr(name),
                    one=repr(names[key]),
                    other=repr(id),
                )
            names[key] = id
        domains.append(domain)
    return domains


def _is_empty(node: Node) -> bool:
    return (isinstance(node, ScalarNode) and node.tag == _NULL_TAG) or (
        isinstance(node, SequenceNode) and not node.value
    )


def _load_subfields(
    r: _Loader, node: Node, domains: dict[str, Domain]
) -> tuple[list[SubField], dict[str, Query]]:
    if not isinstance(node, SequenceNode) or not node.value:
        r.fail("taxonomy.file.no_subfields", node)
    subfields: list[SubField] = []
    queries: dict[str, Query] = {}
    seen: dict[str, int] = {}
    for item in node.value:
        line = _line(item)
        # Read the id first so that every later error can name the sub-field.
        pairs = item.value if isinstance(item, MappingNode) else []
        id_node = next((v for k, v in pairs if getattr(k, "value", None) == "id"), None)
        sid = r.identifier(id_node, phrase("taxonomy.file.subfield_id")) if id_node else None
        keys = r.mapping(item, phrase("taxonomy.file.a_subfield"), _SUBFIELD_KEYS, sid)
        assert sid is not None  # mapping() has checked that 'id' is present
        if sid in seen:
            r.fail("taxonomy.file.subfield_twice", item, sid, first=seen[sid])
        seen[sid] = line
        domain = r.text(keys["domain"], "'domain'", sid)
        if domain not in domains:
            known = ", ".join(domains)
            hint = _alias_hint(domain, domains)
            r.fail(
                "taxonomy.unknown_domain",
                keys["domain"],
                sid,
                id=repr(domain),
                hint=hint,
                known=known,
            )
        query = _load_query(r, keys, sid)
        queries[sid] = query
        definition = keys.get("definition")
        wiki = _load_wiki(r, keys["wiki"], sid) if "wiki" in keys else {}
        subfields.append(
            SubField(
                id=sid,
                domain=domain,
                name_zh=r.text(keys["zh"], "'zh'", sid),
                name_en=r.text(keys["en"], "'en'", sid),
                query=str(query),
                definition=""
                if definition is None or _is_empty(definition)
                else r.text(definition, "'definition'", sid),
                line=line,
                wiki_zh=wiki.get("zh", ""),
                wiki_en=wiki.get("en", ""),
            )
        )
    return subfields, queries


def _load_wiki(r: _Loader, node: Node, sid: str) -> dict[str, str]:
    """``wiki: {zh: 区块链, en: Blockchain}``: a Wikipedia article title per edition,
    exactly as the article is named (no ``#<>[]|{}``; spaces or underscores alike)."""
    keys = r.mapping(node, "'wiki'", _WIKI_KEYS, sid)
    if not keys:
        r.fail("taxonomy.file.wiki_empty", node, sid)
    titles = {}
    for lang, value in keys.items():
        title = r.text(value, f"'wiki: {lang}'", sid)
        if _BAD_TITLE.search(title):
            r.fail("taxonomy.file.wiki_bad_title", value, sid, lang=lang, title=repr(title))
        titles[lang] = title
    return titles


def _alias_hint(name: str, domains: dict[str, Domain]) -> Phrase | str:
    key = _name_key(name)
    for d in domains.values():
        if key in {_name_key(n) for n in (d.name_zh, d.name_en, *d.aliases)}:
            return phrase("taxonomy.file.did_you_mean", id=repr(d.id))
    return ""


def _load_query(r: _Loader, keys: dict[str, Node], sid: str) -> Query:
    if "query" in keys:
        for other in ("terms", "exclude"):
            if other in keys:
                r.fail("taxonomy.file.query_and", keys[other], sid, other=repr(other))
        node = keys["query"]
        text = r.text(node, "'query'", sid)
    elif "terms" in keys:
        terms = _literals(r, keys["terms"], "'terms'", sid)
        exclude = _literals(r, keys["exclude"], "'exclude'", sid) if "exclude" in keys else []
        node = keys["terms"]
        text = compose_query(terms, exclude)
        if terms:  # valid literals: the parser's tree without the parser
            return Query(literal_node(terms, exclude), text)
    else:
        r.fail("taxonomy.file.no_query", None, sid)
    try:
        return parse_query(text)
    except QueryError as e:
        raise requalify(e, path=r.path, subfield=sid, line=_line(node)) from None


def _literals(r: _Loader, node: Node, what: str, sid: str) -> list[str]:
    out: list[str] = []
    for i, (text, item) in enumerate(r.texts(node, what, sid), 1):
        fault = term_fault(Term(text))
        if fault:
            r.fail("taxonomy.file.bad_item", item, sid, what=what, i=i, problem=fault)
        out.append(text)
    return out


# ------------------------------------------------------------------------- linting
