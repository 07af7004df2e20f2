"""Op-table entries of symreg/ops/scans.py, in name order.

Differences and prefix sums of the same numbers in the same order as torch are exact.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample
from table_shape import ANY, EXACT, values

#: cumsum: torch accumulates float32 in double (so does symreg's TorchScript rule, exactly);
#: torch's dynamo lowering accumulates in float32, off by a few ulps of the partial sums.
CUMSUM = {**EXACT, torch.float32: (1e-6, 1e-5)}
#: Trapezoid rules: torch's order of operations, ORT's order of summation.
TRAPEZOID = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}


def cumsum_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d (ORT's CumSum refuses rank 0), empty, negative dim, a dtype= argument."""
    samples = [
        Sample((values((), dtype), 0)),
        Sample((values((2, 0, 3), dtype), 1)),
        Sample((values((3, 4), dtype), -1)),
    ]
    if dtype != torch.bool:  # torch has no bool -> float cumsum
        samples.append(Sample((values((3, 4), dtype), 0), {"dtype": torch.float64}))
    return samples


def diff_samples(dtype: torch.dtype) -> list[Sample]:
    """What decoder LLMs and Whisper export (int64 positions along the last dim), bool, n > 1,
    prepend/append, an axis shorter than n, empty inputs, prepend of another dtype."""
    return [
        Sample((values((2, 7), dtype),)),
        Sample((values((2, 7), dtype), 1, -1, values((2, 1), dtype))),
        Sample((values((4, 5), dtype), 2, 0, None, values((1, 5), dtype))),
        Sample((values((3, 2), dtype), 4, 1)),
        Sample((values((0, 3), dtype), 1, 0)),
        Sample((values((6,), dtype), 3, 0, values((2,), dtype), values((1,), dtype))),
        Sample((values((5,), dtype), 1, 0, values((1,), torch.float32))),
    ]


def trapezoid_samples(dtype: torch.dtype) -> list[Sample]:
    """1-d sample points along dim 0 of a 2-d y, lower-rank points, a step dx, an empty axis."""
    return [
        Sample((values((4, 3), dtype), values((4,), dtype)), {"dim": 0}),
        Sample((values((2, 4, 3), dtype), values((4, 3), dtype)), {"dim": 1}),
        Sample((values((3, 5), dtype),), {"dx": 0.5}),
        Sample((values((0, 3), dtype),), {"dim": 0}),
        Sample((values((5,), dtype),), {"dx": 2.0, "dim": 0}),
    ]


def _bool_result(sample: Sample) -> bool:
    return sample.kwargs.get("dtype") == torch.bool


def _unused_inputs(sample: Sample) -> bool:
    return sample.args[1:2] == (0,) and len(sample.tensors()) > 1


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::cumsum",), CUMSUM, opinfo="cumsum", samples=cumsum_samples, dtypes=ANY)
    .xfail("ONNX has no cumulative sum before opset 11 (CumSum)", exporter="torchscript", opset=9)
    .xfail("eager torch has no bool cumsum kernel (OpInfo's dtype=torch.bool sample)", sample=_bool_result),
    OpEntry(
        ("aten::cumulative_trapezoid",),
        TRAPEZOID,
        opinfo="cumulative_trapezoid",
        samples=trapezoid_samples,
        fn=torch.cumulative_trapezoid,
    ).xfail("ONNX has no cumulative sum before opset 11 (CumSum)", exporter="torchscript", opset=9),
    OpEntry(("aten::diff",), EXACT, opinfo="diff", samples=diff_samples, dtypes=ANY).xfail(
        "torch ignores prepend/append when n is 0: the exported model has no such inputs", sample=_unused_inputs
    ),
    OpEntry(("aten::trapezoid",), TRAPEZOID, opinfo="trapezoid", samples=trapezoid_samples, fn=torch.trapezoid),
    OpEntry(("aten::trapz",), TRAPEZOID, opinfo="trapz", samples=trapezoid_samples, fn=torch.trapz),
)
