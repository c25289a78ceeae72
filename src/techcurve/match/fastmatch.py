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
this one), so the kernel walks four stretches of the text at once, each with its own
state, letting the processor overlap the four chains' memory latency. The walk does
nothing at record boundaries: it notes each step into a state that ends patterns
(where, and which state), and a second pass hands each record the patterns that end
inside it *and start inside it* (an occurrence ending in a record but starting in the
one before it spans the boundary); this is exact because an Aho–Corasick automaton
reports every pattern that ends at a byte whatever text came before (docs/performance.md,
"Fourth session", item 2, and "Ingest and match as processes").

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
_LANES = 4  # stretches of text walked at once (see the module docstring); _accepting has four


@dataclass(frozen=True, slots=True)
class Automaton:
    """A deterministic Aho–Corasick automaton over byte classes.

    ``delta[row + cls]`` is the next state of the state whose row starts at ``row``
    (= state × ``ncls``) on a byte of class ``cls``, as that state's row start, negated
    when the state ends a pattern. ``out_ptr``/``out_ids``: the patterns each state ends
    (its own and those of its suffixes), as global pattern indices (``first`` + the
    index in this automaton's group); ``lens`` their lengths in bytes, by global index
    (zero below ``first``).
    """

    classes: np.ndarray  # int32[256]: byte → class; 0 = a byte in no pattern
    ncls: int
    delta: np.ndarray  # int32[states * ncls]
    out_ptr: np.ndarray  # int64[states + 1]
    out_ids: np.ndarray  # int32
    lens: np.ndarray  # int64[npatterns]: pattern ``first + i`` is ``lens[first + i]`` bytes
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
        lens=np.array([0] * first + [len(p) for p in patterns], np.int64),
        first=first,
        count=len(patterns),
    )


def find_all(
    automata: Sequence[Automaton], data: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every string's distinct patterns: (``int64`` row offsets, ``int32`` pattern
    indices), row ``r``'s sorted indices at ``ids[rows[r]:rows[r + 1]]``."""
    n = len(offsets) - 1
    results = [_walk(a, data, offsets) for a in automata]
    if not results:
        return np.zeros(n + 1, np.int64), np.zeros(0, np.int32)
    if len(results) == 1:
        return results[0]
    rows = np.stack([r for r, _ in results])
    starts = np.cumsum([0] + [len(i) for _, i in results])
    return _merge(rows, np.concatenate([i for _, i in results]), starts)


def _walk(a: Automaton, data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One automaton over every string: the text cut into :data:`_LANES` stretches of
    about equal bytes at record boundaries, walked side by side, each to its end; then
    the steps into accepting states handed to the records."""
    first, last = int(offsets[0]), int(offsets[-1])
    cuts = np.searchsorted(offsets, np.linspace(first, last, _LANES + 1)[1:-1])
    bounds = offsets[np.concatenate(([0], cuts, [len(offsets) - 1]))].astype(np.int64)
    walked = _accepting(data, bounds[:-1].copy(), bounds[1:].copy(), a.classes, a.delta)
    at: list[np.ndarray] = []
    st: list[np.ndarray] = []
    for j in range(_LANES):
        more = _accepting_tail(data, walked[8][j], bounds[j + 1], walked[9][j], a.classes, a.delta)
        at += [walked[2 * j], more[0]]
        st += [walked[2 * j + 1], more[1]]
    return _collect(np.concatenate(at), np.concatenate(st), offsets, a.lens, a.ncls, a.out_ptr,
                    a.out_ids, a.first + a.count)  # fmt: skip


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


@numba.njit(cache=True, nogil=True)
def _grow(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` (``k`` used) in an array twice as large."""
    bigger = np.empty(2 * a.size, a.dtype)
    bigger[:k] = a[:k]
    return bigger


# One loop with no calls walks four stretches at once (docs/performance.md, "Fourth
# session", item 2, measures it against one walk at a time).
# long on purpose: a Numba hot loop; four interleaved walks measured faster than one
@numba.njit(cache=True, nogil=True)
def _accepting(
    data: np.ndarray, starts: np.ndarray, ends: np.ndarray, classes: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Lane ``j`` walks ``data[starts[j]:ends[j]]`` from the root, all four side by side
    until the first ends: per lane its steps into states that end patterns (the byte
    after the step, ``int64``; the state's row, ``int32``), then where each lane stopped
    and its state (``_accepting_tail`` walks the rest)."""
    size = max(1024, (ends[_LANES - 1] - starts[0]) // (64 * _LANES))
    at0, at1 = np.empty(size, np.int64), np.empty(size, np.int64)
    at2, at3 = np.empty(size, np.int64), np.empty(size, np.int64)
    st0, st1 = np.empty(size, np.int32), np.empty(size, np.int32)
    st2, st3 = np.empty(size, np.int32), np.empty(size, np.int32)
    k0 = k1 = k2 = k3 = 0
    p0, p1, p2, p3 = starts[0], starts[1], starts[2], starts[3]
    x0 = x1 = x2 = x3 = 0
    while True:
        # a step notes at most one state per lane: walk as far as every lane has room
        room = min(at0.size - k0, at1.size - k1, at2.size - k2, at3.size - k3)
        left = min(ends[0] - p0, ends[1] - p1, ends[2] - p2, ends[3] - p3)
        for _ in range(min(room, left)):
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
                at0[k0] = p0
                st0[k0] = y0
                k0 += 1
            if y1 < 0:
                y1 = -y1
                at1[k1] = p1
                st1[k1] = y1
                k1 += 1
            if y2 < 0:
                y2 = -y2
                at2[k2] = p2
                st2[k2] = y2
                k2 += 1
            if y3 < 0:
                y3 = -y3
                at3[k3] = p3
                st3[k3] = y3
                k3 += 1
            x0, x1, x2, x3 = y0, y1, y2, y3
        if left <= room:  # a lane is at its end
            break
        # a lane is out of room: more, and on
        if k0 == at0.size:
            at0, st0 = _grow(at0, k0), _grow(st0, k0)
        if k1 == at1.size:
            at1, st1 = _grow(at1, k1), _grow(st1, k1)
        if k2 == at2.size:
            at2, st2 = _grow(at2, k2), _grow(st2, k2)
        if k3 == at3.size:
            at3, st3 = _grow(at3, k3), _grow(st3, k3)
    return (at0[:k0], st0[:k0], at1[:k1], st1[:k1], at2[:k2], st2[:k2], at3[:k3], st3[:k3],
            np.array([p0, p1, p2, p3]), np.array([x0, x1, x2, x3]))  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _accepting_tail(
    data: np.ndarray, p: int, end: int, x: int, classes: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_accepting` of one lane alone, from byte ``p`` in state ``x`` to ``end``."""
    at = np.empty(1024, np.int64)
    st = np.empty(1024, np.int32)
    k = 0
    while p < end:
        y = delta[x + classes[data[p]]]
        p += 1
        if y < 0:
            y = -y
            if k == at.size:
                at, st = _grow(at, k), _grow(st, k)
            at[k] = p
            st[k] = y
            k += 1
        x = y
    return at[:k], st[:k]


@numba.njit(cache=True, nogil=True)
def _collect(
    at: np.ndarray,
    st: np.ndarray,
    offsets: np.ndarray,
    lens: np.ndarray,
    ncls: int,
    out_ptr: np.ndarray,
    out_ids: np.ndarray,
    npat: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's distinct patterns, sorted, from the steps into accepting states (in
    text order: the step ending at byte ``at[h]`` entered the state whose row is
    ``st[h]``): the patterns such a state ends that lie inside the row of that byte."""
    n = len(offsets) - 1
    rows = np.empty(n + 1, np.int64)
    ids = np.empty(max(1024, at.size), np.int32)
    seen = np.full(npat, -1, np.int64)
    k = 0
    h = 0
    for r in range(n):
        rows[r] = k
        a, b = offsets[r], offsets[r + 1]
        while h < at.size and at[h] <= b:  # the steps ending at a byte of row r
            q = st[h] // ncls
            for j in range(out_ptr[q], out_ptr[q + 1]):
                pid = out_ids[j]
                if at[h] - lens[pid] >= a and seen[pid] != r:
                    seen[pid] = r
                    if k == ids.size:
                        ids = _grow(ids, k)
                    ids[k] = pid
                    k += 1
            h += 1
        if k - rows[r] > 1:
            ids[rows[r] : k].sort()
    rows[n] = k
    return rows, ids[:k]
