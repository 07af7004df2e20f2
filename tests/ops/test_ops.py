"""Every op of the op table (tests/ops/op_table.py): exported alone, run in ONNX Runtime, compared with eager torch.

A case is entry × op name (aliases too) × (exporter, opset) × dtype × sample. It exports the
call with symreg (dynamic dims), checks the model (``onnx.checker`` full check), runs it in ORT
with symreg's kernels and compares every output with eager PyTorch: NaN and ±inf positions,
dtype and shape exactly, values within the entry's tolerance for the dtype. The exported
outputs must declare that dtype and rank. A second, larger input (the entry's ``grow``) then
goes through the same model: dynamic shapes must work.

CI runs the first ``CI_SAMPLES`` samples of each (name, TorchScript opset, dtype): for the
elementwise ops, OpInfo's sample and a 0-d one (rank 0 takes its own path in some lowerings).
Under dynamo, where a case costs about ten times as much (torch.export, its decompositions and
onnxscript's optimizer run over every node), each dtype runs one of those samples in turn: the
entry's first dtype the first sample, its second dtype the second, and so on, so both kinds still
run under dynamo at half the cost. ``SYMREG_FULL_OP_MATRIX=1`` runs every sample,
``SYMREG_OP_FAMILIES=math,shape`` only those families' entries.

Cost: a dynamo export takes about 1.5 s however small the model (torch rebuilds its ONNX
registry and decomposition table each time), so the cases of one (exporter, opset) that are
expected to pass share exported models, each case's call on inputs of its own: up to
``SHARED_INPUTS`` inputs per model, in table order (torch.export's symbolic shapes slow down
much faster than linearly with the number of dynamic inputs). When a shared model fails to
export or run, each entry's cases in it share one, and when that fails too, each case exports
alone: a failure is reported by the case that causes it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import zlib
from collections.abc import Callable

import numpy as np
import onnx
import pytest
import torch
from op_entry import OpEntry, Sample, samples_of
from op_table import FAMILIES, TABLE
from ortcheck import assert_matches, export, run

import symreg
from symreg._meta import DOMAIN

#: Samples per (name, exporter, opset, dtype) in CI: the first ones (OpInfo's, then the entry's edge cases).
CI_SAMPLES = 2
#: Inputs per shared model (see the module docstring).
SHARED_INPUTS = int(os.environ.get("SYMREG_SHARED_INPUTS", 64))
FULL = os.environ.get("SYMREG_FULL_OP_MATRIX") == "1"
#: ``SYMREG_OP_FAMILIES=math,shape`` runs those families' entries only (tests/ops/table_<family>.py).
ONLY = [f for f in os.environ.get("SYMREG_OP_FAMILIES", "").split(",") if f]


@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """One sample of one op name, exported at one opset in one dtype; ``problem``: why it cannot run."""

    entry: OpEntry
    name: str
    exporter: str
    opset: int
    dtype: torch.dtype
    index: int | None = None
    sample: Sample | None = None
    problem: str | None = None
    lowering: str | None = None  # forced (symreg.set_lowering); None: the rule's default

    def __str__(self) -> str:
        which = "no-samples" if self.sample is None else f"s{self.index}"
        lowering = "" if self.lowering is None else f"-{self.lowering}"
        return f"{self.name.replace('::', '.')}-{self.exporter}{self.opset}{lowering}-{str(self.dtype)[6:]}-{which}"

    @property
    def fn(self) -> Callable:
        return self.entry.call(self.name)


def _chosen(count: int, full: bool, exporter: str, turn: int) -> list[int]:
    """The samples an (exporter, opset) runs in the entry's ``turn``-th dtype: all when ``full``, else the
    first ``CI_SAMPLES`` (TorchScript) or one of them, taking turns by dtype (dynamo; module docstring)."""
    if full:
        return list(range(count))
    first = min(count, CI_SAMPLES)
    if exporter == "dynamo" and first:
        return [turn % first]
    return list(range(first))


def cases_of(entry: OpEntry, *, full: bool) -> list[Case]:
    """The entry's cases: the CI subset of samples per (name, exporter, opset, dtype) (``_chosen``), all when
    ``full``."""
    found = []
    for turn, dtype in enumerate(entry.dtypes):
        try:
            samples, problem = samples_of(entry, dtype), None
        except Exception as e:  # noqa: BLE001 - a broken sample source fails its cases, not the collection
            samples, problem = [], f"{entry.names[0]}: its samples in {dtype} raise {type(e).__name__}: {e}"
        if not samples and problem is None:
            problem = (
                f"{entry.names[0]} has no samples in {dtype}: give its entry in tests/ops/table_<family>.py an OpInfo "
                "that has samples or a samples= function"
            )
        for name in entry.names:
            for exporter, opset in entry.exports:
                for lowering in entry.lowerings or (None,):
                    if problem:
                        found.append(Case(entry, name, exporter, opset, dtype, problem=problem, lowering=lowering))
                    chosen = _chosen(len(samples), full, exporter, turn)
                    found += [
                        Case(entry, name, exporter, opset, dtype, i, samples[i], lowering=lowering) for i in chosen
                    ]
    return found


def _selected_entries() -> tuple[OpEntry, ...]:
    unknown = sorted(set(ONLY) - set(FAMILIES))
    if unknown:
        raise ValueError(f"SYMREG_OP_FAMILIES names unknown families {unknown}; known: {', '.join(FAMILIES)}")
    return tuple(e for f in ONLY for e in FAMILIES[f]) if ONLY else TABLE


CASES = [case for entry in _selected_entries() for case in cases_of(entry, full=FULL)]


def _marks(case: Case) -> list:
    if case.problem:
        return []
    expect = case.entry.expectation(case.name, case.exporter, case.opset, case.dtype, case.sample, case.lowering)
    if expect is None:
        return []
    if expect.kind == "skip":
        return [pytest.mark.skip(reason=expect.reason)]
    return [pytest.mark.xfail(strict=True, reason=expect.reason)]


def _shares_model(case: Case) -> bool:
    return not case.problem and not _marks(case)


@dataclasses.dataclass
class Result:
    """What one case's call gave: eager and ORT outputs on its sample and on the grown sample."""

    declared: list[onnx.ValueInfoProto]
    runs: list[tuple[Sample, list[torch.Tensor], list[np.ndarray]]]  # (sample, eager outputs, ORT outputs)


class Calls(torch.nn.Module):
    """Each case's call on inputs of its own: ``forward`` takes every case's tensors in turn, returns all outputs."""

    def __init__(self, cases: list[Case]):
        super().__init__()
        self.cases = cases

    def forward(self, *inputs):
        outputs, start = [], 0
        for case in self.cases:
            count = len(case.sample.tensors())
            call = case.sample.with_tensors(inputs[start : start + count])
            start += count
            outputs += _flat(case.fn(*call.args, **call.kwargs))
        return tuple(outputs)


def _flat(output) -> list[torch.Tensor]:
    if isinstance(output, (tuple, list)):
        return [t for o in output for t in _flat(o)]
    return [output]


def run_cases(cases: list[Case]) -> dict[Case, Result]:
    """Exports the cases' calls as one model (same exporter and opset), runs it on their samples and grown ones."""
    if not cases:
        return {}
    exporter, opset, lowering = cases[0].exporter, cases[0].opset, cases[0].lowering
    # copies: torch.export merges inputs that are one tensor (the aliases of an op share samples)
    tensors = [t.clone() for c in cases for t in c.sample.tensors()]
    dims = [d for c in cases for d in c.sample.input_dims()]
    forced = sorted({n for c in cases for n in c.entry.names}) if lowering is not None else []
    try:
        for name in forced:
            symreg.set_lowering(name, lowering)
        proto = export(Calls(cases), tuple(tensors), exporter, opset, dims=dims)
    finally:
        for name in forced:
            symreg.set_lowering(name, None)
    assert len(proto.graph.input) == len(tensors), f"{len(tensors)} inputs exported as {len(proto.graph.input)}"
    if lowering is not None:  # the forced lowering is the one built: custom-domain nodes exactly for "custom"
        custom = any(n.domain == DOMAIN for n in proto.graph.node)
        assert custom == (lowering == "custom"), f"lowering {lowering!r} forced, custom-domain nodes: {custom}"
    grown = []
    for case in cases:
        torch.manual_seed(zlib.crc32(str(case).encode()))
        grown.append(case.entry.grow(case.sample))
    results = {c: Result([], []) for c in cases}
    for samples in ([c.sample for c in cases], grown):
        with torch.no_grad():
            expected = [_flat(c.fn(*s.args, **s.kwargs)) for c, s in zip(cases, samples)]
        ort_outputs = run(proto, [t for s in samples for t in s.tensors()])
        assert len(ort_outputs) == sum(map(len, expected)), f"{len(ort_outputs)} outputs, eager has {expected}"
        start = 0
        for case, sample, eager in zip(cases, samples, expected):
            results[case].runs.append((sample, eager, ort_outputs[start : start + len(eager)]))
            results[case].declared = list(proto.graph.output[start : start + len(eager)])
            start += len(eager)
    return results


@functools.cache
def _groups(exporter: str, opset: int, lowering: str | None, selected: frozenset[Case]) -> dict[Case, tuple[Case, ...]]:
    """Each selected case of this export (and forced lowering) that should pass, mapped to the cases sharing its
    model."""
    export_of = (exporter, opset, lowering)
    cases = [c for c in CASES if c in selected and (c.exporter, c.opset, c.lowering) == export_of and _shares_model(c)]
    groups, group, inputs = {}, [], 0
    for case in cases + [None]:
        count = 0 if case is None else len(case.sample.tensors())
        if group and (case is None or inputs + count > SHARED_INPUTS):
            groups.update(dict.fromkeys(group, tuple(group)))
            group, inputs = [], 0
        if case is not None:
            group.append(case)
            inputs += count
    return groups


@functools.lru_cache(maxsize=8)  # models are shared by neighbouring cases only; results hold tensors
def _shared(cases: tuple[Case, ...]) -> dict[Case, Result]:
    """The results of one model holding ``cases``; empty when it fails to export or run."""
    try:
        return run_cases(list(cases))
    except Exception:  # noqa: BLE001 - the cases then share smaller models, or run alone, and report their failure
        return {}


def result_of(case: Case, selected: frozenset[Case]) -> Result:
    """The case's outputs: from its shared model, else from its entry's cases in it, else exported alone."""
    if _shares_model(case):
        group = _groups(case.exporter, case.opset, case.lowering, selected)[case]
        for cases in (group, tuple(c for c in group if c.entry is case.entry)):
            if case in (shared := _shared(cases)):
                return shared[case]
    return run_cases([case])[case]


@pytest.fixture(scope="module")
def selected(request) -> frozenset[Case]:
    """The cases this session runs (after ``-k`` and the like): only they go into shared models."""
    params = (getattr(item, "callspec", None) for item in request.session.items)
    return frozenset(p.params["case"] for p in params if p is not None and isinstance(p.params.get("case"), Case))


@pytest.mark.parametrize("case", [pytest.param(c, id=str(c), marks=_marks(c)) for c in CASES])
def test_op(case: Case, selected: frozenset[Case]):
    if case.problem:
        pytest.fail(case.problem)
    assert_result(case, result_of(case, selected))


def assert_result(case: Case, result: Result):
    """ORT's outputs are eager torch's, within tolerance, on both samples; the graph declares their dtype and rank."""
    rtol, atol = case.entry.tolerance[case.dtype]
    for sample, expected, actual in result.runs:
        what = f"{case} on {sample}"
        assert len(actual) == len(expected), f"{what}: {len(actual)} outputs, eager has {len(expected)}"
        if case.entry.compare is not None:
            for i, (y, e) in enumerate(zip(actual, expected)):
                same = y.dtype == e.numpy().dtype and y.shape == tuple(e.shape)
                assert same, f"{what}, output {i}: {y.dtype}{y.shape}, eager {e.dtype}{tuple(e.shape)}"
            case.entry.compare(sample, expected, actual, rtol, atol)
            continue
        for i, (y, e) in enumerate(zip(actual, expected)):
            assert_matches(y, e, rtol=rtol, atol=atol, what=f"{what}, output {i}")
    for i, (info, e) in enumerate(zip(result.declared, result.runs[0][1])):
        _assert_declared(info, e, f"{case}: output {i}")


def _assert_declared(info: onnx.ValueInfoProto, expected: torch.Tensor, what: str):
    """The graph output's declared type is the eager output's dtype and rank (where the rank is declared)."""
    tensor_type = info.type.tensor_type
    elem = onnx.helper.np_dtype_to_tensor_dtype(expected.numpy().dtype)
    assert tensor_type.elem_type == elem, f"{what} declared as {tensor_type.elem_type}, eager gives {elem}"
    if tensor_type.HasField("shape"):
        assert len(tensor_type.shape.dim) == expected.dim(), f"{what} declared with rank {len(tensor_type.shape.dim)}"


def table_problems(table=TABLE) -> list[str]:
    """What is wrong with the table itself: bad or duplicate names, a dtype without tolerance, a stale xfail/skip."""
    problems, seen = [], {}
    for entry in table:
        for name in entry.names:
            if name in seen:
                problems.append(f"{name} is in two entries of the op table")
            seen[name] = entry
            if name.count("::") != 1:
                problems.append(f'{name}: names are qualified, "namespace::op"')
        problems += [f"{entry.names[0]}: no tolerance for {d}" for d in entry.dtypes if d not in entry.tolerance]
        cases = [c for c in cases_of(entry, full=True) if not c.problem]
        for expect in entry.expected:
            if not any(expect.matches(c.name, c.exporter, c.opset, c.dtype, c.sample, c.lowering) for c in cases):
                problems.append(f"{entry.names[0]}: {expect.kind} {expect.reason!r} matches no case; remove it")
    return problems


def test_table_is_well_formed():
    assert table_problems() == []


def test_table_problems_are_found():
    """The check above can fail: a duplicate name, a missing tolerance and a stale xfail are each reported."""
    sinh = next(e for e in TABLE if "aten::sinh" in e.names)
    broken = dataclasses.replace(sinh, dtypes=(*sinh.dtypes, torch.bfloat16)).xfail("never", opset=99)
    problems = table_problems((sinh, broken))
    assert problems == [
        "aten::sinh is in two entries of the op table",
        f"aten::sinh: no tolerance for {torch.bfloat16}",
        "aten::sinh: xfail 'never' matches no case; remove it",
    ]


def test_an_entry_without_samples_fails():
    entry = OpEntry(("aten::sinh",), {torch.float32: (0.0, 0.0)}, samples=lambda dtype: [], dtypes=(torch.float32,))
    cases = cases_of(entry, full=False)
    assert cases and all(c.problem and "has no samples" in c.problem for c in cases)


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_a_wrong_rule_fails_its_cases(exporter):
    sinh = next(e for e in TABLE if "aten::sinh" in e.names)
    case = next(c for c in cases_of(sinh, full=False) if (c.exporter, c.dtype) == (exporter, torch.float32))
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(lambda g, x: g.op("Cosh", x))
        result = run_cases([case])[case]
    with pytest.raises(AssertionError, match="max abs"):
        assert_result(case, result)
