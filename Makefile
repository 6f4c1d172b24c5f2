# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8080
HOST   ?= 127.0.0.1

.PHONY: run test test-only lint bench translations vendor clean-instance

$(STAMP): pyproject.toml players/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]' -e 'players[window]'
	@touch $(STAMP)

## Set up, migrate SQLite under instance/, seed demo data, serve on http://127.0.0.1:8080
run: $(STAMP)
	$(BIN)/signage db upgrade
	$(BIN)/signage seed-demo
	@echo "Console: http://$(HOST):$(PORT)/  (demo logins above; also in instance/demo_credentials.txt)"
	$(BIN)/signage serve --host $(HOST) --port $(PORT)

## Set up and run the whole test suite (SQLite unless SIGNAGE_TEST_DATABASE_URL is set)
test: $(STAMP)
	@sh scripts/ensure-chromium.sh
	@sh scripts/ensure-xvfb.sh
	@sh scripts/apt-ensure.sh "the browser player's unit tests" node nodejs
	$(MAKE) --no-print-directory test-only

test-only:
	$(BIN)/ruff check signage signage_testing tests bench players
	$(BIN)/ruff format --check signage signage_testing tests bench players
	$(BIN)/mypy
	node --test players/web/tests/
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check signage signage_testing tests bench players
	$(BIN)/ruff format --check signage signage_testing tests bench players

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

## Re-extract and compile the vi/en message catalogs
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o signage/translations/messages.pot signage players/web
	$(BIN)/pybabel update -i signage/translations/messages.pot -d signage/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d signage/translations
