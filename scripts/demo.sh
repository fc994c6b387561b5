#!/usr/bin/env bash
# Imports the bundled demo incident into a fresh case, runs Kordon's
# detections and correlation, and shows the incident.
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
echo "Correlation of the case's alerts into incidents:"
cargo run --release --quiet -- --case "$case_file" correlate
echo
cargo run --release --quiet -- --case "$case_file" incidents
attack="$(cargo run --release --quiet -- --case "$case_file" incidents --json | head -n 1 | sed -e 's/^{"id":"\([^"]*\)".*/\1/')"
echo
cargo run --release --quiet -- --case "$case_file" show "$attack"
echo
echo "Case: $case_file — explore it further:"
echo "  cargo run --release -- --case $case_file graph $attack --format dot | dot -Tsvg > incident.svg"
echo "  cargo run --release -- --case $case_file events --help"
