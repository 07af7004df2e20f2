"""Op-table entries of symreg/ops/creation.py (tensors made from Python numbers), in name order.

Each call mixes a Python float that float32 cannot hold exactly (0.45, 0.1, 1/3) into a
tensor: in float64 the exported model must give torch's result exactly.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample

EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0)}
POW = {torch.float32: (1e-6, 0.0), torch.float64: (1e-15, 0.0)}  # libm's pow differs by an ulp or so
VALUES = (0.45, 0.1, 1 / 3)


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


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(  # TorchScript's aten::fill is tests/ops/table_math.py's
        ("aten::fill.Scalar",), EXACT, samples=_floats, fn=lambda x, value: torch.fill(x, value), exports=(("dynamo", 18),)
    ),
    OpEntry(
        ("aten::full",),
        EXACT,
        samples=_floats,
        fn=lambda x, value: x + torch.full((x.shape[-1],), value, dtype=x.dtype),
    ),
    OpEntry(("aten::full_like",), EXACT, samples=_floats, fn=lambda x, value: torch.full_like(x, value)),
    OpEntry(
        ("aten::masked_fill.Scalar",), EXACT, samples=_floats, fn=lambda x, value: x.masked_fill(x > 0, value)
    ),
    OpEntry(("aten::pow.Scalar",), POW, samples=_floats, fn=lambda x, value: value**x),
    OpEntry(("aten::scalar_tensor",), EXACT, samples=_arithmetic, fn=lambda x, which: _SCALAR_CALLS[which](x)),
)
