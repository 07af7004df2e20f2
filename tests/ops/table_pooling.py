"""Op-table entries of symreg/ops/pooling.py, in name order."""

from __future__ import annotations

import dataclasses
import functools

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample, grow_dynamic_dims, opinfos

#: Window sums in another order than torch's (per dim, then divided once): a few ulp.
POOLING = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-14)}
#: Sums of up to 72 window values in another order than torch's, left unscaled by divisor_override=2: float32
#: off by up to 1.2e-5 on OpInfo's samples (measured).
AVG_POOL = {torch.float32: (1e-5, 5e-5), torch.float64: (1e-12, 1e-13), torch.int64: (0.0, 0.0)}
#: Sums of a few gradients (repeated indices), in another order than torch's below opset 16.
BACKWARD = {torch.float32: (1e-6, 1e-6), torch.float64: (1e-12, 1e-12)}
#: A copy of input elements.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0)}
FLOATS_AND_INT64 = (torch.float32, torch.float64, torch.int64)


def _values(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """Normal values (floats) or integers in [-9, 9], the same for every call."""
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def _with_specials(x: torch.Tensor) -> torch.Tensor:
    """NaN, inf, -inf and -0.0 at fixed positions of a float tensor (integers and small tensors unchanged)."""
    if not x.is_floating_point() or x.numel() <= 20:
        return x
    x = x.clone()
    flat = x.view(-1)
    flat[4], flat[9], flat[13], flat[20] = float("nan"), float("inf"), float("-inf"), -0.0
    return x


def adaptive_extras(rank: int):
    """Sizes that do not divide, output larger than input, size 1, NaN and inf inside one window."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        shape = (2, 3, 10, 7, 9)[: rank + 2]
        x = torch.randn(shape, dtype=dtype)
        special = x.clone()
        special.view(-1)[5] = float("nan")
        special.view(-1)[17] = float("inf")
        return [
            Sample((x, [3, 4, 2][:rank])),
            Sample((special, [4, 3, 5][:rank])),
            Sample((x, [13, 1, 9][:rank])),
            Sample((x[0], [1] * rank)),
        ]

    return samples


def adaptive_max_pool(x, output_size, return_indices=False, *, spatial: int):
    """F.adaptive_max_pool{spatial}d with its indices always: both outputs are compared."""
    return getattr(F, f"adaptive_max_pool{spatial}d")(x, output_size, return_indices=True)


def adaptive_max_extras(rank: int):
    """adaptive_extras' samples, then ties (small integers as floats: the first maximum wins), NaN in windows
    (the last NaN's index), -inf windows, -0.0 beside 0.0, an empty batch, unbatched, static sizes."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        found = [dataclasses.replace(s, kwargs={"spatial": rank}) for s in adaptive_extras(rank)(dtype)]
        shape = (2, 3, 10, 7, 9)[: rank + 2]
        ties = torch.randint(-2, 3, shape).to(dtype)
        flat = ties.view(-1)
        flat[3], flat[4], flat[11], flat[30], flat[31] = float("nan"), float("nan"), float("-inf"), -0.0, 0.0
        flat[-rank * 6 :] = float("-inf")
        zeros = torch.zeros(shape, dtype=dtype)
        zeros.view(-1)[::3] = -0.0
        for x, size, dims in [
            (ties, [4, 3, 5][:rank], None),
            (ties, [3, 2, 4][:rank], None),
            (zeros, [3, 5, 2][:rank], None),
            (ties[:0], [2, 3, 2][:rank], None),
            (ties[0], [4, 2, 3][:rank], None),
            (ties, [4, 3, 5][:rank], ((0,),)),  # static sizes: constant window tables
        ]:
            found.append(Sample((x, size), {"spatial": rank}, dims=dims))
        return found

    return samples


def _default_output_sizes(sample: Sample) -> bool:
    size = sample.args[1]
    return isinstance(size, (list, tuple)) and None in size


ADAPTIVE_MAX_BAKED = (
    "torch.export writes a None entry of output_size as the traced input's size, a constant (F.adaptive_max_pool*d "
    "fills it in Python), so an input of another size gets the traced output size; no rule sees the None"
)


def avg_pool_extras(k: int):
    """Windows that start in the padding and past it (ceil_mode), padding counted or not, a divisor,
    NaN/inf/-0.0, an empty batch, an unbatched input, static sizes (no 0-d: pooling needs k + 1 dims)."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        x = _with_specials(_values((2, 3, 9, 8, 7)[: k + 2], dtype))
        divisor = {} if k == 1 else {"divisor_override": 3}
        return [
            Sample((x, 3, 2, 1, True, False)),
            Sample((x, 2, 2, 1, True, True)),  # the last window would start in the right padding
            Sample((x, 4, 3, 2, True, True)),  # windows reach past the padding: torch does not count that
            Sample((x, [3, 2, 2][:k], [1, 2, 3][:k], [1, 0, 1][:k]), divisor),
            Sample((x[:0], 3, 2, 1)),
            Sample((x[0], 2, 1, 1, True, False)),
            Sample((x, 3, 2, 1, True, True), dims=((0,),)),  # static sizes: constant window tables
        ]

    return samples


def max_pool2d_backward(grad, x, indices, *, kernel_size, stride, padding, dilation, ceil_mode):
    """aten::max_pool2d_with_indices_backward, with ``indices`` an input: the forward pooling that makes them
    stays in eager (torch's own max_pool2d rules are not under test; at opset 9 they need static sizes)."""
    return torch.ops.aten.max_pool2d_with_indices_backward(
        grad, x, kernel_size, stride, padding, dilation, ceil_mode, indices
    )


def _backward_sample(x: torch.Tensor, kwargs: dict, grad_of=None, dims=None) -> Sample:
    """The call for ``x`` pooled with ``kwargs``: a grad of ones (OpInfo's) or ``grad_of(shape)``, and the indices."""
    kwargs = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False, **kwargs}
    kwargs.pop("return_indices", None)
    out, indices = F.max_pool2d(x, **kwargs, return_indices=True)
    grad = torch.ones_like(out) if grad_of is None else grad_of(out.shape)
    if kwargs["stride"] is None:
        kwargs["stride"] = kwargs["kernel_size"]
    if dims is None:  # dynamic where x and its pooled shape both have >= 2 (torch.export fixes sizes 0 and 1)
        dynamic = tuple(d for d in range(x.dim()) if min(x.shape[d], out.shape[d]) >= 2)
        dims = (dynamic,) * 3
    return Sample((grad, x, indices), kwargs, dims=dims)


def _special_grad(dtype: torch.dtype):
    return lambda shape: _with_specials(torch.randn(shape, dtype=dtype))


def grow_backward(sample: Sample) -> Sample:
    """``x`` with its dynamic dims larger, and a new grad (of the same kind) and indices of its pooled shape."""
    grad, x, _ = sample.tensors()
    x = grow_dynamic_dims(Sample((x,), dims=(sample.input_dims()[1],))).tensors()[0]
    ones = bool((grad == 1).all())
    return _backward_sample(x, sample.kwargs, None if ones else _special_grad(x.dtype), sample.dims)


@functools.cache
def _backward_opinfo(dtype: torch.dtype) -> tuple[Sample, ...]:
    info = opinfos("max_pool2d_with_indices_backward")[0]
    found = [_backward_sample(s.input, dict(s.kwargs)) for s in info.sample_inputs("cpu", dtype)]
    return tuple(found[::40])  # 1440 samples of 12 shapes (channels-last ones among them): a spread of them


def backward_samples(dtype: torch.dtype) -> list[Sample]:
    """A spread of OpInfo's samples (grad of ones), then grads with NaN/inf/-0.0 into overlapping, dilated,
    padded and ceil_mode windows (repeated indices add up), unbatched, an empty batch, static sizes."""
    x = torch.randn(2, 3, 9, 8, dtype=dtype)
    found = list(_backward_opinfo(dtype))
    for source, kwargs, dims in [
        (x, dict(kernel_size=3, stride=1), None),
        (x, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), None),
        (x, dict(kernel_size=(2, 3), stride=(2, 1), dilation=2), None),
        (x[0], dict(kernel_size=2), None),
        (x[:0], dict(kernel_size=2), None),
        (x, dict(kernel_size=3, stride=2), ((0,), (0,), (0,))),
    ]:
        found.append(_backward_sample(source, kwargs, _special_grad(dtype), dims))
    return found


def max_unpool(x, indices, *, spatial: int, **kwargs):
    """F.max_unpool{spatial}d: what the max_unpool samples call (F.max_unpool1d records aten::max_unpool2d)."""
    return getattr(F, f"max_unpool{spatial}d")(x, indices, **kwargs)


def _unpool_input(lead: list[int], pooled: list[int], dtype: torch.dtype, kwargs) -> tuple[torch.Tensor, ...]:
    """(values, indices) of shape ``(*lead, *pooled)`` from F.max_pool{spatial}d: a valid max_unpool input.

    The pooled input has the unpooled size: ``output_size`` where given, else the default one.
    """
    spatial = kwargs["spatial"]
    kernel, stride, padding = (
        [v] * spatial if isinstance(v, int) else list(v)
        for v in (kwargs["kernel_size"], kwargs.get("stride") or kwargs["kernel_size"], kwargs.get("padding", 0))
    )
    if kwargs.get("output_size") is not None:
        size = list(kwargs["output_size"])[-spatial:]
    else:
        size = [(n - 1) * s - 2 * p + k for n, s, p, k in zip(pooled, stride, padding, kernel, strict=True)]
    pool = getattr(F, f"max_pool{spatial}d")
    # NaN, inf and -0.0 go in before pooling: an index that repeats (overlapping windows) must carry one value
    source = _with_specials(torch.randn((*lead, *size), dtype=dtype))
    return pool(source, kernel, stride, padding, return_indices=True)


def grow_unpool(sample: Sample) -> Sample:
    """New (values, indices) from max_pool, each dynamic dim of size >= 2 three larger (the pooled dims only
    where no ``output_size`` is given: the model computes it from theirs)."""
    x, _ = sample.tensors()
    dims, spatial = sample.input_dims()[0], sample.kwargs["spatial"]
    shape = [s + 3 if s >= 2 and (dims is None or d in dims) else s for d, s in enumerate(x.shape)]
    lead = x.dim() - spatial
    return sample.with_tensors(_unpool_input(shape[:lead], shape[lead:], x.dtype, sample.kwargs))


@functools.cache
def _unpool_opinfo(spatial: int, dtype: torch.dtype) -> tuple[Sample, ...]:
    info = next(i for i in opinfos(f"nn.functional.max_unpool{spatial}d") if not i.variant_test_name)
    found = [Sample((s.input, *s.args), {**s.kwargs, "spatial": spatial}) for s in info.sample_inputs("cpu", dtype)]
    return tuple(found[::12])  # 144, 288 and 96 samples of a few shapes: a spread of them


def unpool_samples(*spatials: int):
    """A spread of OpInfo's samples, then: default output sizes (computed from the input's, dynamic), NaN/inf/-0.0
    values, repeated indices (overlapping windows), an empty batch, an unbatched input, static sizes."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        found = [s for spatial in spatials for s in _unpool_opinfo(spatial, dtype)]
        for spatial in spatials:
            pooled = [4, 3, 2][:spatial]
            for lead, kwargs, dims in [
                ([2, 3], dict(kernel_size=2), None),
                ([2, 3], dict(kernel_size=3, stride=2, padding=1), None),  # overlapping windows: indices repeat
                ([2, 3], dict(kernel_size=2, stride=[1, 2, 2][:spatial], output_size=[5, 7, 5][:spatial]), None),
                ([2, 3], dict(kernel_size=2), ((0,), (0,))),  # static sizes
                ([0, 3], dict(kernel_size=2), None),
                ([3], dict(kernel_size=2), None),  # unbatched
            ]:
                kwargs = {**kwargs, "spatial": spatial}
                found.append(Sample(_unpool_input(lead, pooled, dtype, kwargs), kwargs, dims=dims))
        return found

    return samples


def _default_output_size(sample: Sample) -> bool:
    return sample.kwargs.get("output_size") is None


UNPOOL_UNTRACEABLE = (
    "F.max_unpool*d without output_size cannot be traced: its size check hands torch._check_value a traced "
    "size tensor (TypeError: cond must be a bool), before any export rule runs"
)


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::adaptive_avg_pool1d",),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool1d",
        fn=F.adaptive_avg_pool1d,
        samples=adaptive_extras(1),
    ),
    OpEntry(
        ("aten::adaptive_avg_pool2d", "aten::_adaptive_avg_pool2d"),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool2d",
        fn=F.adaptive_avg_pool2d,
        samples=adaptive_extras(2),
    ),
    OpEntry(
        ("aten::adaptive_avg_pool3d", "aten::_adaptive_avg_pool3d"),
        POOLING,
        opinfo="nn.functional.adaptive_avg_pool3d",
        fn=F.adaptive_avg_pool3d,
        samples=adaptive_extras(3),
    ),
    OpEntry(
        ("aten::adaptive_max_pool1d",),
        EXACT,
        opinfo="nn.functional.adaptive_max_pool1d",
        fn=functools.partial(adaptive_max_pool, spatial=1),
        samples=adaptive_max_extras(1),
    ),
    OpEntry(
        ("aten::adaptive_max_pool2d",),
        EXACT,
        opinfo="nn.functional.adaptive_max_pool2d",
        fn=functools.partial(adaptive_max_pool, spatial=2),
        samples=adaptive_max_extras(2),
    ).xfail(ADAPTIVE_MAX_BAKED, exporter="dynamo", sample=_default_output_sizes),
    OpEntry(
        ("aten::adaptive_max_pool3d",),
        EXACT,
        opinfo="nn.functional.adaptive_max_pool3d",
        fn=functools.partial(adaptive_max_pool, spatial=3),
        samples=adaptive_max_extras(3),
    ).xfail(ADAPTIVE_MAX_BAKED, exporter="dynamo", sample=_default_output_sizes),
    OpEntry(
        ("aten::avg_pool1d",),
        AVG_POOL,
        opinfo="nn.functional.avg_pool1d",
        fn=F.avg_pool1d,
        samples=avg_pool_extras(1),
        dtypes=FLOATS_AND_INT64,
    ),
    OpEntry(
        ("aten::avg_pool2d",),
        AVG_POOL,
        opinfo="nn.functional.avg_pool2d",
        fn=F.avg_pool2d,
        samples=avg_pool_extras(2),
        dtypes=FLOATS_AND_INT64,
    ),
    OpEntry(
        ("aten::avg_pool3d",),
        AVG_POOL,
        opinfo="nn.functional.avg_pool3d",
        fn=F.avg_pool3d,
        samples=avg_pool_extras(3),
        dtypes=FLOATS_AND_INT64,
    ),
    OpEntry(
        ("aten::max_pool2d_with_indices_backward",),
        BACKWARD,
        samples=backward_samples,
        fn=max_pool2d_backward,
        grow=grow_backward,
    ),
    OpEntry(
        ("aten::max_unpool2d",),
        EXACT,
        samples=unpool_samples(1, 2),
        fn=max_unpool,
        grow=grow_unpool,
    ).xfail(UNPOOL_UNTRACEABLE, exporter="torchscript", sample=_default_output_size),
    OpEntry(
        ("aten::max_unpool3d",),
        EXACT,
        samples=unpool_samples(3),
        fn=max_unpool,
        grow=grow_unpool,
    ).xfail(UNPOOL_UNTRACEABLE, exporter="torchscript", sample=_default_output_size),
)
