# Two commands matter: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py

# Settings for `check --deploy`: production values, nothing real.
DEPLOY_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=deploy-check-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	DJANGO_ALLOWED_HOSTS=clinic.example DJANGO_SECURE_SSL_REDIRECT=1 DJANGO_STATIC_MANIFEST=1 \
	REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: help run test lint format serve worker superuser bench audit clean

help:
	@echo "make run        set up and serve the site on http://127.0.0.1:8000/ (SQLite, debug on)"
	@echo "make test       lint, checks and the whole test suite (DATABASE_URL for PostgreSQL)"
	@echo "make serve      production serving: collectstatic, migrate, gunicorn, the email and waitlist workers"
	@echo "make superuser  create a staff login for the admin"
	@echo "make bench      load benchmark: gunicorn as in production, wrk on loopback (TWO_SERVERS=1: two servers)"
	@echo "                GROWTH=1: the same pages with 0, 1,000, 50,000 and 500,000 consultations (bench/growth.py)"
	@echo "make audit      Lighthouse and the Nu HTML checker on every public page (Node, Java, Chromium)"

# The virtualenv is rebuilt only when a requirements file changes.
$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: export DJANGO_DEBUG ?= 1
run: $(VENV)/.runtime
	$(MANAGE) migrate --noinput
	@echo
	@echo "  The clinic site is at http://127.0.0.1:8000/"
	@echo "  Admin: http://127.0.0.1:8000/admin/  (create a staff login with 'make superuser',"
	@echo "  or DJANGO_SUPERUSER_USERNAME=... DJANGO_SUPERUSER_EMAIL=... DJANGO_SUPERUSER_PASSWORD=..."
	@echo "  $(MANAGE) createsuperuser --noinput)"
	@echo
	$(MANAGE) runserver 127.0.0.1:8000

superuser: export DJANGO_DEBUG ?= 1
superuser: $(VENV)/.runtime
	$(MANAGE) migrate --noinput
	$(MANAGE) createsuperuser

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-used-anywhere-else-0123456789
test: export DJANGO_ALLOWED_HOSTS ?= testserver,localhost,127.0.0.1
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	env $(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(BIN)/pytest

serve: export DJANGO_EMAIL_WORKER ?= 1
serve: $(VENV)/.runtime
	$(MANAGE) collectstatic --noinput
	$(MANAGE) migrate --noinput
	$(MANAGE) send_queued_email --loop & mail=$$!; $(MANAGE) process_waitlist --loop & waitlist=$$!; \
	  trap "kill $$mail $$waitlist" EXIT; $(BIN)/gunicorn -c gunicorn.conf.py clinic.wsgi

# PostgreSQL from DATABASE_URL, or a throwaway clinic_bench database; see README "Performance".
bench: $(VENV)/.dev
	@command -v wrk >/dev/null 2>&1 || { if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: sudo apt-get install -y wrk"; exit 1; fi; }
	$(PY) bench/run.py $(if $(TWO_SERVERS),--two-servers) $(if $(GROWTH),--growth) \
	  $(if $(PRACTITIONERS),--practitioners $(PRACTITIONERS)) $(if $(ROOMS),--rooms $(ROOMS)) $(BENCH_ARGS)

# Lighthouse and vnu (audit/package.json, exact pins) against gunicorn; see README "Performance".
audit: $(VENV)/.runtime
	cd audit && npm ci --no-audit --no-fund --loglevel=error
	$(PY) audit/run.py $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
