"""Op-table entries of symreg/ops/copies.py, in name order.

Copies move data without arithmetic: every result equals eager torch's exactly. Where a
constant size argument pins a dim (``view_copy``, ``split_with_sizes_copy``, ``unbind_copy``,
...), the sample keeps that dim static (``dims=``): a larger input would not fit the size the
model was built with, in eager torch either.
"""

from __future__ import annotations

from op_entry import OpEntry, Sample
from table_shape import ANY, EXACT, values


def expand_copy_samples(dtype):
    return [
        Sample((values((3, 1), dtype), [2, 3, 4]), dims=((),)),
        Sample((values((3, 1, 4), dtype), [-1, 2, -1]), dims=((0, 2),)),
        Sample((values((), dtype), [2, 3])),
        Sample((values((0, 1), dtype), [5, 0, 3]), dims=((),)),
    ]


def split_with_sizes_samples(dtype):
    return [
        Sample((values((5, 4), dtype), [1, 3, 1]), dims=((1,),)),
        Sample((values((3, 5), dtype), [1, 4, 0], -1), dims=((0,),)),
        Sample((values((5,), dtype), [5]), dims=((),)),
    ]


def squeeze_copy_samples(dtype):
    return [
        Sample((values((5, 1, 4, 1), dtype),)),
        Sample((values((5, 1, 4, 1), dtype), 1), dims=((0, 2),)),
        Sample((values((5, 1, 4, 1), dtype), [0, -1]), dims=((2,),)),
        Sample((values((), dtype), 0)),
    ]


def unbind_copy_samples(dtype):
    return [
        Sample((values((3, 4), dtype), 0), dims=((1,),)),
        Sample((values((3, 4, 2), dtype), -2), dims=((0, 2),)),
        Sample((values((1,), dtype), 0), dims=((),)),
    ]


NO_ALLOWZERO = (
    "before opset 14 a 0 in Reshape's shape means 'the input's dim' (no allowzero): a view to a size 0 "
    "where the input's dim is not 0 has no ONNX Reshape"
)


def _zero_size(sample: Sample) -> bool:
    return 0 in sample.args[1]


def view_copy_samples(dtype):
    return [
        Sample((values((5, 4, 3), dtype), [20, 3]), dims=((),)),
        Sample((values((4, 6), dtype), [2, -1]), dims=((0,),)),
        Sample((values((1,), dtype), [])),
        Sample((values((), dtype), [1, 1])),
        Sample((values((0, 3), dtype), [3, 0]), dims=((),)),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::alias_copy",), EXACT, opinfo="alias_copy", dtypes=ANY),
    OpEntry(("aten::as_strided_copy",), EXACT, opinfo="as_strided_copy", dtypes=ANY),
    OpEntry(("aten::expand_copy",), EXACT, samples=expand_copy_samples, dtypes=ANY),
    OpEntry(("aten::narrow_copy",), EXACT, opinfo="narrow_copy", dtypes=ANY),
    OpEntry(("aten::split_with_sizes_copy",), EXACT, samples=split_with_sizes_samples, dtypes=ANY),
    OpEntry(("aten::squeeze_copy",), EXACT, samples=squeeze_copy_samples, dtypes=ANY),
    OpEntry(("aten::t_copy",), EXACT, opinfo="t_copy", dtypes=ANY),
    OpEntry(("aten::transpose_copy",), EXACT, opinfo="transpose_copy", dtypes=ANY),
    OpEntry(("aten::unbind_copy",), EXACT, samples=unbind_copy_samples, dtypes=ANY),
    OpEntry(("aten::unsqueeze_copy",), EXACT, opinfo="unsqueeze_copy", dtypes=ANY),
    OpEntry(("aten::view_copy",), EXACT, samples=view_copy_samples, dtypes=ANY)
    .xfail(NO_ALLOWZERO, opset=9, sample=_zero_size)
    .xfail(NO_ALLOWZERO, opset=11, sample=_zero_size)
    .xfail(NO_ALLOWZERO, opset=13, sample=_zero_size),
)
