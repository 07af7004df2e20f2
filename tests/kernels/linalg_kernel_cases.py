"""Kernel-table entries of the linalg kernels (``symreg::Linalg*``): pybind and a one-node ORT model against torch.

Eigenvectors and singular vectors are unique only up to sign: the eigh and SVD entries compare the values (the
node declares that output alone); tests/ops/linalg_factorizations.py checks the vectors' invariants. LU and LDL pivots,
Cholesky/LU/LDL info and QR's signs follow LAPACK's conventions and compare exactly (within rounding). Inputs that
are not positive-definite (info > 0, the factor unspecified) are the op table's and the fuzz harness's. The LDL^T
kernels' entries are in ldl_kernel_cases.py.
"""

from __future__ import annotations

import numpy as np
import torch
from kernel_table import LAYOUTS, Call, KernelEntry

from symreg import _kernels

TOL = {np.float32: (1e-4, 1e-5), np.float64: (1e-10, 1e-12)}
SPECTRAL_TOL = {np.float32: (1e-4, 1e-4), np.float64: (1e-10, 1e-10)}
REFUSED = (np.float16, np.int32)
REFUSED_MESSAGE = "float32 or float64"


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def _rng(seed: int = 0):
    return np.random.default_rng(seed)


def _well(dtype, *shape, seed=0) -> np.ndarray:
    n = shape[-1]
    return (_rng(seed).standard_normal(shape) + n * np.eye(n)).astype(dtype)


def _spd(dtype, *shape, seed=0) -> np.ndarray:
    x = _rng(seed).standard_normal(shape)
    return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _singular(dtype) -> np.ndarray:
    return np.array([[[1, 2, 3], [2, 4, 6], [1, 1, 1]], [[2, 1, 0], [4, 2, 0], [0, 0, 0]]], dtype)


def _layouts(make, dtype, square: bool = False) -> list[Call]:
    """``make(dtype)``'s first input through each non-contiguous view (big-endian left out: ORT misreads it;
    strided where the op needs square matrices)."""
    calls = []
    for name, view in LAYOUTS.items():
        if name != "big-endian" and not (square and name == "strided"):
            calls.append(Call(name, lambda view=view: (view(make(dtype)),)))
    return calls


# --- LinalgLuFactor -------------------------------------------------------------------------


def lu_factor_calls(dtype) -> list[Call]:
    shapes = [(4, 4), (2, 3, 5, 5), (3, 5), (5, 3), (2, 20, 33), (40, 24), (0, 3, 3), (2, 0, 0), (3, 0)]
    calls = [Call(f"shape{list(s)}", lambda s=s: (_rng().standard_normal(s).astype(dtype),)) for s in shapes]
    calls.append(Call("singular", lambda: (_singular(dtype),)))
    calls += _layouts(lambda d: _rng(1).standard_normal((6, 6)).astype(d), dtype)
    return calls


def lu_factor_reference(a):
    lu, pivots, info = torch.linalg.lu_factor_ex(_t(a))
    return lu.numpy(), pivots.numpy(), info.numpy()


LU_FACTOR = KernelEntry(
    op="symreg::LinalgLuFactor", pybind=_kernels.linalg_lu_factor, reference=lu_factor_reference,
    calls=lu_factor_calls, tolerance=TOL, outputs=(None, np.int32, np.int32),
    threads_call=Call("batch64", lambda: (_rng(2).standard_normal((64, 12, 12)).astype(np.float32),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


# --- LinalgLuSolve --------------------------------------------------------------------------


def _lu_inputs(a: np.ndarray, b: np.ndarray):
    lu, pivots, _ = _kernels.linalg_lu_factor(a)
    return lu, pivots, b


def lu_solve_calls(dtype) -> list[Call]:
    calls = []
    for name, (a_shape, b_shape) in {"matrix": ((4, 4), (4, 3)), "batch": ((2, 5, 5), (2, 5, 2)),
                                     "empty-batch": ((0, 3, 3), (0, 3, 1)), "0x0": ((0, 0), (0, 2)),
                                     "no-columns": ((3, 3), (3, 0)),
                                     "blocked": ((2, 70, 70), (2, 70, 20))}.items():  # fmt: skip
        make = lambda a_shape=a_shape, b_shape=b_shape: _lu_inputs(  # noqa: E731
            _well(dtype, *a_shape), _rng(3).standard_normal(b_shape).astype(dtype)
        )
        calls += [Call(name, make), Call(f"{name}-adjoint", make, {"adjoint": 1})]
    return calls


def lu_solve_reference(lu, pivots, b, adjoint=0):
    return torch.linalg.lu_solve(_t(lu), _t(pivots), _t(b), adjoint=bool(adjoint)).numpy()


LU_SOLVE = KernelEntry(
    op="symreg::LinalgLuSolve", pybind=_kernels.linalg_lu_solve, reference=lu_solve_reference,
    calls=lu_solve_calls, tolerance=TOL,
    threads_call=Call("batch64", lambda: _lu_inputs(_well(np.float32, 64, 8, 8), _well(np.float32, 64, 8, 8))),
)  # fmt: skip


# --- LinalgCholesky -------------------------------------------------------------------------


def cholesky_calls(dtype) -> list[Call]:
    calls = []
    for upper in (0, 1):
        calls += [
            Call(f"batch-upper{upper}", lambda: (_spd(dtype, 2, 5, 5),), {"upper": upper}),
            Call(f"blocked-upper{upper}", lambda: (_spd(dtype, 40, 40),), {"upper": upper}),
            Call(f"empty-upper{upper}", lambda: (np.zeros((0, 3, 3), dtype),), {"upper": upper}),
            Call(f"0x0-upper{upper}", lambda: (np.zeros((2, 0, 0), dtype),), {"upper": upper}),
        ]
    calls.append(Call("transposed", lambda: (_spd(dtype, 5, 5).T,)))
    return calls


def cholesky_reference(a, upper=0):
    factor, info = torch.linalg.cholesky_ex(_t(a), upper=bool(upper))
    return factor.numpy(), info.numpy()


def cholesky_pybind(a, upper=0):
    return _kernels.linalg_cholesky(a, bool(upper))


CHOLESKY = KernelEntry(
    op="symreg::LinalgCholesky", pybind=cholesky_pybind, reference=cholesky_reference, calls=cholesky_calls,
    tolerance=TOL, outputs=(None, np.int32),
    threads_call=Call("batch64", lambda: (_spd(np.float32, 64, 10, 10),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


# --- LinalgSolveTriangular ------------------------------------------------------------------


def triangular_calls(dtype) -> list[Call]:
    calls = []
    for upper in (0, 1):
        for left in (0, 1):
            for unit in (0, 1):
                b_shape = (2, 4, 3) if left else (2, 3, 4)
                calls.append(Call(
                    f"upper{upper}-left{left}-unit{unit}",
                    lambda b_shape=b_shape: (_well(dtype, 2, 4, 4), _rng(4).standard_normal(b_shape).astype(dtype)),
                    {"upper": upper, "left": left, "unitriangular": unit},
                ))  # fmt: skip
    calls.append(Call("empty", lambda: (np.zeros((0, 3, 3), dtype), np.zeros((0, 3, 2), dtype)), {"upper": 1}))
    calls.append(Call("0x0", lambda: (np.zeros((0, 0), dtype), np.zeros((0, 2), dtype))))
    return calls


def triangular_reference(a, b, upper=0, left=1, unitriangular=0):
    return torch.linalg.solve_triangular(_t(a), _t(b), upper=bool(upper), left=bool(left),
                                         unitriangular=bool(unitriangular)).numpy()  # fmt: skip


def triangular_pybind(a, b, upper=0, left=1, unitriangular=0):
    return _kernels.linalg_solve_triangular(a, b, bool(upper), bool(left), bool(unitriangular))


SOLVE_TRIANGULAR = KernelEntry(
    op="symreg::LinalgSolveTriangular", pybind=triangular_pybind, reference=triangular_reference,
    calls=triangular_calls, tolerance=TOL,
    threads_call=Call(
        "batch64", lambda: (_well(np.float32, 64, 8, 8), _rng(11).standard_normal((64, 8, 3)).astype(np.float32)),
        {"upper": 1},
    ),
)  # fmt: skip


# --- LinalgEigh (eigenvalues) / LinalgSvd (singular values) / LinalgQr ----------------------


def symmetric_calls(dtype) -> list[Call]:
    calls = [Call(f"shape{list(s)}-upper{u}", lambda s=s: (_rng(5).standard_normal(s).astype(dtype),), {"upper": u})
             for s in [(5, 5), (2, 4, 4), (30, 30), (70, 70), (0, 3, 3), (2, 0, 0)] for u in (0, 1)]  # fmt: skip
    return calls + _layouts(lambda d: _spd(d, 6, 6, seed=6), dtype, square=True)


def eigh_reference(a, upper=0):
    return torch.linalg.eigvalsh(_t(a), UPLO="U" if upper else "L").numpy()


def eigh_pybind(a, upper=0):
    return _kernels.linalg_eigh(a, bool(upper))[0]


EIGH = KernelEntry(
    op="symreg::LinalgEigh", pybind=eigh_pybind, reference=eigh_reference, calls=symmetric_calls,
    tolerance=SPECTRAL_TOL, threads_call=Call("batch64", lambda: (_spd(np.float32, 64, 10, 10),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip

GENERAL_SHAPES = [(4, 4), (2, 3, 6), (2, 6, 3), (20, 24), (30, 17), (0, 3, 2), (3, 0), (0, 4)]
# past Eigen's block sizes (48 columns for Householder QR and its Q, bidiagonalisation panels)
BLOCKED_SHAPES = [(100, 70), (70, 100)]


def general_calls(dtype) -> list[Call]:
    calls = [Call(f"shape{list(s)}", lambda s=s: (_rng(7).standard_normal(s).astype(dtype),))
             for s in GENERAL_SHAPES + BLOCKED_SHAPES]  # fmt: skip
    return calls + _layouts(lambda d: _rng(8).standard_normal((6, 5)).astype(d), dtype)


def svd_reference(a, full_matrices=1):
    return torch.linalg.svdvals(_t(a)).numpy()


def svd_pybind(a, full_matrices=1):
    return _kernels.linalg_svd(a, bool(full_matrices))[0]


SVD = KernelEntry(
    op="symreg::LinalgSvd", pybind=svd_pybind, reference=svd_reference, calls=general_calls, tolerance=SPECTRAL_TOL,
    threads_call=Call("batch64", lambda: (_rng(9).standard_normal((64, 10, 7)).astype(np.float32),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


def qr_calls(dtype) -> list[Call]:
    calls = general_calls(dtype)
    calls += [Call(f"{c.name}-complete", c.make, {"complete": 1}) for c in general_calls(dtype)[:10]]
    return calls


def qr_reference(a, complete=0):
    q, r = torch.linalg.qr(_t(a), mode="complete" if complete else "reduced")
    return q.numpy(), r.numpy()


def qr_pybind(a, complete=0):
    return _kernels.linalg_qr(a, bool(complete))


QR = KernelEntry(
    op="symreg::LinalgQr", pybind=qr_pybind, reference=qr_reference, calls=qr_calls, tolerance=TOL,
    outputs=(None, None),
    threads_call=Call("batch64", lambda: (_rng(10).standard_normal((64, 10, 7)).astype(np.float32),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


# --- LinalgGeqrf / LinalgHouseholderProduct ---------------------------------------------------


def _zero_columns(dtype) -> np.ndarray:
    """A zero first column (tau 0, H = I) and a zero column further on: exact zeros, no rounding noise."""
    a = _rng(12).standard_normal((2, 6, 4))
    a[0, :, 0] = 0.0
    a[1, :, 2] = 0.0
    return a.astype(dtype)


def geqrf_calls(dtype) -> list[Call]:
    return [*general_calls(dtype), Call("zero-columns", lambda: (_zero_columns(dtype),))]


def geqrf_reference(a):
    qr, tau = torch.geqrf(_t(a))
    return qr.numpy(), tau.numpy()


GEQRF = KernelEntry(
    op="symreg::LinalgGeqrf", pybind=_kernels.linalg_geqrf, reference=geqrf_reference, calls=geqrf_calls,
    tolerance=TOL, outputs=(None, None),
    threads_call=Call("batch64", lambda: (_rng(13).standard_normal((64, 10, 7)).astype(np.float32),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


def _reflectors(dtype, shape, k=None, seed=14):
    """geqrf's (QR, tau) of random matrices (*, m, n), tau cut to its first k."""
    qr, tau = torch.geqrf(torch.from_numpy(_rng(seed).standard_normal(shape).astype(dtype)))
    return qr.numpy(), np.ascontiguousarray(tau.numpy()[..., :k])


def householder_product_calls(dtype) -> list[Call]:
    cases = {"square": ((4, 4), None), "tall": ((7, 3), None), "fewer-reflectors": ((6, 4), 2),
             "batch": ((2, 3, 6, 4), None), "blocked": ((60, 50), None), "no-reflectors": ((5, 3), 0),
             "empty-batch": ((0, 4, 3), None), "0x0": ((0, 0), None), "no-columns": ((4, 0), None)}  # fmt: skip
    calls = [Call(name, lambda s=s, k=k: _reflectors(dtype, s, k)) for name, (s, k) in cases.items()]
    calls.append(Call("zero-columns", lambda: tuple(x.numpy() for x in torch.geqrf(_t(_zero_columns(dtype))))))
    return calls


def householder_product_reference(a, tau):
    return torch.linalg.householder_product(_t(a), _t(tau)).numpy()


HOUSEHOLDER_PRODUCT = KernelEntry(
    op="symreg::LinalgHouseholderProduct", pybind=_kernels.linalg_householder_product,
    reference=householder_product_reference, calls=householder_product_calls, tolerance=TOL,
    threads_call=Call("batch64", lambda: _reflectors(np.float32, (64, 10, 7))),
)  # fmt: skip


# --- LinalgMatrixExp -------------------------------------------------------------------------


def _nilpotent(dtype, n=6) -> np.ndarray:
    """Strictly upper triangular: the exponential is a finite sum."""
    return np.triu(_rng(15).standard_normal((n, n)), 1).astype(dtype)


def _normal(dtype, shape, scale, seed=16) -> np.ndarray:
    return (_rng(seed).standard_normal(shape) * scale).astype(dtype)


def matrix_exp_calls(dtype) -> list[Call]:
    calls = [
        Call("small-norm", lambda: (_normal(dtype, (3, 4, 4), 0.05),)),
        Call("unit-norm", lambda: (_normal(dtype, (2, 5, 5), 0.2),)),
        Call("norm-10", lambda: (_normal(dtype, (2, 6, 6), 2.0),), scale=1e3),
        Call("nilpotent", lambda: (_nilpotent(dtype),), scale=10.0),
        Call("diagonal", lambda: (np.diag([-3.0, -0.5, 0.0, 1.0, 4.0]).astype(dtype),), scale=60.0),
        Call("skew-symmetric", lambda: ((lambda x: x - x.T)(_normal(dtype, (7, 7), 1.0)),)),
        Call("30x30", lambda: (_normal(dtype, (30, 30), 1 / 6),), scale=10.0),
        Call("empty-batch", lambda: (np.zeros((0, 3, 3), dtype),)),
        Call("0x0", lambda: (np.zeros((2, 0, 0), dtype),)),
        Call("1x1", lambda: (np.array([[[-2.0]], [[3.0]]], dtype),), scale=20.0),
    ]
    return calls + _layouts(lambda d: (_rng(17).standard_normal((5, 5)) / 3).astype(d), dtype, square=True)


def matrix_exp_reference(a):
    return torch.linalg.matrix_exp(_t(a)).numpy()


MATRIX_EXP = KernelEntry(
    op="symreg::LinalgMatrixExp", pybind=_kernels.linalg_matrix_exp, reference=matrix_exp_reference,
    calls=matrix_exp_calls, tolerance=TOL,
    threads_call=Call("batch64", lambda: ((_rng(18).standard_normal((64, 8, 8)) / 3).astype(np.float32),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip

LINALG_KERNELS: tuple[KernelEntry, ...] = (
    CHOLESKY, EIGH, GEQRF, HOUSEHOLDER_PRODUCT, LU_FACTOR, LU_SOLVE, MATRIX_EXP, QR, SOLVE_TRIANGULAR, SVD,
)  # fmt: skip
