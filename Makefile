# Omzien: two commands for a newcomer.
#   make run    installs everything and runs the site with demo data (web + worker + beat)
#   make test   installs everything and runs every check and test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install system-deps check lint messages seed-region clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

## A local .env so that plain `.venv/bin/python manage.py …` runs in development mode too.
.env:
	printf '# Local development settings (not in git). Production sets real variables.\nDEBUG=true\n' > .env

## Run the site locally with embedded defaults: SQLite, a filesystem broker, console e-mail.
run: install .env
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed --scale village --if-empty
	@echo "Omzien runs on http://127.0.0.1:8000 (demo logins in README.md; Ctrl+C stops everything)"
	DEBUG=true PYTHONUNBUFFERED=1 $(BIN)/honcho -f Procfile.dev start

## System packages the tests drive: Chromium for browser tests, gettext for catalogues.
system-deps:
	@sh .ci/system-deps

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check
	$(BIN)/python .ci/check_messages.py

## Everything CI runs: lint, migrations, message catalogues, the whole test suite.
test: install system-deps lint check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Rebuild the message catalogues after changing strings (needs GNU gettext).
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages --locale nl --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

## The large reference data set (100 networks, 2,000 organisations, 10,000 volunteers).
seed-region: install
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed --scale region --flush

clean:
	rm -rf var/
