"""Loading, validating and linting taxonomy files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from techcurve.datatypes import Domain, SubField
from techcurve.errors import QueryError, TaxonomyError
from techcurve.taxonomy import (
    DEFAULT_TAXONOMY,
    Finding,
    Taxonomy,
    check_taxonomy,
    compose_query,
    load_taxonomy,
)
from techcurve.taxonomy.query import Query, Term

DATA = Path(__file__).parent / "data" / "taxonomy"

HEADER = """\
version: "1"
domains:
  - {id: network, zh: 网络, en: Network}
  - {id: cloud, zh: 云原生, en: Cloud native, aliases: [云计算]}
subfields:
"""


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


# ------------------------------------------------------------------------ loading


def test_load_good_taxonomy() -> None:
    path = DATA / "good.yaml"
    tax = load_taxonomy(path)
    assert tax.version == "2022.1"
    assert tax.path == str(path)
    assert tax.hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [d.id for d in tax.domains] == ["network", "cloud", "interaction", "blockchain"]
    assert tax.domains[1] == Domain(
        "cloud", "云原生", "Cloud native", ("云计算", "Cloud Computing")
    )
    assert tax.domains[3].aliases == ()
    assert [(s.id, s.line) for s in tax.subfields] == [
        ("ar", 9),
        ("5g-private", 16),
        ("5g", 21),
        ("serverless", 26),
        ("edge-ai", 33),
    ]
    assert tax.subfields[0] == SubField(
        id="ar",
        domain="interaction",
        name_zh="增强现实",
        name_en="Augmented reality (AR)",
        query='(AR OR 增强现实 OR "augmented reality") AND NOT ("AR model" OR autoregressive)',
        definition="Overlaying digital content on the physical world.",
        line=9,
    )
    assert [s.query for s in tax.subfields[1:]] == [
        '5G专网 OR "5G private network"',
        '5G AND NOT (5G专网 OR "private network")',
        "(serverless OR 无服务器 OR FaaS) AND NOT ipc:A61K",
        "(title:边缘 OR title:edge) AND (智能 OR AI)",
    ]
    assert tax.subfields[1].definition == ""
    assert set(tax.queries) == {s.id for s in tax.subfields}
    assert all(isinstance(q, Query) for q in tax.queries.values())
    assert str(tax.queries["5g"]) == tax.subfield("5g").query


def test_literal_terms_with_spaces_are_phrases() -> None:
    q = load_taxonomy(DATA / "good.yaml").queries["ar"]
    assert Term("augmented reality") in q.terms()
    assert q.evaluate({Term("augmented reality")})
    assert not q.evaluate({Term("AR"), Term("AR model")})


def test_lookups() -> None:
    tax = load_taxonomy(DATA / "good.yaml")
    assert tax.domain("cloud").name_zh == "云原生"
    assert tax.subfield("5g").name_en == "5G"
    with pytest.raises(TaxonomyError, match="unknown domain 'ai' \\(known: network, cloud"):
        tax.domain("ai")
    with pytest.raises(TaxonomyError, match="unknown sub-field 'vr'"):
        tax.subfield("vr")


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("cloud", "cloud"),
        ("云原生", "cloud"),
        ("云计算", "cloud"),
        ("雲計算", "cloud"),  # traditional characters
        ("CLOUD COMPUTING", "cloud"),
        ("cloudcomputing", "cloud"),
        ("Cloud native", "cloud"),
        ("ＮＥＴＷＯＲＫ", "network"),  # full-width
        ("通信网络", "network"),
        ("区块链", "blockchain"),
    ],
)
def test_domain_of_alias(name: str, domain: str) -> None:
    assert load_taxonomy(DATA / "good.yaml").domain_of_alias(name) == domain


def test_domain_of_unknown_alias() -> None:
    tax = load_taxonomy(DATA / "good.yaml")
    with pytest.raises(
        TaxonomyError, match="no domain is called '大数据' \\(known: 网络 \\(network\\)"
    ):
        tax.domain_of_alias("大数据")


def test_compose_query() -> None:
    assert compose_query(["AR"]) == "AR"
    assert compose_query(["AR", "machine learning"]) == 'AR OR "machine learning"'
    assert compose_query(["AR"], ["AR model"]) == '(AR) AND NOT ("AR model")'
    assert compose_query(["AND", "title:x", "C++"]) == '"AND" OR "title:x" OR C++'


def test_scalar_values_are_read_as_written(tmp_path: Path) -> None:
    header = HEADER.replace('version: "1"', "version: 2022.10")
    path = write(
        tmp_path,
        """\
  - {id: a, domain: network, zh: 开关, en: Switch, terms: [ON, yes, 5G, 1.0]}
  - {id: b, domain: network, zh: 单项, en: Single, terms: single}
""",
        header,
    )
    tax = load_taxonomy(path)
    assert tax.version == "2022.10"
    assert tax.subfield("a").query == "ON OR yes OR 5G OR 1.0"
    assert tax.subfield("b").query == "single"


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "good.yaml").read_bytes())
    assert len(load_taxonomy(path).subfields) == 5


def test_shipped_taxonomy_loads_without_errors() -> None:
    if not DEFAULT_TAXONOMY.exists():
        pytest.skip("the shipped taxonomy is not written yet")
    tax = load_taxonomy()
    assert tax.path == str(DEFAULT_TAXONOMY)
    assert [f for f in check_taxonomy(tax) if f.level == "error"] == []


# ------------------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    assert info.value.path == str(path)
    assert str(info.value) == f"{path}: the taxonomy file does not exist"


def test_yaml_syntax_error_names_file_and_line() -> None:
    path = DATA / "bad_yaml.yaml"
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    err = info.value
    assert (err.path, err.line, err.subfield) == (str(path), 10, None)
    assert str(err) == (
        f"{path}:10: not valid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar that starts on line 9)"
    )


def test_query_error_names_file_line_subfield_and_column() -> None:
    path = DATA / "bad_query.yaml"
    with pytest.raises(QueryError) as info:
        load_taxonomy(path)
    err = info.value
    assert (err.path, err.line, err.subfield, err.column) == (str(path), 14, "edge", 14)
    assert err.query == "5G AND (边缘 OR"
    assert str(err) == (
        f"{path}:14: sub-field 'edge': expected a term or ')' (the '(' at column 8 is not "
        "closed) at column 14 of query '5G AND (边缘 OR'"
    )


def test_unknown_domain_suggests_the_id_of_an_alias() -> None:
    path = DATA / "unknown_domain.yaml"
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    err = info.value
    assert (err.path, err.line, err.subfield) == (str(path), 11, "serverless")
    assert "unknown domain '云计算'; did you mean 'cloud'? (known: cloud)" in str(err)


@pytest.mark.parametrize(
    ("body", "line", "subfield", "message"),
    [
        (
            "  - {id: a, domain: network, en: A, terms: [x]}\n",
            6,
            "a",
            "a sub-field lacks the required key 'zh'",
        ),
        (
            "  - {domain: network, zh: A, en: A, terms: [x]}\n",
            6,
            None,
            "a sub-field lacks the required key 'id'",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A, terms: [x]}\n"
            "  - {id: b, domain: network, zh: B, en: B, terms: [y]}\n"
            "  - {id: a, domain: network, zh: C, en: C, terms: [z]}\n",
            8,
            "a",
            "duplicate sub-field id (first defined on line 6)",
        ),
        (
            "  - {id: a, domain: ai, zh: A, en: A, terms: [x]}\n",
            6,
            "a",
            "unknown domain 'ai' (known: network, cloud)",
        ),
        (
            "  - {id: AR_1, domain: network, zh: A, en: A, terms: [x]}\n",
            6,
            None,
            "sub-field id 'AR_1' may only hold lowercase ASCII letters, digits and '-'",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A, terms: [x], query: x}\n",
            6,
            "a",
            "has both 'query' and 'terms'",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A, exclude: [y], query: x}\n",
            6,
            "a",
            "has both 'query' and 'exclude'",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A}\n",
            None,
            "a",
            "needs either 'terms' (a list of terms) or 'query' (a boolean query)",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A, terms: []}\n",
            6,
            "a",
            "'terms' must be a non-empty list",
        ),
        (
            "  - id: a\n    domain: network\n    zh: A\n    en: A\n    terms: [x, '--']\n",
            10,
            "a",
            "'terms' item 2: the term '--' has no letter or digit",
        ),
        (
            "  - {id: a, domain: network, zh: A, en: A, terms: [x], exlude: [y]}\n",
            6,
            "a",
            "unknown key 'exlude' in a sub-field (allowed: id, domain, zh, en, definition, "
            "terms, exclude, query, wiki)",
        ),
        (
            "  - id: a\n    domain: network\n    zh: A\n    zh: B\n    en: A\n    terms: [x]\n",
            9,
            "a",
            "key 'zh' appears twice in a sub-field",
        ),
        (
            "  - {id: a, domain: network, zh: , en: A, terms: [x]}\n",
            6,
            "a",
            "'zh' is empty",
        ),
        ("  - just text\n", 6, None, "a sub-field must be a mapping of keys to values"),
    ],
)
def test_subfield_errors(
    tmp_path: Path, body: str, line: int | None, subfield: str | None, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    err = info.value
    assert not isinstance(err, QueryError)
    assert (err.path, err.line, err.subfield) == (str(path), line, subfield)
    assert message in str(err)
    assert str(err).startswith(str(path) + (f":{line}" if line else "") + ": ")


def test_query_error_in_multiline_query(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  - id: a\n    domain: network\n    zh: A\n    en: A\n    query: >-\n"
        "      (x OR y)\n      NOT z)\n",
    )
    with pytest.raises(QueryError) as info:
        load_taxonomy(path)
    err = info.value
    assert (err.line, err.subfield, err.column, err.query) == (10, "a", 15, "(x OR y) NOT z)")
    assert "unexpected ')' without a matching '('" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "the taxonomy file is empty"),
        ("- a\n- b\n", 1, "the top level must be a mapping"),
        ('version: "1"\ndomains: []\nsubfields: []\n', 2, "'domains' must be a non-empty list"),
        (
            'version: "1"\ndomains:\n  - {id: n, zh: 网络, en: N}\nsubfields:\n',
            4,
            "'subfields' must be a non-empty list",
        ),
        ("domains: []\nsubfields: []\n", 1, "the top level lacks the required key 'version'"),
        (
            'version: "1"\ndomains:\n  - {id: n, zh: 网络, en: N}\n  - {id: n, zh: 网, en: M}\n'
            "subfields: []\n",
            4,
            "duplicate domain id 'n' (first defined on line 3)",
        ),
        (
            'version: "1"\ndomains:\n  - {id: a, zh: 云, en: A}\n'
            "  - {id: b, zh: 云原生, en: B, aliases: [雲]}\nsubfields: []\n",
            4,
            "the name '雲' is used by domains 'a' and 'b'",
        ),
        (
            'version: "1"\ndomains:\n  - {id: Net, zh: 网络, en: N}\nsubfields: []\n',
            3,
            "domain id 'Net' may only hold",
        ),
    ],
)
def test_file_level_errors(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    assert (info.value.path, info.value.line) == (str(path), line)
    assert message in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes('version: "1"\n# 网络\n'.encode("gbk"))
    with pytest.raises(TaxonomyError, match=":2: not UTF-8 text; save the file as UTF-8"):
        load_taxonomy(path)


# ------------------------------------------------------------------------ linting


def test_check_good_taxonomy() -> None:
    # 5g's own query excludes 5G专网 and "private network", so 5g-private does not
    # shadow it; only the empty domain is reported.
    assert check_taxonomy(load_taxonomy(DATA / "good.yaml")) == [
        Finding("warning", None, "domain 'blockchain' (区块链) has no sub-fields")
    ]


def test_check_lint_taxonomy() -> None:
    assert check_taxonomy(load_taxonomy(DATA / "lint.yaml")) == [
        Finding("warning", "ml2", "name '机器学习' is also the name of 'ml'"),
        Finding("warning", "mobile", "term '第五代移动通信' appears in 5g and mobile"),
        Finding(
            "warning",
            "5g-private",
            "term '5G专网' of 5g-private contains term '5G' of 5g: records with it also match 5g",
        ),
        Finding(
            "warning",
            "ipc-g06n3",
            "term 'G06N 3/08' of ipc-g06n3 contains term 'G06N' of ipc-g06n: "
            "records with it also match ipc-g06n",
        ),
        Finding("warning", None, "domain 'empty' (空) has no sub-fields"),
    ]


def test_check_same_term_in_three_subfields_and_traditional_spelling() -> None:
    d = Domain("ai", "人工智能", "AI")
    tax = Taxonomy(
        domains=(d,),
        subfields=(
            SubField("a", "ai", "甲", "A", "机器学习"),
            SubField("b", "ai", "乙", "B", "機器學習 OR xr"),
            SubField("c", "ai", "丙", "C", "title:机器学习 yz"),
        ),
    )
    findings = check_taxonomy(tax)
    assert findings == [Finding("warning", "c", "term '机器学习' appears in a, b and c")]


def test_check_warns_on_one_character_terms() -> None:
    d = Domain("cloud", "云", "Cloud")
    tax = Taxonomy(
        domains=(d,),
        subfields=(
            SubField("cloud", "cloud", "云计算", "Cloud computing", "云 OR 云计算"),
            SubField("ai", "cloud", "人工智能", "AI", "a OR AI NOT b"),
        ),
    )
    assert [(f.subfield, f.kind, f.message) for f in check_taxonomy(tax)] == [
        ("cloud", "one-char-term", "term '云' is one character long: it occurs in almost any "
         "title; write a longer term (e.g. 云计算 for 云) or scope it with title:/keywords:"),
        ("ai", "one-char-term", "term 'a' is one character long: it occurs in almost any "
         "title; write a longer term (e.g. 云计算 for 云) or scope it with title:/keywords:"),
    ]  # fmt: skip


def test_check_hand_built_taxonomy_errors() -> None:
    tax = Taxonomy(
        domains=(Domain("ai", "人工智能", "AI"), Domain("ai", "人工智能2", "AI 2")),
        subfields=(
            SubField("a", "ai", "甲", "A", "xr"),
            SubField("a", "ai", "乙", "B", "yz"),
            SubField("b", "nowhere", "丙", "C", "zk"),
            SubField("c", "ai", "丁", "D", "  "),
            SubField("d", "ai", "戊", "E", "(x OR"),
        ),
    )
    assert "d" not in tax.queries
    findings = check_taxonomy(tax)
    assert findings == [
        Finding("error", None, "domain id 'ai' is defined more than once"),
        Finding("error", "a", "sub-field id 'a' is defined more than once"),
        Finding("error", "b", "unknown domain 'nowhere'"),
        Finding("error", "c", "the query is empty"),
        Finding(
            "error",
            "d",
            "the query does not parse: expected a term or ')' (the '(' at column 1 is not "
            "closed) at column 6 of query '(x OR'",
        ),
    ]
