"""Grid sampling as a composition (symreg/ops/resampling.py's ``aten::grid_sampler`` rules): the grid
unnormalized to pixel coordinates, padded, and each tap gathered from the flattened input; see that
module's docstring for the modes, paddings and non-finite values."""

from __future__ import annotations

import itertools

import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    cast,
    cast_back,
    constant_like,
    dim,
    ints,
    promote_to_float,
    shape_part,
)

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _reflect(g: Builder, x, low: float, high_minus: float, size_f, like):
    """torch's ``reflect_coordinates(x, 2*low, 2*(size + high_minus))`` (``size_f`` float)."""
    lo = constant_like(g, [low], like)
    span = g.op("Sub", g.op("Add", size_f, constant_like(g, [high_minus], like)), lo)
    pos = g.op("Abs", g.op("Sub", x, lo))
    safe = g.op("Where", g.op("Greater", span, constant_like(g, [0.0], like)), span, constant_like(g, [1.0], like))
    flips = g.op("Floor", g.op("Div", pos, safe))
    extra = g.op("Sub", pos, g.op("Mul", flips, safe))
    two = constant_like(g, [2.0], like)
    odd = g.op(
        "Greater",
        g.op("Sub", flips, g.op("Mul", two, g.op("Floor", g.op("Div", flips, two)))),
        constant_like(g, [0.5], like),
    )
    out = g.op("Add", g.op("Where", odd, g.op("Sub", span, extra), extra), lo)
    return g.op("Where", g.op("Greater", span, constant_like(g, [0.0], like)), out, constant_like(g, [0.0], like))


def _pad_coordinate(g: Builder, x, size_f, padding: str, align_corners: bool, like, nan_high: bool = False):
    """torch's ``compute_coordinates``: the source coordinate after border or reflection padding.

    ``nan_high``: clip NaN to ``size - 1``, as torch's 3-D kernel does (its ``std::min(size - 1,
    std::max(x, 0))`` keeps the bound; ONNX ``Min``/``Max`` propagate NaN). Reflected infinities
    come out NaN in both, so they land there too.
    """
    if padding == "zeros":
        return x
    if padding == "reflection":
        x = _reflect(g, x, 0.0, -1.0, size_f, like) if align_corners else _reflect(g, x, -0.5, -0.5, size_f, like)
    top = g.op("Sub", size_f, constant_like(g, [1.0], like))
    clipped = _clip(g, x, top, like)
    return g.op("Where", g.op("IsNaN", x), top, clipped) if nan_high else clipped


def _clip(g: Builder, x, top, like):
    """``x`` clipped to ``[0, top]``, NaN kept.

    Where, not Min(Max(...)): under dynamo onnxscript's optimizer rewrites that into a Clip placed
    before its bound where a size is static (1-pixel dims), and the checker rejects the graph.
    """
    zero = constant_like(g, [0.0], like)
    return g.op("Where", g.op("Greater", x, top), top, g.op("Where", g.op("Less", x, zero), zero, x))


class _Taps:
    """Reads ``input[n, :, *coords]`` at float coordinates (N, 1, P) per spatial dim, 0 outside the input."""

    def __init__(self, g: Builder, x, sizes: list, sizes_f: list):
        self.g, self.sizes, self.sizes_f = g, sizes, sizes_f
        n, c = dim(g, x, 0), dim(g, x, 1)
        self.flat = g.op("Reshape", x, g.op("Concat", n, c, ints(g, [-1]), axis=0))
        self.expand = g.op("Concat", n, c, ints(g, [1]), axis=0)
        self.like = x

    def __call__(self, coords: list):
        """``coords`` in the input's dim order ((y, x) for 2-D, (z, y, x) for 3-D); (values, inside)."""
        g, like = self.g, self.like
        zero, ones = constant_like(g, [0.0], like), constant_like(g, [1.0], like)
        inside = None
        for f, size_f in zip(coords, self.sizes_f):
            within = g.op("And", g.op("Not", g.op("Less", f, zero)), g.op("Less", f, size_f))
            inside = within if inside is None else g.op("And", inside, within)
        index = None
        for f, size, size_f in zip(coords, self.sizes, self.sizes_f):
            clamped = _clip(g, f, g.op("Sub", size_f, ones), like)
            clamped = cast(g, g.op("Where", inside, clamped, zero), torch.int64)  # NaN reads pixel 0, then is masked
            index = clamped if index is None else g.op("Add", g.op("Mul", index, size), clamped)
        index = g.op("Expand", index, self.expand)  # (N, 1, P) -> (N, C, P)
        value = g.op("GatherElements", self.flat, index, axis=2)
        return value, inside


def _cubic_weights(g: Builder, t, like):
    """torch's ``get_cubic_upsample_coefficients(t)`` with A = -0.75: four weights."""
    a = -0.75

    def c(v):
        return constant_like(g, [v], like)

    def near(s):  # ((A + 2) * s - (A + 3)) * s * s + 1
        return g.op("Add", g.op("Mul", g.op("Mul", g.op("Sub", g.op("Mul", c(a + 2), s), c(a + 3)), s), s), c(1.0))

    def far(s):  # ((A * s - 5A) * s + 8A) * s - 4A
        inner = g.op("Add", g.op("Mul", g.op("Sub", g.op("Mul", c(a), s), c(5 * a)), s), c(8 * a))
        return g.op("Sub", g.op("Mul", inner, s), c(4 * a))

    one = c(1.0)
    return [far(g.op("Add", t, one)), near(t), near(g.op("Sub", one, t)), far(g.op("Sub", c(2.0), t))]


def grid_sample(g: Builder, x, grid, mode: int, padding: int, align_corners: bool):
    """torch's CPU grid sampling of 4-D input (modes ``MODES``) or 5-D input (bilinear and nearest)."""
    rank = g.rank(x)
    if rank not in (4, 5) or mode not in (0, 1, 2) or padding not in (0, 1, 2) or (rank == 5 and mode == 2):
        raise ExportError(
            f"{g.overload}: the composition covers 4-D input with modes {MODES} and 5-D input with "
            f"{MODES[:2]}, paddings {PADDINGS}; got rank {rank}, mode {mode}, padding {padding}"
        )
    mode_name, pad_name = MODES[mode], PADDINGS[padding]
    k = rank - 2
    x, back = promote_to_float(g, x)
    grid = cast(g, grid, g.dtype(x)) if g.dtype(grid) not in (None, g.dtype(x)) else grid
    sizes = [dim(g, x, 2 + a) for a in range(k)]  # (D,) H, W
    sizes_f = [cast(g, size, g.dtype(x) or torch.float32) for size in sizes]
    n = dim(g, grid, 0)
    out_size = shape_part(g, grid, 1, 1 + k)
    flat_grid = g.op("Reshape", grid, g.op("Concat", n, ints(g, [1, -1, k]), axis=0))  # (N, 1, P, k)
    one, half = constant_like(g, [1.0], x), constant_like(g, [0.5], x)

    def unnormalize(v, size_f):
        if align_corners:
            return g.op("Mul", g.op("Mul", g.op("Add", v, one), half), g.op("Sub", size_f, one))
        return g.op("Mul", g.op("Sub", g.op("Mul", g.op("Add", v, one), size_f), one), half)

    # the grid's last dim is (x, y[, z]): component k - 1 - a indexes spatial dim a
    source = [unnormalize(g.op("Gather", flat_grid, ints(g, k - 1 - a), axis=3), sizes_f[a]) for a in range(k)]
    taps = _Taps(g, x, sizes, sizes_f)
    zero = constant_like(g, [0.0], x)

    def weighted(value, inside, weight):
        return g.op("Where", inside, g.op("Mul", value, weight), zero)

    if mode_name == "bicubic":
        iy, ix = source
        hf, wf = sizes_f
        x0, y0 = g.op("Floor", ix), g.op("Floor", iy)
        wx = _cubic_weights(g, g.op("Sub", ix, x0), x)
        wy = _cubic_weights(g, g.op("Sub", iy, y0), x)
        total = None
        for j in range(4):
            ty = _pad_coordinate(g, g.op("Add", y0, constant_like(g, [j - 1.0], x)), hf, pad_name, align_corners, x)
            row = None
            for i in range(4):
                tx = g.op("Add", x0, constant_like(g, [i - 1.0], x))
                tx = _pad_coordinate(g, tx, wf, pad_name, align_corners, x)
                value, inside = taps([g.op("Floor", ty), g.op("Floor", tx)])
                term = weighted(value, inside, wx[i])
                row = term if row is None else g.op("Add", row, term)
            term = g.op("Mul", row, wy[j])
            total = term if total is None else g.op("Add", total, term)
        out = total
    else:
        source = [
            _pad_coordinate(g, v, size_f, pad_name, align_corners, x, nan_high=k == 3)
            for v, size_f in zip(source, sizes_f)
        ]
        if mode_name == "nearest":
            value, inside = taps([g.op("Round", v) for v in source])
            out = g.op("Where", inside, value, zero)
        else:
            lows = [g.op("Floor", v) for v in source]
            highs = [g.op("Add", low, one) for low in lows]
            # per dim, the weight of the low tap is high - v, of the high tap v - low
            weights = [(g.op("Sub", hi, v), g.op("Sub", v, lo)) for v, lo, hi in zip(source, lows, highs)]
            out = None
            for corner in itertools.product((0, 1), repeat=k):  # dim order: z, y, then x fastest, as torch adds
                coords = [(lows, highs)[c][a] for a, c in enumerate(corner)]
                weight = None
                for a in reversed(range(k)):  # torch multiplies x, then y, then z
                    w = weights[a][corner[a]]
                    weight = w if weight is None else g.op("Mul", weight, w)
                value, inside = taps(coords)
                term = weighted(value, inside, weight)
                out = term if out is None else g.op("Add", out, term)
    shape = g.op("Concat", n, dim(g, x, 1), out_size, axis=0)
    return cast_back(g, g.op("Reshape", out, shape), back)
