"""The linalg kernels' schemas (``symreg::Linalg*``, run by libsymreg_ort.so) and the blocks that the rules of
the ``symreg.ops.linalg_*`` modules compose from them in standard ops.

A few general kernels, LAPACK's routines, do the factorizations: ``LinalgLuFactor`` (getrf), ``LinalgLuSolve``
(getrs), ``LinalgCholesky`` (potrf), ``LinalgSolveTriangular`` (trsm), ``LinalgEigh`` (syevd), ``LinalgSvd``
(gesdd), ``LinalgQr`` (geqrf + orgqr), ``LinalgGeqrf`` (geqrf's compact form), ``LinalgHouseholderProduct``
(orgqr), ``LinalgLdlFactor`` (sytrf), ``LinalgLdlSolve`` (sytrs) and ``LinalgMatrixExp`` (torch's degree-18
Taylor polynomial, scaled and squared). They take batches of matrices (*, m, n) with equal batch dims (the blocks
here broadcast them first) and report per-matrix failures as LAPACK's ``info`` (int32), or, with
``check_errors=1``, as an error status naming the op, the torch function (``api``) and the batch element.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from symreg.builder import Builder, TensorInfo
from symreg.ops._helpers import arange, cast, constant_like, dim, ints, rank_of, reduce, shape_part, unsqueeze
from symreg.schemas import schema

FLOATS = {"T": ["float", "double"], "I": ["int32"]}


def _shape(info: TensorInfo | None):
    return None if info is None or info.shape is None or len(info.shape) < 2 else info.shape


def _dtype(info: TensorInfo | None):
    return None if info is None else info.dtype


def _min(a, b):
    """min of two static dims; None where either is dynamic (None, or a symbolic name under dynamo)."""
    return min(a, b) if isinstance(a, int) and isinstance(b, int) else None


def _lu_factor_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    shape = _shape(inputs[0])
    if shape is None:
        return [TensorInfo(_dtype(inputs[0])), TensorInfo(torch.int32), TensorInfo(torch.int32)]
    batch = shape[:-2]
    return [
        TensorInfo(_dtype(inputs[0]), shape),
        TensorInfo(torch.int32, (*batch, _min(shape[-2], shape[-1]))),
        TensorInfo(torch.int32, batch),
    ]


def _same_as_last(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    last = inputs[-1]
    return [TensorInfo(_dtype(last), None if last is None else last.shape)]


def _cholesky_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    shape = _shape(inputs[0])
    return [TensorInfo(_dtype(inputs[0]), shape), TensorInfo(torch.int32, None if shape is None else shape[:-2])]


def _eigh_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    shape = _shape(inputs[0])
    values = None if shape is None else shape[:-1]
    return [TensorInfo(_dtype(inputs[0]), values), TensorInfo(_dtype(inputs[0]), shape)]


def _svd_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    dtype, shape = _dtype(inputs[0]), _shape(inputs[0])
    if shape is None:
        return [TensorInfo(dtype)] * 3
    *batch, m, n = shape
    k = _min(m, n)
    full = bool(attrs.get("full_matrices", 1))
    return [
        TensorInfo(dtype, (*batch, k)),
        TensorInfo(dtype, (*batch, m, m if full else k)),
        TensorInfo(dtype, (*batch, n if full else k, n)),
    ]


def _same_as_first(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    first = inputs[0]
    return [TensorInfo(_dtype(first), None if first is None else first.shape)]


def _geqrf_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    dtype, shape = _dtype(inputs[0]), _shape(inputs[0])
    if shape is None:
        return [TensorInfo(dtype)] * 2
    return [TensorInfo(dtype, shape), TensorInfo(dtype, (*shape[:-2], _min(shape[-2], shape[-1])))]


def _qr_infer(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    dtype, shape = _dtype(inputs[0]), _shape(inputs[0])
    if shape is None:
        return [TensorInfo(dtype)] * 2
    *batch, m, n = shape
    k = m if attrs.get("complete", 0) else _min(m, n)
    return [TensorInfo(dtype, (*batch, m, k)), TensorInfo(dtype, (*batch, k, n))]


LU_FACTOR = schema(
    "symreg::LinalgLuFactor",
    inputs=["A: T"],
    outputs=["LU: T", "pivots: I", "info: I"],
    types=FLOATS,
    attrs={"check_errors": 0, "api": ""},
    infer=_lu_factor_infer,
    doc="P A = L U with partial pivoting (LAPACK getrf): A (*, m, n) -> LU (*, m, n), pivots int32 (*, min(m, n)) "
    "1-based, info int32 (*) (0, or the first zero pivot U[i-1, i-1]). check_errors=1: info > 0 is an error.",
)
LU_SOLVE = schema(
    "symreg::LinalgLuSolve",
    inputs=["LU: T", "pivots: I", "B: T"],
    outputs=["X: T"],
    types=FLOATS,
    attrs={"adjoint": 0},
    infer=_same_as_last,
    doc="X with A X = B (adjoint: A^T X = B) from LinalgLuFactor's LU (*, n, n) and pivots (*, n); B (*, n, k), "
    "the batch dims of LU.",
)
CHOLESKY = schema(
    "symreg::LinalgCholesky",
    inputs=["A: T"],
    outputs=["L: T", "info: I"],
    types=FLOATS,
    attrs={"upper": 0, "check_errors": 0, "api": ""},
    infer=_cholesky_infer,
    doc="Cholesky factor (LAPACK potrf) of A (*, n, n): lower L = tril, A = L L^T (upper: U, A = U^T U), and info "
    "int32 (*): 0, or the order of the first leading minor that is not positive-definite.",
)
SOLVE_TRIANGULAR = schema(
    "symreg::LinalgSolveTriangular",
    inputs=["A: T", "B: T"],
    outputs=["X: T"],
    types={"T": FLOATS["T"]},
    attrs={"upper": 0, "left": 1, "unitriangular": 0},
    infer=_same_as_last,
    doc="X with A X = B (left) or X A = B, A (*, n, n) triangular (upper or lower, unit diagonal when "
    "unitriangular), B of A's batch dims.",
)
EIGH = schema(
    "symreg::LinalgEigh",
    inputs=["A: T"],
    outputs=["W: T", "V?: T"],
    types={"T": FLOATS["T"]},
    attrs={"upper": 0, "api": ""},
    infer=_eigh_infer,
    doc="Eigenvalues ascending W (*, n) and eigenvectors V (*, n, n) (columns; computed when declared) of the "
    "symmetric A (*, n, n), read from its lower (upper: upper) triangle. Non-finite input gives NaN.",
)
SVD = schema(
    "symreg::LinalgSvd",
    inputs=["A: T"],
    outputs=["S: T", "U?: T", "Vh?: T"],
    types={"T": FLOATS["T"]},
    attrs={"full_matrices": 1, "api": ""},
    infer=_svd_infer,
    doc="A = U diag(S) Vh for A (*, m, n): S (*, k) descending, k = min(m, n); U (*, m, m or k) and Vh "
    "(*, n or k, n), computed when declared. Non-finite input is an error.",
)
QR = schema(
    "symreg::LinalgQr",
    inputs=["A: T"],
    outputs=["Q: T", "R: T"],
    types={"T": FLOATS["T"]},
    attrs={"complete": 0},
    infer=_qr_infer,
    doc="A = Q R (Householder, LAPACK's signs) for A (*, m, n): Q (*, m, k), R (*, k, n), k = min(m, n); "
    "complete: k = m.",
)

GEQRF = schema(
    "symreg::LinalgGeqrf",
    inputs=["A: T"],
    outputs=["QR: T", "tau: T"],
    types={"T": FLOATS["T"]},
    infer=_geqrf_infer,
    doc="LAPACK geqrf's compact Householder QR of A (*, m, n): QR (*, m, n) with R on and above the diagonal and "
    "the reflectors' vectors below it, tau (*, min(m, n)) their coefficients.",
)
HOUSEHOLDER_PRODUCT = schema(
    "symreg::LinalgHouseholderProduct",
    inputs=["A: T", "tau: T"],
    outputs=["Q: T"],
    types={"T": FLOATS["T"]},
    infer=_same_as_first,
    doc="LAPACK orgqr: the first n columns (*, m, n) of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i below the "
    "diagonal of A's column i (*, m, n), tau (*, k) of A's batch dims, m >= n >= k.",
)
LDL_FACTOR = schema(
    "symreg::LinalgLdlFactor",
    inputs=["A: T"],
    outputs=["LD: T", "pivots: I", "info: I"],
    types=FLOATS,
    attrs={"check_errors": 0, "api": ""},
    infer=_lu_factor_infer,
    doc="P A P^T = L D L^T with Bunch-Kaufman pivoting (LAPACK sytrf, lower) of symmetric A (*, n, n), read from its "
    "lower triangle: LD (*, n, n) (D's diagonal and 2 x 2 blocks' subdiagonal entries, L's multipliers below), "
    "pivots int32 (*, n) (1-based; a 2 x 2 block's pair negative), info int32 (*) (0, or the first exactly zero "
    "D[i-1, i-1]). check_errors=1: info > 0 is an error.",
)
LDL_SOLVE = schema(
    "symreg::LinalgLdlSolve",
    inputs=["LD: T", "pivots: I", "B: T"],
    outputs=["X: T"],
    types=FLOATS,
    infer=_same_as_last,
    doc="X with A X = B (LAPACK sytrs, lower) from LinalgLdlFactor's LD (*, n, n) and pivots (*, n); B (*, n, k), "
    "the batch dims of LD. Pivots that LinalgLdlFactor cannot have written (out of range, unpaired 2 x 2 blocks) "
    "are an error.",
)
MATRIX_EXP = schema(
    "symreg::LinalgMatrixExp",
    inputs=["A: T"],
    outputs=["Y: T"],
    types={"T": FLOATS["T"]},
    infer=_same_as_first,
    doc="exp(A) of A (*, n, n) (torch's degree-18 Taylor polynomial with scaling and squaring, in torch's order of "
    "operations); NaN for a matrix with NaN or inf.",
)


# --- blocks ---------------------------------------------------------------------------------


def square_rank(g: Builder, a, what: str = "A") -> int:
    """a's rank, at least 2 (the kernels check the sizes)."""
    rank = rank_of(g, a, what)
    if rank < 2:
        raise ValueError(f"{g.overload}: {what} must have at least 2 dims (*, m, n), got {rank}")
    return rank


def batch_shaped(g: Builder, y, a, rank: int):
    """y reshaped to a's batch dims (a 2-d a gives 0-d: constants of one element broadcast y to 1-d)."""
    return g.op("Reshape", y, shape_part(g, a, 0, rank - 2)) if rank > 2 else g.op("Reshape", y, ints(g, []))


def transpose(g: Builder, x, rank: int):
    """x with its last two dims swapped (``mT``)."""
    return g.op("Transpose", x, perm=[*range(rank - 2), rank - 1, rank - 2])


def broadcast_batch(g: Builder, a, b, rank_a: int, rank_b: int):
    """a and b with their batch dims (all but the last two) broadcast to one another; their matrices kept.

    ``Expand`` broadcasts, 0-sized dims too: each is expanded to the other's batch dims with (1, 1) matrices.
    """
    rank = max(rank_a, rank_b)
    ones = ints(g, [1, 1])
    a2 = g.op("Expand", a, g.op("Concat", shape_part(g, b, 0, rank_b - 2), ones, axis=0)) if rank_b > 2 else a
    b2 = g.op("Expand", b, g.op("Concat", shape_part(g, a2, 0, rank - 2), ones, axis=0)) if rank > 2 else b
    return a2, b2, rank


def identity_like(g: Builder, x, rank: int):
    """Identity matrices of x's (*, n, n) shape and dtype."""
    n = dim(g, x, rank - 1)
    i = arange(g, n)
    eye = g.op("Equal", unsqueeze(g, i, [1]), unsqueeze(g, i, [0]))
    eye = g.op("Where", eye, constant_like(g, [1], x), constant_like(g, [0], x))
    return g.op("Expand", eye, g.op("Shape", x))


def lu_factor(g: Builder, a, check_errors: bool = False, api: str = ""):
    """(LU, pivots int32, info int32) of a (*, m, n)."""
    return g.op("symreg::LinalgLuFactor", a, check_errors=int(check_errors), api=api, outputs=3)


def broadcast_factors(g: Builder, factor, pivots, b, factor_name: str):
    """(factor, pivots int32, b, rank) with the batch dims of a packed factorization (*, n, n) and its pivots (*, n)
    broadcast with b's (*, n, k), as the solve kernels take them."""
    factor, b, rank = broadcast_batch(g, factor, b, square_rank(g, factor, factor_name), square_rank(g, b, "B"))
    if g.dtype(pivots) != torch.int32:
        pivots = cast(g, pivots, torch.int32)
    if rank > 2:
        pivots = g.op("Expand", pivots, g.op("Concat", shape_part(g, factor, 0, rank - 2), ints(g, [1]), axis=0))
    return factor, pivots, b, rank


def lu_solve(g: Builder, lu, pivots, b, adjoint: bool = False):
    """X with A X = B (adjoint: A^T X = B), LU and B of one batch."""
    return g.op("symreg::LinalgLuSolve", lu, pivots, b, adjoint=int(adjoint))


def diagonal_of(g: Builder, x, rank: int):
    """The main diagonals (*, n) of square matrices x (*, n, n): the diagonal kept by an identity mask (``Where``,
    so NaN and inf elsewhere stay out), summed over the rows. No Reshape: the exporters fold the shapes of empty
    batches into targets that ONNX Runtime refuses."""
    i = arange(g, dim(g, x, rank - 1))
    eye = g.op("Equal", unsqueeze(g, i, [1]), unsqueeze(g, i, [0]))
    return reduce(g, "ReduceSum", g.op("Where", eye, x, constant_like(g, [0], x)), [rank - 1], False)


def permutation_sign(g: Builder, pivots, like, rank: int):
    """(-1)^(number of swaps) of the 1-based pivots (*, n), in like's dtype, shape (*)."""
    n = dim(g, pivots, rank - 1)
    rows = g.op("Add", arange(g, n), ints(g, [1]))
    swapped = cast(g, g.op("Not", g.op("Equal", cast(g, pivots, torch.int64), rows)), torch.int64)
    count = reduce(g, "ReduceSum", swapped, [rank - 1], False)
    odd = g.op("Equal", g.op("Sub", count, g.op("Mul", g.op("Div", count, ints(g, 2)), ints(g, 2))), ints(g, 1))
    return g.op("Where", odd, constant_like(g, [-1], like), constant_like(g, [1], like))


def smaller(g: Builder, a, b):
    """The elementwise min of two int64 values (``Min`` takes integers from opset 12 only)."""
    return g.op("Where", g.op("Less", a, b), a, b)


def _rows_cols(g: Builder, x, rank: int):
    """The row (n1, 1) and column (1, n2) indices of x's matrices, int64."""
    rows = unsqueeze(g, arange(g, dim(g, x, rank - 2)), [1])
    return rows, unsqueeze(g, arange(g, dim(g, x, rank - 1)), [0])


def triangle(g: Builder, x, rank: int, upper: bool, diagonal: int = 0):
    """``torch.triu(x, diagonal)`` (upper) or ``torch.tril``: the other elements 0 (``Where``: NaN there too).
    ``Trilu`` needs opset 14; this works at every opset."""
    rows, cols = _rows_cols(g, x, rank)
    offset = g.op("Sub", cols, rows)
    outside = g.op("Less" if upper else "Greater", offset, ints(g, diagonal))
    return g.op("Where", outside, constant_like(g, [0], x), x)


def unit_lower(g: Builder, x, rank: int):
    """The strictly lower triangle of x with ones on the diagonal (the L of an LU factorization)."""
    rows, cols = _rows_cols(g, x, rank)
    lower = g.op("Where", g.op("Greater", rows, cols), x, constant_like(g, [0], x))
    return g.op("Where", g.op("Equal", rows, cols), constant_like(g, [1], x), lower)


def leading(g: Builder, x, n, axis: int):
    """The first n (1-element int64) entries of x along ``axis`` (a ``Gather``: no computed Slice bounds)."""
    return g.op("Gather", x, arange(g, n), axis=axis)


def zeros_of_shape(g: Builder, shape, like):
    """Zeros of like's dtype and the computed int64 shape."""
    return g.op("Expand", constant_like(g, [0], like), shape)


def permutation(g: Builder, pivots, like, m, rank: int):
    """The permutation matrices P (*, m, m) of LAPACK's 1-based row interchanges ``pivots`` (*, k), k <= m, in like's
    dtype: A = P L U. The interchanges past k are the identity; ``LinalgLuSolve`` of the identity factors (L = U = I,
    so A = P) with B = I applies them exactly: X = P^T B."""
    k = dim(g, pivots, rank - 2)
    batch = shape_part(g, pivots, 0, rank - 2)
    rest = g.op("Add", arange(g, g.op("Sub", m, k)), g.op("Add", k, ints(g, [1])))  # k+1, ..., m
    rest = g.op("Expand", cast(g, rest, torch.int32), g.op("Concat", batch, g.op("Sub", m, k), axis=0))
    full = g.op("Concat", cast(g, pivots, torch.int32), rest, axis=rank - 2)
    i = arange(g, m)
    eye = g.op("Where", g.op("Equal", unsqueeze(g, i, [1]), unsqueeze(g, i, [0])), constant_like(g, [1], like),
               constant_like(g, [0], like))  # fmt: skip
    eye = g.op("Expand", eye, g.op("Concat", batch, m, m, axis=0))
    return transpose(g, lu_solve(g, eye, full, eye), rank)


def svd(g: Builder, a, full_matrices: bool, api: str):
    """(S, U, Vh) of ``symreg::LinalgSvd``."""
    return g.op("symreg::LinalgSvd", a, full_matrices=int(full_matrices), api=api, outputs=3)


def largest(g: Builder, s, rank: int, keepdims: bool = True):
    """The largest of the values along s's last dim (rank ``rank``; 0 over none, as they are >= 0 or NaN)."""
    zero = g.op("Expand", constant_like(g, [0], s), g.op("Concat", shape_part(g, s, 0, rank - 1), ints(g, [1]),
                                                          axis=0))  # fmt: skip
    return reduce(g, "ReduceMax", g.op("Concat", s, zero, axis=rank - 1), [rank - 1], keepdims)
