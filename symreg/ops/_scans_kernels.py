"""The "custom" lowering of ``cummax``, ``cummin``, ``cumprod``, ``cumsum``, ``logcumsumexp`` (symreg/ops/scans.py)
and ``mode`` (symreg/ops/sorting.py): one node of symreg's native kernels (csrc/kernels/scans/), linear in the
scanned dim's length, torch's CPU arithmetic step for step; the default of all but ``cumsum`` (opt-in there: its
standard ``CumSum`` comes first). Their schemas are here, with the dtype handling the rules share: the kernels take
float32, float64 and int64 (``LogCumSumExp`` floats only); bool and narrower integers go in as int64 and their
outputs come back in the input's dtype, float16 and bfloat16 as float32 (``cumprod``, ``cumsum``: float64), as
torch computes them wider too.

The "decomposition" lowerings (standard ops over n² pairs, :mod:`symreg.ops._scans_pairs`,
:func:`symreg.ops._sorting_counts.mode`) stay for runtimes that cannot load the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from symreg.builder import Builder, TensorInfo
from symreg.errors import ExportError
from symreg.ops._helpers import cast
from symreg.schemas import schema

LOWERINGS = ("custom", "decomposition")
_KERNEL_DTYPES = (torch.float32, torch.float64, torch.int64)


def _scan_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    x = inputs[0] if inputs else None
    return [TensorInfo(x.dtype if x else None, x.shape if x else None)]


def _with_indices_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    x = inputs[0] if inputs else None
    shape = x.shape if x else None
    return [TensorInfo(x.dtype if x else None, shape), TensorInfo(torch.int64, shape)]


def _mode_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    x = inputs[0] if inputs else None
    shape = None
    if x is not None and x.shape is not None:
        rank, axis, keep = len(x.shape), int(attrs.get("axis", -1)), bool(attrs.get("keepdims", 1))
        axis = axis + max(rank, 1) if axis < 0 else axis
        shape = tuple(1 if d == axis else s for d, s in enumerate(x.shape) if keep or d != axis)
    return [TensorInfo(x.dtype if x else None, shape), TensorInfo(torch.int64, shape)]


_AXIS_DOC = "axis: the scanned dim (negative counts from the end; a 0-d X takes -1 and 0, as torch's dims)."
CUMMAX = schema(
    "symreg::Cummax", inputs=["X: T"], outputs=["values: T", "indices: I"],
    types={"T": ["float", "double", "int64"], "I": ["int64"]}, attrs={"axis": int}, infer=_with_indices_infer,
    doc="Running maximum along axis and its index, torch.cummax on CPU: an element >= the maximum so far "
    "takes over (ties: the latest), NaN takes over and holds until the next NaN. " + _AXIS_DOC,
)  # fmt: skip
CUMMIN = schema(
    "symreg::Cummin", inputs=["X: T"], outputs=["values: T", "indices: I"],
    types={"T": ["float", "double", "int64"], "I": ["int64"]}, attrs={"axis": int}, infer=_with_indices_infer,
    doc="Running minimum along axis and its index, torch.cummin on CPU (<=: ties the latest; NaN as "
    "Cummax). " + _AXIS_DOC,
)  # fmt: skip
CUMPROD = schema(
    "symreg::Cumprod", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float", "double", "int64"]},
    attrs={"axis": int}, infer=_scan_infer,
    doc="Running product along axis, torch.cumprod on CPU: float accumulated in double and rounded at each "
    "output, int64 wrapping. " + _AXIS_DOC,
)  # fmt: skip
CUMSUM = schema(
    "symreg::Cumsum", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float", "double", "int64"]},
    attrs={"axis": int}, infer=_scan_infer,
    doc="Running sum along axis, torch.cumsum on CPU: float accumulated in double and rounded at each output, "
    "int64 wrapping; a 0-d X is returned as it is. " + _AXIS_DOC,
)  # fmt: skip
LOG_CUM_SUM_EXP = schema(
    "symreg::LogCumSumExp", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float", "double"]},
    attrs={"axis": int}, infer=_scan_infer,
    doc="log(cumsum(exp(X))) along axis, torch.logcumsumexp on CPU: log1p(exp(min - max)) + max in double, "
    "all -inf giving -inf, +inf +inf, NaN propagating. " + _AXIS_DOC,
)  # fmt: skip
MODE = schema(
    "symreg::Mode", inputs=["X: T"], outputs=["values: T", "indices: I"],
    types={"T": ["float", "double", "int64"], "I": ["int64"]}, attrs={"axis": -1, "keepdims": 1},
    infer=_mode_infer,
    doc="Most frequent value along axis (the smallest of equally frequent ones) and torch.mode's index for it "
    "(its CPU kernel's std::sort of (value, index) pairs, run for run). An empty axis is an error. " + _AXIS_DOC,
)  # fmt: skip


def lowering(g: Builder, min_decomposition_opset: int = 9, needs: str = "GatherElements") -> str:
    """The lowering to build: the one forced (``symreg.set_lowering``), else "custom"; the
    decomposition below ``min_decomposition_opset`` (where ONNX lacks ``needs``) is an ``ExportError``."""
    chosen = g.lowering or "custom"
    if chosen == "decomposition" and g.opset < min_decomposition_opset:
        raise ExportError(
            f"{g.overload}: the 'decomposition' lowering needs opset >= {min_decomposition_opset} ({needs}), "
            f"but the graph is built at opset {g.opset}; export at a higher opset or use the 'custom' lowering"
        )
    return chosen


def _as_kernel_dtype(g: Builder, x: Any, wide: torch.dtype = torch.float32) -> tuple[Any, torch.dtype | None]:
    """``x`` in a dtype the kernels take (bool and integers as int64, other floats as ``wide``) and the
    dtype to cast the values back to (None: none)."""
    dtype = g.dtype(x)
    if dtype is None or dtype in _KERNEL_DTYPES:
        return x, None
    return cast(g, x, wide if dtype.is_floating_point else torch.int64), dtype


def cum_extreme(g: Builder, x: Any, dim: int, largest: bool) -> tuple[Any, Any]:
    """(values, indices) of ``symreg::Cummax`` (``largest``) or ``Cummin`` along ``dim``."""
    xs, back = _as_kernel_dtype(g, x)
    values, indices = g.op("symreg::Cummax" if largest else "symreg::Cummin", xs, axis=dim, outputs=2)
    return (values if back is None else cast(g, values, back)), indices


def cumprod(g: Builder, x: Any, dim: int, out: torch.dtype | None) -> Any:
    """``symreg::Cumprod`` along ``dim`` in ``out`` (None: ``x``'s dtype, int64 for bool and integers)."""
    dtype = g.dtype(x)
    if out is None:
        out = dtype if dtype is None or dtype.is_floating_point else torch.int64
    compute = out if out is None or out in _KERNEL_DTYPES else torch.float64 if out.is_floating_point else torch.int64
    if compute is not None and compute != dtype:
        x = cast(g, x, compute)
    y = g.op("symreg::Cumprod", x, axis=dim)
    return y if out is None or out == compute else cast(g, y, out)


def cumsum(g: Builder, x: Any, dim: int, out: torch.dtype | None) -> Any:
    """``symreg::Cumsum`` along ``dim`` in ``out`` (None: ``x``'s dtype); float16 and bfloat16 through float64."""
    dtype = g.dtype(x)
    compute = out if out is None or out in _KERNEL_DTYPES else torch.float64 if out.is_floating_point else torch.int64
    if compute is not None and compute != dtype:
        x = cast(g, x, compute)
    y = g.op("symreg::Cumsum", x, axis=dim)
    return y if out is None or out == compute else cast(g, y, out)


def logcumsumexp(g: Builder, x: Any, dim: int) -> Any:
    """``symreg::LogCumSumExp`` along ``dim``."""
    xs, back = _as_kernel_dtype(g, x)
    y = g.op("symreg::LogCumSumExp", xs, axis=dim)
    return y if back is None else cast(g, y, back)


def mode(g: Builder, x: Any, dim: int, keepdim: bool) -> tuple[Any, Any]:
    """(values, indices) of ``symreg::Mode`` along ``dim``."""
    xs, back = _as_kernel_dtype(g, x)
    values, indices = g.op("symreg::Mode", xs, axis=dim, keepdims=int(keepdim), outputs=2)
    return (values if back is None else cast(g, values, back)), indices
