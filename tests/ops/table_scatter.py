"""Op-table entries of symreg/ops/scatter.py, in name order.

Writes move values without arithmetic (results equal eager torch's exactly), except the
ones that combine duplicates: their sums and means may run in another order than torch's.
Reductions are sampled at both lowerings (``ScatterElements``' reduction from opset 16/18,
the one-hot below) with duplicate indices, NaN/inf, integer means (rounded down), ``src``
larger than ``index`` and ``include_self`` either way.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims, opinfos
from table_shape import ANY, EXACT, values, with_specials

NUMBERS = (torch.float32, torch.float64, torch.int64)
#: Sums, products and means of duplicate indices may combine in another order than torch's.
SUMS = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0)}
CUT_NEEDS_10 = (
    "before opset 10 ONNX has no Slice of computed bounds: src (or self outside dim) larger than index "
    "cannot be cut to it"
)
NO_TENSOR_LIST = (
    "symreg's TorchScript adapter passes a Tensor?[] argument as one graph value (symreg._torch_compat."
    "tensor_list_elements unpacks Tensor[] only), so the rule cannot read the indices"
)


def opinfo_samples(name: str, *variants: str):
    """The samples of OpInfo ``name``'s variants (``op_entry`` reads the unnamed variant only)."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        infos = [i for i in opinfos(name) if i.variant_test_name in variants]
        return [Sample((s.input, *s.args), dict(s.kwargs)) for i in infos for s in i.sample_inputs("cpu", dtype)]

    return samples


def _index(*values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64)


def _larger_than_index(sample: Sample) -> bool:
    """scatter's src larger than index, or index smaller than self outside dim: they need cutting."""
    x, dim, index, *rest = sample.args
    src = rest[0] if rest and isinstance(rest[0], torch.Tensor) and rest[0].dim() else None
    others = [d for d in range(index.dim()) if d != dim % max(index.dim(), 1)]
    return (src is not None and src.shape != index.shape) or any(index.shape[d] != x.shape[d] for d in others)


def as_strided_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((values((3, 3), dtype), values((2, 2), dtype), [2, 2], [1, 2]), {"storage_offset": 1}, dims=[None, ()]),
        Sample((values((1,), dtype), values((), dtype), [], []), {"storage_offset": 0}),
        Sample((values((16,), dtype), values((2, 2, 2, 2), dtype), [2, 2, 2, 2], [8, 4, 2, 1]), dims=[None, ()]),
    ]


def diagonal_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, src, offset, dim1, dim2): batches, swapped and negative dims, empty diagonals."""
    return [
        Sample((with_specials((2, 3, 4), dtype), values((3, 1), dtype), 1, 2, 0)),
        Sample((values((3, 4, 5), dtype), values((4, 3), dtype), -2, -1, -3)),
        Sample((values((3, 4), dtype), values((0,), dtype), 7)),
        Sample((values((0, 4), dtype), values((0,), dtype), -1)),
    ]


def _grow_diagonal_scatter(sample: Sample) -> Sample:
    """Grown dims where src's length still fits the grown diagonal (square matrices), else the sample."""
    grown = grow_dynamic_dims(sample)
    try:
        torch.diagonal_scatter(*grown.args, **grown.kwargs)
    except RuntimeError:
        return sample
    return grown


def index_add_samples(dtype: torch.dtype) -> list[Sample]:
    """Duplicate indices add up; alpha; empty index; 0-d."""
    return [
        Sample((values((4, 3), dtype), 0, torch.tensor([3, 1, 3, 3]), values((4, 3), dtype)), {"alpha": 2}),
        Sample((values((2, 5, 3), dtype), -1, torch.tensor([2, 0, 2], dtype=torch.int32), values((2, 5, 3), dtype))),
        Sample((values((3, 4), dtype), 1, torch.zeros(0, dtype=torch.int64), values((3, 0), dtype))),
        Sample((values((), dtype), 0, torch.tensor([0]), values((), dtype)), {"alpha": -1}),
    ]


def index_copy_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, source) without duplicate indices (torch leaves their order unspecified)."""
    return [
        Sample((with_specials((4, 3), dtype), 0, torch.tensor([3, 1]), with_specials((2, 3), dtype))),
        Sample((values((2, 5, 3), dtype), -2, torch.tensor([4, 0, 2]), values((2, 3, 3), dtype))),
        Sample((values((3, 4), dtype), 1, torch.zeros(0, dtype=torch.int64), values((3, 0), dtype))),
        Sample((values((), dtype), 0, torch.tensor([0]), values((), dtype))),
    ]


def index_put_samples(dtype: torch.dtype) -> list[Sample]:
    """Duplicates with accumulate, masks, broadcast index tensors, None (adjacent or not), negative indices."""
    return [
        Sample((values((5, 4), dtype), [_index(1, 1, 3, 1)], values((4, 4), dtype), True)),
        Sample((values((5, 4), dtype), [torch.tensor([True, False, True, True, False])], values((4,), dtype))),
        Sample((values((3, 4, 5), dtype), [_index(0, 2), None, _index(1, -1)], values((2, 4), dtype))),
        Sample((values((3, 4, 5), dtype), [None, _index(3, 3)], values((3, 2, 5), dtype), True)),
        Sample((with_specials((5, 4), dtype), [_index([0], [3]), _index([1, 2, -1])], values((), dtype))),
        Sample((values((5, 4), dtype), [torch.rand(5, 4) > 0.5], values((1,), dtype), True)),
        Sample((values((5, 4), dtype), [torch.zeros(0, dtype=torch.int64)], values((0, 4), dtype))),
    ]


def index_reduce_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, source, reduce, include_self): duplicates, NaN/inf, negative integer means;
    then OpInfo's (0-d too)."""
    return [
        Sample(
            (values((4, 3), dtype), 0, _index(3, 1, 3, 3), with_specials((4, 3), dtype), "amax"),
            {"include_self": False},
        ),
        Sample((values((2, 5, 3), dtype), 1, _index(4, 0, 4), values((2, 3, 3), dtype), "mean")),
        Sample((values((3, 4), dtype), -1, _index(2, 2, 0), values((3, 3), dtype), "prod"), {"include_self": False}),
        Sample(
            (values((4, 3), dtype), 0, _index(1, 1, 2), with_specials((3, 3), dtype), "mean"), {"include_self": False}
        ),
        *opinfo_samples("index_reduce", "prod", "mean", "amax", "amin")(dtype),
    ]


def index_fill_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, value) with int64 indices (index_fill takes no other), negative ones too, a 0-d value."""
    value = torch.tensor(True) if dtype == torch.bool else torch.tensor(7, dtype=dtype)
    return [
        Sample((with_specials((4, 3), dtype), -2, torch.tensor([3, -1, 0]), value)),
        Sample((values((3, 4), dtype), 1, torch.tensor(2), value)),
        Sample((values((3, 4), dtype), 0, torch.zeros(0, dtype=torch.int64), value)),
        Sample((values((), dtype), 0, torch.tensor([0]), value)),
    ]


def _bool_value(sample: Sample) -> bool:
    return isinstance(sample.args[-1], bool)


def put_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, index, source, accumulate): duplicates added up, negative indices, 0-d x, a 2-d index."""
    return [
        Sample((values((3, 4), dtype), _index(1, -1, 1, 5), with_specials((2, 2), dtype), True), dims=((), (), ())),
        Sample((values((3, 4), dtype), _index(0, -12, 7), values((3,), dtype))),
        Sample((values((), dtype), _index(0, -1), values((2,), dtype), True)),
        Sample((values((2, 5), dtype), _index([9, 0]), values((1, 2), dtype))),
    ]


def scatter_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, src or a number[, reduce]): src larger than index, 0-d, the reduce overloads."""
    return [
        Sample((values((4, 5), dtype), 0, _index([1, 2, 3], [0, 3, 2]), values((3, 4), dtype))),
        Sample((values((4, 5), dtype), 0, _index([1, 1, 3], [0, 1, 1]), values((3, 4), dtype)), {"reduce": "add"}),
        Sample((values((), dtype), 0, _index(0), values((), dtype))),
        Sample((values((4, 5), dtype), 1, _index([1, 1], [3, 0]), 2), {"reduce": "multiply"}),
        Sample((values((4, 5), dtype), -1, _index([1], [3]), 2)),
    ]


def scatter_add_samples(dtype: torch.dtype) -> list[Sample]:
    """Duplicates, src larger than index, 0-d, empty, NaN/inf."""
    return [
        Sample((values((4, 5), dtype), 0, _index([1, 1, 3], [0, 1, 1]), with_specials((3, 4), dtype))),
        Sample((values((), dtype), 0, _index(0), values((), dtype))),
        Sample((values((3, 4), dtype), 1, torch.zeros(3, 0, dtype=torch.int64), values((3, 0), dtype))),
    ]


def scatter_reduce_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, src, reduce, include_self): each reduction; src larger than index, NaN/inf,
    negative integer means, 0-d; then OpInfo's."""
    index = _index([1, 1, 3, 0], [0, 1, 1, 1])
    return [
        Sample((values((4, 5), dtype), 0, index, values((3, 4), dtype), "mean"), {"include_self": False}),
        Sample((with_specials((4, 5), dtype), 0, index, with_specials((3, 4), dtype), "amax")),
        Sample((values((4, 5), dtype), -1, index, values((3, 4), dtype), "prod"), {"include_self": False}),
        Sample((values((4, 5), dtype), 0, index, with_specials((3, 4), dtype), "amin"), {"include_self": False}),
        Sample((values((4, 5), dtype), 0, index, values((3, 4), dtype), "sum")),
        Sample((values((4, 5), dtype), 0, index, values((3, 4), dtype), "mean")),
        Sample((values((), dtype), 0, _index(0), values((), dtype), "amax"), {"include_self": False}),
        *opinfo_samples("scatter_reduce", "sum", "prod", "mean", "amax", "amin")(dtype),
    ]


def select_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((with_specials((3, 4), dtype), values((4,), dtype), 0, -1)),
        Sample((values((5,), dtype), values((), dtype), 0, 2)),
        Sample((values((2, 0, 3), dtype), values((2, 0), dtype), 2, 1)),
    ]


def slice_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, src, dim, start, end, step); the sliced dim stays static (src's size depends on it)."""
    x = with_specials((7, 4, 3), dtype)
    return [
        Sample((x, values((3, 4, 3), dtype), 0, 1, 6, 2), dims=((1, 2), (1, 2))),
        Sample((x, values((7, 2, 3), dtype), 1, -2, None), dims=((0, 2), (0, 2))),
        Sample((x, values((7, 4, 2), dtype), -1, None, -1), dims=((0, 1), (0, 1))),
        Sample((x, values((7, 4, 0), dtype), 2, 5, 1), dims=((0, 1), (0, 1))),
        Sample((x, values((1, 4, 3), dtype), 0, -9, 2, 3), dims=((1, 2), (1, 2))),
        Sample((x, values((1, 4, 3), dtype), 0, 6, 100), dims=((1, 2), (1, 2))),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::as_strided_scatter",), EXACT, samples=as_strided_scatter_samples, dtypes=ANY),
    OpEntry(
        ("aten::diagonal_scatter",),
        EXACT,
        opinfo="diagonal_scatter",
        samples=diagonal_scatter_samples,
        dtypes=ANY,
        grow=_grow_diagonal_scatter,
    ).xfail(
        "torch.export's decomposition of diagonal_scatter leaves a prims.copy_to in the graph "
        "(aot_autograd: not functional) before the ONNX translation is reached",
        exporter="dynamo",
    ),
    OpEntry(("aten::index_add",), SUMS, opinfo="index_add", samples=index_add_samples, dtypes=NUMBERS),
    OpEntry(("aten::index_copy",), EXACT, opinfo="index_copy", samples=index_copy_samples, dtypes=ANY),
    OpEntry(("aten::index_fill",), EXACT, opinfo="index_fill", samples=index_fill_samples, dtypes=ANY).xfail(
        "torch.jit.trace cannot record index_fill with a Python bool value (no aten::index_fill(Tensor, int, "
        "Tensor, bool) overload): the tracer fails before the exporter",
        exporter="torchscript",
        sample=_bool_value,
    ),
    OpEntry(("aten::index_put",), SUMS, opinfo="index_put", samples=index_put_samples, dtypes=NUMBERS).xfail(
        NO_TENSOR_LIST, exporter="torchscript"
    ),
    OpEntry(("aten::index_reduce",), SUMS, samples=index_reduce_samples, fn=torch.index_reduce, dtypes=NUMBERS),
    OpEntry(("aten::put",), SUMS, opinfo="put", samples=put_samples, fn=torch.put, dtypes=NUMBERS),
    OpEntry(
        ("aten::scatter",), SUMS, opinfo="scatter", samples=scatter_samples, fn=torch.scatter, dtypes=NUMBERS
    ).xfail(CUT_NEEDS_10, opset=9, sample=_larger_than_index),
    OpEntry(
        ("aten::scatter_add",),
        SUMS,
        opinfo="scatter_add",
        samples=scatter_add_samples,
        fn=torch.scatter_add,
        dtypes=NUMBERS,
    ).xfail(CUT_NEEDS_10, opset=9, sample=_larger_than_index),
    OpEntry(
        ("aten::scatter_reduce",), SUMS, samples=scatter_reduce_samples, fn=torch.scatter_reduce, dtypes=NUMBERS
    ).xfail(CUT_NEEDS_10, opset=9, sample=_larger_than_index),
    OpEntry(("aten::select_scatter",), EXACT, opinfo="select_scatter", samples=select_scatter_samples, dtypes=ANY),
    OpEntry(("aten::slice_scatter",), EXACT, samples=slice_scatter_samples, dtypes=ANY),
)
