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
from symreg.errors import ExportError
from symreg.ops._helpers import (
    arange,
    cast,
    constant_like,
    dim,
    ints,
    or_default,
    pad,
    rank_of,
    reshape,
    shape_part,
    slice_,
    to_1d,
    unsqueeze,
)
from symreg.registry import op


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
    reach = g.op("Sub", size, ints(g, [dilation * (kernel - 1) + 1]))
    return g.op("Add", g.op("Div", reach, ints(g, [stride])), ints(g, [1]))


def _taps(g: Builder, kernel: int, dilation: int, count, stride: int):
    """``(kernel, count)`` int64 table ``k * dilation + i * stride``: where tap ``k`` of window ``i`` reads.

    ``count``: the number of windows, a 1-element int64 tensor.
    """
    starts = unsqueeze(g, g.op("Mul", arange(g, count), ints(g, [stride])), [0])
    return g.op("Add", ints(g, np.arange(kernel)[:, None] * dilation), starts)


def _convolution(g: Builder, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """``Conv``/``ConvTranspose`` as torch's own rules emit them; see :func:`aten__convolution`."""
    kernel = (g.shape(weight) or ())[2:]
    attrs = {"strides": stride, "dilations": dilation, "group": groups}
    if kernel and None not in kernel:
        attrs["kernel_shape"] = list(kernel)
    bias_1d = bias is not None and g.rank(bias) == 1
    if not transposed or all(o < s for o, s in zip(output_padding, stride, strict=True)):
        if any(output_padding):
            attrs["output_padding"] = output_padding
        y = g.op(
            "ConvTranspose" if transposed else "Conv",
            x,
            weight,
            bias if bias_1d else None,
            pads=padding + padding,
            **attrs,
        )
        return g.op("Add", y, bias) if bias is not None and not bias_1d else y
    # output_padding >= stride (torch allows it below the dilation): ONNX Runtime refuses it.
    # Crop less at the end instead; past the full output torch's values are the bias alone.
    ends = [max(p - o, 0) for p, o in zip(padding, output_padding, strict=True)]
    extra = [max(o - p, 0) for p, o in zip(padding, output_padding, strict=True)]
    y = g.op("ConvTranspose", x, weight, pads=padding + ends, **attrs)
    rank = len(stride) + 2
    if any(extra):
        y = pad(g, y, rank, [], [0, 0, *extra])
    if bias is None:
        return y
    return g.op("Add", y, unsqueeze(g, bias, list(range(1, rank - 1))) if bias_1d else bias)


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
    rank = rank_of(g, x)
    full = g.op("Shape", x)
    per_group = g.op("Div", dim(g, x, 1), ints(g, [groups]))
    split = g.op("Concat", shape_part(g, x, 0, 1), ints(g, [groups]), per_group, shape_part(g, x, 2, rank), axis=0)
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
    rank = rank_of(g, x)
    lead = rank - 2  # 1 when batched
    channels = g.op("Div", dim(g, x, rank - 2), ints(g, [kh * kw]))
    shape = g.shape(x)
    if shape is not None and 0 in shape:  # empty: zeros (see _reshape)
        target = g.op("Concat", shape_part(g, x, 0, lead), channels, ints(g, list(output_size)), axis=0)
        return _reshape(g, x, target, x)
    blocks = g.op(
        "Reshape", x, g.op("Concat", shape_part(g, x, 0, lead), channels, ints(g, [kh, kw, oh, ow]), axis=0)
    )  # (N, C, kh, kw, oh, ow)
    total = None
    for i in range(kh):
        row = g.op("Gather", blocks, ints(g, i), axis=lead + 1)  # (N, C, kw, oh, ow)
        for j in range(kw):
            block = g.op("Gather", row, ints(g, j), axis=lead + 1)  # (N, C, oh, ow)
            spread = unsqueeze(g, block, [lead + 2, lead + 4])  # (N, C, oh, 1, ow, 1)
            spread = pad(g, spread, lead + 5, [], [0] * (lead + 2) + [sh - 1, 0, sw - 1])
            target = g.op("Concat", shape_part(g, block, 0, lead + 1), ints(g, [oh * sh, ow * sw]), axis=0)
            spread = g.op("Reshape", spread, target)
            spread = slice_(g, spread, [lead + 1, lead + 2], [0, 0], [(oh - 1) * sh + 1, (ow - 1) * sw + 1])
            top, left = i * dh, j * dw
            bottom, right = height - top - (oh - 1) * sh - 1, width - left - (ow - 1) * sw - 1
            canvas = pad(g, spread, lead + 3, [0] * (lead + 1) + [top, left], [0] * (lead + 1) + [bottom, right])
            total = canvas if total is None else g.op("Add", total, canvas)
    return slice_(g, total, [lead + 1, lead + 2], [ph, pw], [ph + output_size[0], pw + output_size[1]])


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
def aten_im2col(g: Builder, x, kernel_size: list[int], dilation: list[int], padding: list[int], stride: list[int]):
    """Rows, then columns, gathered from the zero-padded input (module docstring), opsets 9-18.

    ``(N, C, H, W)`` or unbatched ``(C, H, W)``, every size static or dynamic. Both exporters:
    torch's TorchScript rule crashes on dynamic sizes and its dynamo lowering reshapes with -1,
    which ONNX Runtime refuses on an empty batch.
    """
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    rank, source = rank_of(g, x), x
    lead = rank - 3  # 1 when batched
    if ph or pw:
        x = pad(g, x, rank, [0] * (rank - 2) + [ph, pw])
    oh = _out_size(g, dim(g, x, rank - 2), kh, dh, sh)
    ow = _out_size(g, dim(g, x, rank - 1), kw, dw, sw)
    x = g.op("Gather", x, _taps(g, kh, dh, oh, sh), axis=rank - 2)  # (N, C, kh, oh, W)
    x = g.op("Gather", x, _taps(g, kw, dw, ow, sw), axis=rank)  # (N, C, kh, oh, kw, ow)
    perm = list(range(lead + 1)) + [lead + 1, lead + 3, lead + 2, lead + 4]
    x = g.op("Transpose", x, perm=perm)
    width = g.op("Mul", dim(g, x, lead), ints(g, [kh * kw]))
    return _reshape(g, x, g.op("Concat", shape_part(g, x, 0, lead), width, g.op("Mul", oh, ow), axis=0), source)


@op("aten::pixel_unshuffle", opset=9)
def aten_pixel_unshuffle(g: Builder, x, downscale_factor: int):
    """(*, C, H*r, W*r) viewed as (*, C, H, r, W, r), transposed to (*, C, r, r, H, W), viewed as
    (*, C*r*r, H, W); opsets 9-18. Every size may be dynamic (the views' shapes come from ``Shape``).
    Both exporters: torch's TorchScript rule crashes (SIGFPE) on an empty input and its dynamo
    lowering reshapes with -1, which ONNX Runtime refuses on empty tensors. A dynamic empty input
    needs opset >= 14 (``Reshape(allowzero=1)``).
    """
    r, rank = downscale_factor, rank_of(g, x)
    lead = rank - 3  # the dims before C
    h = g.op("Div", dim(g, x, rank - 2), ints(g, [r]))
    w = g.op("Div", dim(g, x, rank - 1), ints(g, [r]))
    front = shape_part(g, x, 0, lead + 1)
    split = g.op("Concat", front, h, ints(g, [r]), w, ints(g, [r]), axis=0)
    perm = [*range(lead + 1), lead + 2, lead + 4, lead + 1, lead + 3]
    channels = g.op("Mul", dim(g, x, lead), ints(g, [r * r]))
    target = g.op("Concat", shape_part(g, x, 0, lead), channels, h, w, axis=0)
    shape = g.shape(x)
    if shape is not None and 0 in shape:
        return g.op("Identity", x)  # torch returns an empty input as it is, whatever the factor
    # Before opset 14 a 0 in a computed shape means "copy that input dim": a dynamic empty
    # input fails there (and torch would return it unchanged).
    y = g.op("Transpose", reshape(g, x, split), perm=perm)
    return reshape(g, y, target)


# --- padding (what nn.Conv*d's padding_mode calls) -------------------------------------


def _amounts(g: Builder, pad) -> list:
    """``aten::pad``'s ``pad`` as a list of ints and 1-element int64 tensors (amounts the model computes)."""
    value = g.constant_value(pad)
    if isinstance(value, (list, tuple)):  # dynamo: ints and 0-d values of dynamic sizes
        return [v if isinstance(v, int) else cast(g, to_1d(g, v), torch.int64) for v in value]
    count = (g.shape(pad) or (None,))[0]  # TorchScript: an int[] the graph computes
    if count is None:
        raise ExportError(f"{g.overload}: the number of pad amounts is unknown; pass a list of known length")
    return [cast(g, g.op("Gather", pad, ints(g, [i]), axis=0), torch.int64) for i in range(count)]


def _larger(g: Builder, a, b):
    return g.op("Where", g.op("Less", a, b), b, a)  # Max of int64 needs opset 12


def _smaller(g: Builder, a, b):
    return g.op("Where", g.op("Less", a, b), a, b)


def _floor_mod(g: Builder, a, n):
    """``a mod n`` (int64, ``n > 0``) with the sign of ``n``: ``Mod`` from opset 10, ``Div`` (truncating) below."""
    if g.opset >= 10:
        return g.op("Mod", a, n)
    rest = g.op("Add", g.op("Sub", a, g.op("Mul", g.op("Div", a, n), n)), n)  # in (0, 2n)
    return g.op("Sub", rest, g.op("Mul", g.op("Div", rest, n), n))


def _pad_source(g: Builder, x, axis: int, before, after, mode: str):
    """(index, mask): where each output position of a pad of ``x``'s dim ``axis`` reads, and for
    ``constant`` which positions read the input (the others take the value; None for other modes).

    torch's semantics, negative amounts (crops) included, with ``r = j - before`` for output
    position ``j`` of an ``n``-long dim: ``replicate`` reads ``clamp(r, 0, n - 1)``, ``reflect``
    ``(n - 1) - |(n - 1) - |r||``, ``circular`` crops the negative amounts first and wraps around
    what is left. Constants where the size and the amounts are static.
    """
    shape = g.shape(x)
    if isinstance(before, int) and isinstance(after, int) and shape is not None and shape[axis] is not None:
        n = shape[axis]
        r = np.arange(n + before + after) - before
        mask = None
        if mode == "replicate":
            index = np.clip(r, 0, n - 1)
        elif mode == "reflect":
            index = (n - 1) - np.abs((n - 1) - np.abs(r))
        elif mode == "circular":
            first = max(-before, 0)
            index = first + (r + before - max(before, 0)) % (n - first - max(-after, 0))
        else:
            inside = (r >= 0) & (r < n)
            index, mask = np.where(inside, r, 0), g.constant(inside)
        return ints(g, index), mask
    before, after = (ints(g, [v]) if isinstance(v, int) else v for v in (before, after))
    length, zero, one = dim(g, x, axis), ints(g, [0]), ints(g, [1])
    j = arange(g, g.op("Add", g.op("Add", length, before), after))
    r = g.op("Sub", j, before)
    if mode == "replicate":
        return _smaller(g, _larger(g, r, zero), g.op("Sub", length, one)), None
    if mode == "reflect":
        top = g.op("Sub", length, one)
        return g.op("Sub", top, g.op("Abs", g.op("Sub", top, g.op("Abs", r)))), None
    if mode == "circular":
        first = _larger(g, g.op("Neg", before), zero)
        kept = g.op("Sub", g.op("Sub", length, first), _larger(g, g.op("Neg", after), zero))
        return g.op("Add", first, _floor_mod(g, g.op("Sub", j, _larger(g, before, zero)), kept)), None
    inside = g.op("And", g.op("Not", g.op("Less", r, zero)), g.op("Less", r, length))
    return g.op("Where", inside, r, zero), inside


@op("aten::pad", opset=9)
def aten_pad(g: Builder, x, pad, mode: str = "constant", value: float | None = None):
    """``constant`` on float inputs: ``Pad``, as torch's own rules emit it. Every other case: one ``Gather``
    per padded dim (and for ``constant`` a ``Where`` that puts the value where the index falls outside),
    with torch's source indices (:func:`_pad_source`). Opsets 9-18, both exporters, every dtype.

    Both exporters lower ``replicate``, ``reflect`` and ``circular`` to ``Pad`` (``edge``, ``reflect``,
    ``wrap``), or, TorchScript's ``circular``, to slices; they get negative amounts wrong: ONNX Runtime
    refuses an ``edge`` pad of a dim a negative amount crops to nothing ("zero effective input extent";
    torch repeats the element next to the cropped part), and on integers a ``reflect`` pad larger
    than the cropped dim (torch reflects within the whole input); TorchScript's ``circular`` slices give
    wrong shapes, and ``Pad(mode="wrap")`` fails in ONNX Runtime on an empty input. ``Pad`` before
    opset 11 takes float tensors and constant amounts only: the ``Gather`` form serves integer
    inputs and amounts the model computes there.
    """
    amounts = _amounts(g, pad)
    rank = rank_of(g, x)
    pairs = len(amounts) // 2
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ExportError(
            f"{g.overload}: unknown mode {mode!r}; torch pads with constant, reflect, replicate or circular"
        )
    fill = constant_like(g, or_default(value, 0.0), x)
    befores = [0] * (rank - pairs) + amounts[0::2][::-1]
    afters = [0] * (rank - pairs) + amounts[1::2][::-1]
    static = all(isinstance(v, int) for v in amounts)
    if mode == "constant" and g.opset >= 11:
        pads = (
            ints(g, befores + afters)
            if static
            else g.op("Concat", *[ints(g, [v]) if isinstance(v, int) else v for v in befores + afters], axis=0)
        )
        return g.op("Pad", x, pads, fill, mode="constant")
    if mode == "constant" and static and g.dtype(x) in (torch.float16, torch.float32, torch.float64):
        return g.op("Pad", x, pads=befores + afters, mode="constant", value=float(or_default(value, 0.0)))
    for axis in range(rank - pairs, rank):
        index, inside = _pad_source(g, x, axis, befores[axis], afters[axis], mode)
        x = g.op("Gather", x, index, axis=axis)
        if inside is not None:
            x = g.op("Where", unsqueeze(g, inside, list(range(1, rank - axis))), x, fill)
    return x
