"""Seeded generator of realistic benchmark corpora and a 1,000-query taxonomy.

Everything here is deterministic for a given ``seed``: the same call writes the same
bytes, so two runs (or two machines) benchmark the same files.

**Taxonomy** (:func:`write_taxonomy`): the shipped default taxonomy (166 sub-fields,
~2,900 positive terms) plus generated sub-fields up to ``n_queries``. A generated
sub-field is a technology name built from a modifier and a head noun, in Chinese and
English ("量子" + "传感" → 量子传感 / "quantum sensing"), with the spelling variants a
real taxonomy carries (plural, hyphenated, an acronym for some). Their queries mix
the shapes of the real file: plain OR lists (65%), OR lists with exclusions (15%)
and AND-of-ORs such as ``(量子 OR quantum) AND (传感 OR sensing)`` (20%).

**Corpus** (:func:`write_corpus`): a CSV with the ``generic`` profile's columns
(``source_id, kind, title, abstract, keywords, date, venue, ipc``): 55% Chinese
patents (title ~20 characters, abstract 4–7 sentences, IPC codes) and 45% English
papers (title ~10 words, abstract 4–7 sentences, keywords). Term rates: a title
carries a taxonomy term with p = 0.3; an abstract carries 0/1/2 term sentences with
p = 0.5/0.35/0.15; terms are drawn with a Zipf law (s = 1.05) over a shuffled term
list, so a few terms are frequent and most are rare, as in real data. Chinese
records draw 25% of their terms from the ASCII list (5G, AI, SLAM…). Distractors
that a naive substring matcher would take for a term appear in ~20% of the
records: ARM, 5GHz, radar, Mr., ARMv8, AR-15, "AR model", 称取5g, GaN, Wi-Fi 5GHz.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from techcurve.normalize import normalize
from techcurve.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

# ----------------------------------------------------------------------- vocabulary

_MODS = [
    ("量子", "quantum"), ("光子", "photonic"), ("类脑", "neuromorphic"), ("联邦", "federated"),
    ("可信", "trusted"), ("隐私保护", "privacy-preserving"), ("自主", "autonomous"),
    ("协同", "collaborative"), ("分布式", "distributed"), ("异构", "heterogeneous"),
    ("存内", "in-memory"), ("柔性", "flexible"), ("无源", "passive"), ("全息", "holographic"),
    ("低代码", "low-code"), ("边云协同", "edge-cloud"), ("车路协同", "vehicle-road"),
    ("太赫兹", "terahertz"), ("毫米波", "millimeter-wave"), ("可重构", "reconfigurable"),
    ("自适应", "adaptive"), ("多模态", "multimodal"), ("图神经", "graph neural"),
    ("弹性", "elastic"), ("零信任", "zero-trust"), ("语义", "semantic"),
    ("认知", "cognitive"), ("具身", "embodied"), ("稀疏", "sparse"), ("近存", "near-memory"),
    ("软件定义", "software-defined"), ("确定性", "deterministic"), ("生成式", "generative"),
]  # fmt: skip
_HEADS = [
    ("传感", "sensing"), ("计算", "computing"), ("存储", "storage"), ("芯片", "chip"),
    ("组网", "networking"), ("调度", "scheduling"), ("编排", "orchestration"),
    ("推理", "inference"), ("训练", "training"), ("加速器", "accelerator"), ("网关", "gateway"),
    ("操作系统", "operating system"), ("数据库", "database"), ("中间件", "middleware"),
    ("安全", "security"), ("通信", "communication"), ("定位", "localization"),
    ("识别", "recognition"), ("感知", "perception"), ("显示", "display"), ("检索", "retrieval"),
    ("压缩", "compression"), ("仿真", "simulation"), ("控制器", "controller"),
    ("路由", "routing"), ("缓存", "caching"), ("标注", "annotation"), ("孪生", "twin"),
]  # fmt: skip
_GENS = [
    ("低功耗", "low-power"), ("开源", "open-source"), ("工业级", "industrial"),
    ("车规级", "automotive-grade"), ("云原生", "cloud-native"), ("轻量化", "lightweight"),
    ("高可靠", "high-reliability"), ("端侧", "on-device"), ("国产化", "domestic"),
    ("第三代", "third-generation"), ("超大规模", "hyperscale"),
]  # fmt: skip
"""Qualifiers of the sub-fields past the modifier × head pairs (taxonomies of up to
~10,300 sub-fields): 低功耗量子传感 / "low-power quantum sensing"."""

_ZH_NOUNS = [
    "数据处理",
    "图像采集",
    "信号传输",
    "控制单元",
    "存储介质",
    "处理器",
    "传感器阵列",
    "通信模块",
    "电源管理",
    "散热结构",
    "用户终端",
    "服务器集群",
    "数据中心",
    "光学模组",
    "显示面板",
    "电池组",
    "驱动电路",
    "天线阵列",
    "射频前端",
    "基站设备",
    "车载终端",
    "机械臂",
    "摄像头",
    "交换机",
    "路由器",
    "存储器",
    "编码器",
    "解码器",
    "特征提取",
    "参数优化",
    "负载均衡",
    "故障诊断",
    "状态监测",
    "目标检测",
    "路径规划",
    "资源分配",
    "任务调度",
    "数据融合",
    "信道估计",
    "功率控制",
    "权限管理",
    "日志分析",
    "模型训练",
    "样本标注",
    "质量检测",
    "能耗优化",
    "温度控制",
    "姿态估计",
    "语音信号",
    "文本数据",
    "网络流量",
    "电子设备",
    "智能终端",
    "工业设备",
    "医疗影像",
    "交通数据",
    "金融数据",
]
_EN_NOUNS = [
    "data processing",
    "image acquisition",
    "signal transmission",
    "control unit",
    "storage medium",
    "processor",
    "sensor array",
    "communication module",
    "power management",
    "heat dissipation",
    "user terminal",
    "server cluster",
    "data center",
    "optical module",
    "display panel",
    "battery pack",
    "driver circuit",
    "antenna array",
    "radio front end",
    "base station",
    "vehicle terminal",
    "robot arm",
    "camera",
    "network switch",
    "router",
    "memory device",
    "encoder",
    "decoder",
    "feature extraction",
    "parameter optimization",
    "load balancing",
    "fault diagnosis",
    "condition monitoring",
    "object detection",
    "path planning",
    "resource allocation",
    "task scheduling",
    "data fusion",
    "channel estimation",
    "power control",
    "access control",
    "log analysis",
    "model training",
    "sample labeling",
    "quality inspection",
    "energy efficiency",
    "temperature control",
    "pose estimation",
    "speech signal",
    "text corpus",
    "network traffic",
    "electronic device",
    "smart terminal",
    "industrial equipment",
    "medical imaging",
    "traffic data",
    "financial data",
]
_ZH_TITLE_HEAD = ["一种基于", "一种用于", "基于", "面向", "一种应用", "一种结合"]
_ZH_TITLE_TAIL = [
    "的数据处理方法", "的控制系统及方法", "的装置", "的方法、设备及存储介质", "的检测方法",
    "的优化方法和系统", "的终端设备", "的通信方法及装置", "的调度方法", "的识别方法",
]  # fmt: skip
_EN_TITLE_HEAD = ["A", "Towards", "Efficient", "Scalable", "Robust", "Learning-based", "On"]
_EN_TITLE_TAIL = [
    "for large-scale systems", "with provable guarantees", "in practice", "at the edge",
    "for industrial applications", "under uncertainty", ": a survey", "revisited",
    "for real-time workloads", "in heterogeneous environments",
]  # fmt: skip
_ZH_SENT = [
    "本发明公开了一种{a}，包括{b}和{c}。",
    "所述{a}与{b}连接，用于获取{c}。",
    "通过对{a}进行处理，得到{b}，并根据{c}确定输出结果。",
    "该方法能够提高{a}的效率，降低{b}的成本。",
    "实验结果表明，{a}在{b}场景下具有较好的性能。",
    "本申请实施例提供了{a}，解决了现有{b}中{c}不足的问题。",
    "所述{a}设置于{b}的一侧，{c}固定连接。",
    "进一步地，根据{a}对{b}进行更新，直至满足预设条件。",
]
_EN_SENT = [
    "We propose a novel approach to {a} based on {b}.",
    "The {a} is coupled to the {b} and configured to obtain {c}.",
    "Experiments on {a} show that our method outperforms {b} baselines.",
    "This paper studies the problem of {a} in the presence of {b}.",
    "Our analysis reveals a trade-off between {a} and {c}.",
    "We evaluate the {a} on three benchmarks covering {b} and {c}.",
    "Results indicate that {a} reduces the cost of {b} by a large margin.",
    "Finally, we discuss how {a} can be extended to {c}.",
]
_ZH_TERM_SENT = [
    ("本发明涉及", "技术领域。"),
    ("具体地，采用", "实现数据的高效处理。"),
    ("该方案将", "应用于实际生产环境。"),
    ("本申请提出的", "方法具有更高的准确率。"),
]
_EN_TERM_SENT = [
    ("We apply ", " to the task and report consistent gains."),
    ("Our framework builds on recent advances in ", "."),
    ("A case study on ", " demonstrates the practical value of the approach."),
    ("Unlike prior work on ", ", the method needs no labelled data."),
]
#: Strings a careless substring matcher would take for a term (ARM ≠ AR, 5GHz ≠ 5G …).
_DISTRACTORS_ZH = [
    "采用ARM架构处理器。", "工作频段为5GHz。", "称取5g样品溶于水中。", "雷达radar信号经滤波处理。",
    "所述GaN器件耐高压。", "采用ARMv8指令集。", "AR膜提高透光率。", "支持Wi-Fi 5GHz频段。",
]  # fmt: skip
_DISTRACTORS_EN = [
    "Mr. Smith provided the ARM boards.", "The radar operates at 5GHz.",
    "An AR model of order two is fitted.", "The AR-15 dataset is excluded.",
    "Samples were annealed in Ar gas.", "Benchmarks ran on ARMv8 cores at 2.5GHz.",
    "We thank Mr. Lee and Dr. Wang.", "The RADAR dataset contains 5g weights.",
]  # fmt: skip
_IPC = [
    "G06N 3/08", "G06N 3/04", "H04L 29/06", "H04W 4/70", "G06F 16/27", "G06F 9/50",
    "G06T 7/00", "G06K 9/62", "H04N 13/00", "G02B 27/01", "G06Q 40/04", "H04L 9/32",
    "G05D 1/02", "B25J 9/16", "G01S 17/89", "H01L 27/15", "G06V 10/82", "G10L 15/22",
]  # fmt: skip
_VENUES_ZH = ["CNIPA", "国家知识产权局"]
_VENUES_EN = ["NeurIPS", "ICML", "CVPR", "ACL", "SIGCOMM", "OSDI", "VLDB", "KDD", "IEEE TPAMI"]


# ------------------------------------------------------------------------ taxonomy


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _q(text: str) -> str:
    """A term as the query language reads it literally."""
    return '"' + text + '"' if (" " in text or "-" in text) else text


def write_taxonomy(path: Path, n_queries: int = 1000, seed: int = 8) -> Path:
    """Write the default taxonomy plus generated sub-fields up to ``n_queries`` to ``path``."""
    rng = np.random.default_rng(seed)
    base = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    domains = [d["id"] for d in base["domains"]]
    subs: list[dict[str, object]] = list(base["subfields"])
    combos = [(m, h) for m in _MODS for h in _HEADS]
    order = [int(i) for i in rng.permutation(len(combos))]
    # past the pairs, each qualifier in turn over the pairs in the same order (the first
    # pairs' sub-fields, and so the benchmarks of up to ~1,000 queries, stay as they were)
    qualified = [((gzh + m[0], f"{gen} {m[1]}"), h) for gzh, gen in _GENS for m, h in combos]
    combos += qualified
    order += [len(order) + g * len(order) + i for g in range(len(_GENS)) for i in order]
    need = max(0, n_queries - len(subs))
    if need > len(combos):
        raise ValueError(f"can generate at most {len(combos)} extra sub-fields")
    for k, i in enumerate(order[:need]):
        (mzh, men), (hzh, hen) = combos[int(i)]
        zh, en = mzh + hzh, f"{men} {hen}"
        sid = "gen-" + _slug(en)
        terms = [zh, en, en.replace(" ", "-")]
        if not en.endswith("s"):
            terms.append(en + "s")
        if rng.random() < 0.3:  # an acronym, as many real sub-fields have
            acro = "".join(w[0] for w in re.split(r"[\s-]+", en)).upper()
            terms.append(acro + "X" if len(acro) < 3 else acro)
        shape = rng.random()
        sub: dict[str, object] = {
            "id": sid,
            "domain": domains[k % len(domains)],
            "zh": zh,
            "en": en,
            "definition": f"Generated benchmark sub-field {k + 1}.",
        }
        if shape < 0.65:
            sub["terms"] = terms
        elif shape < 0.80:
            sub["terms"] = terms
            sub["exclude"] = [f"{men} physics", "综述", "survey of " + hen]
        else:
            sub["query"] = (
                f"({' OR '.join(_q(t) for t in terms)}) OR "
                f"(({mzh} OR {_q(men)}) AND ({hzh} OR {_q(hen)}) NOT 综述)"
            )
        subs.append(sub)
    base["subfields"] = subs
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def term_pools(taxonomy_path: Path) -> tuple[list[str], list[str]]:
    """The positive terms of a taxonomy, split into (CJK-containing, pure ASCII) lists."""
    tax = load_taxonomy(taxonomy_path)
    seen: dict[str, None] = {}
    for q in tax.queries.values():
        for t in sorted(q.positive_terms(), key=lambda t: (t.text, t.field or "")):
            if t.field in (None, "title", "abstract"):
                seen.setdefault(t.text, None)
    zh = [t for t in seen if any(ord(c) > 127 for c in t)]
    en = [t for t in seen if all(ord(c) <= 127 for c in t)]
    return zh, en


# -------------------------------------------------------------------------- corpus


@dataclass(frozen=True, slots=True)
class Corpus:
    """A written corpus: its CSV file, row count and size in bytes."""

    path: Path
    rows: int
    bytes: int


def _neutral(words: list[str], taxonomy_path: Path) -> list[str]:
    """``words`` without those that contain a term of the taxonomy (after normalisation)."""
    tax = load_taxonomy(taxonomy_path)
    patterns = {t.pattern for q in tax.queries.values() for t in q.terms() if t.field != "ipc"}
    return [w for w in words if not any(p in normalize(w) for p in patterns)]


def _zipf(rng: np.random.Generator, n_terms: int, size: int) -> np.ndarray:
    ranks = np.arange(1, n_terms + 1, dtype=np.float64)
    p = 1.0 / (ranks + 5.0) ** 1.05
    p /= p.sum()
    return rng.choice(n_terms, size=size, p=p)


def _pick(rng: np.random.Generator, pool: list[str], size: int) -> pl.Series:
    return pl.Series(pool, dtype=pl.Utf8).gather(rng.integers(0, len(pool), size))


def _sentences(
    rng: np.random.Generator, templates: list[str], nouns: list[str], n: int
) -> list[str]:
    out = []
    for _ in range(n):
        t = templates[int(rng.integers(len(templates)))]
        a, b, c = (nouns[int(i)] for i in rng.integers(0, len(nouns), 3))
        out.append(t.format(a=a, b=b, c=c))
    return out


def _term_column(
    rng: np.random.Generator, terms: pl.Series, n: int, p: float, order: np.ndarray
) -> pl.Series:
    """For each row a term (Zipf over a shuffled list) with probability ``p``, else ``""``."""
    idx = order[_zipf(rng, len(terms), n)]
    chosen = terms.gather(idx)
    has = pl.Series(rng.random(n) < p)
    return pl.select(pl.when(has).then(chosen).otherwise(pl.lit(""))).to_series()


def _chunk(
    rng: np.random.Generator,
    start: int,
    n: int,
    zh_terms: pl.Series,
    en_terms: pl.Series,
    zh_order: np.ndarray,
    en_order: np.ndarray,
    zh_sent: list[str],
    en_sent: list[str],
    zh_nouns: list[str],
    en_nouns: list[str],
) -> pl.DataFrame:
    is_zh = rng.random(n) < 0.55
    # Chinese records draw 25% of their terms from the ASCII list (5G, AI, SLAM …).
    ascii_in_zh = rng.random(n) < 0.25

    def term(p: float) -> pl.Series:
        zh_t = _term_column(rng, zh_terms, n, p, zh_order)
        en_t = _term_column(rng, en_terms, n, p, en_order)
        use_en = pl.Series(~is_zh | ascii_in_zh)
        return pl.select(pl.when(use_en).then(en_t).otherwise(zh_t)).to_series()

    def by_lang(zh: pl.Series, en: pl.Series) -> pl.Series:
        return pl.select(pl.when(pl.Series(is_zh)).then(zh).otherwise(en)).to_series()

    filler = by_lang(_pick(rng, zh_nouns, n), _pick(rng, en_nouns, n))
    t_title = term(0.2)
    title_core = pl.select(pl.when(t_title != "").then(t_title).otherwise(filler)).to_series()
    head = by_lang(_pick(rng, _ZH_TITLE_HEAD, n), _pick(rng, _EN_TITLE_HEAD, n))
    tail = by_lang(_pick(rng, _ZH_TITLE_TAIL, n), _pick(rng, _EN_TITLE_TAIL, n))
    noun2 = by_lang(_pick(rng, zh_nouns, n), _pick(rng, en_nouns, n))
    sep = pl.Series(np.where(is_zh, "", " "))
    title = pl.select(pl.concat_str([head, sep, title_core, sep, noun2, sep, tail])).to_series()

    n_sent = rng.integers(4, 8, n)
    none = pl.lit(None, dtype=pl.Utf8)
    parts: list[pl.Series] = []
    for k in range(7):
        s = by_lang(_pick(rng, zh_sent, n), _pick(rng, en_sent, n))
        parts.append(pl.select(pl.when(pl.Series(n_sent > k)).then(s).otherwise(none)).to_series())
    r = rng.random(n)
    n_terms = np.where(r < 0.6, 0, np.where(r < 0.9, 1, 2))
    for k in range(2):
        t = term(1.0)
        tz = rng.integers(0, len(_ZH_TERM_SENT), n)
        te = rng.integers(0, len(_EN_TERM_SENT), n)
        pre = by_lang(
            pl.Series([a for a, _ in _ZH_TERM_SENT]).gather(tz),
            pl.Series([a for a, _ in _EN_TERM_SENT]).gather(te),
        )
        post = by_lang(
            pl.Series([b for _, b in _ZH_TERM_SENT]).gather(tz),
            pl.Series([b for _, b in _EN_TERM_SENT]).gather(te),
        )
        sent = pl.select(pl.concat_str([pre, t, post])).to_series()
        keep = pl.Series(n_terms > k)
        parts.insert(2 * k + 1, pl.select(pl.when(keep).then(sent).otherwise(none)).to_series())
    distract = by_lang(_pick(rng, _DISTRACTORS_ZH, n), _pick(rng, _DISTRACTORS_EN, n))
    has_distractor = pl.Series(rng.random(n) < 0.2)
    parts.insert(3, pl.select(pl.when(has_distractor).then(distract).otherwise(none)).to_series())
    abstract = by_lang(
        pl.select(pl.concat_str(parts, separator="", ignore_nulls=True)).to_series(),
        pl.select(pl.concat_str(parts, separator=" ", ignore_nulls=True)).to_series(),
    )

    kw = pl.select(
        pl.concat_str(
            [
                _pick(rng, en_nouns, n),
                pl.lit("; "),
                term(0.3),
                pl.lit("; "),
                _pick(rng, en_nouns, n),
            ]
        ).str.replace_all("; ; ", "; ")
    ).to_series()
    keywords = pl.select(pl.when(pl.Series(is_zh)).then(pl.lit("")).otherwise(kw)).to_series()
    ipc = pl.select(
        pl.when(pl.Series(is_zh))
        .then(pl.concat_str([_pick(rng, _IPC, n), pl.lit("; "), _pick(rng, _IPC, n)]))
        .otherwise(pl.lit(""))
    ).to_series()
    venue = by_lang(_pick(rng, _VENUES_ZH, n), _pick(rng, _VENUES_EN, n))
    year = rng.integers(2000, 2024, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    dates = pl.select(
        pl.date(pl.Series(year), pl.Series(month), pl.Series(day)).dt.strftime("%Y-%m-%d")
    ).to_series()
    ids = pl.Series(np.arange(start, start + n)).cast(pl.Utf8)
    return pl.DataFrame(
        {
            "source_id": pl.select(pl.lit("B") + ids).to_series(),
            "kind": pl.Series(np.where(is_zh, "patent", "paper")),
            "title": title,
            "abstract": abstract,
            "keywords": keywords,
            "date": dates,
            "venue": venue,
            "ipc": ipc,
        }
    )


def iter_corpus(
    n: int, taxonomy_path: Path, seed: int = 8, chunk: int = 200_000, start: int = 0
) -> Iterator[pl.DataFrame]:
    """The corpus as frames of at most ``chunk`` rows (ids ``B<start>`` … ``B<start+n-1>``)."""
    zh, en = term_pools(taxonomy_path)
    rng = np.random.default_rng(seed)
    zh_terms, en_terms = pl.Series(zh, dtype=pl.Utf8), pl.Series(en, dtype=pl.Utf8)
    zh_order, en_order = rng.permutation(len(zh)), rng.permutation(len(en))
    # Filler words must not contain a term, so that term rates are the ones set here.
    zh_nouns, en_nouns = _neutral(_ZH_NOUNS, taxonomy_path), _neutral(_EN_NOUNS, taxonomy_path)
    zh_sent = _sentences(rng, _ZH_SENT, zh_nouns, 3000)
    en_sent = _sentences(rng, _EN_SENT, en_nouns, 3000)
    # A different seed per chunk keeps chunks independent of the chunk size's history.
    for i, lo in enumerate(range(start, start + n, chunk)):
        m = min(chunk, start + n - lo)
        crng = np.random.default_rng([seed, i, start])
        yield _chunk(
            crng,
            lo,
            m,
            zh_terms,
            en_terms,
            zh_order,
            en_order,
            zh_sent,
            en_sent,
            zh_nouns,
            en_nouns,
        )


def write_corpus(path: Path, n: int, taxonomy_path: Path, seed: int = 8, start: int = 0) -> Corpus:
    """Write ``n`` records as CSV to ``path`` (deterministic for ``seed`` and ``start``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for i, frame in enumerate(iter_corpus(n, taxonomy_path, seed=seed, start=start)):
            frame.write_csv(f, include_header=i == 0)
    return Corpus(path, n, path.stat().st_size)
