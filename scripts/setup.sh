#!/usr/bin/env bash
# Installs what building and testing Kordon needs on Debian/Ubuntu. Safe to
# run again: it only installs what is missing.
#   scripts/setup.sh          the core and the CLI
#   scripts/setup.sh --app    also the desktop app (WebKitGTK, Node packages)
#   scripts/setup.sh --e2e    also its end-to-end tests (Xvfb, WebKitWebDriver, tauri-driver)
set -euo pipefail
cd "$(dirname "$0")/.."
app=0; e2e=0
for a in "$@"; do
  case "$a" in
    --app) app=1 ;;
    --e2e) app=1; e2e=1 ;;
    *) echo "usage: scripts/setup.sh [--app] [--e2e]" >&2; exit 2 ;;
  esac
done
need=()
command -v cc >/dev/null || need+=(gcc)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import stix2validator, duckdb' 2>/dev/null || python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
# The PDF report tests read the PDF back with poppler (pdftotext, pdfinfo, pdftoppm).
command -v pdftotext >/dev/null || need+=(poppler-utils)
if [ $app -eq 1 ]; then
  dpkg -s libwebkit2gtk-4.1-dev >/dev/null 2>&1 || need+=(libwebkit2gtk-4.1-dev)
  dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
  command -v npm >/dev/null || need+=(nodejs npm)
fi
if [ $e2e -eq 1 ]; then
  command -v Xvfb >/dev/null || need+=(xvfb xauth)
  command -v WebKitWebDriver >/dev/null || need+=(webkit2gtk-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# From PyPI, for the user, as distributions keep the system's Python to their
# own packages: the OASIS STIX validator, which the export tests run on the
# bundles Kordon writes (tests/exports.rs), and
# DuckDB, which the import benchmark measures Kordon against (benches/baselines).
pypi=()
python3 -c 'import stix2validator' 2>/dev/null || pypi+=(stix2-validator)
python3 -c 'import duckdb' 2>/dev/null || pypi+=(duckdb==2.0.1)
if [ ${#pypi[@]} -gt 0 ]; then
  # --user where it is allowed; inside a virtualenv (no user site) plainly;
  # on a distribution's externally managed Python, as the user anyway.
  pip=(python3 -m pip install --quiet --disable-pip-version-check "${pypi[@]}")
  "${pip[@]}" --user 2>/dev/null || "${pip[@]}" 2>/dev/null || "${pip[@]}" --user --break-system-packages
fi
if ! command -v cargo >/dev/null; then
  echo "Kordon needs a Rust toolchain (cargo); install it with your distribution or rustup." >&2
  exit 1
fi
if [ $e2e -eq 1 ] && ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --version '^2' --locked
fi
if [ $app -eq 1 ]; then
  # The web UI: packages from the committed lockfile, then the build the app embeds.
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
fi
