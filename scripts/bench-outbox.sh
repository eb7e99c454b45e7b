#!/usr/bin/env bash
# Benchmarks the outbox end to end: 20,000 mails of 2 KB over HTTP into the release
# postausgang binary and out through pooled SMTP connections to Postfix's smtp-sink on
# loopback, with Postfix's smtp-source against the same sink as the reference. Prints mails
# per second of both, their ratio and the binary's peak memory. Not part of scripts/test.sh.
#
# Settings: BENCH_MESSAGES, BENCH_MESSAGE_BYTES, BENCH_CONCURRENCY, BENCH_SESSIONS and
# BENCH_BINARY, another build of postausgang to measure (see backend/benches/outbox.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in smtp-sink smtp-source; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "$tool is missing; run scripts/install-test-deps.sh" >&2
    exit 1
  fi
done
export PATH="$PATH:/usr/sbin"

cargo bench -p backend --bench outbox
