"""The query language and normalisation: exact examples, errors, and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from techcurve.errors import QueryError, TaxonomyError
from techcurve.normalize import SEP, normalize, normalize_series
from techcurve.normalize.reference import _WS
from techcurve.taxonomy.query import (
    MAX_DEPTH,
    And,
    Node,
    Not,
    Or,
    Query,
    Term,
    flatten,
    parse_query,
    quote_term,
    term_problem,
)

pytestmark = pytest.mark.usefixtures("compiled_normalisation")

# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5G专网 AR", "\x1f5g\x1f专网 \x1far\x1f"),
        ("ＡＩ", "\x1fai\x1f"),  # full-width → half-width
        ("５Ｇ　网络", "\x1f5g\x1f 网络"),  # full-width digits and ideographic space
        ("區塊鏈", "区块链"),  # traditional → simplified
        ("雲計算與頭髮", "云计算与头发"),
        ("  Deep\t\tLearning \n", "\x1fdeep\x1f \x1flearning\x1f"),
        ("C++ and C#", "\x1fc\x1f++ \x1fand\x1f \x1fc\x1f#"),
        ("GPT-4o", "\x1fgpt\x1f-\x1f4o\x1f"),
        ("Straße", "\x1fstra\x1fß\x1fe\x1f"),  # only ASCII runs are wrapped
        ("", ""),
        (None, ""),
        ("a\x1fb", "\x1fab\x1f"),  # a stray separator in the input is dropped
    ],
)
def test_normalize_examples(text: str | None, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("AR", "AR glasses for workers", True),
        ("AR", "an ARM processor", False),
        ("AR", "RADAR imaging", False),
        ("AR", "基于AR的装配指导", True),
        ("5G", "5G基站", True),
        ("5G", "a 5GHz Wi-Fi band", False),
        ("5G专网", "5G专网建设", True),
        ("5G专网", "5G专用网络", False),
        ("区块链", "區塊鏈金融", True),  # a simplified term finds traditional text
        ("區塊鏈", "区块链金融", True),  # and vice versa
        ("AI", "ＡＩ芯片", True),
        ("machine learning", "Machine   Learning methods", True),
    ],
)
def test_substring_search_is_word_bounded_for_ascii(term: str, text: str, found: bool) -> None:
    assert (Term(term).pattern in normalize(text)) is found


def test_whitespace_class_is_isspace_without_sep() -> None:
    spaces = {chr(i) for i in range(0x110000) if chr(i).isspace()}
    assert set(_WS) == spaces - {SEP}


def test_normalize_series_examples() -> None:
    s = pl.Series("title", ["5G专网 AR", None, "ARM  chip", "區塊鏈", "", "ＡＩ"])
    out = normalize_series(s)
    assert out.name == "title"
    assert out.dtype == pl.Utf8
    assert out.to_list() == [
        "\x1f5g\x1f专网 \x1far\x1f",
        "",
        "\x1farm\x1f \x1fchip\x1f",
        "区块链",
        "",
        "\x1fai\x1f",
    ]


def test_normalize_series_empty_and_all_null() -> None:
    assert normalize_series(pl.Series("t", [], dtype=pl.Utf8)).to_list() == []
    assert normalize_series(pl.Series("t", [None, None], dtype=pl.Utf8)).to_list() == ["", ""]


_awkward = st.sampled_from(
    list(
        "區塊鏈雲計算與頭髮專網ＡＩ５Ｇ　\t\n\r\x0b\x85\u2028\xa0ΣσςİKﬁ²é\u0301"
        "沈默覆坏藉，。ＡｂAz가\u1161\u11a8\u1c89①丽"
    )
    + [SEP]
)
_text = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), _awkward), max_size=25
)


@settings(max_examples=300, deadline=None)
@given(_text)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert SEP + SEP not in once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), _text), max_size=12))
def test_normalize_series_equals_normalize(texts: list[str | None]) -> None:
    out = normalize_series(pl.Series("t", texts, dtype=pl.Utf8)).to_list()
    assert out == [normalize(t) for t in texts]


# ------------------------------------------------------------------------ terms


def test_term_patterns() -> None:
    assert Term("AR").pattern == "\x1far\x1f"
    assert Term("Augmented Reality", "title").pattern == "\x1faugmented\x1f \x1freality\x1f"
    assert Term("g06n 3/08", "ipc").pattern == "G06N3/08"
    assert Term("G06N", "ipc").pattern == "G06N"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("5G", "5G"),
        ("增强现实", "增强现实"),
        ("machine learning", '"machine learning"'),
        ("AND", '"AND"'),
        ("and", "and"),
        ("title:x", '"title:x"'),
        ("IPC:x", '"IPC:x"'),
        ("http://x", "http://x"),
        ('say "hi"', '"say \\"hi\\""'),
        ("f(x)", '"f(x)"'),
        ("a\\b", "a\\b"),
        ("a b\\", '"a b\\\\"'),
    ],
)
def test_quote_term(text: str, quoted: str) -> None:
    assert quote_term(text) == quoted
    assert parse_query(quoted).root == Term(text)


# ----------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("AR", "AR"),
        ("5G 专网", "5G AND 专网"),  # implicit AND
        ("5G AND 专网", "5G AND 专网"),
        ("a OR b c", "a OR b AND c"),  # AND binds tighter than OR
        ("(a OR b) c", "(a OR b) AND c"),
        ("a OR (b OR c)", "a OR b OR c"),  # same operators flatten
        ("a (b c) d", "a AND b AND c AND d"),
        ("((a))", "a"),
        ("a NOT b", "a AND NOT b"),
        ("a AND NOT (b OR c)", "a AND NOT (b OR c)"),
        ("a NOT b c", "a AND NOT b AND c"),  # NOT binds tightest
        ("a NOT NOT b", "a AND NOT NOT b"),
        ("a and b", "a AND and AND b"),  # lowercase operators are terms
        ('"machine learning" OR 机器学习', '"machine learning" OR 机器学习'),
        ('"say \\"hi\\""', '"say \\"hi\\""'),
        ('"AND" "OR"', '"AND" AND "OR"'),
        ("title:AR", "title:AR"),
        ("TITLE:AR", "title:AR"),
        ('title:"augmented reality"', 'title:"augmented reality"'),
        ("title:(AR OR VR) 眼镜", "(title:AR OR title:VR) AND 眼镜"),
        ("title:(AR NOT (VR OR MR))", "title:AR AND NOT (title:VR OR title:MR)"),
        ("ipc:G06N OR keywords:神经网络", "ipc:G06N OR keywords:神经网络"),
        ("abstract:a:b", "abstract:a:b"),
        ("http://x.org C:", "http://x.org AND C:"),  # unknown prefixes are plain text
        ("foo:(a b)", "foo: AND a AND b"),
        ("a\tOR\nb", "a OR b"),
        ('x"y"', "x AND y"),
    ],
)
def test_canonical_form(query: str, canonical: str) -> None:
    parsed = parse_query(query)
    assert str(parsed) == canonical
    assert parsed.source == query
    assert parse_query(canonical) == parsed


def test_field_scopes_every_leaf_of_a_group() -> None:
    q = parse_query("title:(AR OR (VR 眼镜)) 头盔")
    assert q.root == And(
        (
            Or((Term("AR", "title"), And((Term("VR", "title"), Term("眼镜", "title"))))),
            Term("头盔"),
        )
    )


def test_phrase_keeps_its_text() -> None:
    q = parse_query('"augmented  reality" OR "a\\\\b"')
    assert q.terms() == (Term("augmented  reality"), Term("a\\b"))


def test_terms_are_unique_and_in_order() -> None:
    q = parse_query("b (a OR b) NOT c title:a a")
    assert q.terms() == (Term("b"), Term("a"), Term("c"), Term("a", "title"))


def test_query_equality_ignores_source_text() -> None:
    assert parse_query("a b") == parse_query("a AND (b)")
    assert hash(parse_query("a b")) == hash(parse_query("a AND b"))


def test_evaluate() -> None:
    q = parse_query("(AR OR 增强现实) NOT autoregressive")
    assert q.evaluate({Term("AR")})
    assert q.evaluate([Term("增强现实"), Term("other")])
    assert not q.evaluate({Term("AR"), Term("autoregressive")})
    assert not q.evaluate(set())


def test_to_expr_on_a_frame() -> None:
    q = parse_query("a (b OR c) NOT d")
    frame = pl.DataFrame(
        {
            "a": [True, True, True, False],
            "b": [True, False, False, True],
            "c": [False, True, False, True],
            "d": [False, True, False, False],
        }
    )
    calls: list[Term] = []

    def lookup(term: Term) -> pl.Expr:
        calls.append(term)
        return pl.col(term.text)

    assert frame.select(q.to_expr(lookup)).to_series().to_list() == [True, False, False, False]
    assert calls == [Term("a"), Term("b"), Term("c"), Term("d")]


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("5G AND (边缘 OR", 14, "expected a term or ')'"),
        ("(a b", 5, "expected a term or ')' (the '(' at column 1 is not closed)"),
        ("", 1, "the query is empty"),
        ("   ", 1, "the query is empty"),
        ('AR "augmented reality', 4, "unterminated phrase"),
        (")", 1, "unexpected ')' without a matching '('"),
        ("a b)", 4, "unexpected ')' without a matching '('"),
        ("a OR )", 6, "unexpected ')' without a matching '('"),
        ("(a OR )", 7, "expected a term after 'OR' before ')'"),
        ("()", 2, "expected a term inside '()'"),
        ("a OR", 5, "expected a term after 'OR'"),
        ("a AND OR b", 7, "expected a term after 'AND' before 'OR'"),
        ("OR a", 1, "expected a term before 'OR'"),
        ("a NOT", 6, "expected a term after 'NOT'"),
        ("NOT foo", 1, "a query needs at least one term that must be present"),
        ("a OR NOT b", 1, "a query needs at least one term that must be present"),
        ("NOT (a b)", 1, "a query needs at least one term that must be present"),
        ("title: AR", 7, "expected a term, a quoted phrase or '(' right after 'title:'"),
        ("(ipc:)", 6, "right after 'ipc:'"),
        ("title:(abstract:x)", 8, "'abstract:' cannot be used inside 'title:(…)'"),
        ("a -", 3, "the term '-' has no letter or digit"),
        ('a ""', 3, "the term '' is empty"),
        ('a "   "', 3, "the term '   ' is empty"),
        ("ipc:/", 1, "the term '/' has no letter or digit"),
    ],
)
def test_parse_errors(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    err = info.value
    assert err.column == column
    assert err.query == query
    assert message in str(err)
    assert str(err).endswith(f" at column {column} of query {query!r}")
    assert isinstance(err, TaxonomyError)


_TOO_DEEP = (
    "parentheses and NOTs nest more than 64 levels deep: remove the extra parentheses or "
    "NOTs (two NOTs cancel out)"
)


def _nested(kind: str, depth: int) -> str:
    """A query nesting ``depth`` levels of parentheses, of NOTs, or of both in turn."""
    if kind == "parens":
        return "(" * depth + "a" + ")" * depth
    if kind == "nots":
        return "a AND " + "NOT " * depth + "b"
    pairs = depth // 2  # "NOT (" is two levels
    return "a AND " + "NOT (" * pairs + "NOT " * (depth % 2) + "b" + ")" * pairs


def _level_column(kind: str, query: str, level: int) -> int:
    """The 1-based column of the token that opens nesting level ``level`` of ``query``."""
    starts = [i for i, c in enumerate(query) if c == "(" or query.startswith("NOT ", i)]
    return starts[level - 1] + 1


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(["parens", "nots", "both"]), st.integers(min_value=1, max_value=5000))
def test_nesting_is_refused_past_the_limit_with_its_column(kind: str, depth: int) -> None:
    query = _nested(kind, depth)
    if depth <= MAX_DEPTH:
        assert parse_query(query).terms()[-1] in (Term("a"), Term("b"))
        return
    with pytest.raises(QueryError) as info:
        parse_query(query)
    assert info.value.column == _level_column(kind, query, MAX_DEPTH + 1)
    assert str(info.value) == (f"{_TOO_DEEP} at column {info.value.column} of query {query!r}")


@pytest.mark.parametrize("depth", [64, 65, 250, 1000, 100_000])
def test_deep_queries_never_exhaust_the_stack(depth: int) -> None:
    for kind in ("parens", "nots", "both"):
        query = _nested(kind, depth)
        if depth <= MAX_DEPTH:
            assert str(parse_query(query))  # printing recurses too
        else:
            with pytest.raises(QueryError, match="nest more than 64 levels"):
                parse_query(query)


def test_term_problem() -> None:
    assert term_problem(Term("AR")) is None
    assert term_problem(Term("C++")) is None
    assert term_problem(Term("--")) == "the term '--' has no letter or digit"


# -------------------------------------------------------------------- properties

_term_text = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.characters(exclude_categories=("Cs",)),
            st.sampled_from(list('()"\\: 　ＡＩ區塊') + [SEP]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["AND", "OR", "NOT", "and", "title:x", "IPC:", "a:b", "http://x", "C:", "a\\"]),
)
_terms = st.builds(
    Term, _term_text, st.sampled_from([None, "title", "abstract", "keywords", "ipc"])
).filter(lambda t: term_problem(t) is None)
_nodes: st.SearchStrategy[Node] = st.recursive(
    _terms,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=4).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=4).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_nodes)
def test_print_parse_round_trip(node: Node) -> None:
    query = Query(node)
    assume(not query.evaluate(()))  # parse_query rejects queries that need no term
    text = str(query)
    parsed = parse_query(text)
    assert parsed.root == flatten(node)
    assert str(parsed) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_nodes, st.data())
def test_evaluate_agrees_with_to_expr(node: Node, data: st.DataObject) -> None:
    query = Query(node)
    leaves = query.terms()
    rows = data.draw(st.lists(st.tuples(*[st.booleans()] * len(leaves)), min_size=1, max_size=16))
    frame = pl.DataFrame(
        {f"t{i}": [row[i] for row in rows] for i in range(len(leaves))},
        schema={f"t{i}": pl.Boolean for i in range(len(leaves))},
    )
    column = {leaf: f"t{i}" for i, leaf in enumerate(leaves)}
    got = frame.select(query.to_expr(lambda t: pl.col(column[t]))).to_series().to_list()
    expected = [
        query.evaluate({leaf for leaf, hit in zip(leaves, row, strict=True) if hit}) for row in rows
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AR", [Term("AR")]),
        ('(AR OR 增强现实) AND NOT ("AR model")', [Term("AR"), Term("增强现实")]),
        ("a AND NOT (b AND NOT c)", [Term("a"), Term("c")]),
        ("b NOT a OR a", [Term("b"), Term("a")]),  # a is positive where it is not negated
        ("title:x NOT (y OR NOT z)", [Term("x", "title"), Term("z")]),
    ],
)
def test_positive_terms_are_the_leaves_not_under_an_odd_number_of_nots(
    text: str, expected: list[Term]
) -> None:
    assert list(parse_query(text).positive_terms()) == expected


def test_literal_lists_build_the_tree_the_parser_gives() -> None:
    """A taxonomy's `terms:`/`exclude:` lists skip the parser (taxonomy.query.literal_node):
    on every sub-field of the shipped taxonomy and on awkward literals the tree must be
    the one parse_query gives for compose_query's text."""
    from techcurve.taxonomy import load_taxonomy
    from techcurve.taxonomy.model import compose_query
    from techcurve.taxonomy.query import literal_node

    cases = [
        (["AR"], []),
        (["AR", "augmented reality", "OR", "title:x", 'say "hi"', "a\\b", "(x)"], []),
        (["5G", "5G"], ["5G 专网"]),
        (["区块链"], ["综述", "survey of ledgers"]),
    ]
    tax = load_taxonomy()
    for sf in tax.subfields:
        root = tax.queries[sf.id].root
        if isinstance(root, Or) and all(
            isinstance(x, Term) and x.field is None for x in root.items
        ):
            cases.append(([x.text for x in root.items], []))  # type: ignore[union-attr]
    for terms, exclude in cases:
        assert literal_node(terms, exclude) == parse_query(compose_query(terms, exclude)).root
