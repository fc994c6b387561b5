#!/usr/bin/env bash
# Installs what building and testing Kordon needs on Debian/Ubuntu. Safe to
# run again: it only installs what is missing.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(gcc)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! command -v cargo >/dev/null; then
  echo "Kordon needs a Rust toolchain (cargo); install it with your distribution or rustup." >&2
  exit 1
fi
