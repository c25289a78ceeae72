"""The ``techcurve`` console script (and ``python -m techcurve``).

Before anything loads polars, its allocator (jemalloc) is told to keep freed pages
for 10 s instead of returning them to the system at once (``_RJEM_MALLOC_CONF``; a
value set in the environment wins): ingest and match allocate and free hundreds of
megabytes per batch, and returned pages come back as page faults. Measured with
``techcurve run`` on the 1M benchmark corpus, three runs each: median 10.5 → 10.35 s,
system time 3.0–3.4 → 2.5–3.0 s, peak RSS 1.8 → 1.9–2.0 GB (docs/performance.md).
Only the command line does this: a notebook importing techcurve keeps its settings.
"""

from __future__ import annotations

import os

POLARS_ALLOCATOR = "dirty_decay_ms:10000,muzzy_decay_ms:0"


def main() -> None:
    os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR)
    from .cli import main as cli_main  # noqa: PLC0415 - after the setting, on purpose

    cli_main()
