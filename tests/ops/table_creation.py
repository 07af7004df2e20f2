"""Op-table entries of symreg/ops/creation.py (ranges, tensors made from Python numbers), in name order.

The ranges' bounds come from the input's dynamic length where the bug needs computed bounds.
Each call of the other ops mixes a Python float that float32 cannot hold exactly (0.45, 0.1,
1/3) into a tensor: in float64 the exported model must give torch's result exactly.
"""

from __future__ import annotations

import torch
from op_entry import ELEMENTWISE, TS_0D_FLOAT64, OpEntry, Sample, is_0d
from ortcheck import EXPORTS

EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0), torch.int32: (0.0, 0.0)}
RANGE_DTYPES = (torch.int64, torch.int32, torch.float32, torch.float64)
#: The range rules are for the TorchScript exporter (torch.export cannot trace bounds computed as n / 4).
TORCHSCRIPT = tuple(e for e in EXPORTS if e[0] == "torchscript")
POW = {torch.float32: (1e-6, 0.0), torch.float64: (1e-15, 0.0)}  # libm's pow differs by an ulp or so
#: lerp's ONNX composition (either exporter's) rounds an ulp away from eager's fused kernel at times.
LERP = {**EXACT, torch.float32: (1.2e-7, 0.0), torch.float64: (4.5e-16, 0.0)}
VALUES = (0.45, 0.1, 1 / 3)


def _bounds(*bounds):
    """Samples of ``_arange_fn`` with these bounds in each range dtype: "n/k" is the input's length / k."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        x = torch.zeros(9, dtype=dtype)
        return [Sample((x, *b), {"dtype": dtype}) for b in bounds]

    return samples


def _arange_fn(x, *bounds, dtype):
    # x[0] * 0: the model's input; "n/k" bounds are computed from its length. The number of
    # bounds picks the overload: arange(end), arange.start(start, end), arange.start_step.
    bounds = [x.shape[0] / int(v[2:]) if isinstance(v, str) else v for v in bounds]
    return torch.arange(*bounds, dtype=dtype) + x[0] * 0


def _logspace(dtype: torch.dtype) -> list[Sample]:
    """The tensor overload: 0-d start and end tensors, constant steps and base."""
    t = torch.tensor
    return [
        Sample((t(-1.5), t(3.3), 7, 2.0), {"dtype": dtype}),
        Sample((t(0.0), t(2.0), 5, 10.0), {"dtype": dtype}),
        Sample((t(2.0), t(-2.0), 4, 10.0), {"dtype": dtype}),
        Sample((t(1.5), 2.0, 1, 10.0), {"dtype": dtype}),  # end unused at 1 step: a constant, not an input
        Sample((t(0.5), t(2.5), 0, 3.0), {"dtype": dtype}),
    ]


def _floats(dtype: torch.dtype) -> list[Sample]:
    x = torch.tensor([[-1.5, 0.0, 2.25], [3.0, -0.5, 7.0]], dtype=dtype)
    return [Sample((x,), {"value": v}) for v in VALUES] + [Sample((x[0, 0],), {"value": 0.45})]


def _arithmetic(dtype: torch.dtype) -> list[Sample]:
    """Python scalars in arithmetic, where, clamp and lerp: torch.export rewrites each as aten.scalar_tensor."""
    x = torch.tensor([[-1.5, 0.0, 2.25], [3.0, -0.5, 7.0]], dtype=dtype)
    return [Sample((x,), {"which": k}) for k in range(len(_SCALAR_CALLS))] + [Sample((x[1],), {"which": 0})]


_SCALAR_CALLS = (
    lambda x: x * 0.45,
    lambda x: x + 0.1,
    lambda x: 1 / 3 - x,
    lambda x: x / 0.45,
    lambda x: torch.where(x > 0, x, 0.1),
    lambda x: torch.lerp(x, x * 2, 0.45),
)


# torch's bug: float bounds with an integer dtype were truncated before counting (one short).
# Computed bounds: constant ones fold to constants in torch's own rule and were always right.
ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::arange",),
        EXACT,
        samples=_bounds(("n/4",), (4.5,), (0,), ("n/2",)),
        fn=_arange_fn,
        dtypes=RANGE_DTYPES,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::arange.start",),
        EXACT,
        samples=_bounds(("n/8", "n/2"), (-1.0, 2.0), (0.5, 0.5), (3, 3)),
        fn=_arange_fn,
        dtypes=RANGE_DTYPES,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::arange.start_step",),
        EXACT,
        samples=_bounds((0.5, "n/2", 1.5), (3, 10, 2), ("n/2", -2.0, -0.75), (5, 1, -1), (3, 3, -1)),
        fn=_arange_fn,
        dtypes=RANGE_DTYPES,
        exports=TORCHSCRIPT,
    ),
    OpEntry(  # TorchScript's aten::fill is tests/ops/table_math.py's
        ("aten::fill.Scalar",),
        EXACT,
        samples=_floats,
        fn=lambda x, value: torch.fill(x, value),
        exports=(("dynamo", 18),),
    ),
    OpEntry(
        ("aten::full",),
        EXACT,
        samples=_floats,
        fn=lambda x, value: x + torch.full(x.shape[-1:], value, dtype=x.dtype),
    ).xfail(TS_0D_FLOAT64, exporter="torchscript", dtype=torch.float64, sample=is_0d),
    OpEntry(("aten::full_like",), EXACT, samples=_floats, fn=lambda x, value: torch.full_like(x, value)),
    OpEntry(
        ("aten::logspace",),
        ELEMENTWISE,
        samples=_logspace,
        fn=torch.logspace,
        dtypes=(torch.float32, torch.float64, torch.int64),
    ),
    OpEntry(
        ("aten::masked_fill.Scalar",), EXACT, samples=_floats, fn=lambda x, value: x.masked_fill(x > 0, value)
    ).xfail(TS_0D_FLOAT64, exporter="torchscript", dtype=torch.float64, sample=is_0d),
    OpEntry(("aten::pow.Scalar",), POW, samples=_floats, fn=lambda x, value: value**x).xfail(
        TS_0D_FLOAT64, exporter="torchscript", dtype=torch.float64, sample=is_0d
    ),
    OpEntry(("aten::scalar_tensor",), LERP, samples=_arithmetic, fn=lambda x, which: _SCALAR_CALLS[which](x)),
)
