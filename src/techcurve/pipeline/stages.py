"""The library API: one function per pipeline stage, each taking the store path.

The CLI is a thin layer over these; a notebook user calls them directly::

    import techcurve.pipeline as tc
    tc.init("my.duckdb")
    tc.ingest("my.duckdb", ["rounds.csv"], kind="financing", profile="crunchbase")
    tc.match("my.duckdb")
    tc.compute("my.duckdb")
    tc.assess("my.duckdb")
    tc.curve("my.duckdb", ["curve.svg", "curve.png"])
    tc.report("my.duckdb", "report.html")
    tc.run("my.duckdb", ["patents.csv"], profile="cnipa", out="out/")   # all of it at once

Every function opens the store, does its stage in a transaction where it writes, and
closes the store again, so stages can be re-run alone and in any later process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from techcurve import config as _config
from techcurve.datatypes import IngestSummary
from techcurve.errors import AssessError, ReportError, StoreError
from techcurve.store import DEFAULT_DB, Meta, Store, init_store
from techcurve.store.assessments import has_assessments
from techcurve.store.indicators import has_subfields

if TYPE_CHECKING:
    from techcurve.indicators import IndicatorsResult
    from techcurve.match import MatchResult
    from techcurve.taxonomy import Taxonomy

# The matcher, the indicators and the taxonomy are imported by the stages that use them:
# `techcurve curve` and `techcurve report` need none of them (≈ 0.15 s, docs/performance.md,
# "Start-up").

log = logging.getLogger(__name__)

PathLike = str | Path


def init(db: PathLike = DEFAULT_DB, *, force: bool = False) -> Path:
    """Create the store (an existing current store is kept unless ``force``)."""
    return init_store(db, force=force)


def ingest(
    db: PathLike,
    paths: Sequence[PathLike],
    *,
    kind: str | None = None,
    profile: str | None = None,
    mapping: PathLike | None = None,
    rejects_dir: PathLike | None = None,
    dry_run: bool = False,
    as_of: date | None = None,
    encoding: str | None = None,
    config: PathLike | None = None,
    progress: Callable[[int], None] | None = None,
    taxonomy: PathLike | Taxonomy | None = None,
    keep_going: bool = False,
    fallback_encoding: str | None = None,
    max_amount: float | None = None,
) -> list[IngestSummary]:
    """Ingest record files (patents, papers, articles, financing events).

    All files are checked and read first, then stored together: all or none, unless
    ``keep_going`` (the files that cannot be ingested are left out, their summaries
    say why). ``fallback_encoding`` decodes CSV lines not in the file's encoding;
    ``max_amount`` (CNY) overrides the config key ``ingest.max_amount_cny``.

    ``taxonomy``: match the records against it while they are read, when the store's
    links are current for it (no records yet, or last matched with the same queries);
    follow with :func:`match` with the same taxonomy, which then only has left what
    could not be matched on the way (:func:`ingest_and_match` does both).
    """
    from techcurve.ingest.files import ingest_records
    from techcurve.pipeline.linking import TaxonomyMatcher

    cfg = _config.load_config(config)
    if max_amount is not None:
        cfg["ingest"] = {**_config.section(cfg, "ingest"), "max_amount_cny": max_amount}
    tax = taxonomy_for(None, taxonomy) if taxonomy is not None else None
    with Store.open(db) as st:
        return ingest_records(
            st,
            list(paths),
            kind=kind or "auto",  # auto: the profile's or the mapping's kind
            profile=profile,
            mapping=mapping,
            rejects_dir=rejects_dir,
            dry_run=dry_run,
            as_of=as_of,
            encoding=encoding,
            config=cfg,
            progress=progress,
            matcher=TaxonomyMatcher(tax) if tax is not None else None,
            keep_going=keep_going,
            fallback_encoding=fallback_encoding,
        )


@dataclass(frozen=True, slots=True)
class IngestMatchResult:
    """What :func:`ingest_and_match` did: each file's summary, and the match that
    followed (None on a dry run, or when no file stored a record)."""

    ingest: list[IngestSummary]
    match: MatchResult | None


def ingest_and_match(
    db: PathLike,
    paths: Sequence[PathLike],
    *,
    taxonomy: PathLike | Taxonomy | None,
    kind: str | None = None,
    profile: str | None = None,
    mapping: PathLike | None = None,
    rejects_dir: PathLike | None = None,
    dry_run: bool = False,
    as_of: date | None = None,
    encoding: str | None = None,
    config: PathLike | None = None,
    progress: Callable[[int], None] | None = None,
    match_progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    keep_going: bool = False,
    fallback_encoding: str | None = None,
    max_amount: float | None = None,
) -> IngestMatchResult:
    """:func:`ingest` matching against ``taxonomy`` while reading, then :func:`match`
    with it for what is left (the links are the same as from ``ingest`` then ``match``);
    with no ``taxonomy``, :func:`ingest` alone (``match`` is None).

    ``progress`` gets the rows read, ``match_progress`` the match's (done, total), and
    ``on_stage`` ``"match"`` when the match starts. The taxonomy is loaded once.
    """
    tax = taxonomy_for(None, taxonomy) if taxonomy is not None else None
    summaries = ingest(
        db,
        paths,
        kind=kind,
        profile=profile,
        mapping=mapping,
        rejects_dir=rejects_dir,
        dry_run=dry_run,
        as_of=as_of,
        encoding=encoding,
        config=config,
        progress=progress,
        taxonomy=tax,
        keep_going=keep_going,
        fallback_encoding=fallback_encoding,
        max_amount=max_amount,
    )
    if tax is None or dry_run or not any(s.stored for s in summaries):
        return IngestMatchResult(summaries, None)
    if on_stage is not None:
        on_stage("match")
    return IngestMatchResult(summaries, match(db, taxonomy=tax, progress=match_progress))


def ingest_counts(
    db: PathLike,
    paths: Sequence[PathLike],
    *,
    profile: str | None = None,
    kind: str | None = None,
    source: str | None = None,
    term: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[IngestSummary]:
    """Ingest count-level evidence (search-hit counts per term and year)."""
    from techcurve.ingest.counts import ingest_counts as _ingest_counts

    with Store.open(db) as st:
        return _ingest_counts(
            st,
            list(paths),
            profile=profile,
            kind=kind,
            source=source,
            term=term,
            dry_run=dry_run,
            progress=progress,
        )


def taxonomy_for(db: PathLike | None, path: PathLike | Taxonomy | None = None) -> Taxonomy:
    """The taxonomy to use: ``path`` (or a loaded one), else the one the store last
    matched with, else the default."""
    from techcurve.taxonomy import Taxonomy, load_taxonomy  # noqa: PLC0415

    if isinstance(path, Taxonomy):
        return path
    if path is not None:
        return load_taxonomy(path)
    if db is not None and Path(db).exists():
        with Store.open(db, read_only=True) as st:
            stored = st.get_meta(Meta.TAXONOMY_PATH)
        if stored and Path(stored).exists():
            return load_taxonomy(stored)
    return load_taxonomy(None)


def match(
    db: PathLike,
    *,
    taxonomy: PathLike | Taxonomy | None = None,
    progress: Callable[[int, int], None] | None = None,
    full: bool = False,
) -> MatchResult:
    """Match records and count series against the taxonomy's queries.

    By default only what changed is re-matched: new records, and new or edited
    queries; ``full`` re-matches everything.
    """
    from techcurve.match import match_store  # noqa: PLC0415

    tax = taxonomy_for(db, taxonomy)
    with Store.open(db) as st:
        if st.count("records") == 0 and st.count("counts") == 0:
            raise StoreError.of("pipeline.no_evidence", db=db)
        return match_store(st, tax, progress=progress, full=full)


def compute(
    db: PathLike, *, as_of: date | None = None, config: PathLike | None = None
) -> IndicatorsResult:
    """Compute indicators per sub-field per year and the as-of summary; writes the
    ``indicators`` and ``summary`` tables and the as-of date in one transaction."""
    from techcurve.indicators import compute_indicators  # noqa: PLC0415

    cfg = _config.load_config(config)
    with Store.open(db) as st:
        if not has_subfields(st):
            raise StoreError.of("indicators.no_taxonomy", db=db)
        with st.transaction():
            return compute_indicators(st, as_of=as_of, config=cfg)


def assess(
    db: PathLike,
    *,
    model: str = "snapshot",
    overrides: PathLike | None = None,
    as_of: date | None = None,
    config: PathLike | None = None,
) -> pl.DataFrame:
    """Place every sub-field on the curve; writes and returns the ``assessments`` table.

    The store's current expert placements are applied every time (the ``expert_*`` and
    ``final_*`` columns); ``overrides`` (an overrides YAML) is first imported into them
    (origin ``yaml``; entries already there are not added twice)."""
    from techcurve.assess import assess as assess_frame
    from techcurve.assess import load_overrides, needing
    from techcurve.assess.placements import import_overrides, stored_overrides
    from techcurve.store import assessments as stored

    cfg = _config.load_config(config)
    with Store.open(db) as st:
        summary = stored.summary(st)
        if summary is None:
            raise needing("indicators", AssessError.of("assess.no_indicators", db=db))
        indicators = stored.indicators(st)
        params = _config.section(cfg, "assess").get(model, {})
        known = set(summary["subfield_id"].to_list())
        ovr = load_overrides(overrides, known_ids=known) if overrides else None
        if ovr:
            with st.transaction():
                import_overrides(st, ovr)
        frame = assess_frame(
            summary, indicators, model=model, params=params or None,
            overrides=stored_overrides(st, known), as_of=as_of,
        )  # fmt: skip
        stored.write_assessments(st, frame, model=model, params=params)
        return frame


def require_assessments(st: Store, db: PathLike) -> None:
    """A :class:`ReportError` when the store holds no assessment (for the outputs)."""
    if not has_assessments(st):
        raise ReportError.of("pipeline.no_assessments", db=db)


def curve(
    db: PathLike,
    out_paths: Sequence[PathLike],
    *,
    lang: str = "zh",
    title: str | None = None,
    compare: str | None = None,
    domains: Sequence[str] = (),
    labels: str = "auto",
    size: str = "auto",
) -> list[Path]:
    """Draw the maturity curve to each of ``out_paths`` (format from the extension).

    The cut-off is the store's as-of date and the footer names the sources behind the
    records and count series; ``compare`` names a saved edition: movement arrows go
    from its positions. ``domains`` (domain ids) draws one curve per domain instead of
    the full curve: with one domain to ``out_paths`` as given, with several each path
    gets ``-<domain id>`` before its extension. ``labels`` (``auto``, ``names``,
    ``numbers``) and ``size`` (``auto``, ``a4``, ``16:9``): see
    :func:`techcurve.render.curve.render_curve`.
    """
    from techcurve.render.curve import curve_from_store
    from techcurve.render.curve.output import domain_paths
    from techcurve.render.sources import source_line

    paths = [Path(p) for p in out_paths]
    with Store.open(db, read_only=True) as st:
        require_assessments(st, db)
        line = source_line(st, lang)
        written: list[Path] = []
        chosen: list[str | None] = list(domains) or [None]
        for dom in chosen:
            written += curve_from_store(
                st,
                domain_paths(paths, dom) if dom is not None and len(domains) > 1 else paths,
                lang=lang,
                title=title,
                compare=compare,
                source_line=line,
                domain=dom,
                labels=labels,
                size=size,
            )
        return written


def report(
    db: PathLike,
    out: PathLike,
    *,
    lang: str = "zh",
    title: str | None = None,
    pages: PathLike | None = None,
    config: PathLike | None = None,
) -> Path:
    """Write the self-contained report (HTML, PDF for a ``.pdf`` name, a PowerPoint deck
    for ``.pptx``) at the store's as-of date, and its data beside it; returns the
    report's path. ``pages`` is a folder of the analyst's pages (Markdown), by default
    the setting ``report.pages`` of ``config``."""
    from techcurve.config import load_config, section
    from techcurve.report import build_report
    from techcurve.store import Meta

    if pages is None:
        pages = section(load_config(config), "report").get("pages")
    with Store.open(db, read_only=True) as st:
        require_assessments(st, db)
        as_of = st.get_meta(Meta.AS_OF)
        folder = Path(pages) if pages is not None else None
        return build_report(st, Path(out), lang=lang, as_of=as_of, title=title, pages=folder)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What :func:`run` did, stage by stage, and how long each stage took."""

    ingest: list[IngestSummary]
    match: MatchResult
    indicators: IndicatorsResult
    phases: dict[str, int]  # phase ("" = insufficient evidence) → sub-fields
    curve: list[Path]  # empty when no sub-field has a position to draw
    report: Path
    seconds: dict[str, float]  # stage → wall seconds, in the order run


def run(
    db: PathLike,
    files: Sequence[PathLike] = (),
    *,
    out: PathLike,
    taxonomy: PathLike | Taxonomy | None = None,
    kind: str = "auto",
    profile: str | None = None,
    mapping: PathLike | None = None,
    rejects_dir: PathLike | None = None,
    encoding: str | None = None,
    as_of: date | None = None,
    model: str = "snapshot",
    overrides: PathLike | None = None,
    lang: str = "zh",
    title: str | None = None,
    config: PathLike | None = None,
    progress: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    keep_going: bool = False,
    fallback_encoding: str | None = None,
    max_amount: float | None = None,
) -> RunResult:
    """The whole pipeline in one call: ingest → match → indicators → assess → curve
    and report (``out/curve.svg``, ``out/curve.png``, ``out/report.html``).

    The store is created if it does not exist. ``files`` are ingested as
    :func:`ingest` would (one ``kind``/``profile``/``mapping`` for all; files that need
    different ones are ingested first, then ``run`` with no files does the rest), matched
    against ``taxonomy`` while they are read. ``as_of`` is the evidence cut-off of the
    indicators and the assessment (later records are stored, not used; ingest rejects
    only dates after today).
    Re-running with the same files stores nothing new and re-matches nothing.
    ``progress`` gets the rows read (as for :func:`ingest`), ``on_stage`` the name of
    each stage as it starts. The report takes the analyst's pages of the ``config``'s
    ``report.pages`` setting, if any.
    """
    laps = _Laps(on_stage)
    if not Path(db).exists():
        init(db)
    tax = taxonomy_for(db, taxonomy)
    summaries: list[IngestSummary] = []
    if files:
        summaries = ingest(
            db, files, kind=kind, profile=profile, mapping=mapping, rejects_dir=rejects_dir,
            encoding=encoding, config=config, progress=progress, taxonomy=tax,
            keep_going=keep_going, fallback_encoding=fallback_encoding, max_amount=max_amount,
        )  # fmt: skip
        laps.done("ingest", "match")
    matched = match(db, taxonomy=tax)
    laps.done("match", "indicators")
    computed = compute(db, as_of=as_of, config=config)
    laps.done("indicators", "assess")
    frame = assess(db, model=model, overrides=overrides, as_of=as_of, config=config)
    laps.done("assess", "curve")
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    drawn = _draw_if_placed(db, frame, outdir, lang=lang, title=title)
    laps.done("curve", "report")
    written = report(db, outdir / "report.html", lang=lang, title=title, config=config)
    laps.done("report", None)
    phases = dict(frame.group_by("phase").len().rows()) if frame.height else {}
    return RunResult(
        ingest=summaries,
        match=matched,
        indicators=computed,
        phases={str(p or ""): int(n) for p, n in phases.items()},
        curve=drawn,
        report=written,
        seconds=laps.seconds,
    )


class _Laps:
    """Wall seconds per stage of :func:`run`, telling ``on_stage`` which one starts next."""

    def __init__(self, on_stage: Callable[[str], None] | None) -> None:
        self.seconds: dict[str, float] = {}
        self._on_stage = on_stage
        self._started = time.perf_counter()

    def done(self, stage: str, following: str | None) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self._started
        self._started = now
        if following and self._on_stage:
            self._on_stage(following)


def _draw_if_placed(
    db: PathLike, frame: pl.DataFrame, outdir: Path, *, lang: str, title: str | None
) -> list[Path]:
    """``curve.svg`` and ``curve.png`` in ``outdir``, when some sub-field has a position."""
    from techcurve.editions import select_assessments

    if not frame.height or select_assessments(frame)["plot_position"].is_null().all():
        return []
    return curve(db, [outdir / "curve.svg", outdir / "curve.png"], lang=lang, title=title)
