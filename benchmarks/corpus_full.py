"""A corpus where most sub-fields get placed: real titles of the data pack, recombined.

:func:`write_full_corpus` writes a CSV with the ``generic`` profile's columns
(``source_id, kind, title, date``) from the titles of the data pack (``TECHCURVE_DATA``,
default ``/work/shared/data``; see its README):

* **kinds**: 35% patents, 35% papers, 30% articles. A patent's title is a Chinese
  media title (36氪/掘金/少数派 hot lists, 科技爱好者周刊, Linux中国) for 70% and an
  English paper title (NeurIPS/ICML/ICLR, arXiv cs/eess) otherwise; a paper's an
  English paper title for 80%, a Chinese title otherwise; an article's a Chinese title
  for 60%, a Hacker News top-10 title otherwise.
* **terms**: 60% of the records carry one positive term of one sub-field of the
  taxonomy (in the title's language where the sub-field has one), put before or after
  the real title. Sub-fields are drawn with weights ∝ rank^-0.7 over a seeded order, so
  a few are common and the rarest still get ~0.2% of the records (~1,300 at 1M).
* **dates**: each sub-field has a seeded life: a birth year (1998–2016) and a spread;
  its papers come first, patents ~2 years later, articles from ~1 year later, each in a
  hump after that start (70%) or evenly from it to 2023 (30%); years stop at 2023. Records without a term are dated uniformly over 1995–2023, so shares
  have a background. The real titles themselves also contain terms (AI, 5G …), as real
  data does.

Deterministic for a given ``seed``. ~90 bytes of CSV per record (92 MB at 1M).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from techcurve.taxonomy import DEFAULT_TAXONOMY, load_taxonomy

from .corpus import Corpus

DATA = Path(os.environ.get("TECHCURVE_DATA", "/work/shared/data"))
KINDS = ("patent", "paper", "article")
KIND_P = (0.35, 0.35, 0.30)
# share of each kind's titles taken from the Chinese pool (the rest: English)
ZH_SHARE = {"patent": 0.7, "paper": 0.2, "article": 0.6}
TERM_P = 0.6
FIRST_YEAR, LAST_YEAR = 1995, 2023
# years after the sub-field's birth at which each kind starts (papers lead patents)
# share of a sub-field's records spread evenly from its start to the last year (the rest:
# a hump after its birth), so that every sub-field has recent evidence of each kind
TAIL_P = 0.3
KIND_LAG = {"patent": 2.0, "paper": 0.0, "article": 1.0}


def title_pools(data: Path = DATA) -> dict[str, list[str]]:
    """The data pack's titles: ``zh`` (Chinese media), ``en_paper``, ``en_article``."""

    def col(name: str, column: str) -> list[str]:
        df = pl.read_csv(data / name, columns=[column], infer_schema=False)
        s = df[column].drop_nulls().str.replace_all(r"[\r\n]+", " ").str.strip_chars()
        return [x for x in s.to_list() if x]

    return {
        "zh": col("media_cn/hotlist_36kr_juejin_sspai_2023_2026.csv", "title")
        + col("media/ruanyf_weekly_titles.csv", "title")
        + col("media_cn/linuxcn_lctt_titles_2013_2024.csv", "title_zh"),
        "en_paper": col("papers/ml_conference_titles.csv", "title")
        + col("papers/arxiv_cs_eess_titles_1993_2019.csv", "title"),
        "en_article": col("attention/hn_daily_top10_2010_2026.csv", "title"),
    }


def subfield_terms(taxonomy: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Per sub-field, its unscoped positive terms split into (CJK, ASCII)."""
    tax = load_taxonomy(taxonomy)
    out: dict[str, tuple[list[str], list[str]]] = {}
    for sid, q in tax.queries.items():
        terms = sorted({t.text for t in q.positive_terms() if t.field is None})
        zh = [t for t in terms if any(ord(c) > 127 for c in t)]
        en = [t for t in terms if all(ord(c) <= 127 for c in t)]
        if zh or en:
            out[sid] = (zh or en, en or zh)
    return out


def _gather(pool: list[str], idx: np.ndarray) -> np.ndarray:
    return np.asarray(pool, dtype=object)[idx]


def full_frame(
    rows: int, taxonomy: Path = DEFAULT_TAXONOMY, seed: int = 18, data: Path = DATA
) -> pl.DataFrame:
    """The corpus as one frame (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    pools = title_pools(data)
    subs = subfield_terms(taxonomy)
    sids = list(subs)
    order = rng.permutation(len(sids))
    weight = np.empty(len(sids))
    weight[order] = np.arange(1, len(sids) + 1, dtype=np.float64) ** -0.7
    weight /= weight.sum()
    birth = rng.uniform(1998, 2016, len(sids))
    spread = rng.uniform(1.5, 5.0, len(sids))

    kind = rng.choice(len(KINDS), size=rows, p=KIND_P)
    kinds = np.asarray(KINDS, dtype=object)[kind]
    zh = rng.random(rows) < np.vectorize(ZH_SHARE.get)(kinds).astype(float)
    titles = np.empty(rows, dtype=object)
    n_zh = int(zh.sum())
    titles[zh] = _gather(pools["zh"], rng.integers(0, len(pools["zh"]), n_zh))
    en_idx = np.flatnonzero(~zh)
    paperish = kinds[en_idx] != "article"
    for pool, idx in (("en_paper", en_idx[paperish]), ("en_article", en_idx[~paperish])):
        titles[idx] = _gather(pools[pool], rng.integers(0, len(pools[pool]), idx.size))

    years = rng.integers(FIRST_YEAR, LAST_YEAR + 1, rows).astype(np.float64)
    with_term = np.flatnonzero(rng.random(rows) < TERM_P)
    sub = rng.choice(len(sids), size=with_term.size, p=weight)
    lag = np.vectorize(KIND_LAG.get)(kinds[with_term]).astype(float)
    start = birth[sub] + lag
    hump = start + rng.gamma(2.0, spread[sub])
    tail = start + rng.random(with_term.size) * np.maximum(LAST_YEAR + 1 - start, 0.0)
    years[with_term] = np.where(rng.random(with_term.size) < TAIL_P, tail, hump)
    front = rng.random(with_term.size) < 0.5
    pick = rng.random(with_term.size)
    for j, (i, s) in enumerate(zip(with_term, sub, strict=True)):
        terms = subs[sids[s]][0 if zh[i] else 1]
        term = terms[int(pick[j] * len(terms))]
        titles[i] = f"{term} {titles[i]}" if front[j] else f"{titles[i]} {term}"
    years = np.clip(np.floor(years), FIRST_YEAR, LAST_YEAR).astype(np.int64)
    month = rng.integers(1, 13, rows)
    day = rng.integers(1, 29, rows)
    return pl.DataFrame(
        {
            "source_id": [f"F{i}" for i in range(rows)],
            "kind": kinds.tolist(),
            "title": titles.tolist(),
            "year": years,
            "month": month,
            "day": day,
        }
    ).select(
        "source_id",
        "kind",
        "title",
        pl.date(pl.col("year"), pl.col("month"), pl.col("day")).cast(pl.Utf8).alias("date"),
    )


def write_full_corpus(
    path: Path, rows: int, taxonomy: Path = DEFAULT_TAXONOMY, seed: int = 18
) -> Corpus:
    """Write :func:`full_frame` as CSV to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    full_frame(rows, taxonomy, seed).write_csv(path)
    return Corpus(path, rows, path.stat().st_size)
