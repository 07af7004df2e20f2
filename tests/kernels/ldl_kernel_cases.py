"""Kernel-table entries of the LDL^T kernels (``symreg::LinalgLdlFactor``, ``LinalgLdlSolve``): pybind and a
one-node ORT model against torch's ldl_factor_ex and ldl_solve (tests/kernels/linalg_kernel_cases.py has the other
linalg kernels and the helpers shared here). Pivots and info compare exactly; solves within rounding.
"""

from __future__ import annotations

import numpy as np
import torch
from kernel_table import Call, KernelEntry
from linalg_kernel_cases import REFUSED, REFUSED_MESSAGE, TOL, _rng, _spd, _t, _well

from symreg import _kernels

# --- LinalgLdlFactor -------------------------------------------------------------------------


def _symmetric(dtype, *shape, seed=19) -> np.ndarray:
    x = _rng(seed).standard_normal(shape)
    return (x + np.swapaxes(x, -1, -2)).astype(dtype)


def _zero_diagonal(dtype, n=7) -> np.ndarray:
    """Symmetric with a zero diagonal: 2 x 2 pivots."""
    a = _symmetric(dtype, n, n, seed=20)
    np.fill_diagonal(a, 0)
    return a


def _ldl_singular(dtype) -> np.ndarray:
    """A zero matrix and a rank-1 one: an exactly zero pivot (info > 0) with the factorization completed."""
    v = _rng(21).integers(-3, 4, (5, 1)).astype(np.float64)
    return np.stack([np.zeros((5, 5)), v @ v.T]).astype(dtype)


def ldl_calls(dtype) -> list[Call]:
    """Random symmetric (2 x 2 pivots among them), zero diagonal, SPD (no interchange), singular, only the lower
    triangle read (garbage above), 40 x 40, empty batch, 0 x 0, 1 x 1."""
    garbage_above = _symmetric(dtype, 6, 6) + np.triu(_rng(22).standard_normal((6, 6)) * 1e3, 1).astype(dtype)
    return [
        Call("batch", lambda: (_symmetric(dtype, 3, 6, 6),)), Call("zero-diagonal", lambda: (_zero_diagonal(dtype),)),
        Call("spd", lambda: (_spd(dtype, 2, 5, 5),)), Call("singular", lambda: (_ldl_singular(dtype),)),
        Call("lower-only", lambda: (garbage_above,)), Call("40x40", lambda: (_symmetric(dtype, 40, 40),)),
        Call("empty-batch", lambda: (np.zeros((0, 3, 3), dtype),)), Call("0x0", lambda: (np.zeros((2, 0, 0), dtype),)),
        Call("1x1", lambda: (np.array([[[-2.0]], [[0.0]]], dtype),)),
    ]  # fmt: skip


def ldl_reference(a):
    return tuple(x.numpy() for x in torch.linalg.ldl_factor_ex(_t(a)))


LDL_FACTOR = KernelEntry(
    op="symreg::LinalgLdlFactor", pybind=_kernels.linalg_ldl_factor, reference=ldl_reference, calls=ldl_calls,
    tolerance=TOL, outputs=(None, np.int32, np.int32),
    threads_call=Call("batch64", lambda: (_symmetric(np.float32, 64, 9, 9),)),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip


# --- LinalgLdlSolve --------------------------------------------------------------------------


def _saddle(dtype, *shape, seed=23) -> np.ndarray:
    """[[0, M], [M^T, 0]] (n on the middle of an odd n) with M random plus n I, a little symmetric noise:
    indefinite, well-conditioned, 2 x 2 pivots."""
    n, h = shape[-1], shape[-1] // 2
    a = np.zeros(shape)
    m = _rng(seed).standard_normal((*shape[:-2], h, h)) + n * np.eye(h)
    a[..., :h, n - h :], a[..., n - h :, :h] = m, np.swapaxes(m, -1, -2)
    if n % 2:
        a[..., h, h] = n
    return (a + _symmetric(np.float64, *shape, seed=seed + 1) / 10).astype(dtype)


def _ldl_inputs(a: np.ndarray, b: np.ndarray):
    """(LD, pivots) of torch.linalg.ldl_factor_ex of a, and b."""
    ld, pivots, _ = torch.linalg.ldl_factor_ex(_t(a))
    return ld.numpy(), pivots.numpy(), b


def ldl_solve_calls(dtype) -> list[Call]:
    """2 x 2 pivots (saddles), mixed pivots, SPD, singular D (inf/NaN), NaN/inf in B, a zero row of B (DGER's skip),
    one LD broadcast over a batch (a zero-stride view), 70 x 70, empty batch, 0 x 0, no columns, 1 x 1."""
    b = lambda *shape, seed=24: _rng(seed).standard_normal(shape).astype(dtype)  # noqa: E731
    special = b(2, 6, 3)
    special[0, 2, 1], special[1, 4, 0], special[1, 0, :] = np.nan, np.inf, 0
    one = _ldl_inputs(_saddle(dtype, 7, 7), b(7, 2))
    return [
        Call("saddle-batch", lambda: _ldl_inputs(_saddle(dtype, 2, 6, 6), b(2, 6, 3))),
        Call("saddle-odd", lambda: _ldl_inputs(_saddle(dtype, 9, 9), b(9, 4))),
        Call("symmetric", lambda: _ldl_inputs(_symmetric(dtype, 3, 6, 6) + 6 * np.eye(6, dtype=dtype), b(3, 6, 2))),
        Call("spd", lambda: _ldl_inputs(_spd(dtype, 2, 5, 5), b(2, 5, 3))),
        Call("singular", lambda: _ldl_inputs(_ldl_singular(dtype), b(2, 5, 3))),
        Call("special-b", lambda: _ldl_inputs(_saddle(dtype, 2, 6, 6), special)),
        Call("broadcast-ld", lambda: (np.broadcast_to(one[0], (3, 7, 7)), np.broadcast_to(one[1], (3, 7)), b(3, 7, 2))),
        Call("70x70", lambda: _ldl_inputs(_saddle(dtype, 70, 70), b(70, 5))),
        Call("empty-batch", lambda: _ldl_inputs(np.zeros((0, 3, 3), dtype), b(0, 3, 2))),
        Call("0x0", lambda: _ldl_inputs(np.zeros((2, 0, 0), dtype), b(2, 0, 3))),
        Call("no-columns", lambda: _ldl_inputs(_saddle(dtype, 4, 4), b(4, 0))),
        Call("1x1", lambda: _ldl_inputs(np.array([[[-2.0]], [[0.0]]], dtype), b(2, 1, 2))),
    ]  # fmt: skip


def ldl_solve_reference(ld, pivots, b):
    return torch.linalg.ldl_solve(_t(ld), _t(pivots), _t(b)).numpy()


LDL_SOLVE = KernelEntry(
    op="symreg::LinalgLdlSolve", pybind=_kernels.linalg_ldl_solve, reference=ldl_solve_reference,
    calls=ldl_solve_calls, tolerance=TOL,
    threads_call=Call("batch64", lambda: _ldl_inputs(_saddle(np.float32, 64, 9, 9), _well(np.float32, 64, 9, 9))),
    refused=REFUSED, refused_message=REFUSED_MESSAGE,
)  # fmt: skip

LDL_KERNELS: tuple[KernelEntry, ...] = (LDL_FACTOR, LDL_SOLVE)
