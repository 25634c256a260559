# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export AFTERDESK_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint pytest bench load install fuzz-api

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# The demo (published passwords) on this machine: DEBUG stays off (no debug pages, the code
# paths of production), so the demo is forced; `serve` without --demo never loads it.
run: install
	$(BIN)/afterdesk serve --demo --force-demo

test: install lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy afterdesk
	$(BIN)/lint-imports
	$(BIN)/afterdesk makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -n auto

# The API fuzzed against its OpenAPI schema with many more examples than `make test` runs,
# from a fresh random seed each time (nightly; docs/api.md, "Fuzzing").
FUZZ_EXAMPLES ?= 150
fuzz-api: install
	AFTERDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) AFTERDESK_FUZZ_RANDOM=1 \
		$(BIN)/pytest -n auto tests/api/test_schemathesis.py

bench: install
	$(BIN)/afterdesk bench all

# 50 simulated agents for 90 s on loopback (bench/README.md, "Load test"); not run in CI.
load: install
	$(BIN)/python -m bench.load.run
