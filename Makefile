# Everything starts from nothing: the first target that needs the virtualenv creates it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format bench clean browser

# Browser tests of the playground need Debian's chromium and its driver (and an emoji font for
# the guide's screenshots): installed quietly where apt is there and we are root, only if
# missing; elsewhere those tests skip and say why.
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-color-emoji

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# With a bot token: the bot (it upgrades the database first). Without one: the playground.
run: $(INSTALLED)
	$(BIN)/gwbot run --playground-without-token

test: $(INSTALLED) lint browser
	$(BIN)/python -m pytest -n 4 --durations=15

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

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks.help_roundtrip
	$(BIN)/python -m benchmarks.outbox
	$(BIN)/python -m benchmarks.schedules

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
