"""Linear algebra of op pack II: standard-op lowerings where they are exact or within a few ulp
(``linalg.vecdot``, ``linalg.diagonal``, ``linalg.vander``, ``linalg.matrix_power`` for n >= 0, and the
distances ``cdist`` and ``pdist``). Ops that need a factorization (inverse, SVD, ...) need a kernel.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.dtypes import argument_dtype
from symreg.errors import ExportError
from symreg.ops import _linalg_kernels as lk
from symreg.ops._helpers import (
    arange,
    cast,
    constant_like,
    dim,
    ints,
    normalize_dim,
    or_default,
    rank_of,
    reduce,
    reshape,
    shape_part,
    squeeze,
    unsqueeze,
)
from symreg.ops._math_elementwise import to
from symreg.ops._reduction_blocks import compute_type, extreme, vector_norm
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


# --- linalg_matrix_power -------------------------------------------------------------------------


@op(("aten::linalg_matrix_power", "aten::matrix_power"), opset=9)
def aten_linalg_matrix_power(g: Builder, x, n: int):
    """``A^n`` for n >= 0 by ``MatMul`` in torch's order: n = 0 the identity, 1 a copy, 2 ``A @ A``, 3
    ``(A @ A) @ A``, else the binary decomposition from the least significant bit (``z`` squared each
    step, ``result @ z`` where the bit is set). n < 0: the same powers of the inverse (as torch: a singular x is
    an error), ``symreg::LinalgLuFactor`` and ``LinalgLuSolve``. Batched, every size dynamic. Opsets 9+, both
    exporters (torch.export's decomposition drops the batch dims of n = 0).
    """
    rank = rank_of(g, x)
    if n < 0:
        x, n = _inverse(g, x, True, "torch.linalg.matrix_power")[0], -n
    if n == 0:
        return lk.identity_like(g, x, rank)
    if n == 1:
        return g.op("Identity", x)
    if n == 2:
        return g.op("MatMul", x, x)
    if n == 3:
        return g.op("MatMul", g.op("MatMul", x, x), x)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = x if z is None else g.op("MatMul", z, z)
        if bit:
            result = z if result is None else g.op("MatMul", result, z)
    return result


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


# --- factorizations: rules over the symreg::Linalg* kernels (symreg/ops/_linalg_kernels.py) -------------
# Both exporters, opsets 9+. Under dynamo a rule for a CompositeImplicitAutograd op (linalg_inv, linalg_solve,
# linalg_det, ...) keeps torch.export from decomposing it into *_ex ops and _linalg_check_errors, whose error
# would otherwise have no node to raise it.


def _square_rank(g: Builder, a, what: str = "A") -> int:
    """a's rank, at least 2 (the kernels check the sizes)."""
    rank = rank_of(g, a, what)
    if rank < 2:
        raise ValueError(f"{g.overload}: {what} must have at least 2 dims (*, m, n), got {rank}")
    return rank


def _batch_shaped(g: Builder, y, a, rank: int):
    """y reshaped to a's batch dims (a 2-d a gives 0-d: constants of one element broadcast y to 1-d)."""
    return g.op("Reshape", y, shape_part(g, a, 0, rank - 2)) if rank > 2 else g.op("Reshape", y, ints(g, []))


def _lu_det_parts(g: Builder, a, rank: int):
    """(diagonal of U (*, n), sign of the row permutation (*)) of a's LU factorization, no error on singular."""
    lu, pivots, _ = lk.lu_factor(g, a)
    return lk.diagonal_of(g, lu, rank), lk.permutation_sign(g, pivots, a, rank - 1)


@op(("aten::linalg_det", "aten::det"), opset=9)
def aten_linalg_det(g: Builder, A):  # noqa: N803 - torch's name
    """``prod(diag(U)) * sign(P)`` of ``symreg::LinalgLuFactor`` (LAPACK getrf, as torch): 0 for a singular A."""
    rank = _square_rank(g, A)
    diag, sign = _lu_det_parts(g, A, rank)
    return _batch_shaped(g, g.op("Mul", reduce(g, "ReduceProd", diag, [rank - 2], False), sign), A, rank)


@op(("aten::linalg_slogdet", "aten::slogdet"), opset=9)
def aten_linalg_slogdet(g: Builder, A):  # noqa: N803
    """(sign, log|det|) from the LU factorization's diagonal: ``sign(P) * prod(sign(diag(U)))``, ``sum(log|diag(U)|)``;
    (0, -inf) for a singular A, as torch."""
    rank = _square_rank(g, A)
    diag, sign = _lu_det_parts(g, A, rank)
    sign = g.op("Mul", sign, reduce(g, "ReduceProd", g.op("Sign", diag), [rank - 2], False))
    logabsdet = reduce(g, "ReduceSum", g.op("Log", g.op("Abs", diag)), [rank - 2], False)
    return _batch_shaped(g, sign, A, rank), _batch_shaped(g, logabsdet, A, rank)


@op("aten::logdet", opset=9)
def aten_logdet(g: Builder, x):
    """log(det): slogdet's log|det|, NaN where the sign is -1 (-inf where it is 0), as torch."""
    sign, logabsdet = aten_linalg_slogdet(g, x)
    negative = g.op("Less", sign, constant_like(g, [0], x))
    return _batch_shaped(g, g.op("Where", negative, constant_like(g, [math.nan], x), logabsdet), x, rank_of(g, x))


@op("aten::linalg_lu_factor", opset=9)
def aten_linalg_lu_factor(g: Builder, A, pivot: bool = True):  # noqa: N803
    """(LU, pivots) of ``symreg::LinalgLuFactor``; a singular A is an error naming torch.linalg.lu_factor, as torch."""
    _pivoted(g, pivot)
    lu, pivots, _ = lk.lu_factor(g, A, check_errors=True, api="torch.linalg.lu_factor")
    return lu, pivots


@op("aten::linalg_lu_factor_ex", opset=9)
def aten_linalg_lu_factor_ex(g: Builder, A, pivot: bool = True, check_errors: bool = False):  # noqa: N803
    """(LU, pivots, info) of ``symreg::LinalgLuFactor``: LAPACK getrf's, as torch."""
    _pivoted(g, pivot)
    return lk.lu_factor(g, A, check_errors=check_errors, api="torch.linalg.lu_factor_ex")


def _pivoted(g: Builder, pivot: bool) -> None:
    if not pivot:
        raise ExportError(f"{g.overload}: pivot=False is CUDA-only in torch; the kernel pivots (use pivot=True)")


def _solve(g: Builder, A, B, left: bool, check_errors: bool, api: str):  # noqa: N803
    """(X, info) with A X = B (left) or X A = B; A factored once (info has A's batch dims, as torch), then its LU
    broadcast with B's batch dims. B is torch's vector when B.dim() == 1, or when A.dim() - 1 == B.dim() and B's
    shape is A.shape[:-1] (decided on static dims; where they are dynamic, the vector is assumed)."""
    rank_a, rank_b = _square_rank(g, A), rank_of(g, B, "B")
    vector = rank_b == 1 or (rank_b == rank_a - 1 and _may_equal(g.shape(B), (g.shape(A) or (None,) * rank_a)[:-1]))
    if vector:
        B = unsqueeze(g, B, [rank_b if left else rank_b - 1])
        rank_b += 1
    lu, pivots, info = lk.lu_factor(g, A, check_errors=check_errors, api=api)
    lu, B, rank = lk.broadcast_batch(g, lu, B, rank_a, rank_b)
    if rank > 2:
        pivots = g.op("Expand", pivots, g.op("Concat", shape_part(g, lu, 0, rank - 2), ints(g, [1]), axis=0))
    if left:
        x = lk.lu_solve(g, lu, pivots, B)
    else:  # X A = B is A^T X^T = B^T
        x = lk.transpose(g, lk.lu_solve(g, lu, pivots, lk.transpose(g, B, rank), adjoint=True), rank)
    if vector:
        x = squeeze(g, x, [rank - 1 if left else rank - 2])
    return x, info


def _may_equal(a, b) -> bool:
    """Whether two shapes (None: unknown; None or symbolic dims) may be equal."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(not isinstance(x, int) or not isinstance(y, int) or x == y for x, y in zip(a, b))


@op("aten::linalg_solve", opset=9)
def aten_linalg_solve(g: Builder, A, B, left: bool = True):  # noqa: N803
    """``symreg::LinalgLuFactor`` then ``LinalgLuSolve`` (getrf + getrs, as torch); a singular A is an error."""
    return _solve(g, A, B, left, True, "torch.linalg.solve")[0]


@op("aten::linalg_solve_ex", opset=9)
def aten_linalg_solve_ex(g: Builder, A, B, left: bool = True, check_errors: bool = False):  # noqa: N803
    """(result, info) as :func:`aten_linalg_solve`, info from the LU factorization (a singular A: inf/NaN)."""
    return _solve(g, A, B, left, check_errors, "torch.linalg.solve_ex")


def _inverse(g: Builder, A, check_errors: bool, api: str):  # noqa: N803
    rank = _square_rank(g, A)
    lu, pivots, info = lk.lu_factor(g, A, check_errors=check_errors, api=api)
    return lk.lu_solve(g, lu, pivots, lk.identity_like(g, A, rank)), info


@op(("aten::linalg_inv", "aten::inverse"), opset=9)
def aten_linalg_inv(g: Builder, A):  # noqa: N803
    """A X = I by ``symreg::LinalgLuFactor`` and ``LinalgLuSolve`` (getrf + getrs); a singular A is an error."""
    return _inverse(g, A, True, "torch.linalg.inv")[0]


@op("aten::linalg_inv_ex", opset=9)
def aten_linalg_inv_ex(g: Builder, A, check_errors: bool = False):  # noqa: N803
    """(inverse, info) as :func:`aten_linalg_inv`; a singular A gives inf/NaN and its info."""
    return _inverse(g, A, check_errors, "torch.linalg.inv_ex")


@op(("aten::linalg_cholesky", "aten::linalg_cholesky_ex"), opset=9)
def aten_linalg_cholesky(g: Builder, A, upper: bool = False, check_errors: Optional[bool] = None):  # noqa: N803
    """``symreg::LinalgCholesky`` (potrf, as torch): L (U when upper), and for cholesky_ex the info. cholesky: a
    matrix that is not positive-definite is an error; cholesky_ex: L is then unspecified (LAPACK's partial
    factor in torch), info the order of the failing minor."""
    ex = g.overload.startswith("aten::linalg_cholesky_ex")
    api = "torch.linalg.cholesky_ex" if ex else "torch.linalg.cholesky"
    _square_rank(g, A)
    factor, info = g.op("symreg::LinalgCholesky", A, upper=int(upper), check_errors=int(bool(check_errors) or not ex),
                        api=api, outputs=2)  # fmt: skip
    return (factor, info) if ex else factor


def _solve_triangular(g: Builder, A, B, upper: bool, left: bool, unitriangular: bool, rank_a: int):  # noqa: N803
    A, B, _ = lk.broadcast_batch(g, A, B, rank_a, _square_rank(g, B, "B"))
    return g.op("symreg::LinalgSolveTriangular", A, B, upper=int(upper), left=int(left),
                unitriangular=int(unitriangular))  # fmt: skip


@op("aten::linalg_solve_triangular", opset=9)
def aten_linalg_solve_triangular(g: Builder, A, B, upper: bool, left: bool = True, unitriangular: bool = False):  # noqa: N803
    """``symreg::LinalgSolveTriangular`` (trsm, as torch), batch dims broadcast; a zero diagonal gives inf/NaN."""
    return _solve_triangular(g, A, B, upper, left, unitriangular, _square_rank(g, A))


@op("aten::triangular_solve", opset=9)
def aten_triangular_solve(
    g: Builder, b, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False  # noqa: N803
):
    """(X, A) with A X = b (transpose: A^T X = b, the other triangle of A^T): ``symreg::LinalgSolveTriangular``."""
    rank = _square_rank(g, A)
    coefficient = lk.transpose(g, A, rank) if transpose else A
    x = _solve_triangular(g, coefficient, b, upper != transpose, True, unitriangular, rank)
    if rank_of(g, b, "b") > rank:  # torch's cloned_coefficient has the broadcast batch dims
        A = g.op("Expand", A, g.op("Concat", shape_part(g, b, 0, rank_of(g, b) - 2), ints(g, [1, 1]), axis=0))
    return x, g.op("Identity", A)


def _upper(g: Builder, UPLO: str) -> bool:  # noqa: N803
    if UPLO not in ("L", "U", "l", "u"):
        raise ValueError(f"{g.overload}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO in ("U", "u")


@op("aten::linalg_eigh", opset=9)
def aten_linalg_eigh(g: Builder, A, UPLO: str = "L"):  # noqa: N803
    """(eigenvalues ascending, eigenvectors) of ``symreg::LinalgEigh``. Eigenvalues as torch's within rounding;
    each eigenvector is determined up to its sign (and repeated eigenvalues' up to a rotation): Eigen's and
    LAPACK's differ there. NaN/inf in the triangle read gives NaN everywhere (torch: NaN, or garbage)."""
    _square_rank(g, A)
    return g.op("symreg::LinalgEigh", A, upper=int(_upper(g, UPLO)), api="torch.linalg.eigh", outputs=2)


@op("aten::linalg_eigvalsh", opset=9)
def aten_linalg_eigvalsh(g: Builder, A, UPLO: str = "L"):  # noqa: N803
    """The eigenvalues of ``symreg::LinalgEigh`` (no eigenvectors computed)."""
    _square_rank(g, A)
    return g.op("symreg::LinalgEigh", A, upper=int(_upper(g, UPLO)), api="torch.linalg.eigvalsh")


@op("aten::linalg_svd", opset=9)
def aten_linalg_svd(g: Builder, A, full_matrices: bool = True, driver: Optional[str] = None):  # noqa: N803
    """(U, S, Vh) of ``symreg::LinalgSvd`` (Eigen's BDCSVD; driver is CUDA-only in torch and ignored). S as
    torch's within rounding; each pair of singular vectors is determined up to a common sign. NaN/inf input is
    an error, as in torch."""
    _square_rank(g, A)
    s, u, vh = g.op("symreg::LinalgSvd", A, full_matrices=int(full_matrices), api="torch.linalg.svd", outputs=3)
    return u, s, vh


def _svdvals(g: Builder, A, api: str = "torch.linalg.svdvals"):  # noqa: N803
    _square_rank(g, A)
    return g.op("symreg::LinalgSvd", A, full_matrices=0, api=api)


@op("aten::linalg_svdvals", opset=9)
def aten_linalg_svdvals(g: Builder, A, driver: Optional[str] = None):  # noqa: N803
    """The singular values of ``symreg::LinalgSvd``, descending (no vectors computed)."""
    return _svdvals(g, A)


@op("aten::linalg_qr", opset=9)
def aten_linalg_qr(g: Builder, A, mode: str = "reduced"):  # noqa: N803
    """(Q, R) of ``symreg::LinalgQr`` (Householder with LAPACK's signs: torch's Q and R within rounding); mode
    'r' gives an empty Q, as torch."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"{g.overload}: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    _square_rank(g, A)
    q, r = g.op("symreg::LinalgQr", A, complete=int(mode == "complete"), outputs=2)
    if mode == "r":
        q = constant_like(g, np.zeros(0), A)
    return q, r


@op("aten::linalg_matrix_norm", opset=9)
def aten_linalg_matrix_norm(g: Builder, x, ord="fro", dim: Optional[list[int]] = None, keepdim: bool = False,
                            dtype=None):  # fmt: skip
    """``torch.linalg.matrix_norm`` (both overloads) as :func:`aten_linalg_norm` over two dims (-2, -1 by default):
    2, -2 and 'nuc' from ``symreg::LinalgSvd``'s singular values."""
    return aten_linalg_norm(g, x, ord, [-2, -1] if dim is None else list(dim), keepdim, dtype)
