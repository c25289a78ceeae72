"""Shares against each source's own items: a platform's growth is not a technology's.

**Per source.** For a record source (papers, patents, articles) and a year, a
sub-field's share = its matched items of that source in the year / all items of that
source in the year (records counted at as-of; 0 when the source has items but none
matched). For a count series with totals, share = count / total of the year (monthly
rows summed). A sub-field gets a share from every record source that has items in the
year, and from the count sources whose series are linked to it.

**Per role.** Each source has a subrole (:mod:`~techcurve.indicators.sources`): paper,
patent (maturity); media, developer, public, state (hype). ``<subrole>_share`` in
``indicators`` is the mean of the sub-field's per-source shares of that subrole in the
year: every platform one vote, so Weibo's 588k topics do not drown V2EX's 18k. Sources
marked ``shares: false`` (Google Trends, scaled to its own peak over all years) are left
out. A value for year Y reads only evidence dated ≤ Y: no scaling by any maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from techcurve.indicators.sources import SHARE_SUBROLES, SourceRegistry

#: record kinds that are put into shares (financing has amounts, not a share)
SHARE_KINDS = ("paper", "patent", "article", "attention")
#: the share columns of ``indicators``, in order
SHARE_COLUMNS = tuple(f"{s}_share" for s in SHARE_SUBROLES)
#: :func:`source_shares`' columns
SOURCE_SHARE_COLUMNS: dict[str, pl.DataType] = {
    "subfield_id": pl.Utf8(),
    "source": pl.Utf8(),
    "kind": pl.Utf8(),
    "subrole": pl.Utf8(),
    "year": pl.Int32(),
    "n": pl.Float64(),
    "total": pl.Float64(),
    "share": pl.Float64(),
}


@dataclass(frozen=True, slots=True)
class ShareInputs:
    """What the shares read (frames of :class:`~techcurve.indicators.frames.Evidence`)."""

    known: pl.DataFrame  # subfield_id
    links: pl.DataFrame  # matched records per (sub-field, year, kind, site, source, n)
    volumes: pl.DataFrame  # all records per (kind, year, site, source, n)
    yearly: pl.DataFrame  # primary count series per year (count, total, has_total)


def _roles(pairs: pl.DataFrame, registry: SourceRegistry) -> pl.DataFrame:
    """``source, kind, subrole`` of the (source, kind) pairs that go into shares."""
    rows = []
    for source, kind in pairs.unique().sort("source", "kind").iter_rows():
        role = registry.role_of(source, kind)
        if role.shares and role.subrole in SHARE_SUBROLES:
            rows.append((source, kind, role.subrole))
    return pl.DataFrame(
        rows, schema={"source": pl.Utf8, "kind": pl.Utf8, "subrole": pl.Utf8}, orient="row"
    )


def source_shares(inputs: ShareInputs, registry: SourceRegistry) -> pl.DataFrame:
    """Per (sub-field, source, kind, year): matched items ``n``, the source's ``total``
    and ``share`` = n / total (:data:`SOURCE_SHARE_COLUMNS`), with the source's subrole."""
    kinds = pl.col("kind").is_in(SHARE_KINDS)
    totals = (
        inputs.volumes.filter(kinds & pl.col("year").is_not_null())
        .group_by("source", "kind", "year")
        .agg(pl.col("n").sum().cast(pl.Float64).alias("total"))
        .filter(pl.col("total") > 0)
    )
    matched = (
        inputs.links.filter(kinds)
        .group_by("subfield_id", "source", "kind", "year")
        .agg(pl.col("n").sum().cast(pl.Float64).alias("n"))
    )
    rec = (
        inputs.known.join(totals, how="cross")
        .join(matched, on=["subfield_id", "source", "kind", "year"], how="left")
        .with_columns(pl.col("n").fill_null(0.0))
    )
    cnt = (
        inputs.yearly.filter(kinds & pl.col("has_total") & (pl.col("total") > 0))
        .group_by("subfield_id", "source", "kind", pl.col("year").cast(pl.Int32))
        .agg(
            pl.col("count").sum().cast(pl.Float64).alias("n"),
            pl.col("total").sum().cast(pl.Float64).alias("total"),
        )
    )
    cols = ["subfield_id", "source", "kind", "year", "n", "total"]
    both = pl.concat(
        [
            rec.select(pl.col(c).cast(SOURCE_SHARE_COLUMNS[c]) for c in cols),
            cnt.select(pl.col(c).cast(SOURCE_SHARE_COLUMNS[c]) for c in cols),
        ]
    )
    roles = _roles(both.select("source", "kind"), registry)
    out = both.join(roles, on=["source", "kind"], how="inner").with_columns(
        (pl.col("n") / pl.col("total")).alias("share")
    )
    return out.select(pl.col(c).cast(t) for c, t in SOURCE_SHARE_COLUMNS.items()).sort(
        "subfield_id", "source", "kind", "year"
    )


def role_shares(shares: pl.DataFrame) -> pl.DataFrame:
    """Per (sub-field, year): ``<subrole>_share`` = the mean of the per-source shares of
    that subrole (null where no source of the subrole has items that year)."""
    means = shares.group_by("subfield_id", "year", "subrole").agg(
        pl.col("share").sort_by("source", "kind").mean().alias("share")
    )
    wide = means.pivot(on="subrole", index=["subfield_id", "year"], values="share")
    missing = [s for s in SHARE_SUBROLES if s not in wide.columns]
    wide = wide.with_columns(pl.lit(None, pl.Float64).alias(s) for s in missing)
    return wide.select(
        pl.col("subfield_id"),
        pl.col("year").cast(pl.Int32),
        *(pl.col(s).cast(pl.Float64).alias(f"{s}_share") for s in SHARE_SUBROLES),
    ).sort("subfield_id", "year")


__all__ = ["SHARE_COLUMNS", "SOURCE_SHARE_COLUMNS", "ShareInputs", "role_shares", "source_shares"]
