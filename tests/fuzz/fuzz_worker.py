"""The fuzz worker: a long-lived subprocess that runs cases, so that a crash kills it and not pytest.

Run as ``python fuzz_worker.py ort`` (ONNX Runtime with libsymreg_ort.so; the ISA build is the
one SYMREG_CPU_ISA in its environment picks) or ``python fuzz_worker.py reference`` (the
PyTorch references). It reads requests from stdin and writes replies to stdout, each a frame:
8-byte little-endian length, then a pickle. A request is a case dict (:mod:`fuzz_ops`); a reply is
``{"status": "ok", "outputs": [...]}`` or ``{"status": "error", "type": ..., "message": ...}``.

The ORT worker imports neither torch nor symreg (fast restarts after a crash): it loads the
library from the installed package's folder, as a C++ deployment would.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import struct
import sys
from pathlib import Path

HEADER = struct.Struct("<Q")


def read_frame(stream) -> object | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(stream.read(size))


def write_frame(stream, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def library_path() -> str:
    """libsymreg_ort.so of the installed symreg, found without importing symreg (which imports torch)."""
    spec = importlib.util.find_spec("symreg")
    return str(Path(next(iter(spec.submodule_search_locations))) / "libsymreg_ort.so")


class OrtRunner:
    """Runs one-node models; one SessionOptions per thread count, kept for the worker's life."""

    def __init__(self) -> None:
        import onnxruntime

        self.ort = onnxruntime
        self.options = {}
        for threads in (1, 2):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.log_severity_level = 4  # expected failures are not worth a log line
            options.register_custom_ops_library(library_path())
            self.options[threads] = options

    def __call__(self, case: dict) -> dict:
        from fuzz_ops import model_bytes

        data, feeds = model_bytes(case)
        try:
            session = self.ort.InferenceSession(
                data, self.options[case["threads"]], providers=["CPUExecutionProvider"]
            )
            outputs = session.run(None, feeds)
        except Exception as e:  # noqa: BLE001 - every ORT error is an answer to check
            return {"status": "error", "type": type(e).__name__, "message": str(e)}
        return {"status": "ok", "outputs": outputs}


def reference(case: dict) -> dict:
    from fuzz_ops import FUZZ_OPS

    try:
        return {"status": "ok", "outputs": FUZZ_OPS[case["op"]].reference(case)}
    except Exception as e:  # noqa: BLE001
        return {"status": "error", "type": type(e).__name__, "message": f"reference failed: {e!r}"}


def main() -> None:
    kind = sys.argv[1]
    # stdout carries frames only: anything printed (ORT, torch) goes to stderr
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stdin = sys.stdin.buffer
    handle = OrtRunner() if kind == "ort" else reference
    write_frame(out, {"status": "ready", "isa": os.environ.get("SYMREG_CPU_ISA", "")})
    while (case := read_frame(stdin)) is not None:
        write_frame(out, handle(case))


if __name__ == "__main__":
    main()
