"""Op-table entries of symreg/ops/conv.py, in name order."""

from __future__ import annotations

import dataclasses
import functools

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample, grow_dynamic_dims, opinfos
from ortcheck import EXPORTS

#: Copies and sums in torch's order: equal to eager torch.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0)}
#: Convolutions sum in another order than torch's.
CONV = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-12, 1e-12)}
NO_FLOAT64_CONV = (
    "ONNX Runtime's CPU provider has no float64 Conv or ConvTranspose kernel (NOT_IMPLEMENTED), "
    "as with torch's own rules"
)
TORCHSCRIPT = tuple(e for e in EXPORTS if e[0] == "torchscript")
DYNAMO = tuple(e for e in EXPORTS if e[0] == "dynamo")


def _with_specials(x: torch.Tensor) -> torch.Tensor:
    x = x.clone()
    flat = x.view(-1)
    flat[3], flat[7], flat[11] = float("nan"), float("inf"), -0.0
    return x


def fold_samples(dtype: torch.dtype) -> list[Sample]:
    """col2im of overlapping, strided, dilated and padded blocks; batch dim dynamic (C * kh * kw fixes dim 1)."""
    cases = [  # (C, output_size, kernel, dilation, padding, stride)
        (2, (5, 6), (2, 3), (1, 1), (0, 0), (1, 1)),
        (3, (7, 8), (3, 2), (2, 1), (1, 2), (2, 3)),
        (1, (4, 4), (2, 2), (1, 1), (0, 0), (2, 2)),
        (2, (6, 5), (3, 3), (1, 2), (2, 1), (1, 2)),
    ]
    found = []
    for c, size, k, d, p, s in cases:
        blocks = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
        x = torch.randn(2, c * k[0] * k[1], blocks[0] * blocks[1], dtype=dtype)
        kwargs = {"kernel_size": k, "dilation": d, "padding": p, "stride": s}
        found.append(Sample((_with_specials(x), size), kwargs, dims=((0,),)))
    found.append(Sample((x[:0], size), kwargs, dims=((0,),)))  # empty batch
    found.append(Sample((x[0], size), kwargs, dims=((),)))  # unbatched
    return found


@functools.cache
def _unfold_opinfo(dtype: torch.dtype) -> tuple[Sample, ...]:
    info = opinfos("nn.functional.unfold")[0]
    found = [Sample((s.input, *s.args), dict(s.kwargs)) for s in info.sample_inputs("cpu", dtype)]
    return tuple(found[::16])  # 163 samples, the first all of an empty batch: a spread of them


def unfold_samples(dtype: torch.dtype) -> list[Sample]:
    """Real inputs first (NaN, inf, -0.0 stay put), then a spread of OpInfo's samples (empty batches first)."""
    x = _with_specials(torch.randn(2, 3, 7, 8, dtype=dtype))
    return [
        Sample((x, (2, 3)), {"dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)}),
        Sample((x, 3), {"padding": 1}),
        Sample((x[0], (3, 2)), {"stride": 2}),  # unbatched
        *_unfold_opinfo(dtype),
    ]


@functools.cache
def _pad_opinfo(dtype: torch.dtype) -> tuple[Sample, ...]:
    variants = ("replicate_negative", "circular", "replicate", "reflect", "constant")  # the fixed ones first
    infos = sorted(
        opinfos("nn.functional.pad"), key=lambda i: variants.index(i.variant_test_name)
    )
    found = []
    for info in infos:
        for s in info.sample_inputs("cpu", dtype):
            # torch.export fails on a dynamic dim that a negative circular amount crops (PendingUnbackedSymbolNotFound)
            cropped = info.variant_test_name == "circular" and min(s.args[0]) < 0
            found.append(Sample((s.input, *s.args), dict(s.kwargs), dims=((0,),) if cropped else None))
    return tuple(found)


def pad_samples(dtype: torch.dtype) -> list[Sample]:
    """Every mode's OpInfo samples (nn.functional.pad has only variants), then NaN/inf/-0.0 copied to the edges,
    amounts that crop a dim to nothing, wrap more than once, and static sizes (constant index tables)."""
    x = torch.randn(2, 3, 5, 4, dtype=dtype) if dtype.is_floating_point else torch.randint(-9, 9, (2, 3, 5, 4))
    x = _with_specials(x) if dtype.is_floating_point else x
    return [
        *_pad_opinfo(dtype),
        Sample((x, (2, -1, -5, 3), "replicate")),
        Sample((x, (-4, 2, 1, 1, 1, 0), "replicate")),
        Sample((x, (3, -1, -2, 4), "circular")),
        Sample((x, (-1, -1, 2, 0, 0, 1), "circular")),
        Sample((x, (1, 2, 3, 1), "replicate"), dims=((0,),)),
        Sample((x, (-2, 3, 4, -1), "circular"), dims=((0,),)),
        Sample((x, (1, 2), "constant", -2.0)),
        Sample((x, (3, -1, 1, 2), "reflect")),
    ]


def grow_leading(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` of the dims before the last two: H and W must stay multiples of the factor."""
    keep = tuple(tuple(range(t.dim() - 2)) for t in sample.tensors())
    return grow_dynamic_dims(dataclasses.replace(sample, dims=keep))


def pixel_unshuffle_extras(dtype: torch.dtype) -> list[Sample]:
    """NaN, inf and -0.0 move with their pixel; 3-d and 5-d inputs (OpInfo has the empty ones)."""
    x = _with_specials(torch.randn(2, 3, 6, 4, dtype=dtype))
    return [
        Sample((x, 2)),
        Sample((x[0], 2)),
        Sample((torch.randn(2, 2, 3, 6, 9, dtype=dtype), 3)),
    ]


def _empty_image(sample: Sample) -> bool:
    """H or W is 0 (a 0 batch or channel dim is copied from the input, which happens to be right)."""
    return 0 in sample.tensors()[0].shape[-2:]


def grow_but_channels(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with dim 1 kept: the channels must stay a multiple of the groups."""
    keep = tuple(tuple(d for d in range(t.dim()) if d != 1) for t in sample.tensors())
    return grow_dynamic_dims(dataclasses.replace(sample, dims=keep))


def channel_shuffle_extras(dtype: torch.dtype) -> list[Sample]:
    """NaN, inf and -0.0 move with their channel; 3-d and 5-d inputs; an empty batch."""
    x = _with_specials(torch.randn(2, 6, 3, 4, dtype=dtype))
    return [
        Sample((x, 3)),
        Sample((x[:, :, 0], 2)),
        Sample((torch.randn(2, 4, 2, 3, 2, dtype=dtype), 2)),
        Sample((x[:0], 2)),
    ]


def convolution(x, weight, bias=None, *, transposed: bool, **kwargs):
    """F.conv{1,2,3}d or F.conv_transpose{1,2,3}d by the weight's rank: what the samples below call."""
    rank = weight.dim() - 2
    fn = getattr(F, f"conv_transpose{rank}d" if transposed else f"conv{rank}d")
    return fn(x, weight, bias, **kwargs)


@functools.cache
def _convolution_samples(dtype: torch.dtype) -> tuple[Sample, ...]:
    """OpInfo's transposed convolutions (output_padding >= stride among them) and plain ones, which
    torch's own rule exported right; batch and spatial dims dynamic, channels and weights static."""
    found = []
    for name, transposed in [
        ("nn.functional.conv_transpose2d", True),
        ("nn.functional.conv_transpose3d", True),
        ("nn.functional.conv_transpose1d", True),
        ("nn.functional.conv2d", False),
        ("nn.functional.conv1d", False),
        ("nn.functional.conv3d", False),
    ]:
        info = opinfos(name)[0]
        for s in info.sample_inputs("cpu", dtype):
            if isinstance(s.kwargs.get("padding"), str) or len(s.args) < 1:
                continue
            args = (s.input, *s.args)
            spatial = args[1].dim() - 2
            dims = (tuple(d for d in range(s.input.dim()) if d != s.input.dim() - spatial - 1),)
            dims += ((),) * (sum(isinstance(a, torch.Tensor) for a in args) - 1)
            found.append(Sample(args, {**s.kwargs, "transposed": transposed}, dims=dims))
    transposed = [s for s in found if s.kwargs["transposed"]]
    return tuple(transposed[:6] + [s for s in found if not s.kwargs["transposed"]][::4] + transposed[6:])


def convolution_samples(dtype: torch.dtype) -> list[Sample]:
    return list(_convolution_samples(dtype))


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_convolution",), CONV, samples=convolution_samples, fn=convolution, exports=TORCHSCRIPT).xfail(
        NO_FLOAT64_CONV, dtype=torch.float64
    ),
    OpEntry(
        ("aten::channel_shuffle",),
        EXACT,
        opinfo="nn.functional.channel_shuffle",
        fn=F.channel_shuffle,
        samples=channel_shuffle_extras,
        grow=grow_but_channels,
    ),
    OpEntry(("aten::col2im",), EXACT, samples=fold_samples, fn=F.fold),
    OpEntry(("aten::convolution",), CONV, samples=convolution_samples, fn=convolution, exports=DYNAMO).xfail(
        NO_FLOAT64_CONV, dtype=torch.float64
    ),
    OpEntry(("aten::im2col",), EXACT, samples=unfold_samples, fn=F.unfold),
    OpEntry(("aten::pad",), EXACT, samples=pad_samples, fn=F.pad, dtypes=(torch.float32, torch.float64, torch.int64)),
    OpEntry(
        ("aten::pixel_unshuffle",),
        EXACT,
        opinfo="nn.functional.pixel_unshuffle",
        fn=F.pixel_unshuffle,
        samples=pixel_unshuffle_extras,
        grow=grow_leading,
    )
    .xfail(
        "Reshape before opset 14 reads a 0 in a computed shape as 'copy the input dim': a dynamic empty "
        "input cannot be reshaped (allowzero needs opset 14)",
        exporter="torchscript",
        opset=9,
        sample=_empty_image,
    )
    .xfail("as at opset 9: Reshape without allowzero (opset 14)", exporter="torchscript", opset=11, sample=_empty_image)
    .xfail(
        "as at opset 9: Reshape without allowzero (opset 14)", exporter="torchscript", opset=13, sample=_empty_image
    ),
)
