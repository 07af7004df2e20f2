"""One ONNX model with a node of every native kernel, for the tests that need every op at once
(concurrency, session lifetimes) and scripts/reliability.py.

The nodes come from the kernel table (tests/kernels/kernel_table.py, which tests/test_parity.py
keeps in step with csrc/native_ops.def): each entry's ``threads_call`` gives the node's inputs and
attributes. Node ``symreg::Name`` reads graph inputs ``Name/in0``, ``Name/in1``... and writes
``Name/y`` (or ``Name/y0``, ``Name/y1``... where it has several outputs).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import onnx
from onnx import helper
from ortcheck import node_model

# pytest puts tests/kernels on sys.path only when it collects a test there.
sys.path.insert(0, str(Path(__file__).resolve().parent / "kernels"))
from kernel_table import KERNELS, KernelEntry  # noqa: E402

#: Elements per input of the elementwise kernels: enough for ORT to split them over 2 threads, few enough
#: that 30-odd of them run a hundred times per test in seconds.
ELEMENTWISE_SIZE = 20_000


def entries(skip: Iterable[str] = ()) -> list[KernelEntry]:
    """The kernel table's entries, less the ops named in ``skip`` ("symreg::DeformConv2d")."""
    skipped = set(skip)
    return [e for e in KERNELS if e.op not in skipped]


def prefix(entry: KernelEntry) -> str:
    return entry.op.split("::")[1] + "/"


def kernel_inputs(entry: KernelEntry, dtype, seed: int, size: int = ELEMENTWISE_SIZE) -> list[np.ndarray | None]:
    """The entry's ``threads_call`` inputs in ``dtype``: 1-d (elementwise) ones cut to ``size`` elements, floating
    ones scaled by ``1 + seed / 64`` (a positive factor keeps matrices positive-definite or well-conditioned), so
    that each seed gives other values."""
    arrays = []
    for a in entry.threads_call.make():
        if a is not None:
            if a.ndim == 1:
                a = a[:size]
            if np.issubdtype(a.dtype, np.floating):
                a = (a * (1 + seed / 64)).astype(dtype)
        arrays.append(a)
    return arrays


def model(dtype, skip: Iterable[str] = (), size: int = ELEMENTWISE_SIZE) -> onnx.ModelProto:
    """A node of every kernel but those in ``skip``, side by side (no node feeds another)."""
    found = None
    for entry in entries(skip):
        arrays = kernel_inputs(entry, dtype, seed=0, size=size)
        outputs = None if entry.outputs is None else [
            helper.np_dtype_to_tensor_dtype(np.dtype(t or dtype)) for t in entry.outputs]  # fmt: skip
        one = onnx.compose.add_prefix(
            onnx.load_from_string(node_model(entry.op, arrays, entry.threads_call.attrs, outputs=outputs)),
            prefix(entry),
        )
        if found is None:
            found = one
            found.graph.name = "every_native_op"
        else:  # by hand: onnx.compose.merge_models checks its result, and node_model's outputs have no shape
            append(found, one)
    return found


def append(into: onnx.ModelProto, other: onnx.ModelProto) -> None:
    """Adds ``other``'s nodes, graph inputs and outputs to ``into`` (names must not clash; same opsets)."""
    for field in ("node", "input", "output", "initializer"):
        getattr(into.graph, field).extend(getattr(other.graph, field))


def feeds(dtype, seed: int, skip: Iterable[str] = (), size: int = ELEMENTWISE_SIZE) -> dict[str, np.ndarray]:
    """Inputs for :func:`model`, other values for each ``seed``."""
    found = {}
    for entry in entries(skip):
        arrays = kernel_inputs(entry, dtype, seed, size)
        found.update({f"{prefix(entry)}in{i}": a for i, a in enumerate(arrays) if a is not None})
    return found
