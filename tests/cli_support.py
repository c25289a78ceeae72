"""Running ``techcurve`` as a separate process with its own per-user cache, to see what a
command imports (a curve or report read back from the cache must not draw)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli_modules(args: list[str], cache: Path, modules: list[str]) -> dict[str, bool]:
    """Run ``techcurve ARGS`` in a new process whose per-user cache is ``cache``; return,
    for each of ``modules``, whether the command imported it (the command must succeed)."""
    import matplotlib

    script = (
        "import sys\n"
        "from techcurve.cli.app import _main\n"
        f"sys.argv = ['techcurve', *{args!r}]\n"
        "code = _main()\n"
        f"print(*(m in sys.modules for m in {modules!r}))\n"
        "sys.exit(code)\n"
    )
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(cache),
        "MPLCONFIGDIR": matplotlib.get_cachedir(),  # its font list, not a new one
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env,
        check=True,
    )  # fmt: skip
    flags = done.stdout.strip().splitlines()[-1].split()
    return {m: flag == "True" for m, flag in zip(modules, flags, strict=True)}
