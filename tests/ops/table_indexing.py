"""Op-table entries of symreg/ops/indexing.py, in name order.

Indexing moves values without arithmetic: results equal eager torch's exactly.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample
from table_shape import ANY, EXACT, values, with_specials


def block_diag_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d, 1-d and 2-d blocks, an empty block, one block, and a float block among int64 ones."""
    return [
        Sample((with_specials((2, 3), dtype), values((), dtype), values((4,), dtype))),
        Sample((values((0, 2), dtype), values((3, 0), dtype), values((2, 2), dtype))),
        Sample((values((2, 3), dtype),)),
        Sample((values((2, 2), dtype), torch.randint(-9, 10, (1, 3)))),
    ]


def cartesian_prod_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((with_specials((4,), dtype), values((2,), dtype), values((3,), dtype))),
        Sample((values((3,), dtype), values((0,), dtype))),
        Sample((values((5,), dtype),)),
    ]


def combinations_samples(dtype: torch.dtype) -> list[Sample]:
    """Static lengths (constant index tuples), dynamic ones (NonZero of a mask), r larger than the length."""
    return [
        Sample((with_specials((5,), dtype), 3), dims=((),)),
        Sample((values((4,), dtype), 2, True)),
        Sample((values((3,), dtype), 4), dims=((),)),
        Sample((values((4,), dtype), 3, True)),
        Sample((values((2,), dtype), 3)),
        Sample((values((0,), dtype), 2)),
    ]


def diag_samples(dtype: torch.dtype) -> list[Sample]:
    """Empty vectors and matrices, NaN/inf carried through, offsets beyond the matrix."""
    return [
        Sample((with_specials((6,), dtype), -2)),
        Sample((values((0,), dtype),)),
        Sample((values((0,), dtype), 2)),
        Sample((with_specials((3, 5), dtype), 1)),
        Sample((values((3, 5), dtype), -4)),
        Sample((values((0, 4), dtype),)),
    ]


def diag_embed_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((with_specials((2, 3, 4), dtype), -1, 0, 2)),
        Sample((values((2, 3), dtype), 2, -1, 0)),
        Sample((values((2, 0), dtype),)),
        Sample((values((5,), dtype), 0, 1, 0)),
    ]


def diagflat_samples(dtype: torch.dtype) -> list[Sample]:
    return [Sample((with_specials((2, 3), dtype), -1)), Sample((values((0, 3), dtype), 1))]


def diagonal_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((with_specials((2, 3, 4), dtype), 1, 2, 0)),
        Sample((values((3, 4, 5), dtype), -2, -1, -3)),
        Sample((values((3, 4), dtype), 7)),
        Sample((values((0, 4), dtype), -1)),
        Sample((values((2, 2, 3), dtype), 0, -2, -1)),
    ]


def index_samples(dtype: torch.dtype) -> list[Sample]:
    """(x, dim, index): a negative dim, int32 and 0-d indices, an empty index, 0-d x."""
    return [
        Sample((with_specials((4, 3), dtype), -2, torch.tensor([3, 1, 0]))),
        Sample((values((2, 5, 3), dtype), 1, torch.tensor([4, 0], dtype=torch.int32))),
        Sample((values((3, 4), dtype), 1, torch.tensor(2))),
        Sample((values((3, 4), dtype), 0, torch.zeros(0, dtype=torch.int64))),
        Sample((values((), dtype), 0, torch.tensor([0]))),
    ]


def masked_select_samples(dtype: torch.dtype) -> list[Sample]:
    """x and mask broadcast both ways, 0-d, empty."""
    return [
        Sample((with_specials((3, 4), dtype), torch.rand(2, 1, 4) > 0.5)),
        Sample((values((2, 1), dtype), torch.rand(3) > 0.5)),
        Sample((values((), dtype), torch.tensor(True))),
        Sample((values((0, 3), dtype), torch.rand(3) > 0.5)),
    ]


def meshgrid_samples(dtype):
    a, b, c = values((3,), dtype), values((4,), dtype), values((), dtype)
    return [
        Sample(([a, b],), {"indexing": "xy"}),
        Sample(([a, b, values((2,), dtype)],), {"indexing": "ij"}),
        Sample(([c],), {"indexing": "ij"}),
        Sample(([a, c],), {"indexing": "xy"}),
        Sample(([a],), {"indexing": "xy"}),
        Sample(([a, b],)),
    ]


def nonzero_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d (zero and nonzero), empty, NaN and -0.0 (NaN counts, -0.0 does not)."""
    x = values((3, 4, 2), dtype)
    if dtype.is_floating_point:
        x.view(-1)[:6] = torch.tensor([float("nan"), -0.0, 0.0, float("inf"), 0.0, -0.0], dtype=dtype)
    elif dtype != torch.bool:
        x.view(-1)[:4] = 0
    return [
        Sample((x,)),
        Sample((torch.ones((), dtype=dtype),)),
        Sample((torch.zeros((), dtype=dtype),)),
        Sample((values((2, 0), dtype),)),
        Sample((values((7,), dtype),)),
    ]


def nonzero_static_samples(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample(s.args, {"size": size, "fill_value": fill})
        for s, (size, fill) in zip(nonzero_samples(dtype), [(5, -1), (2, 7), (3, 0), (2, -1), (30, -4)], strict=True)
    ]


def take_along_dim_samples(dtype: torch.dtype) -> list[Sample]:
    """Broadcast in both directions, a negative dim, negative indices into a dynamic dim,
    int32-free (torch wants int64), dim=None."""
    return [
        Sample((with_specials((3, 1, 4), dtype), torch.randint(0, 4, (1, 2, 5)), -1)),
        Sample((values((3, 5), dtype), torch.randint(-3, 0, (3, 5)), 1)),
        Sample((values((2, 5), dtype), torch.randint(0, 2, (3, 5)), 0)),
        Sample((values((2, 3), dtype), torch.randint(0, 6, (4,)))),
        Sample((values((2, 3), dtype), torch.zeros(2, 0, dtype=torch.int64), 1)),
    ]


def triangle_samples(dtype: torch.dtype) -> list[Sample]:
    """Batches, offsets beyond the matrix, empty matrices, NaN/inf above and below the diagonal."""
    return [
        Sample((with_specials((2, 3, 4, 5), dtype), 1)),
        Sample((with_specials((4, 3), dtype), -1)),
        Sample((values((3, 4), dtype), 9)),
        Sample((values((3, 4), dtype), -9)),
        Sample((values((2, 0, 3), dtype),)),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::argwhere",), EXACT, opinfo="argwhere", samples=nonzero_samples, dtypes=ANY),
    OpEntry(
        ("aten::block_diag",), EXACT, opinfo="block_diag", samples=block_diag_samples, fn=torch.block_diag, dtypes=ANY
    ),
    OpEntry(
        ("aten::cartesian_prod",),
        EXACT,
        opinfo="cartesian_prod",
        samples=cartesian_prod_samples,
        fn=torch.cartesian_prod,
        dtypes=ANY,
    ),
    OpEntry(
        ("aten::combinations",),
        EXACT,
        opinfo="combinations",
        samples=combinations_samples,
        fn=torch.combinations,
        dtypes=ANY,
    ).xfail(
        "torch.export fails on combinations(r=4) of a dynamic length (>= 2; ValueError: too many values to unpack, "
        "in symbolic_shapes' congruence check) before the ONNX translation is reached",
        exporter="dynamo",
        sample=lambda s: s.kwargs.get("r") == 4 and not s.kwargs.get("with_replacement") and len(s.args[0]) >= 2,
    ),
    OpEntry(("aten::diag",), EXACT, opinfo="diag", samples=diag_samples, dtypes=ANY),
    OpEntry(("aten::diag_embed",), EXACT, opinfo="diag_embed", samples=diag_embed_samples, dtypes=ANY),
    OpEntry(("aten::diagflat",), EXACT, opinfo="diagflat", samples=diagflat_samples, dtypes=ANY),
    OpEntry(
        ("aten::diagonal", "aten::diagonal_copy"),
        EXACT,
        opinfo="diagonal",
        samples=diagonal_samples,
        dtypes=ANY,
    ),
    OpEntry(("aten::index_select",), EXACT, opinfo="index_select", samples=index_samples, dtypes=ANY),
    OpEntry(("aten::masked_select",), EXACT, opinfo="masked_select", samples=masked_select_samples, dtypes=ANY),
    OpEntry(("aten::meshgrid",), EXACT, samples=meshgrid_samples, dtypes=ANY),
    OpEntry(("aten::nonzero",), EXACT, opinfo="nonzero", samples=nonzero_samples, fn=torch.nonzero, dtypes=ANY),
    OpEntry(
        ("aten::nonzero_numpy",),
        EXACT,
        samples=nonzero_samples,
        fn=lambda x: torch.nonzero(x, as_tuple=True),
        dtypes=ANY,
        exports=(("torchscript", 9), ("torchscript", 11), ("torchscript", 13), ("torchscript", 17)),
    ),
    OpEntry(("aten::nonzero_static",), EXACT, opinfo="nonzero_static", samples=nonzero_static_samples, dtypes=ANY),
    OpEntry(
        ("aten::take_along_dim",), EXACT, opinfo="take_along_dim", samples=take_along_dim_samples, dtypes=ANY
    ).xfail("ONNX has no GatherElements before opset 11", exporter="torchscript", opset=9),
    OpEntry(("aten::tril",), EXACT, opinfo="tril", samples=triangle_samples, dtypes=ANY),
    OpEntry(("aten::triu",), EXACT, opinfo="triu", samples=triangle_samples, dtypes=ANY),
)
