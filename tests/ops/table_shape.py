"""Op-table entries of symreg/ops/shape.py, in name order.

Shape ops move data without arithmetic, so every result must equal eager torch exactly.
Where a constant size argument pins a dim (``view_copy``, ``split_with_sizes_copy``,
``unbind_copy``, ...), the sample keeps that dim static (``dims=``): a larger input would not
fit the size the model was built with, in eager torch either.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample

EXACT = {dtype: (0.0, 0.0) for dtype in (torch.float32, torch.float64, torch.int64, torch.bool)}
#: Sums: float32 within 1e-6 relative (summation order), float64 within 1e-12.
SUMS = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0)}
#: Data movement: floats, integers and booleans alike.
ANY = (torch.float32, torch.float64, torch.int64, torch.bool)
OPSET_9 = "needs opset 10 (Slice with negative steps) or 11 (Range, CumSum, dynamic Pad); ONNX at opset 9 cannot express it"


def _t(*shape, dtype):
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def as_strided_scatter_samples(dtype):
    return [
        Sample((_t(3, 3, dtype=dtype), _t(2, 2, dtype=dtype), [2, 2], [1, 2]), {"storage_offset": 1}, dims=[None, ()]),
        Sample((_t(1, dtype=dtype), _t(dtype=dtype), [], []), {"storage_offset": 0}),
        Sample((_t(16, dtype=dtype), _t(2, 2, 2, 2, dtype=dtype), [2, 2, 2, 2], [8, 4, 2, 1]), dims=[None, ()]),
    ]


def chunk_cat_samples(dtype):
    """OpInfo's first samples and a ragged one; not all of OpInfo's: one model holding all of them
    crashes torch's TorchScript exporter (SIGFPE in its shape inference)."""
    return [
        Sample(([_t(1, 2, 3, dtype=dtype), _t(1, 2, 3, dtype=dtype)], -1, 5)),
        Sample(([_t(3, 3, 2, 1, dtype=dtype), _t(1, 4, 2, 2, dtype=dtype), _t(2, 1, 3, 3, dtype=dtype)], 0, 2)),
        Sample(([_t(2, 3, 3, dtype=dtype), _t(2, 3, dtype=dtype), _t(2, 3, 7, dtype=dtype)], 1, 3), dims=[(2,), (), (2,)]),
    ]


def expand_copy_samples(dtype):
    return [
        Sample((_t(3, 1, dtype=dtype), [2, 3, 4]), dims=((),)),
        Sample((_t(3, 1, 4, dtype=dtype), [-1, 2, -1]), dims=((0, 2),)),
        Sample((_t(dtype=dtype), [2, 3])),
        Sample((_t(0, 1, dtype=dtype), [5, 0, 3]), dims=((),)),
    ]


def split_samples(dim: int):
    """Equal sections of a dim (kept static only where a larger one would not divide) and cut points."""

    def samples(dtype):
        shape = [4, 6, 6]
        others = tuple(d for d in range(3) if d != dim)
        return [
            Sample((_t(*shape, dtype=dtype), 2), dims=(others,)),
            Sample((_t(*shape, dtype=dtype), [1, 4])),
            Sample((_t(*shape, dtype=dtype), [0, 9, 2])),
        ]

    return samples


def hsplit_samples(dtype):
    return [
        Sample((_t(6, dtype=dtype), 3), dims=((),)),
        Sample((_t(4, 6, 2, dtype=dtype), [1, 4])),
        Sample((_t(4, 6, 2, dtype=dtype), 2), dims=((0, 2),)),
    ]


def meshgrid_samples(dtype):
    a, b, c = _t(3, dtype=dtype), _t(4, dtype=dtype), _t(dtype=dtype)
    return [
        Sample(([a, b],), {"indexing": "xy"}),
        Sample(([a, b, _t(2, dtype=dtype)],), {"indexing": "ij"}),
        Sample(([c],), {"indexing": "ij"}),
        Sample(([a, c],), {"indexing": "xy"}),
        Sample(([a],), {"indexing": "xy"}),
        Sample(([a, b],)),
    ]


def repeat_samples(dtype):
    return [
        Sample((_t(2, 3, dtype=dtype), [2, 1, 3])),
        Sample((_t(2, 3, dtype=dtype), [3, 2])),
        Sample((_t(dtype=dtype), [2])),
    ]


def repeat_interleave_samples(dtype):
    return [
        Sample((_t(3, 4, dtype=dtype), torch.tensor([1, 0, 3])), {"dim": 0}, dims=[(1,), ()]),
        Sample((_t(3, 4, dtype=dtype), torch.tensor([2])), {"dim": -1}),
        Sample((_t(2, 3, dtype=dtype), 3)),
        Sample((_t(0, 3, dtype=dtype), 2), {"dim": 1}),
    ]


def split_with_sizes_samples(dtype):
    return [
        Sample((_t(5, 4, dtype=dtype), [1, 3, 1]), dims=((1,),)),
        Sample((_t(3, 5, dtype=dtype), [1, 4, 0], -1), dims=((0,),)),
        Sample((_t(5, dtype=dtype), [5]), dims=((),)),
    ]


def squeeze_dims_samples(dtype):
    return [
        Sample((_t(5, 1, 4, 1, dtype=dtype), (1, 3)), dims=((0, 2),)),
        Sample((_t(5, 1, 4, 1, dtype=dtype), (0, -1)), dims=((2,),)),
        Sample((_t(dtype=dtype), (0,))),
        Sample((_t(1, 1, dtype=dtype), ())),
    ]


def squeeze_copy_samples(dtype):
    return [
        Sample((_t(5, 1, 4, 1, dtype=dtype),)),
        Sample((_t(5, 1, 4, 1, dtype=dtype), 1), dims=((0, 2),)),
        Sample((_t(5, 1, 4, 1, dtype=dtype), [0, -1]), dims=((2,),)),
        Sample((_t(dtype=dtype), 0)),
    ]


def sum_to_size_samples(dtype):
    return [
        Sample((_t(3, 4, dtype=dtype), [4]), dims=((0,),)),
        Sample((_t(3, 4, dtype=dtype), [1, 1])),
        Sample((_t(2, 3, 4, dtype=dtype), [3, 1]), dims=((0, 2),)),
        Sample((_t(dtype=dtype), [])),
        Sample((_t(2, 0, dtype=dtype), [1, 0]), dims=((0,),)),
    ]


def tensor_split_samples(dtype):
    return [
        Sample((_t(5, 7, dtype=dtype), 3, 1)),
        Sample((_t(5, 7, dtype=dtype), torch.tensor(3), 1), dims=[None, ()]),
        Sample((_t(5, 7, dtype=dtype), torch.tensor([1, 9, 3]), -1), dims=[None, ()]),
        Sample((_t(5, 7, dtype=dtype), [2, 4])),
        Sample((_t(5, 7, dtype=dtype), [1, -2], -1)),
        Sample((_t(4, 7, dtype=dtype), 3), dims=((),)),
    ]


def unbind_copy_samples(dtype):
    return [
        Sample((_t(3, 4, dtype=dtype), 0), dims=((1,),)),
        Sample((_t(3, 4, 2, dtype=dtype), -2), dims=((0, 2),)),
        Sample((_t(1, dtype=dtype), 0), dims=((),)),
    ]


def unflatten_samples(dtype):
    return [
        Sample((_t(3, 6, 2, dtype=dtype), 1, [3, -1])),
        Sample((_t(8, dtype=dtype), 0, [4, 2]), dims=((),)),
        Sample((_t(2, 6, dtype=dtype), -1, [-1, 3])),
        # dim 0 dynamic: torch's TorchScript shape inference divides by zero on a static empty Reshape
        Sample((_t(0, 6, dtype=dtype), 1, [3, 2]), dims=((0,),)),
    ]


def view_copy_samples(dtype):
    return [
        Sample((_t(5, 4, 3, dtype=dtype), [20, 3]), dims=((),)),
        Sample((_t(4, 6, dtype=dtype), [2, -1]), dims=((0,),)),
        Sample((_t(1, dtype=dtype), [])),
        Sample((_t(dtype=dtype), [1, 1])),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_chunk_cat",), EXACT, samples=chunk_cat_samples).xfail(OPSET_9, opset=9),
    OpEntry(("aten::alias_copy",), EXACT, opinfo="alias_copy", dtypes=ANY),
    OpEntry(("aten::as_strided_copy",), EXACT, opinfo="as_strided_copy", dtypes=ANY),
    OpEntry(("aten::as_strided_scatter",), EXACT, samples=as_strided_scatter_samples, dtypes=ANY).xfail(
        OPSET_9, opset=9
    ),
    OpEntry(("aten::column_stack",), EXACT, opinfo="column_stack", dtypes=ANY),
    OpEntry(("aten::dsplit",), EXACT, samples=split_samples(2), dtypes=ANY),
    OpEntry(("aten::dstack",), EXACT, opinfo="dstack", dtypes=ANY),
    OpEntry(("aten::expand_copy",), EXACT, samples=expand_copy_samples, dtypes=ANY),
    OpEntry(("aten::fliplr",), EXACT, opinfo="fliplr", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::flipud",), EXACT, opinfo="flipud", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::hsplit",), EXACT, samples=hsplit_samples, dtypes=ANY),
    OpEntry(("aten::mH",), EXACT, opinfo="mH", dtypes=ANY),
    OpEntry(("aten::mT",), EXACT, opinfo="mT", dtypes=ANY),
    OpEntry(("aten::matrix_H",), EXACT, opinfo="H", fn=lambda x: x.H, dtypes=ANY),
    OpEntry(("aten::meshgrid",), EXACT, samples=meshgrid_samples, dtypes=ANY),
    OpEntry(("aten::movedim",), EXACT, opinfo="movedim", dtypes=ANY),
    OpEntry(("aten::narrow_copy",), EXACT, opinfo="narrow_copy", dtypes=ANY),
    OpEntry(("aten::permute", "aten::permute_copy"), EXACT, opinfo="permute", dtypes=ANY),
    OpEntry(("aten::ravel",), EXACT, opinfo="ravel", dtypes=ANY),
    OpEntry(("aten::repeat",), EXACT, opinfo="repeat", samples=repeat_samples, dtypes=ANY),
    OpEntry(
        ("aten::repeat_interleave",), EXACT, samples=repeat_interleave_samples, fn=torch.repeat_interleave, dtypes=ANY
    ).xfail(OPSET_9, opset=9, sample=lambda s: isinstance(s.args[1], torch.Tensor) and s.args[1].dim() == 1),
    OpEntry(("aten::rot90",), EXACT, opinfo="rot90", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::split_with_sizes_copy",), EXACT, samples=split_with_sizes_samples, dtypes=ANY),
    OpEntry(("aten::squeeze.dims",), EXACT, samples=squeeze_dims_samples, fn=torch.squeeze, dtypes=ANY),
    OpEntry(("aten::squeeze_copy",), EXACT, samples=squeeze_copy_samples, dtypes=ANY),
    OpEntry(
        ("aten::sum_to_size",), SUMS, samples=sum_to_size_samples, fn=torch.Tensor.sum_to_size, dtypes=(torch.float32, torch.float64, torch.int64)
    ),
    OpEntry(("aten::t_copy",), EXACT, opinfo="t_copy", dtypes=ANY),
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
    OpEntry(("aten::transpose_copy",), EXACT, opinfo="transpose_copy", dtypes=ANY),
    OpEntry(("aten::unbind_copy",), EXACT, samples=unbind_copy_samples, dtypes=ANY),
    OpEntry(("aten::unflatten",), EXACT, samples=unflatten_samples, dtypes=ANY),
    OpEntry(("aten::unfold", "aten::unfold_copy"), EXACT, opinfo="unfold", dtypes=ANY).xfail(OPSET_9, opset=9),
    OpEntry(("aten::unsqueeze_copy",), EXACT, opinfo="unsqueeze_copy", dtypes=ANY),
    OpEntry(("aten::view_copy",), EXACT, samples=view_copy_samples, dtypes=ANY),
    OpEntry(("aten::vsplit",), EXACT, samples=split_samples(0), dtypes=ANY),
)
