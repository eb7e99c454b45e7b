#!/usr/bin/env bash
# Runs every test: installs the test tools, builds the page, checks that the shared rules build
# for wasm32, then runs the whole workspace's tests (unit, integration, SMTP and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
scripts/build-frontend.sh
cargo build -p shared --target wasm32-unknown-unknown
cargo test --workspace
