"""Op-table entries of symreg/ops/resampling.py, in name order."""

from __future__ import annotations

import dataclasses

import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims

#: Sums of a few products of the input: float32 within 1e-5, float64 within 1e-12.
RESAMPLE = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}
#: A copy of input elements.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}
TS_BELOW_11 = dict(exporter="torchscript", opset=9)


#: The grid's last dim (x, y) is static; every other dim is dynamic.
GRID_DIMS = (None, (0, 1, 2))


def grow_grid(sample: Sample) -> Sample:
    """The sample grown, the grid's last dim (x, y) kept."""
    return dataclasses.replace(grow_dynamic_dims(dataclasses.replace(sample, dims=GRID_DIMS)), dims=sample.dims)


def grid_samples(dtype: torch.dtype) -> list[Sample]:
    """Grids reaching past the edges (every padding mode matters), each mode, and 1-pixel inputs."""
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
)
