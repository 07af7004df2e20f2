"""The fuzz harness's worker pool (one per test module).

SYMREG_FUZZ_REPORT=path appends the per-op, per-ISA case counts (matched, refused, known
findings, crashes) as JSON lines when the module's tests end.
"""

from __future__ import annotations

import json
import os

import pytest
from fuzz_pool import Pool

from symreg import _kernels


@pytest.fixture(scope="module")
def pool():
    workers = Pool(_kernels.cpu_isas())
    yield workers
    workers.close()
    if path := os.environ.get("SYMREG_FUZZ_REPORT"):
        with open(path, "a") as f:
            for (op, isa, outcome), count in sorted(workers.counts.items()):
                f.write(json.dumps({"op": op, "isa": isa, "outcome": outcome, "cases": count}) + "\n")
