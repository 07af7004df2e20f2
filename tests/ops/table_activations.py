"""Op-table entries of symreg/ops/activations.py, in name order."""

from __future__ import annotations

import torch
from op_entry import ELEMENTWISE, OpEntry, Sample
from table_math import EXACT, FLOATS_INT, edge_values

INF, NAN = float("inf"), float("nan")


def _celu(dtype: torch.dtype) -> list[Sample]:
    x = torch.tensor([-1e-6, 1.0, -3.0, -20.0, 0.5, NAN, INF, -INF], dtype=dtype)
    return [Sample((x[1],)), Sample((x,), {"alpha": 0.5})]


def _prelu(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((torch.randn(2, 3, 4, dtype=dtype), torch.rand(3, dtype=dtype))),
        Sample((torch.randn(3, 5, dtype=dtype), torch.rand(1, dtype=dtype))),
        Sample((torch.randn(5, dtype=dtype), torch.rand(1, dtype=dtype))),
        Sample((torch.randn((), dtype=dtype), torch.rand(1, dtype=dtype))),
    ]


def _softplus(dtype: torch.dtype) -> list[Sample]:
    x = torch.tensor([-20.0, -17.5, 1.0, 19.0, 21.0, 30.0, -60.0, NAN, INF, -INF], dtype=dtype)
    return [Sample((x[2],)), Sample((x,)), Sample((x,), {"beta": 2.0, "threshold": 5.0})]


def _threshold(dtype: torch.dtype) -> list[Sample]:
    x = edge_values(dtype)
    return [Sample((x[3], 0.5, -1.0)), Sample((x, 1.0, -5.0)), Sample((x[:0], 0.0, 2.0))]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::celu",), ELEMENTWISE, opinfo="nn.functional.celu", samples=_celu, fn=torch.nn.functional.celu),
    OpEntry(("aten::prelu",), ELEMENTWISE, opinfo="nn.functional.prelu", samples=_prelu, fn=torch.nn.functional.prelu),
    OpEntry(
        ("aten::softplus",),
        ELEMENTWISE,
        opinfo="nn.functional.softplus",
        samples=_softplus,
        fn=torch.nn.functional.softplus,
    ),
    OpEntry(
        ("aten::threshold",),
        EXACT,
        opinfo="nn.functional.threshold",
        samples=_threshold,
        fn=torch.nn.functional.threshold,
        dtypes=FLOATS_INT,
    ),
)
