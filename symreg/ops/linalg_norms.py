"""Norms and condition numbers: ``linalg.norm``, ``linalg.matrix_norm`` (its 2, -2 and 'nuc' orders from
``symreg::LinalgSvd``'s singular values), ``linalg.cond``."""

from __future__ import annotations

import math
from typing import Optional

import torch

from symreg.builder import Builder
from symreg.dtypes import argument_dtype
from symreg.ops import _linalg_kernels as lk
from symreg.ops._helpers import (
    cast,
    constant_like,
    dim,
    ints,
    normalize_dim,
    or_default,
    rank_of,
    reduce,
    shape_part,
    squeeze,
    unsqueeze,
)
from symreg.ops._math_elementwise import to
from symreg.ops._reduction_blocks import compute_type, extreme, vector_norm
from symreg.registry import op

# --- linalg_norm ----------------------------------------------------------------------------------


def _matrix_norm(g: Builder, x, ord, dims: list[int], keepdim: bool, rank: int):
    """torch's ``linalg.matrix_norm`` for 'fro', ±1 and ±inf over ``dims`` (two dims of a rank-``rank`` x)."""
    d0, d1 = (normalize_dim(d, rank) for d in dims)
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(g, x, ord, d0, d1, keepdim, rank)
    if ord == "fro":
        return vector_norm(g, x, 2.0, [d0, d1], keepdim, source=x)
    if ord in (math.inf, -math.inf):  # the 1-norm of the transposed matrix
        d0, d1 = d1, d0
    sums = reduce(g, "ReduceSum", g.op("Abs", x), [d0], True)  # (>= 0 or NaN)
    if ord > 0:  # torch's amax over an empty dim of these sums gives 0: a 0 beside them changes nothing else
        zero = g.op("Expand", constant_like(g, [0.0], x), g.op("Concat", *_with_dim(g, sums, d1, rank), axis=0))
        sums = g.op("Concat", sums, zero, axis=d1)
    y = extreme(g, "ReduceMax" if ord > 0 else "ReduceMin", sums, [d1], True, source=x)
    return y if keepdim else squeeze(g, y, sorted([d0, d1]))


def _singular_value_norm(g: Builder, x, ord, d0: int, d1: int, keepdim: bool, rank: int):
    """The largest (2), smallest (-2) or sum ('nuc') of the singular values of x's (d0, d1) matrices."""
    rest = [d for d in range(rank) if d not in (d0, d1)]
    if rest + [d0, d1] != list(range(rank)):
        x = g.op("Transpose", x, perm=rest + [d0, d1])
    s = g.op("symreg::LinalgSvd", x, full_matrices=0, api="torch.linalg.matrix_norm")  # (*, k)
    if ord == "nuc":
        y = reduce(g, "ReduceSum", s, [rank - 2], False)
    elif ord == 2:  # torch's max over no singular values is 0: a 0 beside them (>= 0) changes nothing else
        zero = g.op("Expand", constant_like(g, [0.0], x), g.op("Concat", shape_part(g, s, 0, rank - 2), ints(g, [1]),
                                                                axis=0))  # fmt: skip
        y = extreme(g, "ReduceMax", g.op("Concat", s, zero, axis=rank - 2), [rank - 2], False, source=x)
    else:
        y = extreme(g, "ReduceMax" if ord == 2 else "ReduceMin", s, [rank - 2], False, source=x)
    return unsqueeze(g, y, sorted([d0, d1])) if keepdim else y


def _with_dim(g: Builder, x, axis: int, rank: int) -> list:
    """x's shape as 1-element parts, dim ``axis`` replaced by 1."""
    return [ints(g, [1]) if d == axis else dim(g, x, d) for d in range(rank)]


@op("aten::linalg_norm", opset=9, exporters=("torchscript",))
def aten_linalg_norm(g: Builder, x, ord=None, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None):
    """``torch.linalg.norm`` (both overloads: a number or a string ``ord``) in ``dtype`` if given.

    Vector norms (``dim`` of one dim, or a 1-d x without ``dim``, or every element when neither ``ord``
    nor ``dim`` is given) are :func:`~symreg.ops._reduction_blocks.vector_norm`. Matrix norms (two dims,
    or a 2-d x): 'fro' (the default) the 2-norm of the elements; 1/-1 the max/min over columns of the
    column sums of |x|, inf/-inf the same over rows, NaN propagated, and as torch 0 for the max over
    no columns; 2, -2 and 'nuc' the max, min and sum of the singular values (``symreg::LinalgSvd``). Opsets 9+;
    TorchScript only: torch's rule has none of the matrix norms of empty matrices right (the dynamo
    exporter's decomposition does).
    """
    ord = g.constant_value(ord)
    rank = rank_of(g, x)
    out = or_default(argument_dtype(g.constant_value(dtype)), g.dtype(x))
    x = to(g, x, compute_type(out))
    dims = None if dim is None else list(dim)
    if dims is None and ord is not None:
        if rank not in (1, 2):
            raise ValueError(f"{g.overload}: ord={ord!r} without dim needs a 1-d or 2-d input, not {rank}-d")
        dims = list(range(rank))
    if dims is None or len(dims) == 1:
        y = vector_norm(g, x, 2.0 if ord is None else float(ord), dims, keepdim, source=x)
    else:
        ord = "fro" if ord is None else ord
        if ord not in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
            raise ValueError(f"{g.overload}: ord={ord!r} is not a matrix norm; use 'fro', 'nuc', ±1, ±2 or ±inf")
        y = _matrix_norm(g, x, ord, dims, keepdim, rank)
    return to(g, y, out)


@op("aten::linalg_matrix_norm", opset=9)
def aten_linalg_matrix_norm(g: Builder, x, ord="fro", dim: Optional[list[int]] = None, keepdim: bool = False,
                            dtype=None):  # fmt: skip
    """``torch.linalg.matrix_norm`` (both overloads) as :func:`aten_linalg_norm` over two dims (-2, -1 by default):
    2, -2 and 'nuc' from ``symreg::LinalgSvd``'s singular values."""
    return aten_linalg_norm(g, x, ord, [-2, -1] if dim is None else list(dim), keepdim, dtype)


# --- linalg_cond ----------------------------------------------------------------------------------------------


@op("aten::linalg_cond", opset=9)
def aten_linalg_cond(g: Builder, A, p=None):  # noqa: N803
    """``torch.linalg.cond``: for p None, 2 and -2 the ratio of the largest to the smallest singular value
    (``symreg::LinalgSvd``; -2 the inverse ratio), any shape; for 'fro', 'nuc', ±1 and ±inf (square A)
    ``norm(A) * norm(inv(A))`` with the inverse of ``LinalgLuFactor``/``LinalgLuSolve``, inf where A is singular
    (torch's inv_ex info > 0). Empty matrices give 0, as torch."""
    p = g.constant_value(p)
    if lk.square_rank(g, A) == 2:  # one matrix as a batch of one: 0-d float64 values are float32 to TorchScript
        return g.op("Reshape", _cond(g, unsqueeze(g, A, [0]), p, 3), ints(g, []))
    return _cond(g, A, p, rank_of(g, A))


def _cond(g: Builder, A, p, rank: int):  # noqa: N803
    if p in (None, 2, -2):
        s = g.op("symreg::LinalgSvd", A, full_matrices=0, api="torch.linalg.cond")
        big = extreme(g, "ReduceMax", s, [rank - 2], False, source=s)
        small = extreme(g, "ReduceMin", s, [rank - 2], False, source=s)
        ratio = g.op("Div", small, big) if p == -2 else g.op("Div", big, small)
        return _empty_is_zero(g, ratio, A, rank)
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise ValueError(f"{g.overload}: p={p!r} is not a matrix norm; use None, 'fro', 'nuc', ±1, ±2 or ±inf")
    lu, pivots, info = lk.lu_factor(g, A)
    inv = lk.lu_solve(g, lu, pivots, lk.identity_like(g, A, rank))
    cond = g.op("Mul", _matrix_norm(g, A, p, [-2, -1], False, rank), _matrix_norm(g, inv, p, [-2, -1], False, rank))
    singular = g.op("Greater", cast(g, info, torch.int64), ints(g, 0))
    cond = g.op("Where", singular, constant_like(g, [math.inf], A), cond)
    return _empty_is_zero(g, cond, A, rank)


def _empty_is_zero(g: Builder, y, A, rank: int):  # noqa: N803
    """y (*), 0 where A's matrices are empty (torch's cond of an empty matrix)."""
    empty = g.op("Equal", g.op("Mul", dim(g, A, rank - 2), dim(g, A, rank - 1)), ints(g, [0]))
    return lk.batch_shaped(g, g.op("Where", empty, constant_like(g, [0.0], A), y), A, rank)  # 1-d, then 0-d: see det
