#!/usr/bin/env bash
# Runs the shared crate's field cases as wasm32 in Node.js, with the same test file that runs
# natively, to show that the page (wasm) and the backend (native) reach the same verdicts.
# Needs the wasm32 target, wasm-bindgen-test-runner and Node.js (scripts/install-test-deps.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test -p shared --target wasm32-unknown-unknown --test field_cases "$@"
