"""The matcher's multi-pattern search: Aho–Corasick automata and a compiled kernel.

:func:`compile_patterns` turns a sorted list of patterns into one or more
:class:`Automaton` (a deterministic Aho–Corasick automaton over the UTF-8 bytes:
goto and failure links folded into one transition table over byte classes);
:func:`find_all` runs them over the records of a string column (its Arrow buffers, from
:func:`techcurve.normalize.fastnorm.string_buffers`) and returns, for every record, the distinct
patterns it contains, as sorted pattern indices: overlapping occurrences count, so
``"ar"`` and ``"ar glasses"`` both hit.

Patterns and text are matched byte by byte. A pattern's UTF-8 bytes start with an
ASCII or lead byte, never a continuation byte, so a byte-level hit is a character-level
substring hit, as with polars' ``str.extract_many`` (which this replaced; a Hypothesis
test holds the two equal).

Why not ``str.extract_many``: it returns each record's hits as a list of strings,
which would then be grouped and joined as strings; this kernel returns pattern
indices. A walk of the table is a chain of dependent loads (the next state needs
this one), so the kernel walks four stretches of records at once, each with its own
state, letting the processor overlap the four chains' memory latency (measured in
docs/performance.md, "Fourth session", item 2).

A table has ``states × classes`` entries (``int32``); patterns are split into groups
whose table stays under :data:`MAX_TABLE` entries, each group one automaton, so a very
large taxonomy costs more passes over the text, not unbounded memory.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

#: Entries of one automaton's transition table at most (64 MB of int32).
MAX_TABLE = 16 * 2**20
_LANES = 4  # stretches of records walked at once (see the module docstring)


@dataclass(frozen=True, slots=True)
class Automaton:
    """A deterministic Aho–Corasick automaton over byte classes.

    ``delta[row + cls]`` is the next state of the state whose row starts at ``row``
    (= state × ``ncls``) on a byte of class ``cls``, as that state's row start, negated
    when the state ends a pattern. ``out_ptr``/``out_ids``: the patterns each state ends
    (its own and those of its suffixes), as global pattern indices (``first`` + the
    index in this automaton's group).
    """

    classes: np.ndarray  # int32[256]: byte → class; 0 = a byte in no pattern
    ncls: int
    delta: np.ndarray  # int32[states * ncls]
    out_ptr: np.ndarray  # int64[states + 1]
    out_ids: np.ndarray  # int32
    first: int  # index of this group's first pattern
    count: int  # patterns in this group


def compile_patterns(patterns: Sequence[str]) -> tuple[Automaton, ...]:
    """Automata for ``patterns`` (non-empty, distinct), pattern ``i`` reported as ``i``.

    >>> autos = compile_patterns(["\\x1far\\x1f", "区块链"])
    >>> sum(a.count for a in autos)
    2
    """
    encoded = [p.encode("utf-8") for p in patterns]
    if any(not p for p in encoded):
        raise ValueError("compile_patterns: empty pattern")
    groups: list[tuple[int, int]] = []
    start = 0
    while start < len(encoded):
        end, states, used = start, 1, set[int]()
        while end < len(encoded):
            more = states + len(encoded[end])  # a bound: the trie shares prefixes
            cls = len(used | set(encoded[end])) + 1
            if end > start and more * cls > MAX_TABLE:
                break
            states, used, end = more, used | set(encoded[end]), end + 1
        groups.append((start, end))
        start = end
    # The trie's Python containers hold no cycles: without the cyclic collector
    # meanwhile the automata are built markedly faster (docs/performance.md, "Fourth
    # session", item 6).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(_build(encoded[a:b], a) for a, b in groups)
    finally:
        if enabled:
            gc.enable()


def _build(patterns: list[bytes], first: int) -> Automaton:
    used = sorted({b for p in patterns for b in p})
    classes = np.zeros(256, np.int32)
    classes[used] = np.arange(1, len(used) + 1, dtype=np.int32)
    ncls = len(used) + 1
    # the trie: state t > 0 is reached from parent[t] on a byte of class label[t]
    children: list[dict[int, int]] = [{}]
    parent, label, depth = [0], [0], [0]
    ends: list[list[int]] = [[]]
    for pid, p in enumerate(patterns):
        s = 0
        for b in p:
            c = int(classes[b])
            nxt = children[s].get(c)
            if nxt is None:
                nxt = children[s][c] = len(children)
                children.append({})
                parent.append(s)
                label.append(c)
                depth.append(depth[s] + 1)
                ends.append([])
            s = nxt
        ends[s].append(first + pid)
    n = len(children)
    par, lab, dep = np.array(parent), np.array(label), np.array(depth)
    # Transitions and failure links level by level: a state's row is its failure
    # state's row (shallower, so complete) with its own children put in.
    delta = np.zeros((n, ncls), np.int64)
    fail = np.zeros(n, np.int64)
    by_depth = np.argsort(dep, kind="stable")
    bounds = np.searchsorted(dep[by_depth], np.arange(dep.max() + 2))
    for d in range(1, len(bounds) - 1):
        level = by_depth[bounds[d] : bounds[d + 1]]  # states at depth d
        up, on = par[level], lab[level]
        delta[up, on] = level  # completes the rows of depth d - 1
        fail[level] = np.where(up == 0, 0, delta[fail[up], on])
        delta[level] = delta[fail[level]]
    # the patterns each state ends: its own, then its failure state's (shallower: done)
    outs: list[list[int]] = [[] for _ in range(n)]
    for t in by_depth[1:].tolist():
        outs[t] = ends[t] + outs[int(fail[t])]
    out_ptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(o) for o in outs], out=out_ptr[1:])
    out_ids = np.fromiter((i for o in outs for i in o), np.int32, int(out_ptr[-1]))
    ends_here = out_ptr[1:] > out_ptr[:-1]
    table = delta * ncls
    table[ends_here[delta]] *= -1
    return Automaton(
        classes=classes,
        ncls=ncls,
        delta=table.astype(np.int32).ravel(),
        out_ptr=out_ptr,
        out_ids=out_ids,
        first=first,
        count=len(patterns),
    )


def find_all(
    automata: Sequence[Automaton], data: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every string's distinct patterns: (``int64`` row offsets, ``int32`` pattern
    indices), row ``r``'s sorted indices at ``ids[rows[r]:rows[r + 1]]``."""
    n = len(offsets) - 1
    results = [
        _walk(data, offsets, a.classes, a.delta, a.out_ptr, a.out_ids, a.ncls, a.first + a.count)
        for a in automata
    ]
    if not results:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    if len(results) == 1:
        return results[0]
    rows = np.stack([r for r, _ in results])
    starts = np.cumsum([0] + [len(i) for _, i in results])
    return _merge(rows, np.concatenate([i for _, i in results]), starts)


@numba.njit(cache=True, nogil=True)
def _merge(rows: np.ndarray, ids: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One (rows, ids) from several automata's (automaton ``g``'s ids at ``starts[g]``
    in ``ids``), row by row in automaton order: their pattern index ranges follow each
    other, so each row stays sorted."""
    k, n1 = rows.shape
    out = np.empty(ids.size, np.int32)
    out_rows = np.empty(n1, np.int64)
    o = 0
    for r in range(n1 - 1):
        out_rows[r] = o
        for g in range(k):
            a = starts[g] + rows[g, r]
            b = starts[g] + rows[g, r + 1]
            out[o : o + b - a] = ids[a:b]
            o += b - a
    out_rows[n1 - 1] = o
    return out_rows, out


@numba.njit(cache=True, nogil=True, inline="always")
def _hits(
    state: int,
    row: int,
    ncls: int,
    out_ptr: np.ndarray,
    out_ids: np.ndarray,
    seen: np.ndarray,
    found: np.ndarray,
    k: int,
) -> int:
    """Append the patterns state ``state`` (a row start) ends, first time in ``row``."""
    q = state // ncls
    for j in range(out_ptr[q], out_ptr[q + 1]):
        p = out_ids[j]
        if seen[p] != row:
            seen[p] = row
            found[k] = p
            k += 1
    return k


@numba.njit(cache=True, nogil=True)
def _grow(found: np.ndarray, k: int) -> np.ndarray:
    """``found`` (``k`` used) in an array twice as large."""
    bigger = np.empty(2 * found.size, np.int32)
    bigger[:k] = found[:k]
    return bigger


@numba.njit(cache=True, nogil=True, inline="always")
def _walk_row(
    data: np.ndarray,
    p: int,
    e: int,
    x: int,
    row: int,
    classes: np.ndarray,
    delta: np.ndarray,
    ncls: int,
    out_ptr: np.ndarray,
    out_ids: np.ndarray,
    seen: np.ndarray,
    found: np.ndarray,
    k: int,
    most: int,
) -> tuple[int, int, int]:
    """One lane alone to the end of its row (or until its hits need more room):
    (next byte, state, hits)."""
    while p < e:
        y = delta[x + classes[data[p]]]
        p += 1
        if y < 0:
            y = -y
            k = _hits(y, row, ncls, out_ptr, out_ids, seen, found, k)
        x = y
        if k > found.size - most:
            break  # more room first (at the top)
    return p, x, k


# One loop with no calls walks four stretches of records at once (docs/performance.md,
# "Fourth session", item 2, measures it against one walk at a time).
# long on purpose: a Numba hot loop; four interleaved walks measured faster than one
@numba.njit(cache=True, nogil=True)
def _walk(
    data: np.ndarray,
    offsets: np.ndarray,
    classes: np.ndarray,
    delta: np.ndarray,
    out_ptr: np.ndarray,
    out_ids: np.ndarray,
    ncls: int,
    npat: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One automaton over every string; four stretches of rows walked side by side."""
    n = len(offsets) - 1
    most = 0  # the most patterns one state ends: room checked once per hit
    for q in range(len(out_ptr) - 1):
        most = max(most, out_ptr[q + 1] - out_ptr[q])
    rows = np.empty(n + 1, np.int64)  # first lane-local, then global offsets
    lo = np.empty(_LANES, np.int64)
    hi = np.empty(_LANES, np.int64)
    for j in range(_LANES):
        lo[j] = n * j // _LANES
        hi[j] = n * (j + 1) // _LANES
    seen = np.full((_LANES, npat), -1, np.int64)
    s0, s1, s2, s3 = seen[0], seen[1], seen[2], seen[3]
    size = max(1024 + most, (offsets[n] - offsets[0]) // 64)
    f0 = np.empty(size, np.int32)
    f1 = np.empty(size, np.int32)
    f2 = np.empty(size, np.int32)
    f3 = np.empty(size, np.int32)
    k0 = k1 = k2 = k3 = 0
    # lane j: row r_j, next byte p_j, row end e_j, state x_j (a row start); live_j
    r0, r1, r2, r3 = lo[0], lo[1], lo[2], lo[3]
    live0, live1, live2, live3 = r0 < hi[0], r1 < hi[1], r2 < hi[2], r3 < hi[3]
    p0 = p1 = p2 = p3 = 0
    e0 = e1 = e2 = e3 = 0
    x0 = x1 = x2 = x3 = 0
    if live0:
        p0, e0, rows[r0] = offsets[r0], offsets[r0 + 1], 0
    if live1:
        p1, e1, rows[r1] = offsets[r1], offsets[r1 + 1], 0
    if live2:
        p2, e2, rows[r2] = offsets[r2], offsets[r2 + 1], 0
    if live3:
        p3, e3, rows[r3] = offsets[r3], offsets[r3 + 1], 0
    while live0 or live1 or live2 or live3:
        # a lane whose hits may not fit another state's patterns: more room first
        full = False
        if k0 > f0.size - most:
            f0 = _grow(f0, k0)
        if k1 > f1.size - most:
            f1 = _grow(f1, k1)
        if k2 > f2.size - most:
            f2 = _grow(f2, k2)
        if k3 > f3.size - most:
            f3 = _grow(f3, k3)
        if live0 and live1 and live2 and live3:
            # all four walk until the first of their rows ends
            steps = min(e0 - p0, e1 - p1, e2 - p2, e3 - p3)
            for _ in range(steps):
                y0 = delta[x0 + classes[data[p0]]]
                y1 = delta[x1 + classes[data[p1]]]
                y2 = delta[x2 + classes[data[p2]]]
                y3 = delta[x3 + classes[data[p3]]]
                p0 += 1
                p1 += 1
                p2 += 1
                p3 += 1
                if y0 < 0:
                    y0 = -y0
                    k0 = _hits(y0, r0, ncls, out_ptr, out_ids, s0, f0, k0)
                    full |= k0 > f0.size - most
                if y1 < 0:
                    y1 = -y1
                    k1 = _hits(y1, r1, ncls, out_ptr, out_ids, s1, f1, k1)
                    full |= k1 > f1.size - most
                if y2 < 0:
                    y2 = -y2
                    k2 = _hits(y2, r2, ncls, out_ptr, out_ids, s2, f2, k2)
                    full |= k2 > f2.size - most
                if y3 < 0:
                    y3 = -y3
                    k3 = _hits(y3, r3, ncls, out_ptr, out_ids, s3, f3, k3)
                    full |= k3 > f3.size - most
                x0, x1, x2, x3 = y0, y1, y2, y3
                if full:
                    break
        else:
            # some lane has finished: the others walk their current row one by one
            if live0:
                p0, x0, k0 = _walk_row(data, p0, e0, x0, r0, classes, delta, ncls, out_ptr,
                                       out_ids, s0, f0, k0, most)  # fmt: skip
            if live1:
                p1, x1, k1 = _walk_row(data, p1, e1, x1, r1, classes, delta, ncls, out_ptr,
                                       out_ids, s1, f1, k1, most)  # fmt: skip
            if live2:
                p2, x2, k2 = _walk_row(data, p2, e2, x2, r2, classes, delta, ncls, out_ptr,
                                       out_ids, s2, f2, k2, most)  # fmt: skip
            if live3:
                p3, x3, k3 = _walk_row(data, p3, e3, x3, r3, classes, delta, ncls, out_ptr,
                                       out_ids, s3, f3, k3, most)  # fmt: skip
        # rows that ended: sort their hits, start the next row of the lane
        while live0 and p0 == e0:
            f0[rows[r0] : k0].sort()
            r0 += 1
            x0 = 0
            live0 = r0 < hi[0]
            if live0:
                p0, e0, rows[r0] = offsets[r0], offsets[r0 + 1], k0
        while live1 and p1 == e1:
            f1[rows[r1] : k1].sort()
            r1 += 1
            x1 = 0
            live1 = r1 < hi[1]
            if live1:
                p1, e1, rows[r1] = offsets[r1], offsets[r1 + 1], k1
        while live2 and p2 == e2:
            f2[rows[r2] : k2].sort()
            r2 += 1
            x2 = 0
            live2 = r2 < hi[2]
            if live2:
                p2, e2, rows[r2] = offsets[r2], offsets[r2 + 1], k2
        while live3 and p3 == e3:
            f3[rows[r3] : k3].sort()
            r3 += 1
            x3 = 0
            live3 = r3 < hi[3]
            if live3:
                p3, e3, rows[r3] = offsets[r3], offsets[r3 + 1], k3
    # the lanes' hits one after the other; lane-local row offsets made global
    ids = np.empty(k0 + k1 + k2 + k3, np.int32)
    base = 0
    for j in range(_LANES):
        found = f0 if j == 0 else f1 if j == 1 else f2 if j == 2 else f3
        k = k0 if j == 0 else k1 if j == 1 else k2 if j == 2 else k3
        ids[base : base + k] = found[:k]
        for r in range(lo[j], hi[j]):
            rows[r] += base
        base += k
    rows[n] = base
    return rows, ids
