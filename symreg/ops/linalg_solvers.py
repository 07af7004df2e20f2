"""Solves and inverses over the ``symreg::Linalg*`` kernels: ``linalg.solve``, ``linalg.inv``, triangular and
Cholesky solves, ``lu_solve``, tensor inverses and solves, least squares, pseudo-inverses.

Both exporters, opsets 9+ (see :mod:`symreg.ops.linalg_factorizations` on CompositeImplicitAutograd ops)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops import _linalg_kernels as lk
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
from symreg.registry import op


def _solve(g: Builder, A, B, left: bool, check_errors: bool, api: str, ranks=None):  # noqa: N803
    """(X, info) with A X = B (left) or X A = B; A factored once (info has A's batch dims, as torch), then its LU
    broadcast with B's batch dims. B is torch's vector when B.dim() == 1, or when A.dim() - 1 == B.dim() and B's
    shape is A.shape[:-1] (decided on static dims; where they are dynamic, the vector is assumed)."""
    rank_a, rank_b = ranks or (lk.square_rank(g, A), rank_of(g, B, "B"))
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


def inverse(g: Builder, A, check_errors: bool, api: str, rank=None):  # noqa: N803
    """(A^-1, info) by ``symreg::LinalgLuFactor`` and ``LinalgLuSolve``; ``rank``: A's, where the exporter may not
    know it."""
    rank = rank or lk.square_rank(g, A)
    lu, pivots, info = lk.lu_factor(g, A, check_errors=check_errors, api=api)
    return lk.lu_solve(g, lu, pivots, lk.identity_like(g, A, rank)), info


@op(("aten::linalg_inv", "aten::inverse"), opset=9)
def aten_linalg_inv(g: Builder, A):  # noqa: N803
    """A X = I by ``symreg::LinalgLuFactor`` and ``LinalgLuSolve`` (getrf + getrs); a singular A is an error."""
    return inverse(g, A, True, "torch.linalg.inv")[0]


@op("aten::linalg_inv_ex", opset=9)
def aten_linalg_inv_ex(g: Builder, A, check_errors: bool = False):  # noqa: N803
    """(inverse, info) as :func:`aten_linalg_inv`; a singular A gives inf/NaN and its info."""
    return inverse(g, A, check_errors, "torch.linalg.inv_ex")


def _solve_triangular(g: Builder, A, B, upper: bool, left: bool, unitriangular: bool, rank_a: int):  # noqa: N803
    A, B, _ = lk.broadcast_batch(g, A, B, rank_a, lk.square_rank(g, B, "B"))
    return g.op("symreg::LinalgSolveTriangular", A, B, upper=int(upper), left=int(left),
                unitriangular=int(unitriangular))  # fmt: skip


@op("aten::linalg_solve_triangular", opset=9)
def aten_linalg_solve_triangular(g: Builder, A, B, upper: bool, left: bool = True, unitriangular: bool = False):  # noqa: N803
    """``symreg::LinalgSolveTriangular`` (trsm, as torch), batch dims broadcast; a zero diagonal gives inf/NaN."""
    return _solve_triangular(g, A, B, upper, left, unitriangular, lk.square_rank(g, A))


@op("aten::triangular_solve", opset=9)
def aten_triangular_solve(
    g: Builder,
    b,
    A,
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,  # noqa: N803
):
    """(X, A) with A X = b (transpose: A^T X = b, the other triangle of A^T): ``symreg::LinalgSolveTriangular``."""
    rank = lk.square_rank(g, A)
    coefficient = lk.transpose(g, A, rank) if transpose else A
    x = _solve_triangular(g, coefficient, b, upper != transpose, True, unitriangular, rank)
    if rank_of(g, b, "b") > rank:  # torch's cloned_coefficient has the broadcast batch dims
        A = g.op("Expand", A, g.op("Concat", shape_part(g, b, 0, rank_of(g, b) - 2), ints(g, [1, 1]), axis=0))
    return x, g.op("Identity", A)


# --- lu_solve, cholesky_solve, cholesky_inverse ------------------------------------------------------------


def _lu_solve(g: Builder, LU, pivots, B, left: bool, adjoint: bool):  # noqa: N803
    """X with A X = B (A^T X = B when adjoint; X A = B, X A^T = B when not left), A = P L U given as LAPACK's packed
    LU and pivots, batch dims broadcast with B's."""
    lu, pivots, B, rank = lk.broadcast_factors(g, LU, pivots, B, "LU")
    if left:
        return lk.lu_solve(g, lu, pivots, B, adjoint=adjoint)
    x = lk.lu_solve(g, lu, pivots, lk.transpose(g, B, rank), adjoint=not adjoint)  # X A = B: A^T X^T = B^T
    return lk.transpose(g, x, rank)


@op("aten::linalg_lu_solve", opset=9)
def aten_linalg_lu_solve(g: Builder, LU, pivots, B, left: bool = True, adjoint: bool = False):  # noqa: N803
    """``symreg::LinalgLuSolve`` (getrs, as torch) over ``torch.linalg.lu_factor``'s LU and pivots, batch dims
    broadcast; left=False solves X A = B through A^T X^T = B^T."""
    return _lu_solve(g, LU, pivots, B, left, adjoint)


@op("aten::lu_solve", opset=9)
def aten_lu_solve(g: Builder, b, LU_data, LU_pivots):  # noqa: N803
    """``torch.lu_solve(b, LU, pivots)``: :func:`aten_linalg_lu_solve` with left=True."""
    return _lu_solve(g, LU_data, LU_pivots, b, True, False)


def _cholesky_solve(g: Builder, B, L, upper: bool, rank_b=None):  # noqa: N803
    """X with A X = B, A = L L^T (upper: U^T U) from its Cholesky factor: two ``symreg::LinalgSolveTriangular``
    (potrs, as torch), batch dims broadcast. Only the factor's triangle is read."""
    factor, B, rank = lk.broadcast_batch(g, L, B, lk.square_rank(g, L, "L"), rank_b or lk.square_rank(g, B, "B"))
    flipped = lk.transpose(g, factor, rank)
    lower, upper_ = (flipped, factor) if upper else (factor, flipped)
    y = g.op("symreg::LinalgSolveTriangular", lower, B, upper=0, left=1, unitriangular=0)
    return g.op("symreg::LinalgSolveTriangular", upper_, y, upper=1, left=1, unitriangular=0)


@op("aten::cholesky_solve", opset=9)
def aten_cholesky_solve(g: Builder, B, L, upper: bool = False):  # noqa: N803
    """``torch.cholesky_solve(B, L, upper)``: :func:`_cholesky_solve`; a zero on L's diagonal gives inf/NaN."""
    return _cholesky_solve(g, B, L, upper)


@op("aten::cholesky_inverse", opset=9)
def aten_cholesky_inverse(g: Builder, L, upper: bool = False):  # noqa: N803
    """A^-1 from A's Cholesky factor: :func:`_cholesky_solve` of the identity (potri in torch: within rounding)."""
    rank = lk.square_rank(g, L, "L")
    return _cholesky_solve(g, lk.identity_like(g, L, rank), L, upper, rank)


# --- tensorinv, tensorsolve --------------------------------------------------------------------------------


def _product(g: Builder, x, start: int, end: int):
    """The product of x's dims start..end-1 as a 1-element int64 tensor (1 for none)."""
    if start == end:
        return ints(g, [1])
    return reduce(g, "ReduceProd", shape_part(g, x, start, end), [0], True)


@op("aten::linalg_tensorinv", opset=9)
def aten_linalg_tensorinv(g: Builder, A, ind: int = 2):  # noqa: N803
    """``torch.linalg.tensorinv``: A reshaped to the square (prod(A.shape[:ind]), prod(A.shape[ind:])), inverted as
    :func:`aten_linalg_inv` (a singular one is an error, as torch), reshaped to A.shape[ind:] + A.shape[:ind]."""
    rank = rank_of(g, A)
    if not 0 < ind < rank:
        raise ValueError(f"{g.overload}: ind={ind} must be in 1..{rank - 1} for a {rank}-d A")
    square = reshape(g, A, g.op("Concat", _product(g, A, 0, ind), _product(g, A, ind, rank), axis=0))
    inv = inverse(g, square, True, "torch.linalg.tensorinv", rank=2)[0]
    shape = g.op("Concat", shape_part(g, A, ind, rank), shape_part(g, A, 0, ind), axis=0)
    return reshape(g, inv, shape)


@op("aten::linalg_tensorsolve", opset=9)
def aten_linalg_tensorsolve(g: Builder, A, B, dims: Optional[list[int]] = None):  # noqa: N803
    """``torch.linalg.tensorsolve``: A's ``dims`` moved last, A reshaped to (B.numel(), rest) and solved for the
    flattened B as :func:`aten_linalg_solve` (a singular one is an error), reshaped to A.shape[B.dim():]."""
    rank_a, rank_b = rank_of(g, A), rank_of(g, B, "B")
    if dims:
        moved = [normalize_dim(d, rank_a) for d in dims]
        A = g.op("Transpose", A, perm=[d for d in range(rank_a) if d not in moved] + moved)
    rows = _product(g, B, 0, rank_b)
    square = reshape(g, A, g.op("Concat", rows, _product(g, A, rank_b, rank_a), axis=0))
    x = _solve(g, square, reshape(g, B, g.op("Concat", rows, ints(g, [1]), axis=0)), True, True,
               "torch.linalg.tensorsolve", ranks=(2, 2))[0]  # fmt: skip
    return reshape(g, x, shape_part(g, A, rank_b, rank_a))


# --- pinv, pinverse, matrix_rank: singular values above a tolerance ----------------------------------------


def _tolerance(g: Builder, A, atol, rtol, largest):  # noqa: N803
    """torch's ``max(atol, rtol * largest)`` (*, 1): atol 0 by default, rtol eps * max(m, n) unless an atol is given
    (then 0 where atol > 0, as torch's get_atol_rtol). atol and rtol: None, numbers or tensors (*)."""
    rank = rank_of(g, A)

    def value(v):
        if v is None:
            return None
        if isinstance(v, (int, float)):
            return constant_like(g, [float(v)], A)
        return unsqueeze(g, cast(g, v, g.dtype(A)), [rank_of(g, v)])  # (*) -> (*, 1)

    atol, rtol = value(atol), value(rtol)
    zero = constant_like(g, [0.0], A)
    if rtol is None:
        eps = constant_like(g, [float(torch.finfo(g.dtype(A) or torch.float32).eps)], A)
        size = g.op("Max", cast(g, dim(g, A, rank - 2), g.dtype(A)), cast(g, dim(g, A, rank - 1), g.dtype(A)))
        rtol = g.op("Mul", eps, size)
        if atol is not None:
            rtol = g.op("Where", g.op("Greater", atol, zero), zero, rtol)
    tol = g.op("Mul", rtol, largest)
    return tol if atol is None else g.op("Max", atol, tol)


def _spectrum(g: Builder, A, hermitian: bool, vectors: bool, api: str):  # noqa: N803
    """(values (*, k) whose magnitudes are the singular values, U, Vh) of A: SVD, or for a hermitian A eigh
    (U = V, Vh = V^T: A = V diag(w) V^T). Without vectors, U and Vh are None."""
    rank = lk.square_rank(g, A)
    if hermitian:
        if not vectors:
            return g.op("symreg::LinalgEigh", A, upper=0, api=api), None, None
        w, v = g.op("symreg::LinalgEigh", A, upper=0, api=api, outputs=2)
        return w, v, lk.transpose(g, v, rank)
    if not vectors:
        return g.op("symreg::LinalgSvd", A, full_matrices=0, api=api), None, None
    s, u, vh = lk.svd(g, A, False, api)
    return s, u, vh


def _kept(g: Builder, A, values, atol, rtol, hermitian: bool):  # noqa: N803
    """Which of the values (*, k) count (|value| > the tolerance), and their magnitudes."""
    magnitude = g.op("Abs", values) if hermitian else values
    tol = _tolerance(g, A, atol, rtol, lk.largest(g, magnitude, rank_of(g, A) - 1))
    return g.op("Greater", magnitude, tol), magnitude


def _pinv(g: Builder, A, atol, rtol, hermitian: bool):  # noqa: N803
    """torch's pinv: ``Vh^T diag(1/s where s > tol, else 0) U^T`` (hermitian: of eigh, |w| against the tolerance)."""
    api = "torch.linalg.pinv"
    values, u, vh = _spectrum(g, A, hermitian, True, api)
    rank = lk.square_rank(g, A)
    keep, _ = _kept(g, A, values, atol, rtol, hermitian)
    one, zero = constant_like(g, [1.0], A), constant_like(g, [0.0], A)
    inverse_values = g.op("Where", keep, g.op("Div", one, values), zero)
    scaled = g.op("Mul", lk.transpose(g, vh, rank), unsqueeze(g, inverse_values, [rank - 2]))
    return g.op("MatMul", scaled, lk.transpose(g, u, rank))


def _tolerances(g: Builder, a, b, c):
    """(atol, rtol, hermitian) of either overload family: 3 arguments (rcond or tol, hermitian: atol 0 and rtol rcond
    for pinv; the caller swaps them for matrix_rank's tol), 4 (atol, rtol, hermitian). Numbers as Python values,
    computed ones as graph values. TorchScript cannot tell the float overloads from the tensor ones."""

    def value(v):
        found = None if v is None else g.constant_value(v)
        return v if found is None or isinstance(found, torch.Tensor) else found

    if c is None:  # (rcond, hermitian)
        return 0.0, value(a), bool(g.constant_value(b) or False)
    return value(a), value(b), bool(g.constant_value(c))


@op("aten::linalg_pinv", opset=9)
def aten_linalg_pinv(g: Builder, A, a=None, b=None, c=None):  # noqa: N803
    """The pseudo-inverse from ``symreg::LinalgSvd`` (``symreg::LinalgEigh`` when hermitian), as torch computes it:
    singular values at most ``max(atol, rtol * largest)`` dropped (rtol eps * max(m, n) by default, 0 when an atol
    > 0 is given). Every overload: (atol, rtol, hermitian), floats or tensors, or (rcond, hermitian): atol 0, rtol
    rcond."""
    atol, rtol, hermitian = _tolerances(g, a, b, c)
    return _pinv(g, A, atol, rtol, hermitian)


@op("aten::pinverse", opset=9)
def aten_pinverse(g: Builder, A, rcond: float = 1e-15):  # noqa: N803
    """``torch.pinverse(A, rcond)``: :func:`aten_linalg_pinv` (atol 0, rtol rcond)."""
    return _pinv(g, A, 0.0, rcond, False)


def _matrix_rank(g: Builder, A, atol, rtol, hermitian: bool):  # noqa: N803
    values, _, _ = _spectrum(g, A, hermitian, False, "torch.linalg.matrix_rank")
    keep, _ = _kept(g, A, values, atol, rtol, hermitian)
    return reduce(g, "ReduceSum", cast(g, keep, torch.int64), [rank_of(g, A) - 2], False)


@op("aten::linalg_matrix_rank", opset=9)
def aten_linalg_matrix_rank(g: Builder, A, a=None, b=None, c=None):  # noqa: N803
    """The number of singular values (|eigenvalues| when hermitian) above ``max(atol, rtol * largest)``, int64,
    from ``symreg::LinalgSvd`` (``LinalgEigh``) as torch, with :func:`aten_linalg_pinv`'s defaults. Every overload:
    (atol, rtol, hermitian), or (tol, hermitian): atol tol, rtol 0."""
    atol, rtol, hermitian = _tolerances(g, a, b, c)
    if c is None:
        atol, rtol = rtol, 0.0
    return _matrix_rank(g, A, atol, rtol, hermitian)


# --- lstsq --------------------------------------------------------------------------------------------------


def _static_above(g: Builder, A, rank: int):  # noqa: N803
    """Whether A has more rows than columns: True/False where both sizes are static, None where not."""
    shape = g.shape(A)
    m, n = (None, None) if shape is None else shape[rank - 2 :]
    return m > n if isinstance(m, int) and isinstance(n, int) else None


@op("aten::linalg_lstsq", opset=9)
def aten_linalg_lstsq(g: Builder, A, B, rcond: Optional[float] = None, driver: Optional[str] = None):  # noqa: N803
    """(solution, residuals, rank, singular_values) of ``torch.linalg.lstsq`` for every CPU driver, from the reduced
    ``symreg::LinalgSvd`` A = U diag(s) Vh: the minimum-norm least-squares solution ``Vh^T diag(1/s) U^T B`` over the
    singular values above ``rcond * max(s)`` (rcond eps * max(m, n) by default). That is what gelsy (the default),
    gelsd and gelss return, and gels for the full-rank A it assumes; rank counts those singular values. As torch:
    residuals ``|B - U U^T B|²`` per column where m > n (and, for gelsd and gelss, every matrix has full rank), else
    empty; rank empty for gels; singular_values for gelsd and gelss only. Batch dims broadcast; a B of one dim less
    than A and of A.shape[:-1] is a vector. Where A has batch dims and its sizes are dynamic, residuals that torch
    leaves empty are (*, 0) (ONNX outputs have one rank)."""
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise ValueError(f"{g.overload}: driver={driver!r}; the CPU drivers are 'gels', 'gelsy', 'gelsd' and 'gelss'")
    rank_a, rank_b = lk.square_rank(g, A), rank_of(g, B, "B")
    vector = rank_b == 1 or (rank_b == rank_a - 1 and _may_equal(g.shape(B), (g.shape(A) or (None,) * rank_a)[:-1]))
    if vector:
        B, rank_b = unsqueeze(g, B, [rank_b]), rank_b + 1
    above = _static_above(g, A, rank_a)
    A, B, rank = lk.broadcast_batch(g, A, B, rank_a, rank_b)
    s, u, vh = lk.svd(g, A, False, "torch.linalg.lstsq")
    keep, _ = _kept(g, A, s, 0.0, rcond, False)  # rcond None: eps * max(m, n)
    inverse_s = g.op("Where", keep, g.op("Div", constant_like(g, [1.0], A), s), constant_like(g, [0.0], A))
    projected = g.op("MatMul", lk.transpose(g, u, rank), B)  # (*, k, nrhs)
    x = g.op("MatMul", lk.transpose(g, vh, rank), g.op("Mul", unsqueeze(g, inverse_s, [rank - 1]), projected))
    counted = reduce(g, "ReduceSum", cast(g, keep, torch.int64), [rank - 2], False)
    empty_float, empty_int = constant_like(g, np.zeros(0), A), ints(g, np.zeros(0, dtype=np.int64))
    residuals = empty_float
    if driver != "gelsy" and above is not False:
        outside = g.op("Sub", B, g.op("MatMul", u, projected))
        residuals = reduce(g, "ReduceSum", g.op("Mul", outside, outside), [rank - 2], False)  # (*, nrhs)
        m, n = dim(g, A, rank - 2), dim(g, A, rank - 1)
        wanted = g.op("Greater", m, n)
        if driver in ("gelsd", "gelss"):
            full = reduce(g, "ReduceMin", cast(g, g.op("Equal", counted, g.op("Reshape", n, ints(g, []))),
                                                   torch.int64), None, False)  # fmt: skip
            wanted = g.op("And", wanted, cast(g, unsqueeze(g, full, [0]), torch.bool))
        if above is None or driver != "gels":
            length = g.op("Where", wanted, dim(g, residuals, rank - 2), ints(g, [0]))
            residuals = g.op("Gather", residuals, arange(g, length), axis=rank - 2)
        if vector:
            residuals = squeeze(g, residuals, [rank - 2]) if rank > 2 else residuals
    if vector:
        x = squeeze(g, x, [rank - 1])
    return (
        x,
        residuals,
        empty_int if driver == "gels" else counted,
        s if driver in ("gelsd", "gelss") else empty_float,
    )
