"""Op-table entries of the rules over the kernels ``symreg::LinalgMatrixExp``, ``LinalgGeqrf``,
``LinalgHouseholderProduct``, ``LinalgLdlFactor`` and ``LinalgLdlSolve``: ``matrix_exp``, ``geqrf``,
``linalg.householder_product`` (``orgqr``), ``ormqr``, ``linalg.ldl_factor`` (``_ex``) and ``linalg.ldl_solve``;
tests/ops/table_linalg_functions.py and table_linalg_factorizations.py list them with their families' entries.

Inputs: batches, empty batches and 0 x 0 matrices, wide and tall matrices, views; matrix_exp on small and large
norms, nilpotent, diagonal and skew-symmetric matrices and NaN/inf (NaN everywhere, as torch); geqrf on zero columns
(tau 0, exact) and rank-deficient matrices, whose trailing reflectors reflect rounding noise (different in any
other order of operations than torch's LAPACK): those compare as Q R = A, R's leading rows and the reflectors of the
full-rank columns elementwise.
"""

from __future__ import annotations

import numpy as np
import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims
from ortcheck import assert_matches

#: Householder reflections in Eigen's (blocked) order against LAPACK's: rounding of the scale of A.
HOUSEHOLDER = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-10, 1e-12)}
#: torch's own arithmetic (symreg/ops/linalg_functions.py): bit for bit where torch evaluates the degree-18 polynomial
#: with products of <= 8 x 8 (batches; single matrices of 1-norm > 1.46 in float32, > 0.3 in float64), else torch's
#: lower degrees or its fused multiply-adds (>= 16 x 16) against ours: on these samples (5 draws) float32 at most
#: 3.6e-7 absolute (entries up to ~10) and 3.1e-5 relative on entries below 1e-2, float64 3.6e-15 absolute; a grid of
#: norms 1e-3..20, sizes 2..16: at most 2.5e-5 relative. (torch's float32 result itself is up to 3.5e-4 off the
#: exact exponential on OpInfo's samples.)
MATRIX_EXP = {torch.float32: (2e-5, 2e-6), torch.float64: (1e-12, 1e-13)}
#: ldl_factor: a port of reference LAPACK's dsytf2, which torch's LAPACK matches bit for bit below its block size
#: (measured: 1,600 random symmetric, zero-diagonal, integer and rank-deficient matrices of sizes 1..40, float32 and
#: float64: LD, pivots and info identical); from ~100 on its blocked sytrf rounds otherwise (3e-6 relative float32).
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}


def matrix_exp_samples(dtype) -> list[Sample]:
    """Norms from 0.05 to ~10, nilpotent, diagonal, skew-symmetric (an orthogonal exponential), batches, a view,
    NaN and inf (NaN everywhere in their matrix only), empty batch, 0 x 0, 1 x 1."""
    a = torch.randn(2, 3, 5, 5, dtype=dtype)
    skew = a[0, 0] - a[0, 0].mT
    special = torch.randn(3, 3, 3, dtype=dtype) / 3
    special[1, 0, 2], special[2, 1, 1] = float("nan"), float("inf")
    return [
        Sample((a * 0.05,)), Sample((a / 4,)), Sample((a[0] * 2,)), Sample((torch.randn(4, 4, dtype=dtype).triu(1),)),
        Sample((torch.diag(torch.tensor([-3.0, -0.5, 0.0, 1.0, 4.0], dtype=dtype)),)), Sample((skew,)),
        Sample((a[1, 0].mT / 3,)), Sample((special,)), Sample((a[:0],)), Sample((torch.empty(2, 0, 0, dtype=dtype),)),
        Sample((torch.tensor([[[1.5]], [[-2.0]]], dtype=dtype),)), Sample((torch.randn(24, 24, dtype=dtype) / 5,)),
    ]  # fmt: skip


def _rank_deficient(dtype) -> torch.Tensor:
    """(6, 4) of rank 2: columns 2 and 3 combinations of 0 and 1."""
    a = torch.randn(6, 2, dtype=dtype)
    return torch.cat([a, a @ torch.randn(2, 2, dtype=dtype)], dim=1)


def _zero_columns(dtype) -> torch.Tensor:
    a = torch.randn(2, 6, 4, dtype=dtype)
    a[0, :, 0] = 0
    a[1, :, 2] = 0
    return a


def geqrf_samples(dtype) -> list[Sample]:
    """Square, wide, tall, batched, blocked (more than 48 columns: Eigen's blocked QR), zero columns, rank-deficient,
    a view, empty sides."""
    return [
        Sample((torch.randn(2, 4, 4, dtype=dtype),)), Sample((torch.randn(3, 6, dtype=dtype),)),
        Sample((torch.randn(2, 6, 3, dtype=dtype),)), Sample((torch.randn(60, 52, dtype=dtype),)),
        Sample((_zero_columns(dtype),)), Sample((_rank_deficient(dtype),)),
        Sample((torch.randn(5, 4, dtype=dtype).mT,)),
        Sample((torch.empty(0, 3, 2, dtype=dtype),)), Sample((torch.empty(3, 0, dtype=dtype),)),
        Sample((torch.empty(0, 4, dtype=dtype),)),
    ]  # fmt: skip


def _geqrf_compare(sample, eager, ort, rtol, atol) -> None:
    """Elementwise up to the first column whose reflected part is rounding noise (|R[j, j]| tiny against A's
    scale: rank deficiency), and Q R = A (Q from torch's householder_product of the kernel's reflectors)."""
    a = sample.args[0].double()
    scale = max(1.0, a.abs().max().item()) if a.numel() else 1.0
    qr, tau = (torch.from_numpy(np.asarray(x)).double() for x in ort)
    want_qr, want_tau = eager
    m, n = a.shape[-2:]
    k = min(m, n)
    if k == 0:
        assert qr.shape == want_qr.shape and tau.shape == want_tau.shape
        return
    diag = want_qr.double().diagonal(dim1=-2, dim2=-1).abs()
    noisy = (diag < 1e-4 * scale).flatten(0, -2).any(0) if diag.dim() > 1 else (diag < 1e-4 * scale)
    j = int(noisy.nonzero()[0]) if noisy.any() else k
    assert_matches(
        qr[..., :, :j].numpy(), want_qr[..., :, :j].double().numpy(), rtol=rtol, atol=atol, what="reflectors"
    )
    assert_matches(tau[..., :j].numpy(), want_tau[..., :j].double().numpy(), rtol=rtol, atol=atol, what="tau")
    q = torch.linalg.householder_product(qr[..., :, :k], tau)
    rebuilt = q @ qr[..., :k, :].triu()
    assert_matches(rebuilt.numpy(), a.numpy(), rtol=0, atol=atol * 10 * scale, what="Q R")


def _reflectors(dtype, *shape, k=None):
    """(QR, tau) of torch.geqrf of random (*, m, n), tau cut to its first k."""
    qr, tau = torch.geqrf(torch.randn(*shape, dtype=dtype))
    return qr, tau[..., :k].contiguous()


def _grow_reflectors(sample: Sample) -> Sample:
    """grow_dynamic_dims, then the reflectors made anew by geqrf of a random matrix of the grown shape (random
    coefficients on 50 columns multiply to overflow, in another order in each implementation)."""
    a, tau = grow_dynamic_dims(sample).tensors()
    return sample.with_tensors(_reflectors(a.dtype, *a.shape, k=tau.shape[-1]))


def _grow_same(sample: Sample) -> Sample:
    """The sample itself: ormqr's three shapes are tied."""
    return sample


def householder_product_samples(dtype) -> list[Sample]:
    """Square, tall, fewer reflectors than columns, none, batches, blocked (> 48 columns), tau of any values (not
    geqrf's), empty batch, 0 x 0, no columns."""
    qr, tau = _reflectors(dtype, 2, 6, 4)
    return [
        Sample(_reflectors(dtype, 4, 4)), Sample(_reflectors(dtype, 7, 3)), Sample(_reflectors(dtype, 6, 4, k=2)),
        Sample(_reflectors(dtype, 5, 3, k=0)), Sample((qr, tau)), Sample(_reflectors(dtype, 60, 50)),
        Sample((torch.randn(5, 3, dtype=dtype), torch.rand(3, dtype=dtype) * 2)),
        Sample(_reflectors(dtype, 0, 4, 3)), Sample(_reflectors(dtype, 0, 0)), Sample(_reflectors(dtype, 4, 0)),
    ]  # fmt: skip


def ormqr_samples(dtype) -> list[Sample]:
    """left/right, transpose or not, tall and wide reflector matrices, one reflector of five (torch wants tau of
    min(mn, k) entries: fewer reflectors are fewer columns of input), batches, empty other."""
    qr, tau = _reflectors(dtype, 2, 5, 3)
    wide, wide_tau = _reflectors(dtype, 3, 5)
    c, c_right = torch.randn(2, 5, 4, dtype=dtype), torch.randn(2, 4, 5, dtype=dtype)
    found = [Sample((qr, tau, c), {"left": left, "transpose": tr}) for left in (True, False) for tr in (False, True)]
    found[2] = Sample((qr, tau, c_right), {"left": False})
    found[3] = Sample((qr, tau, c_right), {"left": False, "transpose": True})
    return [
        *found, Sample((wide, wide_tau, torch.randn(3, 2, dtype=dtype))),
        Sample((wide, wide_tau, torch.randn(2, 3, dtype=dtype)), {"left": False, "transpose": True}),
        Sample((qr[0, :, :1], tau[0, :1].contiguous(), c[0]), {"transpose": True}), Sample((qr, tau, c[:, :, :0])),
        Sample((qr[:0], tau[:0], c[:0])),
    ]  # fmt: skip


#: torch 2.14 has no meta (fake) kernel of aten::geqrf for symbolic shapes: torch.export with any dynamic dim raises
#: UnsupportedOperatorException before any rule runs (with static shapes it exports: coverage's dynamo18 run).
_GEQRF_DYNAMIC = "torch.export of aten.geqrf with dynamic dims: UnsupportedOperatorException (no fake kernel)"


def _dynamic(sample: Sample) -> bool:
    """A dim of size >= 2, which the op table makes dynamic under dynamo (torch.export specialises 0 and 1)."""
    return any(d >= 2 for t in sample.tensors() for d in t.shape)


def _symmetric(dtype, *shape) -> torch.Tensor:
    x = torch.randn(*shape, dtype=dtype)
    return x + x.mT


def ldl_samples(dtype, singular: bool = True) -> list[Sample]:
    """Symmetric (2 x 2 pivots in most), zero diagonal (2 x 2 pivots), SPD (no interchange), garbage above the
    diagonal (only the lower triangle is read), inf, 40 x 40, batches, empty batch, 0 x 0, 1 x 1; ``singular``:
    a zero and a rank-1 matrix (info > 0)."""
    zero_diagonal = _symmetric(dtype, 2, 7, 7)
    zero_diagonal.diagonal(dim1=-2, dim2=-1).zero_()
    spd = torch.randn(5, 5, dtype=dtype)
    garbage_above = _symmetric(dtype, 6, 6) + torch.randn(6, 6, dtype=dtype).triu(1) * 1e3
    with_inf = _symmetric(dtype, 5, 5)
    with_inf[3, 3] = float("inf")
    found = [
        Sample((_symmetric(dtype, 3, 6, 6),)), Sample((zero_diagonal,)), Sample((spd @ spd.mT + 5 * torch.eye(5),)),
        Sample((garbage_above,)), Sample((with_inf,)), Sample((_symmetric(dtype, 40, 40),)),
        Sample((torch.empty(0, 3, 3, dtype=dtype),)), Sample((torch.empty(2, 0, 0, dtype=dtype),)),
        Sample((torch.tensor([[[-2.0]], [[3.0]]], dtype=dtype),)),
    ]  # fmt: skip
    if singular:
        v = torch.randint(-3, 4, (5, 1)).to(dtype)
        found.append(Sample((torch.stack([torch.zeros(5, 5, dtype=dtype), v @ v.mT]),)))
    return found


def _nan_sample(dtype) -> list[Sample]:
    a = _symmetric(dtype, 5, 5)
    a[2, 1] = float("nan")
    return [Sample((a,))]


def _has_nan(sample: Sample) -> bool:
    return any(t.isnan().any() for t in sample.tensors())


#: With NaN in the lower triangle torch's LAPACK (MKL) picks other pivots than reference LAPACK's IDAMAX, which never
#: takes a NaN: pivots, info and where the NaNs spread differ.
_LDL_NAN = "NaN in A: MKL's sytrf chooses its pivots otherwise than reference LAPACK's dsytf2 (pivots and info differ)"


def _saddle(dtype, *shape) -> torch.Tensor:
    """Symmetric indefinite and well-conditioned (*, n, n): [[0, M], [M^T, 0]] with M random plus n I (its diagonal
    zero: 2 x 2 pivots), n on the middle of an odd n, a little symmetric noise."""
    n, h = shape[-1], shape[-1] // 2
    a = torch.zeros(*shape, dtype=dtype)
    m = torch.randn(*shape[:-2], h, h, dtype=dtype) + n * torch.eye(h, dtype=dtype)
    a[..., :h, n - h :], a[..., n - h :, :h] = m, m.mT
    if n % 2:
        a[..., h, h] = n
    return a + _symmetric(dtype, *shape) / 10


def _ldl(a: torch.Tensor, pivots_dtype=torch.int32) -> tuple[torch.Tensor, torch.Tensor]:
    ld, pivots, _ = torch.linalg.ldl_factor_ex(a)
    return ld, pivots.to(pivots_dtype)


def ldl_solve_samples(dtype) -> list[Sample]:
    """2 x 2 pivots, B's batch broadcast against LD's (torch 2.14 reads out of bounds where LD's must broadcast),
    SPD (no interchange), singular D (inf/NaN, as torch), NaN and inf in B, 40 x 40, int64 pivots, hermitian, no
    columns, empty batch, 0 x 0."""
    ld, pivots = _ldl(_saddle(dtype, 2, 6, 6))
    spd = torch.randn(5, 5, dtype=dtype)
    v = torch.randint(-3, 4, (5, 1)).to(dtype)
    singular = _ldl(torch.stack([torch.zeros(5, 5, dtype=dtype), v @ v.mT]))
    special = torch.randn(2, 6, 3, dtype=dtype)
    special[0, 2, 1], special[1, 4, 0] = float("nan"), float("inf")
    return [
        Sample((ld, pivots, torch.randn(2, 6, 3, dtype=dtype))), Sample((ld, pivots, torch.randn(6, 4, dtype=dtype))),
        Sample((*_ldl(_saddle(dtype, 7, 7)), torch.randn(3, 1, 7, 2, dtype=dtype))),
        Sample((*_ldl(spd @ spd.mT + 5 * torch.eye(5, dtype=dtype)), torch.randn(5, 2, dtype=dtype))),
        Sample((*singular, torch.randn(2, 5, 3, dtype=dtype))), Sample((ld, pivots, special)),
        Sample((*_ldl(_saddle(dtype, 40, 40)), torch.randn(40, 5, dtype=dtype))),
        Sample((*_ldl(_saddle(dtype, 2, 5, 5), torch.int64), torch.randn(2, 5, 2, dtype=dtype))),
        Sample((ld, pivots, torch.randn(2, 6, 1, dtype=dtype)), {"hermitian": True}),
        Sample((ld, pivots, torch.empty(2, 6, 0, dtype=dtype))),
        Sample((*_ldl(torch.empty(0, 3, 3, dtype=dtype)), torch.empty(0, 3, 2, dtype=dtype))),
        Sample((*_ldl(torch.empty(0, 0, dtype=dtype)), torch.empty(0, 4, dtype=dtype))),
    ]  # fmt: skip


def _grow_ldl(sample: Sample) -> Sample:
    """grow_dynamic_dims, then LD and pivots factored anew from a well-conditioned indefinite matrix of the grown
    shape (grown random values would be no factorization, nor valid pivots)."""
    ld, pivots, b = grow_dynamic_dims(sample).tensors()
    return sample.with_tensors((*_ldl(_saddle(ld.dtype, *ld.shape), pivots.dtype), b))


#: ldl_solve: a port of reference LAPACK's dsytrs; torch's LAPACK (MKL) sums in another order from ~n = 40 on
#: (measured: 1e-6 relative float32, 2e-15 float64 on random symmetric 40..100).
LDL_SOLVE = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-10, 1e-12)}


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::geqrf",), HOUSEHOLDER, opinfo="geqrf", fn=torch.geqrf, samples=geqrf_samples, compare=_geqrf_compare
    ).xfail(_GEQRF_DYNAMIC, exporter="dynamo", sample=_dynamic),  # fmt: skip
    OpEntry(
        ("aten::linalg_householder_product", "aten::orgqr"),
        HOUSEHOLDER,
        opinfo="linalg.householder_product",
        fn=torch.linalg.householder_product,
        samples=householder_product_samples,
        grow=_grow_reflectors,
    ),
    OpEntry(
        ("aten::linalg_matrix_exp", "aten::matrix_exp"),
        MATRIX_EXP,
        opinfo="matrix_exp",
        fn=torch.linalg.matrix_exp,
        samples=matrix_exp_samples,
    ),
    OpEntry(("aten::ormqr",), HOUSEHOLDER, opinfo="ormqr", fn=torch.ormqr, samples=ormqr_samples, grow=_grow_same),
    OpEntry(
        ("aten::linalg_ldl_factor",),
        EXACT,
        opinfo="linalg.ldl_factor",
        fn=torch.linalg.ldl_factor,
        samples=lambda dtype: [*ldl_samples(dtype, singular=False), *_nan_sample(dtype)],
    ).xfail(_LDL_NAN, sample=_has_nan),
    OpEntry(
        ("aten::linalg_ldl_factor_ex",),
        EXACT,
        opinfo="linalg.ldl_factor_ex",
        fn=torch.linalg.ldl_factor_ex,
        samples=lambda dtype: [*ldl_samples(dtype), *_nan_sample(dtype)],
    ).xfail(_LDL_NAN, sample=_has_nan),
    OpEntry(
        ("aten::linalg_ldl_solve",),
        LDL_SOLVE,
        opinfo="linalg.ldl_solve",
        fn=torch.linalg.ldl_solve,
        samples=ldl_solve_samples,
        grow=_grow_ldl,
    ),
)
