# The two commands of the README:
#   make demo   set up everything, then run examples/quickstart.py
#   make test   set up everything, then run the whole test suite
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
SOURCES := setup.py pyproject.toml $(shell find symreg csrc -type f \( -name "*.py" -o -name "*.h" -o -name "*.cc" -o -name "*.map" \) 2>/dev/null)

.PHONY: all demo test install headers clean

all: install

$(VENV)/.deps-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(ORT_HEADERS):
	scripts/fetch_ort_headers.sh $(DEPS)/onnxruntime

headers: $(ORT_HEADERS)

# Installed exactly as users install it: build a wheel, then pip-install the wheel.
# flock: several shells in one checkout may build at once; builds take turns.
$(INSTALLED): $(VENV)/.deps-installed $(ORT_HEADERS) $(SOURCES)
	flock $(VENV)/.build-lock sh -c '\
		rm -rf build && \
		ONNXRUNTIME_INCLUDE_DIR=$(CURDIR)/$(DEPS)/onnxruntime/include/onnxruntime \
			$(PIP) wheel --quiet --no-deps --no-build-isolation -w $(WHEEL_DIR) . && \
		$(PIP) install --quiet --force-reinstall --no-deps $(WHEEL_DIR)/symreg-*.whl'
	touch $@

install: $(INSTALLED)

demo: install
	$(PY) examples/quickstart.py

test: install
	$(VENV)/bin/pytest -q tests

clean:
	rm -rf build dist *.egg-info $(WHEEL_DIR) $(INSTALLED)
