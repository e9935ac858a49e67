#!/usr/bin/env bash
# Builds the bindings (debug) and runs their test suites; `make python-test`,
# `make node-test` and `make kotlin-test` call it.
#
#   scripts/bindings.sh python-test|node-test|kotlin-test
#
# On a fresh Debian machine it installs what it needs: a venv in .venv with
# the pinned packages of bindings/python/requirements-dev.txt, the pinned npm
# packages of bindings/node and tools/kotlinc (`npm install`, not `npm ci`:
# npm ci trips over the lockfile's platform-optional packages), and, as root,
# Debian's libjna-java and junit5 when missing. The Python and Node suites run
# against a throwaway PostgreSQL (scripts/with-postgres.sh) for their
# PostgreSQL tests. Everything shares the workspace's target/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$ROOT/.venv
KOTLINC=$ROOT/tools/kotlinc/node_modules/kotlin-compiler

say() { printf 'bindings: %s\n' "$*" >&2; }

# apt-get install, as root on a machine with apt-get (a fresh CI machine).
apt_install() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        say "missing: $*; install them (Debian: apt-get install $*)"
        return 1
    fi
    say "installing Debian packages: $*"
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
    } >&2
}

python_env() {
    if [[ ! -x $VENV/bin/python ]]; then
        python3 -m venv "$VENV" 2>/dev/null || {
            rm -rf "$VENV"
            apt_install python3-venv
            python3 -m venv "$VENV"
        }
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt
}

python_test() {
    python_env
    say "maturin develop (debug)"
    VIRTUAL_ENV=$VENV PATH=$VENV/bin:$PATH maturin develop -q -m bindings/python/Cargo.toml
    say "stubtest: the .pyi stub against the module"
    (cd bindings/python && "$VENV/bin/python" -m mypy.stubtest practicetext \
        --allowlist stubtest-allowlist.txt)
    bash scripts/with-postgres.sh "$VENV/bin/python" -m pytest -q -p no:cacheprovider bindings/python/tests
}

# Fails in CI when a build changed a committed generated file.
check_generated() {
    if ! git diff --quiet -- "$@"; then
        git diff --stat -- "$@" >&2
        if [[ ${CI:-} == true ]]; then
            say "generated files differ from the committed ones: rebuild and commit them"
            return 1
        fi
        say "warning: generated files changed; commit them"
    fi
}

node_test() {
    say "npm install (bindings/node)"
    npm install --no-audit --no-fund --loglevel=error --prefix bindings/node >&2
    say "napi build (debug)"
    (cd bindings/node && npx napi build --platform)
    check_generated bindings/node/index.d.ts bindings/node/index.js
    bash scripts/with-postgres.sh node --test bindings/node/__test__/
}

kotlin_deps() {
    if [[ ! -f /usr/share/java/jna.jar || ! -f /usr/share/java/junit-platform-console-standalone.jar ]]; then
        apt_install libjna-java junit5
    fi
    if [[ ! -x $KOTLINC/bin/kotlinc ]]; then
        say "npm install (tools/kotlinc)"
        npm install --no-audit --no-fund --loglevel=error --prefix tools/kotlinc >&2
    fi
}

kotlin_test() {
    kotlin_deps
    say "cargo build: practicetext-ffi, then uniffi-bindgen (debug)"
    # Two builds, so the library's uniffi does not get the generator's
    # `cli` feature unified into it.
    cargo build -q -p practicetext-ffi
    cargo build -q -p uniffi-bindgen
    local lib=$TARGET/debug/libpracticetext_ffi.so out=$TARGET/bindings classes=$TARGET/kotlin-classes
    rm -rf "$out" "$classes"
    for lang in kotlin swift; do
        "$TARGET/debug/uniffi-bindgen" generate "$lib" -l "$lang" -o "$out/$lang" -n >&2
    done
    # Swift is generated only (no Swift toolchain here): check it is there.
    for f in PracticetextFFI.swift PracticetextFFIFFI.h PracticetextFFIFFI.modulemap; do
        [[ -s $out/swift/$f ]] || { say "Swift generation produced no $f"; return 1; }
    done
    local cp=/usr/share/java/jna.jar:$KOTLINC/lib/kotlinx-coroutines-core-jvm.jar
    cp+=:/usr/share/java/junit-jupiter-api.jar:/usr/share/java/apiguardian-api.jar:/usr/share/java/opentest4j.jar
    say "kotlinc: the generated bindings and bindings/uniffi/tests/kotlin"
    "$KOTLINC/bin/kotlinc" -jvm-target 17 -nowarn -cp "$cp" -d "$classes" \
        "$out/kotlin/dev/practicetext/ffi/practicetext_ffi.kt" bindings/uniffi/tests/kotlin/*.kt
    say "JUnit on the JVM"
    local rc=0
    java -Djna.library.path="$TARGET/debug" -Dpracticetext.scenarios="$ROOT/tests/scenarios" \
        -jar /usr/share/java/junit-platform-console-standalone.jar \
        -cp "$classes:$KOTLINC/lib/kotlin-stdlib.jar:$cp" \
        --select-package dev.practicetext.ffi.test --fail-if-no-tests --disable-banner \
        --disable-ansi-colors --details=summary | tee "$TARGET/junit.txt" || rc=$?
    # The launcher's summary is no test-count line CI can read: print one.
    local passed failed
    passed=$(sed -n 's/^\[ *\([0-9][0-9]*\) tests successful *\]$/\1/p' "$TARGET/junit.txt")
    failed=$(sed -n 's/^\[ *\([0-9][0-9]*\) tests failed *\]$/\1/p' "$TARGET/junit.txt")
    echo "${passed:-0} passed, ${failed:-0} failed"
    return "$rc"
}

# The examples in examples/, run after each suite (they exit non-zero when
# the library answers differently from what they expect).
python_example() {
    say "example: examples/python_practice_hook.py"
    "$VENV/bin/python" examples/python_practice_hook.py
}

node_example() {
    say "example: examples/node_webhook.mjs"
    node examples/node_webhook.mjs
}

kotlin_example() {
    local classes=$TARGET/kotlin-example-classes
    local cp=$TARGET/kotlin-classes:/usr/share/java/jna.jar:$KOTLINC/lib/kotlinx-coroutines-core-jvm.jar
    say "example: examples/kotlin/SendButton.kt"
    rm -rf "$classes"
    "$KOTLINC/bin/kotlinc" -jvm-target 17 -nowarn -cp "$cp" -d "$classes" examples/kotlin/*.kt
    java -Djna.library.path="$TARGET/debug" -cp "$classes:$cp:$KOTLINC/lib/kotlin-stdlib.jar" \
        dev.practicetext.examples.SendButtonKt
}

case "${1:-}" in
    python-test) python_test; python_example ;;
    node-test) node_test; node_example ;;
    kotlin-test) kotlin_test; kotlin_example ;;
    *)
        sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
