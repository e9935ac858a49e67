#!/usr/bin/env bash
# CPU time per call of one text case (segments, compliance check, keyword
# classification), a companion to `cargo bench --bench text`.
#
#   scripts/cpu-per-call.sh CASE [TEXT]
#   e.g. scripts/cpu-per-call.sh kw_reply
#        scripts/cpu-per-call.sh kw_text "please stop texting me"
#
# CASE is one of crates/practicetext-core/examples/text_instructions.rs
# (segments, check_link, check_no_link, check_ucs2, check_cbd, kw_stop,
# kw_reply, kw_natural, kw_text). The example runs the case N times
# (default 10,000,000) in RUNS runs (default 7); the figure is the least
# user CPU time of a run, less that of a run of 0 calls, divided by N.
#
# Criterion measures wall time, which on a shared virtual machine grows
# with the host's load (time the host gives to other guests). User CPU
# time does not count that, so this figure stays put while criterion's
# moves; it is still a release build on one core.
set -euo pipefail

case_name=${1:?usage: scripts/cpu-per-call.sh CASE [TEXT]}
text=${2:-}
n=${N:-10000000}
runs=${RUNS:-7}

cd "$(dirname "$0")/.."
cargo build --quiet --release -p practicetext-core --example text_instructions
bin=target/release/examples/text_instructions

# Least user CPU time, in seconds, of `runs` runs of `calls` calls.
least() {
    local calls=$1 best="" t
    for _ in $(seq "$runs"); do
        t=$( { /usr/bin/time -f "%U" "$bin" "$case_name" "$calls" "$text" >/dev/null; } 2>&1 | tail -n 1)
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$t
        fi
    done
    echo "$best"
}

base=$(least 0)
all=$(least "$n")
awk -v a="$all" -v b="$base" -v n="$n" -v c="$case_name" \
    'BEGIN { printf "%s: %.1f ns of CPU time per call (least of runs of %d calls)\n", c, (a - b) / n * 1e9, n }'
