"""Op-table entries of symreg/ops/linalg.py's factorization rules (LU, solves, Cholesky, eigh, SVD, QR), which run
symreg's ``symreg::Linalg*`` kernels; tests/ops/table_linalg.py lists them with the family's other entries.

Inputs: well-conditioned batches (random plus a multiple of the identity), singular matrices with exact zero
pivots, empty batches and 0 x 0 matrices, non-contiguous (transposed) views, broadcast batch dims. Where torch's
outputs are not unique (eigenvector and singular-vector signs), ``compare`` aligns each vector's sign with
torch's before comparing; the kernels' LU pivots and QR signs follow LAPACK's conventions and compare directly.
"""

from __future__ import annotations

import numpy as np
import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims
from ortcheck import assert_matches

#: LU/Cholesky/triangular solves in another (blocked) order than LAPACK's: rounding of the scale of the inputs,
#: times the condition number; float32 on the grown random inputs (up to 43 x 43, uniform entries) reaches 5e-4.
FACTOR = {torch.float32: (1e-3, 1e-3), torch.float64: (1e-10, 1e-12)}
#: Cholesky of grown 43 x 43 x x^T + n I with non-centred entries (condition ~1e4): float32 differs by up to 3e-3.
CHOLESKY = {torch.float32: (5e-3, 5e-3), torch.float64: (1e-10, 1e-10)}
#: Iterative decompositions (Eigen's QR iterations and divide and conquer against LAPACK's): a little looser.
SPECTRAL = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-10, 1e-10)}


def _well(dtype, *shape) -> torch.Tensor:
    """Well-conditioned square matrices: normal entries plus n on the diagonal."""
    n = shape[-1]
    return torch.randn(*shape, dtype=dtype) + n * torch.eye(n, dtype=dtype)


def _spd(dtype, *shape) -> torch.Tensor:
    x = torch.randn(*shape, dtype=dtype)
    return x @ x.mT + shape[-1] * torch.eye(shape[-1], dtype=dtype)


def _singular(dtype) -> torch.Tensor:
    """Two 3 x 3 matrices whose elimination meets an exact zero pivot (integer entries, dependent rows)."""
    return torch.tensor([[[1, 2, 3], [2, 4, 6], [1, 1, 1]], [[2, 1, 0], [4, 2, 0], [0, 0, 0]]], dtype=dtype)


def _grow_well(sample: Sample) -> Sample:
    """grow_dynamic_dims, square matrices made well-conditioned again (n added to the diagonal)."""
    grown = grow_dynamic_dims(sample)
    return grown.with_tensors(
        t + t.shape[-1] * torch.eye(t.shape[-1], dtype=t.dtype) if t.dim() >= 2 and t.shape[-1] == t.shape[-2] else t
        for t in grown.tensors()
    )


def _grow_spd(sample: Sample) -> Sample:
    """grow_dynamic_dims, square matrices made positive-definite again (x x^T + n I)."""
    grown = grow_dynamic_dims(sample)
    return grown.with_tensors(
        t @ t.mT + t.shape[-1] * torch.eye(t.shape[-1], dtype=t.dtype) if t.dim() >= 2 and t.shape[-1] == t.shape[-2]
        else t for t in grown.tensors()
    )  # fmt: skip


def grow_matrix_power(sample: Sample) -> Sample:
    """grow_dynamic_dims; for n < 0 the matrices made well-conditioned (their inverse's powers are torch's then)."""
    return _grow_well(sample) if sample.args[1] < 0 else grow_dynamic_dims(sample)


def _grow_same(sample: Sample) -> Sample:
    """The sample itself: its values are chosen (non-positive-definite minors at known orders)."""
    return sample


def det_samples(dtype) -> list[Sample]:
    """Batches, a singular pair (exact 0, sign 0, log -inf), negative determinants, empty batch, 0 x 0, a view."""
    a = _well(dtype, 2, 3, 4, 4)
    flipped = a[:, 0].clone()
    flipped[:, [0, 1]] = flipped[:, [1, 0]]  # det < 0: logdet NaN
    return [
        Sample((a,)), Sample((_singular(dtype),)), Sample((flipped,)), Sample((a[:0],)),
        Sample((torch.empty(2, 0, 0, dtype=dtype),)), Sample((a[0].mT,)), Sample((_well(dtype, 1, 1)[0:1],)),
    ]  # fmt: skip


def spd_samples(dtype) -> list[Sample]:
    """Positive-definite batches (logdet, cholesky), 0 x 0, an empty batch, a transposed view, 40 x 40 (blocked)."""
    a = _spd(dtype, 2, 5, 5)
    return [Sample((a,)), Sample((torch.empty(0, 3, 3, dtype=dtype),)), Sample((torch.empty(0, 0, dtype=dtype),)),
            Sample((a.mT,)), Sample((_spd(dtype, 40, 40),))]  # fmt: skip


def lu_factor_samples(dtype) -> list[Sample]:
    """Square batches, wide and tall (blocked: > 16 columns), a view, empty; the _ex variant a singular pair too."""
    return [
        Sample((torch.randn(2, 4, 4, dtype=dtype),)), Sample((torch.randn(3, 5, dtype=dtype),)),
        Sample((torch.randn(5, 3, dtype=dtype),)), Sample((torch.randn(2, 20, 33, dtype=dtype),)),
        Sample((torch.randn(40, 24, dtype=dtype),)), Sample((torch.randn(4, 4, dtype=dtype).mT,)),
        Sample((torch.empty(0, 3, 3, dtype=dtype),)), Sample((torch.empty(2, 0, 0, dtype=dtype),)),
    ]  # fmt: skip


def lu_factor_ex_samples(dtype) -> list[Sample]:
    return [Sample((_singular(dtype),)), *lu_factor_samples(dtype)]


def solve_samples(dtype) -> list[Sample]:
    """Matrix and vector B, left=False, broadcast batch dims both ways, empty batches and 0 x 0, views. Where B has
    one dim less than A and another shape than A.shape[:-1] (a matrix, not a vector), the dims are static: the rule
    decides on them."""
    a = _well(dtype, 2, 4, 4)
    return [
        Sample((a, torch.randn(2, 4, 3, dtype=dtype))), Sample((a, torch.randn(2, 4, dtype=dtype))),
        Sample((a, torch.randn(3, 4, dtype=dtype)), {"left": False}, dims=((), ())),
        Sample((a[0], torch.randn(3, 1, 4, 2, dtype=dtype))),
        Sample((_well(dtype, 3, 1, 4, 4), torch.randn(2, 4, 1, dtype=dtype)), dims=((), ())),
        Sample((a, torch.randn(4, dtype=dtype))),
        Sample((a.mT, torch.randn(2, 3, 4, dtype=dtype).mT)), Sample((a[:0], torch.randn(0, 4, 2, dtype=dtype))),
        Sample((torch.empty(0, 0, dtype=dtype), torch.empty(0, 2, dtype=dtype))),
    ]  # fmt: skip


def solve_ex_samples(dtype) -> list[Sample]:
    """As solve's; singular A (info > 0): the solution is inf/NaN in both, compared as info alone (see compare)."""
    return [*solve_samples(dtype)]


def inv_samples(dtype) -> list[Sample]:
    a = _well(dtype, 2, 3, 3)
    return [Sample((a,)), Sample((a[0].mT,)), Sample((a[:0],)), Sample((torch.empty(0, 0, dtype=dtype),)),
            Sample((_well(dtype, 30, 30),))]  # fmt: skip


def cholesky_samples(dtype) -> list[Sample]:
    a = _spd(dtype, 2, 5, 5)
    return [Sample((a,)), Sample((a,), {"upper": True}), *spd_samples(dtype)[1:]]


def cholesky_ex_samples(dtype) -> list[Sample]:
    """cholesky's, and batches with a matrix that is not positive-definite (info = the failing minor's order)."""
    bad = _spd(dtype, 3, 4, 4)
    bad[1, 2, 2] = -10.0
    bad[2] = -bad[2]
    return [Sample((bad,)), Sample((bad,), {"upper": True}), *cholesky_samples(dtype)]


def _cholesky_ex_compare(sample, eager, ort, rtol, atol) -> None:
    """info exactly; L where info is 0 (LAPACK leaves a partial factor elsewhere, unspecified by torch)."""
    info, want_info = ort[1], eager[1].numpy()
    np.testing.assert_array_equal(info, want_info)
    ok = want_info == 0
    assert_matches(ort[0][ok], eager[0].numpy()[ok], rtol=rtol, atol=atol, what="L where info == 0")


def triangular_samples(dtype) -> list[Sample]:
    """upper/lower, left/right, unit diagonal, broadcast batch dims, a view, empty."""
    a = _well(dtype, 2, 4, 4)
    b = torch.randn(2, 4, 3, dtype=dtype)
    return [
        Sample((a, b), {"upper": True}), Sample((a, b), {"upper": False}),
        Sample((a, b.mT), {"upper": True, "left": False}), Sample((a, b), {"upper": False, "unitriangular": True}),
        Sample((a[0], torch.randn(3, 2, 4, 1, dtype=dtype)), {"upper": True}), Sample((a.mT, b), {"upper": False}),
        Sample((a[:0], b[:0]), {"upper": True}),
        Sample((torch.empty(0, 0, dtype=dtype), torch.empty(0, 2, dtype=dtype)), {"upper": True}),
    ]  # fmt: skip


def triangular_solve_samples(dtype) -> list[Sample]:
    """torch.triangular_solve(b, A, upper, transpose, unitriangular): every flag, broadcast b."""
    a = _well(dtype, 2, 4, 4)
    b = torch.randn(2, 4, 3, dtype=dtype)
    return [Sample((b, a)), Sample((b, a, False)), Sample((b, a, True, True)), Sample((b, a, False, True, True)),
            Sample((torch.randn(3, 2, 4, 2, dtype=dtype), a))]  # fmt: skip


def symmetric_samples(dtype) -> list[Sample]:
    """Symmetric batches (distinct eigenvalues), UPLO 'U' on a non-symmetric input (only its triangle read), 0 x 0,
    an empty batch, 30 x 30 (tridiagonalization in blocks)."""
    a = torch.randn(2, 5, 5, dtype=dtype)
    sym = a + a.mT
    return [Sample((sym,)), Sample((a, "U")), Sample((a, "L")), Sample((sym[:0],)),
            Sample((torch.empty(0, 0, dtype=dtype),)), Sample((torch.randn(30, 30, dtype=dtype),))]  # fmt: skip


def _aligned(v: np.ndarray, want: np.ndarray, axis: int) -> np.ndarray:
    """v with each vector (along ``axis``: -2 columns, -1 rows) signed as want's."""
    signs = np.sign(np.sum(v * want, axis=axis, keepdims=True))
    return v * np.where(signs == 0, 1, signs)


def _eigh_compare(sample, eager, ort, rtol, atol) -> None:
    """Eigenvalues directly; eigenvectors after aligning each one's sign with torch's (they are unique up to it)."""
    assert_matches(ort[0], eager[0], rtol=rtol, atol=atol, what="eigenvalues")
    want = eager[1].numpy()
    assert_matches(_aligned(ort[1], want, -2), want, rtol=rtol, atol=atol * 10, what="eigenvectors (signs aligned)")


def matrix_samples(dtype) -> list[Sample]:
    """Square, wide and tall batches, larger than 16 columns (BDCSVD's divide and conquer), views, empty sides."""
    return [
        Sample((torch.randn(2, 4, 4, dtype=dtype),)), Sample((torch.randn(3, 6, dtype=dtype),)),
        Sample((torch.randn(2, 6, 3, dtype=dtype),)), Sample((torch.randn(20, 24, dtype=dtype),)),
        Sample((torch.randn(5, 4, dtype=dtype).mT,)), Sample((torch.empty(0, 3, 2, dtype=dtype),)),
        Sample((torch.empty(3, 0, dtype=dtype),)), Sample((torch.empty(0, 4, dtype=dtype),)),
    ]  # fmt: skip


def svd_samples(dtype) -> list[Sample]:
    return [*matrix_samples(dtype), *(Sample(s.args, {"full_matrices": False}) for s in matrix_samples(dtype)[:5])]


def _svd_compare(sample, eager, ort, rtol, atol) -> None:
    """S directly; U's first k columns and Vh's first k rows after aligning each pair's sign with torch's; the full
    U and Vh orthogonal (the columns past k span the null space in any basis)."""
    u, s, vh = ort
    want_u, want_s, want_vh = (t.numpy() for t in eager)
    assert_matches(s, want_s, rtol=rtol, atol=atol, what="S")
    k = s.shape[-1]
    signs = np.sign(np.sum(u[..., :k] * want_u[..., :k], axis=-2, keepdims=True))
    signs = np.where(signs == 0, 1, signs)
    assert_matches(u[..., :k] * signs, want_u[..., :k], rtol=rtol, atol=atol * 10, what="U (signs aligned)")
    assert_matches(vh[..., :k, :] * np.swapaxes(signs, -1, -2), want_vh[..., :k, :], rtol=rtol, atol=atol * 10,
                   what="Vh (signs aligned)")  # fmt: skip
    for name, q in (("U", u), ("Vh", np.swapaxes(vh, -1, -2))):
        eye = np.broadcast_to(np.eye(q.shape[-1], dtype=q.dtype), q.shape[:-2] + (q.shape[-1],) * 2)
        assert_matches(np.swapaxes(q, -1, -2) @ q, eye, rtol=0, atol=atol * 10, what=f"{name} orthogonal")


def qr_samples(dtype) -> list[Sample]:
    found = matrix_samples(dtype)
    return [*found, *(Sample(s.args, {"mode": "complete"}) for s in found[:5]), Sample(found[1].args, {"mode": "r"}),
            Sample(found[6].args, {"mode": "complete"})]  # fmt: skip


def matrix_norm_samples(dtype) -> list[Sample]:
    """ord 2, -2, 'nuc' (singular values) and 'fro', ±1, ±inf; other dims, keepdim."""
    x = torch.randn(2, 3, 4, dtype=dtype)
    found = [Sample((x, o)) for o in (2, -2, "nuc", "fro", 1, -1, float("inf"), -float("inf"))]
    found += [Sample((x, 2, (0, 2), True)), Sample((x, "nuc", (2, 1))), Sample((x, -2), {"keepdim": True})]
    return found


def cond_like_norm_samples(dtype) -> list[Sample]:
    x = torch.randn(2, 3, 4, dtype=dtype)
    return [Sample((x, o), {"dim": (1, 2)}) for o in (2, -2, "nuc")] + [Sample((x[0], 2))]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::linalg_cholesky",), CHOLESKY, fn=torch.linalg.cholesky, samples=cholesky_samples, grow=_grow_spd),
    OpEntry(("aten::linalg_cholesky_ex",), CHOLESKY, fn=torch.linalg.cholesky_ex, samples=cholesky_ex_samples,
            compare=_cholesky_ex_compare, grow=_grow_same),  # fmt: skip
    OpEntry(("aten::linalg_det", "aten::det"), FACTOR, samples=det_samples, grow=_grow_well),
    OpEntry(("aten::linalg_eigh",), SPECTRAL, fn=torch.linalg.eigh, samples=symmetric_samples, compare=_eigh_compare),
    OpEntry(("aten::linalg_eigvalsh",), SPECTRAL, fn=torch.linalg.eigvalsh, samples=symmetric_samples),
    OpEntry(("aten::linalg_inv", "aten::inverse"), FACTOR, samples=inv_samples, grow=_grow_well),
    OpEntry(("aten::linalg_inv_ex",), FACTOR, fn=torch.linalg.inv_ex, samples=inv_samples, grow=_grow_well),
    OpEntry(("aten::linalg_lu_factor",), FACTOR, fn=torch.linalg.lu_factor, samples=lu_factor_samples),
    OpEntry(("aten::linalg_lu_factor_ex",), FACTOR, fn=torch.linalg.lu_factor_ex, samples=lu_factor_ex_samples),
    OpEntry(("aten::linalg_matrix_norm",), SPECTRAL, fn=torch.linalg.matrix_norm, samples=matrix_norm_samples),
    OpEntry(("aten::linalg_qr",), FACTOR, fn=torch.linalg.qr, samples=qr_samples),
    OpEntry(("aten::linalg_slogdet", "aten::slogdet"), FACTOR, samples=det_samples, grow=_grow_well),
    OpEntry(("aten::linalg_solve",), FACTOR, fn=torch.linalg.solve, samples=solve_samples, grow=_grow_well),
    OpEntry(("aten::linalg_solve_ex",), FACTOR, fn=torch.linalg.solve_ex, samples=solve_ex_samples, grow=_grow_well),
    OpEntry(("aten::linalg_solve_triangular",), FACTOR, fn=torch.linalg.solve_triangular,
            samples=triangular_samples, grow=_grow_well),
    OpEntry(("aten::linalg_svd",), SPECTRAL, fn=torch.linalg.svd, samples=svd_samples, compare=_svd_compare),
    OpEntry(("aten::linalg_svdvals",), SPECTRAL, fn=torch.linalg.svdvals, samples=matrix_samples),
    OpEntry(("aten::logdet",), FACTOR, samples=det_samples, grow=_grow_well),
    OpEntry(("aten::triangular_solve",), FACTOR, samples=triangular_solve_samples, grow=_grow_well),
)
