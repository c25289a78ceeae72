"""Raw rows + a mapping → store records (and the rows that cannot be records).

Vectorised with polars; the few Python parsers (dates, amounts, rounds) run once per
distinct value, not per row. A row is rejected, with the first reason that applies, when
its kind is unknown, it has no title, its date is impossible or its amount unreadable.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import polars as pl

from techcurve.ingest.base import ROW_COL, Reject
from techcurve.ingest.dates import MIN_YEAR, ParsedDate, parse_date
from techcurve.ingest.money import Amount, MoneyConfig, normalize_round, parse_amount
from techcurve.ingest.profiles import KINDS, FieldSpec, Mapping
from techcurve.store import RECORD_COLUMNS
from techcurve.text import t

#: The columns a parsed record frame has (the store's, minus the ingest id).
OUTPUT_COLUMNS: dict[str, pl.DataType] = {
    k: v for k, v in RECORD_COLUMNS.items() if k != "ingest_id"
}
_TEXT_FIELDS = ("source_id", "title", "abstract", "keywords", "venue", "organization", "ipc",
                "url", "investors", "sector")  # fmt: skip
_LIST_FIELDS = ("keywords", "ipc", "investors")
#: The fields a record frame is built from, in its column order.
_FIELD_ORDER = ("kind", "source", "date", "year", "amount", "currency", "round", *_TEXT_FIELDS)


#: Control characters (NUL …, DEL, C1) and invisible format characters, removed from
#: titles: a title of NUL bytes is no title. Other fields lose their NUL bytes only (a
#: regex over every abstract made parsing several times slower).
_CONTROLS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u200b-\\u200d\\u2060\\ufeff]"


def _clean(e: pl.Expr, controls: bool = True) -> pl.Expr:
    """A cell without NUL bytes (``controls``: without :data:`_CONTROLS`) and stripped;
    empty as it is (:func:`_nonempty` makes it null)."""
    s = e.cast(pl.Utf8)
    # _CONTROLS holds NUL: one replacement or the other.
    if controls:
        s = s.str.replace_all(_CONTROLS, "")
    else:
        s = s.str.replace_all("\x00", "", literal=True)
    return s.str.strip_chars()


def _nonempty(e: pl.Expr) -> pl.Expr:
    """``e``, null where empty. ``e`` appears twice: pass a column, not a computation
    (polars' eager ``select`` computes it twice). A string's length in bytes is 0
    exactly when it is empty, and unlike its length in characters needs no scan."""
    return pl.when(e.str.len_bytes() > 0).then(e).otherwise(None)


def _cleaned(
    raw: pl.DataFrame, mapping: Mapping
) -> tuple[pl.DataFrame, dict[tuple[str, bool], str]]:
    """``raw`` with each mapped column cleaned (:func:`_clean`, null where empty) once,
    as a column of its own; (the frame, (column, controls) → the cleaned column's name).

    Cleaned in one step and made null in the next, so that no cleaning is computed
    twice (a field's value and the name of its source both test it)."""
    have = set(raw.columns)
    names: dict[tuple[str, bool], str] = {}
    for name in _FIELD_ORDER:
        spec = mapping.fields.get(name)
        if spec is None or spec.constant is not None:
            continue
        for c in spec.columns:
            if c in have and (c, name == "title") not in names:
                tmp = f"_tc_clean_{len(names)}"
                while tmp in have:
                    tmp = "_" + tmp
                names[(c, name == "title")] = tmp
    if not names:
        return raw, names
    df = raw.with_columns(_clean(pl.col(c), controls).alias(tmp)
                          for (c, controls), tmp in names.items())  # fmt: skip
    return df.with_columns(_nonempty(pl.col(tmp)).alias(tmp) for tmp in names.values()), names


def _field(
    spec: FieldSpec, cleaned: dict[tuple[str, bool], str], controls: bool = False
) -> tuple[pl.Expr, pl.Expr]:
    """The value of a field and the name of the column that supplied it (``cleaned``:
    see :func:`_cleaned`)."""
    if spec.constant is not None:
        return pl.lit(spec.constant, dtype=pl.Utf8), pl.lit(f"={spec.constant}", dtype=pl.Utf8)
    cols = [
        pl.col(cleaned[(c, controls)]) if (c, controls) in cleaned else pl.lit(None, dtype=pl.Utf8)
        for c in spec.columns
    ]
    if spec.join is not None:
        joined = pl.concat_str(cols, separator=spec.join, ignore_nulls=True)
        value = pl.when(joined.str.len_bytes() > 0).then(joined).otherwise(None)
        return value, pl.lit(spec.describe(), dtype=pl.Utf8)
    if len(cols) == 1:
        return cols[0], pl.lit(spec.columns[0], dtype=pl.Utf8)
    name: Any = pl
    for c, e in zip(spec.columns, cols, strict=True):
        name = name.when(e.is_not_null()).then(pl.lit(c, dtype=pl.Utf8))
    return pl.coalesce(cols), name.otherwise(pl.lit(spec.columns[0], dtype=pl.Utf8))


def _normalize_series(s: pl.Series) -> pl.Series:
    from techcurve.normalize import (
        normalize_series,  # the matcher's normalisation; see architecture.md
    )

    return normalize_series(s)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def build_records(
    raw: pl.DataFrame,
    mapping: Mapping,
    *,
    path: str,
    kind: str | None,
    as_of: date | None,
    money: MoneyConfig | None = None,
) -> tuple[pl.DataFrame, list[Reject]]:
    """Turn one batch of raw rows into records (:data:`OUTPUT_COLUMNS`) and rejects.

    ``kind`` is used when the mapping fixes none and a row names none; ``money`` holds
    the vague-amount multipliers and exchange rates (default: the shipped ones).
    """
    empty = pl.DataFrame(schema=OUTPUT_COLUMNS | {ROW_COL: pl.Int64()})
    if raw.height == 0:
        return empty, []
    df = _mapped_fields(raw, mapping)
    df, reasons = _with_kind(df, mapping, kind)
    df = _with_dates(df, as_of)
    reasons.append((pl.col("_de"), pl.col("date@"), pl.col("date")))
    df = _with_amounts(df, mapping, money)
    if "amount" in mapping.fields:
        reasons.append((pl.col("_ae"), pl.col("amount@"), pl.col("amount")))
    df, rejects = _split_rejects(df, reasons, path)
    if df.height == 0:
        return empty, rejects
    df = _with_ids(_with_lists(_with_rounds(df)), mapping.source)
    return _output(df, mapping.source), rejects


#: Why a row is rejected, the column it names and the value shown (null: no reason).
_Reason = tuple[pl.Expr, pl.Expr, pl.Expr]


def _mapped_fields(raw: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """Each field's value and (as ``<field>@``) the input column that supplied it."""
    have = set(raw.columns)
    df, cleaned = _cleaned(raw, mapping)
    exprs: list[pl.Expr] = [pl.col(ROW_COL)]
    for name in _FIELD_ORDER:
        spec = mapping.fields.get(name)
        if spec is None:
            exprs += [
                pl.lit(None, dtype=pl.Utf8).alias(name),
                pl.lit(None, dtype=pl.Utf8).alias(f"{name}@"),
            ]
            continue
        val, col = _field(spec, cleaned, controls=name == "title")
        exprs += [val.alias(name), col.alias(f"{name}@")]
    title = mapping.fields.get("title")
    # what the title was before its control characters went (for the reject reason)
    cells = [pl.col(c).cast(pl.Utf8) for c in (title.columns if title else ()) if c in have]
    raw_title = pl.coalesce(
        [pl.when(c.str.len_bytes() > 0).then(c) for c in cells] + [pl.lit(None, pl.Utf8)]
    )
    exprs.append(raw_title.alias("_title_raw"))
    df = df.select(exprs)
    # A date column wins; a year column fills in where it is empty.
    return df.with_columns(
        pl.when(pl.col("date").is_null() & pl.col("year").is_not_null())
        .then(pl.col("year@"))
        .otherwise(pl.col("date@"))
        .alias("date@"),
        pl.coalesce("date", "year").alias("date"),
    )


def _with_kind(
    df: pl.DataFrame, mapping: Mapping, kind: str | None
) -> tuple[pl.DataFrame, list[_Reason]]:
    """Each row's kind; and the reasons to reject a row for its kind or missing title."""
    if mapping.kind is not None:
        df = df.with_columns(pl.lit(mapping.kind, dtype=pl.Utf8).alias("kind"))
    else:
        default = pl.lit(kind, dtype=pl.Utf8)
        df = df.with_columns(pl.coalesce(pl.col("kind").str.to_lowercase(), default).alias("kind"))
    allowed = list(mapping.kinds if mapping.kind is None else (mapping.kind,))
    no_kind = t("ingest.reject_no_kind", "en", kinds=", ".join(KINDS))
    not_allowed = t("ingest.reject_kind_not_allowed", "en", kind="{}", allowed=", ".join(allowed))
    reasons: list[_Reason] = [
        (
            pl.when(pl.col("kind").is_null())
            .then(pl.lit(no_kind))
            .when(~pl.col("kind").is_in(allowed))
            .then(pl.format(not_allowed, pl.col("kind"))),
            pl.col("kind@"),
            pl.col("kind"),
        ),
        (
            pl.when(pl.col("title").is_null() & pl.col("_title_raw").is_not_null())
            .then(pl.lit(t("ingest.reject_title_blank", "en")))
            .when(pl.col("title").is_null())
            .then(pl.lit(t("ingest.reject_no_title", "en"))),
            pl.col("title@"),
            pl.col("_title_raw").str.replace_all(_CONTROLS, "\ufffd"),
        ),
    ]
    return df, reasons


def _with_dates(df: pl.DataFrame, as_of: date | None) -> pl.DataFrame:
    """Each row's date (``_d``), its precision (``_dp``), year (``_year``) and why it is
    not a date (``_de``), parsed once per distinct value."""
    # Plain ISO days (most dates) are checked in polars; the rest one by one in Python.
    distinct = df.get_column("date").drop_nulls().unique()
    iso = pl.DataFrame({"date": distinct}).with_columns(
        _d=pl.when(pl.col("date").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")).then(
            pl.col("date").str.to_date("%Y-%m-%d", strict=False)
        )
    )
    fine = pl.col("_d").is_not_null() & (pl.col("_d").dt.year() >= MIN_YEAR)
    if as_of is not None:
        fine = fine & (pl.col("_d") <= as_of)
    iso_ok = iso.filter(fine).select(
        "date", "_d", _dp=pl.lit("day", dtype=pl.Utf8), _de=pl.lit(None, dtype=pl.Utf8)
    )
    uniq = iso.filter(~fine).get_column("date").to_list()
    d_vals: list[date | None] = []
    d_prec: list[str | None] = []
    d_err: list[str | None] = []
    for v in uniq:
        p = parse_date(v, as_of=as_of)
        if isinstance(p, ParsedDate):
            d_vals.append(p.date)
            d_prec.append(p.precision)
            d_err.append(None)
        else:
            d_vals.append(None)
            d_prec.append(None)
            d_err.append(p.reason)
    dates = pl.concat(
        [
            iso_ok,
            pl.DataFrame(
                {"date": uniq, "_d": d_vals, "_dp": d_prec, "_de": d_err},
                schema={"date": pl.Utf8, "_d": pl.Date, "_dp": pl.Utf8, "_de": pl.Utf8},
            ),
        ]
    )
    df = df.join(dates, on="date", how="left", maintain_order="left")
    return df.with_columns(pl.col("_d").dt.year().cast(pl.Int32).alias("_year"))


_AMOUNT_SCHEMA: dict[str, pl.DataType] = {
    "amount": pl.Utf8(), "_year": pl.Int32(), "currency": pl.Utf8(), "_at": pl.Utf8(),
    "_lo": pl.Float64(), "_hi": pl.Float64(), "_pt": pl.Float64(), "_cur": pl.Utf8(),
    "_ae": pl.Utf8(),
}  # fmt: skip


def _with_amounts(df: pl.DataFrame, mapping: Mapping, money: MoneyConfig | None) -> pl.DataFrame:
    """Each row's amount as shown (``_at``), in CNY (``_lo``, ``_hi``, ``_pt``), its
    currency (``_cur``) and why it is not an amount (``_ae``), parsed once per
    distinct (text, year, currency)."""
    if "amount" not in mapping.fields:
        return df.with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("_at"),
            pl.lit(None, dtype=pl.Float64).alias("_lo"),
            pl.lit(None, dtype=pl.Float64).alias("_hi"),
            pl.lit(None, dtype=pl.Float64).alias("_pt"),
            pl.lit(None, dtype=pl.Utf8).alias("_cur"),
        )
    keys = df.select("amount", "_year", "currency").unique()
    rows: list[dict[str, Any]] = []
    for text, year, cur in keys.iter_rows():
        a = parse_amount(text, year=year, currency=cur or mapping.amount_currency, config=money)
        if isinstance(a, Amount):
            shown = text
            if text is None:
                shown = "undisclosed"
            elif mapping.amount_currency and a.currency and not cur and _is_number(text):
                shown = f"{a.currency} {text}"
            rows.append({"amount": text, "_year": year, "currency": cur, "_at": shown,
                         "_lo": a.low_cny, "_hi": a.high_cny, "_pt": a.point_cny,
                         "_cur": a.currency, "_ae": None})  # fmt: skip
        else:
            rows.append({"amount": text, "_year": year, "currency": cur, "_at": text,
                         "_lo": None, "_hi": None, "_pt": None, "_cur": None,
                         "_ae": a.reason})  # fmt: skip
    amounts = pl.DataFrame(rows, schema=_AMOUNT_SCHEMA)
    return df.join(amounts, on=["amount", "_year", "currency"], how="left", nulls_equal=True,
                   maintain_order="left")  # fmt: skip


def _split_rejects(
    df: pl.DataFrame, reasons: list[_Reason], path: str
) -> tuple[pl.DataFrame, list[Reject]]:
    """The rows no reason applies to, and a reject for each other row (its first reason)."""
    why: Any = pl
    wcol: Any = pl
    wval: Any = pl
    for r, c, v in reasons:
        why = why.when(r.is_not_null()).then(r)
        wcol = wcol.when(r.is_not_null()).then(c)
        wval = wval.when(r.is_not_null()).then(v)
    df = df.with_columns(
        why.otherwise(None).alias("_why"),
        wcol.otherwise(None).alias("_wcol"),
        wval.otherwise(None).alias("_wval"),
    )
    bad = df.filter(pl.col("_why").is_not_null())
    rejects = [
        Reject(path, int(n), c, v, w)
        for n, c, v, w in bad.select(ROW_COL, "_wcol", "_wval", "_why").iter_rows()
    ]
    return df.filter(pl.col("_why").is_null()), rejects


def _with_rounds(df: pl.DataFrame) -> pl.DataFrame:
    """Each row's normalised financing round (``_round``), once per distinct round."""
    r_uniq = df.get_column("round").drop_nulls().unique().to_list()
    rounds = pl.DataFrame(
        {"round": r_uniq, "_round": [normalize_round(r) for r in r_uniq]},
        schema={"round": pl.Utf8, "_round": pl.Utf8},
    )
    return df.join(rounds, on="round", how="left", maintain_order="left")


def _with_lists(df: pl.DataFrame) -> pl.DataFrame:
    """List fields ``;``-joined, whatever separators the source used."""
    return df.with_columns(
        pl.col(c)
        .str.replace_all(r"\s*(?:;;|；|;)\s*", ";")
        .str.replace_all(r";{2,}", ";")
        .str.strip_chars(";")
        .alias(c)
        for c in _LIST_FIELDS
    ).with_columns(
        pl.when(pl.col(c).str.len_chars() > 0).then(pl.col(c)).alias(c) for c in _LIST_FIELDS
    )


def _with_ids(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """Each row's ``record_id``: ``<source>:<source id>``, or for rows without a source
    id a content hash of the normalised title | date | organisation | kind. The source is
    the row's ``source`` field where the mapping maps one (one file holding several
    platforms), else the mapping's."""
    need = df.get_column("source_id").is_null()
    hashes = pl.Series("_hash", [None] * df.height, dtype=pl.Utf8)
    if need.any():
        sub = df.filter(need)
        title_norm = _normalize_series(sub.get_column("title"))
        org_norm = _normalize_series(sub.get_column("organization").fill_null(""))
        key = sub.select(
            t=title_norm,
            d=pl.col("_d").cast(pl.Utf8).fill_null(""),
            o=org_norm,
            k=pl.col("kind"),
        )
        digests = pl.Series(
            [_sha(f"{ti}|{d}|{o}|{k}") for ti, d, o, k in key.iter_rows()], dtype=pl.Utf8
        )
        hashes = hashes.scatter(need.arg_true(), digests)
    src = pl.coalesce(pl.col("source").str.strip_chars(), pl.lit(source, dtype=pl.Utf8))
    return df.with_columns(hashes, src.alias("_source")).with_columns(
        pl.when(pl.col("source_id").is_not_null())
        .then(pl.col("_source") + pl.lit(":") + pl.col("source_id"))
        .otherwise(pl.col("_source") + pl.lit(":h:") + pl.col("_hash"))
        .alias("record_id")
    )


def _output(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """The record columns (:data:`OUTPUT_COLUMNS`) and the row, typed."""
    out = df.select(
        pl.col("record_id"),
        pl.col("kind"),
        pl.col("_source").alias("source"),
        pl.col("source_id"),
        pl.col("title"),
        pl.col("abstract"),
        pl.col("keywords"),
        pl.col("_d").alias("date"),
        pl.col("_dp").fill_null("none").alias("date_precision"),
        pl.col("_year").alias("year"),
        pl.col("venue"),
        pl.col("organization"),
        pl.col("ipc"),
        pl.col("url"),
        pl.col("_at").alias("amount_text"),
        pl.col("_lo").alias("amount_low_cny"),
        pl.col("_hi").alias("amount_high_cny"),
        pl.col("_pt").alias("amount_point_cny"),
        pl.col("_cur").alias("currency"),
        pl.col("round").alias("round_raw"),
        pl.col("_round").alias("round"),
        pl.col("investors"),
        pl.col("sector"),
        pl.col(ROW_COL),
    )
    schema: dict[Any, Any] = OUTPUT_COLUMNS | {ROW_COL: pl.Int64()}
    return out.cast(schema)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
