"""Op-table entries of symreg/ops/math.py (elementwise math), in name order."""

from __future__ import annotations

import torch
from op_entry import ELEMENTWISE, FLOATS_AND_INT, OpEntry, Sample, elementwise_extras


def elementwise_at_least_one(dtype: torch.dtype) -> list[Sample]:
    """``elementwise_extras`` for acosh's domain [1, inf)."""
    return [Sample((1 + s.args[0].abs(),)) for s in elementwise_extras(dtype)]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::acosh",), ELEMENTWISE, opinfo="acosh", samples=elementwise_at_least_one, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::asinh",), ELEMENTWISE, opinfo="asinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::atanh",), ELEMENTWISE, opinfo="atanh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::cosh",), ELEMENTWISE, opinfo="cosh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::erfinv", "aten::special_erfinv"),
        ELEMENTWISE,
        opinfo="erfinv",
        samples=elementwise_extras,
        dtypes=FLOATS_AND_INT,
    ),
    OpEntry(("aten::frac",), ELEMENTWISE, opinfo="frac", samples=elementwise_extras),
    OpEntry(("aten::sinh",), ELEMENTWISE, opinfo="sinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
)
