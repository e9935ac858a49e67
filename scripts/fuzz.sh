#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (everything that takes text from
# outside: segments, compliance, keywords, webhook), each for a while, and
# prints how many inputs each ran and for how long.
#
#   make fuzz                            every target, 60 s each
#   FUZZ_SECONDS=300 make fuzz           every target, 5 minutes each
#   scripts/fuzz.sh keywords segments    only those targets
#
# Not part of `make test`: fuzzing finds new inputs for as long as it runs,
# so it has no natural end. A crash stops the run with libFuzzer's report;
# the input that caused it is saved under fuzz/artifacts/TARGET/ and can be
# replayed with `cargo fuzz run TARGET fuzz/artifacts/TARGET/FILE`.
#
# cargo-fuzz builds with sanitizer flags that need a nightly compiler;
# RUSTC_BOOTSTRAP=1 lets the stable toolchain of this project accept them.
# cargo-fuzz itself is installed from crates.io when it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
case $seconds in
'' | *[!0-9]*)
    echo "FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz (cargo install --locked cargo-fuzz)" >&2
    cargo install --locked cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1

known=$(cd fuzz && cargo fuzz list)
if [ $# -gt 0 ]; then
    targets=("$@")
    for t in "${targets[@]}"; do
        if ! grep -qx -- "$t" <<<"$known"; then
            echo "no fuzz target '$t'; the targets are: $(tr '\n' ' ' <<<"$known")" >&2
            exit 2
        fi
    done
else
    mapfile -t targets <<<"$known"
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summary=()
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${seconds} s" >&2
    mkdir -p "fuzz/corpus/$t"
    # libFuzzer reports on stderr; keep its last lines for the summary.
    if ! (cd fuzz && cargo fuzz run "$t" -- -max_total_time="$seconds") 2>"$logs/$t.log"; then
        tail -n 40 "$logs/$t.log" >&2
        echo "fuzz target '$t' failed; the input is under fuzz/artifacts/$t/" >&2
        exit 1
    fi
    done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$logs/$t.log" | tail -n 1 || true)
    summary+=("$t: ${done_line:-finished (libFuzzer printed no run count)}")
done

echo "fuzz: no failure"
printf '  %s\n' "${summary[@]}"
