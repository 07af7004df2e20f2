"""Vision ops: ``torchvision::deform_conv2d``, ``roi_align``, ``ps_roi_align``, ``ps_roi_pool``.

torch 2.14's TorchScript exporter refuses deform_conv2d at every opset, and its
dynamo exporter writes ONNX ``DeformConv`` even below opset 19, where ONNX Runtime
rejects it. symreg lowers it three ways, chosen by opset unless the user forces one
(``symreg.set_lowering`` or ``symreg.export(lowerings=...)``):

``"onnx"``           ONNX ``DeformConv`` (opset >= 19; ORT >= 1.25 runs it natively).
``"custom"``         ``symreg::DeformConv2d``, run by symreg's C++ kernel (any opset >= 9;
                     the default below 19).
``"decomposition"``  standard ops only: GridSample bilinear sampling, mask multiply and
                     a grouped MatMul (opset >= 16; for runtimes that load no custom ops).

ROI pooling (``torchvision::roi_align``, ``ps_roi_align``, ``ps_roi_pool``; helpers in
:mod:`symreg.ops._vision_roi`), standard ops only, equal to torchvision's CPU kernels.
ONNX Runtime's ``RoiAlign`` computes torchvision's ``roi_align`` bit for bit when the
ROIs are scaled in the graph, in their own dtype (the ``spatial_scale`` attribute is
float32, which moves float64 boxes), so ``roi_align`` uses it where ONNX can say what
torchvision does: ``aligned=False`` from opset 10, ``aligned=True`` from opset 16
(``half_pixel``). torchvision's own TorchScript rule exports ``aligned=True`` below 16 as
``aligned=False`` with a warning; there, and below opset 10, a gather decomposition
serves: each sample's four bilinear taps gathered, weighted, summed per bin (adaptive
``sampling_ratio <= 0``: every ROI sampled on the largest ROI's grid and masked, so
memory grows with the largest ROI). ``ps_roi_align`` (no ONNX op) is ``RoiAlign`` with
``half_pixel`` over every channel, keeping each bin's own channel, from opset 16, and
the same gather decomposition below. ``ps_roi_pool`` reads bin sums off a float64
integral image (``CumSum``, opset 11), with NaN and infinities counted in integrals of
their own so that they reach their bins only.
The position-sensitive ops also return torchvision's second output, ``channel_mapping``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symreg.builder import Builder, TensorInfo
from symreg.errors import ExportError
from symreg.ops import _deform_conv_decomposition, _vision_roi
from symreg.ops._helpers import constant_like, ints, slice_
from symreg.registry import op
from symreg.schemas import schema

_MIN_OPSET = {"onnx": 19, "decomposition": 16, "custom": 9}


def _deform_conv2d_shape(inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
    """(N, C_out, oH, oW): N from X, C_out from W, oH and oW from the offset."""
    x, w, offset = (inputs + [None] * 3)[:3]

    def dim(info: TensorInfo | None, axis: int):
        return info.shape[axis] if info is not None and info.rank == 4 else None

    dtype = x.dtype if x is not None else None
    return [TensorInfo(dtype, (dim(x, 0), dim(w, 0), dim(offset, 2), dim(offset, 3)))]


DEFORM_CONV2D = schema(
    "symreg::DeformConv2d",
    inputs=["X: T", "W: T", "offset: T", "mask?: T", "B?: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    attrs={
        "strides": [1, 1],
        "pads": [0, 0, 0, 0],
        "dilations": [1, 1],
        "group": 1,
        "offset_group": 1,
        "kernel_shape": list[int] | None,
    },
    infer=_deform_conv2d_shape,
    doc=(
        "Deformable convolution with torchvision.ops.deform_conv2d's semantics (DCNv1 without mask, "
        "DCNv2 with it), for opsets without ONNX DeformConv. X (N, C_in, H, W); W (C_out, C_in/group, kH, kW); "
        "offset (N, 2*offset_group*kH*kW, oH, oW), (dy, dx) per kernel point; mask (N, offset_group*kH*kW, "
        "oH, oW); B (C_out). pads: [top, left, bottom, right]. kernel_shape (optional): [kH, kW], checked against W's."
    ),
)


@op("torchvision::deform_conv2d", opset=9, lowerings=("custom", "decomposition", "onnx"))
def torchvision_deform_conv2d(
    g: Builder,
    input,
    weight,
    offset,
    mask,
    bias,
    stride_h: int,
    stride_w: int,
    pad_h: int,
    pad_w: int,
    dilation_h: int,
    dilation_w: int,
    groups: int,
    offset_groups: int,
    use_mask: bool,
):
    """ONNX DeformConv at opset >= 19, else symreg::DeformConv2d; see the module docstring."""
    lowering = g.lowering or ("onnx" if g.opset >= 19 else "custom")
    if g.opset < _MIN_OPSET[lowering]:
        usable = [name for name, low in _MIN_OPSET.items() if g.opset >= low]
        raise ExportError(
            f"torchvision::deform_conv2d: lowering {lowering!r} needs opset >= {_MIN_OPSET[lowering]}, but the "
            f"graph is built at opset {g.opset}; export at a higher opset or choose one of {usable}"
        )
    mask = mask if use_mask else None  # torchvision passes zeros when there is no mask
    strides, dilations = [stride_h, stride_w], [dilation_h, dilation_w]
    if lowering == "custom":
        return g.op(
            "symreg::DeformConv2d", input, weight, offset, mask, bias, strides=strides,
            pads=[pad_h, pad_w, pad_h, pad_w], dilations=dilations, group=groups, offset_group=offset_groups,
        )  # fmt: skip
    if lowering == "onnx":
        return g.op(
            "DeformConv", input, weight, offset, bias, mask, strides=strides, pads=[pad_h, pad_w, pad_h, pad_w],
            dilations=dilations, group=groups, offset_group=offset_groups,
        )  # fmt: skip
    weight_shape = g.shape(weight)
    if weight_shape is None or len(weight_shape) != 4 or None in weight_shape:
        raise ExportError(
            "torchvision::deform_conv2d: the 'decomposition' lowering needs the weight's static shape, "
            f"which the exporter does not know ({weight_shape}); use the 'custom' lowering"
        )
    out_channels, in_per_group, k_h, k_w = weight_shape
    return _deform_conv_decomposition.deform_conv2d(
        g, input, weight, offset, mask, bias, stride=(stride_h, stride_w), padding=(pad_h, pad_w),
        dilation=(dilation_h, dilation_w), groups=groups, offset_groups=offset_groups, kernel=(k_h, k_w),
        out_channels=out_channels, in_channels=in_per_group * groups,
    )  # fmt: skip


@op("torchvision::ps_roi_align", opset=9)
def torchvision_ps_roi_align(
    g: Builder, input, rois, spatial_scale: float, pooled_height: int, pooled_width: int, sampling_ratio: int
):
    """(output, channel_mapping): ``RoiAlign`` with ``half_pixel`` from opset 16, else gathers (module docstring).

    From 16, ``RoiAlign`` pools every channel in every bin and each bin keeps its own
    channel ``(c_out * PH + ph) * PW + pw``; where the adaptive sample count of a ROI is 0
    torchvision divides by it (NaN), which ``RoiAlign`` does not, so those ROIs are set to NaN.
    """
    pooled = (pooled_height, pooled_width)
    if g.opset < 16:
        out = _vision_roi.roi_align_samples(g, input, rois, spatial_scale, pooled, sampling_ratio, True, True)
        return out, _vision_roi.channel_mapping(g, out, pooled)
    full = _roi_align_onnx(g, input, rois, spatial_scale, pooled, sampling_ratio, aligned=True)
    bins = pooled_height * pooled_width
    k = g.op("Gather", g.op("Shape", full), ints(g, [0]), axis=0)
    per_bin = g.op("Reshape", full, g.op("Concat", k, ints(g, [-1, bins * bins]), axis=0))
    out = g.op("Gather", per_bin, ints(g, [j * (bins + 1) for j in range(bins)]), axis=2)
    out = g.op("Reshape", out, g.op("Concat", k, ints(g, [-1, pooled_height, pooled_width]), axis=0))
    if sampling_ratio <= 0:
        steps_h, steps_w = _vision_roi.aligned_steps(g, rois, spatial_scale, pooled, input)
        none = g.op("Equal", g.op("Mul", steps_h, steps_w), constant_like(g, [0.0], input))
        nan = constant_like(g, [float("nan")], input)
        out = g.op("Where", g.op("Reshape", none, ints(g, [-1, 1, 1, 1])), nan, out)
    return out, _vision_roi.channel_mapping(g, out, pooled)


@op("torchvision::ps_roi_pool", opset=11)
def torchvision_ps_roi_pool(g: Builder, input, rois, spatial_scale: float, pooled_height: int, pooled_width: int):
    """(output, channel_mapping): bin means from a float64 integral image (module docstring); opset 11 (CumSum)."""
    pooled = (pooled_height, pooled_width)
    out = _vision_roi.ps_roi_pool(g, input, rois, spatial_scale, pooled)
    return out, _vision_roi.channel_mapping(g, out, pooled)


def _roi_align_onnx(g: Builder, x, rois, scale: float, pooled: tuple[int, int], sampling_ratio: int, aligned: bool):
    """ONNX ``RoiAlign`` on ROIs scaled in the graph in their dtype, ``spatial_scale`` 1 (exact; module docstring)."""
    batch = _vision_roi.roi_columns(g, rois)[0]
    boxes = g.op("Mul", slice_(g, rois, [1], [1], [5]), constant_like(g, [scale], rois))
    if aligned and sampling_ratio <= 0:
        # A ROI inverted along one axis takes a negative sample count there: torchvision samples nothing
        # (0), ORT's RoiAlign fails (integer overflow sizing its buffer). A zero box samples nothing too.
        steps_h, steps_w = _vision_roi.aligned_steps(g, rois, scale, pooled, x)
        zero = constant_like(g, [0.0], x)
        none = g.op("Or", g.op("Not", g.op("Greater", steps_h, zero)), g.op("Not", g.op("Greater", steps_w, zero)))
        boxes = g.op("Where", g.op("Reshape", none, ints(g, [-1, 1])), zero, boxes)
    attrs = {"output_height": pooled[0], "output_width": pooled[1], "sampling_ratio": max(sampling_ratio, 0)}
    if g.opset >= 16:
        attrs["coordinate_transformation_mode"] = "half_pixel" if aligned else "output_half_pixel"
    return g.op("RoiAlign", x, boxes, batch, spatial_scale=1.0, **attrs)


@op("torchvision::roi_align", opset=9)
def torchvision_roi_align(
    g: Builder,
    input,
    rois,
    spatial_scale: float,
    pooled_height: int,
    pooled_width: int,
    sampling_ratio: int,
    aligned: bool,
):
    """ONNX ``RoiAlign`` where it is exact (``aligned=False`` from 10, ``aligned=True`` from 16), else gathers.

    torchvision's TorchScript rule (opsets 11 and 16) and torch's dynamo lowering pass
    ``spatial_scale`` as the float32 attribute, which moves float64 ROIs; torchvision's
    exports ``aligned=True`` below 16 as ``aligned=False``. See the module docstring.
    """
    pooled = (pooled_height, pooled_width)
    if g.opset < (16 if aligned else 10):
        return _vision_roi.roi_align_samples(g, input, rois, spatial_scale, pooled, sampling_ratio, aligned, False)
    return _roi_align_onnx(g, input, rois, spatial_scale, pooled, sampling_ratio, aligned)
