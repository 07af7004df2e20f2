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
#: Sums of a few products of the input: float32 within 1e-5, float64 within 1e-12 (they match exactly today).
ROI = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}

#: ROIs on a (9, 11) feature map, in its coordinates: inside, partly and fully outside, zero-size,
#: smaller than a pixel, inverted, on halves (ps_roi_pool rounds them away from zero), on the last
#: pixel and on the border. Row 0 is the batch index.
EDGE_ROIS = (
    (0, 1.0, 1.0, 6.0, 5.0),
    (1, -3.0, -2.0, 4.0, 3.0),
    (0, 2.3, 3.1, 2.3, 3.1),
    (1, 8.0, 7.0, 20.0, 15.0),
    (0, 30.0, 30.0, 40.0, 40.0),
    (1, 0.2, 0.4, 0.9, 1.3),
    (0, -1.0, -1.0, 12.0, 10.0),
    (1, 5.0, 5.0, 3.0, 2.0),
    (0, 0.5, 1.5, 4.5, 6.5),
    (1, 0.0, 0.0, 10.0, 8.0),
    (0, 0.0, 0.0, 11.0, 9.0),
)
#: And a ROI inverted along x only: with adaptive sampling torchvision's roi_align fails on it
#: ("cannot create std::vector larger than max_size()", a negative sample count), its
#: position-sensitive ops sample nothing.
PS_EDGE_ROIS = (*EDGE_ROIS, (0, 9.0, 1.0, 2.0, 8.0))


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


def _rois(dtype: torch.dtype, scale: float, rows=PS_EDGE_ROIS) -> torch.Tensor:
    """``rows`` (feature-map coordinates) as boxes for ``spatial_scale=scale``: Tensor[K, 5]."""
    rois = torch.tensor(rows, dtype=torch.float64)
    rois[:, 1:] /= scale
    return rois.to(dtype)


def _per_image(rois: torch.Tensor, images: int) -> list[torch.Tensor]:
    """The boxes as torchvision's other form: one Tensor[L, 4] per image."""
    return [rois[rois[:, 0] == i, 1:] for i in range(images)]


def _roi_sample(x: torch.Tensor, boxes, *args) -> Sample:
    dims = (_NCHW, *([(0,)] * (len(boxes) if isinstance(boxes, list) else 1)))
    return Sample((x, boxes, *args), dims=dims)


def roi_align_samples(dtype: torch.dtype) -> list[Sample]:
    """Edge ROIs (Tensor[K, 5] and per-image lists), both ``aligned``, fixed and adaptive sampling, scales != 1.

    Arguments: (input, boxes, output_size, spatial_scale, sampling_ratio, aligned).
    """
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 11, dtype=dtype)
    third = 1 / 3  # not a float32 value: float64 boxes must be scaled in float64
    return [
        _roi_sample(x, _rois(dtype, 0.5, EDGE_ROIS), (3, 2), 0.5, -1, True),
        _roi_sample(x, _per_image(_rois(dtype, third, EDGE_ROIS), 2), 2, third, 2, False),
        _roi_sample(_non_finite(x), _rois(dtype, third, EDGE_ROIS), (2, 3), third, 2, True),
        _roi_sample(x, _per_image(_rois(dtype, 0.25, EDGE_ROIS), 2), (3, 3), 0.25, 0, True),
        _roi_sample(x, _rois(dtype, 1.0, EDGE_ROIS), (4, 3), 1.0, -1, False),
        _roi_sample(x[:1], _rois(dtype, 1.0, [r for r in EDGE_ROIS if r[0] == 0]), 1, 1.0, 3, True),
    ]


def ps_roi_align_samples(dtype: torch.dtype) -> list[Sample]:
    """As roi_align's, channels a multiple of the bins.

    Arguments: (input, boxes, output_size, spatial_scale, sampling_ratio).
    """
    torch.manual_seed(0)
    x = torch.randn(2, 12, 9, 11, dtype=dtype)
    third = 1 / 3
    return [
        _roi_sample(x, _rois(dtype, 0.5), (2, 3), 0.5, -1),
        _roi_sample(x[:, :8], _per_image(_rois(dtype, third), 2), 2, third, 2),
        _roi_sample(_non_finite(x[:, :9]), _rois(dtype, 1.0), 3, 1.0, 0),
        _roi_sample(x, _per_image(_rois(dtype, 0.25), 2), (3, 2), 0.25, 3),
        _roi_sample(x[:1, :4], _rois(dtype, 1.0, [r for r in PS_EDGE_ROIS if r[0] == 0]), (1, 4), 1.0, -1),
    ]


def ps_roi_pool_samples(dtype: torch.dtype) -> list[Sample]:
    """As ps_roi_align's (halves in the ROIs round away from zero).

    Arguments: (input, boxes, output_size, spatial_scale).
    """
    torch.manual_seed(0)
    x = torch.randn(2, 18, 9, 11, dtype=dtype)
    third = 1 / 3
    return [
        _roi_sample(x[:, :12], _rois(dtype, 0.5), (2, 3), 0.5),
        _roi_sample(_non_finite(x[:, :9]), _per_image(_rois(dtype, third), 2), 3, third),
        _roi_sample(x[:, :4], _rois(dtype, 1.0), 2, 1.0),
        _roi_sample(x, _per_image(_rois(dtype, 0.25), 2), (3, 6), 0.25),
        _roi_sample(x[:1, :4], _rois(dtype, 1.0, [r for r in PS_EDGE_ROIS if r[0] == 0]), (4, 1), 1.0),
    ]


def _non_finite(x: torch.Tensor) -> torch.Tensor:
    """``x`` with a NaN, a +inf and a -inf in channel 0 of image 0, and +inf beside -inf in channel 1."""
    x = x.clone()
    x[0, 0, 2, 3], x[0, 0, 6, 1], x[0, 0, 4, 8] = float("nan"), float("inf"), float("-inf")
    x[0, 1, 3, 3], x[0, 1, 3, 4] = float("inf"), float("-inf")
    return x


def grow_rois(sample: Sample) -> Sample:
    """A larger image (and batch, where dynamic) and three more ROIs per box tensor, batch indices valid."""
    x, boxes, *rest = sample.args
    n, c, h, w = x.shape
    n = n + 3 if n >= 2 else n
    x = torch.randn(n, c, h + 3, w + 3, dtype=x.dtype)
    scale = rest[1]

    def more(b: torch.Tensor, images: int | None) -> torch.Tensor:
        k = b.shape[0] + 3 if b.shape[0] >= 2 else b.shape[0]
        corners = torch.empty(k, 2, 2, dtype=torch.float64).uniform_(-3, max(h, w) + 6)  # (roi, corner, xy)
        coords = corners.sort(dim=1).values.reshape(k, 4) / scale  # x1 <= x2, y1 <= y2
        if images is None:
            return coords.to(b.dtype)
        index = torch.randint(0, images, (k, 1), dtype=torch.float64)
        return torch.cat([index, coords], dim=1).to(b.dtype)

    boxes = [more(b, None) for b in boxes] if isinstance(boxes, list) else more(boxes, n)
    return dataclasses.replace(sample, args=(x, boxes, *rest))


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("torchvision::deform_conv2d",),
        {torch.float32: (0.0, 1e-4), torch.float64: (0.0, 1e-10)},  # max abs error vs torchvision
        samples=deform_conv2d_samples,
        fn=torchvision.ops.deform_conv2d,
        grow=grow_deform_conv2d,
        exports=(*EXPORTS, ("torchscript", 19), ("dynamo", 19)),  # 19: ONNX DeformConv, below: symreg's kernel
    ),
    OpEntry(
        ("torchvision::ps_roi_align",),
        ROI,
        samples=ps_roi_align_samples,
        fn=torchvision.ops.ps_roi_align,
        grow=grow_rois,
        exports=(*EXPORTS, ("torchscript", 16)),  # 16: RoiAlign over every channel; below: gathers
    ),
    OpEntry(
        ("torchvision::ps_roi_pool",),
        ROI,
        samples=ps_roi_pool_samples,
        fn=torchvision.ops.ps_roi_pool,
        grow=grow_rois,
    ).xfail("CumSum is opset 11", exporter="torchscript", opset=9),
    OpEntry(
        ("torchvision::roi_align",),
        ROI,
        samples=roi_align_samples,
        fn=torchvision.ops.roi_align,
        grow=grow_rois,
        exports=(*EXPORTS, ("torchscript", 10), ("torchscript", 16)),  # RoiAlign from 10 (aligned: 16), else gathers
    ),
)
