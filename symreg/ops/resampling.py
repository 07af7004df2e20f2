"""Resampling: grid sampling below opset 16 and of 5-D input, antialiased resize, nearest-exact resize.

Grid sampling (``aten::grid_sampler``, ``aten::grid_sampler_2d``, ``aten::grid_sampler_3d``):
4-D float32 input from opset 16 is ONNX ``GridSample``. Everything else (4-D below 16, float64,
5-D input at any opset: ``GridSample`` takes 5-D only from opset 20) is a composition: the
grid is unnormalized to pixel coordinates (``align_corners`` as torch), padded (``border``:
clipped; ``reflection``: reflected about the edges, then clipped; ``zeros``: taps outside
masked to 0), and each tap is read with ``GatherElements`` from the input flattened to
``(N, C, H*W)`` (``(N, C, D*H*W)``). Modes: ``bilinear`` (4 taps; 5-D: trilinear, 8 taps,
weights multiplied x, y, z as torch does), ``nearest`` (1 tap, ``Round`` half to even as
torch's ``nearbyint``) and, 4-D only as in torch, ``bicubic`` (16 taps, A = -0.75, padding
applied per tap as torch does), each with every padding mode and ``align_corners``; opset 11
(``GatherElements``, ``Round``). Non-finite grid values follow torch's 5-D CPU kernel: outside
with ``zeros``; with ``border`` and ``reflection`` NaN (and reflected infinities) clip to the
last pixel.

Antialiased resize (``aten::_upsample_bilinear2d_aa``, ``aten::_upsample_bicubic2d_aa``):
separable, so ``y = Wh @ x @ Ww^T`` with one ``(out, in)`` weight matrix per resized dim.
Each matrix is computed in the graph from the input size as torch computes its weights
(``support = scale`` times the filter's half-width when downsampling, rows normalised to
sum 1), so one model serves every input size; opset 11 (``Range``).

Nearest-exact resize (``aten::_upsample_nearest_exact1d/2d/3d``): one ``Gather`` per
resized dim with torch's source index ``min(floor((i + 0.5) * scale), in - 1)``, computed
in float32 as torch does; opset 11 (``Range``).

The antialiased and nearest-exact rules, and the opset-16 grid sampling rule, serve the
dynamo exporter too: torch's dynamo lowerings of them fail in ORT for float64 or give
wrong numbers (see each rule).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops import _resampling_grid as sampling
from symreg.ops._helpers import (
    arange,
    cast,
    cast_back,
    constant_like,
    dim,
    ints,
    promote_to_float,
    reduce,
)
from symreg.registry import op

# --- grid sampling ---------------------------------------------------------------------


@op(("aten::grid_sampler", "aten::grid_sampler_2d", "aten::grid_sampler_3d"), opset=11, exporters=("torchscript",))
def aten_grid_sampler(g: Builder, x, grid, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """Gather-based bilinear, nearest and bicubic sampling with every padding mode (module docstring).

    Opsets 11-15 (from 16 the next rule). torch's TorchScript exporter has no rule of
    ``grid_sampler_3d`` at any opset, and its ``grid_sampler`` rule (opset 16) is 4-D only.
    TorchScript only: dynamo exports at opset 18, where the opset-16 rule serves.
    """
    return sampling.grid_sample(g, x, grid, interpolation_mode, padding_mode, align_corners)


@op(("aten::grid_sampler", "aten::grid_sampler_2d", "aten::grid_sampler_3d"), opset=16)
def aten_grid_sampler_16(g: Builder, x, grid, interpolation_mode: int, padding_mode: int, align_corners: bool):
    """ONNX ``GridSample`` (opset 16, 4-D input), as torch's own rule of ``aten::grid_sampler``.

    torch has no TorchScript rule of ``aten::grid_sampler_2d``, which
    ``torch.grid_sampler_2d`` records; this serves it too. float64 takes the Gather
    composition: ORT's CPU ``GridSample`` has no float64 kernel. Both exporters: torch's
    dynamo lowering is this ``GridSample`` for every dtype, so float64 fails in ORT. 5-D
    input (``grid_sampler_3d``) takes the composition too: ``GridSample`` is 4-D until opset 20.
    """
    if g.dtype(x) == torch.float64 or g.rank(x) == 5:
        return sampling.grid_sample(g, x, grid, interpolation_mode, padding_mode, align_corners)
    if g.rank(x) != 4 or interpolation_mode not in (0, 1, 2) or padding_mode not in (0, 1, 2):
        raise ExportError(
            f"{g.overload}: ONNX GridSample at opset 16 takes 4-D input with modes {sampling.MODES} and paddings "
            f"{sampling.PADDINGS}; got rank {g.rank(x)}, mode {interpolation_mode}, padding {padding_mode}"
        )
    return g.op(
        "GridSample",
        x,
        grid,
        mode=sampling.MODES[interpolation_mode],
        padding_mode=sampling.PADDINGS[padding_mode],
        align_corners=int(align_corners),
    )


# --- antialiased resize ----------------------------------------------------------------


def _triangle(g: Builder, t, like):
    """The bilinear antialias filter ``max(0, 1 - |t|)``."""
    return g.op("Max", g.op("Sub", constant_like(g, [1.0], like), g.op("Abs", t)), constant_like(g, [0.0], like))


def _keys(g: Builder, t, like):
    """The bicubic antialias filter (Keys, a = -0.5), as torch's ``aa_filter`` of bicubic."""
    a = -0.5

    def c(v):
        return constant_like(g, [v], like)

    s = g.op("Abs", t)
    near = g.op("Add", g.op("Mul", g.op("Mul", g.op("Sub", g.op("Mul", c(a + 2), s), c(a + 3)), s), s), c(1.0))
    far = g.op(
        "Mul", g.op("Sub", g.op("Mul", g.op("Add", g.op("Mul", g.op("Sub", s, c(5.0)), s), c(8.0)), s), c(4.0)), c(a)
    )
    return g.op("Where", g.op("Less", s, c(1.0)), near, g.op("Where", g.op("Less", s, c(2.0)), far, c(0.0)))


def _aa_matrix(g: Builder, x, axis: int, out, scale_factor: float | None, align_corners: bool, bicubic: bool):
    """The ``(out, in)`` antialias weight matrix of ``x``'s dim ``axis`` (``out``: 1-element int64)."""
    dtype = g.dtype(x) or torch.float32
    length = dim(g, x, axis)
    in_f, out_f = cast(g, length, dtype), cast(g, out, dtype)
    one, half, zero = (constant_like(g, [v], x) for v in (1.0, 0.5, 0.0))
    if align_corners:
        ratio = g.op("Div", g.op("Sub", in_f, one), g.op("Max", g.op("Sub", out_f, one), one))
        scale = g.op("Where", g.op("Greater", out_f, one), ratio, zero)
    elif scale_factor is not None and scale_factor > 0:
        scale = constant_like(g, [1.0 / scale_factor], x)
    else:
        scale = g.op("Div", in_f, out_f)
    i = g.op("Reshape", cast(g, arange(g, out), dtype), ints(g, [-1, 1]))
    j = g.op("Reshape", cast(g, arange(g, length), dtype), ints(g, [1, -1]))
    center = g.op("Mul", scale, g.op("Add", i, half))
    downsampling = g.op("Not", g.op("Less", scale, one))
    invscale = g.op("Where", downsampling, g.op("Div", one, g.op("Where", downsampling, scale, one)), one)
    t = g.op("Mul", g.op("Add", g.op("Sub", j, center), half), invscale)
    weights = (_keys if bicubic else _triangle)(g, t, x)
    total = reduce(g, "ReduceSum", weights, [1], keepdims=True)
    return g.op("Div", weights, g.op("Where", g.op("Equal", total, zero), one, total))


def _double(value: float) -> float:
    """A float argument as the model's Python double.

    The TorchScript exporter folds a ``float[]`` constant into a float32 tensor before a
    rule sees it (0.9 arrives as 0.8999999761581421, and ``int(20 * 0.9)`` becomes 17); a
    value that float32 represents exactly is taken as the shortest decimal that rounds to
    it, which is what the model wrote.
    """
    single = np.float32(value)
    return float(str(single)) if float(single) == value else value


def _upsample_aa(g: Builder, x, output_size, align_corners: bool, scales: list, bicubic: bool):
    if g.rank(x) != 4:
        raise ExportError(f"{g.overload}: expected 4-D input (N, C, H, W), got rank {g.rank(x)}")
    x, back = promote_to_float(g, x)
    sizes = []
    for k, axis in enumerate((2, 3)):
        if output_size is not None:
            sizes.append(ints(g, [output_size[k]]))
        else:  # torch: int64(in * scale_factor), in double
            grown = g.op("Mul", cast(g, dim(g, x, axis), torch.float64), g.constant([scales[k]], dtype=torch.float64))
            sizes.append(cast(g, g.op("Floor", grown), torch.int64))
    rows = _aa_matrix(g, x, 2, sizes[0], scales[0], align_corners, bicubic)  # (Ho, H)
    cols = _aa_matrix(g, x, 3, sizes[1], scales[1], align_corners, bicubic)  # (Wo, W)
    y = g.op("MatMul", g.op("MatMul", rows, x), g.op("Transpose", cols, perm=[1, 0]))
    return cast_back(g, y, back)


@op(("aten::_upsample_bicubic2d_aa", "aten::_upsample_bilinear2d_aa"), opset=11)
def aten__upsample_aa(
    g: Builder,
    x,
    output_size: list[int] | None,
    align_corners: bool,
    scales: list[float] | None = None,
    scales_w: float | None = None,
):
    """``Wh @ x @ Ww^T`` with antialias weight matrices computed in the graph (module docstring).

    Both overloads: ``(x, output_size, align_corners, scales_h, scales_w)`` and ``.vec``
    ``(x, output_size, align_corners, scale_factors)`` (the TorchScript exporter does not
    say which one it met: a 2-element ``scales`` is ``scale_factors``). Opsets 11-17
    (ONNX ``Resize`` has ``antialias`` from 18) and under dynamo too: torch's dynamo
    lowering, ``Resize(antialias=1)``, has no float64 kernel in ORT and disagrees with
    torch where ``align_corners`` or the scales are given (max abs error 0.9 on the
    op table's samples).
    """
    if scales is None or len(scales) != 2:
        scales = [scales[0] if scales else None, scales_w]
    scales = [None if v is None else _double(v) for v in scales]
    return _upsample_aa(g, x, output_size, align_corners, scales, "bicubic" in g.op_name)


# --- nearest-exact resize --------------------------------------------------------------


@op(("aten::_upsample_nearest_exact1d", "aten::_upsample_nearest_exact2d", "aten::_upsample_nearest_exact3d"), opset=11)
def aten__upsample_nearest_exact(
    g: Builder,
    x,
    output_size: list[int] | None,
    scales: list[float] | None = None,
    scale_1: float | None = None,
    scale_2: float | None = None,
):
    """``Gather`` of source index ``min(floor((i + 0.5) * scale), in - 1)`` per resized dim.

    torch's ``nearest_neighbor_exact_compute_source_index``, in float32 as torch computes
    it (``scale``: ``1 / scale_factor`` where given, else ``in / out``), so ties round as
    torch's do; a ``Resize`` with ``half_pixel`` and ``round_prefer_ceil`` maps
    ``out / in`` instead of ``1 / scale_factor`` and disagrees. Both overloads, as
    ``aten::_upsample_bilinear2d_aa``. Opset 11 (``Range``), both exporters: torch's
    dynamo lowering maps ``scale_factor=(0.9, 1.7)`` wrong (max abs error 5 on the op
    table's sample).
    """
    k = int(g.op_name[-2])
    if g.rank(x) != k + 2:
        raise ExportError(f"{g.overload}: expected a {k + 2}-D input, got rank {g.rank(x)}")
    if scales is None or len(scales) != k or (k == 1 and output_size is not None):
        scales = [*(scales or [None])[:1], scale_1, scale_2][:k]
    scales = [None if v is None else _double(v) for v in scales]
    x, back = promote_to_float(g, x)
    for j in range(k):
        axis = 2 + j
        length = dim(g, x, axis)
        if output_size is not None:
            out = ints(g, [output_size[j]])
        else:
            grown = g.op("Mul", cast(g, length, torch.float64), g.constant([scales[j]], dtype=torch.float64))
            out = cast(g, g.op("Floor", grown), torch.int64)
        if scales[j] is not None and scales[j] > 0:
            scale = g.constant([1.0 / scales[j]], dtype=torch.float32)
        else:
            scale = g.op("Div", cast(g, length, torch.float32), cast(g, out, torch.float32))
        i = cast(g, arange(g, out), torch.float32)
        source = g.op("Floor", g.op("Mul", g.op("Add", i, g.constant([0.5], dtype=torch.float32)), scale))
        top = cast(g, g.op("Sub", length, ints(g, [1])), torch.float32)
        index = cast(g, g.op("Min", source, top), torch.int64)
        x = g.op("Gather", x, index, axis=axis)
    return cast_back(g, x, back)
