# Everything starts from nothing: the first target that needs the virtualenv creates it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-year coverage lint format lock bench clean browser

# Browser tests of the playground need Debian's chromium and its driver (and an emoji font for
# the guide's screenshots): installed quietly where apt is there and we are root, only if
# missing; elsewhere those tests skip and say why.
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-color-emoji

# The exact versions (with hashes) of requirements.lock, then the project itself.
$(INSTALLED): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# With a bot token: the bot (it upgrades the database first). Without one: the playground.
run: $(INSTALLED)
	$(BIN)/gwbot run --playground-without-token

test: $(INSTALLED) lint browser
	$(BIN)/python -m pytest -n 4 --durations=15 -m "not year"

# The year in the life on SQLite and PostgreSQL (GWBOT_TEST_DATABASE_URL), side by side:
# 1 to 2 minutes; run it after changing timed work, the outbox or /melden.
test-year: $(INSTALLED)
	$(BIN)/python -m pytest -n 2 --durations=5 -m year

# The suite with coverage of bot/, handlers/ and storage/; fails below the floor
# (`fail_under` in pyproject.toml).
coverage: $(INSTALLED)
	$(BIN)/python -m pytest -n 4 --durations=15 --cov --cov-report=term

browser:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		! dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(BROWSER_PACKAGES) for the browser tests (apt) ..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(BROWSER_PACKAGES)) >/dev/null 2>&1 || \
			echo "apt could not install them: the browser tests will be skipped"; \
	fi

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# requirements.lock anew from pyproject.toml's dependencies and dev extra, keeping the pinned
# versions that still fit; `make lock LOCK_FLAGS=--upgrade` takes the newest allowed.
LOCK_FLAGS ?=
lock: $(INSTALLED)
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet $(LOCK_FLAGS) --extra dev \
		--generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks.help_roundtrip
	$(BIN)/python -m benchmarks.outbox
	$(BIN)/python -m benchmarks.schedules

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
