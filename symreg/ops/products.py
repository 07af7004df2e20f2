"""Products and statistics: matrix-vector and outer products, tensordot, kron, distances, cov, corrcoef.

The TorchScript exporter of torch 2.14 has no rule for most of these at any opset (``outer``
and ``tensordot`` only from opset 12, through ``Einsum``); its rules for
``cosine_similarity`` and ``pairwise_distance`` give 1-d inputs a 1-d result where torch's is
0-d, and compute cosine similarity with one clamp of the product of the norms where torch
clamps each norm. ``cov``/``corrcoef`` fail under both exporters. Every lowering here is a
composition of ``MatMul``, ``Mul``, reductions and shape ops, valid from opset 9.

:func:`vector_norm` and :func:`pairwise_distance` are public: the losses module
(``triplet_margin_loss``) computes its distances with them. Rules are in alphabetical order
of their op.
"""

from __future__ import annotations

import math

import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    cast,
    constant_like,
    ints,
    promote_to_float,
    rank_of,
    reduce,
    reshape,
    shape_part,
    squeeze,
    to_0d,
    to_1d,
    unsqueeze,
)
from symreg.registry import op


def vector_norm(g: Builder, x, p: float, axis: int, keepdims: bool = False):
    """``torch.linalg.vector_norm(x, p, axis)`` of a float ``x``: p = 0 counts non-zeros (NaN
    included), ±inf is the max/min of |x|, else (sum |x|^p)^(1/p). A 0-d ``x`` is taken as
    shape [1] (``axis`` ignored) and gives a 0-d norm, or shape [1] with ``keepdims``."""
    if g.rank(x) == 0:
        x, axis = to_1d(g, x), 0
    a = g.op("Abs", x)
    if p == 0:
        # Equal takes floats from opset 11 only; NaN counts as non-zero, as in torch
        nonzero = g.op("Or", g.op("Greater", a, constant_like(g, [0.0], x)), g.op("IsNaN", a))
        ones = g.op("Where", nonzero, constant_like(g, [1.0], x), constant_like(g, [0.0], x))
        return reduce(g, "ReduceSum", ones, [axis], keepdims)
    if p == math.inf:
        return reduce(g, "ReduceMax", a, [axis], keepdims)
    if p == -math.inf:
        return reduce(g, "ReduceMin", a, [axis], keepdims)
    if p == 1:
        return reduce(g, "ReduceSum", a, [axis], keepdims)
    if p == 2:
        return g.op("Sqrt", reduce(g, "ReduceSum", g.op("Mul", x, x), [axis], keepdims))
    # keepdims, then squeeze: a 1-d exponent would give a 0-d sum a dim
    powered = reduce(g, "ReduceSum", g.op("Pow", a, constant_like(g, [p], x)), [axis], True)
    norm = g.op("Pow", powered, constant_like(g, [1.0 / p], x))
    return norm if keepdims else squeeze(g, norm, [axis])


def pairwise_distance(g: Builder, x1, x2, p: float, eps: float, keepdim: bool, rank: int | None = None):
    """``F.pairwise_distance`` of float ``x1``, ``x2``: ``vector_norm(x1 - x2 + eps, p)`` over the
    last dim of their broadcast shape; 0-d for two 0-d inputs (computed on shape [1]). ``rank``:
    the broadcast rank where the exporter cannot tell (values the rule built)."""
    if rank is None:
        rank = max(rank_of(g, x1, "x1"), rank_of(g, x2, "x2"))
    if rank == 0:
        x1, x2 = to_1d(g, x1), to_1d(g, x2)
    diff = g.op("Add", g.op("Sub", x1, x2), constant_like(g, [eps], x1))
    if rank == 0:
        return to_0d(g, vector_norm(g, diff, p, 0, True))
    return vector_norm(g, diff, p, rank - 1, keepdim)


def _scaled(g: Builder, x, factor: float, like):
    """x * factor in ``like``'s dtype (x itself when factor is 1)."""
    return x if factor == 1 else g.op("Mul", x, constant_like(g, [factor], like))


def _add_scaled(g: Builder, x, beta: float, product, alpha: float, like):
    """beta * x + alpha * product (of ``like``'s dtype), as torch's addmv/addr/addbmm: x (and its
    NaNs) ignored where beta is 0."""
    product = _scaled(g, product, alpha, like)
    if beta == 0:
        # torch's result has the product's shape (x broadcasts to it); the Expand keeps x an input of the graph
        return g.op("Expand", product, g.op("Shape", x))
    return g.op("Add", _scaled(g, x, beta, like), product)


@op("aten::addbmm", opset=9)
def aten_addbmm(g: Builder, x, batch1, batch2, beta: float, alpha: float):
    """beta * x + alpha * sum_b(batch1[b] @ batch2[b]): ``MatMul`` then ``ReduceSum`` over the batch; opset 9+.

    Both exporters: torch's dynamo lowering scales float64 by float32 alpha/beta (errors ~1e-7).
    """
    return _add_scaled(g, x, beta, reduce(g, "ReduceSum", g.op("MatMul", batch1, batch2), [0], False), alpha, batch1)


@op("aten::addmv", opset=9)
def aten_addmv(g: Builder, x, mat, vec, beta: float, alpha: float):
    """beta * x + alpha * (mat @ vec) with ``MatMul``; opset 9+. Both exporters, as addbmm."""
    return _add_scaled(g, x, beta, g.op("MatMul", mat, vec), alpha, mat)


@op("aten::addr", opset=9)
def aten_addr(g: Builder, x, vec1, vec2, beta: float, alpha: float):
    """beta * x + alpha * outer(vec1, vec2) (``Unsqueeze`` and ``Mul``); x ignored where beta is 0;
    opset 9+. Both exporters, as addbmm."""
    return _add_scaled(g, x, beta, g.op("Mul", unsqueeze(g, vec1, [1]), vec2), alpha, vec1)


@op("aten::bilinear", opset=9, exporters=("torchscript",))
def aten_bilinear(g: Builder, x1, x2, weight, bias):
    """y[..., o] = x1[..., :] @ W[o] @ x2[..., :] + b[o]: two broadcasting ``MatMul``s; opset 9+.
    TorchScript only: torchlib's lowering is right."""
    r1, r2 = rank_of(g, x1, "input1"), rank_of(g, x2, "input2")
    left = g.op("MatMul", unsqueeze(g, x1, [r1 - 1, r1]), weight)  # (..., O, 1, J)
    y = g.op("MatMul", left, unsqueeze(g, x2, [r2 - 1, r2 + 1]))  # (..., O, 1, 1)
    y = squeeze(g, y, [r1, r1 + 1])
    return y if bias is None else g.op("Add", y, bias)


@op("aten::corrcoef", opset=9, exporters=("torchscript",))
def aten_corrcoef(g: Builder, x):
    """cov(x) / (std[:, None] * std[None, :]), std the square root of cov's diagonal, clipped to [-1, 1].

    The diagonal is taken with an ``EyeLike`` mask; opset 9+. TorchScript only: under dynamo,
    torch.export stops inside cov (a data-dependent check) before any rule is reached.
    """
    c, squeezed = _cov(g, x, 1, None, None)
    if squeezed:
        return to_0d(g, g.op("Div", c, c))
    eye = cast(g, g.op("EyeLike", c), torch.bool)
    std = g.op("Sqrt", reduce(g, "ReduceSum", g.op("Where", eye, c, constant_like(g, [0.0], c)), [1], True))
    c = g.op("Div", g.op("Div", c, std), g.op("Transpose", std, perm=[1, 0]))
    one = constant_like(g, [1.0], c)
    minus_one = constant_like(g, [-1.0], c)
    return g.op("Where", g.op("Greater", c, one), one, g.op("Where", g.op("Less", c, minus_one), minus_one, c))


@op("aten::cosine_similarity", opset=9)
def aten_cosine_similarity(g: Builder, x1, x2, dim: int, eps: float):
    """sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), dim) on the broadcast inputs; opset 9+.

    Replaces torch's TorchScript rule, which divides by max(|x1| |x2|, eps) (torch clamps each
    norm) and keeps the reduced dim of 1-d inputs. Both exporters: torchlib's reduces 0-d inputs
    over an axis they lack, which ONNX shape inference rejects.
    """
    rank = max(rank_of(g, x1, "x1"), rank_of(g, x2, "x2"))
    x1, _ = promote_to_float(g, x1)
    x2, _ = promote_to_float(g, x2)
    axis = dim % rank if rank else 0
    x1, x2 = g.op("Expand", x1, g.op("Shape", x2)), g.op("Expand", x2, g.op("Shape", x1))
    if rank == 0:
        x1, x2 = to_1d(g, x1), to_1d(g, x2)

    def unit(x):
        norm = g.op("Max", vector_norm(g, x, 2, axis, True), constant_like(g, [eps], x))
        return g.op("Div", x, norm)

    return reduce(g, "ReduceSum", g.op("Mul", unit(x1), unit(x2)), [axis], False)


def _cov(g: Builder, x, correction: int, fweights, aweights):
    """torch.cov: (x - avg) @ (w (x - avg))^T / max(norm, 0), 2-d, and whether torch squeezes it to 0-d."""
    x, _ = promote_to_float(g, x)
    was_1d = rank_of(g, x) < 2
    if was_1d:
        x = g.op("Reshape", x, ints(g, [1, -1]))
    # torch sums the weights and computes the norm factor in the weights' own dtype
    w = None
    if aweights is not None:
        w = aweights if fweights is None else g.op("Mul", aweights, cast(g, fweights, g.dtype(aweights)))
    elif fweights is not None:
        w = cast(g, fweights, torch.int64)
    if w is None:
        w_sum = cast(g, shape_part(g, x, 1, 2), g.dtype(x))
        avg = reduce(g, "ReduceMean", x, [1], True)
        norm = g.op("Sub", w_sum, constant_like(g, [correction], x))
    else:
        w_sum = reduce(g, "ReduceSum", w, [0], True)
        if aweights is not None and correction != 0:
            share = g.op("Div", reduce(g, "ReduceSum", g.op("Mul", w, aweights), [0], True), w_sum)
            norm = g.op("Sub", w_sum, g.op("Mul", constant_like(g, [correction], w), share))
        else:
            norm = g.op("Sub", w_sum, constant_like(g, [correction], w))
        w, w_sum, norm = (cast(g, v, g.dtype(x)) for v in (w, w_sum, norm))
        avg = g.op("Div", reduce(g, "ReduceSum", g.op("Mul", x, w), [1], True), w_sum)
    zero = constant_like(g, [0.0], x)
    norm = g.op("Where", g.op("Greater", norm, zero), norm, zero)
    centred = g.op("Sub", x, avg)
    weighted = centred if w is None else g.op("Mul", centred, w)
    c = g.op("Div", g.op("MatMul", centred, g.op("Transpose", weighted, perm=[1, 0])), norm)
    return c, was_1d or g.shape(x)[0] == 1


@op("aten::cov", opset=9, exporters=("torchscript",))
def aten_cov(g: Builder, x, correction: int, fweights, aweights):
    """torch.cov from ``MatMul`` and reductions, frequency and analytic weights included; opset 9+.

    TorchScript only: under dynamo, torch.export stops inside cov (a data-dependent check)
    before any rule is reached. Like torch's, the result is squeezed where the variable count
    is 1 (known statically: a dynamic count is assumed above 1).
    """
    c, squeezed = _cov(g, x, correction, fweights, aweights)
    return to_0d(g, c) if squeezed else c


def _letters(term: str, rank: int, ellipsis: str) -> str:
    """An einsum term's letters with ``...`` replaced by the last dims' letters of ``ellipsis``."""
    if "..." not in term:
        return term
    count = rank - (len(term) - 3)
    return term.replace("...", ellipsis[len(ellipsis) - count :] if count else "")


@op("aten::einsum", opset=9)
def aten_einsum(g: Builder, equation: str, tensors, path: list[int] | None = None):
    """Every operand transposed and unsqueezed to one letter order, multiplied, summed over the
    contracted letters; opset 9-11 (torch's rule needs ``Einsum``, opset 12). Repeated letters in
    one operand (diagonals) are refused."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    ranks = [rank_of(g, t, "an operand") for t in tensors]
    ellipsis_rank = max((r - (len(t) - 3) for t, r in zip(terms, ranks, strict=True) if "..." in t), default=0)
    ellipsis = "".join(chr(0x100 + i) for i in range(ellipsis_rank))
    terms = [_letters(t, r, ellipsis) for t, r in zip(terms, ranks, strict=True)]
    if any(len(set(t)) != len(t) for t in terms):
        raise ExportError(f"aten::einsum: {equation!r} takes a diagonal (a letter twice in one operand)")
    if arrow:
        output = _letters(output, len(output) - 3 + ellipsis_rank if "..." in output else len(output), ellipsis)
    else:
        counts = {c: sum(t.count(c) for t in terms) for c in set("".join(terms))}
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    contracted = [c for t in terms for c in t if c not in output]
    order = list(output) + list(dict.fromkeys(contracted))
    product = None
    for term, x in zip(terms, tensors, strict=True):
        present = sorted(term, key=order.index)
        if present != list(term):
            x = g.op("Transpose", x, perm=[term.index(c) for c in present])
        missing = [i for i, c in enumerate(order) if c not in term]
        if missing:
            x = unsqueeze(g, x, missing)
        product = x if product is None else g.op("Mul", product, x)
    if len(order) > len(output):
        product = reduce(g, "ReduceSum", product, list(range(len(output), len(order))), False)
    return product


@op("aten::einsum", opset=12)
def aten_einsum_12(g: Builder, equation: str, tensors, path: list[int] | None = None):
    """``Einsum`` (opset 12+); where ``...`` stands for different dim counts in different
    operands (torch broadcasts them, ONNX's Einsum refuses), the composition of opset 9. Replaces
    torch's TorchScript rule and torchlib's, which emit that ``Einsum`` (both exporters)."""
    equation = equation.replace(" ", "")
    terms = equation.partition("->")[0].split(",")
    ranks = [rank_of(g, t, "an operand") for t in tensors]
    counts = {r - (len(term) - 3) for term, r in zip(terms, ranks, strict=True) if "..." in term}
    if len(counts) > 1:
        return aten_einsum(g, equation, tensors, path)
    return g.op("Einsum", *tensors, equation=equation)


@op("aten::inner", opset=9, exporters=("torchscript",))
def aten_inner(g: Builder, a, b):
    """a (..., k) . b (..., k) over the last dims, shape a.shape[:-1] + b.shape[:-1]: ``MatMul``
    with b's last dim moved first and flattened; ``Mul`` where one is 0-d; opset 9+. TorchScript
    only: torchlib's lowering is right."""
    ra, rb = rank_of(g, a, "the first operand"), rank_of(g, b, "the second operand")
    if ra == 0 or rb == 0:
        return g.op("Mul", a, b)
    if rb == 1:
        return g.op("MatMul", a, b)
    b_t = g.op("Transpose", b, perm=[rb - 1, *range(rb - 1)])
    flat = g.op("MatMul", a, g.op("Reshape", b_t, ints(g, [0, -1])))
    shape = g.op("Concat", shape_part(g, a, 0, ra - 1), shape_part(g, b, 0, rb - 1), axis=0)
    return reshape(g, flat, shape)


@op("aten::kron", opset=9, exporters=("torchscript",))
def aten_kron(g: Builder, a, b):
    """a and b unsqueezed to (a0, 1, a1, 1, ...) and (1, b0, 1, b1, ...), multiplied, reshaped to
    (a0 b0, a1 b1, ...); the lower-rank operand gets leading 1s; opset 9+. TorchScript only: under
    dynamo, torch.export decomposes kron (baking the traced sizes into a Reshape) before any rule."""
    ra, rb = rank_of(g, a, "the first operand"), rank_of(g, b, "the second operand")
    rank = max(ra, rb)
    if rank == 0:
        return g.op("Mul", a, b)
    if ra < rank:
        a = unsqueeze(g, a, list(range(rank - ra)))
    if rb < rank:
        b = unsqueeze(g, b, list(range(rank - rb)))
    product = g.op("Mul", unsqueeze(g, a, list(range(1, 2 * rank, 2))), unsqueeze(g, b, list(range(0, 2 * rank, 2))))
    return reshape(g, product, g.op("Mul", g.op("Shape", a), g.op("Shape", b)))


@op("aten::outer", opset=9, exporters=("torchscript",))
def aten_outer(g: Builder, a, b):
    """a[:, None] * b (``Unsqueeze`` and ``Mul``); opset 9+ (torch's rule needs Einsum, opset 12).
    TorchScript only: torchlib's lowering is right."""
    return g.op("Mul", unsqueeze(g, a, [1]), b)


@op("aten::pairwise_distance", opset=9)
def aten_pairwise_distance(g: Builder, x1, x2, p: float, eps: float, keepdim: bool):
    """norm(x1 - x2 + eps, p) over the last dim (ReduceSum/Max/Min of |d|, see :func:`pairwise_distance`);
    integer inputs computed in float32; opset 9+.

    Replaces torch's TorchScript rule, which keeps a reduced dim of 1-d inputs (its result
    is 1-d where torch's is 0-d). Both exporters.
    """
    rank = max(rank_of(g, x1, "x1"), rank_of(g, x2, "x2"))  # under dynamo a Cast's output has no rank
    x1, _ = promote_to_float(g, x1)
    x2, _ = promote_to_float(g, x2)
    return pairwise_distance(g, x1, x2, p, eps, keepdim, rank)


@op("aten::tensordot", opset=9, exporters=("torchscript",))
def aten_tensordot(g: Builder, a, b, dims_a: list[int], dims_b: list[int]):
    """Transpose a to (free, contracted) and b to (contracted, free), flatten each to 2-d,
    ``MatMul``, reshape to a's free dims + b's free dims; opset 9+ (torch's rule needs Einsum,
    opset 12). TorchScript only: torchlib's lowering is right."""
    ra, rb = rank_of(g, a, "the first operand"), rank_of(g, b, "the second operand")
    dims_a = [d % ra for d in dims_a] if ra else []
    dims_b = [d % rb for d in dims_b] if rb else []
    free_a = [d for d in range(ra) if d not in dims_a]
    free_b = [d for d in range(rb) if d not in dims_b]
    a_t = g.op("Transpose", a, perm=free_a + dims_a) if ra else a
    b_t = g.op("Transpose", b, perm=dims_b + free_b) if rb else b
    if dims_a:
        # torch broadcasts contracted dims of size 1 against the other operand's
        ones_a, ones_b = ints(g, [1] * len(free_a)), ints(g, [1] * len(free_b))
        contracted_a, contracted_b = shape_part(g, a_t, len(free_a), ra), shape_part(g, b_t, 0, len(dims_b))
        if free_a:
            a_t = g.op("Expand", a_t, g.op("Concat", ones_a, contracted_b, axis=0))
        else:
            a_t = g.op("Expand", a_t, contracted_b)
        if free_b:
            b_t = g.op("Expand", b_t, g.op("Concat", contracted_a, ones_b, axis=0))
        else:
            b_t = g.op("Expand", b_t, contracted_a)
    free_a_shape = shape_part(g, a_t, 0, len(free_a))
    free_b_shape = shape_part(g, b_t, len(dims_b), rb)
    k = reduce(g, "ReduceProd", shape_part(g, b_t, 0, len(dims_b)), [0], True)
    m = reduce(g, "ReduceProd", free_a_shape, [0], True)
    n = reduce(g, "ReduceProd", free_b_shape, [0], True)
    a2 = reshape(g, a_t, g.op("Concat", m, k, axis=0))
    b2 = reshape(g, b_t, g.op("Concat", k, n, axis=0))
    return reshape(g, g.op("MatMul", a2, b2), g.op("Concat", free_a_shape, free_b_shape, axis=0))


@op("aten::vdot", opset=9, exporters=("torchscript",))
def aten_vdot(g: Builder, a, b):
    """sum(a * b) (real inputs: no conjugation), 0-d; opset 9+. TorchScript only: torchlib's
    lowering is right."""
    return reduce(g, "ReduceSum", g.op("Mul", a, b), None, False)
