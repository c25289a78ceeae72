"""The matcher: every sub-field query over a frame of records, in one pass.

How it works (docs/architecture.md, "Match"; its speed: docs/performance.md):

1. The queries are compiled once into a plan (:class:`_Plan`): the unique leaf
   patterns, grouped by field (whole text, title, abstract, keywords, IPC), and a table
   from each pattern to the leaves of every sub-field that has it.
2. For each field, one multi-pattern Aho–Corasick search (:mod:`techcurve.match.fastmatch`,
   :func:`field_hits`) lists the distinct patterns in each record's normalised text.
   Because text and patterns are normalised alike (ASCII runs wrapped in ``SEP``), a
   plain substring hit is word-bounded for ASCII and a substring for CJK.
3. A record's links depend only on which patterns it holds, so records are grouped
   by their hit lists and the rest works once per distinct hit set.
4. Hits are joined to the leaves of each sub-field; per (hit set, sub-field) the
   leaves present become one 64-bit mask. Whether a query holds, and which positive
   terms fired, depend on nothing but (sub-field, mask): each distinct pair is decided
   once in Python with ``Query.evaluate`` (cached across batches) and joined back.

:func:`match_frame` is a pure function over a polars frame (no store), so the local
engine (:func:`techcurve.match.match_store`, streaming the store in batches) and the
Dask engine (:mod:`techcurve.scaleout`) both call it on batches.
"""

from __future__ import annotations

import functools
import pickle
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from techcurve import cache
from techcurve.errors import TaxonomyError
from techcurve.normalize import SEP, normalize_arrow, normalize_series
from techcurve.taxonomy.query import Query, Term

if TYPE_CHECKING:
    from techcurve.match.fastmatch import Automaton

__all__ = [
    "FIELDS",
    "TEXT_FIELDS",
    "count_text",
    "field_hits",
    "leaf_key",
    "match_frame",
    "match_rows",
    "match_text",
    "needed_columns",
    "warm",
]

#: The fields a query term can be scoped to, and how to get their normalised text.
FIELDS = (None, "title", "abstract", "keywords", "ipc")


def leaf_key(term: Term) -> str:
    """The key of a leaf in the matcher's tables: its field and its pattern."""
    return f"{term.field or ''}{SEP}{term.pattern}"


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
        # columns with no value add nothing to the joined text; one column alone is its
        # own text (not copied by concat_str)
        filled = [c for c in have if frame[c].null_count() < frame.height]
        if len(filled) == 1:
            return normalize_arrow(frame[filled[0]])
        text = frame.select(pl.concat_str(filled or have, separator=" ", ignore_nulls=True))
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
    # Arrow arrays made by polars, not pa.array: that imports pandas when installed
    # (normalize.reference._large_strings says why)
    offsets, values = pl.Series(rows).to_arrow(), pl.Series(ids.view(np.uint32)).to_arrow()
    lists = pa.LargeListArray.from_arrays(offsets, values)
    return pl.Series(_fkey(field), lists, dtype=pl.List(pl.UInt32))


@functools.lru_cache(maxsize=16)
def _automata(patterns: tuple[str, ...]) -> tuple[Automaton, ...]:
    """The automata of ``patterns``, built once per set of patterns and kept in the
    per-user cache (building them for a 3,000-term taxonomy takes ~0.3 s of every
    ``match``; reading them back ~10 ms)."""
    from techcurve.match import fastmatch  # noqa: PLC0415 - Numba, when matching
    from techcurve.match.fastmatch import Automaton, compile_patterns  # noqa: PLC0415

    code = cache.code_stamp(fastmatch)  # an edited builder builds again
    entry = cache.entry("automata", code, "\x1e".join(patterns), suffix=".pickle")
    data = cache.read(entry)
    if data is not None:
        try:
            kept = pickle.loads(data)
            if isinstance(kept, tuple) and all(isinstance(a, Automaton) for a in kept):
                return kept
        except Exception:  # noqa: BLE001, S110 - a damaged entry is only a miss
            pass
    built = compile_patterns(patterns)
    cache.write(entry, pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL))
    cache.trim("automata", 8)  # a few taxonomies' worth (each up to tens of MB)
    return built


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
        raise TaxonomyError.of("match.too_many_subfields", most=1 << _SID_BITS, n=len(ordered))
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
        positive=tuple(frozenset(q.positive_terms()) for _, q in ordered),
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


#: Titles :func:`warm` matches: more than normalisation's Python-only size, ASCII,
#: CJK, full-width and traditional characters (both of its passes), nothing else.
_WARM_TITLES = ["5G 专网 ＡＲ眼镜 區塊鏈 Machine Learning"] * 1_100


def warm(queries: Mapping[str, Query]) -> None:
    """Make everything matching ``queries`` needs before the first record: the plan and
    its automata, and the compiled kernels (loaded from Numba's cache, or compiled into
    it when missing). Matches a small frame the way batches of records are matched, so
    the kernels get exactly the argument types the records give them."""
    match_rows(pl.DataFrame({"title": _WARM_TITLES}), queries, parallel=False)


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
    # hit set (far fewer than the records: docs/performance.md, "Matching: what the profile
    # showed", item 2) and hand the links back
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


def count_text(terms: pl.Series) -> pl.Series:
    """Count-series terms as matchable text: the term, and the term with - and _ as spaces.

    Stack Overflow tags spell phrases with hyphens (``augmented-reality``); the second
    form lets the phrase "augmented reality" match them too.
    """
    spaced = terms.str.replace_all(r"[-_]+", " ")
    return normalize_series(terms) + " | " + normalize_series(spaced)


def needed_columns(queries: Mapping[str, Query]) -> list[str]:
    """The ``records`` columns :func:`match_frame` reads for these queries."""
    fields = {t.field for q in queries.values() for t in q.terms()}
    want = set(TEXT_FIELDS) if None in fields else {f for f in fields if f is not None}
    return ["record_id", *(c for c in (*TEXT_FIELDS, "ipc") if c in want)]
