"""Convolutions: transposed convolutions, fold/unfold (im2col, col2im), channel and pixel shuffles.

Convolutions (``aten::_convolution`` under TorchScript, ``aten::convolution`` under dynamo)
emit the ``Conv``/``ConvTranspose`` node torch's own rules emit, except where a transposed
convolution's ``output_padding`` is at or above its stride (torch allows it below the
dilation), which ONNX Runtime refuses: see :func:`aten__convolution`.

im2col (``aten::im2col``, what ``F.unfold`` calls) gathers rows then columns of the
zero-padded input with index tables ``offset * dilation + position * stride`` and lays the
``(kh, kw)`` block out as torch does: ``(N, C * kh * kw, oh * ow)``. The output sizes come
from ``Shape`` in the graph, so one model serves every input size, an empty batch too
(torch's own lowerings reshape with -1, which ONNX Runtime refuses on empty tensors).
``Gather`` copies values exactly: NaN and inf stay where they are, unlike a one-hot
convolution.

col2im (``aten::col2im``, what ``F.fold`` calls) is its adjoint: each of the ``kh * kw``
blocks is spread to its strided positions (``Pad`` of a unit axis, ``Reshape``), shifted by
``Pad`` and added in torch's own order, so sums equal torch's bit for bit.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops.pooling import _arange, _dim, _pad, _slice, _unsqueeze
from symreg.registry import op


def _shape_of(g: Builder, x, start: int, end: int):
    """``Shape(x)[start:end]`` (int64, 1-d); constants where static."""
    shape = g.shape(x)
    if shape is not None and all(d is not None for d in shape[start:end]):
        return g.constant(np.asarray(shape[start:end], dtype=np.int64))
    return _slice(g, g.op("Shape", x), [start], [end], [0])


def _reshape(g: Builder, x, target, source):
    """``Reshape``, or zeros of the target shape where the op's input ``source`` has a static size 0.

    With a static 0 beside dynamic dims the dynamo exporter's optimizer rewrites the target
    into a constant with a -1, which ONNX forbids when the product is 0.
    """
    shape = g.shape(source)
    if shape is not None and 0 in shape:
        dtype = g.dtype(source)
        zeros = g.op("ConstantOfShape", target, value=torch.zeros(1, dtype=dtype or torch.float32))
        return zeros if dtype is not None else g.op("CastLike", zeros, source)
    return g.op("Reshape", x, target)


def _out_size(g: Builder, size, kernel: int, dilation: int, stride: int):
    """(size - dilation * (kernel - 1) - 1) // stride + 1, on a 1-element int64 tensor."""
    reach = g.op("Sub", size, g.constant([dilation * (kernel - 1) + 1]))
    return g.op("Add", g.op("Div", reach, g.constant([stride])), g.constant([1]))


def _convolution(g: Builder, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """``Conv``/``ConvTranspose`` as torch's own rules emit them; see :func:`aten__convolution`."""
    kernel = (g.shape(weight) or ())[2:]
    attrs = {"strides": stride, "dilations": dilation, "group": groups}
    if kernel and None not in kernel:
        attrs["kernel_shape"] = list(kernel)
    bias_1d = bias is not None and g.rank(bias) == 1
    if not transposed or all(o < s for o, s in zip(output_padding, stride)):
        if any(output_padding):
            attrs["output_padding"] = output_padding
        y = g.op("ConvTranspose" if transposed else "Conv", x, weight, bias if bias_1d else None,
                 pads=padding + padding, **attrs)  # fmt: skip
        return g.op("Add", y, bias) if bias is not None and not bias_1d else y
    # output_padding >= stride (torch allows it below the dilation): ONNX Runtime refuses it.
    # Crop less at the end instead; past the full output torch's values are the bias alone.
    ends = [max(p - o, 0) for p, o in zip(padding, output_padding)]
    extra = [max(o - p, 0) for p, o in zip(padding, output_padding)]
    y = g.op("ConvTranspose", x, weight, pads=padding + ends, **attrs)
    rank = len(stride) + 2
    if any(extra):
        y = _pad(g, y, rank, [], [0, 0, *extra])
    if bias is None:
        return y
    return g.op("Add", y, _unsqueeze(g, bias, list(range(1, rank - 1))) if bias_1d else bias)


@op("aten::_convolution", opset=9, exporters=("torchscript",))
def aten__convolution(
    g: Builder,
    x,
    weight,
    bias,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    transposed: bool,
    output_padding: list[int],
    groups: int,
    benchmark: bool,
    deterministic: bool,
    cudnn_enabled: bool,
    allow_tf32: bool | None = None,
):
    """``Conv``/``ConvTranspose``, the nodes torch's own rule emits, except for an ``output_padding``
    at or above the stride (allowed by torch below the dilation), which ONNX Runtime refuses: then a
    ``ConvTranspose`` crops less at the end, ``Pad`` adds the rows past its full output and the bias
    is added after. Opsets 9-17.
    """
    return _convolution(g, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups)


@op("aten::channel_shuffle", opset=9, exporters=("torchscript",))
def aten_channel_shuffle(g: Builder, x, groups: int):
    """(N, C, *) viewed as (N, groups, C / groups, *), groups and channels swapped, viewed back; opsets 9-17.

    Every size may be dynamic: the views' shapes come from ``Shape``. TorchScript only: the
    dynamo exporter's own lowering passes.
    """
    rank = g.rank(x)
    full = g.op("Shape", x)
    per_group = g.op("Div", _dim(g, x, 1), g.constant([groups]))
    split = g.op("Concat", _shape_of(g, x, 0, 1), g.constant([groups]), per_group, _shape_of(g, x, 2, rank), axis=0)
    y = g.op("Transpose", g.op("Reshape", x, split), perm=[0, 2, 1, *range(3, rank + 1)])
    return g.op("Reshape", y, full)


@op("aten::col2im", opset=9)
def aten_col2im(
    g: Builder,
    x,
    output_size: list[int],
    kernel_size: list[int],
    dilation: list[int],
    padding: list[int],
    stride: list[int],
):
    """Blocks spread, shifted with ``Pad`` and added in torch's order (module docstring), opsets 9-17.

    ``(N, C * kh * kw, L)`` or unbatched ``(C * kh * kw, L)``; N and C may be dynamic, the
    spatial sizes follow from the static ``output_size``. Both exporters: torch's dynamo
    exporter lowers it to ONNX ``Col2Im`` (opset 18), which ONNX Runtime runs for float32 and
    batched inputs only.
    """
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    height, width = output_size[0] + 2 * ph, output_size[1] + 2 * pw
    oh, ow = (height - dh * (kh - 1) - 1) // sh + 1, (width - dw * (kw - 1) - 1) // sw + 1
    rank = g.rank(x)
    lead = rank - 2  # 1 when batched
    channels = g.op("Div", _dim(g, x, rank - 2), g.constant([kh * kw]))
    shape = g.shape(x)
    if shape is not None and 0 in shape:  # empty: zeros (see _reshape)
        target = g.op("Concat", _shape_of(g, x, 0, lead), channels, g.constant(output_size), axis=0)
        return _reshape(g, x, target, x)
    blocks = g.op(
        "Reshape", x, g.op("Concat", _shape_of(g, x, 0, lead), channels, g.constant([kh, kw, oh, ow]), axis=0)
    )  # (N, C, kh, kw, oh, ow)
    total = None
    for i in range(kh):
        row = g.op("Gather", blocks, g.constant(np.int64(i)), axis=lead + 1)  # (N, C, kw, oh, ow)
        for j in range(kw):
            block = g.op("Gather", row, g.constant(np.int64(j)), axis=lead + 1)  # (N, C, oh, ow)
            spread = _unsqueeze(g, block, [lead + 2, lead + 4])  # (N, C, oh, 1, ow, 1)
            spread = _pad(g, spread, lead + 5, [], [0] * (lead + 2) + [sh - 1, 0, sw - 1])
            target = g.op("Concat", _shape_of(g, block, 0, lead + 1), g.constant([oh * sh, ow * sw]), axis=0)
            spread = g.op("Reshape", spread, target)
            spread = _slice(g, spread, [0, 0], [(oh - 1) * sh + 1, (ow - 1) * sw + 1], [lead + 1, lead + 2])
            top, left = i * dh, j * dw
            bottom, right = height - top - (oh - 1) * sh - 1, width - left - (ow - 1) * sw - 1
            canvas = _pad(g, spread, lead + 3, [0] * (lead + 1) + [top, left], [0] * (lead + 1) + [bottom, right])
            total = canvas if total is None else g.op("Add", total, canvas)
    return _slice(g, total, [ph, pw], [ph + output_size[0], pw + output_size[1]], [lead + 1, lead + 2])


@op("aten::convolution", opset=18, exporters=("dynamo",))
def aten_convolution(
    g: Builder,
    x,
    weight,
    bias,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    transposed: bool,
    output_padding: list[int],
    groups: int,
):
    """As ``aten::_convolution`` under TorchScript: torchlib's lowering has the same ``output_padding`` flaw."""
    return _convolution(g, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups)


@op("aten::im2col", opset=9)
def aten_im2col(
    g: Builder, x, kernel_size: list[int], dilation: list[int], padding: list[int], stride: list[int]
):
    """Rows, then columns, gathered from the zero-padded input (module docstring), opsets 9-18.

    ``(N, C, H, W)`` or unbatched ``(C, H, W)``, every size static or dynamic. Both exporters:
    torch's TorchScript rule crashes on dynamic sizes and its dynamo lowering reshapes with -1,
    which ONNX Runtime refuses on an empty batch.
    """
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    rank, source = g.rank(x), x
    lead = rank - 3  # 1 when batched
    if ph or pw:
        x = _pad(g, x, rank, [0] * (rank - 2) + [ph, pw], [0] * (rank - 2) + [ph, pw])
    oh = _out_size(g, _dim(g, x, rank - 2), kh, dh, sh)
    ow = _out_size(g, _dim(g, x, rank - 1), kw, dw, sw)
    rows = g.op("Add", g.constant(np.arange(kh)[:, None] * dh),
                _unsqueeze(g, g.op("Mul", _arange(g, oh), g.constant([sh])), [0]))  # fmt: skip
    cols = g.op("Add", g.constant(np.arange(kw)[:, None] * dw),
                _unsqueeze(g, g.op("Mul", _arange(g, ow), g.constant([sw])), [0]))  # fmt: skip
    x = g.op("Gather", x, rows, axis=rank - 2)  # (N, C, kh, oh, W)
    x = g.op("Gather", x, cols, axis=rank)  # (N, C, kh, oh, kw, ow)
    perm = list(range(lead + 1)) + [lead + 1, lead + 3, lead + 2, lead + 4]
    x = g.op("Transpose", x, perm=perm)
    width = g.op("Mul", _dim(g, x, lead), g.constant([kh * kw]))
    return _reshape(g, x, g.op("Concat", _shape_of(g, x, 0, lead), width, g.op("Mul", oh, ow), axis=0), source)


@op("aten::pixel_unshuffle", opset=9)
def aten_pixel_unshuffle(g: Builder, x, downscale_factor: int):
    """(*, C, H*r, W*r) viewed as (*, C, H, r, W, r), transposed to (*, C, r, r, H, W), viewed as
    (*, C*r*r, H, W); opsets 9-18. Every size may be dynamic (the views' shapes come from ``Shape``).
    Both exporters: torch's TorchScript rule crashes (SIGFPE) on an empty input and its dynamo
    lowering reshapes with -1, which ONNX Runtime refuses on empty tensors. A dynamic empty input
    needs opset >= 14 (``Reshape(allowzero=1)``).
    """
    r, rank = downscale_factor, g.rank(x)
    lead = rank - 3  # the dims before C
    h = g.op("Div", _dim(g, x, rank - 2), g.constant([r]))
    w = g.op("Div", _dim(g, x, rank - 1), g.constant([r]))
    front = _shape_of(g, x, 0, lead + 1)
    split = g.op("Concat", front, h, g.constant([r]), w, g.constant([r]), axis=0)
    perm = [*range(lead + 1), lead + 2, lead + 4, lead + 1, lead + 3]
    channels = g.op("Mul", _dim(g, x, lead), g.constant([r * r]))
    target = g.op("Concat", _shape_of(g, x, 0, lead), channels, h, w, axis=0)
    shape = g.shape(x)
    if shape is not None and 0 in shape:
        return g.op("Identity", x)  # torch returns an empty input as it is, whatever the factor
    # Before opset 14 a 0 in a computed shape means "copy that input dim": a dynamic empty
    # input fails there (and torch would return it unchanged).
    zero = {"allowzero": 1} if g.opset >= 14 else {}
    y = g.op("Transpose", g.op("Reshape", x, split, **zero), perm=perm)
    return g.op("Reshape", y, target, **zero)
