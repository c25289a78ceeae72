"""Matching: every sub-field query over every record, word-bounded for ASCII, substring for CJK."""

from __future__ import annotations

import random

import polars as pl

from techcurve.errors import QueryError
from techcurve.match import match_frame
from techcurve.normalize import normalize
from techcurve.taxonomy.query import Query, parse_query


def _frame(titles: list[str], **extra: list[str]) -> pl.DataFrame:
    data = {
        "record_id": [f"r{i}" for i in range(len(titles))],
        "text_norm": [normalize(t) for t in titles],
        "title_norm": [normalize(t) for t in titles],
    }
    data.update(extra)
    return pl.DataFrame(data)


QUERIES = {
    "ar": parse_query('(AR OR 增强现实 OR "augmented reality") NOT "AR model"'),
    "5g": parse_query("5G OR 第五代移动通信"),
    "blockchain": parse_query("区块链 OR blockchain"),
    "edge": parse_query('(边缘 AND 计算) OR "edge computing"'),
}


def test_ascii_terms_match_whole_words_only() -> None:
    f = _frame(
        [
            "ARM 芯片发布",
            "RADAR systems",
            "AR glasses ship",
            "Apple's AR kit",
            "5GHz Wi-Fi",
            "5G专网建设",
        ]
    )
    links = match_frame(f, QUERIES)
    assert links.rows() == [
        ("r2", "ar", "AR"),
        ("r3", "ar", "AR"),
        ("r5", "5g", "5G"),
    ]


def test_cjk_terms_match_as_substrings_and_boolean_structure_holds() -> None:
    f = _frame(
        [
            "基于区块链的溯源",
            "边缘侧的计算卸载",
            "边缘检测算法",
            "An AR model of prices",
            "增强现实眼镜",
        ]
    )
    links = match_frame(f, QUERIES)
    assert links.rows() == [
        ("r0", "blockchain", "区块链"),
        ("r1", "edge", "计算; 边缘"),
        ("r4", "ar", "增强现实"),
    ]


def test_full_width_and_traditional_text_is_normalised_like_the_terms() -> None:
    f = _frame(["ＡＲ眼镜", "區塊鏈金融"])
    assert match_frame(f, QUERIES).rows() == [("r0", "ar", "AR"), ("r1", "blockchain", "区块链")]


def test_the_searched_text_is_the_fields_joined_whichever_of_them_are_empty() -> None:
    from techcurve.match.matcher import match_text

    u = pl.Utf8
    f = pl.DataFrame(
        {"title": ["5G专网", None, "AR"], "abstract": [None, None, None], "keywords": [None] * 3},
        schema={"title": u, "abstract": u, "keywords": u},
    )
    # only the title holds text (read alone) / two fields do (joined by a space)
    assert match_text(f).to_list() == ["\x1f5g\x1f专网", "", "\x1far\x1f"]
    g = f.with_columns(abstract=pl.Series([None, "区块链", "眼镜"]))
    assert match_text(g).to_list() == ["\x1f5g\x1f专网", "区块链", "\x1far\x1f 眼镜"]
    h = f.with_columns(title=pl.Series([None] * 3, dtype=u), keywords=pl.Series(["VR", None, None]))
    assert match_text(h).to_list() == ["\x1fvr\x1f", "", ""]


def test_field_scopes_and_ipc_prefixes() -> None:
    queries = {
        "ml": parse_query('ipc:G06N OR title:"machine learning"'),
    }
    f = _frame(
        ["a patent", "Machine learning survey", "other"],
        ipc=["G06N 3/08; H04L 29/06", "", "G06F 17/30"],
        abstract=["", "", "machine learning in the abstract only"],
        keywords=["", "", ""],
    )
    f = f.with_columns(
        pl.Series(
            "text_norm",
            [
                normalize(t)
                for t in ["a patent", "Machine learning survey", "other machine learning"]
            ],
        )
    )
    assert match_frame(f, queries).rows() == [
        ("r0", "ml", "G06N"),
        ("r1", "ml", "machine learning"),
    ]


def test_no_records_or_no_queries_give_an_empty_link_table() -> None:
    assert match_frame(_frame([]), QUERIES).height == 0
    assert match_frame(_frame(["AR"]), {}).height == 0


# -- the matcher against a brute-force reference ------------------------------------

_WORDS = ["AR", "VR", "5G", "专网", "区块链", "边缘", "计算", "edge computing", "ARM", "5GHz",
          "增强现实", "machine learning", "learning", "数字孪生", "孪生", "radar", "Mr."]  # fmt: skip


def _reference(frame: pl.DataFrame, queries: dict[str, Query]) -> list[tuple[str, str, str]]:
    """Per record and query: Python substring tests on the normalised text, then evaluate."""
    out = []
    for row in frame.iter_rows(named=True):
        text = {None: row["text_norm"], "title": row["title_norm"]}
        for sid, q in sorted(queries.items()):
            hits = {t for t in q.terms() if t.pattern in text[t.field]}
            if q.evaluate(hits):
                fired = sorted({t.text for t in hits if t in q.positive_terms()})
                out.append((row["record_id"], sid, "; ".join(fired)))
    return sorted(out)


def _random_query(rng: random.Random) -> str:
    def leaf() -> str:
        w = rng.choice(_WORDS)
        w = f'"{w}"' if " " in w else w
        return ("title:" if rng.random() < 0.2 else "") + w

    def node(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return leaf()
        op = rng.choice([" AND ", " OR ", " OR "])
        items = [node(depth - 1) for _ in range(rng.randint(2, 3))]
        text = "(" + op.join(items) + ")"
        return text + (f" NOT {leaf()}" if rng.random() < 0.3 else "")

    return node(3)


def test_match_frame_equals_a_brute_force_reference_on_random_queries() -> None:
    rng = random.Random(8)
    titles = [" ".join(rng.sample(_WORDS, rng.randint(1, 4))) for _ in range(400)]
    bodies = [" ".join(rng.sample(_WORDS, rng.randint(0, 3))) for _ in range(400)]
    frame = pl.DataFrame(
        {
            "record_id": [f"r{i:03d}" for i in range(400)],
            "title_norm": [normalize(t) for t in titles],
            "text_norm": [normalize(t + " " + b) for t, b in zip(titles, bodies, strict=True)],
        }
    )
    queries: dict[str, Query] = {}
    while len(queries) < 60:
        try:
            queries[f"q{len(queries):02d}"] = parse_query(_random_query(rng))
        except QueryError:  # e.g. a query true without any term
            continue
    got = match_frame(frame, queries)
    assert sorted(got.rows()) == _reference(frame, queries)
    assert got.height > 100
    # a pure function of each record: any split of the records gives the same links
    halves = pl.concat(
        [match_frame(frame.head(150), queries), match_frame(frame.tail(250), queries)]
    )
    assert halves.equals(got)


def test_a_query_with_more_leaves_than_a_bit_mask_holds() -> None:
    many = [f"t{i}x" for i in range(80)]
    queries = {
        "wide": parse_query(" OR ".join(many)),
        "wide-and": parse_query("(" + " OR ".join(many) + ") AND 区块链 NOT t3x"),
    }
    f = _frame(["t5x 区块链", "t79x and t3x 区块链", "t1x t2x", "nothing"])
    assert match_frame(f, queries).rows() == [
        ("r0", "wide", "t5x"),
        ("r0", "wide-and", "t5x; 区块链"),
        ("r1", "wide", "t3x; t79x"),
        ("r2", "wide", "t1x; t2x"),
    ]


def test_links_come_in_row_order_then_by_sub_field() -> None:
    f = _frame(["区块链 5G", "AR"]).with_columns(pl.Series("record_id", ["z", "a"]))
    assert match_frame(f, QUERIES).rows() == [
        ("z", "5g", "5G"),
        ("z", "blockchain", "区块链"),
        ("a", "ar", "AR"),
    ]
