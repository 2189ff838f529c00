# lienthong — common tasks. `make run` and `make test` work on a fresh machine with Rust and
# PostgreSQL on 127.0.0.1:5432 (the tests create and drop their own databases).

CARGO ?= cargo
DEMO_DIR ?= .demo

PYTHON ?= python3
# A virtual environment for the cross-language client test (grpcio, grpcio-tools from PyPI).
PYENV ?= target/pyenv

.PHONY: run test build bench lint fmt certs certs-compose proto-lint completions pyenv clean-demo

## Build, create the development PKI if absent, start the axis (three hubs, tasks, reporting) on SQLite and play the story.
run: build
	LIENTHONG_BIN=target/debug DEMO_DIR=$(DEMO_DIR) bash deploy/demo.sh

build:
	$(CARGO) build --workspace --bins

## Every test: unit, in-process gRPC over mTLS on SQLite and PostgreSQL, end-to-end with the real binaries.
test: build pyenv
	LIENTHONG_PYTHON=$(CURDIR)/$(PYENV)/bin/python $(CARGO) test --workspace --no-fail-fast

## The Python environment of the cross-language client test (tests/python), created once.
pyenv: $(PYENV)/.installed

$(PYENV)/.installed: tests/python/requirements.txt
	$(PYTHON) -m venv $(PYENV)
	$(PYENV)/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
	touch $@

## Every figure of issue 12 in one table, each beside its baseline (docs/performance.md).
## The hub binary is built too: the large-attachment row runs it as a process to read its memory.
bench:
	$(CARGO) build --release -p lienthong-exchange -p lienthong-loadgen
	target/release/lienthong-bench $(BENCH_ARGS)

## Formatting, clippy with warnings as errors, buf lint (with the COMMENTS rules) and buf breaking
## against the main branch: the v1 protos only grow.
lint: fmt proto-lint
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all -- --check

proto-lint:
	cd proto && npx --yes @bufbuild/buf lint
	cd proto && npx --yes @bufbuild/buf breaking --against '../.git#branch=main,subdir=proto'

## Shell completions (bash, zsh, fish) and the manual pages of the CLI, in target/completions and target/man.
completions: build
	target/debug/lienthong generate completions --out target/completions
	target/debug/lienthong generate man --out target/man

## Development certificates (CA, CRL, hub, services, admin, every seed agency) in $(DEMO_DIR)/pki.
certs: build
	target/debug/lienthong pki init --dir $(DEMO_DIR)/pki

## Certificates for deploy/compose.yaml in $(DEMO_DIR)/compose-pki: compose service names as DNS names, keys 0640 (then `chgrp -R 10001` it).
certs-compose: build
	target/debug/lienthong pki init --deploy compose --dir $(DEMO_DIR)/compose-pki

clean-demo:
	rm -rf $(DEMO_DIR)
