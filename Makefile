# practicetext: two commands on a fresh machine.
#   make demo   the main job on the embedded default store
#   make test   every test the project has (installs what it needs)

CARGO ?= cargo
SHELL := /bin/bash

.PHONY: test demo lint rust-test bench fuzz

test: lint rust-test
	@echo "make test: all suites passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

rust-test:
	$(CARGO) test --workspace --all-features

demo:
	@bash scripts/demo.sh

bench:
	$(CARGO) bench --bench phone
	$(CARGO) bench --bench broadcast
