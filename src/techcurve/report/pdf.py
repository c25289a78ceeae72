"""PDF output: the HTML report printed by a headless Chromium.

Why Chromium and not matplotlib pages or WeasyPrint: the HTML report is the single
layout (tables, wrapped Chinese text, inline SVG charts with text as paths), and a
browser prints exactly what a reader sees on screen, with the page CSS
(``@page``, ``break-before``) in the template. matplotlib-only pages would be a second
layout to keep in step; WeasyPrint renders SVG through its own subset and needs
Pango. Chromium is one Debian package (``chromium``), runs offline, and the charts
bring their own glyphs (SVG paths), so no system CJK font is needed for them; the
HTML text itself uses the bundled Noto Sans CJK SC through a ``file://`` font face.

>>> html_to_pdf(Path("out/report.html"), Path("out/report.pdf"))   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from techcurve.errors import ReportError

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 180


def find_chromium() -> str:
    """The Chromium executable: ``$TECHCURVE_CHROMIUM``, else the first on ``PATH``."""
    env = os.environ.get("TECHCURVE_CHROMIUM")
    if env:
        if Path(env).is_file() or shutil.which(env):
            return env
        raise ReportError.of("report.error.chromium_env", value=env)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise ReportError.of("report.error.no_chromium")


def chromium_args(chromium: str, profile_dir: str) -> list[str]:
    """The headless flags: no sandbox (root in containers), no network, no first-run."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={profile_dir}",
    ]


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (no header/footer)."""
    chromium = find_chromium()
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="techcurve-chromium-") as profile:
        args = [
            *chromium_args(chromium, profile),
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf_path}",
            Path(html_path).resolve().as_uri(),
        ]
        _run(args, pdf_path)
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise ReportError.of("report.error.chromium_nothing", path=pdf_path)
    return pdf_path


def _run(args: list[str], target: Path) -> None:
    log.info("running %s", " ".join(args))
    try:
        proc = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            args, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise ReportError.of(
            "report.error.chromium_timeout", seconds=TIMEOUT_S, path=target
        ) from None
    except OSError as e:
        raise ReportError.of(
            "report.error.chromium_run", program=args[0], error=e.strerror or e
        ) from None
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise ReportError.of(
            "report.error.chromium_failed",
            path=target,
            code=proc.returncode,
            output=" / ".join(tail),
        )
    log.debug("chromium: %s", proc.stderr)
