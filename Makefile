# Omzien: two commands for a newcomer.
#   make run    installs everything and runs the site with demo data (web + worker + beat)
#   make test   installs everything and runs every check and test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install locks system-deps check lint messages seed-region clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## Development installs both locks: requirements.lock (what production runs) and
## requirements-dev.lock (that plus test tools and honcho, with identical shared pins).
$(VENV)/.installed: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

## Regenerate both locks from pyproject.toml with pip-tools (in a throwaway venv under var/).
## Pins that still fit are kept; LOCK_ARGS=--upgrade upgrades everything, or
## LOCK_ARGS="--upgrade-package django" one package. The development lock is compiled with
## the production lock as constraint, so every package in both has the same version.
LOCK_TOOLS  := var/lock-tools
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --strip-extras --no-emit-find-links --no-emit-index-url $(LOCK_ARGS)

$(LOCK_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/pip install --quiet pip-tools==7.6.2

locks: $(LOCK_TOOLS)/bin/pip-compile
	$(PIP_COMPILE) --output-file=requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra=dev --extra=local --constraint=requirements.lock --output-file=requirements-dev.lock pyproject.toml

## A local .env so that plain `.venv/bin/python manage.py …` runs in development mode too.
## Development only: production settings live in deploy.env (docker-compose.yml), and
## config/image.sh starts production processes with DEBUG=false whatever .env says.
.env:
	printf '# Local development settings (not in git). Production uses deploy.env.\nDEBUG=true\n' > .env

## honcho runs Procfile.dev. On Ctrl+C it sends SIGTERM and SIGKILLs whatever still runs 5 s
## after the first process ended, a constant it has no option for (honcho issue #189). The
## worker polls the filesystem broker in 2 s rounds and needs 3-5 s to stop after finishing
## its task, so it was killed mid-shutdown: allow it 20 s.
HONCHO := $(BIN)/python -c 'import honcho.command, honcho.manager; honcho.manager.KILL_WAIT = 20; honcho.command.main()'

## Run the site locally with embedded defaults: SQLite, a filesystem broker, console e-mail.
## DEBUG=true is passed to every command here: `make run` never relies on what .env says.
run: install .env
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py migrate --no-input --database access_log
	DEBUG=true $(BIN)/python manage.py seed --scale village --if-empty
	@echo "Omzien runs on http://127.0.0.1:8000 (demo logins in README.md; Ctrl+C stops everything)"
	DEBUG=true PYTHONUNBUFFERED=1 $(HONCHO) -f Procfile.dev start

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
	DEBUG=true $(BIN)/python manage.py migrate --no-input --database access_log
	DEBUG=true $(BIN)/python manage.py seed --scale region --flush

clean:
	rm -rf var/
