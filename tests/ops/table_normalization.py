"""Op-table entries of symreg/ops/normalization.py, in name order."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample
from table_attention import opinfo_samples

#: Means, variances and a reciprocal square root: float32 within 1e-5, float64 within 1e-12.
NORM = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}


def _static(sample: Sample) -> Sample:
    """The sample with every dim static: its size arguments (N, C, HxW, normalized_shape) are constants."""
    return Sample(sample.args, sample.kwargs, dims=tuple(() for _ in sample.tensors()))


def batch_norm_call(op):
    """``op`` with running stats of None made fresh (zeros and ones) inside the call.

    A training call never reads its running stats, so the exporters drop them as model inputs;
    the training samples pass None instead and this creates the tensors the op needs.
    """

    def call(x, weight, bias, running_mean, running_var, *rest):
        if running_mean is None:
            running_mean = x.new_zeros(x.shape[1]) if weight is None else torch.zeros_like(weight)
            running_var = x.new_ones(x.shape[1]) if weight is None else torch.ones_like(weight)
        return op(x, weight, bias, running_mean, running_var, *rest)

    return call


def batch_norm_samples(name: str):
    always_training = name == "_batch_norm_with_update"

    arity = 7 if always_training else 8

    def without_stats(s: Sample) -> Sample:
        x, w, b, rm, rv, *rest = s.args
        return Sample((x, w, b, None, None, *rest)) if always_training or rest[0] else s

    def samples(dtype: torch.dtype) -> list[Sample]:
        """A 4-d training and evaluation call with positive running variances first, then OpInfo's
        (training ones without running stats: see ``batch_norm_call``)."""
        torch.manual_seed(0)
        x, w, b = torch.randn(2, 3, 4, 5, dtype=dtype), torch.randn(3, dtype=dtype), torch.randn(3, dtype=dtype)
        rm, rv = torch.randn(3, dtype=dtype), torch.rand(3, dtype=dtype) + 0.5
        ours = [Sample((x, w, b, rm, rv, training, 0.1, 1e-5)) for training in (True, False)]
        if always_training:
            ours = [Sample((x, w, b, rm, rv, 0.1, 1e-5))]
        # calls of another arity are the no_stats overload's (its own entry); evaluation needs running stats
        found = [without_stats(s) for s in (*ours, *opinfo_samples(name, dtype)) if len(s.args) == arity]
        return [s for s in found if always_training or s.args[5] or s.args[3] is not None]

    return samples


def functional_batch_norm_samples(no_training: bool):
    """Calls of torch.export's functional batch norms, running stats always given (read for the
    update, or used): ``_native_batch_norm_legit_functional``'s, or with ``no_training`` its
    evaluation calls without the ``training`` argument (``_native_batch_norm_legit_no_training``)."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        """A 4-d call with NaN and ±inf in one channel, a 2-d one without weight and bias, then
        OpInfo's calls of ``_native_batch_norm_legit`` with running stats."""
        torch.manual_seed(0)
        x, w, b = torch.randn(2, 3, 4, 5, dtype=dtype), torch.randn(3, dtype=dtype), torch.randn(3, dtype=dtype)
        x[1, 2, 0, :3] = torch.tensor([math.nan, math.inf, -math.inf], dtype=dtype)
        rm, rv = torch.randn(3, dtype=dtype), torch.rand(3, dtype=dtype) + 0.5
        found = [
            Sample((x, w, b, rm, rv, True, 0.1, 1e-5)),
            Sample((x[:, :, 0, 0], None, None, rm, rv, True, 0.3, 1e-3)),
            Sample((x, w, b, rm, rv, False, 0.1, 1e-5)),
            *(s for s in opinfo_samples("_native_batch_norm_legit", dtype) if len(s.args) == 8),
        ]
        if no_training:  # (input, weight, bias, running_mean, running_var, momentum, eps)
            return [Sample((*s.args[:5], *s.args[6:])) for s in found if not s.args[5]]
        return found

    return samples


def no_stats_batch_norm_samples(dtype: torch.dtype) -> list[Sample]:
    """A 4-d call with NaN in one channel, a 2-d one, then OpInfo's call without running stats."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, 5, dtype=dtype)
    x[0, 1, 1, 1] = math.nan
    w, b = torch.randn(3, dtype=dtype), torch.randn(3, dtype=dtype)
    return [
        Sample((x, w, b, True, 0.1, 1e-5)),
        Sample((x[:, :, 0, 0], None, b, True, 0.1, 1e-3)),
        *(s for s in opinfo_samples("_native_batch_norm_legit", dtype) if len(s.args) == 6),
    ]


def group_norm_samples(dtype: torch.dtype) -> list[Sample]:
    return [_static(s) for s in opinfo_samples("native_group_norm", dtype)]


def rms_norm_samples(dtype: torch.dtype) -> list[Sample]:
    """A transformer-shaped call (dynamic batch and sequence), then OpInfo's (static: normalized_shape is fixed)."""
    torch.manual_seed(0)
    x = torch.randn(2, 5, 8, dtype=dtype)
    return [
        Sample((x, [8], torch.randn(8, dtype=dtype)), {"eps": 1e-6}, dims=((0, 1), ())),
        Sample((x, [5, 8]), dims=((0,),)),
        *[_static(s) for s in opinfo_samples("nn.functional.rms_norm", dtype)],
    ]


def instance_norm_samples(dtype: torch.dtype) -> list[Sample]:
    """OpInfo's; those that use the input's statistics (the default) without the running stats,
    which the call never reads and the exporters drop as model inputs."""
    found = []
    for s in opinfo_samples("nn.functional.instance_norm", dtype):
        kwargs = dict(s.kwargs)
        if kwargs.get("use_input_stats", True):
            kwargs.pop("running_mean", None), kwargs.pop("running_var", None)
        found.append(Sample(s.args, kwargs))
    return found


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::_batch_norm_with_update",),
        NORM,
        samples=batch_norm_samples("_batch_norm_with_update"),
        fn=batch_norm_call(torch.ops.aten._batch_norm_with_update),
    ),
    OpEntry(
        ("aten::_native_batch_norm_legit",),
        NORM,
        samples=batch_norm_samples("_native_batch_norm_legit"),
        fn=batch_norm_call(torch.ops.aten._native_batch_norm_legit),
    ),
    OpEntry(
        ("aten::_native_batch_norm_legit.no_stats",),
        NORM,
        samples=no_stats_batch_norm_samples,
        fn=torch.ops.aten._native_batch_norm_legit,
    ),
    OpEntry(
        ("aten::_native_batch_norm_legit_functional",),
        NORM,
        samples=functional_batch_norm_samples(False),
    ),
    OpEntry(
        ("aten::_native_batch_norm_legit_no_training",),
        NORM,
        samples=functional_batch_norm_samples(True),
    ),
    OpEntry(("aten::instance_norm",), NORM, samples=instance_norm_samples, fn=F.instance_norm),
    OpEntry(
        ("aten::native_batch_norm",),
        NORM,
        samples=batch_norm_samples("native_batch_norm"),
        fn=batch_norm_call(torch.ops.aten.native_batch_norm),
    ),
    OpEntry(
        ("aten::native_dropout_backward",),
        {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)},
        opinfo="native_dropout_backward",
    ),
    OpEntry(("aten::native_group_norm",), NORM, samples=group_norm_samples),
    OpEntry(("aten::rms_norm",), NORM, samples=rms_norm_samples, fn=F.rms_norm),
)
