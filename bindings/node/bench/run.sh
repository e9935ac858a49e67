#!/usr/bin/env bash
# Builds the Node binding in release mode into target/node-release (the
# development build in bindings/node stays as it is) and runs bench.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --loglevel=error
out=../../target/node-release
npx napi build --platform --release --output-dir "$out" --no-dts-header --dts "$out/index.d.ts" >/dev/null
cp practicetext.js practicetext.d.ts "$out/"
PRACTICETEXT_NODE="$(cd "$out" && pwd)/practicetext.js" node bench/bench.mjs
