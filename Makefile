# Two commands for a fresh machine with Python 3.11+:
#   make run   - install, migrate, seed demo content, start web + Celery worker/beat
#   make test  - install test tools, lint, check, run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := portal.settings

.PHONY: run test install install-dev messages makemessages lint check migrate seed clean screenshots bench bench-stats

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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
	@echo "  Portal:        http://$(HOST):$(PORT)/"
	@echo "  Editors' admin: http://$(HOST):$(PORT)/cms-admin/"
	@echo "  Demo logins (password demo-pass-2026): admin, editor, approver, checkin, expert,"
	@echo "  institution, enterprise; public visitor: visitor@example.com. E-mails go to var/mail/."
	@echo ""
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A portal worker --beat --queues=default,mail,reports \
		--loglevel=INFO --concurrency=2 \
		--schedule=var/celerybeat-schedule & \
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.installed-dev messages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: $(VENV)/.installed-dev messages lint check
	$(PY) -m pytest $(PYTEST_ARGS)

# The four benchmarks of bench/README.md, one table each, against servers and workers they
# start themselves on PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), loopback only.
# Results of a run are kept in bench/RESULTS.md.
# Every benchmark runs even if an earlier one misses its target; the exit status says if any did.
bench: $(VENV)/.installed-dev messages
	@status=0; for name in rush pages statistics reminders; do \
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
