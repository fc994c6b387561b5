#!/usr/bin/env bash
# Measures the desktop app in its real webview (under Xvfb): how fast the
# queue of a one-million-event case appears, and how a 2,000-node graph lays
# out and pans. Prints the figures the README reports. KORDON_MEASURE_EVENTS
# changes the case size.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --e2e
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kordon/target}"
cargo test --release -p kordon-app --test measure -- --ignored --nocapture 2>&1
