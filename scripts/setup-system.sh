#!/usr/bin/env bash
# System packages techcurve needs beyond Python. Idempotent: installs only what is missing.
# The CJK font for charts and the HTML report comes from the `mplfonts` pip package, not
# from the system. Chromium prints the HTML report to PDF; poppler-utils turns PDF pages
# into PNGs for checking them by eye. fonts-noto-cjk lets Chromium show the dashboard's
# Chinese pages in the browser tests (tests/test_serve_browser.py).
#
# None of them is needed for the curve, the HTML report or the dashboard: without apt-get
# (or when a package cannot be installed) this says what is missing, what it costs, and
# carries on; `make demo` then writes the curve and the HTML report and says how to get
# the PDF.
set -uo pipefail
need=()
for pkg in chromium poppler-utils fonts-noto-cjk ${TECHCURVE_SYSTEM_PACKAGES:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
installed=false
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if $SUDO apt-get update -qq && \
     DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"; then
    installed=true
  fi
fi
if [ "$installed" = false ]; then
  cat >&2 <<MSG
setup-system: not installed: ${need[*]} (no apt-get, or the install failed).
  Everything but these works: the curve (SVG/PNG), the HTML report and the dashboard.
  - chromium: needed only for the PDF report (techcurve report -o report.pdf) and the
    browser tests; install Chromium or Chrome with your package manager, then rerun.
  - poppler-utils: only for turning PDF pages into PNGs when checking them by eye.
  - fonts-noto-cjk: only for Chinese text in the browser tests' screenshots.
MSG
fi
exit 0
