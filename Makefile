# One entry point for a fresh machine: every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PARTS := sandbox source-sage-gl source-time-tracking destination-mappings pipeline orchestration
INSTALL_STAMP := $(VENV)/.install-stamp

.PHONY: install demo test bench clean

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): requirements-dev.txt $(foreach part,$(PARTS),$(part)/setup.py)
	@bash scripts/system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt $(foreach part,$(PARTS),-e ./$(part))
	@# `python -m sandbox` / `python -m pipeline` / `python -m orchestration` run from the root must find the packages
	@# sandbox/sandbox, pipeline/pipeline, orchestration/orchestration, not the folders of the same name: compat
	@# mode puts the folders on sys.path.
	$(BIN)/pip install --quiet --no-deps --config-settings editable_mode=compat -e ./sandbox -e ./pipeline -e ./orchestration
	@touch $@

demo: install
	$(BIN)/python -m pipeline demo

test: install
	@bash scripts/run-tests

bench: install
	$(BIN)/python -m bench $(ARGS)

include images/images.mk

clean:
	rm -rf $(VENV) .data build
