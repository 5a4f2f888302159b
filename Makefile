# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest bench clean

# each stage of `make test` says how long it took
TIMED = bash -c 'SECONDS=0; "$$@"; rc=$$?; echo "== stage $$0: $${SECONDS} s"; exit $$rc'
# the tests run in one worker per core (pytest-xdist), a file at a time (spread test by test,
# four browser tests timed out in CI); each worker has its own databases; slowest listed
PYTEST_ARGS ?= -n auto --dist loadfile --durations=15

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/omniline serve --demo

test: $(STAMP) lint typecheck contracts pytest

lint: $(STAMP)
	$(TIMED) lint sh -c '$(BIN)/ruff check src tests bench && $(BIN)/ruff format --check src tests bench'

typecheck: $(STAMP)
	$(TIMED) typecheck $(BIN)/mypy

contracts: $(STAMP)
	$(TIMED) contracts $(BIN)/lint-imports

pytest: $(STAMP)
	$(TIMED) pytest $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
