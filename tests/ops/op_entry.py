"""What an op-table entry is: ``OpEntry``, its ``Sample``s and expected failures (``Expect``).

The table itself is tests/ops/op_table.py, gathered from one ``table_<family>.py`` per rule
family; tests/ops/test_ops.py runs every entry.

An entry names the ops it covers (a rule's name and its aliases, as ``symreg.rules()`` lists
them), where its inputs come from (an OpInfo of torch's ``op_db``, a ``samples`` function,
or both), its dtypes with a tolerance each, and the (exporter, opset) pairs to export at.
Expected failures are chained on and must keep failing (strict xfail)::

    OpEntry(("aten::frac",), ELEMENTWISE, opinfo="frac").xfail(
        "why, and the issue that tracks it", exporter="torchscript", dtype=torch.float64, sample=is_0d
    )

Adding an op: add its entry to ``ENTRIES`` of its family's ``table_<family>.py`` (the rules of
``symreg/ops/<family>.py``), in name order; ``tests/test_parity.py`` fails until every rule has
one. Op-specific extras (an accuracy sweep, a lowering matrix) go in tests/ops/test_<op>.py.
Below the entry types: samples and tolerances that several families share.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import unittest
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from ortcheck import EXPORTS, Dims

Tolerance = Mapping[torch.dtype, tuple[float, float]]  # dtype -> (rtol, atol) against eager torch


@dataclasses.dataclass(frozen=True)
class Sample:
    """One call ``fn(*args, **kwargs)``.

    Tensors among ``args`` and the ``kwargs`` values (also inside a list or tuple) become
    model inputs, in that order; everything else is a constant of the exported model.
    ``dims``: the dynamic dims of each tensor input (see ``ortcheck.export``); None: all.
    """

    args: tuple
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    dims: tuple[Dims, ...] | None = None

    def tensors(self) -> list[torch.Tensor]:
        return [v for v in _leaves((*self.args, *self.kwargs.values())) if isinstance(v, torch.Tensor)]

    def with_tensors(self, tensors: Iterable[torch.Tensor]) -> Sample:
        """This call with its tensors replaced, in order, by ``tensors``."""
        it = iter(tensors)

        def swap(v):
            if isinstance(v, (list, tuple)):
                return type(v)(swap(e) for e in v)
            return next(it) if isinstance(v, torch.Tensor) else v

        return dataclasses.replace(
            self, args=tuple(swap(a) for a in self.args), kwargs={k: swap(v) for k, v in self.kwargs.items()}
        )

    def input_dims(self) -> list[Dims]:
        return list(self.dims) if self.dims is not None else [None] * len(self.tensors())

    def __str__(self) -> str:
        return ", ".join(f"{str(t.dtype)[6:]}{list(t.shape)}" for t in self.tensors())


def _leaves(values: Iterable) -> Iterable:
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def grow_dynamic_dims(sample: Sample) -> Sample:
    """The sample with every dynamic dim of size >= 2 three larger, new values within the old ones' range."""
    return sample.with_tensors(_regrown(t, dims) for t, dims in zip(sample.tensors(), sample.input_dims()))


def _regrown(t: torch.Tensor, dims: Dims) -> torch.Tensor:
    shape = [s + 3 if s >= 2 and (dims is None or d in dims) else s for d, s in enumerate(t.shape)]
    if t.dtype == torch.bool:
        return torch.randint(0, 2, shape).bool()
    finite = t[torch.isfinite(t)] if t.is_floating_point() else t
    lo, hi = (finite.min().item(), finite.max().item()) if finite.numel() else (0, 1)
    if not t.is_floating_point():
        return torch.randint(int(lo), int(hi) + 1, shape, dtype=t.dtype)
    return torch.empty(shape, dtype=t.dtype).uniform_(lo, hi if hi > lo else lo + 1)


#: Why 0-d float64 cases of torch's own TorchScript rules (and of rules computing 0-d values) fail.
TS_0D_FLOAT64 = (
    "torch's TorchScript exporter computes 0-d float64 arithmetic in float32: its ONNX scalar type analysis "
    "takes every 0-d float64 value for a Python float (docs/known-issues.md)"
)


def is_0d(sample: Sample) -> bool:
    """For ``Expect.sample``: every tensor of the call is 0-d."""
    return all(t.dim() == 0 for t in sample.tensors())


@dataclasses.dataclass(frozen=True)
class Expect:
    """An expected failure (``xfail``) or a ``skip`` of the cases it matches; None fields match anything."""

    kind: str
    reason: str
    name: str | None = None
    exporter: str | None = None
    opset: int | None = None
    dtype: torch.dtype | None = None
    sample: Callable[[Sample], bool] | None = None
    lowering: str | None = None

    def matches(
        self,
        name: str,
        exporter: str,
        opset: int,
        dtype: torch.dtype,
        sample: Sample | None,
        lowering: str | None = None,
    ) -> bool:
        wanted = {"name": name, "exporter": exporter, "opset": opset, "dtype": dtype, "lowering": lowering}
        if any(getattr(self, k) is not None and getattr(self, k) != v for k, v in wanted.items()):
            return False
        return self.sample is None or (sample is not None and self.sample(sample))


@dataclasses.dataclass(frozen=True, eq=False)
class OpEntry:
    """One op of the pack (with its aliases): how to call it, on what, how closely it must match.

    ``fn`` is the eager function the samples are written for; None calls each name as
    ``torch.ops.<namespace>.<op>``. That is the alias as a user calls it; whether its own
    rule is reached is the exporter's choice (torch 2.14 records ``aten::special_erfinv`` as
    ``aten::erfinv`` when tracing or scripting, and torch.export decomposes it to erfinv).
    ``grow`` turns a sample into another of the same call with its dynamic dims larger,
    fed through the same exported model. ``compare`` replaces the elementwise comparison of
    the outputs where they are not unique (the outputs' count, dtype and declared rank are
    still checked).
    """

    names: tuple[str, ...]
    tolerance: Tolerance
    opinfo: str | None = None
    samples: Callable[[torch.dtype], Iterable[Sample]] | None = None
    fn: Callable | None = None
    dtypes: tuple[torch.dtype, ...] = (torch.float32, torch.float64)
    exports: tuple[tuple[str, int], ...] = tuple(EXPORTS)
    grow: Callable[[Sample], Sample] = grow_dynamic_dims
    expected: tuple[Expect, ...] = ()
    #: Where outputs are not unique (eigenvector signs, ...): ``compare(sample, eager, ort, rtol, atol)`` checks
    #: their invariants (raising AssertionError) instead of the default elementwise comparison.
    compare: Callable[[Sample, list[torch.Tensor], list[Any], float, float], None] | None = None
    #: Ops whose rules this entry's cases reach without being called by name: what an exporter decomposes the op
    #: into (torch.export's ``aten::_histogramdd_bin_edges`` for ``aten::histogramdd``). tests/test_parity.py counts
    #: them as in the table; they get no cases of their own.
    reaches: tuple[str, ...] = ()
    #: The lowerings (``symreg.lowerings(name)``) each case runs under, forced one at a time; () runs the rule's
    #: default only. ``xfail``/``skip`` take ``lowering=`` to select one.
    lowerings: tuple[str, ...] = ()

    def xfail(self, reason: str, **where) -> OpEntry:
        """This entry with the cases ``where`` selects (name=, exporter=, opset=, dtype=, sample=, lowering=)
        expected to fail."""
        return dataclasses.replace(self, expected=(*self.expected, Expect("xfail", reason, **where)))

    def skip(self, reason: str, **where) -> OpEntry:
        """This entry with the cases ``where`` selects not run (prefer ``xfail``: it notices a fix)."""
        return dataclasses.replace(self, expected=(*self.expected, Expect("skip", reason, **where)))

    def call(self, name: str) -> Callable:
        if self.fn is not None:
            return self.fn
        namespace, op = name.split("::")
        return getattr(getattr(torch.ops, namespace), op)

    def expectation(
        self,
        name: str,
        exporter: str,
        opset: int,
        dtype: torch.dtype,
        sample: Sample | None,
        lowering: str | None = None,
    ):
        return next((e for e in self.expected if e.matches(name, exporter, opset, dtype, sample, lowering)), None)


def opinfos(name: str) -> list[Any]:
    """torch's OpInfos named ``name`` (every variant), in op_db's order."""
    return [info for info in _op_db() if info.name == name]


@functools.cache
def _op_db() -> tuple[Any, ...]:
    from torch.testing._internal import common_utils
    from torch.testing._internal.common_methods_invocations import op_db  # slow import: only when needed
    from torch.testing._internal.opinfo import core

    # OpInfo.sample_inputs looks for a running unittest test with inspect.stack(), which reads the
    # source of every frame: 90 of the 130 s it took to collect the op table under pytest. The same
    # search over the frames alone finds the same test (none here: the seed is then torch's SEED).
    common_utils.extract_test_fn = core.extract_test_fn = _running_unittest_test
    return tuple(op_db)


def _running_unittest_test():
    """torch's ``extract_test_fn`` without ``inspect.stack()``: the running unittest test function, or None."""
    frame = sys._getframe(1)
    while frame is not None:
        test = frame.f_locals.get("self")
        if isinstance(test, unittest.TestCase):
            *_, cls_name, test_name = test.id().rsplit(".", 2)
            if cls_name == type(test).__name__ and test_name.startswith("test"):
                return getattr(test, test_name).__func__
        frame = frame.f_back
    return None


def samples_of(entry: OpEntry, dtype: torch.dtype) -> list[Sample]:
    """The entry's samples in ``dtype``: its OpInfo's, then its own; the same tensors every call."""
    return list(_samples(entry, dtype))


@functools.cache
def _samples(entry: OpEntry, dtype: torch.dtype) -> tuple[Sample, ...]:
    torch.manual_seed(0)
    found: list[Sample] = []
    if entry.opinfo is not None:
        info = next((i for i in opinfos(entry.opinfo) if i.variant_test_name == ""), None)
        if info is None:
            raise LookupError(f"no OpInfo named {entry.opinfo!r} in torch's op_db")
        found += [Sample((s.input, *s.args), dict(s.kwargs)) for s in info.sample_inputs("cpu", dtype)]
    if entry.samples is not None:
        found += list(entry.samples(dtype))
    return tuple(found)


# --- shared samples and tolerances ------------------------------------------------------


def elementwise_extras(dtype: torch.dtype) -> list[Sample]:
    """0-d, empty and size-1 inputs in (-1, 1), which OpInfo's unary samples mostly lack."""
    values = torch.linspace(-0.9, 0.9, 7, dtype=torch.float64)
    return [
        Sample((values[5].to(dtype),)),
        Sample((torch.empty(2, 0, 3, dtype=dtype),)),
        Sample((values[:1].reshape(1, 1).to(dtype),)),
    ]


#: float32 within 1e-6 relative of eager torch (float32), float64 within 1e-12, float16
#: within 1e-3 (computed in float32, rounded once); integer inputs give float32 results.
ELEMENTWISE: Tolerance = {
    torch.float16: (1e-3, 0.0),
    torch.float32: (1e-6, 0.0),
    torch.float64: (1e-12, 0.0),
    torch.int64: (1e-6, 0.0),
}
FLOATS_AND_INT = (torch.float16, torch.float32, torch.float64, torch.int64)
