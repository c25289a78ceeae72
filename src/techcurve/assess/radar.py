"""The ThoughtWorks Technology Radar as a second, independent expert series of labels.

Every radar volume places "blips" in four rings. :func:`read_radar` keeps only the
blip's name, ring, volume and date (the descriptions are licence-restricted and are
never read into techcurve's outputs); :func:`radar_labels` maps the blips to sub-fields
by running the taxonomy's queries over the blip names
(:func:`techcurve.match.match_frame`), maps rings to phases with :data:`RING_PHASES`
and returns a labels frame for :func:`techcurve.assess.backtest.backtest`.

Ring → phase (``docs/backtest.md`` gives the reasoning):

========  ===========  ==========================================================
ring      phase        why
========  ===========  ==========================================================
assess    trigger      "worth exploring to understand how it will affect you": early,
                       no production use recommended yet (the rising side; the peak
                       is one phase away and counts as "within one")
trial     slope        "worth pursuing … try it on a project that can handle the
                       risk": Gartner's slope is "more enterprises fund pilots"
adopt     plateau      "we feel strongly the industry should be adopting": mainstream
hold      trough       "proceed with caution": disillusionment (or a faded practice)
caution   trough       the early volumes' name for hold
========  ===========  ==========================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from techcurve.assess.label_files import LABEL_SCHEMA
from techcurve.datatypes import Phase
from techcurve.errors import AssessError, QueryError
from techcurve.match import match_frame
from techcurve.normalize import normalize
from techcurve.taxonomy.query import parse_query

RING_PHASES: dict[str, Phase] = {
    "assess": Phase.TRIGGER,
    "trial": Phase.SLOPE,
    "adopt": Phase.PLATEAU,
    "hold": Phase.TROUGH,
    "caution": Phase.TROUGH,
}

BLIP_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(),
    "ring": pl.Utf8(),
    "volume": pl.Int32(),
    "published": pl.Date(),
}


def _month(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    v = value.strip()
    for fmt in ("%b %Y", "%B %Y", "%Y-%m", "%Y-%m-%d"):
        try:
            return datetime.strptime(v, fmt).date().replace(day=1)
        except ValueError:
            continue
    return None


def read_radar(path: str | Path) -> pl.DataFrame:
    """The blips of a radar JSON file (a list of objects with ``name``, ``ring``,
    ``volume``, ``publishedDate`` such as "Jan 2010") as ``name, ring, volume,
    published`` — nothing else is kept (descriptions are licence-restricted).
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssessError.of("assess.radar.no_file", path=p) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AssessError.of("assess.radar.not_json", path=p, error=e) from None
    if isinstance(data, Mapping):
        data = data.get("blips", data.get("data"))
    if not isinstance(data, list):
        raise AssessError.of("assess.radar.not_list", path=p)
    rows = []
    for i, b in enumerate(data):
        if not isinstance(b, Mapping):
            raise AssessError.of("assess.radar.not_object", path=p, n=i + 1)
        missing = [k for k in ("name", "ring", "volume", "publishedDate") if k not in b]
        if missing:
            raise AssessError.of("assess.radar.lacks", path=p, n=i + 1, keys=", ".join(missing))
        ring = str(b["ring"]).strip().lower()
        if ring not in RING_PHASES:
            raise AssessError.of(
                "assess.radar.bad_ring",
                path=p,
                n=i + 1,
                name=b["name"],
                ring=b["ring"],
                rings=", ".join(RING_PHASES),
            )
        when = _month(b["publishedDate"])
        if when is None:
            raise AssessError.of(
                "assess.radar.bad_date", path=p, n=i + 1, name=b["name"], value=b["publishedDate"]
            )
        try:
            volume = int(b["volume"])
        except (TypeError, ValueError):
            raise AssessError.of(
                "assess.radar.bad_volume", path=p, n=i + 1, value=b["volume"]
            ) from None
        rows.append(
            {"name": str(b["name"]).strip(), "ring": ring, "volume": volume, "published": when}
        )
    return pl.DataFrame(rows, schema=BLIP_SCHEMA, orient="row")


def radar_labels(
    blips: pl.DataFrame,
    subfields: pl.DataFrame,
    *,
    ring_phases: Mapping[str, Phase] | None = None,
) -> pl.DataFrame:
    """Labels (:data:`~techcurve.assess.label_files.LABEL_SCHEMA` plus ``subfield_id``) from
    radar blips.

    ``subfields`` needs ``subfield_id`` and ``query`` (the store's ``subfields`` table).
    Each blip name is matched against every sub-field's query; a sub-field with
    several blips in one volume takes the lower median of their phases; of the
    volumes of one year, the latest one gives the label (one label per sub-field per
    year, so that a blip repeated in two volumes does not count twice). ``as_of`` is
    the first day of the volume's month; ``source`` names the volume and the blips.
    """
    rp = dict(ring_phases or RING_PHASES)
    queries = {}
    for sid, q in subfields.select("subfield_id", "query").iter_rows():
        if not q:
            continue
        try:
            queries[str(sid)] = parse_query(str(q))
        except QueryError:
            continue  # the taxonomy lint reports these; the radar just cannot use them
    frame = blips.with_row_index("_i").with_columns(
        pl.col("_i").cast(pl.Utf8).alias("record_id"),
        pl.col("name").map_elements(normalize, return_dtype=pl.Utf8).alias("text_norm"),
    )
    frame = frame.with_columns(pl.col("text_norm").alias("title_norm"))
    links = match_frame(frame.select("record_id", "text_norm", "title_norm"), queries)
    empty = pl.DataFrame(schema={**LABEL_SCHEMA, "subfield_id": pl.Utf8()})
    if links.height == 0:
        return empty
    order = {p.value: p.order for p in Phase}
    hits = links.join(frame.drop("text_norm", "title_norm"), on="record_id").with_columns(
        pl.col("ring")
        .replace_strict({r: order[ph.value] for r, ph in rp.items()}, return_dtype=pl.Int32)
        .alias("_ord"),
        pl.col("published").dt.year().cast(pl.Int32).alias("year"),
    )
    per_volume = hits.group_by("subfield_id", "volume", "published", "year").agg(
        pl.col("_ord").sort().get((pl.len() - 1) // 2).alias("_ord"),
        pl.col("name").unique().sort().str.join(", ").alias("_names"),
        pl.col("ring").unique().sort().str.join("/").alias("_rings"),
    )
    per_year = (
        per_volume.sort("subfield_id", "year", "volume")
        .group_by("subfield_id", "year", maintain_order=True)
        .last()
        .sort("subfield_id", "year")
    )
    phases = [p.value for p in Phase]
    out = per_year.with_row_index("row", offset=1).select(
        pl.col("row").cast(pl.Int64),
        pl.col("subfield_id").alias("technology"),
        pl.col("year").cast(pl.Int32),
        pl.col("published").alias("as_of"),
        pl.col("_ord").map_elements(lambda o: phases[o], return_dtype=pl.Utf8).alias("phase"),
        pl.lit(None, pl.Utf8).alias("years_band"),
        pl.format(
            "ThoughtWorks Radar vol {} ({}): {} [{}]",
            "volume",
            pl.col("published").dt.strftime("%b %Y"),
            "_names",
            "_rings",
        ).alias("source"),
        pl.lit(False).alias("uncertain"),
        "subfield_id",
    )
    return pl.concat([empty, out], how="vertical_relaxed")


__all__ = ["BLIP_SCHEMA", "RING_PHASES", "radar_labels", "read_radar"]
