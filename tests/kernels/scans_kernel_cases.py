"""Kernel-table entries of the scan and mode kernels (``symreg::Cumprod``, ``Cumsum``, ``Cummax``, ``Cummin``,
``LogCumSumExp``, ``Mode``): pybind and a one-node ORT model against eager torch, which they match exactly (torch's
CPU arithmetic step for step: double accumulation, the same ``std::sort`` of (value, index) pairs for mode).

Calls: every axis (negative too) of ranks 0 to 3, empty dims, NaN/±inf/±0 and ties, int64 wrapping, slices read
in place at strides below and above the kernels' column groups (``kScanColumns`` = 64), non-contiguous inputs and
long slices with ties. tests/kernels/test_scans_errors.py has the bad axes, attributes and empty mode slices.
"""

from __future__ import annotations

import numpy as np
import torch
from kernel_table import _BIG_ENDIAN_IN_ORT, LAYOUTS, Call, KernelEntry

from symreg import _kernels

EXACT = {np.float32: (0.0, 0.0), np.float64: (0.0, 0.0), np.int64: (0.0, 0.0)}
FLOATS_INT = (np.float32, np.float64, np.int64)
REFUSED = (np.float16, np.int32, np.bool_, np.complex64, object)
#: Shapes and axes: ranks 0 to 3, negative axes, empty dims, inner sizes 1, 40 (< 64) and 130 (two column groups).
SHAPES = [
    ((), 0), ((), -1), ((1,), 0), ((9,), -1), ((3, 8), 1), ((3, 8), 0), ((3, 8), -2), ((2, 3, 4), 1),
    ((0,), 0), ((3, 0, 2), 1), ((3, 0, 2), 2), ((2, 0), 0), ((50, 40), 0), ((2, 30, 130), 1), ((2, 5, 3), -1),
]  # fmt: skip


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=a.dtype.newbyteorder("="), order="C"))  # 0-d stays 0-d


def _ties(shape, dtype, seed: int, choices=(-2, -1, 0, 1, 2, 3)) -> np.ndarray:
    """Few distinct values (ties everywhere); NaN, ±inf and -0.0 among them for floats."""
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.choice(np.asarray(choices, np.float64), size=shape))
    if np.issubdtype(dtype, np.floating) and x.size:
        flat = x.reshape(-1)
        for value, every in ((np.nan, 13), (np.inf, 17), (-np.inf, 19), (-0.0, 7)):
            flat[rng.integers(0, flat.size, max(1, flat.size // every))] = value
    return np.asarray(x.astype(dtype))


def _edges(dtype) -> np.ndarray:
    """Rows of ties, NaN (first, last, repeated), ±inf, ±0, extremes; int64: extremes and overflowing products."""
    if dtype == np.int64:
        big = 2**40
        return np.array([[3, -1, 3, 0, 7, -1, 0, 3], [big, big, -big, 5, 5, 1, -1, 2], [-(2**63), 2**63 - 1, 1, -1,
                         2, 0, -3, 3]], dtype)  # fmt: skip
    f = np.finfo(dtype)
    nan, inf = np.nan, np.inf
    return np.array([[nan, 1.0, nan, -0.0, 0.0, inf, nan, -inf], [2.5, -1.0, 2.5, inf, inf, -0.0, -1.0, 2.5],
                     [-inf, -inf, -inf, 3.0, f.max, f.max, f.tiny, f.smallest_subnormal],
                     [0.0, -0.0, 0.0, -0.0, 1e30, 1e30, -1e30, nan]], dtype)  # fmt: skip


def _calls(dtype, axis_calls, extra=()) -> list[Call]:
    calls = [Call(f"shape{list(s)}-axis{a}", lambda s=s: (_ties(s, dtype, 1),), axis_calls(a)) for s, a in SHAPES]
    calls += [Call(f"edges-axis{a}", lambda: (_edges(dtype),), axis_calls(a)) for a in (1, 0)]
    calls += [Call("long-ties", lambda: (_ties((3, 5000), dtype, 2),), axis_calls(1))]
    for name, view in LAYOUTS.items():
        xfail = _BIG_ENDIAN_IN_ORT if name == "big-endian" else None
        calls.append(Call(name, lambda view=view: (view(_ties((8, 9), dtype, 3)),), axis_calls(1), ort_xfail=xfail))
    return calls + list(extra)


def _axis(a: int) -> dict:
    return {"axis": a}


def _scan_entry(op: str, pybind, reference, dtypes=FLOATS_INT, outputs=None, calls=None) -> KernelEntry:
    return KernelEntry(
        op=op, pybind=pybind, reference=reference, calls=calls or (lambda dtype: _calls(dtype, _axis)),
        tolerance=EXACT, outputs=outputs, dtypes=dtypes, signed_zeros=True,
        threads_call=Call("64x2000", lambda: (_ties((64, 2000), np.float32, 4),), {"axis": 1}),
        refused=REFUSED if np.int64 in dtypes else (*REFUSED, np.int64),
        refused_message=r"expected a float32, float64 or int64 array" if np.int64 in dtypes
        else r"expected a float32 or float64 array",
    )  # fmt: skip


def _factors(dtype) -> list[Call]:
    """cumprod on factors ±0.5, ±1, ±2 (exact products) along long dims, and products that leave the range."""
    f = (-2, -1, 1, 2, 3) if dtype == np.int64 else (-2, -1, -0.5, 0.5, 1, 2)
    return [
        Call("factors-long", lambda: (_ties((3, 3000), dtype, 5, f),), {"axis": 1}),
        Call("factors-strided", lambda: (_ties((400, 70), dtype, 6, f),), {"axis": 0}),
        Call("overflow", lambda: (np.full((2, 200), 7, dtype),), {"axis": 1}),
    ]


CUMPROD = _scan_entry(
    "symreg::Cumprod", _kernels.cumprod, lambda x, axis: torch.cumprod(_t(x), axis).numpy(),
    calls=lambda dtype: _calls(dtype, _axis, _factors(dtype)),
)  # fmt: skip


def _sums(dtype) -> list[Call]:
    """cumsum along long dims, where a sum in float32 drifts from torch's in double (a large first term, then
    small ones), contiguous slices in and out of the kernel's groups of 8 (``kSumRows``) and strided ones; int64
    sums that wrap."""
    if dtype == np.int64:
        big = np.full((3, 300), 2**55, dtype)
        big[1] = -(2**55)
        return [Call("wrap", lambda: (big,), {"axis": 1}), Call("wrap-strided", lambda: (big.T.copy(),), {"axis": 0})]

    def drift(shape, axis):
        x = np.random.default_rng(11).normal(0, 1, shape)
        np.moveaxis(x, axis, 0)[0] = 1e8  # each later term is below float32's ulp of the sum
        return np.asarray(x.astype(dtype))

    calls = [Call(f"drift-{list(s)}-axis{a}", lambda s=s, a=a: (drift(s, a),), {"axis": a})
             for s, a in (((19, 3000), 1), ((8, 3000), -1), ((3000, 70), 0), ((4, 500, 3), 1))]  # fmt: skip
    return calls + [Call("normal-rows", lambda: (np.random.default_rng(12).normal(0, 1e3, (21, 4000)).astype(dtype),),
                         {"axis": 1})]  # fmt: skip


CUMSUM = _scan_entry(
    "symreg::Cumsum", _kernels.cumsum, lambda x, axis: torch.cumsum(_t(x), axis).numpy(),
    calls=lambda dtype: _calls(dtype, _axis, _sums(dtype)),
)  # fmt: skip
CUMMAX = _scan_entry(
    "symreg::Cummax", _kernels.cummax, lambda x, axis: tuple(r.numpy() for r in torch.cummax(_t(x), axis)),
    outputs=(None, np.int64),
)  # fmt: skip
CUMMIN = _scan_entry(
    "symreg::Cummin", _kernels.cummin, lambda x, axis: tuple(r.numpy() for r in torch.cummin(_t(x), axis)),
    outputs=(None, np.int64),
)  # fmt: skip


def _logcumsumexp_calls(dtype) -> list[Call]:
    spread = [Call(f"normal-x{s}", lambda s=s: (np.random.default_rng(8).normal(0, s, (5, 700)).astype(dtype),),
                   {"axis": 1}) for s in (1, 300)]  # fmt: skip
    return _calls(dtype, _axis, spread)


LOG_CUM_SUM_EXP = _scan_entry(
    "symreg::LogCumSumExp", _kernels.logcumsumexp, lambda x, axis: torch.logcumsumexp(_t(x), axis).numpy(),
    dtypes=(np.float32, np.float64), calls=_logcumsumexp_calls,
)  # fmt: skip


def _mode_calls(dtype) -> list[Call]:
    keep = [Call(f"keepdims{k}-axis{a}", lambda: (_ties((4, 6, 5), dtype, 9),), {"axis": a, "keepdims": k})
            for k in (0, 1) for a in (0, 1, -1)]  # fmt: skip
    # every slice non-empty: torch refuses the mode of an empty slice (tests/kernels/test_scans_errors.py)
    calls = [c for c in _calls(dtype, _axis, keep) if c.name not in ("shape[0]-axis0", "shape[3, 0, 2]-axis1")]
    return calls + [Call("long-ties-strided", lambda: (_ties((2000, 3), dtype, 10),), {"axis": 0})]


def _mode_reference(x, axis=-1, keepdims=1):
    return tuple(r.numpy() for r in torch.mode(_t(x), axis, keepdim=bool(keepdims)))


def _mode_pybind(x, axis=-1, keepdims=1):
    return _kernels.mode(x, axis, bool(keepdims))


MODE = _scan_entry("symreg::Mode", _mode_pybind, _mode_reference, outputs=(None, np.int64), calls=_mode_calls)

SCAN_KERNELS: tuple[KernelEntry, ...] = (CUMMAX, CUMMIN, CUMPROD, CUMSUM, LOG_CUM_SUM_EXP, MODE)
