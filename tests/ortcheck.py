"""The one helper tests use to compare ONNX Runtime (with symreg's kernels) against a reference.

``export`` a module with symreg (checked by ``onnx.checker``), or build a one-node custom-op
model with ``node_model``; ``run`` either in ORT with symreg's kernels; ``assert_matches``
the outputs against eager PyTorch (or another reference).
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import onnx
import torch
from onnx import helper

import symreg

#: (exporter, opset) pairs every op-pack test runs through.
EXPORTS = [("torchscript", 9), ("torchscript", 11), ("torchscript", 13), ("torchscript", 17), ("dynamo", 18)]

#: Dynamic dims of one input: a tuple of dim indices, or None for all of them.
Dims = tuple[int, ...] | None


class Fn(torch.nn.Module):
    """``fn(*inputs)`` as a module, to export a function alone."""

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def forward(self, *inputs):
        return self.fn(*inputs)


def export(
    model: torch.nn.Module,
    args: tuple,
    exporter: str,
    opset: int,
    dynamic: bool = True,
    dims: Dims | list[Dims] = None,
) -> onnx.ModelProto:
    """Exports with symreg (input dims dynamic when ``dynamic``), checks, returns the model.

    ``dims`` names the dynamic dims: a tuple of dim indices applies to every input, a list
    holds one entry per input (a tuple, or None for all of that input's dims); None makes
    every dim of every input dynamic. Dims of size >= 2 are dynamic under both exporters;
    the TorchScript exporter also makes dims of size 0 and 1 dynamic. ``model.forward``
    may take ``*inputs``.
    """
    per_input = dims if isinstance(dims, list) else [dims] * len(args)
    assert len(per_input) == len(args), f"dims has {len(per_input)} entries for {len(args)} inputs"
    names = [f"in{i}" for i in range(len(args))]
    kwargs: dict = {"input_names": names}
    if dynamic and exporter == "torchscript":
        kwargs["dynamic_axes"] = {
            n: {d: f"{n}_d{d}" for d in range(a.dim()) if want is None or d in want}
            for n, a, want in zip(names, args, per_input)
        }
    if dynamic and exporter == "dynamo":
        # torch.export specialises dims of size 0 and 1 (and fails on AUTO for size 0).
        shapes = tuple(
            {d: torch.export.Dim.AUTO for d in range(a.dim()) if a.shape[d] >= 2 and (want is None or d in want)}
            or None
            for a, want in zip(args, per_input)
        )
        kwargs["dynamic_shapes"] = (shapes,) if _takes_varargs(model) else shapes
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            program = symreg.export(model, args, None, opset_version=opset, dynamo=True, verbose=False, **kwargs)
            proto = program.model_proto
        else:
            symreg.export(model, args, buffer, opset_version=opset, dynamo=False, **kwargs)
            proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _takes_varargs(model: torch.nn.Module) -> bool:
    """torch.export wants one dynamic-shapes entry per parameter: ``*inputs`` is a single tuple."""
    kinds = [p.kind for p in inspect.signature(model.forward).parameters.values()]
    return kinds == [inspect.Parameter.VAR_POSITIONAL]


def node_model(
    op: str,
    inputs: Sequence[np.ndarray | None],
    attrs: Mapping | None = None,
    *,
    dynamic: bool = True,
    elem_type: int | None = None,
    outputs: Sequence[int] | None = None,
) -> bytes:
    """A one-node model ``y = op(*inputs, **attrs)`` with ``op`` = "domain::Op", as serialized bytes.

    None inputs are omitted (an empty name, as ONNX writes absent optional inputs). Input
    and output dims are named (dynamic) when ``dynamic``. The element type is that of the
    first input (an input of another dtype keeps its own) unless ``elem_type`` (an
    ``onnx.TensorProto`` type) says otherwise. IR
    version 10, opsets ("", 17) and (domain, 1): what ORT 1.21 accepts. ``outputs``: the
    element types of the node's outputs (default: one, of the input element type).
    """
    domain, op_type = op.split("::")
    first = next(a for a in inputs if a is not None)
    elem = elem_type if elem_type is not None else helper.np_dtype_to_tensor_dtype(first.dtype)
    names = [f"in{i}" if a is not None else "" for i, a in enumerate(inputs)]
    while names and not names[-1]:
        names.pop()

    graph_inputs = [
        helper.make_tensor_value_info(
            n, elem if elem_type is not None or a.dtype == first.dtype else helper.np_dtype_to_tensor_dtype(a.dtype),
            [f"{n}_d{d}" for d in range(a.ndim)] if dynamic else list(a.shape),
        )
        for n, a in zip(names, inputs)
        if n
    ]
    out_types = [elem] if outputs is None else list(outputs)
    out_names = ["y"] if len(out_types) == 1 else [f"y{i}" for i in range(len(out_types))]
    graph_outputs = [helper.make_tensor_value_info(n, t, None) for n, t in zip(out_names, out_types)]
    node = helper.make_node(op_type, names, out_names, domain=domain, **dict(attrs or {}))
    graph = helper.make_graph([node], f"{domain}_{op_type}", graph_inputs, graph_outputs)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=10).SerializeToString()


def run(
    model: onnx.ModelProto | bytes,
    args: Sequence[torch.Tensor | np.ndarray],
    threads: int = 1,
) -> list[np.ndarray]:
    """Runs ``model`` in ORT with symreg's custom ops on ``args`` (fed to the graph inputs in order)."""
    options = symreg.ort.session_options()
    options.intra_op_num_threads = threads
    data = model if isinstance(model, bytes) else model.SerializeToString()
    session = symreg.ort.InferenceSession(data, sess_options=options)
    feeds = {i.name: _numpy(a) for i, a in zip(session.get_inputs(), args)}
    return session.run(None, feeds)


def _numpy(a: torch.Tensor | np.ndarray) -> np.ndarray:
    return a.detach().numpy() if isinstance(a, torch.Tensor) else a


@dataclasses.dataclass
class Error:
    max_abs: float
    max_rel: float


def error(actual: np.ndarray, expected: np.ndarray) -> Error:
    """Max abs/rel error; NaN where expected NaN and equal infinities count as exact."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    if actual.size == 0:
        return Error(0.0, 0.0)
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(same, 0.0, np.abs(actual - expected))
        rel = np.where(same, 0.0, diff / np.abs(expected))
    diff = np.where(np.isnan(diff), np.inf, diff)  # NaN where a number was expected (or vice versa)
    rel = np.where(np.isnan(rel), np.inf, rel)
    return Error(float(diff.max()), float(rel.max()))


def assert_matches(
    actual: np.ndarray,
    expected: torch.Tensor | np.ndarray,
    *,
    rtol: float,
    atol: float = 0.0,
    what: str = "",
    dtype: np.dtype | type | None = None,
    signed_zeros: bool = False,
):
    """Every element within ``atol + rtol*|expected|``; NaN and ±inf exactly where ``expected`` has them.

    ``actual`` must have the shape of ``expected`` and its dtype, or ``dtype`` where the
    reference is computed in a wider type (e.g. float32 results against float64 truth).
    ``signed_zeros``: where ``expected`` is ±0, ``actual`` must be exactly that zero, sign included.
    """
    expected_np = _numpy(expected)
    want_dtype = np.dtype(dtype) if dtype is not None else expected_np.dtype
    assert actual.dtype == want_dtype, f"{what}: dtype {actual.dtype} != {want_dtype}"
    assert actual.shape == expected_np.shape, f"{what}: shape {actual.shape} != {expected_np.shape}"
    e = error(actual, expected_np)
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected_np, dtype=np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):
        close = same | (np.abs(a - b) <= atol + rtol * np.abs(b))
    if signed_zeros:
        close &= (b != 0) | ((a == 0) & (np.signbit(a) == np.signbit(b)))
    if not close.all():
        bad = np.argwhere(~close.reshape(-1))[:5, 0]
        detail = ", ".join(f"x[{i}]: got {a.reshape(-1)[i]!r} want {b.reshape(-1)[i]!r}" for i in bad)
        raise AssertionError(f"{what}: max abs {e.max_abs:.3g}, max rel {e.max_rel:.3g}; {detail}")
