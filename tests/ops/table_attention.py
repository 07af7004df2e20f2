"""Op-table entries of symreg/ops/attention.py, in name order."""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample, samples_of

#: Matmuls and a softmax; OpInfo's inputs in [-9, 9] give scores in the hundreds, where float32
#: rounding of the scores moves the weights by ~1e-5 (eager's own error against float64 too).
ATTENTION = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-12, 1e-12)}


def opinfo_samples(name: str, dtype: torch.dtype, keep=lambda s: True) -> list[Sample]:
    """The samples of torch's OpInfo ``name`` in ``dtype`` that ``keep`` keeps (e.g. no random dropout),
    for entries that filter or change OpInfo's samples (``opinfo=`` takes them all, unchanged)."""
    return [s for s in _opinfo_samples(name, dtype) if keep(s)]


@functools.cache
def _opinfo_samples(name: str, dtype: torch.dtype) -> tuple[Sample, ...]:
    with torch.random.fork_rng(devices=[]):  # samples_of seeds the generator: leave the caller's draws alone
        return tuple(samples_of(OpEntry((f"opinfo::{name}",), {}, opinfo=name), dtype))


def _no_dropout(sample: Sample) -> bool:
    return not sample.kwargs.get("dropout_p", 0.0) and not sample.kwargs.get("training", False)


def _heads_static(*ranks: int) -> tuple:
    """Dynamic dims of 4-d q/k/v (and masks of ``ranks``) with the head dim (1) static: GQA needs Hq % Hk == 0."""
    return tuple(tuple(d for d in range(r) if d != 1) if r == 4 else tuple(range(r)) for r in ranks)


def sdpa_samples(dtype: torch.dtype) -> list[Sample]:
    """Bool mask with a fully masked row and a float ``scale``; causal with L < S; GQA with a float mask;
    then OpInfo's samples without dropout (random), causal with L > S, a -inf float mask, empty."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 4, n, e, dtype=dtype) for n, e in ((3, 8), (5, 8), (5, 6)))
    keep = torch.rand(3, 5) > 0.4
    keep[1] = False
    float_mask = torch.randn(1, 1, 3, 5, dtype=dtype)
    float_mask[0, 0, 2] = -math.inf
    float_mask[0, 0, 0, 1] = -math.inf
    qg, kg, vg = (torch.randn(1, h, n, 8, dtype=dtype) for h, n in ((4, 3), (2, 5), (2, 5)))
    return [
        Sample((q, k, v), {"attn_mask": keep, "scale": 0.3}),
        Sample((q, torch.randn(2, 4, 6, 8, dtype=dtype), torch.randn(2, 4, 6, 8, dtype=dtype)), {"is_causal": True}),
        Sample((qg, kg, vg), {"attn_mask": float_mask, "enable_gqa": True}, dims=_heads_static(4, 4, 4, 4)),
        *opinfo_samples("nn.functional.scaled_dot_product_attention", dtype, _no_dropout),
        Sample((torch.randn(4, 6, 8, dtype=dtype), k[0], v[0]), {"is_causal": True}),
        Sample((q, k, v), {"attn_mask": float_mask[0, 0]}),
        Sample((qg, kg, vg), {"is_causal": True, "enable_gqa": True, "scale": 0.5}, dims=_heads_static(4, 4, 4)),
        Sample((q, k[:, :, :0], v[:, :, :0])),
        Sample((q[:, :, :0], k, v), {"is_causal": True}),
    ]


def safe_softmax_samples(dtype: torch.dtype) -> list[Sample]:
    """Rows all -inf (give 0), a NaN row (stays NaN), ±inf, empty, 0-d; then OpInfo's."""
    x = torch.randn(3, 4, 5, dtype=dtype)
    x[0, 1] = -math.inf
    x[1, :, 2] = -math.inf
    x[2, 0, 0] = math.nan
    x[2, 2, 1] = math.inf
    return [
        Sample((x, -1)),
        Sample((x, 1)),
        Sample((x, 0)),
        Sample((torch.randn(2, 0, 3, dtype=dtype), 1)),
        Sample((torch.tensor(-math.inf, dtype=dtype), 0)),
        *opinfo_samples("torch.ops.aten._safe_softmax.default", dtype),
    ]


def flash_samples(dtype: torch.dtype) -> list[Sample]:
    """OpInfo's (causal, plain, float mask), then a float mask with a -inf entry."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 4, n, 8, dtype=dtype) for n in (3, 5, 5))  # flash wants one head size
    mask = torch.randn(3, 5, dtype=dtype)
    mask[0, 1] = -math.inf
    return [
        *opinfo_samples("torch.ops.aten._scaled_dot_product_flash_attention_for_cpu", dtype, _no_dropout),
        Sample((q, k, v), {"attn_mask": mask, "scale": 0.3}),
    ]


def softmax_backward_samples(dtype: torch.dtype) -> list[Sample]:
    """OpInfo's, then a 0-d one."""
    y = torch.softmax(torch.randn(3, 4, dtype=dtype), 1)
    return [
        *opinfo_samples("_softmax_backward_data", dtype),
        Sample((torch.randn(3, 4, dtype=dtype), y, 0, dtype)),
        Sample((torch.tensor(0.5, dtype=dtype), torch.tensor(1.0, dtype=dtype), 0, dtype)),
    ]


#: A softmax: float32 within 1e-6 relative, float64 within 1e-14.
SOFTMAX = {torch.float32: (1e-6, 1e-7), torch.float64: (1e-14, 1e-16)}
#: ``y * (g - sum(g * y))`` cancels where g is close to the sum: float32 within 1e-5, float64 within 1e-12.
SOFTMAX_BACKWARD = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-14)}

ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_safe_softmax",), SOFTMAX, samples=safe_softmax_samples),
    OpEntry(("aten::_scaled_dot_product_flash_attention_for_cpu",), ATTENTION, samples=flash_samples),
    OpEntry(("aten::_softmax_backward_data",), SOFTMAX_BACKWARD, samples=softmax_backward_samples),
    OpEntry(
        ("aten::scaled_dot_product_attention",),
        ATTENTION,
        samples=sdpa_samples,
        fn=F.scaled_dot_product_attention,
    ),
)
