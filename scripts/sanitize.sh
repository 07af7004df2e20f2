#!/usr/bin/env bash
# make sanitize: symreg's compiled products (libsymreg_ort.so and the pybind module, every ISA
# build) instrumented with AddressSanitizer and UBSan (setup.py's SYMREG_SANITIZE=1, built into
# build/sanitize, apart from the optimised build), then the kernel tests, the ORT library tests,
# the concurrency and lifetime tests and the fuzz harness run against them (its worker processes
# inherit the preloaded runtime and PYTHONPATH). A sanitizer report stops the process that hit
# it, so the run fails (a fuzz worker's report is recorded as a crash of its case).
#
# Usage: scripts/sanitize.sh [pytest arguments]   (default: the tests named above; options alone, e.g.
# --junitxml=F, go with those tests)
# PYTHON: the interpreter with symreg's dependencies (default .venv/bin/python);
# ONNXRUNTIME_INCLUDE_DIR: as for setup.py (default .deps/onnxruntime/include/onnxruntime).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
export ONNXRUNTIME_INCLUDE_DIR=${ONNXRUNTIME_INCLUDE_DIR:-$PWD/.deps/onnxruntime/include/onnxruntime}
SYMREG_SANITIZE=1 "$PYTHON" setup.py --quiet build

# The instrumented libraries need the sanitizer runtime first in the process. With libasan alone
# preloaded, `import torch` aborts (triton's import, under ASan's __cxa_throw interceptor);
# libasan and libstdc++ preloaded together work.
CXX=${CXX:-g++}
export LD_PRELOAD="$("$CXX" -print-file-name=libasan.so) $("$CXX" -print-file-name=libstdc++.so.6)"
# detect_leaks=0: CPython and torch keep memory until exit, which LeakSanitizer would report
# (the lifetime test measures symreg's leaks instead). UBSan stops at its first report too.
# Reports go to files (log_path): pytest captures a test's stderr, and a process that halts on a
# report never prints what it captured; each report is printed at the end and fails the run.
# scripts/ubsan.supp says which Eigen-internal reports are suppressed, and why.
REPORTS="$PWD/build/sanitize-reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}:suppressions=$PWD/scripts/ubsan.supp:log_path=$REPORTS/ubsan"
# The lifetime test's RSS bound means nothing under ASan (its quarantine holds freed memory):
# it makes its sessions and skips the bound.
export SYMREG_SANITIZE=1

if [ $# -eq 0 ] || [[ $1 == -* ]]; then
    set -- tests/kernels tests/test_ort_library.py tests/test_ort_concurrency.py tests/test_ort_lifetimes.py tests/fuzz "$@"
fi
# -P: the checkout's own symreg/ (no compiled parts) must not shadow build/sanitize/lib.
status=0
PYTHONPATH="$PWD/build/sanitize/lib${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -P -m pytest -q -p no:cacheprovider "$@" || status=$?
if compgen -G "$REPORTS/*" > /dev/null; then
    for report in "$REPORTS"/*; do
        echo "=== sanitizer report $report"
        cat "$report"
    done
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
