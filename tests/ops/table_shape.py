"""Op-table entries of symreg/ops/shape.py, in name order.

Shape ops move data without arithmetic, so every result must equal eager torch exactly.
Where a constant size argument pins a dim (``unflatten``, equal sections of ``tensor_split``,
...), the sample keeps that dim static (``dims=``): a larger input would not fit the size the
model was built with, in eager torch either.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample

#: Data movement: floats, integers and booleans alike, equal to eager torch's exactly.
ANY = (torch.float32, torch.float64, torch.int64, torch.bool)
EXACT = {dtype: (0.0, 0.0) for dtype in ANY}
#: Sums: float32 within 1e-6 relative (summation order), float64 within 1e-12.
SUMS = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0)}
OPSET_9 = (
    "needs opset 10 (Slice with negative steps) or 11 (Range, CumSum, dynamic Pad); ONNX at opset 9 cannot express it"
)


def values(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """Random ``shape`` values: normal floats, integers in [-9, 9], or booleans.

    The data-movement tables (copies, indexing, scans, scatter) draw their inputs here too.
    """
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def with_specials(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """``values``, the first four of a float tensor NaN, inf, -inf and -0.0."""
    x = values(shape, dtype)
    if dtype.is_floating_point and x.numel() >= 4:
        x.view(-1)[:4] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0], dtype=dtype)
    return x


def chunk_cat_samples(dtype):
    """OpInfo's first samples and a ragged one; not all of OpInfo's: one model holding all of them
    crashes torch's TorchScript exporter (SIGFPE in its shape inference)."""
    return [
        Sample(([values((1, 2, 3), dtype), values((1, 2, 3), dtype)], -1, 5)),
        Sample(([values((3, 3, 2, 1), dtype), values((1, 4, 2, 2), dtype), values((2, 1, 3, 3), dtype)], 0, 2)),
        Sample(
            ([values((2, 3, 3), dtype), values((2, 3), dtype), values((2, 3, 7), dtype)], 1, 3), dims=[(2,), (), (2,)]
        ),
    ]


def split_samples(dim: int):
    """Equal sections of a dim (kept static only where a larger one would not divide) and cut points."""

    def samples(dtype):
        shape = [4, 6, 6]
        others = tuple(d for d in range(3) if d != dim)
        return [
            Sample((values(shape, dtype), 2), dims=(others,)),
            Sample((values(shape, dtype), [1, 4])),
            Sample((values(shape, dtype), [0, 9, 2])),
        ]

    return samples


def hsplit_samples(dtype):
    return [
        Sample((values((6,), dtype), 3), dims=((),)),
        Sample((values((4, 6, 2), dtype), [1, 4])),
        Sample((values((4, 6, 2), dtype), 2), dims=((0, 2),)),
    ]


def repeat_samples(dtype):
    return [
        Sample((values((2, 3), dtype), [2, 1, 3])),
        Sample((values((2, 3), dtype), [3, 2])),
        Sample((values((), dtype), [2])),
    ]


def repeat_interleave_samples(dtype):
    return [
        Sample((values((3, 4), dtype), torch.tensor([1, 0, 3])), {"dim": 0}, dims=[(1,), ()]),
        Sample((values((3, 4), dtype), torch.tensor([2])), {"dim": -1}),
        Sample((values((2, 3), dtype), 3)),
        Sample((values((0, 3), dtype), 2), {"dim": 1}),
    ]


def squeeze_dims_samples(dtype):
    return [
        Sample((values((5, 1, 4, 1), dtype), (1, 3)), dims=((0, 2),)),
        Sample((values((5, 1, 4, 1), dtype), (0, -1)), dims=((2,),)),
        Sample((values((), dtype), (0,))),
        Sample((values((1, 1), dtype), ())),
    ]


def sum_to_size_samples(dtype):
    return [
        Sample((values((3, 4), dtype), [4]), dims=((0,),)),
        Sample((values((3, 4), dtype), [1, 1])),
        Sample((values((2, 3, 4), dtype), [3, 1]), dims=((0, 2),)),
        Sample((values((), dtype), [])),
        Sample((values((2, 0), dtype), [1, 0]), dims=((0,),)),
    ]


def tensor_split_samples(dtype):
    return [
        Sample((values((5, 7), dtype), 3, 1)),
        Sample((values((5, 7), dtype), torch.tensor(3), 1), dims=[None, ()]),
        Sample((values((5, 7), dtype), torch.tensor([1, 9, 3]), -1), dims=[None, ()]),
        Sample((values((5, 7), dtype), [2, 4])),
        Sample((values((5, 7), dtype), [1, -2], -1)),
        Sample((values((5, 7), dtype), [3], 1)),
        Sample((values((4, 7), dtype), 3), dims=((),)),
    ]


def unflatten_samples(dtype):
    return [
        Sample((values((3, 6, 2), dtype), 1, [3, -1])),
        Sample((values((8,), dtype), 0, [4, 2]), dims=((),)),
        Sample((values((2, 6), dtype), -1, [-1, 3])),
        # dim 0 dynamic: torch's TorchScript shape inference divides by zero on a static empty Reshape
        Sample((values((0, 6), dtype), 1, [3, 2]), dims=((0,),)),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_chunk_cat",), EXACT, samples=chunk_cat_samples).xfail(OPSET_9, opset=9),
    OpEntry(("aten::column_stack",), EXACT, opinfo="column_stack", dtypes=ANY),
    OpEntry(("aten::dsplit",), EXACT, samples=split_samples(2), dtypes=ANY),
    OpEntry(("aten::dstack",), EXACT, opinfo="dstack", dtypes=ANY),
    OpEntry(("aten::fliplr",), EXACT, opinfo="fliplr", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::flipud",), EXACT, opinfo="flipud", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::hsplit",), EXACT, samples=hsplit_samples, dtypes=ANY),
    OpEntry(("aten::mH",), EXACT, opinfo="mH", dtypes=ANY),
    OpEntry(("aten::mT",), EXACT, opinfo="mT", dtypes=ANY),
    OpEntry(("aten::matrix_H",), EXACT, opinfo="H", fn=lambda x: x.H, dtypes=ANY),
    OpEntry(("aten::movedim",), EXACT, opinfo="movedim", dtypes=ANY),
    OpEntry(("aten::permute", "aten::permute_copy"), EXACT, opinfo="permute", dtypes=ANY),
    OpEntry(("aten::ravel",), EXACT, opinfo="ravel", dtypes=ANY),
    OpEntry(("aten::repeat",), EXACT, opinfo="repeat", samples=repeat_samples, dtypes=ANY),
    OpEntry(
        ("aten::repeat_interleave",), EXACT, samples=repeat_interleave_samples, fn=torch.repeat_interleave, dtypes=ANY
    ).xfail(OPSET_9, opset=9, sample=lambda s: isinstance(s.args[1], torch.Tensor) and s.args[1].dim() == 1),
    OpEntry(("aten::rot90",), EXACT, opinfo="rot90", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::squeeze.dims",), EXACT, samples=squeeze_dims_samples, fn=torch.squeeze, dtypes=ANY),
    OpEntry(
        ("aten::sum_to_size",),
        SUMS,
        samples=sum_to_size_samples,
        fn=torch.Tensor.sum_to_size,
        dtypes=(torch.float32, torch.float64, torch.int64),
    ),
    OpEntry(
        ("aten::tensor_split",),
        EXACT,
        samples=tensor_split_samples,
        fn=torch.tensor_split,
        dtypes=ANY,
    )
    .xfail("needs opset 10 (Slice with bounds computed in the graph), 11 for a 0-d tensor of sections", opset=9)
    .xfail(
        "torch.export cannot trace a count of pieces held in a tensor (GuardOnDataDependentSymNode)",
        exporter="dynamo",
        sample=lambda s: isinstance(s.args[1], torch.Tensor) and s.args[1].dim() == 0,
    ),
    OpEntry(("aten::tile",), EXACT, opinfo="tile", samples=repeat_samples, dtypes=ANY),
    OpEntry(("aten::unflatten",), EXACT, samples=unflatten_samples, dtypes=ANY),
    OpEntry(("aten::unfold", "aten::unfold_copy"), EXACT, opinfo="unfold", dtypes=ANY),
    OpEntry(("aten::vsplit",), EXACT, samples=split_samples(0), dtypes=ANY),
)
