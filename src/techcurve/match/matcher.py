"""Match: every sub-field query over every record in one pass.

How it works (see docs/architecture.md, "Match", and docs/performance.md):

1. The unique leaf patterns of all queries are grouped by field (whole text, title,
   abstract, keywords, IPC).
2. For each field, polars' Aho–Corasick search (``str.extract_many``, overlapping,
   run lazily so it uses every core) lists the distinct patterns in each record's
   normalised text. Because text and patterns are normalised alike (ASCII runs
   wrapped in ``SEP``), a plain substring hit is word-bounded for ASCII and a
   substring for CJK.
3. A record's links depend only on which patterns it holds, so records are grouped
   by their hit lists and the rest works once per distinct hit set (at 1M records
   × 1,000 queries: 230k sets for 740k records with hits).
4. Hits are joined to the leaves of each sub-field; per (hit set, sub-field) the
   leaves present become one 64-bit mask. Whether a query holds, and which positive
   terms fired, depend on nothing but (sub-field, mask): each distinct pair is decided
   once in Python with ``Query.evaluate`` (cached across batches) and joined back.

:func:`match_frame` is a pure function over a polars frame, so the local engine
(:func:`match_store`, streaming the store in Arrow batches) and the Dask engine
(:mod:`techcurve.scaleout`) both call it on batches.

Incremental matching (:func:`match_store`): the ``match_queries`` table (created
here) records the canonical query each sub-field's links reflect, and the meta keys
``match_watermark`` / ``match_watermark_records`` / ``match_version`` which records
(``ingest_id`` ≤ watermark) were matched. A run matches new records against every
query and older records only against new or edited queries.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from techcurve.normalize import SEP, normalize, normalize_arrow, normalize_series
from techcurve.store import COUNT_MATCH_COLUMNS, Store
from techcurve.taxonomy import Taxonomy
from techcurve.taxonomy.query import Query, Term

if TYPE_CHECKING:
    from techcurve.match.fastmatch import Automaton

log = logging.getLogger(__name__)

#: The fields a query term can be scoped to, and how to get their normalised text.
FIELDS = (None, "title", "abstract", "keywords", "ipc")

_BATCH = 500_000  # records per streamed batch


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What a match run wrote."""

    records: int
    links: int
    matched_records: int
    count_series: int
    count_links: int
    subfields: int
    mode: str = "full"  # "full" or "incremental"
    rematched_records: int = 0  # record rows read and matched by this run
    rematched_subfields: int = 0  # sub-fields matched over the older records


def _leaf_key(term: Term) -> str:
    return f"{term.field or ''}{SEP}{term.pattern}"


def _positive_terms(query: Query) -> set[Term]:
    """Leaves that can make the query true by being present (not under an odd number of NOTs)."""
    from techcurve.taxonomy import query as q

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
    from techcurve.taxonomy import query as q

    root = query.root
    if isinstance(root, q.Term):
        return True
    return isinstance(root, q.Or) and all(isinstance(i, q.Term) for i in root.items)


#: The record fields unscoped terms search, joined by spaces in this order.
TEXT_FIELDS = ("title", "abstract", "keywords", "sector")


def _field_text(frame: pl.DataFrame, field: str | None) -> pa.Array:
    """The text terms of ``field`` search (``None``: :data:`TEXT_FIELDS`), normalised.

    Normalised here, as the records are matched: the store keeps the text as ingested.
    A caller that has the normalised text already passes it as ``text_norm`` (all
    fields) and ``title_norm``.
    """
    if field is None:
        if "text_norm" in frame.columns:
            return frame["text_norm"].fill_null("").to_arrow()
        have = [c for c in TEXT_FIELDS if c in frame.columns]
        text = frame.select(pl.concat_str(have, separator=" ", ignore_nulls=True))
        return normalize_arrow(text.to_series())
    if field == "title" and "title_norm" in frame.columns:
        return frame["title_norm"].fill_null("").to_arrow()
    if field == "ipc":
        # ";G06N3/08;H04L29/06;" so that ";G06N" is a prefix match on any code.
        codes = frame["ipc"].fill_null("").str.to_uppercase().str.replace_all(r"[\s]", "")
        return (";" + codes.str.replace_all(r"[,，;；]+", ";") + ";").to_arrow()
    return normalize_arrow(frame[field])


def match_text(frame: pl.DataFrame, field: str | None = None) -> pl.Series:
    """What the matcher searches in each record: the normalised text of ``field``
    (``None``: :data:`TEXT_FIELDS` joined; ``"title"``, ``"abstract"``, ``"keywords"``;
    ``"ipc"``: the codes as ``";CODE;CODE;"``).

    >>> match_text(pl.DataFrame({"title": ["5G专网"], "abstract": ["AR眼镜"]}))[0]
    '\x1f5g\x1f专网 \x1far\x1f眼镜'
    """
    return pl.Series(_fkey(field) or "text", _field_text(frame, field), dtype=pl.Utf8)


def field_hits(frame: pl.DataFrame, field: str | None, patterns: Sequence[str]) -> pl.Series:
    """Each record's distinct ``patterns`` in the text of ``field``, as sorted indices
    into ``patterns`` (a ``list[u32]`` column): the matcher's one search."""
    from techcurve.match.fastmatch import find_all  # noqa: PLC0415 - Numba, when matching
    from techcurve.normalize.fastnorm import string_buffers  # noqa: PLC0415

    data, offsets = string_buffers(_field_text(frame, field))
    rows, ids = find_all(_automata(tuple(patterns)), data, offsets)
    lists = pa.LargeListArray.from_arrays(pa.array(rows), pa.array(ids.view(np.uint32)))
    return pl.Series(_fkey(field), lists, dtype=pl.List(pl.UInt32))


@functools.lru_cache(maxsize=16)
def _automata(patterns: tuple[str, ...]) -> tuple[Automaton, ...]:
    from techcurve.match.fastmatch import compile_patterns  # noqa: PLC0415

    return compile_patterns(patterns)


_LINKS_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.Utf8(),
    "subfield_id": pl.Utf8(),
    "terms": pl.Utf8(),
}

#: Sub-fields with more leaves than this get their leaf sets as lists instead of bit masks.
_MASK_BITS = 63
_MIN_SLICE = 20_000  # records per thread below which one thread does all the work
_SID_BITS = 20  # a (row, sub-field) pair is packed into one UInt64: row << 20 | sub-field


def _fkey(field: str | None) -> str:
    return field or ""


@dataclass(frozen=True, slots=True)
class _Plan:
    """The queries compiled once for many batches.

    Sub-field ``i`` is ``sids[i]`` (sorted, so sorting by index sorts by id); its
    leaves are ``leaves[i]`` and leaf ``j`` is bit ``1 << j`` of a record's mask.
    ``table`` maps each searched ``(field, pattern)`` to every leaf that has it.
    ``outcomes`` caches, per ``(sub-field, leaf set)``, the ``terms`` text of a match
    or ``None`` for no match: a record's links depend only on which leaves it holds.
    """

    patterns: dict[str, list[str]]  # field key ("" = all text) → sorted unique patterns
    sids: tuple[str, ...]
    queries: tuple[Query, ...]
    leaves: tuple[tuple[Term, ...], ...]
    positive: tuple[frozenset[Term], ...]
    table: pl.DataFrame  # field, pattern (UInt32: index in patterns[field]), sidx, bit, leaf
    wide: frozenset[int]  # sub-fields with more than _MASK_BITS leaves
    outcomes: dict[tuple[int, int | tuple[int, ...]], str | None]

    def outcome(self, sidx: int, present: tuple[int, ...]) -> str | None:
        """``terms`` of a record holding leaves ``present`` of sub-field ``sidx``, or None."""
        leaves = self.leaves[sidx]
        hits = {leaves[j] for j in present}
        if not self.queries[sidx].evaluate(hits):
            return None
        pos = self.positive[sidx]
        return "; ".join(sorted({t.text for t in hits if t in pos}))


_COMPILING = threading.Lock()


@functools.lru_cache(maxsize=8)
def _compile(items: tuple[tuple[str, Query], ...]) -> _Plan:
    ordered = sorted(items, key=lambda kv: kv[0])
    if len(ordered) >= 1 << _SID_BITS:
        raise ValueError(f"at most {1 << _SID_BITS} sub-fields can be matched at once")
    patterns: dict[str, set[str]] = {}
    rows: list[tuple[str, str, int, int, int]] = []
    leaves: list[tuple[Term, ...]] = []
    wide: set[int] = set()
    for i, (_, q) in enumerate(ordered):
        terms = tuple(t for t in q.terms() if t.pattern)
        leaves.append(terms)
        if len(terms) > _MASK_BITS:
            wide.add(i)
        for j, t in enumerate(terms):
            patterns.setdefault(_fkey(t.field), set()).add(t.pattern)
            rows.append((_fkey(t.field), t.pattern, i, (1 << j) if j < _MASK_BITS else 0, j))
    ordered_patterns = {f: sorted(p) for f, p in patterns.items()}
    index = {f: {p: k for k, p in enumerate(ps)} for f, ps in ordered_patterns.items()}
    table = pl.DataFrame(
        [(f, index[f][p], i, bit, j) for f, p, i, bit, j in rows],
        schema={
            "field": pl.Utf8,
            "pattern": pl.UInt32,
            "sidx": pl.UInt32,
            "bit": pl.UInt64,
            "leaf": pl.UInt16,
        },
        orient="row",
    )
    for _f, ps in ordered_patterns.items():
        _automata(tuple(ps))  # compiled now, once, not by each thread matching a slice
    return _Plan(
        patterns=ordered_patterns,
        sids=tuple(sid for sid, _ in ordered),
        queries=tuple(q for _, q in ordered),
        leaves=tuple(leaves),
        positive=tuple(frozenset(_positive_terms(q)) for _, q in ordered),
        table=table,
        wide=frozenset(wide),
        outcomes={},
    )


def _bits(mask: int) -> tuple[int, ...]:
    return tuple(j for j in range(_MASK_BITS) if mask >> j & 1)


def match_frame(
    frame: pl.DataFrame, queries: Mapping[str, Query], *, parallel: bool = True
) -> pl.DataFrame:
    """All ``queries`` over the records in ``frame``.

    ``frame`` needs ``record_id``, the text fields (:data:`TEXT_FIELDS`, or their
    normalised forms as one ``text_norm`` column) and, for scoped terms, ``title`` (or
    ``title_norm``), ``abstract``, ``keywords`` and ``ipc``; the text is normalised here. Returns ``record_id, subfield_id, terms``
    (the positive terms that fired, sorted, ``"; "``-joined), one row per link, in the
    frame's row order and then by sub-field id. A pure function: the local engine and
    the Dask engine both call it on batches, and its result on all records is the
    union of its results on any split of them. ``parallel``: split a large frame over
    polars' threads (off for a caller that already runs batches side by side).

    >>> from techcurve.taxonomy.query import parse_query
    >>> f = pl.DataFrame({"record_id": ["r1", "r2"], "title": ["ARM chips", "AR glasses"]})
    >>> match_frame(f, {"ar": parse_query("AR")}).rows()
    [('r2', 'ar', 'AR')]
    """
    if frame.height == 0 or not queries:
        return pl.DataFrame(schema=_LINKS_SCHEMA)
    links = match_rows(frame, queries, parallel=parallel)
    return links.select(
        pl.lit(frame["record_id"]).gather(pl.col("row")).alias("record_id"),
        "subfield_id",
        "terms",
    )


def match_rows(
    frame: pl.DataFrame, queries: Mapping[str, Query], *, parallel: bool = True
) -> pl.DataFrame:
    """:func:`match_frame` with each link's record as its row in ``frame`` (``row``,
    UInt32) instead of its id: ``row, subfield_id, terms``. ``frame`` needs no
    ``record_id``."""
    if frame.height == 0 or not queries:
        return pl.DataFrame(schema={"row": pl.UInt32(), **_LINKS_SCHEMA}).drop("record_id")
    with _COMPILING:  # ingest threads ask at once: compiled once, by the first
        plan = _compile(tuple(queries.items()))
    links = _match_rows(frame, plan, parallel=parallel)
    return links.select(
        "row",
        pl.lit(pl.Series(plan.sids, dtype=pl.Utf8)).gather(pl.col("sidx")).alias("subfield_id"),
        pl.col("terms"),
    )


def _match_rows(frame: pl.DataFrame, plan: _Plan, *, parallel: bool) -> pl.DataFrame:
    """``row, sidx, terms`` of every link, by row and then sub-field."""
    threads = pl.thread_pool_size()
    if not parallel or threads < 2 or frame.height < 2 * _MIN_SLICE:
        return _match_slice(frame, plan)
    # Slices of the records are independent: one per thread keeps every core busy
    # through the whole pipeline (polars and Aho–Corasick release the GIL).
    n = min(threads, frame.height // _MIN_SLICE)
    size = -(-frame.height // n)
    starts = range(0, frame.height, size)
    with ThreadPoolExecutor(len(starts)) as pool:
        parts = pool.map(lambda i: _match_slice(frame.slice(i, size), plan, first=i), starts)
        return pl.concat(list(parts))


_ROWS_SCHEMA: dict[str, pl.DataType] = {"row": pl.UInt32(), "sidx": pl.UInt32(), "terms": pl.Utf8()}


def _match_slice(frame: pl.DataFrame, plan: _Plan, first: int = 0) -> pl.DataFrame:
    """:func:`_match_rows` of one slice; its rows numbered from ``first``."""
    empty = pl.DataFrame(schema=_ROWS_SCHEMA)
    # 1. every field's distinct hits per row, as one list column per field
    lists: dict[str, pl.Series] = {}
    for fkey, pats in plan.patterns.items():
        field = fkey or None
        if field is not None and field != "title" and field not in frame.columns:
            continue
        lists[f"h{len(lists)}"] = field_hits(frame, field, pats)
    if not lists:
        return empty
    # 2. records that hold the same hits have the same links: work once per distinct
    # hit set (a third of the records at 1M) and hand the links back to the records
    rows = pl.DataFrame(list(lists.values()), schema=list(lists)).with_row_index("row")
    cols = list(lists)
    rows = rows.filter(pl.any_horizontal(pl.col(c).list.len() > 0 for c in cols))
    groups = rows.group_by(cols).agg(pl.col("row")).with_row_index("set_id")
    hits = pl.concat(
        [
            groups.select("set_id", pl.col(c).alias("pattern"))
            .explode("pattern")
            .drop_nulls("pattern")
            .with_columns(pl.lit(lists[c].name).alias("field"))
            for c in cols
        ]
    )
    # 3. the leaves each hit set holds, per sub-field: a bit mask per (set, sub-field)
    pairs = hits.join(plan.table, on=["field", "pattern"]).select(
        (pl.col("set_id").cast(pl.UInt64) * (1 << _SID_BITS) + pl.col("sidx")).alias("key"),
        "sidx",
        "bit",
        "leaf",
    )
    wide = pl.Series(sorted(plan.wide), dtype=pl.UInt32)
    narrow = pairs.filter(~pl.col("sidx").is_in(wide.implode())) if plan.wide else pairs
    sets = narrow.group_by("key").agg(pl.col("sidx").first(), pl.col("bit").sum().alias("set"))
    # 4. the boolean structure, once per distinct (sub-field, leaf set), in Python
    decided = [_decide(plan, sets, lambda m: _bits(int(m)), pl.UInt64)]
    if plan.wide:
        wsets = (
            pairs.filter(pl.col("sidx").is_in(wide.implode()))
            .group_by("key")
            .agg(pl.col("sidx").first(), pl.col("leaf").unique().sort().alias("set"))
        )
        decided.append(_decide(plan, wsets, lambda s: tuple(int(j) for j in s), pl.List(pl.UInt16)))
    set_links = pl.concat(decided).select(
        (pl.col("key") // (1 << _SID_BITS)).cast(pl.UInt32).alias("set_id"), "sidx", "terms"
    )
    if set_links.height == 0:
        return empty
    out = (
        groups.select(pl.col("set_id").cast(pl.UInt32), "row")
        .join(set_links, on="set_id")
        .explode("row")
        .sort("row", "sidx")
    )
    return out.select((pl.col("row") + first).cast(pl.UInt32), "sidx", "terms")


def _decide(
    plan: _Plan,
    sets: pl.DataFrame,
    present: Callable[[Any], tuple[int, ...]],
    dtype: pl.DataType | type[pl.DataType],
) -> pl.DataFrame:
    """Keep the (row, sub-field) sets whose query holds, with their ``terms``."""
    combos = sets.select("sidx", "set").unique()
    decided: list[tuple[int, object, str]] = []
    for sidx, leaf_set in combos.iter_rows():
        ckey = (sidx, leaf_set if isinstance(leaf_set, int) else tuple(leaf_set))
        if ckey in plan.outcomes:
            terms = plan.outcomes[ckey]
        else:
            terms = plan.outcomes[ckey] = plan.outcome(sidx, present(leaf_set))
        if terms is not None:
            decided.append((sidx, leaf_set, terms))
    table = pl.DataFrame(
        decided,
        schema={"sidx": pl.UInt32, "set": dtype, "terms": pl.Utf8},
        orient="row",
    )
    return sets.join(table, on=["sidx", "set"]).select("key", "sidx", "terms")


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
    schema = COUNT_MATCH_COLUMNS
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


#: Bumped when a change to the matcher changes which records match: stores matched by
#: another version are re-matched in full.
MATCH_VERSION = "2"

_STATE_DDL = """
CREATE TABLE IF NOT EXISTS match_queries (subfield_id VARCHAR PRIMARY KEY, query VARCHAR);
"""


def needed_columns(queries: Mapping[str, Query]) -> list[str]:
    """The ``records`` columns :func:`match_frame` reads for these queries."""
    fields = {t.field for q in queries.values() for t in q.terms()}
    want = set(TEXT_FIELDS) if None in fields else {f for f in fields if f is not None}
    return ["record_id", *(c for c in (*TEXT_FIELDS, "ipc") if c in want)]


def iter_record_batches(
    store: Store, columns: list[str], where: str = "", rows: int = _BATCH
) -> Iterator[pl.DataFrame]:
    """Records as polars frames of at most ``rows`` rows, streamed through Arrow.

    Reads on a cursor of its own (a second connection to the same database), so the
    caller may write to the store between batches.
    """
    cur = store.con.cursor()
    try:
        cur.execute("SET enable_progress_bar = false")  # a cursor has its own settings
        sql = f"SELECT {', '.join(columns)} FROM records" + (f" WHERE {where}" if where else "")
        reader = cur.sql(sql).to_arrow_reader(rows)
        for batch in reader:
            if batch.num_rows:
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                yield frame
    finally:
        cur.close()


def _read_ahead(batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """``batches``, with the next one read by a thread while the caller works on this one.

    At most one batch waits. When the caller stops early (an error while matching),
    the reading thread stops too and closes its cursor before this returns.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not put(("batch", batch)):
                    return
            put(("end", None))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, re-raised there
            put(("error", e))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="techcurve-records", daemon=True)
    reader.start()
    try:
        while True:
            what, item = ready.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


@dataclass(frozen=True, slots=True)
class _State:
    watermark: int  # every record with ingest_id <= watermark has been matched
    records: int  # how many such records there were then
    queries: dict[str, str]  # sub-field → the canonical query its links reflect


def _load_state(store: Store) -> _State | None:
    store.con.execute(_STATE_DDL)
    if store.get_meta("match_version") != MATCH_VERSION:
        return None
    wm, n = store.get_meta("match_watermark"), store.get_meta("match_watermark_records")
    if wm is None or n is None:
        return None
    rows = store.con.execute("SELECT subfield_id, query FROM match_queries").fetchall()
    return _State(int(wm), int(n), {str(a): str(b) for a, b in rows})


def _current_state(store: Store, watermark: int) -> _State | None:
    """The match state if it still describes the store's older records (none removed,
    none without an ingest id, none newer than ``watermark`` = the highest ingest id
    now matched over), else ``None``: the next run must be a full one."""
    state = _load_state(store)
    if state is None:
        return None
    old = _int(store, f"SELECT count(*) FROM records WHERE ingest_id <= {state.watermark}")
    unknown = _int(store, "SELECT count(*) FROM records WHERE ingest_id IS NULL")
    if old != state.records or unknown or watermark < state.watermark:
        return None
    return state


def _save_state(store: Store, queries: Mapping[str, Query], watermark: int, records: int) -> None:
    store.con.execute("DELETE FROM match_queries")
    store.append(
        "match_queries",
        pl.DataFrame(
            {"subfield_id": list(queries), "query": [str(q) for q in queries.values()]},
            schema={"subfield_id": pl.Utf8, "query": pl.Utf8},
        ),
    )
    store.set_meta("match_version", MATCH_VERSION)
    store.set_meta("match_watermark", str(watermark))
    store.set_meta("match_watermark_records", str(records))


def _int(store: Store, sql: str) -> int:
    row = store.one(sql)
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]


def _recreate_matches(store: Store) -> None:
    """Empty ``matches``: DuckDB deletes millions of rows slowly (~50 s for 2M links when
    the table had a key), while dropping it and re-creating it from its own DDL takes
    no time."""
    ddl = store.one("SELECT sql FROM duckdb_tables() WHERE table_name = 'matches'")
    if ddl is None:
        store.con.execute("DELETE FROM matches")
        return
    store.con.execute("DROP TABLE matches")
    store.con.execute(str(ddl[0]))


def _result(
    store: Store,
    taxonomy: Taxonomy,
    count_links: pl.DataFrame,
    mode: str,
    done: int,
    changed: int,
    totals: tuple[int, int] | None = None,
) -> MatchResult:
    """What a run wrote; ``totals`` = (links, matched records) when the run counted
    them itself (a full run sees every link once), else they are counted in the store."""
    links, matched = (
        totals or store.one("SELECT count(*), count(DISTINCT record_id) FROM matches") or (0, 0)
    )
    return MatchResult(
        records=store.count("records"),
        links=int(links),  # type: ignore[call-overload]
        matched_records=int(matched),  # type: ignore[call-overload]
        count_series=count_links.select("source", "term", "kind").unique().height
        if count_links.height
        else 0,
        count_links=count_links.height,
        subfields=len(taxonomy.queries),
        mode=mode,
        rematched_records=done,
        rematched_subfields=changed,
    )


def replace_matches(
    store: Store,
    taxonomy: Taxonomy,
    links: pl.DataFrame,
    *,
    watermark: int | None = None,
    records: int | None = None,
) -> MatchResult:
    """Store ``links`` computed elsewhere (e.g. on a cluster) as the whole ``matches`` table.

    Also writes the taxonomy and re-matches the count series, in one transaction. When
    ``watermark`` and ``records`` say which records the links cover and they are still
    the store's records, later ``match_store`` runs can be incremental from there;
    otherwise the next one is a full run.
    """
    queries = taxonomy.queries
    count_links = match_counts(store, queries)
    current = _int(store, "SELECT max(ingest_id) FROM records")
    total = store.count("records")
    with store.transaction():
        write_taxonomy(store, taxonomy)
        _recreate_matches(store)
        store.append("matches", links.select("record_id", "subfield_id", "terms"))
        store.con.execute("DELETE FROM count_matches")
        store.append("count_matches", count_links)
        store.con.execute(_STATE_DDL)
        if watermark == current and records == total:
            _save_state(store, queries, current, total)
        else:
            store.set_meta("match_version", "")
    return _result(store, taxonomy, count_links, "full", links.height, len(queries))


def in_step(store: Store, taxonomy: Taxonomy) -> bool:
    """Whether records ingested from now on may be matched while they are read, their
    links simply added: what an incremental :func:`match_store` would then do anyway.

    True when the store holds no records yet, or when its links reflect exactly the
    taxonomy's queries over every record it holds (the match state is current).
    """
    if store.count("records") == 0:
        return True
    watermark = _int(store, "SELECT max(ingest_id) FROM records")
    state = _current_state(store, watermark)
    return (
        state is not None
        and state.watermark == watermark  # every record matched
        and state.queries == {s: str(q) for s, q in taxonomy.queries.items()}
    )


def add_ingested_links(store: Store, taxonomy: Taxonomy, insert_links: Callable[[], int]) -> int:
    """Store the links of the records one ingest just stored, matched while they were
    read (when :func:`in_step` held before it), and move the match state past them.

    Runs inside the ingest's transaction, after its records are stored;
    ``insert_links`` inserts the links into ``matches`` and returns how many. With no
    older records, ``matches`` is emptied first, as a full run would. The taxonomy is
    written as :func:`match_store` writes it; count series are left to it.
    """
    fresh = _int(store, "SELECT count(*) FROM records WHERE ingest_id < "
                 "(SELECT max(ingest_id) FROM records)") == 0  # fmt: skip
    write_taxonomy(store, taxonomy)
    store.con.execute(_STATE_DDL)
    if fresh:
        _recreate_matches(store)
    n = insert_links()
    watermark = _int(store, "SELECT max(ingest_id) FROM records")
    _save_state(store, taxonomy.queries, watermark, store.count("records"))
    return n


def match_store(
    store: Store,
    taxonomy: Taxonomy,
    *,
    progress: Callable[[int, int], None] | None = None,
    full: bool = False,
) -> MatchResult:
    """Match the records and count series in ``store`` against ``taxonomy``.

    Incremental unless ``full``: records ingested since the last match are matched
    against every query, and the sub-fields whose query changed (or that are new) are
    re-matched over the older records; links of removed sub-fields are dropped. What
    the links reflect is kept in the ``match_queries`` table (sub-field → canonical
    query) and the meta keys ``match_watermark`` (the highest ``ingest_id`` matched),
    ``match_watermark_records`` and ``match_version``; when they do not describe the
    store any more (records removed, a newer matcher), the run is a full one.

    Records are streamed in Arrow batches of ``_BATCH`` rows, so memory stays flat
    however many records the store holds. Everything is written in one transaction.
    ``progress(done, total)`` is called after each batch of records.
    """
    queries = taxonomy.queries
    total = store.count("records")
    watermark = _int(store, "SELECT max(ingest_id) FROM records")
    state = None if full else _current_state(store, watermark)
    store.con.execute(_STATE_DDL)
    # (which queries, over which records) jobs; each is one streamed pass
    jobs: list[tuple[dict[str, Query], str]] = []
    if state is None:
        mode, changed = "full", dict(queries)
        jobs.append((changed, ""))
        drop_sql: list[str] = []
        rematched = total
    else:
        mode = "incremental"
        changed = {s: q for s, q in queries.items() if state.queries.get(s) != str(q)}
        gone = [s for s in state.queries if s not in queries]
        drop = sorted(set(changed) | set(gone))
        drop_sql = []
        if drop:
            ids = ", ".join("'" + s.replace("'", "''") + "'" for s in drop)
            drop_sql.append(f"DELETE FROM matches WHERE subfield_id IN ({ids})")
        new_where = f"ingest_id > {state.watermark}"
        drop_sql.append(
            f"DELETE FROM matches WHERE record_id IN (SELECT record_id FROM records WHERE {new_where})"
        )
        if changed:
            jobs.append((changed, f"ingest_id <= {state.watermark}"))
        jobs.append((dict(queries), new_where))
        rematched = total - state.records
        rematched += state.records if changed else 0
    count_links = match_counts(store, queries)
    done = 0
    with store.transaction():
        write_taxonomy(store, taxonomy)
        if mode == "full":
            _recreate_matches(store)
        for sql in drop_sql:
            store.con.execute(sql)
        # Reading the next batch and writing the last batch's links overlap with
        # matching: DuckDB releases the GIL while it scans and inserts.
        with ThreadPoolExecutor(1, thread_name_prefix="techcurve-links") as writer:
            written: Future[None] | None = None
            n_links = n_matched = 0  # a record's links all come from its one batch
            for qs, where in jobs:
                if not qs:
                    continue
                for batch in _read_ahead(iter_record_batches(store, needed_columns(qs), where)):
                    links = match_frame(batch, qs)
                    n_links += links.height
                    n_matched += links["record_id"].n_unique()
                    if written is not None:
                        written.result()
                    written = writer.submit(store.append, "matches", links)
                    done += batch.height
                    if progress:
                        progress(done, rematched)
                # the next job's reader opens its cursor on store.con: not while it writes
                if written is not None:
                    written.result()
                    written = None
        store.con.execute("DELETE FROM count_matches")
        store.append("count_matches", count_links)
        _save_state(store, queries, watermark, _int(store, "SELECT count(*) FROM records"))
    # a full run wrote every link itself: no need to count 10M links again
    totals = (n_links, n_matched) if mode == "full" else None
    result = _result(store, taxonomy, count_links, mode, done, len(changed), totals)
    log.info(
        "matched %d records (%s: %d re-matched, %d sub-fields): %d links, %d count links",
        total, mode, done, len(changed), result.links, count_links.height,
    )  # fmt: skip
    return result


__all__ = [
    "MatchResult",
    "add_ingested_links",
    "in_step",
    "match_counts",
    "match_frame",
    "match_rows",
    "match_store",
    "match_text",
    "needed_columns",
    "iter_record_batches",
    "normalize",
    "replace_matches",
    "TEXT_FIELDS",
    "write_taxonomy",
]
