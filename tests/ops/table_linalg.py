"""Op-table entries of symreg/ops/linalg.py, in name order. The other linalg modules' tables: table_linalg_norms.py,
table_linalg_functions.py, table_linalg_factorizations.py and table_linalg_solvers.py (their entries written in
linalg_factorizations.py and linalg_compositions.py)."""

from __future__ import annotations

import linalg_factorizations
import torch
from op_entry import OpEntry, Sample

#: Sums (of products, of distances' terms) in another order than torch's: a few ulp.
SUMS = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-13)}
#: Matrix products in another order than torch's BLAS, raised to powers up to 7: relative to the largest terms.
MATMUL = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-11, 1e-12)}
#: Negative powers through an LU inverse (symreg::LinalgLuFactor/LuSolve), then products: the inverse's rounding
#: grows with the power.
POWERS_OF_INVERSE = {torch.float32: (1e-3, 1e-4), torch.float64: (1e-10, 1e-12)}
#: cdist's matmul form ``|x|² + |y|² - 2 x·y`` rounds on the scale of |x|², then the square root: as torch's own.
CDIST = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-11, 1e-11)}
#: Singular-value norms (symreg::LinalgSvd) beside sums: as the factorizations' spectral tolerance.
SVD = linalg_factorizations.SPECTRAL
#: A copy of input elements.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}
#: Powers as a running product (or Pow where N is dynamic): a few ulp per power.
POWERS = {torch.float32: (1e-6, 0.0), torch.float64: (1e-14, 0.0), torch.int64: (0.0, 0.0)}


def _specials(x: torch.Tensor) -> torch.Tensor:
    """NaN, inf, -inf and -0.0 at fixed positions of a float tensor."""
    x = x.clone()
    flat = x.view(-1)
    flat[1], flat[6], flat[8], flat[11] = float("nan"), float("inf"), float("-inf"), -0.0
    return x


def cdist_samples(dtype: torch.dtype) -> list[Sample]:
    """Every p kind (0, 0.5, 1, 2, 3, inf) and compute_mode on NaN/inf inputs, batch broadcasting, more than 25
    rows (the matmul form by default; 24 rows grow to 27 and cross over at run time), empty sides."""
    x1, x2 = torch.randn(2, 4, 3, dtype=dtype), torch.randn(1, 5, 3, dtype=dtype)
    special = _specials(x1)
    found = [Sample((special, x2, p)) for p in (0.0, 0.5, 1.0, 3.0, float("inf"))]
    found += [
        Sample((special, x2, 2.0), {"compute_mode": mode})
        for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    ]
    big, other = torch.randn(30, 4, dtype=dtype), torch.randn(7, 4, dtype=dtype)
    found += [
        Sample((big, other)),
        Sample((torch.randn(24, 4, dtype=dtype), other)),
        Sample((big, other, 2.0), {"compute_mode": "donot_use_mm_for_euclid_dist"}),
        Sample((big[:0], other, 1.0)),
        Sample((torch.randn(3, 0, dtype=dtype), torch.randn(2, 0, dtype=dtype))),
    ]
    return found


def diagonal_samples(dtype: torch.dtype) -> list[Sample]:
    """Offsets past either side, batch dims around dim1/dim2, an empty batch, NaN/inf carried through."""
    x = _specials(torch.randn(3, 4, 5, dtype=dtype))
    return [
        Sample((x,), {"offset": 7}),
        Sample((x,), {"offset": -6}),
        Sample((x,), {"offset": -1, "dim1": 2, "dim2": 0}),
        Sample((x[:0],)),
        Sample((x,), {"offset": -2, "dim1": 0, "dim2": 2}),
    ]


def matrix_power_samples(dtype: torch.dtype) -> list[Sample]:
    """n from 0 to 7 (each way through torch's decomposition), batches, an empty batch, empty matrices."""
    a = torch.randn(2, 3, 3, dtype=dtype) / 2
    found = [Sample((a, n)) for n in range(8)]
    found += [Sample((a + 2 * torch.eye(3, dtype=dtype), n)) for n in (-1, -2, -5)]
    found += [Sample((a[:0], 5)), Sample((torch.randn(2, 0, 0, dtype=dtype), 2)), Sample((a[0], 6))]
    return found


def norm_samples(dtype: torch.dtype) -> list[Sample]:
    """Vector orders and the matrix orders 'fro', ±1, ±inf on NaN/inf/-0.0, empty matrices (0 for the max over
    no columns), batches, keepdim, a dtype."""
    x = _specials(torch.randn(2, 3, 4, dtype=dtype))
    clean = torch.randn(2, 3, 4, dtype=dtype)
    found = [Sample((x, o), {"dim": (1, 2)}) for o in ("fro", 1, -1, float("inf"), -float("inf"))]
    found += [Sample((clean, o, (2, 0), True)) for o in (1, -1, float("inf"), -float("inf"))]
    found += [Sample((x, o), {"dim": 2}) for o in (0, 0.5, 1, 2, 3, float("inf"), -float("inf"))]
    found += [
        Sample((x,)),
        Sample((x, None, None, True)),
        Sample((torch.empty(2, 0, 3, dtype=dtype), 1), {"dim": (1, 2)}),
        Sample((torch.empty(2, 3, 0, dtype=dtype), float("inf")), {"dim": (1, 2)}),
        Sample((clean[0], "fro"), {"dtype": torch.float64}),
    ]
    return found


def pdist_samples(dtype: torch.dtype) -> list[Sample]:
    """Every p kind on rows with NaN/inf/-0.0, repeated rows (distance 0), no pairs (0 and 1 rows), no columns."""
    x = _specials(torch.randn(6, 4, dtype=dtype))
    x[4] = x[3]
    found = [Sample((x, p)) for p in (0.0, 0.5, 1.0, 2.0, 3.0, float("inf"))]
    found += [Sample((x[:1],)), Sample((x[:0],)), Sample((torch.randn(5, 0, dtype=dtype),))]
    return found


def vander_samples(dtype: torch.dtype) -> list[Sample]:
    """Static and dynamic N, 0-d, batches, NaN/inf/-0.0 (float), integers that overflow int64 (wrapping)."""
    if not dtype.is_floating_point:
        x = torch.randint(-9, 10, (3, 5), dtype=dtype)
        x[0, 0] = 3_000_000  # its 4th power wraps in int64
        return [Sample((x,)), Sample((x,), {"N": 4}), Sample((x,), dims=((0,),)), Sample((x[0, 1],), {"N": 3})]
    x = _specials(torch.randn(3, 5, dtype=dtype))
    return [Sample((x,)), Sample((x,), {"N": 3}), Sample((x,), dims=((0,),)), Sample((x[0, 2],), {"N": 4})]


def vecdot_samples(dtype: torch.dtype) -> list[Sample]:
    """Broadcasting, another dim, NaN/inf/-0.0."""
    x = _specials(torch.randn(2, 3, 4, dtype=dtype))
    return [
        Sample((x, torch.randn(3, 4, dtype=dtype))),
        Sample((x, torch.randn(2, 1, 4, dtype=dtype)), {"dim": 1}),
        Sample((x, torch.randn(2, 3, 4, dtype=dtype)), {"dim": 0}),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::cdist", "aten::_cdist_forward"), CDIST, opinfo="cdist", fn=torch.cdist, samples=cdist_samples),
    OpEntry(
        ("aten::linalg_diagonal",), EXACT, opinfo="linalg.diagonal", fn=torch.linalg.diagonal, samples=diagonal_samples
    ),
    OpEntry(
        ("aten::linalg_vander",),
        POWERS,
        opinfo="linalg.vander",
        fn=torch.linalg.vander,
        samples=vander_samples,
        dtypes=(torch.float32, torch.float64, torch.int64),
    ),
    OpEntry(("aten::linalg_vecdot",), SUMS, opinfo="linalg.vecdot", fn=torch.linalg.vecdot, samples=vecdot_samples),
    OpEntry(
        ("aten::pdist", "aten::_pdist_forward"),
        SUMS,
        opinfo="nn.functional.pdist",
        fn=torch.nn.functional.pdist,
        samples=pdist_samples,
    ),
)
