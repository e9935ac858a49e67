#!/usr/bin/env bash
# Builds a release wheel of the Python binding and runs bench.py against it,
# in target/bench-venv (the development .venv keeps its debug build).
set -euo pipefail
cd "$(dirname "$0")/../../.."
python3 -m venv target/bench-venv
target/bench-venv/bin/pip install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt
target/bench-venv/bin/maturin build --release -q -m bindings/python/Cargo.toml -o target/wheels
target/bench-venv/bin/pip install -q --disable-pip-version-check --force-reinstall target/wheels/practicetext-*.whl
cd target && bench-venv/bin/python ../bindings/python/bench/bench.py
