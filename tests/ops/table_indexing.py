"""Op-table entries of symreg/ops/indexing.py, in name order."""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims

#: Indexing moves values without arithmetic: results equal eager torch's exactly.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}
ALL_TYPES = (torch.float32, torch.float64, torch.int64, torch.bool)
NUMBERS = (torch.float32, torch.float64, torch.int64)
#: Sums with duplicate indices may add in another order than torch's.
INDEX_ADD = {torch.float32: (1e-6, 1e-6), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0)}


def _values(shape, dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def _with_specials(shape, dtype: torch.dtype) -> torch.Tensor:
    x = _values(shape, dtype)
    if dtype.is_floating_point and x.numel() >= 4:
        x.view(-1)[:4] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0], dtype=dtype)
    return x


def block_diag_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d, 1-d and 2-d blocks, an empty block, one block, and a float block among int64 ones."""
    return [
        Sample((_with_specials((2, 3), dtype), _values((), dtype), _values((4,), dtype))),
        Sample((_values((0, 2), dtype), _values((3, 0), dtype), _values((2, 2), dtype))),
        Sample((_values((2, 3), dtype),)),
        Sample((_values((2, 2), dtype), torch.randint(-9, 10, (1, 3)))),
    ]


def cartesian_prod_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_with_specials((4,), dtype), _values((2,), dtype), _values((3,), dtype))),
        Sample((_values((3,), dtype), _values((0,), dtype))),
        Sample((_values((5,), dtype),)),
    ]


def diag_samples(dtype: torch.dtype) -> list[Sample]:
    """Empty vectors and matrices, NaN/inf carried through, offsets beyond the matrix."""
    return [
        Sample((_with_specials((6,), dtype), -2)),
        Sample((_values((0,), dtype),)),
        Sample((_values((0,), dtype), 2)),
        Sample((_with_specials((3, 5), dtype), 1)),
        Sample((_values((3, 5), dtype), -4)),
        Sample((_values((0, 4), dtype),)),
    ]


def diag_embed_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_with_specials((2, 3, 4), dtype), -1, 0, 2)),
        Sample((_values((2, 3), dtype), 2, -1, 0)),
        Sample((_values((2, 0), dtype),)),
        Sample((_values((5,), dtype), 0, 1, 0)),
    ]


def diagflat_samples(dtype: torch.dtype) -> list[Sample]:
    return [Sample((_with_specials((2, 3), dtype), -1)), Sample((_values((0, 3), dtype), 1))]


def diagonal_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_with_specials((2, 3, 4), dtype), 1, 2, 0)),
        Sample((_values((3, 4, 5), dtype), -2, -1, -3)),
        Sample((_values((3, 4), dtype), 7)),
        Sample((_values((0, 4), dtype), -1)),
        Sample((_values((2, 2, 3), dtype), 0, -2, -1)),
    ]


def diagonal_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, src, offset, dim1, dim2): batches, swapped and negative dims, empty diagonals."""
    return [
        Sample((_with_specials((2, 3, 4), dtype), _values((3, 1), dtype), 1, 2, 0)),
        Sample((_values((3, 4, 5), dtype), _values((4, 3), dtype), -2, -1, -3)),
        Sample((_values((3, 4), dtype), _values((0,), dtype), 7)),
        Sample((_values((0, 4), dtype), _values((0,), dtype), -1)),
    ]


def _grow_diagonal_scatter(sample: Sample) -> Sample:
    """Grown dims where src's length still fits the grown diagonal (square matrices), else the sample."""
    grown = grow_dynamic_dims(sample)
    try:
        torch.diagonal_scatter(*grown.args, **grown.kwargs)
    except RuntimeError:
        return sample
    return grown


def index_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index): a negative dim, int32 and 0-d indices, an empty index, 0-d x."""
    return [
        Sample((_with_specials((4, 3), dtype), -2, torch.tensor([3, 1, 0]))),
        Sample((_values((2, 5, 3), dtype), 1, torch.tensor([4, 0], dtype=torch.int32))),
        Sample((_values((3, 4), dtype), 1, torch.tensor(2))),
        Sample((_values((3, 4), dtype), 0, torch.zeros(0, dtype=torch.int64))),
        Sample((_values((), dtype), 0, torch.tensor([0]))),
    ]


def index_fill_samples(dtype: torch.dtype) -> list[Sample]:
    """index_samples' with int64 indices (index_fill takes no other), negative ones too, a 0-d value."""
    value = torch.tensor(True) if dtype == torch.bool else torch.tensor(7, dtype=dtype)
    return [
        Sample((_with_specials((4, 3), dtype), -2, torch.tensor([3, -1, 0]), value)),
        Sample((_values((3, 4), dtype), 1, torch.tensor(2), value)),
        Sample((_values((3, 4), dtype), 0, torch.zeros(0, dtype=torch.int64), value)),
        Sample((_values((), dtype), 0, torch.tensor([0]), value)),
    ]


def _bool_value(sample: Sample) -> bool:
    return isinstance(sample.args[-1], bool)


def index_copy_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index, source) without duplicate indices (torch leaves their order unspecified)."""
    return [
        Sample((_with_specials((4, 3), dtype), 0, torch.tensor([3, 1]), _with_specials((2, 3), dtype))),
        Sample((_values((2, 5, 3), dtype), -2, torch.tensor([4, 0, 2]), _values((2, 3, 3), dtype))),
        Sample((_values((3, 4), dtype), 1, torch.zeros(0, dtype=torch.int64), _values((3, 0), dtype))),
        Sample((_values((), dtype), 0, torch.tensor([0]), _values((), dtype))),
    ]


def index_add_samples(dtype: torch.dtype) -> list[Sample]:
    """Duplicate indices add up; alpha; empty index; 0-d."""
    return [
        Sample((_values((4, 3), dtype), 0, torch.tensor([3, 1, 3, 3]), _values((4, 3), dtype)), {"alpha": 2}),
        Sample((_values((2, 5, 3), dtype), -1, torch.tensor([2, 0, 2], dtype=torch.int32), _values((2, 5, 3), dtype))),
        Sample((_values((3, 4), dtype), 1, torch.zeros(0, dtype=torch.int64), _values((3, 0), dtype))),
        Sample((_values((), dtype), 0, torch.tensor([0]), _values((), dtype)), {"alpha": -1}),
    ]


def slice_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, src, dim, start, end, step); the sliced dim stays static (src's size depends on it)."""
    x = _with_specials((7, 4, 3), dtype)
    return [
        Sample((x, _values((3, 4, 3), dtype), 0, 1, 6, 2), dims=((1, 2), (1, 2))),
        Sample((x, _values((7, 2, 3), dtype), 1, -2, None), dims=((0, 2), (0, 2))),
        Sample((x, _values((7, 4, 2), dtype), -1, None, -1), dims=((0, 1), (0, 1))),
        Sample((x, _values((7, 4, 0), dtype), 2, 5, 1), dims=((0, 1), (0, 1))),
        Sample((x, _values((1, 4, 3), dtype), 0, -9, 2, 3), dims=((1, 2), (1, 2))),
        Sample((x, _values((1, 4, 3), dtype), 0, 6, 100), dims=((1, 2), (1, 2))),
    ]


def masked_select_samples(dtype: torch.dtype) -> list[Sample]:
    """x and mask broadcast both ways, 0-d, empty."""
    return [
        Sample((_with_specials((3, 4), dtype), torch.rand(2, 1, 4) > 0.5)),
        Sample((_values((2, 1), dtype), torch.rand(3) > 0.5)),
        Sample((_values((), dtype), torch.tensor(True))),
        Sample((_values((0, 3), dtype), torch.rand(3) > 0.5)),
    ]


def nonzero_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d (zero and nonzero), empty, NaN and -0.0 (NaN counts, -0.0 does not)."""
    x = _values((3, 4, 2), dtype)
    if dtype.is_floating_point:
        x.view(-1)[:6] = torch.tensor([float("nan"), -0.0, 0.0, float("inf"), 0.0, -0.0], dtype=dtype)
    elif dtype != torch.bool:
        x.view(-1)[:4] = 0
    return [
        Sample((x,)),
        Sample((torch.ones((), dtype=dtype),)),
        Sample((torch.zeros((), dtype=dtype),)),
        Sample((_values((2, 0), dtype),)),
        Sample((_values((7,), dtype),)),
    ]


def nonzero_static_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample(s.args, {"size": size, "fill_value": fill})
        for s, (size, fill) in zip(nonzero_samples(dtype), [(5, -1), (2, 7), (3, 0), (2, -1), (30, -4)])
    ]


def select_scatter_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_with_specials((3, 4), dtype), _values((4,), dtype), 0, -1)),
        Sample((_values((5,), dtype), _values((), dtype), 0, 2)),
        Sample((_values((2, 0, 3), dtype), _values((2, 0), dtype), 2, 1)),
    ]


def take_along_dim_samples(dtype: torch.dtype) -> list[Sample]:
    """Broadcast in both directions, a negative dim, int32-free (torch wants int64), dim=None."""
    return [
        Sample((_with_specials((3, 1, 4), dtype), torch.randint(0, 4, (1, 2, 5)), -1)),
        Sample((_values((2, 5), dtype), torch.randint(0, 2, (3, 5)), 0)),
        Sample((_values((2, 3), dtype), torch.randint(0, 6, (4,)))),
        Sample((_values((2, 3), dtype), torch.zeros(2, 0, dtype=torch.int64), 1)),
    ]


def triangle_samples(dtype: torch.dtype) -> list[Sample]:
    """Batches, offsets beyond the matrix, empty matrices, NaN/inf above and below the diagonal."""
    return [
        Sample((_with_specials((2, 3, 4, 5), dtype), 1)),
        Sample((_with_specials((4, 3), dtype), -1)),
        Sample((_values((3, 4), dtype), 9)),
        Sample((_values((3, 4), dtype), -9)),
        Sample((_values((2, 0, 3), dtype),)),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::argwhere",), EXACT, opinfo="argwhere", samples=nonzero_samples, dtypes=ALL_TYPES),
    OpEntry(
        ("aten::block_diag",), EXACT, opinfo="block_diag", samples=block_diag_samples, fn=torch.block_diag, dtypes=ALL_TYPES
    ),
    OpEntry(
        ("aten::cartesian_prod",),
        EXACT,
        opinfo="cartesian_prod",
        samples=cartesian_prod_samples,
        fn=torch.cartesian_prod,
        dtypes=ALL_TYPES,
    ),
    OpEntry(("aten::diag",), EXACT, opinfo="diag", samples=diag_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::diag_embed",), EXACT, opinfo="diag_embed", samples=diag_embed_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::diagflat",), EXACT, opinfo="diagflat", samples=diagflat_samples, dtypes=ALL_TYPES),
    OpEntry(
        ("aten::diagonal", "aten::diagonal_copy"),
        EXACT,
        opinfo="diagonal",
        samples=diagonal_samples,
        dtypes=ALL_TYPES,
    ),
    OpEntry(
        ("aten::diagonal_scatter",),
        EXACT,
        opinfo="diagonal_scatter",
        samples=diagonal_scatter_samples,
        dtypes=ALL_TYPES,
        grow=_grow_diagonal_scatter,
    ).xfail(
        "torch.export's decomposition of diagonal_scatter leaves a prims.copy_to in the graph "
        "(aot_autograd: not functional) before the ONNX translation is reached",
        exporter="dynamo",
    ),
    OpEntry(("aten::index_add",), INDEX_ADD, opinfo="index_add", samples=index_add_samples, dtypes=NUMBERS),
    OpEntry(("aten::index_copy",), EXACT, opinfo="index_copy", samples=index_copy_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::index_fill",), EXACT, opinfo="index_fill", samples=index_fill_samples, dtypes=ALL_TYPES).xfail(
        "torch.jit.trace cannot record index_fill with a Python bool value (no aten::index_fill(Tensor, int, "
        "Tensor, bool) overload): the tracer fails before the exporter",
        exporter="torchscript",
        sample=_bool_value,
    ),
    OpEntry(("aten::index_select",), EXACT, opinfo="index_select", samples=index_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::masked_select",), EXACT, opinfo="masked_select", samples=masked_select_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::nonzero",), EXACT, opinfo="nonzero", samples=nonzero_samples, fn=torch.nonzero, dtypes=ALL_TYPES),
    OpEntry(
        ("aten::nonzero_numpy",),
        EXACT,
        samples=nonzero_samples,
        fn=lambda x: torch.nonzero(x, as_tuple=True),
        dtypes=ALL_TYPES,
        exports=(("torchscript", 9), ("torchscript", 11), ("torchscript", 13), ("torchscript", 17)),
    ),
    OpEntry(("aten::nonzero_static",), EXACT, opinfo="nonzero_static", samples=nonzero_static_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::select_scatter",), EXACT, opinfo="select_scatter", samples=select_scatter_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::slice_scatter",), EXACT, samples=slice_scatter_samples, dtypes=ALL_TYPES),
    OpEntry(
        ("aten::take_along_dim",), EXACT, opinfo="take_along_dim", samples=take_along_dim_samples, dtypes=ALL_TYPES
    )
    .xfail("ONNX has no GatherElements before opset 11", exporter="torchscript", opset=9),
    OpEntry(("aten::tril",), EXACT, opinfo="tril", samples=triangle_samples, dtypes=ALL_TYPES),
    OpEntry(("aten::triu",), EXACT, opinfo="triu", samples=triangle_samples, dtypes=ALL_TYPES),
)
