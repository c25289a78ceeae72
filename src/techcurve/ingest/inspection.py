"""``inspect_file``: what techcurve sees in a record file, before ingesting it."""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.errors import IngestError, Phrase
from techcurve.ingest.base import ROW_COL, Inspection, Reject
from techcurve.ingest.opening import (
    MappingArg,
    check_columns,
    check_kind,
    check_profile,
    money_settings,
    open_table,
    resolve_mapping,
    unused_columns,
)
from techcurve.ingest.profiles import Mapping, load_mapping
from techcurve.ingest.records import build_records
from techcurve.ingest.rejects import relabel
from techcurve.ingest.sniff import check_file


def inspect_file(
    path: str | Path,
    *,
    kind: str | None = None,
    profile: str | None = None,
    mapping: MappingArg | None = None,
    n: int = 5,
    encoding: str | None = None,
    config: AnyMapping[str, Any] | None = None,
) -> Inspection:
    """What techcurve sees in a file: format, encoding, delimiter, columns, the profile
    that fits (or ``None``), the first ``n`` raw rows and the same rows as records.

    Never stores anything; an unreadable file still raises :class:`IngestError`.

    >>> ins = inspect_file("export.ris")                          # doctest: +SKIP
    >>> ins.format, ins.profile, ins.records.get_column("title")[0]  # doctest: +SKIP
    ('ris', 'ris', '基于深度学习的图像识别')
    """
    money = money_settings(config)
    p = Path(path)
    check_file(p)
    m = load_mapping(mapping) if mapping is not None else None
    check_profile(profile)
    table = open_table(p, m, encoding, profile)
    try:
        first = next(table.batches, None)
        said: list[Phrase | IngestError] = list(table.notes)
        resolved: Mapping | None = m
        try:
            if resolved is None:
                resolved = resolve_mapping(profile, table, p)
            check_columns(table, resolved, p)
        except IngestError as e:
            said.append(e)
            resolved = None
        raw = first.frame.head(n) if first is not None else pl.DataFrame()
        rows = tuple(
            {k: v for k, v in r.items() if not k.startswith("_") or k == ROW_COL}
            for r in raw.iter_rows(named=True)
        )
        records = None
        rejects: tuple[Reject, ...] = ()
        k = check_kind(kind)
        if resolved is not None and raw.height:
            rk = resolved.kind or k or (None if "kind" in resolved.fields else "article")
            frame, rej = build_records(
                raw, resolved, path=str(p), kind=rk, as_of=date.today(), money=money
            )
            records, rejects = frame, tuple(relabel(rej, table.labels))
        return Inspection(
            path=str(p),
            format=table.format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            columns=tuple(c for c in table.columns if not c.startswith("_")),
            profile=resolved.name if resolved else None,
            kind=(resolved.kind if resolved else None) or k,
            rows=rows,
            records=records,
            rejects=rejects,
            notes=tuple(n.say("en") if isinstance(n, Phrase) else str(n) for n in said),
            mapping=tuple((f, spec.describe()) for f, spec in resolved.fields.items())
            if resolved
            else (),
            unused=unused_columns(table, resolved) if resolved else (),
            said_notes=tuple(said),
        )
    finally:
        table.close()
