"""Op-table entries of symreg/ops/resampling.py, in name order."""

from __future__ import annotations

import dataclasses

import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims, opinfos

#: Sums of a few products of the input: float32 within 1e-5, float64 within 1e-12.
RESAMPLE = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}
#: A copy of input elements.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}
TS_BELOW_11 = dict(exporter="torchscript", opset=9)


#: The grid's last dim (x, y) is static; every other dim is dynamic.
GRID_DIMS = (None, (0, 1, 2))
#: The same for 5-D input: the grid's last dim (x, y, z) is static.
GRID_DIMS_3D = (None, (0, 1, 2, 3))


def grow_grid(sample: Sample) -> Sample:
    """The sample grown, the grid's last dim (x, y[, z]) kept."""
    dims = GRID_DIMS_3D if sample.args[0].dim() == 5 else GRID_DIMS
    return dataclasses.replace(grow_dynamic_dims(dataclasses.replace(sample, dims=dims)), dims=sample.dims)


#: Grid values for the edges: non-finite, exactly on the border (+-1), pixel centres that are
#: ties for nearest (-0.5, 0, 0.5 on a size-4 or size-2 dim, align_corners=False), beyond the border.
EDGE_GRID_VALUES = (float("nan"), float("inf"), float("-inf"), -1.0, 1.0, -0.5, 0.0, 0.5, 1.25, -1.75, 0.3)


def edge_grid_3d(dtype: torch.dtype, shape=(2, 3, 4, 5)) -> torch.Tensor:
    """A 5-D grid (N, D', H', W', 3) of EDGE_GRID_VALUES, each component drawn independently."""
    values = torch.tensor(EDGE_GRID_VALUES, dtype=dtype)
    return values[torch.randint(0, len(EDGE_GRID_VALUES), (*shape, 3))]


def grid_3d_samples(dtype: torch.dtype) -> list[Sample]:
    """5-D input: edge grids (NaN, +-inf, on the border, nearest ties) then uniform ones past the edges,
    each mode x padding x align_corners, a depth-1 input, then OpInfo's small grid_sampler_3d samples (bilinear only).

    Arguments as ``torch.grid_sampler_3d``: (input, grid, interpolation_mode, padding_mode, align_corners).
    """
    torch.manual_seed(0)
    x = torch.randn(2, 3, 2, 4, 4, dtype=dtype)
    edge = edge_grid_3d(dtype)
    uniform = torch.empty(2, 3, 2, 5, 3, dtype=dtype).uniform_(-1.6, 1.6)
    combos = [(1, 1, False), (0, 2, True)]  # CI's two: nearest with border, bilinear with reflection
    combos += [(m, p, a) for m in (0, 1) for p in (0, 1, 2) for a in (False, True) if (m, p, a) not in combos]
    found = [Sample((x, edge, *c), dims=GRID_DIMS_3D) for c in combos]
    found += [Sample((x, uniform, m, p, a), dims=GRID_DIMS_3D) for m, p, a in combos]
    found.append(Sample((torch.randn(1, 2, 1, 3, 3, dtype=dtype), edge[:1] * 0.9, 0, 2, True), dims=GRID_DIMS_3D))
    info = opinfos("grid_sampler_3d")[0]  # its inputs of 0.2M-5M elements take minutes each on two cores: left out
    small = [s for s in info.sample_inputs("cpu", dtype) if s.input.numel() <= 50_000]
    found += [Sample((s.input, *s.args), dict(s.kwargs), dims=GRID_DIMS_3D) for s in small]
    return found


def grid_samples(dtype: torch.dtype) -> list[Sample]:
    """Grids reaching past the edges (every padding mode matters), each mode, 1-pixel inputs, then 5-D edge grids."""
    torch.manual_seed(0)
    found = []
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (False, True):
                x = torch.randn(2, 3, 4, 6, dtype=dtype)
                grid = torch.empty(2, 5, 7, 2, dtype=dtype).uniform_(-1.6, 1.6)
                kwargs = dict(mode=mode, padding_mode=padding, align_corners=align)
                found.append(Sample((x, grid), kwargs, dims=GRID_DIMS))
    found.append(
        Sample(
            (torch.randn(1, 2, 1, 1, dtype=dtype), torch.rand(1, 3, 2, 2, dtype=dtype) * 3 - 1.5),
            dict(mode="bilinear", padding_mode="reflection", align_corners=True),
            dims=GRID_DIMS,
        )
    )
    x, grid = torch.randn(2, 3, 2, 4, 4, dtype=dtype), edge_grid_3d(dtype)  # 5-D: aten::grid_sampler too
    for mode, padding in (("bilinear", "border"), ("nearest", "reflection")):
        kwargs = dict(mode=mode, padding_mode=padding, align_corners=False)
        found.append(Sample((x, grid), kwargs, dims=GRID_DIMS_3D))
    return found


def _grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    return torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


def _aa_samples(dtype: torch.dtype) -> list[Sample]:
    """Down- and upsampling, sizes and scale factors, align_corners, as interpolate(antialias=True) calls it."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 12, 9, dtype=dtype)
    return [
        Sample((x, [5, 4], False, None)),
        Sample((x, [17, 3], True, None)),
        Sample((x, None, False, [0.45, 1.6])),
        Sample((x, None, True, [0.3, 0.7])),
        Sample((torch.randn(1, 1, 1, 5, dtype=dtype), [3, 2], False, None)),
    ]


def _bicubic_aa(x, size, align_corners, scale_factors):
    return torch.nn.functional.interpolate(
        x, size=size, scale_factor=scale_factors, mode="bicubic", align_corners=align_corners, antialias=True
    )


def _nearest_exact(x, size=None, scale_factor=None, recompute_scale_factor=None):
    return torch.nn.functional.interpolate(
        x, size=size, scale_factor=scale_factor, mode="nearest-exact", recompute_scale_factor=recompute_scale_factor
    )


def nearest_exact_samples(dtype: torch.dtype) -> list[Sample]:
    """Sizes and scale factors, a 0.9 factor (0.9 * 20 is 18 in double, 17 in float32), integer input."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 20, 7, dtype=dtype)
    return [
        Sample((x[:, :, 0],), dict(size=11)),
        Sample((x,), dict(size=(9, 12))),
        Sample((x,), dict(scale_factor=(0.9, 1.7))),
        Sample((x.reshape(2, 3, 4, 5, 7),), dict(size=(3, 8, 6))),
        Sample((x[:, :, 0],), dict(scale_factor=2.5)),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::_upsample_bicubic2d_aa",), RESAMPLE, samples=_aa_samples, fn=_bicubic_aa).xfail(
        "Range is opset 11", **TS_BELOW_11
    ),
    OpEntry(("aten::_upsample_bilinear2d_aa",), RESAMPLE, opinfo="_upsample_bilinear2d_aa", samples=_aa_samples).xfail(
        "Range is opset 11", **TS_BELOW_11
    ),
    OpEntry(
        ("aten::_upsample_nearest_exact1d", "aten::_upsample_nearest_exact2d", "aten::_upsample_nearest_exact3d"),
        EXACT,
        samples=nearest_exact_samples,
        fn=_nearest_exact,
    ).xfail("Range is opset 11", **TS_BELOW_11),
    OpEntry(("aten::grid_sampler",), RESAMPLE, samples=grid_samples, fn=_grid_sample).xfail(
        "GatherElements and Round are opset 11", **TS_BELOW_11
    ),
    OpEntry(("aten::grid_sampler_2d",), RESAMPLE, opinfo="grid_sampler_2d", grow=grow_grid).xfail(
        "GatherElements and Round are opset 11", **TS_BELOW_11
    ),
    OpEntry(("aten::grid_sampler_3d",), RESAMPLE, samples=grid_3d_samples, grow=grow_grid).xfail(
        "GatherElements and Round are opset 11", **TS_BELOW_11
    ),
)
