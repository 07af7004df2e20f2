"""The parent side of the fuzz workers: one ORT worker per ISA build, one reference worker.

A worker that dies (a signal, an abort, an exit) or hangs past the timeout raises
:class:`WorkerDied` for the case it was running and is started again for the next one.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzz_worker import HEADER, write_frame

HERE = Path(__file__).resolve().parent
CASE_TIMEOUT_S = 120.0  # one case; the largest take well under a second
START_TIMEOUT_S = 300.0  # a cold import of torch on a busy machine


class WorkerDied(Exception):
    """The worker crashed or hung on a case: ``how`` says which (signal name, exit code or timeout)."""

    def __init__(self, name: str, how: str, stderr_tail: str):
        super().__init__(f"fuzz worker {name} {how}; its stderr ends with:\n{stderr_tail}")
        self.how = how


class Worker:
    def __init__(self, name: str, kind: str, env: dict[str, str]):
        self.name, self.kind, self.env = name, kind, env
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stderr = None

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "fuzz_worker.py"), self.kind],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=self.env, cwd=HERE,
        )  # fmt: skip
        ready = self._read(START_TIMEOUT_S)
        assert ready.get("status") == "ready", ready

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - 2000))
        return self._stderr.read().decode(errors="replace")

    def _died(self, how: str) -> WorkerDied:
        tail = self._stderr_tail()
        self.close()
        self.restarts += 1
        return WorkerDied(self.name, how, tail)

    def _read_exact(self, size: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while got < size:
                if not sel.select(max(0.0, deadline - time.monotonic())):
                    raise self._died(f"timed out after {CASE_TIMEOUT_S:.0f} s")
                chunk = os.read(fd, size - got)
                if not chunk:
                    code = self.proc.wait()
                    how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
                    raise self._died(how)
                chunks.append(chunk)
                got += len(chunk)
        return b"".join(chunks)

    def _read(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        return pickle.loads(self._read_exact(size, deadline))

    def call(self, case: dict) -> dict:
        if self.proc is None:
            self._start()
        try:
            write_frame(self.proc.stdin, case)
        except BrokenPipeError:
            code = self.proc.wait()
            raise self._died(f"was gone before the case (exit {code})") from None
        return self._read(CASE_TIMEOUT_S)

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


#: torch's CPU build (ATEN_CPU_CAPABILITY) of the same kind as each of symreg's ISA builds
TORCH_CAPABILITY = {"baseline": "default", "avx2": "avx2", "avx512": "avx512"}


class Pool:
    """``run(isa, case)`` in that ISA's ORT worker; ``reference(case)`` in the reference worker, or with ``isa``
    in a reference worker whose torch runs its build of that kind (workers start at their first case)."""

    def __init__(self, isas: list[str]):
        base = {k: v for k, v in os.environ.items() if k not in ("SYMREG_CPU_ISA", "ATEN_CPU_CAPABILITY")}
        self.isas = list(isas)
        self.ort = {isa: Worker(f"ort[{isa}]", "ort", {**base, "SYMREG_CPU_ISA": isa}) for isa in isas}
        self.ref = Worker("reference", "reference", base)
        self.isa_refs = {
            isa: Worker(f"reference[{isa}]", "reference", {**base, "ATEN_CPU_CAPABILITY": TORCH_CAPABILITY[isa]})
            for isa in isas
        }
        self.counts: dict[tuple[str, str, str], int] = {}  # (op, isa, outcome) -> cases

    def run(self, isa: str, case: dict) -> dict:
        return self.ort[isa].call(case)

    def reference(self, case: dict, isa: str | None = None) -> dict:
        return (self.ref if isa is None else self.isa_refs[isa]).call(case)

    def count(self, op: str, isa: str, outcome: str) -> None:
        key = (op, isa, outcome)
        self.counts[key] = self.counts.get(key, 0) + 1

    def close(self) -> None:
        for worker in [*self.ort.values(), self.ref, *self.isa_refs.values()]:
            worker.close()
