"""Region-of-interest pooling as standard ONNX ops: torchvision's CPU kernels, op for op.

The vision rules (:mod:`symreg.ops.vision`) choose between these and ONNX ``RoiAlign``.
Every function takes ``x`` (N, C, H, W) and ``rois`` (K, 5) of one float dtype T, rows
``[batch_index, x1, y1, x2, y2]``, and computes in T where torchvision does.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import arange, cast, constant_like, dim, ints, pad, reduce, shape_part, unsqueeze


def roi_columns(g: Builder, rois):
    """The batch index (K,) int64, truncated as torchvision's ``(int)``, and x1, y1, x2, y2 (K,) in T."""
    batch = cast(g, g.op("Gather", rois, ints(g, 0), axis=1), torch.int64)
    return batch, *(g.op("Gather", rois, ints(g, i), axis=1) for i in range(1, 5))


def aligned_steps(g: Builder, rois, scale: float, pooled: tuple[int, int], like):
    """Adaptive samples per bin of aligned ROIs, (K,) in T each: ``ceil(size / bins)`` as torchvision computes it."""
    _, x1, y1, x2, y2 = roi_columns(g, rois)
    s, half = constant_like(g, [scale], like), constant_like(g, [0.5], like)

    def steps(lo, hi, bins: int):
        size = g.op("Sub", g.op("Sub", g.op("Mul", hi, s), half), g.op("Sub", g.op("Mul", lo, s), half))
        return g.op("Ceil", g.op("Div", size, constant_like(g, [float(bins)], like)))

    return steps(y1, y2, pooled[0]), steps(x1, x2, pooled[1])


def _not_less(g: Builder, a, b):
    return g.op("Not", g.op("Less", a, b))  # GreaterOrEqual is opset 12; NaN gives False either way


def _axis_taps(g: Builder, y, size_f, like):
    """torchvision's ``bilinear_interpolate`` along one axis: (in range, low, high, low weight, high weight).

    ``in range`` is ``-1 <= y <= size`` (False for NaN); indices are T-valued, exact integers.
    """
    zero, one = constant_like(g, [0.0], like), constant_like(g, [1.0], like)
    inside = g.op("And", _not_less(g, y, constant_like(g, [-1.0], like)), g.op("Not", g.op("Greater", y, size_f)))
    y = g.op("Where", g.op("Greater", y, zero), y, zero)
    top = g.op("Sub", size_f, one)
    low = g.op("Floor", y)
    at_top = _not_less(g, low, top)
    low = g.op("Where", at_top, top, low)
    high = g.op("Where", at_top, top, g.op("Add", low, one))
    frac = g.op("Sub", g.op("Where", at_top, low, y), low)
    return inside, low, high, g.op("Sub", one, frac), frac


def _grid(g: Builder, start, bin_size, bins: int, steps, per_roi, like):
    """Sample coordinates (K, bins, G): ``start + p * bin + ((i + 0.5) * bin) / steps`` as torchvision orders them."""
    p = g.op("Reshape", constant_like(g, list(range(bins)), like), ints(g, [1, bins, 1]))
    base = g.op("Add", g.op("Reshape", start, ints(g, [-1, 1, 1])), g.op("Mul", p, bin_size))
    i = g.op("Add", g.op("Reshape", steps_index(g, per_roi, like), ints(g, [1, 1, -1])), constant_like(g, [0.5], like))
    return g.op("Add", base, g.op("Div", g.op("Mul", i, bin_size), steps))


def steps_index(g: Builder, per_roi, like):
    """``[0, 1, ..., G - 1]`` in T for the largest per-ROI sample count G (``per_roi`` an int or (K,) T)."""
    if isinstance(per_roi, int):
        return constant_like(g, list(range(per_roi)), like)
    zero = constant_like(g, [0.0], like)
    positive = g.op("Where", g.op("Greater", per_roi, zero), per_roi, zero)  # NaN and <= 0 sample nothing
    most = reduce(g, "ReduceMax", g.op("Concat", positive, zero, axis=0), [0], keepdims=True)  # 0 for no ROIs
    return cast(g, arange(g, cast(g, most, torch.int64)), g.dtype(like) or torch.float32)


def roi_align_samples(
    g: Builder,
    x,
    rois,
    scale: float,
    pooled: tuple[int, int],
    sampling_ratio: int,
    aligned: bool,
    position_sensitive: bool,
):
    """torchvision's ``roi_align`` (``position_sensitive=False``) or ``ps_roi_align`` forward, (K, C_out, PH, PW).

    Each sample's four taps are gathered from ``x`` laid out as (planes * H * W + 1, channels),
    the extra row zeros for samples outside the image; weights are masked, summed per bin and
    divided by the bin's sample count (at least 1 for roi_align; ps_roi_align divides by 0 and
    gives NaN where the adaptive count is 0, as torchvision does). ``sampling_ratio <= 0``: each
    ROI takes ``ceil(size / bins)`` samples per bin, gathered on the largest ROI's grid and masked.
    """
    ph, pw = pooled
    batch, x1, y1, x2, y2 = roi_columns(g, rois)
    s, half = constant_like(g, [scale], x), constant_like(g, [0.5 if aligned else 0.0], x)
    start_w, start_h, end_w, end_h = (g.op("Sub", g.op("Mul", v, s), half) for v in (x1, y1, x2, y2))
    width, height = g.op("Sub", end_w, start_w), g.op("Sub", end_h, start_h)
    if not aligned:  # torchvision forces too small ROIs to 1x1 only when not aligned
        one = constant_like(g, [1.0], x)
        width, height = g.op("Max", width, one), g.op("Max", height, one)
    bin_h = g.op("Div", height, constant_like(g, [float(ph)], x))
    bin_w = g.op("Div", width, constant_like(g, [float(pw)], x))
    if sampling_ratio > 0:
        steps_h = steps_w = constant_like(g, [float(sampling_ratio)], x)
        per_h = per_w = sampling_ratio
        count = constant_like(g, [float(sampling_ratio * sampling_ratio)], x)
    else:
        steps_h, steps_w = g.op("Ceil", bin_h), g.op("Ceil", bin_w)  # ceil(roi_height / pooled_height)
        per_h, per_w = steps_h, steps_w
        count = g.op("Mul", steps_h, steps_w)
        if not position_sensitive:
            count = g.op("Max", count, constant_like(g, [1.0], x))
    col = [-1, 1, 1]
    ys = _grid(g, start_h, g.op("Reshape", bin_h, ints(g, col)), ph, g.op("Reshape", steps_h, ints(g, col)), per_h, x)
    xs = _grid(g, start_w, g.op("Reshape", bin_w, ints(g, col)), pw, g.op("Reshape", steps_w, ints(g, col)), per_w, x)
    n, c, h, w = (dim(g, x, i) for i in range(4))
    hf, wf = cast(g, h, g.dtype(x)), cast(g, w, g.dtype(x))
    y_in, y_lo, y_hi, y_wlo, y_whi = _axis_taps(g, ys, hf, x)  # (K, PH, Gh)
    x_in, x_lo, x_hi, x_wlo, x_whi = _axis_taps(g, xs, wf, x)  # (K, PW, Gw)
    if sampling_ratio <= 0:  # samples past the ROI's own count
        y_in = g.op("And", y_in, g.op("Less", steps_index(g, per_h, x), g.op("Reshape", steps_h, ints(g, col))))
        x_in = g.op("And", x_in, g.op("Less", steps_index(g, per_w, x), g.op("Reshape", steps_w, ints(g, col))))
    y_in, y_lo, y_hi, y_wlo, y_whi = (unsqueeze(g, v, [3, 4]) for v in (y_in, y_lo, y_hi, y_wlo, y_whi))
    x_in, x_lo, x_hi, x_wlo, x_whi = (unsqueeze(g, v, [1, 2]) for v in (x_in, x_lo, x_hi, x_wlo, x_whi))
    inside = g.op("And", y_in, x_in)  # (K, PH, Gh, PW, Gw)

    if position_sensitive:  # channel (c_out * PH + ph) * PW + pw: planes (N, PH, PW) of C_out channels each
        planes = g.op("Reshape", x, g.op("Concat", n, ints(g, [-1, ph, pw]), h, w, axis=0))
        table = g.op("Transpose", planes, perm=[0, 2, 3, 4, 5, 1])
        plane_h = g.op("Add", g.op("Mul", g.op("Reshape", batch, ints(g, [-1, 1, 1, 1, 1])), ints(g, [ph])),
                       g.op("Reshape", ints(g, list(range(ph))), ints(g, [1, ph, 1, 1, 1])))  # fmt: skip
        plane_h = g.op("Mul", plane_h, ints(g, [pw]))  # (b * PH + ph) * PW
        plane_w = g.op("Reshape", ints(g, list(range(pw))), ints(g, [1, 1, 1, pw, 1]))
    else:
        table = g.op("Transpose", x, perm=[0, 2, 3, 1])
        plane_h = g.op("Reshape", batch, ints(g, [-1, 1, 1, 1, 1]))
        plane_w = None
    channels = dim(g, table, -1)
    table = g.op("Reshape", table, g.op("Concat", ints(g, [-1]), channels, axis=0))
    rows = dim(g, table, 0)
    zeros = g.op("Expand", constant_like(g, [[0.0]], x), g.op("Concat", ints(g, [1]), channels, axis=0))
    table = g.op("Concat", table, zeros, axis=0)  # the last row reads as 0

    def index(y_idx, x_idx):
        row = g.op("Mul", g.op("Add", g.op("Mul", plane_h, h), cast(g, y_idx, torch.int64)), w)
        col_part = cast(g, x_idx, torch.int64)
        if plane_w is not None:
            col_part = g.op("Add", g.op("Mul", g.op("Mul", plane_w, h), w), col_part)
        return g.op("Where", inside, g.op("Add", row, col_part), rows)

    zero = constant_like(g, [0.0], x)
    total = None
    for y_idx, wy in ((y_lo, y_wlo), (y_hi, y_whi)):
        for x_idx, wx in ((x_lo, x_wlo), (x_hi, x_whi)):
            weight = unsqueeze(g, g.op("Where", inside, g.op("Mul", wy, wx), zero), [5])
            term = g.op("Mul", g.op("Gather", table, index(y_idx, x_idx), axis=0), weight)
            total = term if total is None else g.op("Add", total, term)
    pooled_sum = reduce(g, "ReduceSum", total, [2, 4], keepdims=False)  # (K, PH, PW, C_out)
    out = g.op("Div", pooled_sum, g.op("Reshape", count, ints(g, [-1, 1, 1, 1])))
    return g.op("Transpose", out, perm=[0, 3, 1, 2])


def channel_mapping(g: Builder, out, pooled: tuple[int, int]):
    """torchvision's second output of ps_roi_align / ps_roi_pool: the input channel of each output, int32."""
    ph, pw = pooled
    c_out = dim(g, out, 1)
    per_roi = g.op("Reshape", arange(g, g.op("Mul", c_out, ints(g, [ph * pw]))), ints(g, [1, -1, ph, pw]))
    return cast(g, g.op("Expand", per_roi, g.op("Shape", out)), torch.int32)


def _round_half_away(g: Builder, v, like):
    """C's ``round``: halves away from zero (ONNX ``Round`` rounds them to even)."""
    a = g.op("Abs", v)
    down = g.op("Floor", a)
    up = _not_less(g, g.op("Sub", a, down), constant_like(g, [0.5], like))
    return g.op("Mul", g.op("Sign", v), g.op("Add", down, cast(g, up, g.dtype(like))))


def ps_roi_pool(g: Builder, x, rois, scale: float, pooled: tuple[int, int]):
    """torchvision's ``ps_roi_pool`` forward, (K, C_out, PH, PW): bin means read off an integral image.

    Bin bounds as torchvision computes them in T: ROI corners ``round(v * scale)``, sizes at
    least 1, bin ``[floor(p * size / P), ceil((p + 1) * size / P))`` shifted by the ROI start and
    clipped to ``[0, size - 1]``; empty bins give 0. Sums come from a float64 integral image
    (``CumSum``, opset 11), four gathers per bin, so any bin size costs the same; NaN and
    infinities are counted in integrals of their own, so they reach only their bins.
    """
    ph, pw = pooled
    batch, x1, y1, x2, y2 = roi_columns(g, rois)
    s, one, zero = constant_like(g, [scale], x), constant_like(g, [1.0], x), constant_like(g, [0.0], x)
    start_w, start_h, end_w, end_h = (_round_half_away(g, g.op("Mul", v, s), x) for v in (x1, y1, x2, y2))
    n, c, h, w = (dim(g, x, i) for i in range(4))
    dtype = g.dtype(x)

    def bounds(start, end, bins: int, size):
        size_f = cast(g, size, dtype)
        length = g.op("Max", g.op("Sub", end, start), one)
        bin_size = g.op("Reshape", g.op("Div", length, constant_like(g, [float(bins)], x)), ints(g, [-1, 1]))
        p = constant_like(g, [list(range(bins))], x)
        lo = g.op("Floor", g.op("Mul", p, bin_size))
        hi = g.op("Ceil", g.op("Mul", g.op("Add", p, one), bin_size))
        start = g.op("Reshape", start, ints(g, [-1, 1]))
        top = g.op("Sub", size_f, one)
        lo, hi = (g.op("Min", g.op("Max", g.op("Add", v, start), zero), top) for v in (lo, hi))
        return lo, hi  # (K, bins), exact integers in T

    h_lo, h_hi = bounds(start_h, end_h, ph, h)
    w_lo, w_hi = bounds(start_w, end_w, pw, w)
    h_lo, h_hi = (unsqueeze(g, v, [2]) for v in (h_lo, h_hi))  # (K, PH, 1)
    w_lo, w_hi = (unsqueeze(g, v, [1]) for v in (w_lo, w_hi))  # (K, 1, PW)

    wide = torch.float64
    # torchvision sums each bin in order, so a NaN, or +inf with -inf, makes it NaN and one infinity
    # makes it that infinity; integrals of their counts beside the finite values' keep them to their bins.
    x_wide = cast(g, x, wide)
    nan, pos_inf, neg_inf = (
        g.op("IsNaN", x_wide),
        g.op("IsInf", x_wide, detect_negative=0),
        g.op("IsInf", x_wide, detect_positive=0),
    )
    finite = g.op("Where", g.op("Or", nan, g.op("IsInf", x_wide)), g.constant(np.zeros(1), dtype=wide), x_wide)
    parts = [finite, *(cast(g, v, wide) for v in (nan, pos_inf, neg_inf))]
    integral = g.op("CumSum", g.op("CumSum", g.op("Concat", *parts, axis=1), ints(g, 2)), ints(g, 3))
    integral = pad(g, integral, 4, [0, 0, 1, 1], [0, 0, 0, 0])  # (N, C, H + 1, W + 1), zeros first
    h1, w1 = g.op("Add", h, ints(g, [1])), g.op("Add", w, ints(g, [1]))
    planes = g.op("Reshape", integral, g.op("Concat", n, ints(g, [-1, ph, pw]), h1, w1, axis=0))
    table = g.op("Transpose", planes, perm=[0, 2, 3, 4, 5, 1])  # (N, PH, PW, H + 1, W + 1, C_out)
    table = g.op("Reshape", table, g.op("Concat", ints(g, [-1]), dim(g, table, -1), axis=0))
    plane = g.op("Add", g.op("Mul", g.op("Reshape", batch, ints(g, [-1, 1, 1])), ints(g, [ph])),
                 g.op("Reshape", ints(g, list(range(ph))), ints(g, [1, ph, 1])))  # fmt: skip
    row_base = g.op("Mul", g.op("Mul", plane, ints(g, [pw])), h1)  # ((b * PH + ph) * PW) * (H + 1)
    col_base = g.op("Mul", g.op("Mul", g.op("Reshape", ints(g, list(range(pw))), ints(g, [1, 1, pw])), h1), w1)

    def corner(hh, ww):
        row = g.op("Mul", g.op("Add", row_base, cast(g, hh, torch.int64)), w1)
        return g.op("Gather", table, g.op("Add", g.op("Add", row, col_base), cast(g, ww, torch.int64)), axis=0)

    total = g.op("Sub", g.op("Add", corner(h_hi, w_hi), corner(h_lo, w_lo)),
                 g.op("Add", corner(h_lo, w_hi), corner(h_hi, w_lo)))  # fmt: skip
    total = g.op("Reshape", total, g.op("Concat", shape_part(g, total, 0, 3), ints(g, [4, -1]), axis=0))
    total, nans, pos, neg = (g.op("Gather", total, ints(g, i), axis=3) for i in range(4))  # (K, PH, PW, C_out)
    area = unsqueeze(g, g.op("Mul", g.op("Sub", h_hi, h_lo), g.op("Sub", w_hi, w_lo)), [3])  # (K, PH, PW, 1)
    empty = g.op("Not", g.op("Greater", area, zero))
    mean = cast(g, g.op("Div", total, cast(g, g.op("Where", empty, one, area), wide)), dtype)
    half = g.constant(np.full(1, 0.5), dtype=wide)
    pos, neg = g.op("Greater", pos, half), g.op("Greater", neg, half)
    for where, value in ((neg, float("-inf")), (pos, float("inf")), (g.op("Greater", nans, half), float("nan"))):
        mean = g.op("Where", where, constant_like(g, [value], x), mean)
    mean = g.op("Where", g.op("And", pos, neg), constant_like(g, [float("nan")], x), mean)
    out = g.op("Where", empty, zero, mean)
    return g.op("Transpose", out, perm=[0, 3, 1, 2])
