"""The CSV scan (:func:`techcurve.ingest.fastcsv._scan`, NumPy) finds what the RFC 4180
state machine it replaced finds, byte for byte: the state machine is kept here, in plain
Python, as the specification (it was the Numba kernel up to 2026-12-03)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from techcurve.ingest import fastcsv

_NL, _CR, _QUOTE = 10, 13, 34


def _reference(
    buf: np.ndarray, delim: int, width: int, final: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, int, bool]:
    """The whole records at the start of ``buf`` (which starts at a record boundary).

    One pass of an RFC 4180 state machine. Returns (starts, ends, newlines before each
    start, cut, newlines before cut, first newline, ok): records end at a ``\n``
    outside quotes (``ends`` leave out a ``\r`` before it); ``cut`` is where the last
    whole record ends, the end of ``buf`` when ``final``. ``ok`` is false when anything
    is not well-formed: a quote that neither opens a field nor closes one (before a
    delimiter, a line end, the end or a doubled quote), a ``\r`` not before ``\n``
    (Python's reader ends a line there, polars does not), a non-empty record not
    ``width`` fields wide, or, when ``final``, a quoted field still open at the end.
    """
    n = len(buf)
    cap = 2
    for i in range(n):
        if buf[i] == _NL:
            cap += 1
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    nls = np.empty(cap, np.int64)
    k = 0
    nl = 0
    first_nl = -1
    rec = 0  # start of the current record
    rec_nl = 0  # newlines before it
    fields = 1
    state = 0  # 0 field start, 1 unquoted field, 2 quoted field, 3 just after a quote in one
    for i in range(n):
        b = buf[i]
        if b > _QUOTE and b != delim:  # most bytes: inside a field, nothing to check
            if state == 0:
                state = 1
            elif state == 3:
                return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
            continue
        if b == _CR:
            if i + 1 >= n:
                if final:
                    return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
                break  # the next block says whether a \n follows
            if buf[i + 1] != _NL:
                return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
            if state == 0:
                state = 1
        elif b == _NL:
            if first_nl < 0:
                first_nl = i
            nl += 1
            if state != 2:
                end = i
                if end > rec and buf[end - 1] == _CR:
                    end -= 1
                if end > rec and fields != width:
                    return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
                starts[k] = rec
                ends[k] = end
                nls[k] = rec_nl
                k += 1
                rec = i + 1
                rec_nl = nl
                fields = 1
                state = 0
        elif b == _QUOTE:
            if state == 0:
                state = 2
            elif state == 1:
                return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
            elif state == 2:
                state = 3
            else:
                state = 2  # a doubled quote inside a quoted field
        elif b == delim:
            if state != 2:
                fields += 1
                state = 0
        elif state == 0:
            state = 1
        elif state == 3:
            return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
    if not final:
        return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, True
    if state == 2:
        return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
    if rec < n:  # a last record without a line end
        if fields != width:
            return starts[:k], ends[:k], nls[:k], rec, rec_nl, first_nl, False
        starts[k] = rec
        ends[k] = n
        nls[k] = rec_nl
        k += 1
    return starts[:k], ends[:k], nls[:k], n, nl, first_nl, True


def _same(data: bytes, delim: int, width: int, final: bool) -> None:
    buf = np.frombuffer(data, np.uint8)
    want = _reference(buf, delim, width, final)
    got = fastcsv._scan(buf, delim, width, final)
    assert got[6] == want[6], (data, final)
    if want[6]:  # not well-formed: nothing else is used
        for g, w in zip(got[:3], want[:3], strict=True):
            assert g.tolist() == w.tolist(), (data, final)
        assert got[3:6] == want[3:6], (data, final)


_piece = st.sampled_from([b"a", b"\xe4\xb8\xad", b",", b"\t", b'"', b'""', b"\n", b"\r\n",
                          b"\r", b" ", b"\x00"])  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(
    pieces=st.lists(_piece, max_size=30),
    delim=st.sampled_from([ord(","), ord("\t")]),
    width=st.integers(1, 4),
    final=st.booleans(),
)
def test_the_scan_finds_what_the_state_machine_finds(
    pieces: list[bytes], delim: int, width: int, final: bool
) -> None:
    _same(b"".join(pieces), delim, width, final)


def test_the_scan_on_cases_written_out() -> None:
    cases = [b"", b"\n", b"a,b\n", b"a,b", b'"a,b",c\n', b'"a\nb",c\r\n"x', b'"a""b",c\n',
             b'a"b,c\n', b'"a"b,c\n', b"a,b\r", b"a,b\rc\n", b'"open,\n', b",\n\n,\r\n"]  # fmt: skip
    for data in cases:
        for final in (False, True):
            for width in (1, 2, 3):
                _same(data, ord(","), width, final)


def test_the_scan_spans_its_chunks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fastcsv, "_CHUNK", 3)  # the positions are gathered 3 bytes at a time
    for data in (b'"a\nb",c\r\nd,"e"\n"x,y', b"a,b\nc,d\ne,f\n" * 4):
        for final in (False, True):
            _same(data, ord(","), 2, final)
