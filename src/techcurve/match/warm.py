"""The matcher's compiled kernels made before the first command that needs them:
``python -m techcurve.match.warm`` (``make setup`` runs it).

Numba compiles the kernels of :mod:`~techcurve.match.fastmatch` and
:mod:`techcurve.normalize.fastnorm` on their first call and keeps them in its cache
(``__pycache__`` beside their source files, one entry per argument types); compiling
them takes 15–20 s, which the first ``run``, ``ingest --taxonomy`` or ``match`` after an
install (or after those files change) would otherwise pay (docs/performance.md, "Ingest's
first run and its start"). Later processes only load them (≈ 0.1 s).
"""

from __future__ import annotations

import numpy as np


def main() -> None:
    """Compile (or load) every kernel the matcher runs, with the argument types the
    records give them, and keep the default taxonomy's automata."""
    from techcurve.match.fastmatch import compile_patterns, find_all  # noqa: PLC0415
    from techcurve.match.matcher import warm  # noqa: PLC0415
    from techcurve.taxonomy import DEFAULT_TAXONOMY, load_taxonomy  # noqa: PLC0415

    warm(load_taxonomy(DEFAULT_TAXONOMY).queries)
    # a taxonomy too large for one table has several automata, merged by one more kernel
    # (text in a writable buffer, as the normalised text is: Numba compiles read-only
    # arrays apart)
    two = compile_patterns(["a"]) + compile_patterns(["b"])
    find_all(two, np.frombuffer(bytearray(b"ab"), np.uint8), np.array([0, 2], np.int64))


if __name__ == "__main__":
    main()
