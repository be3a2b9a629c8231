# One entry point for a fresh machine: every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PARTS := sandbox source-sage-gl source-time-tracking destination-mappings pipeline
INSTALL_STAMP := $(VENV)/.install-stamp

.PHONY: install system-packages demo test bench image test-images clean

install: $(INSTALL_STAMP)

$(INSTALL_STAMP): requirements-dev.txt $(foreach part,$(PARTS),$(part)/setup.py)
	@bash scripts/system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt $(foreach part,$(PARTS),-e ./$(part))
	@touch $@

demo: install
	$(BIN)/python -m pipeline demo

test: install
	@bash scripts/run-tests

bench: install
	$(BIN)/python -m bench

include images/images.mk

clean:
	rm -rf $(VENV) .data build
