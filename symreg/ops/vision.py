"""Vision ops: ``torchvision::deform_conv2d``.

torch 2.14's TorchScript exporter refuses deform_conv2d at every opset, and its
dynamo exporter writes ONNX ``DeformConv`` even below opset 19, where ONNX Runtime
rejects it. symreg lowers it three ways, chosen by opset unless the user forces one
(``symreg.set_lowering`` or ``symreg.export(lowerings=...)``):

``"onnx"``           ONNX ``DeformConv`` (opset >= 19; ORT >= 1.25 runs it natively).
``"custom"``         ``symreg::DeformConv2d``, run by symreg's C++ kernel (any opset >= 9;
                     the default below 19).
``"decomposition"``  standard ops only: GridSample bilinear sampling, mask multiply and
                     a grouped MatMul (opset >= 16; for runtimes that load no custom ops).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symreg.builder import Builder, TensorInfo
from symreg.errors import ExportError
from symreg.ops import _deform_conv_decomposition
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
    attrs={"strides": [1, 1], "pads": [0, 0, 0, 0], "dilations": [1, 1], "group": 1, "offset_group": 1},
    infer=_deform_conv2d_shape,
    doc=(
        "Deformable convolution with torchvision.ops.deform_conv2d's semantics (DCNv1 without mask, "
        "DCNv2 with it), for opsets without ONNX DeformConv. X (N, C_in, H, W); W (C_out, C_in/group, kH, kW); "
        "offset (N, 2*offset_group*kH*kW, oH, oW), (dy, dx) per kernel point; mask (N, offset_group*kH*kW, "
        "oH, oW); B (C_out). pads: [top, left, bottom, right]."
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
