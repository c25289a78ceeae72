#!/usr/bin/env bash
# System packages techcurve needs beyond Python. Idempotent: installs only what is missing.
# The CJK font for charts and the HTML report comes from the `mplfonts` pip package, not
# from the system. Chromium prints the HTML report to PDF; poppler-utils turns PDF pages
# into PNGs for checking them by eye. fonts-noto-cjk lets Chromium show the dashboard's
# Chinese pages in the browser tests (tests/test_serve_browser.py).
set -euo pipefail
need=()
for pkg in chromium poppler-utils fonts-noto-cjk ${TECHCURVE_SYSTEM_PACKAGES:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
  else
    echo "setup-system: please install ${need[*]} with your package manager" >&2
    exit 1
  fi
fi
