#!/usr/bin/env bash
# Every test: unit tests, the integration suite (the real binary on real
# fixtures), the demo bundle's reproducibility, and a quick benchmark pass.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release 2>&1

# The committed demo bundle must be exactly what its sources build.
rebuilt="$(mktemp -d)/kordon-demo.zip"
cargo run --release --quiet --example make_demo -- "$rebuilt"
if cmp -s "$rebuilt" fixtures/demo/kordon-demo.zip; then
  echo "demo bundle: reproducible from fixtures/demo/src (byte-identical)"
else
  echo "demo bundle: fixtures/demo/kordon-demo.zip differs from a rebuild; run cargo run --example make_demo" >&2
  exit 1
fi

# The benchmark must keep building and running; a quick pass checks that
# (the full run, `cargo bench --bench import`, is what the README reports).
cargo bench --bench import -- --quick 2>&1
