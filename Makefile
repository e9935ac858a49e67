# practicetext: two commands on a fresh machine.
#   make demo   the main job on the embedded default store
#   make test   every test the project has (installs what it needs)

CARGO ?= cargo
SHELL := /bin/bash

.PHONY: test demo lint rust-test pg-test examples python-test node-test kotlin-test bench fuzz

test: lint rust-test examples python-test node-test kotlin-test
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

# --all-features includes practicetext-postgres/server-tests: the PostgreSQL
# conformance and migration tests, which need a server. with-postgres.sh
# starts a throwaway one (installing PostgreSQL if missing) unless
# PRACTICETEXT_PG_URL names one; without either those tests fail, never skip.
# The binding crates have no Rust tests of their own: their suites run in
# their languages below.
BINDINGS := practicetext-python practicetext-node practicetext-ffi uniffi-bindgen

rust-test:
	bash scripts/with-postgres.sh $(CARGO) test --workspace --all-features $(BINDINGS:%=--exclude %)

# The bindings, built in debug and tested in their languages on the shared
# JSON scenarios (scripts/bindings.sh installs what they need).
python-test:
	bash scripts/bindings.sh python-test

node-test:
	bash scripts/bindings.sh node-test

kotlin-test:
	bash scripts/bindings.sh kotlin-test

# Only the PostgreSQL store's tests, for working on it.
pg-test:
	bash scripts/with-postgres.sh $(CARGO) test -p practicetext-postgres --features server-tests

# Every example in examples/ runs (and must succeed) as part of make test:
# the Rust one here, the Python, Node and Kotlin ones after their suites in
# python-test, node-test and kotlin-test (scripts/bindings.sh).
examples:
	$(CARGO) run -q --example rust_webhook

demo:
	@bash scripts/demo.sh

bench:
	$(CARGO) bench --bench phone
	$(CARGO) bench --bench store --features sqlite
	$(CARGO) bench --bench decisions
	$(CARGO) bench --bench text
	$(CARGO) bench --bench broadcast
	$(CARGO) bench --bench engine_sqlite --features sqlite
	PRACTICETEXT_PG_DURABLE=1 bash scripts/with-postgres.sh $(CARGO) bench --bench engine_postgres --features postgres

# Every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 60);
# installs cargo-fuzz if it is missing. Not part of make test: see
# scripts/fuzz.sh.
fuzz:
	bash scripts/fuzz.sh
