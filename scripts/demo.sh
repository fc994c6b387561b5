#!/usr/bin/env bash
# Imports the bundled demo incident into a fresh case and prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
case_file="${KORDON_CASE:-$HOME/.local/share/kordon/demo.kordon}"
mkdir -p "$(dirname "$case_file")"
rm -f "$case_file" "$case_file-wal" "$case_file-shm"
cargo run --release --quiet -- --case "$case_file" import fixtures/demo/kordon-demo.zip
echo
echo "Kordon's own detections over the audit log and Tetragon events:"
cargo run --release --quiet -- --case "$case_file" detect
echo
echo "Case: $case_file — its alerts of high severity and above:"
cargo run --release --quiet -- --case "$case_file" events --kind alert --min-severity high
echo
echo "Explore it further: cargo run --release -- --case $case_file events --help"
