# OrderDesk: `make run` serves the seeded demo, `make test` runs the whole suite.
# Both work on a fresh clone: they create .venv and install into it on first use; the stamp
# files below make a second run skip the install until pyproject.toml changes.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
FLASK := $(BIN)/flask --app app
PYTEST_ARGS ?=
# pytest-xdist workers, one per CPU by default; TEST_WORKERS=0 runs the tests in one process.
# loadgroup keeps the tests that share one Redis database on one worker (tests/conftest.py).
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help run test coverage e2e bench scale-test lint install install-dev

help:
	@echo "make run    - install, migrate, seed the demo once, serve on http://127.0.0.1:$${PORT:-5000} with a job worker"
	@echo "make test   - install the dev extras and run the whole test suite"
	@echo "make coverage - the whole suite with line and branch coverage (actions/ and admin/ need 90 %)"
	@echo "make e2e    - browser tests only (Playwright + Debian's /usr/bin/chromium)"
	@echo "make bench  - grid benchmark (bench/grid_bench.py)"
	@echo "make scale-test - load test of a team setup: PostgreSQL, Redis, gunicorn x4, 1M orders, 20 users (bench/scale.sh)"
	@echo "make lint   - ruff check, ruff format --check, mypy on actions/ and models/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pyproject has `packages = []`: the editable install brings the dependencies only.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# ORDERDESK_ENV=development lets app.py generate a SECRET_KEY into instance/ once;
# DATABASE_URL and PORT are read from the environment when set. honcho starts the Procfile:
# gunicorn (no development server, no version banner; one process, so in-memory login counts
# are exact) and one job worker. Ctrl-C stops both.
run: export ORDERDESK_ENV := development
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo ""
	@echo "OrderDesk is starting on http://127.0.0.1:$${PORT:-5000} (with its job worker)"
	@echo "Demo logins (password: orderdesk-demo):"
	@echo "  admin@orderdesk.test    (admin)"
	@echo "  manager@orderdesk.test  (manager)"
	@echo "  sales@orderdesk.test    (sales)"
	@echo "  viewer@orderdesk.test   (viewer)"
	@echo ""
	$(BIN)/honcho --no-colour start --procfile Procfile --port $${PORT:-5000}

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The whole suite measured; .ci/coverage_by_package.py fails below 90 % of lines in actions/ or admin/.
coverage: $(VENV)/.installed-dev
	rm -f .coverage .coverage.*
	$(BIN)/python -m pytest $(XDIST) --cov --cov-report= $(PYTEST_ARGS)
	$(BIN)/python .ci/coverage_by_package.py
	$(BIN)/coverage report

e2e: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(XDIST) -m browser $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/grid_bench.py

# SCALE_ARGS passes options on, e.g. SCALE_ARGS=--faults.
scale-test: $(VENV)/.installed-dev
	bench/scale.sh $(SCALE_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy actions models
