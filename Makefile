# The two commands of the README: `make run` and `make test`. Everything lands in .venv/ and .dev/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_PLUGINS := .dev/test-plugins/.installed

.PHONY: run test lint bench clean-dev

$(INSTALLED): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $@

# The fake CRM plugin of the tests is pip-installed like any third-party plugin, but into a
# folder only the test run puts on its path, so it never shows up in `make run`.
$(TEST_PLUGINS): $(INSTALLED) $(shell find tests/plugins -type f -not -path '*/__pycache__/*' -not -path '*.egg-info*')
	rm -rf .dev/test-plugins
	$(BIN)/python -m pip install -q --no-deps --target .dev/test-plugins tests/plugins/fake_crm
	touch $@

run: $(INSTALLED)
	$(BIN)/python -m devtools.dev run

# The suite runs on TEST_WORKERS pytest-xdist processes (one per core by default), each with its
# own database, Redis database and emulator (tests/parallel.py). ARGS naming test files or
# folders (tests/...) run in this one process instead; ARGS="-n 2 tests/x" overrides either.
TEST_WORKERS ?= auto
test: $(INSTALLED) $(TEST_PLUGINS)
	$(BIN)/python -m devtools.dev test --dist loadgroup \
	  -n $(if $(filter tests%,$(ARGS)),0,$(TEST_WORKERS)) $(ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .

bench: $(INSTALLED)
	$(BIN)/python -m benchmarks

clean-dev:
	rm -rf .dev
