"""Losses of torch.nn.functional, with their reductions.

The TorchScript exporter of torch 2.14 has no rule for most losses at any opset, and its
``nll_loss``/``cross_entropy`` rules need ``NegativeLogLikelihoodLoss`` and
``SoftmaxCrossEntropyLoss`` (opset 12+), which take class indices only: ORT rejects its
cross entropy with probabilities as targets. Every rule here is a composition of standard
ops valid from opset 9: elementwise math, ``OneHot`` masks for class indices (ignored
targets masked out), ``LogSoftmax``, and the reductions ``none`` (0), ``mean`` (1) and
``sum`` (2) as torch applies them.

0-d float64 values: the TorchScript exporter computes arithmetic on 0-d float64 values in
float32, so losses of 0-d inputs are computed on shape [1] views and reductions keep their
dims until the last op.

torchlib (the dynamo exporter) gets most losses right: a rule serves dynamo too only where it
does not (cross entropy with probabilities as targets, ``binary_cross_entropy_with_logits``'s
accuracy, ``poisson_nll_loss(full=True)`` in float64, whose 2π torchlib stores in float32);
the others are TorchScript only. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import (
    COMPUTE_FLOATS,
    arange,
    cast,
    constant_like,
    dim,
    ints,
    promote_to_float,
    rank_of,
    reduce,
    squeeze,
    to_0d,
    to_1d,
    unsqueeze,
)
from symreg.ops.products import pairwise_distance
from symreg.registry import op

#: torch's ``reduction`` enum, as the aten ops take it.
NONE, MEAN, SUM = 0, 1, 2


def _elementwise_loss(g: Builder, compute, tensors, reduction: int):
    """``compute(*tensors)`` (broadcasting, floats), then the reduction; 0-d inputs computed as shape [1]."""
    zero_d = all(rank_of(g, t) == 0 for t in tensors if t is not None)
    tensors = [None if t is None else promote_to_float(g, t)[0] for t in tensors]
    if zero_d:
        tensors = [None if t is None else to_1d(g, t) for t in tensors]
    loss = compute(*tensors)
    if reduction == NONE:
        return to_0d(g, loss) if zero_d else loss
    return _reduced(g, loss, reduction)


def _reduced(g: Builder, loss, reduction: int):
    """The mean (``MEAN``) or sum (``SUM``) of every element of ``loss``, 0-d."""
    return reduce(g, "ReduceMean" if reduction == MEAN else "ReduceSum", loss, None, False)


def _c(g: Builder, value: float, like):
    """A 1-element constant in ``like``'s dtype, broadcasting as a scalar."""
    return constant_like(g, [value], like)


def _equal(g: Builder, x, value: float):
    """x == value for a float tensor (``Equal`` takes floats from opset 11)."""
    if g.opset >= 11:
        return g.op("Equal", x, _c(g, value, x))
    c = _c(g, value, x)
    return g.op("Not", g.op("Or", g.op("Or", g.op("Less", x, c), g.op("Greater", x, c)), g.op("IsNaN", x)))


def _log1p(g: Builder, z):
    """log(1 + z) for z >= 0, accurate for small z: log(u) * z / (u - 1) with u = 1 + z (Goldberg)."""
    one = _c(g, 1.0, z)
    u = g.op("Add", z, one)
    d = g.op("Sub", u, one)
    log_u = g.op("Log", u)
    small = g.op("Mul", log_u, g.op("Div", z, d))
    exact = g.op("Where", g.op("Greater", z, one), log_u, small)
    return g.op("Where", g.op("Greater", d, _c(g, 0.0, z)), exact, z)


def _log_sigmoid(g: Builder, x):
    """min(x, 0) - log1p(exp(-|x|)), as torch computes it."""
    return g.op("Sub", g.op("Min", x, _c(g, 0.0, x)), _log1p(g, g.op("Exp", g.op("Neg", g.op("Abs", x)))))


def _finish(g: Builder, loss, reduction: int, was_1d: bool, denominator=None):
    """Reduces a loss laid out (N, 1, d...) (class axis kept): none -> (N, d...), mean/sum -> 0-d.

    ``denominator`` (mean only): the total weight to divide the sum by; None divides by the count.
    """
    if reduction == NONE:
        out = squeeze(g, loss, [1])
        return to_0d(g, out) if was_1d else out
    if reduction == SUM or denominator is None:
        return _reduced(g, loss, reduction)
    total = reduce(g, "ReduceSum", loss, None, True)
    return to_0d(g, g.op("Div", total, reduce(g, "ReduceSum", denominator, None, True)))


def _class_inputs(g: Builder, x, target):
    """(input with classes on axis 1, target, whether the input was 1-d): (C,) with a 0-d target becomes (1, C)."""
    if rank_of(g, x) <= 1:
        return g.op("Reshape", x, ints(g, [1, -1])), to_1d(g, target), True
    return x, target, False


def _one_hot(g: Builder, index, x):
    """A bool mask (N, C, d...): True where the class is ``index`` (N, d...), for ``x`` (N, C, d...)."""
    values = g.constant(np.asarray([0.0, 1.0], dtype=np.float32))
    return cast(g, g.op("OneHot", index, dim(g, x, 1), values, axis=1), torch.bool)


def _pick(g: Builder, x, mask):
    """x at the masked class of each position, (N, 1, d...)."""
    return reduce(g, "ReduceSum", g.op("Where", mask, x, _c(g, 0.0, x)), [1], True)


def _class_view(g: Builder, weight, rank: int):
    """A (C,) weight as (C, 1, ...) so that it broadcasts over a rank-``rank`` (N, C, d...)."""
    return unsqueeze(g, weight, list(range(1, rank - 1)))


def _nll(g: Builder, x, target, weight, ignore_index: int, dtype: torch.dtype):
    """(unreduced NLL loss, weights, kept positions), each (N, 1, d...), of log-probabilities ``x``
    (N, C, d...) in ``dtype``."""
    ignored = g.op("Equal", target, ints(g, [ignore_index]))
    safe = g.op("Where", ignored, ints(g, [0]), target)
    picked = _pick(g, x, _one_hot(g, safe, x))
    keep = unsqueeze(g, g.op("Not", ignored), [1])
    if weight is None:
        w = cast(g, keep, dtype)
        loss = g.op("Neg", picked)
    else:
        w = unsqueeze(g, g.op("Gather", weight, safe), [1])
        loss = g.op("Neg", g.op("Mul", picked, w))
        w = g.op("Where", keep, w, _c(g, 0.0, x))
    return g.op("Where", keep, loss, _c(g, 0.0, x)), w, keep


def _log_softmax(g: Builder, x, rank: int):
    """log_softmax over axis 1 of a rank-``rank`` ``x`` (before opset 13, LogSoftmax flattens from
    its axis: classes moved last)."""
    if g.opset >= 13 or rank == 2:
        return g.op("LogSoftmax", x, axis=1)
    last = [0, *range(2, rank), 1]
    back = [0, rank - 1, *range(1, rank - 1)]
    return g.op("Transpose", g.op("LogSoftmax", g.op("Transpose", x, perm=last), axis=rank - 1), perm=back)


# --- rules --------------------------------------------------------------------------------


@op("aten::binary_cross_entropy", opset=9, exporters=("torchscript",))
def aten_binary_cross_entropy(g: Builder, x, target, weight, reduction: int):
    """-w * (y * max(log x, -100) + (1 - y) * max(log(1 - x), -100)); opset 9+. TorchScript only
    (torchlib's is right), as are the rules below that do not say otherwise."""

    def compute(x, y, w=None):
        floor = _c(g, -100.0, x)
        log_x = g.op("Max", g.op("Log", x), floor)
        log_1mx = g.op("Max", g.op("Log", g.op("Sub", _c(g, 1.0, x), x)), floor)
        loss = g.op("Sub", g.op("Mul", g.op("Sub", y, _c(g, 1.0, y)), log_1mx), g.op("Mul", y, log_x))
        return loss if w is None else g.op("Mul", loss, w)

    return _elementwise_loss(g, compute, [x, target, weight], reduction)


@op("aten::binary_cross_entropy_with_logits", opset=9)
def aten_binary_cross_entropy_with_logits(g: Builder, x, target, weight, pos_weight, reduction: int):
    """(1 - y) * x - log_sigmoid(x) * (1 + (pos_weight - 1) * y), times weight; opset 9+.

    log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)), log1p composed exactly for small values.
    Both exporters: torch's dynamo lowering is off by up to 5e-5 relative in float32.
    """

    def compute(x, y, w=None, pw=None):
        log_sig = _log_sigmoid(g, x)
        if pw is not None:
            log_sig = g.op("Mul", log_sig, g.op("Add", g.op("Mul", g.op("Sub", pw, _c(g, 1.0, pw)), y), _c(g, 1.0, y)))
        loss = g.op("Sub", g.op("Mul", g.op("Sub", _c(g, 1.0, y), y), x), log_sig)
        return loss if w is None else g.op("Mul", loss, w)

    return _elementwise_loss(g, compute, [x, target, weight, pos_weight], reduction)


@op("aten::cosine_embedding_loss", opset=9, exporters=("torchscript",))
def aten_cosine_embedding_loss(g: Builder, x1, x2, target, margin: float, reduction: int):
    """cos = <x1, x2> / sqrt((|x1|² + 1e-12)(|x2|² + 1e-12)); 1 - cos where y = 1,
    max(cos - margin, 0) where y = -1; opset 9+."""
    x1, _ = promote_to_float(g, x1)
    x2, _ = promote_to_float(g, x2)
    target, _ = promote_to_float(g, target)
    axis = rank_of(g, target, "target")  # 1-d inputs have a 0-d target, 2-d inputs a 1-d one
    if axis == 0:
        target = to_1d(g, target)

    def sum_of(a, b):
        return reduce(g, "ReduceSum", g.op("Mul", a, b), [axis], axis == 0)

    eps = _c(g, 1e-12, x1)
    denom = g.op("Sqrt", g.op("Mul", g.op("Add", sum_of(x1, x1), eps), g.op("Add", sum_of(x2, x2), eps)))
    cos = g.op("Div", sum_of(x1, x2), denom)
    zero = _c(g, 0.0, cos)
    pos = g.op("Where", _equal(g, target, 1.0), g.op("Sub", _c(g, 1.0, cos), cos), zero)
    neg = g.op("Max", g.op("Sub", cos, _c(g, margin, cos)), zero)
    loss = g.op("Add", pos, g.op("Where", _equal(g, target, -1.0), neg, zero))
    if reduction == NONE:
        return to_0d(g, loss) if axis == 0 else loss
    return _reduced(g, loss, reduction)


@op("aten::cross_entropy_loss", opset=9)
def aten_cross_entropy_loss(g: Builder, x, target, weight, reduction: int, ignore_index: int, label_smoothing: float):
    """LogSoftmax over the classes, then NLL of class indices (``OneHot`` mask) or -sum(p * log q)
    of probabilities, with label smoothing as torch applies it; opset 9+ under both exporters.

    Replaces torch's rules (``SoftmaxCrossEntropyLoss``, opset 12+), which ORT rejects for
    probabilities as targets: that op takes class indices only.
    """
    # rank and dtype from the inputs: under dynamo the values a rule builds carry neither
    rank, dtype = max(rank_of(g, x), 2), g.dtype(x) if g.dtype(x) in COMPUTE_FLOATS else torch.float32
    x, _ = promote_to_float(g, x)
    probabilities = g.dtype(target) is not None and g.dtype(target).is_floating_point
    if probabilities:
        target, _ = promote_to_float(g, target)
        was_1d = rank_of(g, target) == 1
        if was_1d:
            x, target = unsqueeze(g, x, [0]), unsqueeze(g, target, [0])
    else:
        x, target, was_1d = _class_inputs(g, x, target)
    lsm = _log_softmax(g, x, rank)
    classes = cast(g, dim(g, x, 1), dtype)
    w_view = None if weight is None else _class_view(g, weight, rank)
    if probabilities:
        if label_smoothing > 0:
            spread = g.op("Div", _c(g, label_smoothing, x), classes)
            target = g.op("Add", g.op("Mul", target, _c(g, 1.0 - label_smoothing, x)), spread)
        terms = g.op("Mul", lsm, target)
        if w_view is not None:
            terms = g.op("Mul", terms, w_view)
        loss = g.op("Neg", reduce(g, "ReduceSum", terms, [1], True))
        return _finish(g, loss, reduction, was_1d)
    loss, w, keep = _nll(g, lsm, target, weight, ignore_index, dtype)
    if label_smoothing <= 0:
        return _finish(g, loss, reduction, was_1d, w if reduction == MEAN else None)
    weighted = lsm if w_view is None else g.op("Mul", lsm, w_view)
    smooth = g.op("Neg", reduce(g, "ReduceSum", weighted, [1], True))
    smooth = g.op("Where", keep, smooth, _c(g, 0.0, x))
    if reduction == MEAN:
        denominator = reduce(g, "ReduceSum", w, None, True)
        loss = g.op("Div", reduce(g, "ReduceSum", loss, None, True), denominator)
        smooth = g.op("Div", reduce(g, "ReduceSum", smooth, None, True), denominator)
    elif reduction == SUM:
        loss = reduce(g, "ReduceSum", loss, None, True)
        smooth = reduce(g, "ReduceSum", smooth, None, True)
    total = g.op(
        "Add",
        g.op("Mul", loss, _c(g, 1.0 - label_smoothing, x)),
        g.op("Mul", smooth, g.op("Div", _c(g, label_smoothing, x), classes)),
    )
    if reduction == NONE:
        return _finish(g, total, NONE, was_1d)
    return to_0d(g, total)


@op("aten::hinge_embedding_loss", opset=9, exporters=("torchscript",))
def aten_hinge_embedding_loss(g: Builder, x, target, margin: float, reduction: int):
    """x where y != -1, plus max(margin - x, 0) where y != 1; opset 9+."""

    def compute(x, y):
        zero = _c(g, 0.0, x)
        clamped = g.op("Max", g.op("Sub", _c(g, margin, x), x), zero)
        from_margin = g.op("Where", _equal(g, y, 1.0), zero, clamped)
        return g.op("Add", from_margin, g.op("Where", _equal(g, y, -1.0), zero, x))

    return _elementwise_loss(g, compute, [x, target], reduction)


@op("aten::huber_loss", opset=9, exporters=("torchscript",))
def aten_huber_loss(g: Builder, x, target, reduction: int, delta: float):
    """0.5 d² where |d| < delta, else delta * (|d| - delta / 2); opset 9+."""

    def compute(x, y):
        d = g.op("Abs", g.op("Sub", x, y))
        quadratic = g.op("Mul", g.op("Mul", d, d), _c(g, 0.5, d))
        linear = g.op("Mul", g.op("Sub", d, _c(g, 0.5 * delta, d)), _c(g, delta, d))
        return g.op("Where", g.op("Less", d, _c(g, delta, d)), quadratic, linear)

    return _elementwise_loss(g, compute, [x, target], reduction)


@op("aten::l1_loss", opset=9, exporters=("torchscript",))
def aten_l1_loss(g: Builder, x, target, reduction: int):
    """|x - y|; opset 9+."""
    return _elementwise_loss(g, lambda x, y: g.op("Abs", g.op("Sub", x, y)), [x, target], reduction)


@op("aten::margin_ranking_loss", opset=9, exporters=("torchscript",))
def aten_margin_ranking_loss(g: Builder, x1, x2, target, margin: float, reduction: int):
    """max(-y * (x1 - x2) + margin, 0); opset 9+."""

    def compute(x1, x2, y):
        z = g.op("Add", g.op("Mul", g.op("Neg", y), g.op("Sub", x1, x2)), _c(g, margin, x1))
        return g.op("Max", z, _c(g, 0.0, x1))

    return _elementwise_loss(g, compute, [x1, x2, target], reduction)


@op("aten::multi_margin_loss", opset=9, exporters=("torchscript",))
def aten_multi_margin_loss(g: Builder, x, target, p: float, margin: float, weight, reduction: int):
    """sum over classes i != y of w[y] * max(margin - x[y] + x[i], 0)^p, over C; opset 9+."""
    x, _ = promote_to_float(g, x)
    x, target, was_1d = _class_inputs(g, x, target)
    mask = _one_hot(g, target, x)
    z = g.op("Add", g.op("Sub", _c(g, margin, x), _pick(g, x, mask)), x)
    h = g.op("Max", z, _c(g, 0.0, x))
    if p == 2:
        h = g.op("Mul", h, h)
    h = g.op("Where", mask, _c(g, 0.0, x), h)
    if weight is not None:
        h = g.op("Mul", h, unsqueeze(g, g.op("Gather", weight, target), [1]))
    loss = g.op("Div", reduce(g, "ReduceSum", h, [1], True), cast(g, dim(g, x, 1), g.dtype(x)))
    return _finish(g, loss, reduction, was_1d)


@op("aten::multilabel_margin_loss", opset=9, exporters=("torchscript",))
def aten_multilabel_margin_loss(g: Builder, x, target, reduction: int):
    """sum over valid targets j (those before the first -1) and non-target classes i of
    max(0, 1 - x[y_j] + x[i]), over C; ``OneHot`` masks, target positions from ``arange``; opset 9+."""
    x, _ = promote_to_float(g, x)
    was_1d = rank_of(g, x) <= 1
    if was_1d:
        x, target = g.op("Reshape", x, ints(g, [1, -1])), g.op("Reshape", target, ints(g, [1, -1]))
    classes = dim(g, x, 1)
    negative = g.op("Less", target, ints(g, [0]))
    as_int = cast(g, negative, torch.int32)
    first = cast(g, g.op("ArgMax", as_int, axis=1, keepdims=1), torch.int64)
    any_negative = g.op("Greater", reduce(g, "ReduceMax", as_int, [1], True), g.constant(np.zeros(1, dtype=np.int32)))
    first = g.op("Where", any_negative, first, classes)
    valid = g.op("Less", arange(g, classes), first)  # (N, C_j)
    safe = g.op("Where", valid, target, ints(g, [0]))
    values = g.constant(np.asarray([0.0, 1.0], dtype=np.float32))
    hot = cast(g, g.op("OneHot", safe, classes, values, axis=-1), torch.bool)  # (N, C_j, C_i)
    hot = g.op("And", hot, unsqueeze(g, valid, [2]))
    is_target = reduce(g, "ReduceMax", cast(g, hot, torch.int32), [1], True)  # (N, 1, C_i)
    is_target = g.op("Greater", is_target, g.constant(np.zeros(1, dtype=np.int32)))
    rows = unsqueeze(g, x, [1])  # (N, 1, C_i)
    picked = reduce(g, "ReduceSum", g.op("Where", hot, rows, _c(g, 0.0, x)), [2], True)  # (N, C_j, 1)
    terms = g.op("Max", g.op("Add", g.op("Sub", _c(g, 1.0, x), picked), rows), _c(g, 0.0, x))
    counted = g.op("And", unsqueeze(g, valid, [2]), g.op("Not", is_target))
    total = reduce(g, "ReduceSum", g.op("Where", counted, terms, _c(g, 0.0, x)), [1, 2], True)  # (N, 1, 1)
    loss = squeeze(g, g.op("Div", total, cast(g, classes, g.dtype(x))), [2])  # (N, 1)
    return _finish(g, loss, reduction, was_1d)


@op(("aten::nll_loss", "aten::nll_loss2d", "aten::nll_loss_nd"), opset=9, exporters=("torchscript",))
def aten_nll_loss(g: Builder, x, target, weight, reduction: int, ignore_index: int):
    """-x[y] * w[y] through a ``OneHot`` mask, ignored targets masked; mean divides by the
    targets' total weight; opset 9+ (torch's rule needs NegativeLogLikelihoodLoss, opset 12)."""
    x, _ = promote_to_float(g, x)
    x, target, was_1d = _class_inputs(g, x, target)
    loss, w, _ = _nll(g, x, target, weight, ignore_index, g.dtype(x))
    return _finish(g, loss, reduction, was_1d, w if reduction == MEAN else None)


@op("aten::poisson_nll_loss", opset=9)
def aten_poisson_nll_loss(g: Builder, x, target, log_input: bool, full: bool, eps: float, reduction: int):
    """exp(x) - y x (log_input) or x - y log(x + eps), plus Stirling's term where y > 1 (full); opset 9+.

    Both exporters: torchlib's Stirling term loses float64 precision (2π as a float32 constant).
    """

    def compute(x, y):
        if log_input:
            loss = g.op("Sub", g.op("Exp", x), g.op("Mul", y, x))
        else:
            loss = g.op("Sub", x, g.op("Mul", y, g.op("Log", g.op("Add", x, _c(g, eps, x)))))
        if full:
            stirling = g.op(
                "Add",
                g.op("Sub", g.op("Mul", y, g.op("Log", y)), y),
                g.op("Mul", g.op("Log", g.op("Mul", y, _c(g, 2 * math.pi, y))), _c(g, 0.5, y)),
            )
            counted = g.op("Or", g.op("Greater", y, _c(g, 1.0, y)), g.op("IsNaN", y))
            loss = g.op("Add", loss, g.op("Where", counted, stirling, _c(g, 0.0, y)))
        return loss

    return _elementwise_loss(g, compute, [x, target], reduction)


@op("aten::smooth_l1_loss", opset=9, exporters=("torchscript",))
def aten_smooth_l1_loss(g: Builder, x, target, reduction: int, beta: float):
    """0.5 d² / beta where |d| < beta, else |d| - beta / 2 (|d| when beta = 0); opset 9+."""

    def compute(x, y):
        d = g.op("Abs", g.op("Sub", x, y))
        if beta == 0:
            return d
        quadratic = g.op("Div", g.op("Mul", g.op("Mul", d, d), _c(g, 0.5, d)), _c(g, beta, d))
        linear = g.op("Sub", d, _c(g, 0.5 * beta, d))
        return g.op("Where", g.op("Less", d, _c(g, beta, d)), quadratic, linear)

    return _elementwise_loss(g, compute, [x, target], reduction)


@op("aten::soft_margin_loss", opset=9, exporters=("torchscript",))
def aten_soft_margin_loss(g: Builder, x, target, reduction: int):
    """log1p(exp(-y x)); opset 9+."""

    def compute(x, y):
        return _log1p(g, g.op("Exp", g.op("Neg", g.op("Mul", x, y))))

    return _elementwise_loss(g, compute, [x, target], reduction)


@op("aten::triplet_margin_loss", opset=9, exporters=("torchscript",))
def aten_triplet_margin_loss(
    g: Builder, anchor, positive, negative, margin: float, p: float, eps: float, swap: bool, reduction: int
):
    """max(margin + d(a, p) - d(a, n), 0), d = pairwise_distance (with d(p, n) as min when swap); opset 9+."""
    anchor, _ = promote_to_float(g, anchor)
    positive, _ = promote_to_float(g, positive)
    negative, _ = promote_to_float(g, negative)
    rank = max(rank_of(g, anchor, "anchor"), rank_of(g, positive, "positive"), rank_of(g, negative, "negative"))
    d_pos = pairwise_distance(g, anchor, positive, p, eps, True)
    d_neg = pairwise_distance(g, anchor, negative, p, eps, True)
    if swap:
        d_neg = g.op("Min", d_neg, pairwise_distance(g, positive, negative, p, eps, True))
    loss = g.op("Max", g.op("Sub", g.op("Add", d_pos, _c(g, margin, d_pos)), d_neg), _c(g, 0.0, d_pos))
    if reduction == NONE:
        return squeeze(g, loss, [rank - 1])
    return _reduced(g, loss, reduction)
