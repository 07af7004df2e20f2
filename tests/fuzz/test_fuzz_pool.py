"""The harness itself: a worker that dies is reported with how it died, and the next case gets a new one."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from fuzz_pool import Pool, WorkerDied

from symreg import _kernels

#: Set by scripts/sanitize.sh. There a segfault is AddressSanitizer's to report, and a deliberate one would read
#: as a finding; SIGKILL kills the worker just as dead.
SANITIZED = os.environ.get("SYMREG_SANITIZE", "") not in ("", "0")
CASE = {"op": "symreg::Erfinv", "inputs": [("x", np.array([0.5, -0.5], np.float32))], "attrs": {}, "threads": 1}


@pytest.fixture(scope="module")
def one_isa():
    workers = Pool(_kernels.cpu_isas()[-1:])
    yield workers
    workers.close()


def test_a_crash_is_reported_and_the_worker_restarts(one_isa):
    sig = signal.SIGKILL if SANITIZED else signal.SIGSEGV
    isa = one_isa.isas[0]
    assert one_isa.run(isa, CASE)["status"] == "ok"
    worker = one_isa.ort[isa]
    os.kill(worker.proc.pid, sig)
    worker.proc.wait()
    with pytest.raises(WorkerDied, match=f"fuzz worker ort\\[{isa}\\] (killed by {sig.name}|was gone)"):
        one_isa.run(isa, CASE)
    result = one_isa.run(isa, CASE)
    assert result["status"] == "ok"
    np.testing.assert_allclose(result["outputs"][0], [0.4769363, -0.4769363], rtol=1e-6)
