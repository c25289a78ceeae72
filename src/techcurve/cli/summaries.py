"""How the stages' results are printed: the lines and tables ``ingest``, ``match``,
``indicators``, ``assess`` and ``run`` (and ``scale``) end with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from techcurve.cli.common import Ctx, out_console
from techcurve.datatypes import YearsBand
from techcurve.errors import TechcurveError
from techcurve.text import Lang, t

if TYPE_CHECKING:  # the stages load when a command runs them, not for `--help`
    from techcurve.datatypes import IngestSummary
    from techcurve.indicators import IndicatorsResult
    from techcurve.match import MatchResult
    from techcurve.pipeline.explain import ExplainResult, Placement

#: record kinds with a short name of their own in ``explain``'s record lines
_KINDS = ("patent", "paper", "article", "financing", "attention")
_BAND_KEYS = {
    YearsBand.LT2: "lt2",
    YearsBand.Y2_5: "y2_5",
    YearsBand.Y5_10: "y5_10",
    YearsBand.GT10: "gt10",
    YearsBand.OBSOLETE: "obsolete",
}


def band_label(band: YearsBand | None, lang: Lang) -> str:
    """A years-to-plateau band as the curve's legend names it (``curve.band.*``)."""
    return t(f"curve.band.{_BAND_KEYS[band] if band is not None else 'none'}", lang)


_INGEST_COLUMNS = ("file", "profile", "read", "stored", "duplicates", "rejected")


def print_ingest(
    ctx: Ctx, summaries: Sequence[IngestSummary], dry_run: bool, *, emit: bool = True
) -> None:
    """One table row per file read, then where each file's rejected rows went."""
    if emit:
        ctx.emit(list(summaries))
    if ctx.quiet or ctx.json:
        return
    table = Table(
        *(ctx.t(f"cli.ingest.{column}") for column in _INGEST_COLUMNS),
        title=ctx.t("cli.ingest.dry_run") if dry_run else None,
    )
    for s in summaries:
        if s.skipped is not None:
            continue
        table.add_row(
            Path(s.path).name,
            s.profile,
            f"{s.rows_read:,}",
            f"{s.stored:,}",
            f"{s.duplicates:,}",
            f"{s.rejected:,}",
        )
    out_console.print(table)
    for s in summaries:
        name = Path(s.path).name
        if s.skipped is not None:
            e = s.skipped_error
            error = e.text(ctx.lang) if isinstance(e, TechcurveError) else s.skipped
            ctx.say(ctx.t("cli.ingest.skipped", file=name, error=escape(error)))
            continue
        if s.rejects_path:
            ctx.say(ctx.t("cli.ingest.rejects", file=name, path=s.rejects_path))
        if s.undated:
            ctx.say(ctx.t("cli.ingest.undated", file=name, n=s.undated))
        if s.unused_columns:
            columns = ctx.t("cli.list_sep").join(s.unused_columns)
            ctx.say(ctx.t("cli.ingest.unused", file=name, columns=escape(columns)))


def say_links(ctx: Ctx, res: MatchResult) -> None:
    """The line every match (local or on an engine) ends with."""
    ctx.say(
        ctx.t(
            "cli.match.links",
            records=res.records,
            subfields=res.subfields,
            links=res.links,
            matched=res.matched_records,
            series=res.count_series,
        )
    )


def say_rematched(ctx: Ctx, res: MatchResult) -> None:
    """What an incremental match did again (nothing printed after a full match)."""
    if res.mode != "full":
        ctx.say(
            ctx.t(
                "cli.match.rematched",
                mode=res.mode,
                records=res.rematched_records,
                subfields=res.rematched_subfields,
            )
        )


def say_indicators(ctx: Ctx, res: IndicatorsResult) -> None:
    """The line the indicator stage ends with."""
    ctx.say(
        ctx.t(
            "cli.indicators.done",
            as_of=res.as_of,
            rows=res.indicator_rows,
            subfields=res.subfields,
            without=res.without_evidence,
        )
    )


def say_phases(ctx: Ctx, phases: Mapping[str, int]) -> None:
    """How many sub-fields each phase holds ("": insufficient evidence)."""
    counts = sorted(phases.items())
    parts = [f"{p or ctx.t('cli.assess.insufficient')} {n}" for p, n in counts]
    ctx.say(ctx.t("cli.assess.done", phases=ctx.t("cli.list_sep").join(parts)))


def _say_plain(text: str) -> None:
    """One line holding user text (titles, names, an expert's why): never read as markup."""
    out_console.print(escape(text), highlight=False, soft_wrap=True)


def _placement_parts(p: Placement, lang: Lang) -> dict[str, str]:
    return {
        "phase": p.phase.label(lang) if p.phase else t("cli.assess.insufficient", lang),
        "position": "–" if p.position is None else f"{p.position:.3f}",
        "band": band_label(p.years_band, lang),
    }


def print_explain(res: ExplainResult) -> None:
    """The sub-field, then per model: its placement, the final (expert) one when an
    override moved it, the phase probabilities and the reasons; then the records."""
    lang, sf = res.lang, res.subfield
    head = f"{sf.name_zh} / {sf.name_en}"
    out_console.print(
        f"[bold]{escape(head)}[/bold] ({escape(sf.subfield_id)}, {escape(sf.domain_id)})",
        highlight=False,
        soft_wrap=True,
    )
    _say_plain(t("cli.explain.query", lang, query=sf.query))
    for a in res.assessments:
        conf = "–" if a.confidence is None else f"{a.confidence:.2f}"
        placement = t(
            "cli.explain.placement",
            lang,
            **_placement_parts(a.model_placement, lang),
            confidence=conf,
        )
        _say_plain("\n" + t("cli.explain.model", lang, model=a.model, placement=placement))
        if a.expert is not None:
            _say_plain(t("cli.explain.final", lang, **_placement_parts(a.final, lang)))
            when = a.expert.when or "–"
            _say_plain(t("cli.explain.expert", lang, who=a.expert.who, when=when, why=a.expert.why))
        if a.probabilities:
            sep = t("report.sep.list", lang)
            probs = sep.join(
                t("cli.explain.probability", lang, phase=ph.label(lang), p=p)
                for ph, p in a.probabilities
            )
            _say_plain(t("cli.explain.probabilities", lang, probs=probs))
        for sentence in a.reasons:
            _say_plain(f"  • {sentence}")
    if res.records:
        _say_plain("\n" + t("cli.explain.records", lang))
        for r in res.records:
            kind = t(f"cli.explain.kind.{r.kind}", lang) if r.kind in _KINDS else r.kind
            _say_plain(
                t(
                    "cli.explain.record",
                    lang,
                    when=r.when,
                    kind=kind,
                    title=r.title,
                    source=r.source,
                    terms=r.terms,
                )
            )
