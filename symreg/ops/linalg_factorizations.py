"""Factorizations, each a ``symreg::Linalg*`` kernel (symreg/ops/_linalg_kernels.py), and what reads them:
LU (``linalg.lu_factor``, ``linalg.lu``, ``lu_unpack``, ``det``, ``slogdet``), Cholesky, LDL^T
(``linalg.ldl_factor``, ``linalg.ldl_solve``), eigh, SVD, QR, and LAPACK's compact Householder form (``geqrf``,
``linalg.householder_product``, ``ormqr``).

Both exporters, opsets 9+. Under dynamo a rule for a CompositeImplicitAutograd op (linalg_det, ...) keeps
torch.export from decomposing it into *_ex ops and _linalg_check_errors, whose error would otherwise have no
node to raise it."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops import _linalg_kernels as lk
from symreg.ops._helpers import constant_like, dim, rank_of, reduce, shape_part
from symreg.registry import op

# --- LU: det, slogdet, lu_factor ----------------------------------------------------------------------


def _lu_det_parts(g: Builder, a, rank: int):
    """(diagonal of U (*, n), sign of the row permutation (*)) of a's LU factorization, no error on singular."""
    lu, pivots, _ = lk.lu_factor(g, a)
    return lk.diagonal_of(g, lu, rank), lk.permutation_sign(g, pivots, a, rank - 1)


@op(("aten::linalg_det", "aten::det"), opset=9)
def aten_linalg_det(g: Builder, A):  # noqa: N803 - torch's name
    """``prod(diag(U)) * sign(P)`` of ``symreg::LinalgLuFactor`` (LAPACK getrf, as torch): 0 for a singular A."""
    rank = lk.square_rank(g, A)
    diag, sign = _lu_det_parts(g, A, rank)
    return lk.batch_shaped(g, g.op("Mul", reduce(g, "ReduceProd", diag, [rank - 2], False), sign), A, rank)


@op(("aten::linalg_slogdet", "aten::slogdet"), opset=9)
def aten_linalg_slogdet(g: Builder, A):  # noqa: N803
    """(sign, log|det|) from the LU factorization's diagonal: ``sign(P) * prod(sign(diag(U)))``, ``sum(log|diag(U)|)``;
    (0, -inf) for a singular A, as torch."""
    rank = lk.square_rank(g, A)
    diag, sign = _lu_det_parts(g, A, rank)
    sign = g.op("Mul", sign, reduce(g, "ReduceProd", g.op("Sign", diag), [rank - 2], False))
    logabsdet = reduce(g, "ReduceSum", g.op("Log", g.op("Abs", diag)), [rank - 2], False)
    return lk.batch_shaped(g, sign, A, rank), lk.batch_shaped(g, logabsdet, A, rank)


@op("aten::logdet", opset=9)
def aten_logdet(g: Builder, x):
    """log(det): slogdet's log|det|, NaN where the sign is -1 (-inf where it is 0), as torch."""
    sign, logabsdet = aten_linalg_slogdet(g, x)
    negative = g.op("Less", sign, constant_like(g, [0], x))
    return lk.batch_shaped(g, g.op("Where", negative, constant_like(g, [math.nan], x), logabsdet), x, rank_of(g, x))


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


@op(("aten::linalg_cholesky", "aten::linalg_cholesky_ex"), opset=9)
def aten_linalg_cholesky(g: Builder, A, upper: bool = False, check_errors: Optional[bool] = None):  # noqa: N803
    """``symreg::LinalgCholesky`` (potrf, as torch): L (U when upper), and for cholesky_ex the info. cholesky: a
    matrix that is not positive-definite is an error; cholesky_ex: L is then unspecified (LAPACK's partial
    factor in torch), info the order of the failing minor."""
    ex = g.overload.startswith("aten::linalg_cholesky_ex")
    api = "torch.linalg.cholesky_ex" if ex else "torch.linalg.cholesky"
    lk.square_rank(g, A)
    factor, info = g.op("symreg::LinalgCholesky", A, upper=int(upper), check_errors=int(bool(check_errors) or not ex),
                        api=api, outputs=2)  # fmt: skip
    return (factor, info) if ex else factor


@op(("aten::linalg_ldl_factor", "aten::linalg_ldl_factor_ex"), opset=9)
def aten_linalg_ldl_factor(g: Builder, A, hermitian: bool = False, check_errors: Optional[bool] = None):  # noqa: N803
    """``symreg::LinalgLdlFactor`` (LAPACK sytrf, lower, as torch): (LD, pivots), and for ldl_factor_ex the info.
    Real matrices only, so ``hermitian`` changes nothing. ldl_factor: an exactly zero pivot of D is an error (torch
    raises too); ldl_factor_ex: info is its 1-based index, the factorization completed."""
    ex = g.overload.startswith("aten::linalg_ldl_factor_ex")
    api = "torch.linalg.ldl_factor_ex" if ex else "torch.linalg.ldl_factor"
    lk.square_rank(g, A)
    ld, pivots, info = g.op("symreg::LinalgLdlFactor", A, check_errors=int(bool(check_errors) or not ex), api=api,
                            outputs=3)  # fmt: skip
    return (ld, pivots, info) if ex else (ld, pivots)


@op("aten::linalg_ldl_solve", opset=9)
def aten_linalg_ldl_solve(g: Builder, LD, pivots, B, hermitian: bool = False):  # noqa: N803
    """``symreg::LinalgLdlSolve`` (LAPACK sytrs, lower, as torch) over ``torch.linalg.ldl_factor``'s LD and pivots
    (any integer dtype), batch dims broadcast with B's (torch 2.14's CPU kernel reads out of bounds where LD's own
    batch dims must broadcast). Real matrices only, so ``hermitian`` changes nothing. Pivots that ldl_factor cannot
    have written are an error at run time: out of range (torch raises too) or unpaired 2 x 2 blocks (torch's LAPACK
    reads out of bounds)."""
    ld, pivots, B, _ = lk.broadcast_factors(g, LD, pivots, B, "LD")
    return g.op("symreg::LinalgLdlSolve", ld, pivots, B)


def _upper(g: Builder, UPLO: str) -> bool:  # noqa: N803
    if UPLO not in ("L", "U", "l", "u"):
        raise ValueError(f"{g.overload}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO in ("U", "u")


@op("aten::linalg_eigh", opset=9)
def aten_linalg_eigh(g: Builder, A, UPLO: str = "L"):  # noqa: N803
    """(eigenvalues ascending, eigenvectors) of ``symreg::LinalgEigh``. Eigenvalues as torch's within rounding;
    each eigenvector is determined up to its sign (and repeated eigenvalues' up to a rotation): Eigen's and
    LAPACK's differ there. NaN/inf in the triangle read gives NaN everywhere (torch: NaN, or garbage)."""
    lk.square_rank(g, A)
    return g.op("symreg::LinalgEigh", A, upper=int(_upper(g, UPLO)), api="torch.linalg.eigh", outputs=2)


@op("aten::linalg_eigvalsh", opset=9)
def aten_linalg_eigvalsh(g: Builder, A, UPLO: str = "L"):  # noqa: N803
    """The eigenvalues of ``symreg::LinalgEigh`` (no eigenvectors computed)."""
    lk.square_rank(g, A)
    return g.op("symreg::LinalgEigh", A, upper=int(_upper(g, UPLO)), api="torch.linalg.eigvalsh")


@op("aten::linalg_svd", opset=9)
def aten_linalg_svd(g: Builder, A, full_matrices: bool = True, driver: Optional[str] = None):  # noqa: N803
    """(U, S, Vh) of ``symreg::LinalgSvd`` (Eigen's BDCSVD; driver is CUDA-only in torch and ignored). S as
    torch's within rounding; each pair of singular vectors is determined up to a common sign. NaN/inf input is
    an error, as in torch."""
    lk.square_rank(g, A)
    s, u, vh = g.op("symreg::LinalgSvd", A, full_matrices=int(full_matrices), api="torch.linalg.svd", outputs=3)
    return u, s, vh


def _svdvals(g: Builder, A, api: str = "torch.linalg.svdvals"):  # noqa: N803
    lk.square_rank(g, A)
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
    lk.square_rank(g, A)
    q, r = g.op("symreg::LinalgQr", A, complete=int(mode == "complete"), outputs=2)
    if mode == "r":
        q = constant_like(g, np.zeros(0), A)
    return q, r


# --- compact Householder form: geqrf, householder_product, ormqr ----------------------------------------


@op("aten::geqrf", opset=9)
def aten_geqrf(g: Builder, input):  # noqa: A002 - torch's name
    """(a, tau) of ``symreg::LinalgGeqrf``: LAPACK geqrf's compact form (R above the diagonal, the reflectors
    below, dlarfg's signs), torch's within rounding. Each reflector is determined by the column it reflects: a
    rank-deficient A's trailing columns are rounding noise, their reflectors then as arbitrary as torch's."""
    lk.square_rank(g, input, "input")
    return g.op("symreg::LinalgGeqrf", input, outputs=2)


@op(("aten::linalg_householder_product", "aten::orgqr"), opset=9)
def aten_linalg_householder_product(g: Builder, input, tau):  # noqa: A002
    """``symreg::LinalgHouseholderProduct`` (orgqr): the first n columns of H_1 ... H_k (*, m, n)."""
    lk.square_rank(g, input, "input")
    return g.op("symreg::LinalgHouseholderProduct", input, tau)


@op("aten::ormqr", opset=9)
def aten_ormqr(g: Builder, input, tau, other, left: bool = True, transpose: bool = False):  # noqa: A002
    """``op(Q) @ other`` (left) or ``other @ op(Q)``, op transposing when ``transpose``, Q = H_1 ... H_k the full
    (*, mn, mn) product of the k = tau.shape[-1] reflectors of input (*, mn, *): ``symreg::LinalgHouseholderProduct``
    of input's first k columns padded with zero columns and tau with zeros (H = I for each), then ``MatMul``. Exact:
    the padded reflectors are identities. The padding is mn columns cut back to mn with a ``Gather``: a padding of
    mn - k columns, 0 when k = mn, is an ``Expand`` to a 0-sized dim, which the TorchScript exporter's shape
    inference takes for 1 (a wrong static shape that ORT then refuses at the ``MatMul``)."""
    rank = lk.square_rank(g, input, "input")
    mn, k = dim(g, input, rank - 2), dim(g, tau, rank - 2)
    batch = shape_part(g, input, 0, rank - 2)
    zeros = lk.zeros_of_shape(g, g.op("Concat", batch, mn, mn, axis=0), input)
    vectors = lk.leading(g, g.op("Concat", lk.leading(g, input, k, rank - 1), zeros, axis=rank - 1), mn, rank - 1)
    no_coeffs = lk.zeros_of_shape(g, g.op("Concat", batch, mn, axis=0), tau)
    coeffs = lk.leading(g, g.op("Concat", tau, no_coeffs, axis=rank - 2), mn, rank - 2)
    q = g.op("symreg::LinalgHouseholderProduct", vectors, coeffs)
    if transpose:
        q = lk.transpose(g, q, rank)
    return g.op("MatMul", q, other) if left else g.op("MatMul", other, q)


# --- LU unpacked: lu_unpack, linalg.lu, torch.lu ------------------------------------------------------


def _unpack(g: Builder, lu, pivots, rank: int, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P (*, m, m), L (*, m, k), U (*, k, n)) of LAPACK's packed LU (*, m, n) and pivots (*, k), k = min(m, n):
    L the unit lower triangle of LU's first k columns, U the upper triangle of its first k rows, P
    :func:`~symreg.ops._linalg_kernels.permutation`. A part not unpacked is an empty 1-d tensor, as torch's."""
    m, n = dim(g, lu, rank - 2), dim(g, lu, rank - 1)
    k = lk.smaller(g, m, n)
    empty = constant_like(g, np.zeros(0), lu)
    p = lk.permutation(g, pivots, lu, m, rank) if unpack_pivots else empty
    if not unpack_data:
        return p, empty, empty
    lower = lk.unit_lower(g, lk.leading(g, lu, k, rank - 1), rank)
    upper = lk.triangle(g, lk.leading(g, lu, k, rank - 2), rank, upper=True)
    return p, lower, upper


@op("aten::lu_unpack", opset=9)
def aten_lu_unpack(g: Builder, LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True):  # noqa: N803
    """(P, L, U) from ``torch.linalg.lu_factor``'s packed LU and pivots (:func:`_unpack`): P exact (the interchanges
    applied to the identity by ``symreg::LinalgLuSolve``), L and U the triangles of LU, any batch, empty too."""
    return _unpack(g, LU_data, LU_pivots, lk.square_rank(g, LU_data, "LU_data"), unpack_data, unpack_pivots)


@op("aten::linalg_lu", opset=9)
def aten_linalg_lu(g: Builder, A, pivot: bool = True):  # noqa: N803
    """(P, L, U) with A = P L U: ``symreg::LinalgLuFactor`` (getrf, as torch) unpacked as :func:`aten_lu_unpack`.
    A singular A is no error (as torch)."""
    _pivoted(g, pivot)
    rank = lk.square_rank(g, A)
    lu, pivots, _ = lk.lu_factor(g, A)
    return _unpack(g, lu, pivots, rank)


@op("aten::_lu_with_info", opset=9)
def aten__lu_with_info(g: Builder, A, pivot: bool = True, check_errors: bool = True):  # noqa: N803
    """``torch.lu``: (LU, pivots, info) of ``symreg::LinalgLuFactor``; a singular A is no error whatever
    check_errors says (torch's _lu_with_info factors with linalg_lu_factor_ex(check_errors=False))."""
    _pivoted(g, pivot)
    lk.square_rank(g, A)
    return lk.lu_factor(g, A)


# --- torch.svd --------------------------------------------------------------------------------------------


@op("aten::svd", opset=9)
def aten_svd(g: Builder, A, some: bool = True, compute_uv: bool = True):  # noqa: N803
    """``torch.svd``: (U, S, V) with V = Vh^T of ``symreg::LinalgSvd`` (reduced when ``some``); without compute_uv,
    U (*, m, m) and V (*, n, n) are zeros, as torch's. Singular vectors are unique up to a common sign per pair."""
    rank = lk.square_rank(g, A)
    if not compute_uv:
        s = g.op("symreg::LinalgSvd", A, full_matrices=0, api="torch.svd")
        batch, m, n = shape_part(g, A, 0, rank - 2), dim(g, A, rank - 2), dim(g, A, rank - 1)
        u = lk.zeros_of_shape(g, g.op("Concat", batch, m, m, axis=0), A)
        return u, s, lk.zeros_of_shape(g, g.op("Concat", batch, n, n, axis=0), A)
    s, u, vh = lk.svd(g, A, not some, "torch.svd")
    return u, s, lk.transpose(g, vh, rank)


# --- eig, eigvals: refused with the reason ------------------------------------------------------------


@op(("aten::linalg_eig", "aten::linalg_eigvals"), opset=9)
def aten_linalg_eig(g: Builder, A):  # noqa: N803
    """Refused with the reason and the way out: torch returns complex tensors (a real matrix's eigenvalues are
    complex in general), and symreg's rules and kernels produce real ones. Without this rule the user sees
    torch's bare "unsupported operator"."""
    raise ExportError(
        f"{g.overload}: torch.linalg.eig and eigvals return complex tensors, which symreg does not export "
        "(ONNX Runtime's CPU kernels do little with complex types). For a symmetric (or Hermitian) matrix use "
        "torch.linalg.eigh / eigvalsh, which symreg exports; otherwise export the model without this op."
    )
