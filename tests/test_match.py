"""Matching: every sub-field query over every record, word-bounded for ASCII, substring for CJK."""

from __future__ import annotations

import polars as pl

from techcurve.match import match_frame
from techcurve.query import normalize, parse_query


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
