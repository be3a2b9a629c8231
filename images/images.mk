# Image targets, included by the root Makefile (`include images/images.mk`; `install-dev` is the root's target).
#   make image                      build both connector images (Docker if an engine answers, else buildah)
#   make image NAME=source-sage-gl  build one
#   make test-images                build both images and run them against the sandbox (spec/check/discover/read)
#   make lock [NAME=...] [UPGRADE=1] write each connector's requirements.lock from its setup.py (pip-compile)
#   make lock-check [NAME=...]      fail if `make lock` would change a committed lock
IMAGES_PYTHON ?= $(if $(BIN),$(BIN),.venv/bin)/python
NAME ?=

.PHONY: image test-images lock lock-check
image: install-dev
	$(IMAGES_PYTHON) -m images build $(NAME)

test-images: install-dev
	$(IMAGES_PYTHON) -m pytest -p no:cacheprovider images/tests/test_images.py -v

lock: install-dev
	$(IMAGES_PYTHON) -m images lock $(NAME) $(if $(UPGRADE),--upgrade)

lock-check: install-dev
	$(IMAGES_PYTHON) -m images lock --check $(NAME)
