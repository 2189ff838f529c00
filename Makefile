# lienthong — common tasks. `make run` and `make test` work on a fresh machine with Rust and
# PostgreSQL on 127.0.0.1:5432 (the tests create and drop their own databases).

CARGO ?= cargo
DEMO_DIR ?= .demo

.PHONY: run test build bench lint fmt certs proto-lint clean-demo

## Build, create the development PKI if absent, start the axis (three hubs, tasks, reporting) on SQLite and play the story.
run: build
	LIENTHONG_BIN=target/debug DEMO_DIR=$(DEMO_DIR) bash deploy/demo.sh

build:
	$(CARGO) build --workspace --bins

## Every test: unit, in-process gRPC over mTLS on SQLite and PostgreSQL, end-to-end with the real binaries.
test: build
	$(CARGO) test --workspace --no-fail-fast

## Load generator: agencies sending through one hub, beside a bare mTLS echo baseline.
bench:
	$(CARGO) run --release -p lienthong-loadgen -- $(BENCH_ARGS)

## Formatting, clippy with warnings as errors, and buf lint of the protos.
lint: fmt proto-lint
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all -- --check

proto-lint:
	cd proto && npx --yes @bufbuild/buf lint

## Development certificates (CA, CRL, hub, services, admin, every seed agency) in $(DEMO_DIR)/pki.
certs: build
	target/debug/lienthong pki init --dir $(DEMO_DIR)/pki

clean-demo:
	rm -rf $(DEMO_DIR)
