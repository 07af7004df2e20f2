"""Normalization: batch, group, instance and RMS norm, including the ATen forms the exporters meet.

torch 2.14's TorchScript exporter has no rule for ``aten::rms_norm``, ``native_batch_norm``,
``_native_batch_norm_legit`` (either overload), ``_batch_norm_with_update``,
``native_group_norm`` or ``native_dropout_backward``; its ``instance_norm`` rule refuses a
dynamic batch size and at opsets 15-17 emits a ``BatchNormalization`` in training mode that
ORT rejects. Every rule here is a composition of ``ReduceMean``, ``Sub``, ``Mul``, ``Sqrt``
and ``Reciprocal`` valid from opset 9 (axes as attributes below opset 18, as inputs from
18), so float64 runs in ORT too:

- batch norm, training (``training=True``, ``_batch_norm_with_update``): mean and biased
  variance over every dim but 1; ``save_mean`` and ``save_invstd = 1/sqrt(var + eps)``
  are returned as torch returns them (the running-stat update is a side effect that an
  inference graph drops). Evaluation: the running stats, and empty ``save_*`` outputs.
- group norm: ``Reshape`` to [N, group, -1], statistics over the last dim.
- instance norm: statistics over the spatial dims of each (N, C).
- RMS norm: ``x / sqrt(mean(x^2) + eps)`` over the trailing ``normalized_shape`` dims,
  ``eps`` defaulting to the dtype's machine epsilon, as torch does.

Under dynamo, torch.export rewrites ``native_batch_norm`` and ``_native_batch_norm_legit``
into ``_native_batch_norm_legit_functional`` (training: the updated running stats become
outputs) or ``_native_batch_norm_legit_no_training`` before the translation table is
consulted. torchlib's lowering of those normalizes training calls with the running stats
(``save_mean`` comes out zeros), breaks evaluation calls (their running-stat inputs come out
declared empty, and ORT refuses the real ones) and fails in float64, so symreg has rules for
the two functional forms (which serve TorchScript too, for models that call them) and
TorchScript-only rules for the forms a traced model records. ``_batch_norm_with_update``
becomes ``_batch_norm_with_update_functional``, which torchlib lacks: the exporter
decomposes it, correctly. torchlib's group and instance norm and the ``no_stats`` overload of
``_native_batch_norm_legit`` fail in float64 (a float32 scalar beside float64 tensors; ORT has
no float64 ``InstanceNormalization``): those three rules serve both exporters. ``rms_norm``
and ``native_dropout_backward`` are TorchScript only (torchlib's are right).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast, constant_like, dim, ints, rank_of, reduce, to_0d, to_1d
from symreg.registry import op

_TS = ("torchscript",)


def _mean(g: Builder, x, axes: list[int]):
    return reduce(g, "ReduceMean", x, axes, True)


def _rsqrt(g: Builder, var, eps: float):
    return g.op("Reciprocal", g.op("Sqrt", g.op("Add", var, constant_like(g, [eps], var))))


def _per_channel(g: Builder, v, rank: int):
    """A [C] vector shaped [1, C, 1, ...] to broadcast over an input of ``rank``."""
    return g.op("Reshape", v, ints(g, [1, -1] + [1] * (rank - 2)))


def _affine(g: Builder, y, weight, bias, rank: int):
    if weight is not None:
        y = g.op("Mul", y, _per_channel(g, weight, rank))
    if bias is not None:
        y = g.op("Add", y, _per_channel(g, bias, rank))
    return y


def _empty_like(g: Builder, x):
    return constant_like(g, np.zeros(0), x)


def _batch_statistics(g: Builder, x, rank: int):
    """(mean, biased variance) of ``x`` over every dim but 1, shaped [1, C, 1, ...]."""
    axes = [0, *range(2, rank)]
    mean = _mean(g, x, axes)
    centred = g.op("Sub", x, mean)
    return mean, _mean(g, g.op("Mul", centred, centred), axes)


def _normalized(g: Builder, x, weight, bias, mean, var, eps: float, rank: int):
    """(out, save_mean, save_invstd) of training batch norm with the batch's ``mean`` and ``var``."""
    invstd = _rsqrt(g, var, eps)
    out = _affine(g, g.op("Mul", g.op("Sub", x, mean), invstd), weight, bias, rank)
    flat = ints(g, [-1])
    return out, g.op("Reshape", mean, flat), g.op("Reshape", invstd, flat)


def batch_norm(g: Builder, x, weight, bias, running_mean, running_var, training: bool, eps: float):
    """(out, save_mean, save_invstd) of torch's ``native_batch_norm`` on CPU: batch statistics
    when ``training`` or without running stats ([C] ``save_*``), else the running stats (empty
    ``save_*``)."""
    rank = rank_of(g, x)
    if training or running_mean is None or running_var is None:
        return _normalized(g, x, weight, bias, *_batch_statistics(g, x, rank), eps, rank)
    invstd = _rsqrt(g, _per_channel(g, running_var, rank), eps)
    centred = g.op("Sub", x, _per_channel(g, running_mean, rank))
    out = _affine(g, g.op("Mul", centred, invstd), weight, bias, rank)
    return out, _empty_like(g, x), _empty_like(g, x)


def _updated_running_stats(g: Builder, x, mean, var, running_mean, running_var, momentum: float):
    """``(1 - momentum) * running + momentum * batch`` for the batch's ``mean`` and its biased
    ``var`` made unbiased (torch scales it by n / (n - 1), n = numel / C), in the running stats'
    dtype."""
    n = g.op("Div", cast(g, g.op("Size", x), g.dtype(x)), cast(g, dim(g, x, 1), g.dtype(x)))
    var = g.op("Mul", var, g.op("Div", n, g.op("Sub", n, constant_like(g, [1.0], x))))
    updated = []
    for running, batch in ((running_mean, mean), (running_var, var)):
        batch = g.op("Reshape", batch, ints(g, [-1]))
        if g.dtype(running) is not None and g.dtype(running) != g.dtype(x):
            batch = cast(g, batch, g.dtype(running))
        kept = g.op("Mul", running, constant_like(g, [1.0 - momentum], running))
        updated.append(g.op("Add", kept, g.op("Mul", batch, constant_like(g, [momentum], running))))
    return tuple(updated)


@op("aten::_batch_norm_with_update", opset=9, exporters=_TS)
def aten__batch_norm_with_update(g: Builder, x, weight, bias, running_mean, running_var, momentum: float, eps: float):
    """Training batch norm (batch statistics), see :func:`batch_norm`; the fourth output
    (cuDNN's reserve) is empty uint8; opset 9+."""
    out, mean, invstd = batch_norm(g, x, weight, bias, running_mean, running_var, True, eps)
    return out, mean, invstd, g.constant(np.zeros(0, dtype=np.uint8))


@op("aten::_native_batch_norm_legit", opset=9, exporters=_TS)
def aten__native_batch_norm_legit(
    g: Builder, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float
):
    """``native_batch_norm`` with the running stats mandatory (the default overload), see
    :func:`batch_norm`; opset 9+."""
    return batch_norm(g, x, weight, bias, running_mean, running_var, training, eps)


@op("aten::_native_batch_norm_legit.no_stats", opset=9)
def aten__native_batch_norm_legit_no_stats(g: Builder, x, weight, bias, training: bool, momentum: float, eps: float):
    """Batch norm without running stats: batch statistics (torch refuses evaluation without
    them), see :func:`batch_norm`; opset 9+. Both exporters: torchlib's fails in float64."""
    return batch_norm(g, x, weight, bias, None, None, True, eps)


@op("aten::_native_batch_norm_legit_functional", opset=9)
def aten__native_batch_norm_legit_functional(
    g: Builder, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float
):
    """(out, save_mean, save_invstd, running_mean_out, running_var_out): :func:`batch_norm`,
    and the running stats updated with the batch statistics when ``training`` (unchanged
    otherwise); opset 9+. torch.export's form of the two ops above (torchlib's is wrong, see the
    module docstring); TorchScript too, for a model that calls it (torch has no rule)."""
    if not training:
        out, mean, invstd = batch_norm(g, x, weight, bias, running_mean, running_var, False, eps)
        return out, mean, invstd, g.op("Identity", running_mean), g.op("Identity", running_var)
    rank = rank_of(g, x)
    mean, var = _batch_statistics(g, x, rank)
    updated = _updated_running_stats(g, x, mean, var, running_mean, running_var, momentum)
    return (*_normalized(g, x, weight, bias, mean, var, eps, rank), *updated)


@op("aten::_native_batch_norm_legit_no_training", opset=9)
def aten__native_batch_norm_legit_no_training(
    g: Builder, x, weight, bias, running_mean, running_var, momentum: float, eps: float
):
    """Evaluation batch norm with the running stats and empty ``save_*``, see :func:`batch_norm`;
    opset 9+. torch.export's form of an evaluation call (torchlib's breaks it, see the module
    docstring); TorchScript too, for a model that calls it (torch has no rule)."""
    return batch_norm(g, x, weight, bias, running_mean, running_var, False, eps)


@op("aten::instance_norm", opset=9)
def aten_instance_norm(
    g: Builder,
    x,
    weight,
    bias,
    running_mean,
    running_var,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
):
    """Statistics of each (N, C) over the spatial dims; with ``use_input_stats=False``, the
    running stats as batch norm in evaluation uses them; opset 9+. Replaces torch's rule, which
    refuses a dynamic batch size at opsets 9-14 and at 15-17 builds a training-mode
    ``BatchNormalization`` that ORT rejects; both exporters (torchlib's fails in float64)."""
    rank = rank_of(g, x)
    if not use_input_stats and running_mean is not None and running_var is not None:
        return batch_norm(g, x, weight, bias, running_mean, running_var, False, eps)[0]
    axes = list(range(2, rank))
    centred = g.op("Sub", x, _mean(g, x, axes))
    invstd = _rsqrt(g, _mean(g, g.op("Mul", centred, centred), axes), eps)
    return _affine(g, g.op("Mul", centred, invstd), weight, bias, rank)


@op("aten::native_batch_norm", opset=9, exporters=_TS)
def aten_native_batch_norm(
    g: Builder, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float
):
    """Batch statistics when training (or without running stats), else the running stats, see
    :func:`batch_norm`; opset 9+."""
    return batch_norm(g, x, weight, bias, running_mean, running_var, training, eps)


@op("aten::native_dropout_backward", opset=9, exporters=_TS)
def aten_native_dropout_backward(g: Builder, grad, mask, scale: float):
    """``grad * (mask * scale)``, the mask cast to grad's dtype; opset 9+."""
    mask = cast(g, mask, g.dtype(grad) or torch.float32)
    if g.rank(grad) == 0:  # a 1-d view: [scale] would broadcast the result to [1]
        return to_0d(g, aten_native_dropout_backward(g, to_1d(g, grad), to_1d(g, mask), scale))
    return g.op("Mul", grad, g.op("Mul", mask, constant_like(g, [scale], grad)))


@op("aten::native_group_norm", opset=9)
def aten_native_group_norm(g: Builder, x, weight, bias, n: int, c: int, hxw: int, group: int, eps: float):
    """(out, mean, rstd): statistics of [N, group, C/group * HxW] over the last dim; mean, rstd
    are [N, group]; opset 9+. C and HxW are the op's constant arguments (``F.group_norm``
    reaches ``aten::group_norm``, whose torch rule is not replaced). Both exporters: torchlib's
    fails in float64."""
    rank = rank_of(g, x)
    if (g.shape(x) or (None,))[0] == 0:  # torch's shape inference of Reshape divides by zero on it
        empty = constant_like(g, np.zeros((0, group)), x)
        return _affine(g, x, weight, bias, rank), empty, empty
    batch = dim(g, x, 0)
    grouped = g.op("Reshape", x, g.op("Concat", batch, ints(g, [group, c // group * hxw]), axis=0))
    mean = _mean(g, grouped, [2])
    centred = g.op("Sub", grouped, mean)
    rstd = _rsqrt(g, _mean(g, g.op("Mul", centred, centred), [2]), eps)
    y = g.op("Reshape", g.op("Mul", centred, rstd), g.op("Shape", x))
    stats = g.op("Concat", batch, ints(g, [group]), axis=0)
    return _affine(g, y, weight, bias, rank), g.op("Reshape", mean, stats), g.op("Reshape", rstd, stats)


@op("aten::rms_norm", opset=9, exporters=_TS)
def aten_rms_norm(g: Builder, x, normalized_shape: list[int], weight=None, eps: Optional[float] = None):
    """``x * 1/sqrt(mean(x^2) + eps) * weight`` over the trailing ``len(normalized_shape)`` dims;
    opset 9+."""
    rank = rank_of(g, x)
    if eps is None:
        eps = float(torch.finfo(g.dtype(x) or torch.float32).eps)
    axes = list(range(rank - len(normalized_shape), rank))
    y = g.op("Mul", x, _rsqrt(g, _mean(g, g.op("Mul", x, x), axes), eps))
    return y if weight is None else g.op("Mul", y, weight)
