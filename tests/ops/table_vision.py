"""Op-table entries of symreg/ops/vision.py (torchvision ops), in name order."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
import torchvision
from deform_conv2d_cases import CASES as DEFORM_CASES
from deform_conv2d_cases import Case, inputs
from op_entry import OpEntry, Sample
from ortcheck import EXPORTS

_NCHW = (0, 2, 3)  # dynamic batch and spatial size; channels fix the groups, so they stay static


def deform_conv2d_samples(dtype: torch.dtype) -> list[Sample]:
    """tests/deform_conv2d_cases.py's cases that torchvision can express (symmetric pads)."""
    dtype_np = {torch.float32: np.float32, torch.float64: np.float64}[dtype]
    return [_deform_sample(case, dtype_np) for case in DEFORM_CASES if case.pads[:2] == case.pads[2:]]


def _deform_sample(case: Case, dtype, seed: int = 0) -> Sample:
    a = {k: None if v is None else torch.from_numpy(v) for k, v in inputs(case, dtype, seed).items()}
    kwargs = {"bias": a["bias"], "stride": case.strides, "padding": case.pads[:2], "dilation": case.dilations}
    kwargs["mask"] = a["mask"]
    dims = [_NCHW, _NCHW, ()] + [()] * (a["bias"] is not None) + [_NCHW] * (a["mask"] is not None)
    return Sample((a["x"], a["offset"], a["weight"]), kwargs, tuple(dims))


def grow_deform_conv2d(sample: Sample) -> Sample:
    """The same convolution on a larger batch and image: new X, offset and mask; the same W and B."""
    x, offset, weight = sample.args
    n, c_in, h, w = x.shape
    grown = Case(
        (n + 3 if n >= 2 else n, c_in, h + 3, w + 3),
        weight.shape[0],
        kernel=tuple(weight.shape[2:]),
        group=c_in // weight.shape[1],
        offset_group=offset.shape[1] // (2 * weight.shape[2] * weight.shape[3]),
        strides=tuple(sample.kwargs["stride"]),
        pads=tuple(sample.kwargs["padding"]) * 2,
        dilations=tuple(sample.kwargs["dilation"]),
        mask=sample.kwargs["mask"] is not None,
    )
    new = _deform_sample(grown, x.numpy().dtype.type, seed=1)
    kwargs = {**new.kwargs, "bias": sample.kwargs["bias"]}
    return dataclasses.replace(new, args=(*new.args[:2], weight), kwargs=kwargs)


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("torchvision::deform_conv2d",),
        {torch.float32: (0.0, 1e-4), torch.float64: (0.0, 1e-10)},  # max abs error vs torchvision
        samples=deform_conv2d_samples,
        fn=torchvision.ops.deform_conv2d,
        grow=grow_deform_conv2d,
        exports=(*EXPORTS, ("torchscript", 19), ("dynamo", 19)),  # 19: ONNX DeformConv, below: symreg's kernel
    ),
)
