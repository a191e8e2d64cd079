# Two commands a new user needs: `make run` and `make test` (see README).
#
# What is installed comes from uv.lock, always: every target syncs .venv to exactly the locked
# versions (runtime and test dependencies, with their hashes) before it runs, and refuses a
# lock that pyproject.toml has moved away from. `make lock` is the only way versions change.
# The interpreter .venv is built on: the distribution's own /usr/bin/python3 when it is 3.11 to
# 3.13 and can make virtual environments (Debian's python3-venv), else python3 on the PATH.
# Debian's is built with profile-guided and link-time optimisation and its libpython linked
# into the executable: it runs Django's requests about 1.5x faster than a default pyenv build
# (README, "Figures"). `make install PYTHON=...` picks another; uv rebuilds .venv whenever
# the interpreter changes.
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(CURDIR)/$(TOOLS)/bin/uv
LATEST := $(CURDIR)/.venv-latest
HOST ?= 127.0.0.1
PORT ?= 8000

# uv runs on the machine's Python (3.11 to 3.13) and never downloads an interpreter.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run test suite lint install lock lock-check test-latest browser worker beat clean screenshots

# uv itself is pinned by version and hash in tools/uv-requirements.txt.
$(UV): tools/uv-requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes --no-deps -r tools/uv-requirements.txt
	touch $@

## Make .venv exactly uv.lock (fails with a clear message when the lock is stale)
install: $(UV)
	$(UV) sync --locked --extra test --quiet

## Fail when uv.lock no longer matches pyproject.toml
lock-check: $(UV)
	@$(UV) lock --check || { echo "uv.lock is out of date with pyproject.toml: run 'make lock' and commit both files." >&2; exit 1; }

## Refresh uv.lock to the newest versions pyproject.toml allows; uv prints what moved (say it in the commit)
lock: $(UV)
	$(UV) lock --upgrade

## Install, create the database, load the demo election and serve it on http://127.0.0.1:8000
run: install
	$(BIN)/python -m config.secret_key .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Take README's screenshots again (docs/screenshots) with the officials' browser walk
screenshots: install browser
	STACKVOTE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/elections/results/test_dashboard_browser.py

## Lint and run the whole test suite (browser tests drive Debian's Chromium)
test: lock-check install browser
	$(MAKE) --no-print-directory suite BIN=$(BIN)

# The suite itself, on whichever environment BIN names (test and test-latest share it).
suite:
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

## Run the suite on the newest versions pyproject.toml allows, in .venv-latest; prints what
## differs from uv.lock. The lock and .venv are left as they are.
test-latest: $(UV) browser
	rm -rf $(LATEST) && mkdir -p $(LATEST)/project
	cp pyproject.toml uv.lock $(LATEST)/project/
	@cd $(LATEST)/project && $(UV) lock --upgrade 2>&1 | tee $(LATEST)/drift.txt
	@grep -q '^Updated\|^Added\|^Removed' $(LATEST)/drift.txt \
	  && echo "Drift: the lines above are what the newest allowed versions change against uv.lock." \
	  || echo "No drift: uv.lock already has the newest versions pyproject.toml allows."
	cd $(LATEST)/project && UV_PROJECT_ENVIRONMENT=$(LATEST)/env $(UV) sync --frozen --extra test --no-install-project --quiet
	# Its own test database on the same server (test_<name>_latest): a run of make test is left alone.
	env STACKVOTE_TEST_LOCK=$(LATEST)/project/uv.lock \
	  $${DATABASE_URL:+"DATABASE_URL=$$(echo "$$DATABASE_URL" | sed -E 's#^(postgres[^?]*/)([^/?]+)#\1\2_latest#')"} \
	  $(MAKE) --no-print-directory suite BIN=$(LATEST)/env/bin

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's Chromium for the browser tests (never a browser download), and axe-core for
# their accessibility checks.
browser: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) to run the browser tests."; fi; }

worker: install
	$(BIN)/celery -A config worker -l info

beat: install
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) db.sqlite3 staticfiles .pytest_cache .ruff_cache
