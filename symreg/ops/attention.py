"""Attention: scaled dot-product attention at every opset, softmax variants.

``aten::scaled_dot_product_attention`` (SDPA): torch 2.14's TorchScript exporter has a rule
only from opset 14 (its causal mask needs ``Trilu``), which refuses ``enable_gqa=True`` (the
first OpInfo sample, hence its failure at opset 17) and an ``is_causal`` the model computes,
and gives NaN where torch gives 0 (a float mask that masks a whole row). torchlib (dynamo)
repeats key/value heads when ``shape[1]`` differs, not dim -3, so 3-d GQA calls fail, and
its ``_scaled_dot_product_flash_attention_for_cpu`` returns zeros for ``logsumexp``.
symreg's rules serve opsets 9-17 and the dynamo exporter, as torch's math kernel computes::

    q * sqrt(scale) @ (k * sqrt(scale))^T  (+ mask)  -> safe softmax  -> @ v

- ``scale``: the given float, else ``1/sqrt(E)`` (from ``Shape`` when E is dynamic).
- masks: a bool mask keeps where True (else -inf), a float mask is added; ``is_causal``
  keeps ``col <= row`` (``Range`` from opset 11, ``NonZero`` counting at 9-10). An
  ``is_causal`` that the model computes (a scripted ``q.size(2) > 1``) selects the causal
  mask with ``Where`` at run time.
- safe softmax (``aten::_safe_softmax``): a row whose scores are all -inf gives 0, not NaN.
- ``enable_gqa``: key and value heads are repeated (``repeat_interleave`` on dim -3) to the
  query's head count, with ``Expand`` and ``Reshape`` built from ``Shape``.
- ``dropout_p > 0`` is random: ``Dropout`` with ``training_mode`` from opset 12 (random, as
  torch is); below 12 ONNX's ``Dropout`` cannot be made to drop, and the rule refuses.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    arange,
    cast,
    constant_like,
    dim,
    ints,
    rank_of,
    reduce,
    shape_part,
    to_0d,
    to_1d,
    unsqueeze,
)
from symreg.registry import op


def _on_1d(g: Builder, fn, x, *others):
    """``fn(x, *others)`` for a 0-d ``x`` computed on 1-element views and reshaped back: ONNX
    ``Softmax`` takes no 0-d input, and the TorchScript exporter computes arithmetic on 0-d
    float64 values in float32."""
    return to_0d(g, fn(to_1d(g, x), *(to_1d(g, o) for o in others)))


def _causal_keep(g: Builder, query, key, lq: int, lk: int):
    """[L, S] bool, True where col <= row (torch's ``ones(L, S).tril()``); ``lq``, ``lk``: their ranks."""
    rows = unsqueeze(g, arange(g, dim(g, query, lq - 2)), [1])
    cols = arange(g, dim(g, key, lk - 2))
    return g.op("Not", g.op("Greater", cols, rows))


def _additive(g: Builder, keep, like):
    """A bool keep-mask as 0 / -inf in ``like``'s dtype."""
    return g.op("Where", keep, constant_like(g, [0.0], like), constant_like(g, [-math.inf], like))


def _repeat_heads(g: Builder, x, query, rank: int, rq: int):
    """``x.repeat_interleave(Hq // Hx, dim=-3)``: [..., Hx, S, E] -> [..., Hq, S, E] (no-op when equal);
    ``rank``, ``rq``: the ranks of x and query."""
    if rank < 3 or rq < 3:
        return x
    repeats = g.op("Div", dim(g, query, rq - 3), dim(g, x, rank - 3))
    lead, last_two = shape_part(g, x, 0, rank - 2), shape_part(g, x, rank - 2, rank)
    expanded = g.op("Expand", unsqueeze(g, x, [rank - 2]), g.op("Concat", lead, repeats, last_two, axis=0))
    heads_and_before = [shape_part(g, x, 0, rank - 3)] if rank > 3 else []
    return g.op("Reshape", expanded, g.op("Concat", *heads_and_before, ints(g, [-1]), last_two, axis=0))


def _sqrt_scale(g: Builder, query, scale: float | None):
    """``sqrt(scale)`` in query's dtype; ``scale`` defaults to ``1/sqrt(E)``."""
    if scale is not None:
        return constant_like(g, [math.sqrt(scale)], query)
    shape = g.shape(query)
    if shape is not None and shape[-1] is not None:
        return constant_like(g, [math.sqrt(1.0 / math.sqrt(shape[-1]))], query)
    # computed in float64 and rounded once, as torch computes the scale (a double)
    e = cast(g, dim(g, query, rank_of(g, query, "query") - 1), torch.float64)
    root = g.op("Sqrt", g.op("Div", g.constant(np.ones(1, dtype=np.float64)), g.op("Sqrt", e)))
    return cast(g, root, g.dtype(query) or torch.float32)


def _scores(g: Builder, query, key, attn_mask, is_causal, scale: float | None, rk: int | None = None):
    """(masked scaled scores [..., L, S], their rank); ``rk``: key's rank where the exporter
    cannot tell (a key the rule built)."""
    causal = g.constant_value(is_causal)
    rq = rank_of(g, query, "query")
    rk = rank_of(g, key, "key") if rk is None else rk
    root = _sqrt_scale(g, query, scale)
    perm = list(range(rk))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    scores = g.op("MatMul", g.op("Mul", query, root), g.op("Mul", g.op("Transpose", key, perm=perm), root))
    mask = None
    if attn_mask is not None:
        mask = _additive(g, attn_mask, scores) if g.dtype(attn_mask) == torch.bool else attn_mask
    if causal is None or causal:
        causal_mask = _additive(g, _causal_keep(g, query, key, rq, rk), scores)
        if causal is None:  # computed by the model: choose at run time
            other = mask if mask is not None else constant_like(g, [0.0], scores)
            causal_mask = g.op("Where", is_causal, causal_mask, other)
        mask = causal_mask
    if mask is not None:
        scores = g.op("Add", scores, mask)
    return scores, max(rq, rk)


def safe_softmax(g: Builder, x, axis: int, rank: int | None = None, dtype: torch.dtype | None = None):
    """``Softmax`` over ``axis`` with rows that are all -inf giving 0 (torch's ``_safe_softmax``);
    ``rank``, ``dtype``: x's where the exporter cannot tell (a value the rule built)."""
    rank = rank_of(g, x) if rank is None else rank
    dtype = dtype or g.dtype(x) or torch.float32
    axis = axis % rank if rank else 0
    if g.opset < 13 and axis != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        y = safe_softmax(g, g.op("Transpose", x, perm=perm), rank - 1, rank, dtype)
        return g.op("Transpose", y, perm=perm)
    y = g.op("Softmax", x, axis=axis)
    # x == -inf as x < -max (Equal takes no floats below opset 11, IsInf none below 10)
    lowest = -float(np.finfo(dtypes.numpy_dtype(dtype)).max)
    unmasked = cast(g, g.op("Not", g.op("Less", x, constant_like(g, [lowest], x))), torch.float32)
    any_unmasked = reduce(g, "ReduceMax", unmasked, [axis], True)
    masked_row = g.op("Less", any_unmasked, g.constant(np.full(1, 0.5, dtype=np.float32)))
    return g.op("Where", masked_row, constant_like(g, [0.0], x), y)


@op("aten::_safe_softmax", opset=9)
def aten__safe_softmax(g: Builder, x, dim: int, dtype=None):
    """``Softmax`` with rows that are all -inf giving 0, in ``dtype`` if given; opset 9+. Below
    opset 13 (whose ``Softmax`` flattens from ``axis``) the softmax axis is moved last with
    ``Transpose``. Both exporters: torchlib's reduces a 0-d input over axis 0, which ONNX shape
    inference rejects."""
    # rank and dtype from the input: under dynamo the values a rule builds carry neither
    rank, wanted = rank_of(g, x), dtypes.argument_dtype(g.constant_value(dtype))  # c10's int or a torch.dtype
    if wanted is not None:
        x = cast(g, x, wanted)
    wanted = wanted or g.dtype(x)
    if rank == 0:
        return _on_1d(g, lambda v: safe_softmax(g, v, 0, 1, wanted), x)
    return safe_softmax(g, x, dim, rank, wanted)


@op("aten::_scaled_dot_product_flash_attention_for_cpu", opset=9)
def aten__scaled_dot_product_flash_attention_for_cpu(
    g: Builder,
    query,
    key,
    value,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    attn_mask=None,
    scale: Optional[float] = None,
):
    """(output, logsumexp): SDPA as above, and ``ReduceLogSumExp`` of the masked scaled scores
    over S ([B, H, L] in the query's dtype; -inf for a fully masked row); opset 9+. Both
    exporters: torchlib's logsumexp is zeros. ``dropout_p > 0`` (random) is refused."""
    if dropout_p:
        raise ExportError(f"{g.overload}: dropout_p={dropout_p} is random; export with dropout_p=0.0")
    scores, rank = _scores(g, query, key, attn_mask, is_causal, scale)
    weights = safe_softmax(g, scores, -1, rank, g.dtype(query))
    lse = reduce(g, "ReduceLogSumExp", scores, [rank - 1], False)
    return g.op("MatMul", weights, value), lse


@op("aten::_softmax_backward_data", opset=9, exporters=("torchscript",))
def aten__softmax_backward_data(g: Builder, grad, output, dim: int, input_dtype: int):
    """``output * (grad - sum(grad * output, dim))``, in ``input_dtype``; opset 9+. TorchScript
    only: torchlib's is right."""
    rank = rank_of(g, output, "output")

    def backward(grad, output):
        total = reduce(g, "ReduceSum", g.op("Mul", grad, output), [dim % max(rank, 1)], True)
        return g.op("Mul", output, g.op("Sub", grad, total))

    result = backward(grad, output) if rank else _on_1d(g, backward, grad, output)
    wanted = dtypes.argument_dtype(input_dtype)
    return result if wanted is None or wanted == g.dtype(output) else cast(g, result, wanted)


@op("aten::scaled_dot_product_attention", opset=9)
def aten_scaled_dot_product_attention(
    g: Builder,
    query,
    key,
    value,
    attn_mask=None,
    dropout_p: float = 0.0,
    is_causal=False,
    scale: Optional[float] = None,
    enable_gqa: bool = False,
):
    """torch's math SDPA from standard ops (see the module docstring); opset 9+. Both exporters:
    torch's TorchScript rule starts at opset 14 and mishandles GQA, computed ``is_causal`` and
    fully masked rows; torchlib repeats GQA heads on the wrong dim."""
    rk = rank_of(g, key, "key")
    if enable_gqa:
        rq, rv = rank_of(g, query, "query"), rank_of(g, value, "value")
        key, value = _repeat_heads(g, key, query, rk, rq), _repeat_heads(g, value, query, rv, rq)
    scores, rank = _scores(g, query, key, attn_mask, is_causal, scale, rk)
    weights = safe_softmax(g, scores, -1, rank, g.dtype(query))
    if dropout_p:
        if g.opset < 12:
            raise ExportError(
                f"{g.overload}: dropout_p={dropout_p} needs ONNX Dropout with training_mode (opset 12); "
                "export at opset >= 12, or with dropout_p=0.0 (as models pass it in eval mode)"
            )
        ratio = g.constant(np.asarray(dropout_p, dtype=np.float32))
        weights = g.op("Dropout", weights, ratio, g.constant(np.asarray(True)))
    return g.op("MatMul", weights, value)
