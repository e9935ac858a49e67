#!/usr/bin/env bash
# Builds the uniffi library in release mode, generates its Kotlin bindings,
# compiles Bench.kt with them and runs it on the JVM. Needs what
# `make kotlin-test` installs (Debian libjna-java, tools/kotlinc).
set -euo pipefail
cd "$(dirname "$0")/../../.."
KT=tools/kotlinc/node_modules/kotlin-compiler
cargo build -q --release -p practicetext-ffi
cargo build -q -p uniffi-bindgen
out=target/bench-kotlin
rm -rf "$out"
target/debug/uniffi-bindgen generate target/release/libpracticetext_ffi.so -l kotlin -o "$out/src" -n >/dev/null
"$KT/bin/kotlinc" -jvm-target 17 -nowarn -cp /usr/share/java/jna.jar -d "$out/classes" \
    "$out/src/dev/practicetext/ffi/practicetext_ffi.kt" bindings/uniffi/bench/Bench.kt
java -Djna.library.path="$PWD/target/release" -cp "$out/classes:$KT/lib/kotlin-stdlib.jar:/usr/share/java/jna.jar" BenchKt
