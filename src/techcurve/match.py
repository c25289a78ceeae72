"""Match: every sub-field query over every record in one pass.

How it works (see docs/architecture.md, "Match"):

1. The unique leaf patterns of all queries are grouped by field (whole text, title,
   abstract, keywords, IPC).
2. For each field, polars' Aho–Corasick search (``str.extract_many``, overlapping)
   finds every pattern in the normalised text column at once. Because text and
   patterns are normalised alike (ASCII runs wrapped in ``SEP``), a plain substring
   hit is word-bounded for ASCII and a substring for CJK.
3. Hits are exploded to (record, pattern) pairs and joined to the leaves of each
   sub-field, so only records that contain at least one of a sub-field's terms are
   candidates for it; the boolean structure (AND/OR/NOT) is then evaluated on those
   candidates with one vectorised polars expression per sub-field.

:func:`match_frame` is a pure function over a polars frame, so the local engine and
a distributed one can both call it on a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from .query import SEP, Query, Term, normalize, normalize_series
from .store import Store
from .taxonomy import Taxonomy

log = logging.getLogger(__name__)

#: The fields a query term can be scoped to, and how to get their normalised text.
FIELDS = (None, "title", "abstract", "keywords", "ipc")

_BATCH = 250_000


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What a match run wrote."""

    records: int
    links: int
    matched_records: int
    count_series: int
    count_links: int
    subfields: int


def _leaf_key(term: Term) -> str:
    return f"{term.field or ''}{SEP}{term.pattern}"


def _positive_terms(query: Query) -> set[Term]:
    """Leaves that can make the query true by being present (not under an odd number of NOTs)."""
    from . import query as q

    out: set[Term] = set()

    def walk(node: object, negated: bool) -> None:
        if isinstance(node, q.Term):
            if not negated:
                out.add(node)
        elif isinstance(node, q.Not):
            walk(node.item, not negated)
        elif isinstance(node, q.And | q.Or):
            for item in node.items:
                walk(item, negated)

    walk(query.root, False)
    return out


def _is_plain_or(query: Query) -> bool:
    """True if the query is a single term or an OR of terms: every candidate matches."""
    from . import query as q

    root = query.root
    if isinstance(root, q.Term):
        return True
    return isinstance(root, q.Or) and all(isinstance(i, q.Term) for i in root.items)


def _field_column(frame: pl.DataFrame, field: str | None) -> pl.Series:
    if field is None:
        return frame["text_norm"].fill_null("")
    if field == "title":
        return frame["title_norm"].fill_null("")
    if field == "ipc":
        # ";G06N3/08;H04L29/06;" so that ";G06N" is a prefix match on any code.
        codes = frame["ipc"].fill_null("").str.to_uppercase().str.replace_all(r"[\s]", "")
        return (";" + codes.str.replace_all(r"[,，;；]+", ";") + ";").alias("ipc")
    return normalize_series(frame[field].fill_null(""))


def match_frame(frame: pl.DataFrame, queries: Mapping[str, Query]) -> pl.DataFrame:
    """All ``queries`` over the records in ``frame``.

    ``frame`` needs ``record_id``, ``text_norm`` and, for scoped terms, ``title_norm``,
    ``abstract``, ``keywords`` and ``ipc``. Returns ``record_id, subfield_id, terms``
    (the positive terms that fired, ``"; "``-joined), one row per link, sorted.

    >>> from techcurve.query import parse_query, normalize
    >>> f = pl.DataFrame({"record_id": ["r1", "r2"],
    ...                   "text_norm": [normalize("ARM chips"), normalize("AR glasses")]})
    >>> match_frame(f, {"ar": parse_query("AR")}).rows()
    [('r2', 'ar', 'AR')]
    """
    empty = pl.DataFrame(schema={"record_id": pl.Utf8, "subfield_id": pl.Utf8, "terms": pl.Utf8})
    if frame.height == 0 or not queries:
        return empty
    leaves: list[tuple[str, str, str, str | None, str]] = []  # subfield, key, text, field, pattern
    for sid, q in queries.items():
        for t in q.terms():
            leaves.append((sid, _leaf_key(t), t.text, t.field, t.pattern))
    leaf_df = pl.DataFrame(
        leaves, schema=["subfield_id", "key", "text", "field", "pattern"], orient="row"
    )
    hit_frames = []
    for field in FIELDS:
        pats = sorted({lf[4] for lf in leaves if lf[3] == field and lf[4]})
        if not pats:
            continue
        if field is not None and field != "title" and field not in frame.columns:
            continue
        col = _field_column(frame, field)
        hits = (
            pl.DataFrame({"record_id": frame["record_id"], "pattern": col})
            .with_columns(pl.col("pattern").str.extract_many(pats, overlapping=True))
            .explode("pattern")
            .drop_nulls("pattern")
            .unique()
            .with_columns(pl.lit(f"{field or ''}{SEP}").alias("prefix"))
            .select("record_id", (pl.col("prefix") + pl.col("pattern")).alias("key"))
        )
        hit_frames.append(hits)
    if not hit_frames:
        return empty
    hits = pl.concat(hit_frames)
    pairs = hits.join(leaf_df.select("subfield_id", "key", "text"), on="key")
    if pairs.height == 0:
        return empty
    grouped = pairs.group_by("record_id", "subfield_id").agg(pl.col("key").unique().alias("keys"))
    kept = []
    for (sid,), part in grouped.partition_by("subfield_id", as_dict=True).items():
        q = queries[str(sid)]
        if not _is_plain_or(q):

            def present(t: Term) -> pl.Expr:
                return pl.col("keys").list.contains(_leaf_key(t))

            part = part.filter(q.to_expr(present))
        kept.append(part.select("record_id", "subfield_id"))
    links = pl.concat(kept)
    if links.height == 0:
        return empty
    # The terms that fired: the positive leaves (not under NOT) present in the record.
    positive = pl.DataFrame(
        [(sid, _leaf_key(t)) for sid, q in queries.items() for t in _positive_terms(q)],
        schema=["subfield_id", "key"],
        orient="row",
    )
    fired = (
        pairs.join(positive, on=["subfield_id", "key"], how="semi")
        .join(links, on=["record_id", "subfield_id"], how="semi")
        .group_by("record_id", "subfield_id")
        .agg(pl.col("text").unique().sort().str.join("; ").alias("terms"))
    )
    return (
        links.join(fired, on=["record_id", "subfield_id"], how="left")
        .with_columns(pl.col("terms").fill_null(""))
        .sort("record_id", "subfield_id")
    )


def write_taxonomy(store: Store, taxonomy: Taxonomy) -> None:
    """Store the taxonomy's domains and sub-fields (replacing the previous ones)."""
    domains = pl.DataFrame(
        {
            "domain_id": [d.id for d in taxonomy.domains],
            "name_zh": [d.name_zh for d in taxonomy.domains],
            "name_en": [d.name_en for d in taxonomy.domains],
            "aliases": [";".join(d.aliases) for d in taxonomy.domains],
        },
        schema={"domain_id": pl.Utf8, "name_zh": pl.Utf8, "name_en": pl.Utf8, "aliases": pl.Utf8},
    )
    subs = pl.DataFrame(
        {
            "subfield_id": [s.id for s in taxonomy.subfields],
            "domain_id": [s.domain for s in taxonomy.subfields],
            "name_zh": [s.name_zh for s in taxonomy.subfields],
            "name_en": [s.name_en for s in taxonomy.subfields],
            "query": [s.query for s in taxonomy.subfields],
            "definition": [s.definition for s in taxonomy.subfields],
        },
        schema={
            c: pl.Utf8
            for c in ("subfield_id", "domain_id", "name_zh", "name_en", "query", "definition")
        },
    )
    store.con.execute("DELETE FROM domains")
    store.con.execute("DELETE FROM subfields")
    store.append("domains", domains)
    store.append("subfields", subs)
    store.set_meta("taxonomy_version", taxonomy.version)
    store.set_meta("taxonomy_hash", taxonomy.hash)
    store.set_meta("taxonomy_path", str(taxonomy.path))


def _count_text(terms: pl.Series) -> pl.Series:
    """Count-series terms as matchable text: the term, and the term with - and _ as spaces.

    Stack Overflow tags spell phrases with hyphens (``augmented-reality``); the second
    form lets the phrase "augmented reality" match them too.
    """
    spaced = terms.str.replace_all(r"[-_]+", " ")
    return normalize_series(terms) + " | " + normalize_series(spaced)


def match_counts(store: Store, queries: Mapping[str, Query]) -> pl.DataFrame:
    """Link count-series terms to sub-fields and pick one primary series per sub-field.

    A sub-field's query is matched against each series' term. Several terms can match
    one sub-field (e.g. "Machine learning" and "Supervised learning"); adding their
    counts would double-count, so for each (sub-field, source, kind) the series with the
    largest total count is marked ``is_primary`` and only it feeds the indicators.
    """
    series = store.sql(
        "SELECT source, term, kind, sum(count) AS n FROM counts GROUP BY source, term, kind"
    )
    schema = {
        "source": pl.Utf8,
        "term": pl.Utf8,
        "kind": pl.Utf8,
        "subfield_id": pl.Utf8,
        "is_primary": pl.Boolean,
    }
    if series.height == 0:
        return pl.DataFrame(schema=schema)
    series = series.with_row_index("i").with_columns(pl.col("i").cast(pl.Utf8).alias("record_id"))
    frame = series.select("record_id", _count_text(series["term"]).alias("text_norm")).with_columns(
        pl.col("text_norm").alias("title_norm")
    )
    links = match_frame(frame, queries)
    if links.height == 0:
        return pl.DataFrame(schema=schema)
    joined = links.join(series, on="record_id").sort(
        ["subfield_id", "source", "kind", "n", "term"],
        descending=[False, False, False, True, False],
    )
    ranked = joined.with_columns(
        (pl.int_range(pl.len()).over("subfield_id", "source", "kind") == 0).alias("is_primary")
    )
    return ranked.select(list(schema)).cast(schema)  # type: ignore[arg-type]


def match_store(
    store: Store,
    taxonomy: Taxonomy,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> MatchResult:
    """Re-match every record and count series in ``store`` against ``taxonomy``.

    Writes the taxonomy, ``matches`` and ``count_matches`` in one transaction.
    ``progress(done, total)`` is called after each batch of records.
    """
    queries = taxonomy.queries
    total = store.count("records")
    link_frames: list[pl.DataFrame] = []
    done = 0
    cols = "record_id, text_norm, title_norm, abstract, keywords, ipc"
    for offset in range(0, max(total, 1), _BATCH):
        if total == 0:
            break
        batch = store.sql(
            f"SELECT {cols} FROM records ORDER BY record_id LIMIT {_BATCH} OFFSET {offset}"
        )
        link_frames.append(match_frame(batch, queries))
        done += batch.height
        if progress:
            progress(done, total)
    links = (
        pl.concat(link_frames)
        if link_frames
        else pl.DataFrame(schema={"record_id": pl.Utf8, "subfield_id": pl.Utf8, "terms": pl.Utf8})
    )
    count_links = match_counts(store, queries)
    with store.transaction():
        write_taxonomy(store, taxonomy)
        store.con.execute("DELETE FROM matches")
        store.append("matches", links)
        store.con.execute("DELETE FROM count_matches")
        store.append("count_matches", count_links)
    matched = links["record_id"].n_unique() if links.height else 0
    log.info(
        "matched %d records: %d links, %d count links", total, links.height, count_links.height
    )
    return MatchResult(
        records=total,
        links=links.height,
        matched_records=matched,
        count_series=count_links.select("source", "term", "kind").unique().height
        if count_links.height
        else 0,
        count_links=count_links.height,
        subfields=len(queries),
    )


__all__ = [
    "MatchResult",
    "match_counts",
    "match_frame",
    "match_store",
    "normalize",
    "write_taxonomy",
]
