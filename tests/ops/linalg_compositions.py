"""Op-table entries of the linalg rules composed of the existing ``symreg::Linalg*`` kernels: LU unpacked and LU
solves, Cholesky solves and inverses, pseudo-inverses and ranks, condition numbers, ``torch.svd``, tensor inverses
and solves, ``multi_dot``, ``matrix_sqrth``, ``polar``; tests/ops/table_linalg.py lists them with the family's other
entries.

Inputs: batches, broadcast batch dims, empty batches and 0 x 0 matrices, wide and tall matrices, singular and
rank-deficient ones (pinv and matrix_rank drop the same singular values as torch: the zero ones come out orders of
magnitude below the tolerance), matrices that are not positive-definite (matrix_sqrth clamps their negative
eigenvalues at 0, as torch). Factored inputs (LU and pivots, Cholesky factors) grow by factoring larger matrices.
"""

from __future__ import annotations

import linalg_factorizations
import linalg_kernels2
import numpy as np
import torch
from linalg_factorizations import FACTOR, SPECTRAL, _singular, _spd, _svd_compare, _well, matrix_samples
from op_entry import OpEntry, Sample, grow_dynamic_dims

#: Products of a factorization's parts and of inverses (pinv, cond, tensorinv): the factorizations' rounding times
#: the condition number, then a product.
PRODUCT = {torch.float32: (1e-3, 1e-3), torch.float64: (1e-9, 1e-10)}
#: Counts and exact copies (matrix_rank, the P of an LU).
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}


def _grow_factored(sample: Sample) -> Sample:
    """grow_dynamic_dims, then each LU (with its pivots) or Cholesky factor factored anew from a well-conditioned
    (positive-definite) matrix of the grown shape: the grown random values would be no factorization."""
    grown = grow_dynamic_dims(sample)
    tensors = grown.tensors()
    out, i = [], 0
    while i < len(tensors):
        t = tensors[i]
        if i + 1 < len(tensors) and tensors[i + 1].dtype == torch.int32:  # LU, pivots
            lu, pivots = torch.linalg.lu_factor(_well(t.dtype, *t.shape))
            out += [lu, pivots]
            i += 2
            continue
        if t.dim() >= 2 and t.shape[-1] == t.shape[-2] and torch.allclose(t, t.tril()) and t.numel():
            out.append(torch.linalg.cholesky(_spd(t.dtype, *t.shape)))
        else:
            out.append(t)
        i += 1
    return grown.with_tensors(out)


def _grow_same(sample: Sample) -> Sample:
    """The sample itself: its shapes are tied (tensorinv's square products, multi_dot's chain)."""
    return sample


def lu_unpack_samples(dtype) -> list[Sample]:
    """Square, wide and tall LU (pivots past k = min(m, n) are the identity), batches, a singular pair, empty, each
    unpack flag."""
    found = [Sample(torch.linalg.lu_factor_ex(a)[:2]) for a in (
        torch.randn(2, 4, 4, dtype=dtype), torch.randn(3, 5, dtype=dtype), torch.randn(2, 5, 3, dtype=dtype),
        _singular(dtype), torch.empty(0, 3, 3, dtype=dtype), torch.empty(2, 0, 0, dtype=dtype))]  # fmt: skip
    lu = found[0].args
    return [*found, Sample(lu, {"unpack_data": False}), Sample(lu, {"unpack_pivots": False}),
            Sample(lu, {"unpack_data": False, "unpack_pivots": False})]  # fmt: skip


def lu_samples(dtype) -> list[Sample]:
    """linalg.lu: square, wide, tall, batched, singular (no error), empty."""
    return [Sample((a,)) for a in (
        torch.randn(2, 4, 4, dtype=dtype), torch.randn(3, 5, dtype=dtype), torch.randn(2, 5, 3, dtype=dtype),
        _singular(dtype), torch.empty(0, 3, 3, dtype=dtype), torch.empty(2, 0, 0, dtype=dtype))]  # fmt: skip


def lu_with_info_samples(dtype) -> list[Sample]:
    """torch.lu's _lu_with_info: info > 0 for the singular pair, no error."""
    return [Sample((_singular(dtype),)), Sample((torch.randn(2, 4, 4, dtype=dtype),)),
            Sample((torch.randn(3, 5, dtype=dtype),)), Sample((torch.empty(0, 3, 3, dtype=dtype),))]  # fmt: skip


def lu_solve_samples(dtype) -> list[Sample]:
    """linalg.lu_solve: left/right, adjoint, B's batch broadcast against LU's and LU's against B's, empty."""
    lu, pivots = torch.linalg.lu_factor(_well(dtype, 2, 4, 4))
    b = torch.randn(2, 4, 3, dtype=dtype)
    return [
        Sample((lu, pivots, b)), Sample((lu, pivots, b), {"adjoint": True}),
        Sample((lu, pivots, b.mT), {"left": False}), Sample((lu, pivots, b.mT), {"left": False, "adjoint": True}),
        Sample((lu[0], pivots[0], torch.randn(3, 1, 4, 2, dtype=dtype))), Sample((lu, pivots, b[0])),
        Sample((*torch.linalg.lu_factor(torch.empty(0, 3, 3, dtype=dtype)), torch.empty(0, 3, 2, dtype=dtype))),
    ]  # fmt: skip


def old_lu_solve_samples(dtype) -> list[Sample]:
    """torch.lu_solve(b, LU, pivots)."""
    return [Sample((s.args[2], *s.args[:2])) for s in lu_solve_samples(dtype) if not s.kwargs]


def cholesky_solve_samples(dtype) -> list[Sample]:
    """Lower and upper factors, broadcast batch dims both ways, empty."""
    factor = torch.linalg.cholesky(_spd(dtype, 2, 4, 4))
    b = torch.randn(2, 4, 3, dtype=dtype)
    return [
        Sample((b, factor)), Sample((b, factor.mT.contiguous(), True)),
        Sample((torch.randn(3, 1, 4, 2, dtype=dtype), factor[0])), Sample((b[0], factor)),
        Sample((torch.empty(0, 3, 2, dtype=dtype), torch.empty(0, 3, 3, dtype=dtype))),
    ]  # fmt: skip


def cholesky_inverse_samples(dtype) -> list[Sample]:
    factor = torch.linalg.cholesky(_spd(dtype, 2, 5, 5))
    return [Sample((factor,)), Sample((factor.mT.contiguous(), True)), Sample((factor[0],)),
            Sample((torch.empty(0, 0, dtype=dtype),))]  # fmt: skip


def _rank_deficient(dtype) -> torch.Tensor:
    """(2, 5, 4) matrices of rank 2 and 3 (products of thin factors)."""
    a = torch.randn(5, 2, dtype=dtype) @ torch.randn(2, 4, dtype=dtype)
    b = torch.randn(5, 3, dtype=dtype) @ torch.randn(3, 4, dtype=dtype)
    return torch.stack([a, b])


def pinv_samples(dtype) -> list[Sample]:
    """Every tolerance kind (defaults, atol alone, rtol alone, both, tensors), hermitian (indefinite too), rank-
    deficient, wide, tall, empty."""
    a = torch.randn(2, 3, 5, dtype=dtype)
    sym = torch.randn(2, 4, 4, dtype=dtype)
    sym = sym + sym.mT
    return [
        Sample((a,)), Sample((_rank_deficient(dtype),)), Sample((a.mT,), {"atol": 0.5}), Sample((a,), {"rtol": 0.3}),
        Sample((a,), {"atol": 0.2, "rtol": 0.1}), Sample((sym,), {"hermitian": True}),
        Sample((a,), {"atol": torch.tensor([0.5, 1.0], dtype=dtype)}), Sample((torch.empty(0, 3, 2, dtype=dtype),)),
        Sample((torch.empty(3, 0, dtype=dtype),)), Sample((a[0], 1e-2)),
    ]  # fmt: skip


def pinverse_samples(dtype) -> list[Sample]:
    """Default rcond on full rank; the rank-deficient matrices with an rcond that cuts their zero singular values
    (computed ones of 1e-8 in float32: with the default 1e-15 the result is their reciprocals, rounding noise)."""
    return [Sample((torch.randn(2, 3, 5, dtype=dtype),)), Sample((_rank_deficient(dtype), 1e-5)),
            Sample((torch.randn(4, 3, dtype=dtype), 0.5)), Sample((torch.empty(0, 2, dtype=dtype),))]  # fmt: skip


def matrix_rank_samples(dtype) -> list[Sample]:
    """Full rank and deficient, the tolerances, hermitian (indefinite, and singular), tol, empty."""
    sym = torch.randn(2, 4, 4, dtype=dtype)
    sym = sym + sym.mT
    deficient = _rank_deficient(dtype)
    gram = deficient.mT @ deficient  # (2, 4, 4) symmetric of rank 2 and 3
    return [
        Sample((torch.randn(2, 3, 5, dtype=dtype),)), Sample((deficient,)), Sample((deficient,), {"atol": 1.0}),
        Sample((deficient,), {"rtol": 0.5}), Sample((sym,), {"hermitian": True}),
        Sample((gram,), {"hermitian": True}), Sample((deficient, 0.5)), Sample((torch.empty(0, 3, 3, dtype=dtype),)),
        Sample((torch.empty(2, 0, dtype=dtype),)),
    ]  # fmt: skip


def cond_samples(dtype) -> list[Sample]:
    """Every p on batches; singular matrices (inf where the inverse fails; the 2-norm ratio is huge or inf),
    non-square for p None/±2, empty matrices (0)."""
    a = _well(dtype, 2, 4, 4)
    found = [Sample((a, p)) for p in (None, 2, -2, "fro", "nuc", 1, -1, float("inf"), -float("inf"))]
    found += [
        Sample((_singular(dtype), "fro")), Sample((_singular(dtype), 1)), Sample((torch.randn(2, 3, 5, dtype=dtype),)),
        Sample((torch.empty(2, 0, 0, dtype=dtype),)), Sample((torch.empty(0, 0, dtype=dtype), "fro")),
    ]  # fmt: skip
    return found


def svd_samples(dtype) -> list[Sample]:
    """torch.svd: some (reduced) and not, compute_uv=False (zero U and V), the linalg.svd shapes."""
    found = matrix_samples(dtype)
    return [*found, *(Sample(s.args, {"some": False}) for s in found[:4]),
            *(Sample(s.args, {"compute_uv": False}) for s in found[:3])]  # fmt: skip


def _torch_svd_compare(sample, eager, ort, rtol, atol) -> None:
    """As linalg.svd's (signs aligned, orthogonality) on (U, S, V^T); zeros exactly without compute_uv."""
    if not sample.kwargs.get("compute_uv", True):
        for got, want in zip(ort, eager):
            np.testing.assert_allclose(got, want.numpy(), rtol=rtol, atol=atol)
        return
    u, s, v = ort
    _svd_compare(sample, [eager[0], eager[1], eager[2].mT], [u, s, np.swapaxes(v, -1, -2)], rtol, atol)


def lstsq_samples(dtype) -> list[Sample]:
    """Every driver on tall, square and wide A, batched with broadcast B, a vector B, rank-deficient A (rank counted,
    minimum-norm solution), rcond, empty batches."""
    tall, b = torch.randn(2, 5, 3, dtype=dtype), torch.randn(2, 5, 2, dtype=dtype)
    deficient = _rank_deficient(dtype)
    found = [Sample((tall, b), {"driver": d}) for d in ("gels", "gelsy", "gelsd", "gelss")]
    broadcast = torch.randn(1, 5, 3, dtype=dtype)  # a (5, 3) B would be five vectors to torch
    found += [Sample((deficient, broadcast), {"driver": d}) for d in ("gelsy", "gelsd", "gelss")]
    found += [
        Sample((tall[0], torch.randn(5, dtype=dtype)), {"driver": "gelsd"}), Sample((tall.mT, b[:, :3])),
        Sample((tall, b), {"rcond": 0.5, "driver": "gelss"}), Sample((tall[:0], b[:0])),
    ]  # fmt: skip
    return found


def _batched_residuals_torch_leaves_empty(sample: Sample) -> bool:
    """gels, gelsd, gelss with batch dims where torch's residuals are an empty 1-d tensor: m <= n, or a matrix of
    lower rank (gelsd, gelss)."""
    a, driver = sample.args[0], sample.kwargs.get("driver", "gelsy")
    if driver == "gelsy" or a.dim() < 3:
        return False
    rcond = sample.kwargs.get("rcond")  # singular values below rcond times the largest count as zero
    deficient = driver != "gels" and bool((torch.linalg.matrix_rank(a, rtol=rcond) < a.shape[-1]).any())
    return a.shape[-2] <= a.shape[-1] or deficient


def tensorinv_samples(dtype) -> list[Sample]:
    """ind 1, 2 and 3; shapes whose leading and trailing products match."""
    return [
        Sample((_well(dtype, 6, 6).reshape(6, 2, 3),), {"ind": 1}), Sample((_well(dtype, 12, 12).reshape(4, 3, 12),)),
        Sample((_well(dtype, 6, 6).reshape(2, 3, 6), 2)), Sample((_well(dtype, 6, 6).reshape(1, 2, 3, 6), 3)),
    ]  # fmt: skip


def tensorsolve_samples(dtype) -> list[Sample]:
    """Without and with dims (moved last), a 2-d B."""
    return [
        Sample((_well(dtype, 6, 6).reshape(2, 3, 6), torch.randn(2, 3, dtype=dtype))),
        Sample((_well(dtype, 6, 6).reshape(6, 2, 3), torch.randn(6, dtype=dtype))),
        Sample((_well(dtype, 6, 6).reshape(2, 3, 6).permute(2, 0, 1), torch.randn(2, 3, dtype=dtype)), {"dims": (0,)}),
    ]  # fmt: skip


def multi_dot_samples(dtype) -> list[Sample]:
    """Two to four matrices, a leading row vector, a trailing column vector, both (a 0-d result), static sizes
    (torch's cheapest order) and dynamic ones (left to right)."""
    r = lambda *s: torch.randn(*s, dtype=dtype)  # noqa: E731
    return [
        Sample(([r(3, 4), r(4, 2)],)), Sample(([r(3, 4), r(4, 6), r(6, 2)],)),
        Sample(([r(3, 4), r(4, 6), r(6, 2), r(2, 5)],), dims=((), (), (), ())), Sample(([r(4), r(4, 6), r(6, 2)],)),
        Sample(([r(3, 4), r(4, 6), r(6)],)), Sample(([r(4), r(4, 6), r(6)],)), Sample(([r(0, 4), r(4, 3)],)),
    ]  # fmt: skip


def sqrth_samples(dtype) -> list[Sample]:
    """Positive-definite batches, a non-symmetric input (lower triangle read), one with negative eigenvalues (clamped),
    empty."""
    spd = _spd(dtype, 2, 4, 4)
    indefinite = torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=dtype)  # eigenvalues 3, -1
    return [Sample((spd,)), Sample((spd + torch.randn(4, 4, dtype=dtype).triu(1),)), Sample((indefinite,)),
            Sample((torch.empty(0, 3, 3, dtype=dtype),)), Sample((torch.empty(0, 0, dtype=dtype),))]  # fmt: skip


def polar_samples(dtype) -> list[Sample]:
    """Square and tall, batched, a view, empty."""
    return [Sample((torch.randn(2, 4, 4, dtype=dtype),)), Sample((torch.randn(5, 3, dtype=dtype),)),
            Sample((torch.randn(2, 6, 2, dtype=dtype).mT.mT,)), Sample((torch.randn(3, 5, dtype=dtype).mT,)),
            Sample((torch.empty(0, 3, 2, dtype=dtype),)), Sample((torch.empty(3, 0, dtype=dtype),))]  # fmt: skip


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_lu_with_info",), FACTOR, samples=lu_with_info_samples),
    OpEntry(
        ("aten::cholesky_inverse",),
        PRODUCT,
        fn=torch.cholesky_inverse,
        samples=cholesky_inverse_samples,
        grow=_grow_factored,
    ),  # fmt: skip
    OpEntry(
        ("aten::cholesky_solve",), FACTOR, fn=torch.cholesky_solve, samples=cholesky_solve_samples, grow=_grow_factored
    ),  # fmt: skip
    OpEntry(("aten::linalg_cond",), PRODUCT, opinfo="linalg.cond", fn=torch.linalg.cond, samples=cond_samples),
    OpEntry(("aten::linalg_lstsq",), PRODUCT, opinfo="linalg.lstsq", fn=torch.linalg.lstsq, samples=lstsq_samples)
    .xfail(
        "torch.export cannot trace linalg_lstsq: its fake kernel raises DynamicOutputShapeException (the residuals' "
        "shape depends on the ranks found), before any translation table is consulted",
        exporter="dynamo",
    )
    .xfail(
        "with batch dims and dynamic sizes, residuals that torch leaves empty (shape (0,)) are (*, 0): an ONNX output "
        "has one rank, and whether torch computes them depends on m > n and on the ranks found at run time",
        sample=_batched_residuals_torch_leaves_empty,
    ),
    OpEntry(("aten::linalg_lu",), FACTOR, opinfo="linalg.lu", fn=torch.linalg.lu, samples=lu_samples),
    OpEntry(
        ("aten::linalg_lu_solve",), FACTOR, fn=torch.linalg.lu_solve, samples=lu_solve_samples, grow=_grow_factored
    ),  # fmt: skip
    OpEntry(
        ("aten::linalg_matrix_rank",),
        EXACT,
        opinfo="linalg.matrix_rank",
        fn=torch.linalg.matrix_rank,
        samples=matrix_rank_samples,
    ),  # fmt: skip
    OpEntry(
        ("aten::linalg_matrix_sqrth",),
        SPECTRAL,
        opinfo="linalg.matrix_sqrth",
        fn=torch.linalg.matrix_sqrth,
        samples=sqrth_samples,
    ),  # fmt: skip
    OpEntry(
        ("aten::linalg_multi_dot",),
        SPECTRAL,
        opinfo="linalg.multi_dot",
        fn=torch.linalg.multi_dot,
        samples=multi_dot_samples,
        grow=_grow_same,
    ),  # fmt: skip
    OpEntry(("aten::linalg_pinv",), PRODUCT, opinfo="linalg.pinv", fn=torch.linalg.pinv, samples=pinv_samples),
    OpEntry(("aten::linalg_polar",), SPECTRAL, opinfo="linalg.polar", fn=torch.linalg.polar, samples=polar_samples),
    OpEntry(
        ("aten::linalg_tensorinv",),
        PRODUCT,
        opinfo="linalg.tensorinv",
        fn=torch.linalg.tensorinv,
        samples=tensorinv_samples,
        grow=_grow_same,
    ),  # fmt: skip
    OpEntry(
        ("aten::linalg_tensorsolve",),
        PRODUCT,
        opinfo="linalg.tensorsolve",
        fn=torch.linalg.tensorsolve,
        samples=tensorsolve_samples,
        grow=_grow_same,
    ),  # fmt: skip
    OpEntry(("aten::lu_solve",), FACTOR, fn=torch.lu_solve, samples=old_lu_solve_samples, grow=_grow_factored),
    OpEntry(("aten::lu_unpack",), EXACT, opinfo="lu_unpack", fn=torch.lu_unpack, samples=lu_unpack_samples),
    OpEntry(("aten::pinverse",), PRODUCT, opinfo="pinverse", fn=torch.pinverse, samples=pinverse_samples),
    OpEntry(("aten::svd",), SPECTRAL, opinfo="svd", fn=torch.svd, samples=svd_samples, compare=_torch_svd_compare),
)


def named(*names: str) -> tuple[OpEntry, ...]:
    """The entries (of linalg_factorizations.py, linalg_kernels2.py and this module) whose first name is one of
    ``names``: each tests/ops/table_linalg_<family>.py picks its family's."""
    pool = (*linalg_factorizations.ENTRIES, *linalg_kernels2.ENTRIES, *ENTRIES)
    return tuple(e for e in pool if e.names[0] in names)
