#!/usr/bin/env bash
# make demo: a practice's texting day, end to end (see `practicetext demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p practicetext-cli
exec target/debug/practicetext demo "$@"
