"""A mapping's fields from raw cells (:func:`techcurve.ingest.records._mapped_fields`):
each cleaned once, whether a column feeds one field or several, coalesced or joined."""

from __future__ import annotations

import polars as pl

from techcurve.ingest.base import ROW_COL
from techcurve.ingest.profiles import FieldSpec, Mapping
from techcurve.ingest.records import _mapped_fields


def test_fields_cleaned_coalesced_and_joined() -> None:
    raw = pl.DataFrame(
        {
            "t1": ["  a\x01b ", "\x00 ", None],
            "t2": ["x", " y ", None],
            "v": [" v\x00 ", "", None],
            ROW_COL: [2, 3, 4],
        },
        schema={"t1": pl.Utf8, "t2": pl.Utf8, "v": pl.Utf8, ROW_COL: pl.Int64},
    )
    mapping = Mapping(
        name="test",
        source="test",
        fields={
            "title": FieldSpec(columns=("t1", "t2")),  # titles lose control characters
            "abstract": FieldSpec(columns=("t1",)),  # the same column: only NUL bytes go
            "venue": FieldSpec(columns=("v", "t2"), join=" / "),
            "organization": FieldSpec(columns=("missing", "v")),
            "kind": FieldSpec(constant="paper"),
        },
    )
    got = _mapped_fields(raw, mapping)
    cols = ["title", "title@", "abstract", "abstract@", "venue", "venue@", "organization",
            "organization@", "kind", "kind@", "_title_raw", ROW_COL]  # fmt: skip
    assert got.select(cols).rows() == [
        ("ab", "t1", "a\x01b", "t1", "v / x", "join(v, t2)", "v", "v", "paper", "=paper",
         "  a\x01b ", 2),
        ("y", "t2", None, "t1", "y", "join(v, t2)", None, "missing", "paper", "=paper",
         "\x00 ", 3),
        (None, "t1", None, "t1", None, "join(v, t2)", None, "missing", "paper", "=paper",
         None, 4),
    ]  # fmt: skip
    assert not [c for c in got.columns if c.startswith("_tc_clean")]
