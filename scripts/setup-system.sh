#!/usr/bin/env bash
# System packages techcurve needs beyond Python. Idempotent: installs only what is missing.
# The CJK font for charts and the HTML report comes from the `mplfonts` pip package, not
# from the system. Chromium prints the HTML report to PDF; poppler-utils turns PDF pages
# into PNGs for checking them by eye. fonts-noto-cjk lets Chromium show the dashboard's
# Chinese pages in the browser tests (tests/test_serve_browser.py). libreoffice-impress
# (without its recommends) renders the PowerPoint deck to PDF, so its slides can be looked
# at as PNGs (tests/test_report_deck.py).
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
lean=()  # installed without their recommends (LibreOffice would bring a Java runtime)
for pkg in libreoffice-impress; do
  dpkg -s "$pkg" >/dev/null 2>&1 || lean+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && exit 0
installed=false
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if $SUDO apt-get update -qq && \
     { [ ${#need[@]} -eq 0 ] || $SUDO apt-get install -y -qq "${need[@]}"; } && \
     { [ ${#lean[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${lean[@]}"; }; then
    installed=true
  fi
fi
missing=("${need[@]}" "${lean[@]}")
if [ "$installed" = false ]; then
  cat >&2 <<MSG
setup-system: not installed: ${missing[*]} (no apt-get, or the install failed).
  Everything but these works: the curve (SVG/PNG), the HTML report and the dashboard.
  - chromium: needed only for the PDF report (techcurve report -o report.pdf) and the
    browser tests; install Chromium or Chrome with your package manager, then rerun.
  - poppler-utils: only for turning PDF pages into PNGs when checking them by eye.
  - fonts-noto-cjk: only for Chinese text in the browser tests' screenshots.
  - libreoffice-impress: only for rendering the PowerPoint deck (report -o report.pptx)
    to PDF/PNG when checking it by eye; the deck itself needs no system package.
MSG
fi
exit 0
