#!/usr/bin/env bash
# Runs every test. It installs the test tools and builds the pages, and it fails when a page is
# over its transfer budget. Then it runs the shared rules' field cases as wasm32 (the page's
# verdicts) and the whole workspace's tests natively (unit, property, API, SMTP and browser
# tests). It ends with one line that adds up every test binary's result.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
scripts/build-frontend.sh --enforce-budget

output=$(mktemp)
trap 'rm -f "$output"' EXIT
scripts/test-shared-wasm.sh 2>&1 | tee "$output"
cargo test --workspace 2>&1 | tee -a "$output"

# Cargo ends with the last crate's doc tests, often "0 passed", which hides the totals.
awk '/^test result:/ { passed += $4; failed += $6 }
     END { printf "summary: %d passed, %d failed\n", passed, failed }' "$output"
