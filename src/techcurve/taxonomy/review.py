"""Reviewing the taxonomy against a store: what the last match linked, and which terms
occur nowhere.

- :func:`sample_matches` — random matched records of one sub-field with the terms that
  fired, so an analyst can judge precision;
- :func:`match_stats` — matches per sub-field and kind, and how many records match
  more than one sub-field;
- :func:`term_hits` / :func:`check_against_store` — which terms never match anything
  in a store (same normalisation and Aho–Corasick search as :mod:`techcurve.match`);
- :func:`summarize_findings` — findings counted by kind (from :mod:`techcurve.taxonomy.model`,
  where `taxonomy check` finds it without loading the store and the matcher).

Nothing here prints; errors are :class:`~techcurve.errors.TechcurveError` subclasses.
Every statement on the store is a function of :mod:`techcurve.store.taxonomy`.
"""

from __future__ import annotations

import difflib
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from techcurve.datatypes import RECORD_KINDS
from techcurve.errors import Phrase, QueryError, StoreError, TaxonomyError, phrase
from techcurve.match.batches import iter_record_batches
from techcurve.match.matcher import FIELDS, TEXT_FIELDS, count_text, field_hits, leaf_key
from techcurve.normalize import SEP, normalize
from techcurve.store import Meta, Store
from techcurve.store import taxonomy as stored
from techcurve.taxonomy.diff import term_label
from techcurve.taxonomy.model import Finding, Taxonomy, summarize_findings
from techcurve.taxonomy.query import Query, Term, parse_query

__all__ = [
    "KINDS",
    "MatchStats",
    "NotMatchedError",
    "SampleResult",
    "SampledRecord",
    "SubfieldStats",
    "UnknownSubfieldError",
    "check_against_store",
    "match_stats",
    "sample_matches",
    "summarize_findings",
    "term_hits",
]

#: the record kinds, in the order the tools show them
KINDS = tuple(k.value for k in RECORD_KINDS)


class NotMatchedError(StoreError):
    """The store holds no match yet, so there is nothing to sample or count."""


class UnknownSubfieldError(TaxonomyError):
    """No stored sub-field has the id asked for; the message suggests close ids."""


def _matched_store(store: Store) -> None:
    if store.count("subfields") == 0:
        raise NotMatchedError.of("taxonomy.review.not_matched", store=store.path)


def _unknown_subfield(store: Store, subfield_id: str) -> UnknownSubfieldError:
    rows = stored.subfield_names(store)
    ids = rows["subfield_id"].to_list()
    typed = subfield_id.strip().lower()
    prefixed = sorted((i for i in ids if i.startswith(typed) or typed.startswith(i)), key=len)
    close = list(dict.fromkeys(prefixed + difflib.get_close_matches(typed, ids, n=4, cutoff=0.6)))
    close = close[:4]
    # Analysts often type the name rather than the id.
    for sid, zh, en in rows.iter_rows():
        if typed in (str(zh).lower(), str(en).lower()) and sid not in close:
            close.insert(0, sid)
    quoted = [repr(c) for c in close]
    hint: Phrase | str = ""
    if len(quoted) > 1:
        hint = phrase("taxonomy.review.did_you_mean_any",
                      ids=", ".join(quoted[:-1]), last=quoted[-1])  # fmt: skip
    elif quoted:
        hint = phrase("taxonomy.review.did_you_mean", id=quoted[0])
    return UnknownSubfieldError.of(
        "taxonomy.review.unknown_subfield", id=repr(subfield_id), store=store.path, hint=hint
    )


# ------------------------------------------------------------------------ sample


@dataclass(frozen=True, slots=True)
class SampledRecord:
    """One matched record as :func:`sample_matches` shows it."""

    record_id: str
    kind: str
    year: int | None
    source: str
    title: str
    terms: str  # the positive terms that fired, "; "-joined
    where: str  # where the first fired term occurs: title, abstract, keywords or text


@dataclass(frozen=True, slots=True)
class SampleResult:
    """A random sample of one sub-field's matched records."""

    subfield_id: str
    name_zh: str
    name_en: str
    query: str
    matched: int  # records of the requested kind(s) that match
    by_kind: dict[str, int]
    count_series: tuple[str, ...]  # "source/kind: term" of linked count series
    records: tuple[SampledRecord, ...]
    seed: int | None = None


def _where(row: Mapping[str, Any], terms: Sequence[Term]) -> str:
    title = normalize(row.get("title"))
    for term in terms:
        if term.pattern and term.pattern in title:
            return "title"
    for name in ("abstract", "keywords"):
        text = normalize(row.get(name))
        if any(term.pattern and term.pattern in text for term in terms):
            return name
    return "text"  # the source's sector label, which unscoped terms also search


def _query_or_none(text: str) -> Query | None:
    try:
        return parse_query(text)
    except QueryError:
        return None


def _sampled_records(
    store: Store, subfield_id: str, chosen: list[str], query_text: str
) -> tuple[SampledRecord, ...]:
    """The chosen records as the sample shows them: title, terms fired and where."""
    if not chosen:
        return ()
    query = _query_or_none(query_text)
    records: list[SampledRecord] = []
    for row in stored.matched_records(store, subfield_id, chosen).iter_rows(named=True):
        fired = [x for x in (row["terms"] or "").split("; ") if x]
        terms = [x for x in (query.terms() if query else ()) if x.text in fired]
        title = row["title"] or (row["abstract"] or "")[:80] or "(no title)"
        records.append(
            SampledRecord(
                record_id=row["record_id"],
                kind=row["kind"],
                year=row["year"],
                source=row["source"],
                title=" ".join(str(title).split()),
                terms=row["terms"] or "",
                where=_where(row, terms),
            )
        )
    return tuple(records)


def sample_matches(
    store: Store,
    subfield_id: str,
    n: int = 20,
    *,
    seed: int | None = None,
    kind: str | None = None,
) -> SampleResult:
    """``n`` random records that the last match linked to ``subfield_id``.

    The same ``seed`` gives the same sample of the same store. ``kind`` keeps one
    evidence kind (patent, paper, article, financing). Raises
    :class:`~techcurve.errors.StoreError` if the store was never matched and
    :class:`~techcurve.errors.TaxonomyError` (with close ids) for an unknown id.

    >>> sample_matches(store, "ar", 5, seed=1).records[0].terms  # doctest: +SKIP
    'AR眼镜; 增强现实'
    """
    if n < 1:
        raise StoreError.of("taxonomy.review.sample_size", n=n)
    if kind is not None and kind not in KINDS:
        raise StoreError.of("taxonomy.review.unknown_kind", kind=repr(kind), kinds=", ".join(KINDS))
    _matched_store(store)
    info = stored.subfield_query(store, subfield_id)
    if info is None:
        raise _unknown_subfield(store, subfield_id)
    name_zh, name_en, query_text = info
    ids = stored.matched_record_ids(store, subfield_id, kind)
    chosen = sorted(random.Random(seed).sample(ids, min(n, len(ids))))
    series = stored.linked_count_series(store, subfield_id)
    return SampleResult(
        subfield_id=subfield_id,
        name_zh=name_zh,
        name_en=name_en,
        query=query_text,
        matched=len(ids),
        by_kind=stored.matches_by_kind(store, subfield_id),
        count_series=tuple(f"{s}/{k}: {term}" for s, k, term in series.iter_rows()),
        records=_sampled_records(store, subfield_id, chosen, query_text),
        seed=seed,
    )


# ------------------------------------------------------------------------- stats


@dataclass(frozen=True, slots=True)
class SubfieldStats:
    """Matches of one sub-field in a store."""

    subfield_id: str
    domain_id: str
    name_zh: str
    records: int
    by_kind: dict[str, int]
    shared: int  # of its records, how many also match another sub-field
    count_series: int


@dataclass(frozen=True, slots=True)
class MatchStats:
    """What the last match wrote, per sub-field, with the taxonomy that made it."""

    taxonomy_version: str | None
    taxonomy_hash: str | None
    taxonomy_path: str | None
    records: int
    records_by_kind: dict[str, int]
    matched_records: int
    multi_matched_records: int  # records linked to more than one sub-field
    multi_share: float  # multi_matched_records / matched_records (0 when none matched)
    count_series: int
    matched_count_series: int
    subfields: tuple[SubfieldStats, ...]


def _subfield_stats(store: Store) -> list[SubfieldStats]:
    """Each stored sub-field's matches, most records first, then most series, then id."""
    series = stored.count_series_per_subfield(store)
    by_sf: dict[str, dict[str, int]] = {}
    shared: Counter[str] = Counter()
    for sid, kind, n, s in stored.links_per_subfield_and_kind(store).iter_rows():
        by_sf.setdefault(sid, {})[kind] = int(n)
        shared[sid] += int(s)
    subs = []
    for sid, domain, zh in stored.subfield_domains(store).iter_rows():
        kinds = {k: by_sf.get(sid, {}).get(k, 0) for k in KINDS}
        subs.append(
            SubfieldStats(
                subfield_id=sid,
                domain_id=domain,
                name_zh=zh,
                records=sum(kinds.values()),
                by_kind=kinds,
                shared=shared[sid],
                count_series=int(series.get(sid, 0)),
            )
        )
    subs.sort(key=lambda s: (-s.records, -s.count_series, s.subfield_id))
    return subs


def match_stats(store: Store) -> MatchStats:
    """Matches per sub-field (by kind) and the share of matched records that match
    more than one sub-field, with the taxonomy version and hash recorded at match time.

    Sub-fields are sorted by matched records (most first), then id.
    """
    _matched_store(store)
    subs = _subfield_stats(store)
    matched, multi = stored.matched_record_totals(store)
    by_kind = {k: 0 for k in KINDS} | stored.records_by_kind(store)
    return MatchStats(
        taxonomy_version=store.get_meta(Meta.TAXONOMY_VERSION),
        taxonomy_hash=store.get_meta(Meta.TAXONOMY_HASH),
        taxonomy_path=store.get_meta(Meta.TAXONOMY_PATH),
        records=sum(by_kind.values()),
        records_by_kind=by_kind,
        matched_records=matched,
        multi_matched_records=multi,
        multi_share=multi / matched if matched else 0.0,
        count_series=stored.count_series_count(store),
        matched_count_series=stored.linked_count_series_count(store),
        subfields=tuple(subs),
    )


# ------------------------------------------------------------ term hits and lint


def term_hits(store: Store, taxonomy: Taxonomy) -> dict[Term, tuple[int, int]]:
    """For every leaf term of the taxonomy: (records it occurs in, count series it occurs in).

    Uses the matcher's own normalisation and search (:mod:`techcurve.match`): the same
    field columns, the same Aho–Corasick pass, the same count-series text (a tag is
    read both as spelled and with ``-``/``_`` as spaces). A term "occurs" whether or
    not its sub-field's whole query then matches.
    """
    leaves = {x for q in taxonomy.queries.values() for x in q.terms()}
    by_key: dict[str, list[Term]] = {}
    for leaf in leaves:
        by_key.setdefault(leaf_key(leaf), []).append(leaf)
    rec: Counter[str] = Counter()
    for batch in iter_record_batches(store, ["record_id", *TEXT_FIELDS, "ipc"]):
        rec.update(_hits_in_frame(batch, leaves))
    series = stored.count_series(store)
    cnt: Counter[str] = Counter()
    if series.height:
        text = count_text(series["term"])
        frame = pl.DataFrame(
            {
                "record_id": [str(i) for i in range(series.height)],
                "text_norm": text,
                "title_norm": text,
            }
        )
        cnt.update(_hits_in_frame(frame, {x for x in leaves if x.field in (None, "title")}))
    return {x: (rec[key], cnt[key]) for key, xs in by_key.items() for x in xs}


def _hits_in_frame(frame: pl.DataFrame, leaves: Iterable[Term]) -> Counter[str]:
    """Per leaf key, the number of rows of ``frame`` whose field holds the pattern."""
    out: Counter[str] = Counter()
    leaves = list(leaves)
    for fld in FIELDS:
        pats = sorted({x.pattern for x in leaves if x.field == fld and x.pattern})
        if not pats or (fld not in (None, "title") and fld not in frame.columns):
            continue
        # a record's hits are distinct: count the records each pattern occurs in
        found = field_hits(frame, fld, pats).explode().drop_nulls().value_counts()
        for k, n in found.iter_rows():
            out[f"{fld or ''}{SEP}{pats[k]}"] += n  # = leaf_key of the term
    return out


def check_against_store(taxonomy: Taxonomy, store: Store) -> list[Finding]:
    """Warnings for the terms that occur nowhere in ``store`` (records or count series).

    One ``unused-term`` finding per sub-field, listing its positive terms (those not
    under NOT) with no hit. Exclusions that never fire are not reported: they cost
    nothing. Raises :class:`~techcurve.errors.StoreError` for an empty store.
    """
    n_rec, n_cnt = store.count("records"), store.count("counts")
    if n_rec == 0 and n_cnt == 0:
        raise StoreError.of("taxonomy.review.empty_store", store=store.path)
    hits = term_hits(store, taxonomy)
    where = phrase("taxonomy.review.store_size",
                   records=f"{n_rec:,}", series=f"{stored.count_series_count(store):,}")  # fmt: skip
    out: list[Finding] = []
    for sf in taxonomy.subfields:
        q = taxonomy.queries.get(sf.id)
        if q is None:
            continue
        positives = set(q.positive_terms())
        positive = [x for x in q.terms() if x in positives]
        unused = [x for x in positive if hits.get(x, (0, 0)) == (0, 0)]
        if not unused:
            continue
        shown = ", ".join(repr(term_label(x)) for x in unused)
        key = "taxonomy.check.no_term_occurs" if len(unused) == len(positive) else (
            "taxonomy.check.terms_occur_nowhere")  # fmt: skip
        said = phrase(key, unused=len(unused), n=len(positive), where=where, terms=shown)
        out.append(Finding("warning", sf.id, said.say("en"), "unused-term", said))
    return out
