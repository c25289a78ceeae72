"""Wikipedia: monthly page views of a sub-field's article in zh and en (Wikimedia REST).

The titles come from the taxonomy's ``wiki:`` field (``wiki: {zh: 区块链, en:
Blockchain}``); a sub-field without one is said in a note. One request per article
gives every month: ``/metrics/pageviews/per-article/{lang}.wikipedia.org/all-access/
user/{title}/monthly/{start}/{end}``; the totals are the project's
``/metrics/pageviews/aggregate/…``. The series are stored as ``wikipedia_zh`` and
``wikipedia_en`` (kind ``attention``), each against its own edition's total views. The
API's data start in July 2015; a 404 is an article without views in the range (or a
title that is no article), stored as no points.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from techcurve.datatypes import SubField
from techcurve.errors import phrase
from techcurve.fetch.base import Call, Connector, Plan, Point, Series, Years, need, schema_changed
from techcurve.taxonomy.query import Query

BASE = "https://wikimedia.org/api/rest_v1/metrics/pageviews"
LANGS = ("zh", "en")
#: the first month the pageview API has
FIRST = (2015, 7)


def source_of(lang: str) -> str:
    return f"wikipedia_{lang}"


class Wikipedia(Connector):
    name: ClassVar[str] = "wikipedia"
    api_version: ClassVar[str] = "wikimedia-rest-v1"
    # Wikimedia asks for at most 100 requests a second and a descriptive User-Agent
    interval: ClassVar[tuple[float, float]] = (0.05, 0.05)
    not_found_is_empty: ClassVar[bool] = True

    def plan(self, subfield: SubField, query: Query) -> Plan:
        titles = {"zh": subfield.wiki_zh, "en": subfield.wiki_en}
        series = tuple(
            Series(source_of(lang), "attention", titles[lang]) for lang in LANGS if titles[lang]
        )
        notes = tuple(
            phrase("fetch.note.no_article", lang=lang) for lang in LANGS if not titles[lang]
        )
        return Plan(subfield.id, series, notes)

    def calls(self, series: Series | None, source: str, kind: str, years: Years) -> list[Call]:
        months = years.months(since=FIRST)
        if not months:
            return []
        (y0, m0), (y1, m1) = months[0], months[-1]
        span = f"monthly/{y0:04d}{m0:02d}0100/{y1:04d}{m1:02d}{_last_day(y1, m1):02d}00"
        project = source.removeprefix("wikipedia_") + ".wikipedia.org"
        if series is None:
            url = f"{BASE}/aggregate/{project}/all-access/user/{span}"
        else:
            title = quote(series.term.replace(" ", "_"), safe="")
            url = f"{BASE}/per-article/{project}/all-access/user/{title}/{span}"
        term = None if series is None else series.term
        open_ = (y1, m1) == (years.today.year, years.today.month)
        return [Call(source, kind, term, url, (), None, open_, tuple(months))]

    def parse(self, call: Call, payload: Any) -> list[Point]:
        items = need(self, call, payload, "items", list)
        points: list[Point] = []
        for i, item in enumerate(items):
            stamp = need(self, call, item, "timestamp", str)
            views = need(self, call, item, "views", int)
            if len(stamp) < 6 or not stamp[:6].isdigit():
                raise schema_changed(self, call, f"items[{i}].timestamp")
            points.append((int(stamp[:4]), int(stamp[4:6]), float(views)))
        return sorted(points)


def _last_day(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


CONNECTOR = Wikipedia()
