# One entry point for a fresh machine: every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PARTS := sandbox source-sage-gl source-time-tracking destination-mappings pipeline
INSTALL_STAMP := $(VENV)/.install-stamp
DEV_STAMP := $(VENV)/.dev-stamp
ORCHESTRATION_STAMP := $(VENV)/.orchestration-stamp

.PHONY: install install-orchestration install-dev demo test bench bench-rss clean

# What the demo and `pipeline run` need: every part with its runtime dependencies; nothing from apt.
install: $(INSTALL_STAMP)

$(INSTALL_STAMP): $(foreach part,$(PARTS),$(part)/setup.py)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(foreach part,$(PARTS),-e ./$(part))
	@# `python -m sandbox` / `python -m pipeline` run from the root must find the packages sandbox/sandbox and
	@# pipeline/pipeline, not the folders of the same name: compat mode puts the folders on sys.path.
	$(BIN)/pip install --quiet --no-deps --config-settings editable_mode=compat -e ./sandbox -e ./pipeline
	@touch $@

# The nightly Prefect flow (`python -m orchestration`): Prefect is large and the demo never imports it.
install-orchestration: $(ORCHESTRATION_STAMP)

$(ORCHESTRATION_STAMP): $(INSTALL_STAMP) orchestration/setup.py
	$(BIN)/pip install --quiet -e ./orchestration
	$(BIN)/pip install --quiet --no-deps --config-settings editable_mode=compat -e ./orchestration
	@touch $@

# What the tests and image builds need on top: pytest & co. and PostgreSQL's server binaries (apt-get, only
# when `initdb` is missing) for the throwaway servers of the PostgreSQL tests.
install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(ORCHESTRATION_STAMP) requirements-dev.txt
	@bash scripts/system-packages
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

demo: install
	$(BIN)/python -m pipeline demo $(ARGS)

test: install-dev
	@bash scripts/run-tests

bench: install
	$(BIN)/python -m bench $(ARGS)

# Peak RSS of each source's biggest streams at ~100k and ~1M records (bench/rss.py), a section of bench/results.md.
bench-rss: install
	$(BIN)/python -m bench.rss $(ARGS)

include images/images.mk

clean:
	rm -rf $(VENV) .data build
