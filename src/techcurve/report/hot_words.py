"""The hot-words page: the ten sub-fields with the highest opinion index."""

from __future__ import annotations

from techcurve.report.context import ReportContext
from techcurve.report.format import is_nan
from techcurve.report.model import HotWord, HotWordsPage
from techcurve.text import t


def hot_words_page(ctx: ReportContext) -> HotWordsPage:
    lang = ctx.lang
    rows = [
        r for r in ctx.summary_rows if r.opinion_index is not None and not is_nan(r.opinion_index)
    ]
    rows.sort(key=lambda r: (-float(r.opinion_index or 0), r.subfield_id))
    top = tuple(
        HotWord(
            rank=i + 1,
            subfield_id=r.subfield_id,
            name=r.name,
            domain=r.domain,
            opinion_index=round(float(r.opinion_index or 0), 2),
        )
        for i, r in enumerate(rows[:10])
    )
    if len(top) >= 3:
        title = t("report.title.hot", lang, a=top[0].name, b=top[1].name, c=top[2].name)
    elif top:
        title = t("report.title.hot_one", lang, a=top[0].name)
    else:
        title = ""
    return HotWordsPage(
        action_title=title,
        rows=top,
        empty=None if top else t("report.no_data", lang, what=t("report.no_data.opinion", lang)),
        source=ctx.source(("article",)),
        provenance=ctx.provenance(("article", "attention")),
    )
