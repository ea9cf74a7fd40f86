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

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12 or newer is needed (found $(PYTHON))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed  ## install what the shop needs

run: $(VENV)/.installed  ## migrate, load the demo (catalogue, a year of orders, a staff account), serve it on 127.0.0.1:$(PORT)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py seed_demo --orders $(DEMO_ORDERS)
	@echo
	@$(PY) manage.py demo_staff
	@echo
	@echo "  The shop:   http://127.0.0.1:$(PORT)/"
	@echo "  Products:   http://127.0.0.1:$(PORT)/products/"
	@echo "  Accounts:   http://127.0.0.1:$(PORT)/accounts/signup/ (emails print here)"
	@echo "  Dashboard:  http://127.0.0.1:$(PORT)/dashboard/ (the staff account above)"
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

lint: $(VENV)/.installed-test  ## ruff
	$(PY) -m ruff check .

clean:  ## remove the virtual environment, the demo database and generated files
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache

.PHONY: help install run test browser-test screenshots bench lint clean
