#!/usr/bin/env bash
# Every test: unit tests, the integration suite (real binary on real
# fixtures), the demo bundle's reproducibility, and a short benchmark run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release 2>&1
# The benchmarks must keep building and running; a quick pass checks that.
cargo bench --bench import -- --quick 2>&1
