#!/usr/bin/env bash
# The demo: a short session with the practicetext CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p practicetext-cli
pt=target/debug/practicetext
say() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }
run() { printf '$ practicetext %s\n' "$*" >&2; "$pt" "$@"; }

say "Phone numbers in any common written form become E.164 (SPEC N1)"
run phone "(650) 253-0000"
run phone "1-416-253-0000"
say "Only US and Canadian numbers can be texted, and every refusal says why (SPEC N2)"
run phone "+44 20 7946 0958"
run phone "+1 876 555 1234"
run phone "911-253-0000"
say "Batch mode for scripts: one JSON object per line"
printf '{"input":"650.253.0000"}\n{"input":"253-0000"}\n{"input":"650 555 0123"}\n' | "$pt" phone --jsonl
