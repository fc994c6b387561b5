#!/usr/bin/env bash
# Builds the desktop app and opens it on the bundled demo incident.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --app
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kordon/target}"
cargo build --release -p kordon-app
exec "$CARGO_TARGET_DIR/release/kordon-app" --demo
