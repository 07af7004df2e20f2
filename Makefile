# The two commands of the README:
#   make demo   set up everything, then run examples/quickstart.py
#   make test   set up everything, then run the whole test suite
#   make coverage   the OpInfo coverage sweep behind docs/coverage.md (not part of make test)
# Set-up = .venv with pinned dependencies, ORT headers from Debian's
# libonnxruntime-dev, and symreg built as a wheel and installed from it.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DEPS := .deps
ORT_HEADERS := $(DEPS)/onnxruntime/include/onnxruntime/onnxruntime_lite_custom_op.h
WHEEL_DIR := build/wheel
INSTALLED := $(VENV)/.symreg-installed
SOURCES := setup.py pyproject.toml _symreg_launcher.py $(shell find symreg csrc -type f \( -name "*.py" -o -name "*.h" -o -name "*.cc" -o -name "*.def" -o -name "*.map" \) 2>/dev/null)

.PHONY: all demo test install headers clean coverage

all: install

$(VENV)/.deps-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(ORT_HEADERS):
	scripts/fetch_ort_headers.sh $(DEPS)/onnxruntime

headers: $(ORT_HEADERS)

# Installed exactly as users install it: build a wheel, then pip-install the wheel.
# build/temp.* keeps the compiled objects between builds (setup.py compiles again only
# what changed); build/lib.* and build/bdist.* are emptied so that a file deleted from
# the tree does not live on in the wheel.
# flock: several shells in one checkout may build at once; builds take turns.
$(INSTALLED): $(VENV)/.deps-installed $(ORT_HEADERS) $(SOURCES)
	flock $(VENV)/.build-lock sh -c '\
		rm -rf build/lib build/lib.* build/bdist.* $(WHEEL_DIR) && \
		ONNXRUNTIME_INCLUDE_DIR=$(CURDIR)/$(DEPS)/onnxruntime/include/onnxruntime \
			$(PIP) wheel --quiet --no-deps --no-build-isolation -w $(WHEEL_DIR) . && \
		$(PIP) install --quiet --force-reinstall --no-deps $(WHEEL_DIR)/symreg-*.whl'
	touch $@

install: $(INSTALLED)

demo: install
	$(PY) examples/quickstart.py

test: install
	$(VENV)/bin/pytest -q tests

# The full op x opset x exporter sweep over torch's OpInfo database (long: about an hour
# on 2 cores; the torch-alone half comes from the committed docs/coverage.json when it was
# made with the same versions and op-side code, or from the cache); writes docs/coverage.json
# and docs/coverage.md, which tests/test_coverage.py checks against its baseline.
# OpenVINO runs one column of it (symreg's ts17 models outside ONNX Runtime): installed here,
# not for make test.
coverage: install
	$(PIP) install --quiet openvino==2026.4.1
	$(PY) scripts/coverage.py

clean:
	rm -rf build dist *.egg-info $(WHEEL_DIR) $(INSTALLED)
