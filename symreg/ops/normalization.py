"""Normalization: batch, group, instance and RMS norm, including the ATen forms the exporters meet.

torch 2.14's TorchScript exporter has no rule for ``aten::rms_norm``, ``native_batch_norm``,
``_native_batch_norm_legit``, ``_batch_norm_with_update``, ``native_group_norm`` or
``native_dropout_backward``; its ``instance_norm`` rule refuses a dynamic batch size and at
opsets 15-17 emits a ``BatchNormalization`` in training mode that ORT rejects. Every
rule here is a composition of ``ReduceMean``, ``Sub``, ``Mul``, ``Sqrt`` and ``Reciprocal``
valid from opset 9 (axes as attributes below opset 18, as inputs from 18), so float64
runs in ORT too:

- batch norm, training (``training=True``, ``_batch_norm_with_update``): mean and biased
  variance over every dim but 1; ``save_mean`` and ``save_invstd = 1/sqrt(var + eps)``
  are returned as torch returns them (the running-stat update is a side effect that an
  inference graph drops). Evaluation: the running stats, and empty ``save_*`` outputs.
- group norm: ``Reshape`` to [N, group, -1], statistics over the last dim.
- instance norm: statistics over the spatial dims of each (N, C).
- RMS norm: ``x / sqrt(mean(x^2) + eps)`` over the trailing ``normalized_shape`` dims,
  ``eps`` defaulting to the dtype's machine epsilon, as torch does.

Under dynamo, torchlib's group norm fails in float64 (a float32 scalar beside float64
tensors) and its instance norm too (ORT has no float64 ``InstanceNormalization``): those two
rules serve both exporters. The batch-norm rules are TorchScript only: torch.export turns
``native_batch_norm``, ``_native_batch_norm_legit`` and ``_batch_norm_with_update`` into
their ``_functional`` / ``_no_training`` forms before the translation table is consulted
(torchlib's lowering of those normalizes training calls with the running stats, and fails
in float64). ``rms_norm`` and ``native_dropout_backward`` are TorchScript only (torchlib's
are right).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import cast, constant_like
from symreg.registry import op


def _ints(g: Builder, values) -> object:
    return g.constant(np.asarray(values, dtype=np.int64))


def _rank(g: Builder, x) -> int:
    rank = g.rank(x)
    if rank is None:
        raise ExportError(f"{g.overload}: the rank of the input is unknown; export with inputs of known rank")
    return rank


def _mean(g: Builder, x, axes: list[int]):
    """``ReduceMean`` over ``axes`` (non-negative) keeping dims: attribute below opset 18, input from 18."""
    if g.opset >= 18:
        return g.op("ReduceMean", x, _ints(g, axes), keepdims=1)
    return g.op("ReduceMean", x, axes=axes, keepdims=1)


def _rsqrt(g: Builder, var, eps: float):
    return g.op("Reciprocal", g.op("Sqrt", g.op("Add", var, constant_like(g, [eps], var))))


def _per_channel(g: Builder, v, rank: int):
    """A [C] vector shaped [1, C, 1, ...] to broadcast over an input of ``rank``."""
    return g.op("Reshape", v, _ints(g, [1, -1] + [1] * (rank - 2)))


def _affine(g: Builder, y, weight, bias, rank: int):
    if weight is not None:
        y = g.op("Mul", y, _per_channel(g, weight, rank))
    if bias is not None:
        y = g.op("Add", y, _per_channel(g, bias, rank))
    return y


def _empty_like(g: Builder, x):
    return constant_like(g, np.zeros(0), x)


def batch_norm(g: Builder, x, weight, bias, running_mean, running_var, training: bool, eps: float):
    """(out, save_mean, save_invstd) of torch's ``native_batch_norm`` on CPU."""
    rank = _rank(g, x)
    if training or running_mean is None or running_var is None:
        axes = [0, *range(2, rank)]
        mean = _mean(g, x, axes)
        centred = g.op("Sub", x, mean)
        invstd = _rsqrt(g, _mean(g, g.op("Mul", centred, centred), axes), eps)
        out = _affine(g, g.op("Mul", centred, invstd), weight, bias, rank)
        flat = _ints(g, [-1])
        return out, g.op("Reshape", mean, flat), g.op("Reshape", invstd, flat)
    invstd = _rsqrt(g, _per_channel(g, running_var, rank), eps)
    centred = g.op("Sub", x, _per_channel(g, running_mean, rank))
    out = _affine(g, g.op("Mul", centred, invstd), weight, bias, rank)
    return out, _empty_like(g, x), _empty_like(g, x)


@op("aten::_batch_norm_with_update", opset=9, exporters=("torchscript",))
def aten__batch_norm_with_update(g: Builder, x, weight, bias, running_mean, running_var, momentum: float, eps: float):
    """Training batch norm (batch statistics); the fourth output (cuDNN's reserve) is empty uint8."""
    out, mean, invstd = batch_norm(g, x, weight, bias, running_mean, running_var, True, eps)
    return out, mean, invstd, g.constant(np.zeros(0, dtype=np.uint8))


@op("aten::_native_batch_norm_legit", opset=9, exporters=("torchscript",))
def aten__native_batch_norm_legit(g: Builder, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float):
    """``native_batch_norm`` with the running stats mandatory (the default overload)."""
    return batch_norm(g, x, weight, bias, running_mean, running_var, training, eps)


@op("aten::instance_norm", opset=9)
def aten_instance_norm(
    g: Builder, x, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float, eps: float, cudnn_enabled: bool
):
    """Statistics of each (N, C) over the spatial dims; with ``use_input_stats=False``, the
    running stats as batch norm in evaluation uses them. torch's rule refuses a dynamic batch
    size at opsets 9-14 and at 15-17 builds a training-mode ``BatchNormalization`` that ORT
    rejects."""
    rank = _rank(g, x)
    if not use_input_stats and running_mean is not None and running_var is not None:
        return batch_norm(g, x, weight, bias, running_mean, running_var, False, eps)[0]
    axes = list(range(2, rank))
    centred = g.op("Sub", x, _mean(g, x, axes))
    invstd = _rsqrt(g, _mean(g, g.op("Mul", centred, centred), axes), eps)
    return _affine(g, g.op("Mul", centred, invstd), weight, bias, rank)


@op("aten::native_batch_norm", opset=9, exporters=("torchscript",))
def aten_native_batch_norm(g: Builder, x, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float):
    """Batch statistics when training (or without running stats), else the running stats."""
    return batch_norm(g, x, weight, bias, running_mean, running_var, training, eps)


@op("aten::native_dropout_backward", opset=9, exporters=("torchscript",))
def aten_native_dropout_backward(g: Builder, grad, mask, scale: float):
    """``grad * (mask * scale)``, the mask cast to grad's dtype."""
    mask = cast(g, mask, g.dtype(grad) or torch.float32)
    if g.rank(grad) == 0:  # a 1-d view: [scale] would broadcast the result to [1]
        one, scalar = _ints(g, [1]), _ints(g, np.zeros(0, dtype=np.int64))
        y = aten_native_dropout_backward(g, g.op("Reshape", grad, one), g.op("Reshape", mask, one), scale)
        return g.op("Reshape", y, scalar)
    return g.op("Mul", grad, g.op("Mul", mask, constant_like(g, [scale], grad)))


@op("aten::native_group_norm", opset=9)
def aten_native_group_norm(g: Builder, x, weight, bias, n: int, c: int, hxw: int, group: int, eps: float):
    """(out, mean, rstd): statistics of [N, group, C/group * HxW] over the last dim; mean, rstd
    are [N, group]. C and HxW are the op's constant arguments (``F.group_norm`` reaches
    ``aten::group_norm``, whose torch rule is not replaced)."""
    rank = _rank(g, x)
    if (g.shape(x) or (None,))[0] == 0:  # torch's shape inference of Reshape divides by zero on it
        empty = constant_like(g, np.zeros((0, group)), x)
        return _affine(g, x, weight, bias, rank), empty, empty
    # N from Shape (it may be dynamic)
    batch = g.op("Gather", g.op("Shape", x), _ints(g, [0]), axis=0)
    grouped = g.op("Reshape", x, g.op("Concat", batch, _ints(g, [group, c // group * hxw]), axis=0))
    mean = _mean(g, grouped, [2])
    centred = g.op("Sub", grouped, mean)
    rstd = _rsqrt(g, _mean(g, g.op("Mul", centred, centred), [2]), eps)
    y = g.op("Reshape", g.op("Mul", centred, rstd), g.op("Shape", x))
    stats = g.op("Concat", batch, _ints(g, [group]), axis=0)
    return _affine(g, y, weight, bias, rank), g.op("Reshape", mean, stats), g.op("Reshape", rstd, stats)


@op("aten::rms_norm", opset=9, exporters=("torchscript",))
def aten_rms_norm(g: Builder, x, normalized_shape: list[int], weight=None, eps: Optional[float] = None):
    """``x * 1/sqrt(mean(x^2) + eps) * weight`` over the trailing ``len(normalized_shape)`` dims."""
    rank = _rank(g, x)
    if eps is None:
        eps = float(torch.finfo(g.dtype(x) or torch.float32).eps)
    axes = list(range(rank - len(normalized_shape), rank))
    y = g.op("Mul", x, _rsqrt(g, _mean(g, g.op("Mul", x, x), axes), eps))
    return y if weight is None else g.op("Mul", y, weight)
