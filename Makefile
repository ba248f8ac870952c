# citizen-bot — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
CHROMIUM ?= /usr/bin/chromium
# The suite runs in two parts: every test not marked "serial", spread over TEST_WORKERS
# pytest-xdist processes (whole files per worker; TEST_WORKERS=0 runs them in this one),
# then the "serial" ones (server processes, timed requests) alone on the machine.
TEST_WORKERS ?= 2
PYTEST_PARALLEL = $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not serial"
PYTEST_SERIAL = $(BIN)/pytest -q -m serial

.PHONY: run test test-postgres lint bench eval install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian's Chromium for the browser tests (Playwright drives it via executable_path).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; fi; }

run: install
	$(BIN)/citizen-bot prepare
	$(BIN)/citizen-bot serve --host $(HOST) --port $(PORT)

test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/citizen-bot kb validate
	$(PYTEST_PARALLEL)
	$(PYTEST_SERIAL)

# The whole suite again with every test's database on PostgreSQL (CI runs both).
test-postgres: install-dev browser
	TEST_DATABASE=postgres $(PYTEST_PARALLEL)
	TEST_DATABASE=postgres $(PYTEST_SERIAL)

lint: install-dev
	$(BIN)/ruff check .

eval: install
	$(BIN)/citizen-bot eval ../shared/eval/dev.jsonl

bench: install
	$(BIN)/python bench/matching.py

clean:
	rm -rf $(VENV) data .pytest_cache
