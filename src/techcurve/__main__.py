"""The ``techcurve`` console script (and ``python -m techcurve``).

Before anything loads polars, its allocator (jemalloc) is told to keep freed pages
for 10 s instead of returning them to the system at once (``_RJEM_MALLOC_CONF``; a
value set in the environment wins): ingest and match allocate and free hundreds of
megabytes per batch, and returned pages come back as page faults. docs/performance.md
("Fourth session", item 6) has the measurement.
Only the command line does this: a notebook importing techcurve keeps its settings.
"""

from __future__ import annotations

import os

POLARS_ALLOCATOR = "dirty_decay_ms:10000,muzzy_decay_ms:0"


def main() -> None:
    os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR)
    from techcurve.cli import main as cli_main  # noqa: PLC0415 - after the setting, on purpose

    cli_main()


if __name__ == "__main__":
    main()
