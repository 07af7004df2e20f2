"""Samples of the binary-search ops of tests/ops/table_sorting.py: ``histogram``, ``histogramdd``, ``searchsorted``.

Edges are where these ops differ from a plain comparison: values on every edge (the last bin closed), ties among
given edges, NaN and ±inf (dropped, or past the end), empty inputs, a constant input (its range widened).
"""

from __future__ import annotations

import dataclasses

import torch
from op_entry import Sample, grow_dynamic_dims
from table_reductions import opinfo_samples
from table_shape import values

INF, NAN = float("inf"), float("nan")


def histogram_samples(dtype: torch.dtype) -> list[Sample]:
    """``bins`` a count: NaN and ±inf outside a ``range`` (dropped), values on every edge (torch's linspace of the
    data is its edges: the last bin closed), the data's extremes (a constant input widened by 0.5, no data: 0
    to 1), 0-d, batch dims, one bin, ``weight`` and ``density``; ``bins`` a tensor of edges (ties among them),
    with weight and density. torch raises for NaN or inf without a ``range``."""
    x = torch.tensor([NAN, -INF, INF, 0.0, -0.0, 1.0, 3.0, 2.999, 10.0, -1.0, 0.5, 1.5, 2.0, 2.25], dtype=dtype)
    edges = torch.tensor([-1.0, 0.0, 0.5, 0.5, 2.0, 2.999], dtype=dtype)
    spread = torch.linspace(-0.7, 2.2, 30, dtype=dtype)
    return [
        Sample((x, 4), {"range": (0.0, 3.0)}),
        Sample((x, 3), {"range": (-1.0, 2.0), "weight": torch.arange(14, dtype=dtype) / 4}),
        Sample((x, 2), {"range": (1.5, 1.5)}),
        Sample((spread, 29)),
        Sample((spread.reshape(5, 6), 7), {"density": True}),
        Sample((torch.full((3,), 2.5, dtype=dtype), 5)),
        Sample((values((0,), dtype), 3)),
        Sample((torch.tensor(1.5, dtype=dtype), 1)),
        Sample((torch.randn(2, 3, 4, dtype=dtype), 10), {"weight": torch.rand(2, 3, 4, dtype=dtype), "density": True}),
        Sample((x, edges)),
        Sample((x, edges), {"weight": torch.rand(14, dtype=dtype), "density": True}),
        Sample((torch.randn(3, 4, dtype=dtype), edges[:2])),
    ]


def grow_histogram(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with a grown ``bins`` tensor sorted again (torch asks for increasing edges)."""
    grown = grow_dynamic_dims(sample)
    if not isinstance(grown.args[1], torch.Tensor):
        return grown
    return dataclasses.replace(grown, args=(grown.args[0], grown.args[1].sort().values, *grown.args[2:]))


def searchsorted_samples(dtype: torch.dtype) -> list[Sample]:
    """Ties (first or last position, by ``right`` and by ``side``), NaN and ±inf values, NaN in the sequence
    (torch's probes decide), rows of a batched sequence, ``sorter`` (1-d and per row), Python numbers (int and
    float: wrapped numbers), int64 against float values (promoted), 0-d values, empty sequence and values."""
    floating = dtype.is_floating_point
    special = [NAN, INF, -INF] if floating else [-100, 100, 0]
    seq = torch.tensor([-3, 1, 2, 2, 2, 5, 7, 7, 9], dtype=dtype)
    vals = torch.tensor([[2, 7, -3, 9, 0, 10], [1, 5, 6, *special]], dtype=dtype)
    rows = torch.tensor([[[1, 2, 2, 4], [0, 0, 3, 3]], [[-5, 1, 1, 1], [2, 3, 4, 8]]], dtype=dtype)
    row_vals = torch.tensor([[[2, 0, 4], [3, 0, 9]], [[1, -6, 2], [8, 2, 5]]], dtype=dtype)
    shuffled, order = seq[torch.tensor([4, 0, 8, 2, 6, 1, 3, 7, 5])], torch.tensor([1, 5, 3, 6, 0, 8, 4, 7, 2])
    row_order = rows.flip(-1).argsort(dim=-1, stable=True)
    samples = [
        Sample((seq, vals), {"right": right, "out_int32": out_int32})
        for right in (False, True)
        for out_int32 in (False, True)
    ]
    samples += [
        Sample((seq, vals), {"side": "right"}),
        Sample((seq, vals), {"side": "left", "right": False}),
        Sample((rows, row_vals)),
        Sample((rows, row_vals), {"right": True}),
        Sample((shuffled, vals), {"sorter": order}),
        Sample((rows.flip(-1), row_vals), {"sorter": row_order, "side": "right"}),
        Sample((seq, 2)),
        Sample((seq, 7), {"right": True}),
        Sample((seq, 2.5)),
        Sample((seq, seq[3])),
        Sample((seq, torch.tensor([1.5, 2.0, 6.5]))),
        Sample((seq[:0], vals)),
        Sample((seq, vals[:, :0])),
    ]
    if floating:
        with_nan = torch.tensor([1.0, 2.0, 2.0, NAN, NAN], dtype=dtype)
        samples += [
            Sample((with_nan, torch.tensor([0.5, 1.5, 2.0, 2.5, NAN, INF], dtype=dtype)), {"right": right})
            for right in (False, True)
        ]
        samples.append(Sample((seq.to(torch.int64), vals)))
    return samples


def histogramdd_samples(dtype: torch.dtype) -> list[Sample]:
    """Static samples first (torch.export traces only those), OpInfo's (their points' leading dims dynamic), then
    ours: ``bins`` per dim and one int for all, points on every edge (the last bin closed in each dim), NaN and
    ±inf in one coordinate outside a ``range`` (the point dropped), a range with equal ends (widened by 0.5), the
    data's extremes (a constant column widened by 0.5, no points: 0 to 1), batch dims with ``weight`` and
    ``density``, 1-d and 3-d points; ``bins`` tensors of edges (ties among them) with weight and density. Only
    the points' leading dims are dynamic (their last dim is the number of bins). torch raises for NaN or inf
    without a ``range``."""
    pts = torch.tensor(
        [[0.0, -1.0], [3.0, 2.0], [1.0, 0.0], [0.75, 1.0], [NAN, 0.5], [2.0, INF], [-0.0, -INF], [2.25, 1.999]]
        + [[1.5, 0.5], [3.5, 0.0], [2.999, -0.5], [0.5, 2.0]],
        dtype=dtype,
    )
    spread = torch.linspace(-0.7, 2.2, 30, dtype=dtype).reshape(10, 3)
    steady = torch.stack([torch.linspace(0, 1, 6, dtype=dtype), torch.full((6,), 2.5, dtype=dtype)], dim=1)
    edges = [torch.tensor([-1.0, 0.0, 0.5, 0.5, 2.0, 2.999], dtype=dtype), torch.tensor([-0.5, 0.5, 2.0], dtype=dtype)]
    lead = (0,)
    fixed = [  # no dynamic dims: what torch.export can trace (first: the CI subset runs them under dynamo)
        Sample((pts.nan_to_num(0.0, 9.0, -9.0), edges), {"weight": torch.rand(12, dtype=dtype), "density": True}),
        Sample((pts, [4, 3]), {"range": [0.0, 3.0, -1.0, 2.0], "weight": torch.rand(12, dtype=dtype)}),
        Sample((spread, [2, 3, 4]), {"density": True}),
        Sample((steady, 2)),
        Sample((values((0, 2), dtype), [2, 3])),
        Sample((torch.tensor([[0.5, 1.5]], dtype=dtype), [edges[0][:2], edges[1]])),
    ]
    samples = [dataclasses.replace(s, dims=((),) * len(s.tensors())) for s in fixed]
    samples += [
        dataclasses.replace(s, dims=(tuple(range(s.args[0].dim() - 1)),) + (None,) * (len(s.tensors()) - 1))
        for s in opinfo_samples("histogramdd")(dtype)
    ]
    samples += [
        Sample((pts, [4, 3]), {"range": [0.0, 3.0, -1.0, 2.0]}, dims=(lead,)),
        Sample((pts, 3), {"range": [0.5, 2.5, 0.0, 0.0]}, dims=(lead,)),
        Sample(
            (pts, [2, 5]),
            {"range": [-1.0, 3.5, -2.0, 2.0], "weight": torch.arange(12, dtype=dtype) / 4},
            dims=(lead, None),
        ),
        Sample((spread, [2, 3, 4]), dims=(lead,)),
        Sample((spread, 5), {"density": True}, dims=(lead,)),
        Sample((steady, [3, 2]), dims=(lead,)),
        Sample((values((0, 2), dtype), [2, 3]), dims=(lead,)),
        Sample((spread[:, :1], 7), dims=(lead,)),
        Sample(
            (torch.randn(2, 3, 2, dtype=dtype), [3, 2]),
            {"weight": torch.rand(2, 3, dtype=dtype), "density": True},
            dims=((0, 1), None),
        ),
        Sample((pts.nan_to_num(0.0, 9.0, -9.0), edges), dims=(lead, None, None)),
        Sample(
            (pts.nan_to_num(0.0, 9.0, -9.0), edges),
            {"weight": torch.rand(12, dtype=dtype), "density": True},
            dims=(lead, None, None, None),
        ),
        Sample((torch.randn(4, 2, dtype=dtype), [edges[0][:2], edges[1]]), dims=(lead, None, None)),
    ]
    return samples


def grow_histogramdd(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with grown tensors of edges sorted again (torch asks for increasing edges)."""
    grown = grow_dynamic_dims(sample)
    bins = grown.args[1]
    if not isinstance(bins, list) or not all(isinstance(b, torch.Tensor) for b in bins):
        return grown
    return dataclasses.replace(grown, args=(grown.args[0], [b.sort().values for b in bins], *grown.args[2:]))


def dynamic_under_dynamo(sample: Sample) -> bool:
    """Whether torch.export sees a dynamic dim in ``sample``: one of size >= 2 among its dynamic dims."""
    return any(
        size >= 2 and (dims is None or d in dims)
        for t, dims in zip(sample.tensors(), sample.input_dims())
        for d, size in enumerate(t.shape)
    )
