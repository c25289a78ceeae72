"""The shipped default taxonomy (src/techcurve/data/taxonomy.yaml): scope, names and terms.

The report-named sub-fields come from seed/seed-spec.md §2.2–2.4 (InfoQ Research
Center, 中国技术成熟度评估曲线 2022); docs/taxonomy.md says where each one lives.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

TAXONOMY = Path(__file__).resolve().parents[1] / "src" / "techcurve" / "data" / "taxonomy.yaml"

DOMAINS = {"network", "ai", "bigdata", "interaction", "cloud", "blockchain"}

# Sub-fields the report names, by their zh name in the taxonomy (§2.2, §2.3, §2.4).
REPORT_SUBFIELDS = [
    # §2.2, with an explicit domain
    "5G",
    "机器/深度学习",
    "自然语言处理（NLP）/自然语言理解（NLU）/自然语言生成（NLG）",
    "计算机视觉",
    "生物识别",
    "大数据分析",
    "大数据流通",
    "大数据处理",
    "数据治理及数据智能",
    "分布式数据库",
    "湖仓一体",
    "AR",
    "VR",
    "MR",
    "量子计算",
    "行业云平台",
    "分布式云",
    # §2.3, financing treemap tiles
    "分布式数据存储",
    "语义分析",
    "语音识别",
    "深度学习",
    "机器人",
    "工业互联网",
    "能源互联网",
    "边缘计算",
    "数字孪生",
    "XR",
    "智能合约",
    # §2.4, named in the narrative
    "Serverless",
    "容器",
    "微服务",
    "DevOps",
    "云安全",
    "可观测性",
    "低代码/零代码",
    "FinOps",
    "多云/混合云",
    "隐私计算",
    "AIOps",
    "知识图谱",
    "自动驾驶",
    "AIGC",
    "大模型",
    "多模态大模型",
    "深度学习平台/框架",
    "负责任的AI",
    "强化学习",
    "元宇宙",
    "脑机接口",
    "虚拟人/数字人",
    "物联网",
    "车联网",
    "数据可视化",
    "平台工程",
    "组装式研发",
    "云原生弹性调度",
    "超融合",
    "DPU",
    "存算一体",
    "存算分离",
    "绿色计算",
    "高性能计算",
    "生物计算机",
    "算力网络",
    "仓库机器人",
    "人形机器人",
    "机器视觉",
    "人机交互",
    "三维重建",
    "智慧城市",
    "云办公",
    "5G专网",
]

# Narrative items that are terms of a broader sub-field rather than sub-fields themselves.
REPORT_TERMS = {
    "行业云": "industry-cloud",
    "政务云": "industry-cloud",
    "医疗云": "industry-cloud",
    "教育云": "industry-cloud",
    "电信云": "industry-cloud",
    "交通云": "industry-cloud",
    "多云": None,  # only as 多云管理 etc.: bare 多云 hits 更多云服务
    "混合云": "multi-hybrid-cloud",
    "跨云计算": "multi-hybrid-cloud",
    "跨云存储": "multi-hybrid-cloud",
    "容器化大数据": "big-data-processing",
    "CIPU": "dpu",
    "算网融合": "computing-power-network",
    "东数西算": "computing-power-network",
    "多样性计算": "heterogeneous-computing",
    "AI算力": "heterogeneous-computing",
    "可信环境": "privacy-computing",
    "智能运维": "aiops",
    "基础模型": "large-models",
    "飞桨": "dl-frameworks",
    "机器学习": "machine-learning",
    "超自动化": "rpa",
    "工业互联网标识解析": None,  # covered by 标识解析
    "标识解析": "industrial-internet",
    "5G虚拟专网": "5g-private-network",
    "5G混合专网": "5g-private-network",
    "新型电力系统": "energy-internet",
    "零碳园区": "energy-internet",
    "软件供应链安全": "cloud-security",
    "组装式工业APP": "composable-development",
    "Pancake方案": "near-eye-display",
    "无服务器": "serverless",
}

# Terms that must never stand alone: they fire on unrelated text.
BANNED_TERMS = {
    "MR",  # Mr.
    "DID",  # the verb
    "DAO",  # data access object
    "Go",
    "CV",  # curriculum vitae
    "ML",  # millilitre
    "TEE",  # pipe tee, golf tee
    "TPU",  # thermoplastic polyurethane
    "STO",  # strontium titanate
    "HCI",  # hyper-converged or human-computer interaction
    "容器",  # vessels and tanks
    "区块",  # any block
    "多云",  # 更多云服务, 晴转多云
    "跨云",
    "共识",  # 达成共识
    "液冷",  # EV battery cooling
    "储能",  # energy-storage springs
    "流计算",  # 电流计算, 潮流计算
}

# A domain's own name is a term only of that domain's core sub-field, where the
# technology itself is a credible curve entry (Gartner placed "Blockchain", "Big Data"
# and "Cloud Computing" on its curves) and the demo's clearest hype series (blockchain
# 2017-18 in Google Trends, HN and SO; MAG "Big data", "Cloud computing") need a home.
# Everywhere else a domain name would credit one sub-field with its whole domain.
# docs/taxonomy.md, "Domain names as terms".
DOMAIN_CORE_TERMS = {
    "区块链": "blockchain-platforms",
    "blockchain": "blockchain-platforms",
    "大数据": "big-data-processing",
    "big data": "big-data-processing",
    "云计算": "public-cloud",
    "cloud computing": "public-cloud",
}
# No sub-field has these: AI is many curves, not one; 云原生 is an alias of the cloud domain.
DOMAIN_NAMES = ["人工智能", "AI", "artificial intelligence", "云原生", "交互技术", "网络"]


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def subfields(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return list(raw["subfields"])


@pytest.fixture(scope="module")
def by_id(subfields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {sf["id"]: sf for sf in subfields}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# ------------------------------------------------------------------ structure (YAML only)


def test_version_and_six_domains(raw: dict[str, Any]) -> None:
    assert raw["version"] == "2022.1"
    domains = {d["id"]: d for d in raw["domains"]}
    assert set(domains) == DOMAINS
    assert len(raw["domains"]) == 6
    assert domains["cloud"]["zh"] == "云计算"
    assert {"云原生", "云计算"} <= set(domains["cloud"]["aliases"])
    assert domains["interaction"]["zh"] == "交互技术"


def test_at_least_130_subfields_in_known_domains(subfields: list[dict[str, Any]]) -> None:
    assert len(subfields) >= 130
    per_domain = Counter(sf["domain"] for sf in subfields)
    assert set(per_domain) == DOMAINS
    assert min(per_domain.values()) >= 15, per_domain


def test_ids_unique_and_well_formed(subfields: list[dict[str, Any]]) -> None:
    ids = [sf["id"] for sf in subfields]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes
    bad = [i for i in ids if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(i))]
    assert not bad


def test_names_unique(subfields: list[dict[str, Any]]) -> None:
    for key in ("zh", "en"):
        names = Counter(_fold(sf[key]) for sf in subfields)
        assert [n for n, c in names.items() if c > 1] == [], key


def test_every_value_is_text(subfields: list[dict[str, Any]]) -> None:
    # YAML reads bare ON/No/1.0 as booleans or numbers; every term is quoted to avoid it.
    for sf in subfields:
        for key in ("id", "domain", "zh", "en", "definition"):
            assert isinstance(sf[key], str) and sf[key].strip(), (sf["id"], key)
        assert "\n" not in sf["definition"], sf["id"]
        assert "query" not in sf, sf["id"]
        assert isinstance(sf["terms"], list) and sf["terms"], sf["id"]
        for key in ("terms", "exclude"):
            for term in sf.get(key, []):
                assert isinstance(term, str) and term.strip() == term and term, (sf["id"], term)


def test_no_duplicate_terms_within_a_subfield(subfields: list[dict[str, Any]]) -> None:
    for sf in subfields:
        terms = Counter(_fold(t) for t in sf["terms"])
        assert [t for t, n in terms.items() if n > 1] == [], sf["id"]


def test_no_banned_or_domain_level_terms(subfields: list[dict[str, Any]]) -> None:
    banned = {_fold(t) for t in BANNED_TERMS} | {_fold(t) for t in DOMAIN_NAMES}
    found = [(sf["id"], t) for sf in subfields for t in sf["terms"] if _fold(t) in banned]
    assert found == []


def test_domain_names_only_in_their_core_subfield(subfields: list[dict[str, Any]]) -> None:
    core = {_fold(t): sid for t, sid in DOMAIN_CORE_TERMS.items()}
    found = {(_fold(t), sf["id"]) for sf in subfields for t in sf["terms"] if _fold(t) in core}
    assert found == set(core.items())


@pytest.mark.parametrize("zh", REPORT_SUBFIELDS)
def test_report_named_subfield_present(subfields: list[dict[str, Any]], zh: str) -> None:
    names = {_fold(sf["zh"]) for sf in subfields}
    assert _fold(zh) in names


@pytest.mark.parametrize("term", sorted(REPORT_TERMS))
def test_report_named_term_present(by_id: dict[str, dict[str, Any]], term: str) -> None:
    sid = REPORT_TERMS[term]
    if sid is None:
        everywhere = {_fold(t) for sf in by_id.values() for t in sf["terms"]}
        assert _fold(term) not in everywhere
        return
    assert _fold(term) in {_fold(t) for t in by_id[sid]["terms"]}


def test_report_domains_of_explicit_subfields(subfields: list[dict[str, Any]]) -> None:
    domain_of = {sf["zh"]: sf["domain"] for sf in subfields}
    assert domain_of["5G"] == "network"
    assert domain_of["机器/深度学习"] == "ai"
    assert domain_of["湖仓一体"] == "bigdata"
    assert domain_of["MR"] == "interaction"
    assert domain_of["量子计算"] == "cloud"  # the report files it under 云计算
    assert domain_of["智能合约"] == "blockchain"


# ------------------------------------------------------------------ with the library


@pytest.fixture(scope="module")
def queries() -> dict[str, Any]:
    taxonomy = pytest.importorskip("techcurve.taxonomy")
    return dict(taxonomy.load_taxonomy().queries)


def _hits(queries: dict[str, Any], sid: str, text: str) -> bool:
    """True if sub-field ``sid``'s query matches ``text`` (as the matcher does it)."""
    query_mod = pytest.importorskip("techcurve.normalize.reference")
    norm = query_mod.normalize(text)
    q = queries[sid]
    return bool(q.evaluate({t for t in q.terms() if t.pattern and t.pattern in norm}))


def test_load_taxonomy_reads_the_default(subfields: list[dict[str, Any]]) -> None:
    taxonomy = pytest.importorskip("techcurve.taxonomy")
    tax = taxonomy.load_taxonomy()
    assert tax.version == "2022.1"
    assert len(tax.subfields) == len(subfields)
    assert {d.id for d in tax.domains} == DOMAINS
    assert tax.domain_of_alias("云原生") == "cloud"
    assert tax.domain_of_alias("云计算") == "cloud"
    assert set(tax.queries) == {sf["id"] for sf in subfields}
    errors = [f for f in taxonomy.check_taxonomy(tax) if f.level == "error"]
    assert errors == []


def test_ar_terms_are_word_bounded(by_id: dict[str, dict[str, Any]]) -> None:
    query_mod = pytest.importorskip("techcurve.normalize.reference")
    for text in ("ARM", "ARM Cortex-A78", "radar", "Radar 雷达", "AR15", "arXiv", "ARPA"):
        norm = query_mod.normalize(text)
        fired = [t for t in by_id["ar"]["terms"] if query_mod.normalize(t) in norm]
        assert fired == [], (text, fired)


@pytest.mark.parametrize(
    ("sid", "text", "expected"),
    [
        ("ar", "AR glasses for remote maintenance", True),
        ("ar", "苹果发布AR眼镜", True),
        ("ar", "augmented-reality", True),
        ("ar", "ARM processors for radar systems", False),
        ("ar", "An AR model of order 2", False),
        ("ar", "在Ar气氛下退火", False),
        ("mr", "Mr. Smith joins the board", False),
        ("mr", "微软发布混合现实头显", True),
        ("vr", "PICO 4 VR一体机评测", True),
        ("xr", "iPhone XR review", False),
        ("5g", "5G基站建设提速", True),
        ("5g", "称取5g样品溶于水", False),
        ("gan", "Training GANs with optimal transport", True),
        ("gan", "GaN HEMT power devices", False),
        ("virtual-humans", "数字人主播上线", True),
        ("virtual-humans", "数字人民币红包", False),
        ("robotics", "工业机器人出货量", True),
        ("robotics", "如何搭建一个推特机器人", False),
        ("containers", "一种储液容器", False),
        ("containers", "Docker 镜像瘦身", True),
        ("nft", "nftables firewall rules", False),
        ("multi-hybrid-cloud", "更多云服务上线", False),
        ("multi-hybrid-cloud", "企业的多云管理平台", True),
        ("stream-computing", "电流计算方法", False),
        ("stream-computing", "Flink 实时流计算", True),
        ("decentralized-identity", "W3C DID 标准发布", True),
        ("decentralized-identity", "They did it again", False),
        ("big-data-processing", "Apache Spark 3.0 发布", True),
        ("big-data-processing", "spark plug gap tool", False),
        ("lpwan", "LoRA fine-tuning of LLMs", False),
        ("observability", "RL under partial observability", False),
        ("quantum-computing", "量子计算机突破", True),
    ],
)
def test_subfield_queries_on_examples(
    queries: dict[str, Any], sid: str, text: str, expected: bool
) -> None:
    assert _hits(queries, sid, text) is expected
