"""Matrix functions: ``linalg.matrix_power``, ``linalg.matrix_exp``, ``linalg.matrix_sqrth``, ``linalg.polar``,
``linalg.multi_dot``."""

from __future__ import annotations

from symreg.builder import Builder
from symreg.ops import _linalg_kernels as lk
from symreg.ops._helpers import constant_like, ints, rank_of, squeeze, unsqueeze
from symreg.ops.linalg_solvers import inverse
from symreg.registry import op

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
        x, n = inverse(g, x, True, "torch.linalg.matrix_power")[0], -n
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


@op(("aten::linalg_matrix_exp", "aten::matrix_exp"), opset=9)
def aten_linalg_matrix_exp(g: Builder, A):  # noqa: N803 - torch's name
    """``symreg::LinalgMatrixExp``: torch's degree-18 Taylor polynomial (Bader, Blanes and Casas) with scaling and
    squaring in the input's precision, torch's float32 rounding included (bit for bit on small batched matrices).
    NaN/inf in a matrix gives NaN everywhere in it, as torch."""
    lk.square_rank(g, A)
    return g.op("symreg::LinalgMatrixExp", A)


# --- matrix_sqrth, polar: from eigh and SVD ----------------------------------------------------------------


@op("aten::linalg_matrix_sqrth", opset=9)
def aten_linalg_matrix_sqrth(g: Builder, A):  # noqa: N803
    """``V diag(sqrt(max(w, 0))) V^T`` of ``symreg::LinalgEigh`` (lower triangle read), as torch computes it:
    negative eigenvalues (A not positive-definite) count as 0. Unique: eigenvector signs cancel."""
    rank = lk.square_rank(g, A)
    w, v = g.op("symreg::LinalgEigh", A, upper=0, api="torch.linalg.matrix_sqrth", outputs=2)
    zero = constant_like(g, [0.0], A)
    root = g.op("Sqrt", g.op("Where", g.op("Less", w, zero), zero, w))
    return g.op("MatMul", g.op("Mul", v, unsqueeze(g, root, [rank - 2])), lk.transpose(g, v, rank))


@op("aten::linalg_polar", opset=9)
def aten_linalg_polar(g: Builder, A):  # noqa: N803
    """(U, H) with A = U H, m >= n: from the reduced ``symreg::LinalgSvd`` A = W diag(s) Vh as torch's CPU path,
    U = W Vh and H = Vh^T diag(s) Vh. Unique for a full-rank A (singular-vector signs cancel)."""
    rank = lk.square_rank(g, A)
    shape = g.shape(A)
    if shape is not None and isinstance(shape[-2], int) and isinstance(shape[-1], int) and shape[-2] < shape[-1]:
        raise ValueError(f"{g.overload}: A must have at least as many rows as columns, got {shape[-2]} by {shape[-1]}")
    s, w, vh = lk.svd(g, A, False, "torch.linalg.polar")
    v = lk.transpose(g, vh, rank)
    return g.op("MatMul", w, vh), g.op("MatMul", g.op("Mul", v, unsqueeze(g, s, [rank - 2])), vh)


# --- multi_dot ---------------------------------------------------------------------------------------------


@op("aten::linalg_multi_dot", opset=9)
def aten_linalg_multi_dot(g: Builder, tensors):
    """The product of the matrices (the first may be 1-d, a row; the last 1-d, a column; the result drops those
    dims, as torch) by ``MatMul`` in the order torch chooses where the sizes are static (its dynamic-programming
    cheapest order for 3+ matrices), else left to right: the same product, rounded in another order."""
    if len(tensors) < 2:
        raise ValueError(f"{g.overload}: expected at least 2 tensors, got {len(tensors)}")
    ranks = [rank_of(g, t, f"tensor {i}") for i, t in enumerate(tensors)]
    first_vector, last_vector = ranks[0] == 1, ranks[-1] == 1
    mats = list(tensors)
    if first_vector:
        mats[0] = unsqueeze(g, mats[0], [0])
    if last_vector:
        mats[-1] = unsqueeze(g, mats[-1], [1])
    product = _chain(g, mats, _order(g, mats))
    if first_vector and last_vector:
        return g.op("Reshape", product, ints(g, []))
    if first_vector:
        return squeeze(g, product, [0])
    return squeeze(g, product, [1]) if last_vector else product


def _order(g: Builder, mats) -> list | None:
    """torch's matrix-chain order (split points s[i][j]) where every size is static; None: left to right."""
    shapes = [g.shape(m) for m in mats]
    if len(mats) < 3 or any(s is None or not all(isinstance(d, int) for d in s) for s in shapes):
        return None
    p = [shapes[0][0]] + [s[1] for s in shapes]
    n = len(mats)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(g: Builder, mats, split, i: int = 0, j: int | None = None):
    j = len(mats) - 1 if j is None else j
    if i == j:
        return mats[i]
    if split is None:
        out = mats[i]
        for m in mats[i + 1 : j + 1]:
            out = g.op("MatMul", out, m)
        return out
    k = split[i][j]
    return g.op("MatMul", _chain(g, mats, split, i, k), _chain(g, mats, split, k + 1, j))
