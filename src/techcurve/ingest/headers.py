"""The header names the generic profile knows, in English and Chinese.

An analyst's own table rarely names its columns after store fields: ``标题, 日期, 网站``
or ``Title, Published, Site``. :func:`generic_columns` finds, for each store field, the
columns that feed it, by the names below; headers are compared as
:func:`header_key` prints them (NFKC, so full-width brackets and letters are ASCII; no
spaces, ``-`` or ``_``; lower case), so ``Publish Date``, ``publish_date`` and
``发表时间`` all match. Where several columns fit one field the first non-empty one wins,
in the order listed (``机构`` before ``作者``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: Store field → the header names that feed it, most specific first. A field named
#: here and ``title`` are what make the generic profile fit a file.
GENERIC_HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题", "题名", "题目", "篇名", "文章标题", "新闻标题", "headline"),
    "date": ("date", "日期", "发表时间", "发布时间", "发表日期", "发布日期", "出版日期",
             "出版时间", "时间", "publish_date", "published", "published_at", "pub_date",
             "publication_date", "created_at", "created"),
    "year": ("year", "年", "年份", "年度", "出版年", "发表年份", "publication_year"),
    "source": ("source", "site", "网站", "来源", "来源网站", "站点", "媒体", "平台",
               "platform", "website"),
    "source_id": ("source_id", "id", "编号", "记录编号", "序号", "record_id"),
    "abstract": ("abstract", "摘要", "内容摘要", "简介", "概要", "summary", "description",
                 "desc"),
    "keywords": ("keywords", "关键词", "关键字", "tags", "tag", "标签", "keyword"),
    "organization": ("organization", "organisation", "机构", "作者单位", "单位", "affiliation",
                     "institution", "作者", "author", "authors"),
    "venue": ("venue", "期刊", "刊名", "期刊名称", "出版物", "journal", "publication",
              "出处", "栏目"),
    "url": ("url", "链接", "网址", "link", "href"),
    "kind": ("kind", "类型", "记录类型"),
    "amount": ("amount", "amount_text", "金额", "融资金额", "money"),
    "currency": ("currency", "币种", "货币"),
    "round": ("round", "round_raw", "轮次", "融资轮次"),
    "investors": ("investors", "投资方", "投资机构", "投资人"),
    "sector": ("sector", "行业", "领域"),
    "ipc": ("ipc", "分类号", "ipc分类号"),
}  # fmt: skip


def header_key(name: str) -> str:
    """A header as compared with :data:`GENERIC_HEADERS`: NFKC, no spaces, ``-`` or
    ``_``, lower case."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", name)).lower()


def generic_columns(columns: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Store field → the columns of the file (as it spells them) that feed it, in the
    order of :data:`GENERIC_HEADERS`; a column feeds one field only (the first that
    names it).

    >>> generic_columns(["标题", "日期", "网站", "备注"])
    {'title': ('标题',), 'date': ('日期',), 'source': ('网站',)}
    """
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(header_key(c), c)
    taken: set[str] = set()
    out: dict[str, tuple[str, ...]] = {}
    for field_name, names in GENERIC_HEADERS.items():
        hits: list[str] = []
        for n in names:
            col = by_key.get(header_key(n))
            if col is not None and col not in taken:
                hits.append(col)
                taken.add(col)
        if hits:
            out[field_name] = tuple(hits)
    return out
