"""Real-looking tricky titles and the exact sub-fields the DEFAULT taxonomy gives them.

Each row is a title as it would appear in a patent, paper or media feed, and the set
of sub-field ids `techcurve.match.match_frame` must link it to. The traps: short ASCII
abbreviations inside longer words (ARM, 5GHz, Mr.), CJK substrings (区块 in 区块链,
数字人 in 数字人民币), units (称取5g), homonyms (GaN, RPA, NFT, VR), domain names.

The property at the end: a query matches a record iff its boolean formula over the
terms present in the record is true (`Query.evaluate` agrees with the matcher).
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techcurve.match import match_frame
from techcurve.normalize import normalize
from techcurve.taxonomy import load_taxonomy
from techcurve.taxonomy.query import And, Node, Not, Or, Query, Term

TITLES: list[tuple[str, set[str]]] = [
    # AR is a whole word: never ARM, radar, or an autoregressive model.
    ("ARM发布新一代处理器", set()),
    ("一种雷达信号处理方法", set()),
    ("An AR model for stock prices", set()),
    ("AR眼镜的光波导方案", {"ar", "near-eye-display"}),
    ("苹果发布AR眼镜", {"ar"}),
    # 区块链 vs 区块; blockchain itself has its core sub-field.
    ("基于区块链的供应链金融", {"blockchain-platforms"}),
    ("区块划分算法", set()),
    ("区块链技术发展白皮书", {"blockchain-platforms"}),
    ("以太坊合并后的智能合约安全", {"public-blockchain", "smart-contract"}),
    ("Blockchain", {"blockchain-platforms"}),
    # MR is never a bare term (Mr.), VR is.
    ("Mr. Smith's VR headset", {"vr"}),
    ("Mr Bean and the 5G base station", {"5g"}),
    ("苹果发布混合现实头显 Vision Pro", {"mr", "spatial-computing"}),
    ("The VR industry in 2023: Meta Quest 3", {"vr"}),
    ("一种稳压器VR电路", set()),  # VR = voltage regulator next to 稳压器
    ("iPhone XR 评测", set()),
    # 5G is a whole word and not five grams.
    ("5GHz Wi-Fi 6 router", {"wifi"}),
    ("称取5g样品溶于100mL水中", set()),
    ("5G基站建设提速", {"5g"}),
    # Go the language is no term; 微服务 is.
    ("Go语言微服务实践", {"microservices"}),
    # 数字人民币 contains 数字人 (virtual humans): excluded there.
    ("数字人民币试点扩大到更多城市", {"cbdc"}),
    ("数字人主播在直播间带货", {"virtual-humans"}),
    ("数字人文研究新进展", set()),
    ("央行数字货币与跨境支付", {"cbdc"}),
    # RPA the software robot vs the DNA assay; NFT vs nftables.
    ("RPA机器人流程自动化在财务中的应用", {"rpa"}),
    ("一种基于RPA扩增的核酸检测方法", set()),
    ("NFT数字藏品平台上线", {"nft"}),
    ("nftables 防火墙规则配置", set()),
    # GaN the network vs gallium nitride.
    ("GaN功率器件的热管理", set()),
    ("Training GANs with spectral normalization", {"gan"}),
    # 容器, 多云, 流计算 only as longer phrases.
    ("Kubernetes 容器编排最佳实践", {"kubernetes"}),
    ("一种储液容器及其制备方法", set()),
    ("企业如何做好多云管理", {"multi-hybrid-cloud"}),
    ("今天晴转多云", set()),
    ("Flink 实时流计算引擎", {"stream-computing"}),
    ("电力系统潮流计算的新方法", set()),
    # Spark the engine vs spark plugs; chat bots are no robots.
    ("Apache Spark 3.0 发布", {"big-data-processing"}),
    ("spark plug gap tool", set()),
    ("聊天机器人的未来", {"dialogue-systems"}),
    ("工业机器人出货量创新高", {"robotics"}),
    # GPT the model vs the Gabidulin–Paramonov–Tretjakov cryptosystem (arXiv, 2010).
    ("On improving security of GPT cryptosystems", set()),
    ("GPT-4 技术报告解读", {"large-models"}),
    # DID the identifier vs the verb.
    ("They did it again: W3C DID 1.0 is a standard", {"decentralized-identity"}),
    # Domain names: big data and cloud computing have a core sub-field, AI has none.
    ("Big data", {"big-data-processing"}),
    ("Cloud computing", {"public-cloud"}),
    ("Artificial intelligence", set()),
    ("阿里云发布新一代云服务器", {"public-cloud"}),
    # Several sub-fields at once where that is right.
    ("基于深度学习的图像识别", {"computer-vision", "deep-learning", "machine-learning"}),
    ("边缘计算在工业互联网中的应用", {"edge-computing", "industrial-internet"}),
    ("ChatGPT 引爆 AIGC 赛道", {"aigc", "large-models"}),
    ("量子计算机实现新突破", {"quantum-computing"}),
    ("量子通信干线开通", {"quantum-communication"}),
    # Traditional characters and full-width letters fold like the terms.
    ("區塊鏈金融應用", {"blockchain-platforms"}),
    ("ＶＲ一体机评测", {"vr"}),
]


@pytest.fixture(scope="module")
def matched() -> dict[str, set[str]]:
    tax = load_taxonomy()
    titles = [t for t, _ in TITLES]
    frame = pl.DataFrame(
        {
            "record_id": [f"{i:03d}" for i in range(len(titles))],
            "text_norm": [normalize(t) for t in titles],
            "title_norm": [normalize(t) for t in titles],
        }
    )
    out: dict[str, set[str]] = {t: set() for t in titles}
    for rid, sid, _ in match_frame(frame, tax.queries).rows():
        out[titles[int(rid)]].add(sid)
    return out


def test_enough_titles() -> None:
    assert len(TITLES) >= 30
    assert len({t for t, _ in TITLES}) == len(TITLES)


@pytest.mark.parametrize(("title", "expected"), TITLES, ids=[t for t, _ in TITLES])
def test_tricky_title(matched: dict[str, set[str]], title: str, expected: set[str]) -> None:
    assert matched[title] == expected


# ---------------------------------------------------------------- the property

# Words whose normalised forms overlap in the ways that matter: CJK substrings
# (区块 ⊂ 区块链), ASCII words that are prefixes of others (ar/arm), phrases.
_WORDS = ["AR", "ARM", "5G", "5GHz", "区块", "区块链", "数字人", "数字人民币", "machine learning"]
_WORDS += ["learning", "云", "云计算", "VR", "Mr"]
_FIELDS = [None, None, "title", "abstract"]
_leaves = st.builds(Term, st.sampled_from(_WORDS), st.sampled_from(_FIELDS))
_nodes: st.SearchStrategy[Node] = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=6,
)
_FILLER = ["", " ", "的", " new ", "技术", "-", "，"]


def _present(query: Query, title: str, abstract: str) -> set[Term]:
    """The leaves present in the record, by the definition in docs/query-language.md."""
    fields = {
        None: normalize(f"{title} {abstract}"),
        "title": normalize(title),
        "abstract": normalize(abstract),
    }
    return {t for t in query.terms() if t.pattern in fields[t.field]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_nodes, st.data())
def test_a_query_matches_iff_its_formula_over_present_terms_is_true(
    node: Node, data: st.DataObject
) -> None:
    query = Query(node)
    if query.evaluate(()):  # parse_query rejects queries that need no term
        node = And((node, query.terms()[0]))
        query = Query(node)
    words = [t.text for t in query.terms()] + ["ARM", "5GHz", "区块"]
    records = data.draw(
        st.lists(
            st.tuples(
                st.lists(st.sampled_from(words + _FILLER), max_size=5),
                st.lists(st.sampled_from(words + _FILLER), max_size=5),
            ),
            min_size=1,
            max_size=8,
        )
    )
    titles = ["".join(a) if i % 2 else " ".join(a) for i, (a, _) in enumerate(records)]
    abstracts = [" ".join(b) for _, b in records]
    frame = pl.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(len(records))],
            "text_norm": [normalize(f"{t} {a}") for t, a in zip(titles, abstracts, strict=True)],
            "title_norm": [normalize(t) for t in titles],
            "abstract": abstracts,
            "keywords": [""] * len(records),
        }
    )
    got = set(match_frame(frame, {"q": query})["record_id"].to_list())
    expected = {
        f"r{i}"
        for i, (t, a) in enumerate(zip(titles, abstracts, strict=True))
        if query.evaluate(_present(query, t, a))
    }
    assert got == expected
