"""Linear algebra of op pack II with standard-op lowerings, exact or within a few ulp: the distances ``cdist`` and
``pdist``, ``linalg.diagonal``, ``linalg.vander`` and ``linalg.vecdot``. The rules over symreg's factorization
kernels are in the ``linalg_*`` modules beside this one: :mod:`~symreg.ops.linalg_factorizations` (LU, Cholesky,
QR, eigh, SVD and what reads them: det, rank), :mod:`~symreg.ops.linalg_solvers` (solves, inverses, least squares,
pseudo-inverses), :mod:`~symreg.ops.linalg_functions` (matrix powers, exponential, square root, polar, products)
and :mod:`~symreg.ops.linalg_norms` (vector and matrix norms, condition numbers).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    arange,
    cast,
    constant_like,
    dim,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    reshape,
    shape_part,
    squeeze,
    unsqueeze,
)
from symreg.ops._reduction_blocks import vector_norm
from symreg.registry import op

# --- distances: cdist / pdist ---------------------------------------------------------------


def _minkowski(g: Builder, diff, p: float, axis: int, x, cdist: bool):
    """torch's cdist/pdist distance over the last dim of ``diff`` (kept), NaN as torch's kernels treat it:
    p = 0 counts non-zeros (NaN propagated: torch sums ``min(ceil(|d|), 1)``); inf is the max of |d|, NaN
    propagated in pdist and skipped in cdist (whose scalar ``max`` starts at 0 and never takes a NaN);
    1 the sum of |d|, 2 Sqrt of the sum of squares, else (sum |d|^p)^(1/p). ``axis``: diff's last dim;
    ``x``: the input diff is computed from (its dtype)."""
    a = g.op("Abs", diff)
    zero = constant_like(g, [0.0], x)
    if p == 0:
        counted = g.op("Where", g.op("Less", zero, a), constant_like(g, [1.0], x), a)
        return reduce(g, "ReduceSum", counted, [axis], True)
    if p == math.inf and cdist:
        y = reduce(g, "ReduceMax", g.op("Where", g.op("IsNaN", a), zero, a), [axis], True)
        return g.op("Where", g.op("Less", y, zero), zero, y)  # 0 over no columns (ORT's max of none is lowest)
    return vector_norm(g, diff, p, [axis], True, source=diff)


def _euclid_by_matmul(g: Builder, x1, x2, rank: int):
    """torch's ``_euclidean_dist``: ``[-2 x1, |x1|², 1] @ [x2, 1, |x2|²]ᵀ`` clamped at 0, square root."""
    n1 = reduce(g, "ReduceSum", g.op("Mul", x1, x1), [rank - 1], True)
    n2 = reduce(g, "ReduceSum", g.op("Mul", x2, x2), [rank - 1], True)
    one1 = g.op("Expand", constant_like(g, [1.0], x1), g.op("Shape", n1))
    one2 = g.op("Expand", constant_like(g, [1.0], x2), g.op("Shape", n2))
    a = g.op("Concat", g.op("Mul", x1, constant_like(g, [-2.0], x1)), n1, one1, axis=-1)
    b = g.op("Concat", x2, one2, n2, axis=-1)
    perm = [*range(rank - 2), rank - 1, rank - 2]
    y = g.op("MatMul", a, g.op("Transpose", b, perm=perm))
    zero = constant_like(g, [0.0], x1)
    return g.op("Sqrt", g.op("Where", g.op("Less", y, zero), zero, y))  # clamp_min keeps NaN


@op("aten::cdist", opset=9)
def aten_cdist(g: Builder, x1, x2, p: float = 2.0, compute_mode: Optional[int] = None):
    """The p-distance of every row of ``x1`` (*, P, M) to every row of ``x2`` (*, R, M) as torch computes it:
    batch dims broadcast; the pairwise differences ``x1[..., :, None, :] - x2[..., None, :, :]`` reduced as
    :func:`_minkowski`, except p = 2 with ``compute_mode`` 1 (``use_mm_for_euclid_dist``), or None
    (the default) where P > 25 or R > 25 (decided in the graph on dynamic sizes): there torch takes the
    matmul form (:func:`_euclid_by_matmul`) and so does this rule. Opsets 9+, both exporters: torch's
    TorchScript rule never takes the matmul form, and the dynamo exporter refuses ``_cdist_forward``.
    """
    rank = max(rank_of(g, x1, "x1"), rank_of(g, x2, "x2"))
    if rank < 2:
        raise ExportError(f"{g.overload}: x1 and x2 need at least 2 dims")
    x1, x2 = (v if g.rank(v) == rank else unsqueeze(g, v, list(range(rank - g.rank(v)))) for v in (x1, x2))
    if compute_mode is None:
        compute_mode = 0
    diff = g.op("Sub", unsqueeze(g, x1, [rank - 1]), unsqueeze(g, x2, [rank - 2]))  # (*, P, R, M)
    direct = squeeze(g, _minkowski(g, diff, p, rank, x1, cdist=True), [rank])
    if p != 2 or compute_mode == 2:
        return direct
    mm = _euclid_by_matmul(g, x1, x2, rank)  # MatMul broadcasts the batch dims
    if compute_mode == 1:
        return mm
    big = g.op(
        "Or",
        g.op("Greater", dim(g, x1, rank - 2), ints(g, [25])),
        g.op("Greater", dim(g, x2, rank - 2), ints(g, [25])),
    )
    return g.op("Where", big, mm, direct)


@op("aten::_cdist_forward", opset=9, exporters=("dynamo",))
def aten__cdist_forward(g: Builder, x1, x2, p: float, compute_mode: Optional[int] = None):
    """What torch.export turns ``torch.cdist`` into: as ``aten::cdist``."""
    return aten_cdist(g, x1, x2, p, compute_mode)


@op(("aten::pdist", "aten::_pdist_forward"), opset=9)
def aten_pdist(g: Builder, x, p: float = 2.0):
    """The p-distance of every pair of rows ``i < j`` of ``x`` (N, M), in row-major order of the pairs,
    as torch's pdist kernel computes it (differences reduced as :func:`_minkowski`, never the matmul form).

    The pairs are ``NonZero`` of ``i < j`` over an (N, N) grid (row-major, as torch orders them); each
    pair's rows are gathered and subtracted. N dynamic. Opsets 9+, both exporters: neither has a rule.
    """
    n = dim(g, x, 0)
    i = arange(g, n)
    pairs = g.op("NonZero", g.op("Less", unsqueeze(g, i, [1]), unsqueeze(g, i, [0])))  # (2, K)
    first = g.op("Gather", pairs, ints(g, 0), axis=0)
    second = g.op("Gather", pairs, ints(g, 1), axis=0)
    diff = g.op("Sub", g.op("Gather", x, first, axis=0), g.op("Gather", x, second, axis=0))  # (K, M)
    return squeeze(g, _minkowski(g, diff, p, 1, x, cdist=False), [1])


# --- linalg_diagonal ---------------------------------------------------------------------------


def diagonal(g: Builder, x, offset: int, dim1: int, dim2: int):
    """``torch.diagonal(x, offset, dim1, dim2)``: the other dims in order, then the diagonal.

    ``dim1`` and ``dim2`` are moved last (``Transpose``), flattened into one, and the diagonal's flat
    positions ``(i + r0) * n2 + i + c0`` gathered, ``i < max(0, min(n1 - r0, n2 - c0))`` with
    ``r0 = max(-offset, 0)``, ``c0 = max(offset, 0)``; every size may be dynamic.
    """
    rank = rank_of(g, x)
    d1, d2 = normalize_dim(dim1, rank), normalize_dim(dim2, rank)
    if d1 == d2:
        raise ValueError(f"{g.overload}: dim1 and dim2 are both {dim1}; give two different dims")
    rest = [d for d in range(rank) if d not in (d1, d2)]
    if rest + [d1, d2] != list(range(rank)):
        x = g.op("Transpose", x, perm=rest + [d1, d2])
    n1, n2 = dim(g, x, rank - 2), dim(g, x, rank - 1)
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = g.op("Sub", n1, ints(g, [r0]))
    other = g.op("Sub", n2, ints(g, [c0]))
    length = g.op("Where", g.op("Less", other, length), other, length)
    length = g.op("Where", g.op("Less", length, ints(g, [0])), ints(g, [0]), length)
    flat = reshape(g, x, g.op("Concat", shape_part(g, x, 0, rank - 2), g.op("Mul", n1, n2), axis=0))
    i = arange(g, length)
    positions = g.op("Add", g.op("Mul", g.op("Add", i, ints(g, r0)), n2), g.op("Add", i, ints(g, c0)))
    return g.op("Gather", flat, positions, axis=rank - 2)


@op("aten::linalg_diagonal", opset=9, exporters=("torchscript",))
def aten_linalg_diagonal(g: Builder, x, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """``torch.linalg.diagonal``: :func:`diagonal` (a ``Gather`` of the flattened matrices), any sizes,
    dynamic too. Opsets 9+; TorchScript only: it has no rule (the dynamo exporter's works)."""
    return diagonal(g, x, offset, dim1, dim2)


# --- linalg_vander -------------------------------------------------------------------------------


@op("aten::linalg_vander", opset=9)
def aten_linalg_vander(g: Builder, x, N: Optional[int] = None):  # noqa: N803 - torch's name
    """``[1, x, x², ..., x^(N-1)]`` along a new last dim (N defaults to x's last size; a 0-d x is 1-d).

    torch computes the powers as a ``cumprod``: each power the previous times x. Where N is known
    (given, or x's last size static) the rule multiplies the same way, exactly. Where N is dynamic,
    float powers are ``Pow(x, k)`` (correctly rounded where torch's running product is off by up to
    N/2 ulp), and integer ones exponentiation by squaring over the bits of k (exact, wrapping as
    torch's int64 products do). Opsets 9+; both exporters: TorchScript has no rule, the dynamo
    exporter none for ``cumprod``.
    """
    rank, shape = rank_of(g, x), g.shape(x)
    if rank == 0:  # the dynamo exporter does not know the rank of an Unsqueeze's output: keep it here
        x, rank, shape = unsqueeze(g, x, [0]), 1, (1,)
    if N is None and shape is not None and shape[-1] is not None:
        N = shape[-1]
    column = unsqueeze(g, x, [rank])
    if N is not None:
        if N < 2:
            raise ValueError(f"{g.overload}: N={N}; torch needs N > 1")
        ones = g.op("Expand", constant_like(g, [1], x), g.op("Shape", column))
        powers, power = [ones, column], column
        for _ in range(N - 2):
            power = g.op("Mul", power, column)
            powers.append(power)
        return g.op("Concat", *powers, axis=rank)
    k = arange(g, dim(g, x, rank - 1))  # (N,)
    dtype = g.dtype(x)
    if dtype is not None and dtype.is_floating_point:
        return g.op("Pow", column, cast(g, k, dtype))
    result, base = None, column
    for bit in range(62):  # k < 2**62
        high = g.op("Mul", g.op("Div", k, ints(g, [2 ** (bit + 1)])), ints(g, [2]))
        set_ = g.op("Sub", g.op("Div", k, ints(g, [2**bit])), high)  # bit ``bit`` of k (Mod needs opset 10)
        factor = g.op("Where", cast(g, set_, torch.bool), base, constant_like(g, [1], x))
        result = factor if result is None else g.op("Mul", result, factor)
        base = g.op("Mul", base, base)
    return result


# --- linalg_vecdot -------------------------------------------------------------------------------


@op("aten::linalg_vecdot", opset=9, exporters=("torchscript",))
def aten_linalg_vecdot(g: Builder, x, y, dim: int = -1):
    """``sum(x * y, dim)`` (real inputs: ``conj`` is the identity), x and y broadcast: ``Mul`` and
    ``ReduceSum``, 0 over an empty dim. Opsets 9+; TorchScript only: it has no rule (the dynamo
    exporter's works)."""
    rank = max(rank_of(g, x, "x"), rank_of(g, y, "y"))
    return reduce(g, "ReduceSum", g.op("Mul", x, y), [normalize_dim(dim, rank)], False)
