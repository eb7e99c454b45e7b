#!/usr/bin/env bash
# Runs every test: installs the test tools, builds the page, runs the shared rules' field cases
# as wasm32 (the page's verdicts), then the whole workspace's tests natively (unit, property,
# API, SMTP and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
scripts/build-frontend.sh
scripts/test-shared-wasm.sh
cargo test --workspace
