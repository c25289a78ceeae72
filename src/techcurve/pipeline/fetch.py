"""``fetch``: count-level evidence from an open API into the store (docs/connectors.md).

:func:`fetch` opens the store, asks the source for every chosen sub-field's series and
the source's period totals (what is not answered yet), stores them as ``counts`` with
their provenance, and links the count series to the sub-fields again when the store
was matched with the same taxonomy (otherwise ``techcurve match`` does it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from techcurve.config import load_config, section
from techcurve.fetch import (
    FetchSummary,
    Http,
    HttpSettings,
    Years,
    connector,
    fetch_counts,
    secrets_for,
)
from techcurve.pipeline.stages import PathLike, taxonomy_for
from techcurve.store import Meta, Store
from techcurve.taxonomy import Taxonomy

if TYPE_CHECKING:
    import httpx

#: the first year asked when ``--from`` is not given
DEFAULT_FIRST_YEAR = 2010


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The fetch's summary, and the count links written after it (None: the store was
    matched with another taxonomy, or never; ``techcurve match`` links them)."""

    summary: FetchSummary
    links: int | None


def cache_path_for(db: PathLike) -> Path:
    """The HTTP cache of a store: ``<store>.fetch-cache.sqlite`` beside it."""
    p = Path(db)
    return p.with_name(p.name + ".fetch-cache.sqlite")


def _settings(cfg: dict[str, object]) -> HttpSettings:
    base = HttpSettings()
    return HttpSettings(
        timeout=float(cfg.get("timeout_seconds", base.timeout)),  # type: ignore[arg-type]
        retries=int(cfg.get("retries", base.retries)),  # type: ignore[call-overload]
        backoff=float(cfg.get("backoff_seconds", base.backoff)),  # type: ignore[arg-type]
        max_wait=float(cfg.get("max_wait_seconds", base.max_wait)),  # type: ignore[arg-type]
    )


def fetch(
    db: PathLike,
    source: str,
    *,
    taxonomy: PathLike | Taxonomy | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
    subfields: Sequence[str] = (),
    config: PathLike | None = None,
    transport: httpx.BaseTransport | None = None,
    cache: bool = True,
    today: date | None = None,
    sleep: Callable[[float], None] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> FetchResult:
    """Fetch ``source``'s counts (``openalex``, ``wikipedia``, ``hn``, ``github``,
    ``patentsview``) for the taxonomy's sub-fields (or those named) from ``first_year``
    (default 2010) to ``last_year`` (default this year) into the store at ``db``.

    Credentials come from ``OPENALEX_API_KEY``, ``OPENALEX_MAILTO``, ``GITHUB_TOKEN``,
    ``PATENTSVIEW_API_KEY`` or the config file's ``fetch`` section; ``transport`` replaces the network (tests
    replay recorded answers through an ``httpx.MockTransport``); ``cache`` False skips
    the on-disk HTTP cache.

    >>> fetch("demo.duckdb", "openalex", subfields=["blockchain-platforms"])  # doctest: +SKIP
    FetchResult(summary=FetchSummary(source='openalex', series=1, calls=2, asked=2, ...)
    """
    conn = connector(source)
    cfg = section(load_config(config), "fetch")
    secrets = secrets_for(conn, cfg)
    tax = taxonomy_for(db, taxonomy)
    day = today or datetime.now(UTC).date()
    years = Years(first_year or DEFAULT_FIRST_YEAR, last_year or day.year, day)
    http = Http(
        conn,
        secrets=secrets,
        cache_path=cache_path_for(db) if cache else None,
        transport=transport,
        settings=_settings(cfg),
        sleep=sleep or time.sleep,
    )
    with http, Store.open(db) as st:
        summary = fetch_counts(st, conn, tax, years, http, subfields=subfields, progress=progress)
        links = None
        if st.get_meta(Meta.TAXONOMY_HASH) == tax.hash:
            from techcurve.match.incremental import relink_counts

            links = relink_counts(st, tax.queries)
    return FetchResult(summary, links)
