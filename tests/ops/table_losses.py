"""Op-table entries of symreg/ops/losses.py, in name order."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample, grow_dynamic_dims

#: Losses sum or average many terms: float32 within 1e-5 relative, float64 within 1e-12.
LOSS: dict = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-12)}
#: margin + d(a, p) - d(a, n) cancels distances of ~10 to ~1e-4: float32 within 1e-5 absolute.
TRIPLET: dict = {**LOSS, torch.float32: (1e-5, 1e-5)}


def _grow_class_targets(sample: Sample) -> Sample:
    """``grow_dynamic_dims``, then negative class indices (drawn from an ignored -100) set to the ignored index."""
    grown = grow_dynamic_dims(sample)
    ignore = sample.kwargs.get("ignore_index", -100)
    fill = ignore if ignore < 0 else 0
    return grown.with_tensors(torch.where(t < 0, fill, t) if t.dtype == torch.int64 else t for t in grown.tensors())


def _grow_probabilities(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with values kept in [0, 1] (binary cross entropy takes probabilities)."""
    grown = grow_dynamic_dims(sample)
    return grown.with_tensors(t.clamp(0, 1) for t in grown.tensors())


def _cross_entropy(dtype: torch.dtype) -> list[Sample]:
    """Ignored targets (-100), label smoothing with both kinds of target, weights, rank 4 and 1."""
    x, w = torch.randn(4, 5, dtype=dtype), torch.rand(5, dtype=dtype)
    target = torch.tensor([0, -100, 4, 2])
    probs = torch.rand(4, 5, dtype=dtype).softmax(1)
    x4, t4 = torch.randn(2, 3, 2, 2, dtype=dtype), torch.randint(0, 3, (2, 2, 2))
    p4 = torch.rand(2, 3, 2, 2, dtype=dtype).softmax(1)
    samples = [Sample((x, target), {"reduction": r}) for r in ("mean", "sum", "none")]
    for r in ("mean", "sum", "none"):
        samples += [
            Sample((x, target), {"weight": w, "reduction": r, "label_smoothing": 0.2}),
            Sample((x, target), {"reduction": r, "label_smoothing": 0.3}),
            Sample((x, probs), {"weight": w, "reduction": r, "label_smoothing": 0.1}),
            Sample((x4, t4), {"weight": w[:3], "reduction": r, "label_smoothing": 0.25}),
            Sample((x4, p4), {"reduction": r, "label_smoothing": 0.25}),
            Sample((x[0], target[2]), {"reduction": r, "label_smoothing": 0.1}),
            Sample((x[0], probs[0]), {"reduction": r}),
        ]
    return samples


def _nll_loss(dtype: torch.dtype) -> list[Sample]:
    """Ignored targets (-100) with and without weights; -inf log-probabilities at other classes."""
    x = torch.randn(4, 5, dtype=dtype).log_softmax(1)
    x[1, 3] = -float("inf")
    target, w = torch.tensor([0, -100, 4, 2]), torch.rand(5, dtype=dtype)
    return [Sample((x, target), {"reduction": r, "weight": w}) for r in ("mean", "sum", "none")] + [
        Sample((x, target), {"reduction": r}) for r in ("mean", "sum", "none")
    ]


def _unreduced_class_indices(sample: Sample) -> bool:
    """``_unreduced`` with class-index targets and no label smoothing (torch.export makes those an nll_loss)."""
    return _unreduced(sample) and not sample.args[1].is_floating_point() and not sample.kwargs.get("label_smoothing")


def _unreduced(sample: Sample) -> bool:
    """reduction="none" of (N, C) input (without a batch the result is 0-d; (N, C, d...) is declared right)."""
    return sample.kwargs.get("reduction") == "none" and sample.args[0].dim() == 2


#: Under dynamic shapes the dynamo exporter declares the output of these losses 0-d whatever
#: the reduction, so ONNX shape inference rejects reduction="none" (torch's lowering and symreg's alike).
UNREDUCED_DYNAMO = "the dynamo exporter declares a 0-d output for reduction='none' under dynamic shapes"

ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::binary_cross_entropy",),
        LOSS,
        opinfo="nn.functional.binary_cross_entropy",
        fn=F.binary_cross_entropy,
        grow=_grow_probabilities,
    ),
    OpEntry(
        ("aten::binary_cross_entropy_with_logits",),
        LOSS,
        opinfo="nn.functional.binary_cross_entropy_with_logits",
        fn=F.binary_cross_entropy_with_logits,
    ),
    OpEntry(
        ("aten::cosine_embedding_loss",), LOSS, opinfo="nn.functional.cosine_embedding_loss", fn=F.cosine_embedding_loss
    ),
    OpEntry(
        ("aten::cross_entropy_loss",),
        LOSS,
        opinfo="nn.functional.cross_entropy",
        fn=F.cross_entropy,
        samples=_cross_entropy,
        grow=_grow_class_targets,
    ).xfail(UNREDUCED_DYNAMO, exporter="dynamo", sample=_unreduced_class_indices),
    OpEntry(
        ("aten::hinge_embedding_loss",), LOSS, opinfo="nn.functional.hinge_embedding_loss", fn=F.hinge_embedding_loss
    ),
    OpEntry(("aten::huber_loss",), LOSS, opinfo="nn.functional.huber_loss", fn=F.huber_loss),
    OpEntry(("aten::l1_loss",), LOSS, opinfo="nn.functional.l1_loss", fn=F.l1_loss),
    OpEntry(("aten::margin_ranking_loss",), LOSS, opinfo="nn.functional.margin_ranking_loss", fn=F.margin_ranking_loss),
    OpEntry(("aten::multi_margin_loss",), LOSS, opinfo="nn.functional.multi_margin_loss", fn=F.multi_margin_loss),
    OpEntry(
        ("aten::multilabel_margin_loss",),
        LOSS,
        opinfo="nn.functional.multilabel_margin_loss",
        fn=F.multilabel_margin_loss,
    ),
    OpEntry(
        ("aten::nll_loss", "aten::nll_loss2d", "aten::nll_loss_nd"),
        LOSS,
        opinfo="nn.functional.nll_loss",
        fn=F.nll_loss,
        samples=_nll_loss,
        grow=_grow_class_targets,
    ).xfail(UNREDUCED_DYNAMO, exporter="dynamo", sample=_unreduced),
    OpEntry(("aten::poisson_nll_loss",), LOSS, opinfo="nn.functional.poisson_nll_loss", fn=F.poisson_nll_loss),
    OpEntry(("aten::smooth_l1_loss",), LOSS, opinfo="nn.functional.smooth_l1_loss", fn=F.smooth_l1_loss),
    OpEntry(("aten::soft_margin_loss",), LOSS, opinfo="nn.functional.soft_margin_loss", fn=F.soft_margin_loss),
    OpEntry(
        ("aten::triplet_margin_loss",), TRIPLET, opinfo="nn.functional.triplet_margin_loss", fn=F.triplet_margin_loss
    ),
)
