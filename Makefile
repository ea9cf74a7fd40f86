# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Orders of made-up history `make run` adds once, for the dashboard (`manage.py seed_demo`).
DEMO_ORDERS ?= 3000
# The interpreter to build the virtual environment with: the pinned minor version first.
PYTHON ?= $(shell command -v python$(shell cat .python-version) || command -v python3.13 || command -v python3)
# Exact versions with the hashes of their files, made from pyproject.toml's ranges by
# `make lock`: installs repeat on every machine and a tampered file is refused.
LOCK := requirements/main.txt
TEST_LOCK := requirements/test.txt

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12 or newer is needed (found $(PYTHON))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The project itself only for its metadata (the version /health/ shows): its dependencies
# come from the lock, and setuptools, locked too, builds it without fetching anything.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation .
	@touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation .
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed  ## install what the shop needs

run: $(VENV)/.installed  ## migrate, load the demo (catalogue, a year of orders, recommendations, stock forecasts, a staff account), serve it on 127.0.0.1:$(PORT)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py seed_demo --orders $(DEMO_ORDERS)
	$(PY) manage.py rebuild_recommendations
	$(PY) manage.py forecast_demand
	@echo
	@$(PY) manage.py demo_staff
	@echo
	@echo "  The shop:   http://127.0.0.1:$(PORT)/"
	@echo "  Products:   http://127.0.0.1:$(PORT)/products/"
	@echo "  Accounts:   http://127.0.0.1:$(PORT)/accounts/signup/ (emails print here)"
	@echo "  Dashboard:  http://127.0.0.1:$(PORT)/dashboard/ (the staff account above)"
	@echo "  Sell:       http://127.0.0.1:$(PORT)/sell/ (the seller account above)"
	@echo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test  ## run the whole suite (PostgreSQL, Redis and browser tests need their services)
	$(PY) -m pytest -n 2 --dist loadfile

browser-test: $(VENV)/.installed-test  ## run only the browser suite in headless Chromium
	$(PY) -m pytest tests/browser

screenshots: $(VENV)/.installed-test  ## refresh the README's screenshots from the browser suite
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/browser

bench: $(VENV)/.installed  ## the load benchmark against a bare Django floor: seeds PostgreSQL, serves both with gunicorn, prints and records the table (bench/RESULTS.md)
	bash bench/run

bench-scale: $(VENV)/.installed  ## the catalogue at 2,000, 20,000 and 200,000 products: each page's req/s and cost against 2,000, cached and not (bench/scale.py)
	bash bench/run --scale

bench-workers: $(VENV)/.installed  ## gunicorn's sync and gthread workers compared on a listing, a cart and a product page: req/s and p99 (bench/workers.py)
	bash bench/run --workers

bench-history: $(VENV)/.installed  ## the dashboard cold and the last year's sales exports at 100,000 and 1,000,000 orders (bench/history.py; ARGS="--from 1000000=DB" copies a seeded database)
	bash bench/run --history $(ARGS)

lint: $(VENV)/.installed-test  ## ruff and the import contract (pyproject.toml's [tool.importlinter])
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

# The lock tool, pinned, in a throwaway environment: pip-tools resolves with pip itself, so the
# lock is what pip installs, in the plain requirements format `pip --require-hashes` reads.
LOCK_TOOL := pip-tools==7.7.0 pip==26.3
# Every file of each pinned version is hashed (any platform's wheel verifies); setuptools is
# locked as the build backend; the test lock keeps the runtime lock's versions.
PIP_COMPILE_OPTIONS := --quiet --no-config --generate-hashes --allow-unsafe --strip-extras \
	--build-deps-for wheel --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

# Only the package index and its settings come from the environment: local pip configuration
# (extra indexes, find-links, constraints) must not leak into a lock every machine uses.
lock:  ## re-pin requirements/*.txt from pyproject.toml after a dependency change (LOCK_OPTIONS=--upgrade: all to the newest allowed)
	@$(PYTHON) -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" != "$(shell cat .python-version)")' || \
		{ echo "make lock needs Python $(shell cat .python-version), the version the image runs (found $(PYTHON))."; exit 1; }
	set -e; tool="$$(mktemp -d)"; trap 'rm -rf "$$tool"' EXIT; \
	export PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock"; \
	unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT; \
	$(PYTHON) -m venv "$$tool"; mkdir -p $(dir $(LOCK)); \
	"$$tool/bin/python" -m pip install --quiet $(LOCK_TOOL); \
	"$$tool/bin/pip-compile" $(PIP_COMPILE_OPTIONS) $(LOCK_OPTIONS) -o $(LOCK) pyproject.toml; \
	"$$tool/bin/pip-compile" $(PIP_COMPILE_OPTIONS) $(LOCK_OPTIONS) --extra test -c $(LOCK) -o $(TEST_LOCK) pyproject.toml

clean:  ## remove the virtual environment, the demo database and generated files
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache

.PHONY: help install run test browser-test screenshots bench bench-scale bench-workers bench-history lint lock clean
