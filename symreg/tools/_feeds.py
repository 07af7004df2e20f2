"""Generated inputs for one run of a model (``symreg check``): the declared element types and
shapes, a small size for each dynamic dim unless the caller gives the input's shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: The size of a dynamic (named or unknown) dim. 2, not 1: a dim of 1 broadcasts against
#: anything, which would hide the broadcast errors a run is meant to catch.
DYNAMIC_DIM = 2

_NUMPY = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int8)": np.int8,
    "tensor(int16)": np.int16,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
    "tensor(uint8)": np.uint8,
    "tensor(uint16)": np.uint16,
    "tensor(uint32)": np.uint32,
    "tensor(uint64)": np.uint64,
    "tensor(bool)": np.bool_,
}


class FeedError(ValueError):
    """An input cannot be generated: an unsupported type, or a shape the caller gave that does not fit."""


def parse_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``"name:1x3x224x224"`` as ``("name", (1, 3, 224, 224))`` (``"name:"`` for a 0-d input).

    Raises:
        FeedError: not ``NAME:D1xD2...`` with non-negative integer dims.
    """
    name, sep, dims = text.rpartition(":")
    try:
        shape = tuple(int(d) for d in dims.split("x")) if dims else ()
    except ValueError:
        shape = (-1,)
    if not sep or not name or any(d < 0 for d in shape):
        raise FeedError(f"--shape {text!r}: give NAME:D1xD2x... with non-negative integer dims, e.g. x:1x3x224x224")
    return name, shape


def make_feeds(
    inputs: Sequence, shapes: Mapping[str, Sequence[int]] | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """One array per input (``onnxruntime.NodeArg``: ``name``, ``type``, ``shape``): floats drawn from N(0, 1),
    integers 0 (safe as indices and sizes), bools False; dims as declared, :data:`DYNAMIC_DIM` where dynamic,
    or ``shapes[name]``.

    Raises:
        FeedError: ``shapes`` names an unknown input or gives another rank than declared, or an input's
            type cannot be generated (sequences, maps, strings, bfloat16, ...).
    """
    shapes = dict(shapes or {})
    names = [i.name for i in inputs]
    unknown = sorted(set(shapes) - set(names))
    if unknown:
        known = ", ".join(names)
        raise FeedError(f"a shape is given for {', '.join(unknown)}: not an input of the model (its inputs: {known})")
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in inputs:
        dtype = _NUMPY.get(i.type)
        if dtype is None:
            raise FeedError(f"input {i.name!r} is {i.type}: symreg check generates numeric and bool tensors only")
        declared = list(i.shape or [])
        shape = shapes.get(i.name)
        if shape is None:
            shape = [d if isinstance(d, int) and d >= 0 else DYNAMIC_DIM for d in declared]
        elif len(shape) != len(declared):
            raise FeedError(
                f"the shape given for {i.name} has {len(shape)} dims; the model declares {len(declared)}: "
                f"{_text(declared)}"
            )
        if np.issubdtype(dtype, np.floating):
            feeds[i.name] = rng.standard_normal(shape).astype(dtype)
        else:
            feeds[i.name] = np.zeros(shape, dtype=dtype)
    return feeds


def describe(feeds: Mapping[str, np.ndarray]) -> str:
    """``x: float32[2, 4], n: int64[]``."""
    return ", ".join(f"{name}: {a.dtype}{list(a.shape)}" for name, a in feeds.items()) or "no inputs"


def _text(dims: Sequence) -> str:
    return "[" + ", ".join(str(d) if d is not None else "?" for d in dims) + "]"
