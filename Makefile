# Two commands for a fresh machine with Python 3.11+:
#   make run   - install, migrate, seed demo content, start web (gunicorn) + Celery worker/beat
#   make test  - install test tools, lint, check, run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address links in e-mails, .ics files and notices point at (`make run` gives it to the
# web server and to the worker that sends the mail): the server's own address, unless
# SITE_URL is set in the environment (a proxy's public address).
SITE_URL ?= http://$(HOST):$(PORT)
export DJANGO_SETTINGS_MODULE := portal.settings

.PHONY: run test suite lock install install-dev messages makemessages lint check migrate seed clean screenshots bench bench-stats

# Installs come from the lock (requirements/*.txt: exact versions with hashes, written by
# `make lock` from the ranges in pyproject.toml), so every machine gets what CI tested.
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes --no-deps
UPGRADE ?=
ifeq ($(UPGRADE),1)
UPGRADE_FLAG := --upgrade
else
UPGRADE_FLAG := $(foreach name,$(UPGRADE),--upgrade-package $(name))
endif
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements/base.txt | $(PY)
	$(PIP_INSTALL) -r requirements/base.txt
	$(PY) -m pip check
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements/dev.txt
	$(PY) -m pip check
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Refresh the lock on purpose: keeps every pin that still fits pyproject.toml, adds what is
# new. `make lock UPGRADE=1` takes the newest allowed versions of everything,
# `make lock UPGRADE=django-allauth` of one package. Then run `make test` and commit.
lock: $(VENV)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(UPGRADE_FLAG) \
		--quiet -o requirements/dev.txt
	$(BIN)/uv pip compile pyproject.toml -c requirements/dev.txt $(LOCK_FLAGS) \
		--quiet -o requirements/base.txt

# Compile the gettext catalogues (Babel, so no system gettext is needed).
messages: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d locale -D django 2>&1 | grep -v "^$$" || true
	@test -f locale/zh_Hans/LC_MESSAGES/django.mo

# Refresh the catalogues from the code and templates (needs GNU gettext).
makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --no-obsolete

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: messages seed
	@echo ""
	@echo "  Portal:        $(SITE_URL)/"
	@echo "  Editors' admin: $(SITE_URL)/cms-admin/"
	@echo "  Demo logins (password demo-pass-2026): admin, editor, approver, checkin, expert,"
	@echo "  institution, enterprise; public visitor: visitor@example.com. E-mails go to var/mail/."
	@echo ""
	@SITE_URL='$(SITE_URL)' deploy/run.sh $(BIN) $(HOST):$(PORT)

# ruff; the floors between the apps (.importlinter); the types of services and selectors
# (mypy.ini).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

check: $(VENV)/.installed-dev messages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# The suite runs in pytest-xdist workers, one per core, each with its own test database;
# PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-n0 tests/events" for one folder in one
# process. `make suite` is the suite without lint and check. Tests are handed to the
# workers one at a time, in the suite's order (--maxschedchunk=1): with xdist's default
# chunks, one worker was left with a queue of slow browser tests for the last 2.5 minutes
# while the other sat idle (494 s against 419 s with chunks of 4 on 2 cores). Work
# stealing (--dist worksteal) balanced as well but broke the order every worker relies on
# (database tests before the transactional ones that flush the data migrations' rows).
test: lint check suite

suite: $(VENV)/.installed-dev messages
	$(PY) -m pytest -n auto --maxschedchunk=1 $(PYTEST_ARGS)

# The five benchmarks of bench/README.md, one table each (the registration rush: one per
# scenario), against servers and workers they start themselves on PostgreSQL (127.0.0.1:5432)
# and Redis (127.0.0.1:6379), loopback only; the rush's embedded scenario runs the make run
# server on SQLite in a temporary folder. RUSH_ARGS passes options to bench/rush.py, e.g.
# RUSH_ARGS="--scenario opening" or RUSH_ARGS="--worker-class gthread --workers 3 --threads 8".
# Results of a run are kept in bench/RESULTS.md.
# Every benchmark runs even if an earlier one misses its target; the exit status says if any did.
bench: $(VENV)/.installed-dev messages
	@status=0; \
	echo "== bench/rush.py"; $(PY) bench/rush.py $(RUSH_ARGS) || status=1; echo; \
	for name in pages statistics reminders sessions; do \
		echo "== bench/$$name.py"; $(PY) bench/$$name.py || status=1; echo; \
	done; exit $$status

# Statistics over a generated campaign (default 1,000,000 registrations) against a plain
# GROUP BY; meant for PostgreSQL (DATABASE_URL), also runs on SQLite with fewer rows.
bench-stats: $(VENV)/.installed
	$(PY) bench/statistics.py $(if $(REGISTRATIONS),--registrations $(REGISTRATIONS))

# Screenshots of the main pages (phone and desktop) into docs/screenshots/, from a demo site
# seeded in var/screenshots. Needs /usr/bin/chromium and a CJK font (fonts-wqy-zenhei).
screenshots: $(VENV)/.installed-dev messages
	$(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) var staticfiles
