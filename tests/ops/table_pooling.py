"""Op-table entries of symreg/ops/pooling.py, in name order."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample

#: Window sums in another order than torch's (per dim, then divided once): a few ulp.
POOLING = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-14)}


def adaptive_extras(rank: int):
    """Sizes that do not divide, output larger than input, size 1, NaN and inf inside one window."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        shape = (2, 3, 10, 7, 9)[: rank + 2]
        x = torch.randn(shape, dtype=dtype)
        special = x.clone()
        special.view(-1)[5] = float("nan")
        special.view(-1)[17] = float("inf")
        return [
            Sample((x, [3, 4, 2][:rank])),
            Sample((special, [4, 3, 5][:rank])),
            Sample((x, [13, 1, 9][:rank])),
            Sample((x[0], [1] * rank)),
        ]

    return samples


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::adaptive_avg_pool1d",),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool1d",
        fn=F.adaptive_avg_pool1d,
        samples=adaptive_extras(1),
    ),
    OpEntry(
        ("aten::adaptive_avg_pool2d", "aten::_adaptive_avg_pool2d"),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool2d",
        fn=F.adaptive_avg_pool2d,
        samples=adaptive_extras(2),
    ),
    OpEntry(
        ("aten::adaptive_avg_pool3d", "aten::_adaptive_avg_pool3d"),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool3d",
        fn=F.adaptive_avg_pool3d,
        samples=adaptive_extras(3),
    ),
)
