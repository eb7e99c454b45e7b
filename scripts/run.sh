#!/usr/bin/env bash
# Builds the page and the backend in release mode and starts Postausgang on
# http://127.0.0.1:8080 with its data in ./data (SQLite file and encryption key).
# Environment variables POSTAUSGANG_* override the defaults; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh --build-only
scripts/build-frontend.sh
exec cargo run --release -p backend --bin postausgang -- serve "$@"
