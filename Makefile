# `make demo` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_AT ?= 2025-09-15
# An example whose story happens on another day is assessed on that day (examples/README.md),
# and left out of the fleet, which is assessed on DEMO_AT.
DEMO_AT_windows-server-2019 := 2026-04-15
# Every folder of examples/ that is a bundle or a `kubectl cluster-info dump` (examples/advisories/
# holds advisory data).
EXAMPLE_SOURCES := $(patsubst %/manifest.json,%,$(wildcard examples/*/manifest.json)) \
	$(patsubst %/nodes.json,%,$(wildcard examples/*/nodes.json))
demo_at = $(or $(DEMO_AT_$(notdir $(1))),$(DEMO_AT))
FLEET_SOURCES := $(foreach source,$(EXAMPLE_SOURCES),$(if $(DEMO_AT_$(notdir $(source))),,$(source)))

.PHONY: demo serve test lint typecheck unit bench fuzz lock schemas docs clean

# Everything comes from uv.lock (hashes included): pip bootstraps uv at the version the lock
# pins, then `uv sync --locked` installs exactly the lock and refuses a lock that no longer
# matches pyproject.toml (run `make lock` after changing dependencies).
$(STAMP): pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(PYTHON) tools/uv_requirement.py uv.lock > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r $(VENV)/uv-requirement.txt
	$(BIN)/uv sync --quiet --locked --all-extras --python $(BIN)/python
	touch $(STAMP)

# Deliberately move every pin to the newest release pyproject.toml allows, then install it.
lock: $(STAMP)
	$(BIN)/uv lock --upgrade
	$(BIN)/uv sync --quiet --locked --all-extras --python $(BIN)/python
	touch $(STAMP)

demo: $(STAMP)
	@$(foreach source,$(EXAMPLE_SOURCES), \
		echo "== $(source) (at $(call demo_at,$(source)))"; \
		$(BIN)/arcsupport check "$(source)" --at $(call demo_at,$(source)) \
			--advisories examples/advisories || true; \
		echo;)
	@echo "== the whole fleet, most urgent first"
	@$(BIN)/arcsupport fleet $(FLEET_SOURCES) examples/resource-graph-export.json \
		--advisories examples/advisories --at $(DEMO_AT) || true

# The fleet service on 127.0.0.1:8080 (SERVE_PORT), loaded with the examples through its API;
# prints the URL and a viewer token. A fresh database each time; Ctrl-C stops it.
SERVE_PORT ?= 8080
serve: $(STAMP)
	$(BIN)/python tools/serve_demo.py --port $(SERVE_PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples tools
	$(BIN)/ruff format --check src tests bench examples tools
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# The JSON Schemas in src/arcsupport/schema/, generated from the document Structs
# (tests/report/test_schemas.py fails until they are regenerated after a document changes).
schemas: $(STAMP)
	$(BIN)/python -m arcsupport.report.schemas src/arcsupport/schema

# docs/rules.md, generated from the rule registry and the catalogs (tests hold it to them too).
docs: $(STAMP)
	$(BIN)/python -m arcsupport.report.rules_page docs/rules.md

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The readers' fuzz tests (tests/fuzz/) with 50 times the examples `make test` runs; a failing
# input is printed (and kept in .hypothesis/): add it to tests/data/fuzz/.
fuzz: $(STAMP)
	ARCSUPPORT_FUZZ=long $(BIN)/pytest tests/fuzz -p no:cacheprovider

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
