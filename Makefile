# Two commands do all set-up: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app tracker
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Test processes (pytest-xdist): one per core of the CI machine.
TEST_WORKERS ?= 2

.PHONY: run test lint lock install translations db seed extract clean smoke validators

# The scheduler runs beside the web server, as its own process; Ctrl-C stops both.
run: db                        ## set up, migrate, seed, and serve on http://127.0.0.1:5000
	$(FLASK) scheduler & SCHED=$$!; \
	trap 'kill $$SCHED 2>/dev/null; wait $$SCHED' EXIT; trap 'exit 130' INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Whole files go to one worker (--dist loadfile): the browser tests share one live server
# and one Chromium, the demo-data tests one generated database.
test: install translations lint validators ## set up, check the code, then run the whole test suite on TEST_WORKERS cores
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install                  ## ruff (lint and import order) and mypy, as configured in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/mypy

install: $(VENV)/.installed

# Every dependency, transitive ones included, at the version and hash of the lock file; the
# project itself on top (no dependency of its own left to resolve: pip check proves it).
$(VENV)/.installed: pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# After changing the dependencies in pyproject.toml: pin and hash them all again. Extras kept
# (fonttools[woff]==...): Debian 12's pip 23.0 otherwise resolves weasyprint's
# "fonttools[woff]>=..." on its own, to the newest release, and refuses it as unpinned.
LOCK_OPTS := --quiet --generate-hashes --no-strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
# Not after `install`: with a dependency just added to pyproject.toml, its pip check fails.
lock:                          ## refresh requirements.lock and requirements-test.lock from pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile $(LOCK_OPTS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTS) --extra test -o requirements-test.lock pyproject.toml

# The standard validators of the published formats the tests run (Nu HTML Checker, Spectral),
# at the versions of tools/validators/package-lock.json; the Nu checker needs Java.
validators: tools/validators/node_modules/.installed

tools/validators/node_modules/.installed: tools/validators/package-lock.json
	cd tools/validators && npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: install          ## compile the message catalogues (.po -> .mo)
	$(BIN)/pybabel compile -d tracker/translations

db: install translations       ## build or upgrade the schema, then load seed_data/
	$(FLASK) db upgrade
	$(FLASK) seed

# The production install end to end (deploy/smoke_test.py): wheel, fresh venv from
# requirements.lock, new PostgreSQL database, deploy/'s units and env file, behind nginx.
smoke: install                 ## build, install and run the tracker as production does, then use it
	$(BIN)/python deploy/smoke_test.py

extract:                       ## refresh the catalogues after changing translatable text
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _ln:1,2 -o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations

clean:
	rm -rf $(VENV) instance *.egg-info
