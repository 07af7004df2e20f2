"""The op side of the coverage sweep: one OpInfo entry through one run in one mode.

A *run* is an exporter at an opset (:data:`RUNS`); a *mode* is ``"torch"`` (plain
``torch.onnx.export`` and ``onnxruntime.InferenceSession``, symreg never imported) or
``"symreg"`` (``symreg.export`` and ``symreg.ort.InferenceSession``). :func:`check` turns
(op, run, mode) into one outcome (:data:`OUTCOMES`) with a one-line reason.

This module is what worker processes execute; its source is part of the cache key of
every result (``scripts/coverage.py``), so changing it invalidates cached results.
"""

from __future__ import annotations

import dataclasses
import io
import random
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode  # documented in torch's extending guide

#: Run name -> (exporter, opset).
RUNS: dict[str, tuple[str, int]] = {
    "ts11": ("torchscript", 11),
    "ts17": ("torchscript", 17),
    "dynamo18": ("dynamo", 18),
}
MODES = ("torch", "symreg")
#: Outcomes, best first.
OUTCOMES = ("pass", "mismatch", "ort-fail", "export-fail", "no-sample")
#: Outcome of a task that crashed or timed out, by the stage it was in (see :func:`check`'s ``stage``).
STAGE_OUTCOMES = {"samples": "no-sample", "export": "export-fail", "ort": "ort-fail", "compare": "mismatch"}
RTOL, ATOL = 1e-3, 1e-4
DTYPE = torch.float32
#: Seeds of the two eager evaluations that decide whether an op is deterministic.
SEEDS = (0, 1)
#: OpInfo's own mark of a random op (a skip of its CPU-vs-device comparison test).
RANDOM_HINT = "output is non-deterministic"
REASON_CHARS = 160


def op_key(op: Any) -> str:
    """The name of an OpInfo entry in reports: ``name`` or ``name:variant``."""
    return f"{op.name}:{op.variant_test_name}" if op.variant_test_name else op.name


def load_ops() -> dict[str, Any]:
    """Every entry of torch's OpInfo database, by :func:`op_key`, in database order."""
    from torch.testing._internal.common_methods_invocations import op_db

    return {op_key(op): op for op in op_db}


def select(keys: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    """The keys named in ``wanted`` (a name selects all its variants); all when None.

    Raises:
        ValueError: a wanted name matches no key.
    """
    if not wanted:
        return list(keys)
    chosen = [k for k in keys if k in wanted or k.split(":")[0] in wanted]
    unknown = [w for w in wanted if not any(k == w or k.split(":")[0] == w for k in keys)]
    if unknown:
        raise ValueError(f"--ops: no OpInfo entry named {', '.join(unknown)} (names look like 'sinh' or 'max:binary')")
    return chosen


# --- samples as models --------------------------------------------------------------------


class _Slot(int):
    """Where a model input goes in a sample's argument structure."""


def _lift(value: Any, tensors: list[torch.Tensor]) -> Any:
    """``value`` with every tensor (also inside lists, tuples, dicts) replaced by a :class:`_Slot`."""
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_lift(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _lift(v, tensors) for k, v in value.items()}
    return value


def _fill(template: Any, tensors: Sequence[torch.Tensor]) -> Any:
    """The inverse of :func:`_lift`."""
    if isinstance(template, _Slot):
        return tensors[template]
    if isinstance(template, (list, tuple)):
        return type(template)(_fill(v, tensors) for v in template)
    if isinstance(template, dict):
        return {k: _fill(v, tensors) for k, v in template.items()}
    return template


def flatten(value: Any) -> list[Any]:
    """The leaves of nested tuples/lists (named tuples such as ``torch.return_types`` too)."""
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in flatten(v)]
    return [value]


class OpModule(torch.nn.Module):
    """``forward(*tensors)`` calls the op on one sample; tensors are inputs, the rest constants.

    Returns the op's tensors flattened (one tensor alone, else a tuple).
    """

    def __init__(self, fn: Callable, template: tuple[Any, tuple, dict]) -> None:
        super().__init__()
        self.fn = fn
        self.template = template

    def forward(self, *tensors: torch.Tensor) -> Any:
        first, args, kwargs = _fill(self.template, tensors)
        outputs = flatten(self.fn(first, *args, **kwargs))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


@dataclasses.dataclass
class Case:
    """One usable sample: the model, its inputs and eager PyTorch's outputs."""

    index: int
    module: OpModule
    inputs: tuple[torch.Tensor, ...]
    expected: list[torch.Tensor]


def _clone(tensors: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    return tuple(t.clone() for t in tensors)  # in-place ops (resize_, ...) must not touch the sample


def _eager(module: OpModule, inputs: Sequence[torch.Tensor], seed: int) -> list[Any]:
    torch.manual_seed(seed)
    with torch.no_grad():
        return flatten(module(*_clone(inputs)))


def _unusable_output(outputs: list[Any]) -> str | None:
    """Why eager outputs cannot be compared with an ONNX model's, or None."""
    if not outputs:
        return "no tensor output"
    for o in outputs:
        if not isinstance(o, torch.Tensor):
            return f"non-tensor output ({type(o).__name__})"
        if o.layout != torch.strided:
            return f"non-strided output ({o.layout})"
    return None


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    """Bitwise-equal outputs (NaN equal to NaN)."""
    return len(a) == len(b) and all(_same_tensor(x, y) for x, y in zip(a, b))


def _same_tensor(x: torch.Tensor, y: torch.Tensor) -> bool:
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.is_complex():
        x, y = x.to(torch.complex128), y.to(torch.complex128)  # torch.equal lacks complex32
    if x.is_floating_point() or x.is_complex():
        if not torch.equal(x.isnan(), y.isnan()):
            return False
        x, y = x.masked_fill(x.isnan(), 0), y.masked_fill(y.isnan(), 0)
    return torch.equal(x, y)


class _SeededOpSpy(TorchDispatchMode):
    """Notes the first ATen op tagged ``nondeterministic_seeded`` (it draws random numbers) that runs."""

    def __init__(self) -> None:
        super().__init__()
        self.seeded: str | None = None

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        if self.seeded is None and torch.Tag.nondeterministic_seeded in func.tags:
            self.seeded = str(func)
        return func(*args, **(kwargs or {}))


def seeded_op(module: OpModule, inputs: Sequence[torch.Tensor]) -> str | None:
    """The first random-number-drawing ATen op that eager runs for this sample, or None.

    Catches random ops that OpInfo reseeds inside ``op.op`` (``wrapper_set_seed``), whose
    outputs therefore agree under any two seeds.
    """
    spy = _SeededOpSpy()
    try:
        with spy, torch.no_grad():
            module(*_clone(inputs))
    except Exception:  # noqa: BLE001 - an op the mode upsets; the other two checks still apply
        return None
    return spy.seeded


def random_hint(op: Any) -> str | None:
    """OpInfo's own statement that ``op``'s output is random, or None.

    OpInfo skips its CPU-vs-device comparison of random ops with the reason "output is
    non-deterministic", sometimes qualified ("... (when dropout_p > 0)"); qualified ones
    count too, because such ops often reseed inside ``op.op`` (OpInfo's
    ``wrapper_set_seed``), which hides their randomness from the two-seed check.
    """
    for info in list(op.decorators or ()) + list(op.skips or ()):
        for decorator in getattr(info, "decorators", [info]):
            reason = _skip_reason(decorator)
            if reason and reason.startswith(RANDOM_HINT):
                return f'OpInfo: "{reason}"'
    return None


def _skip_reason(decorator: Callable) -> str | None:
    """The reason of a ``unittest.skip(reason)`` decorator, None for other decorators."""
    try:
        probe = decorator(lambda: None)
    except Exception:  # noqa: BLE001 - decorators that need a real test function are no skips
        return None
    return getattr(probe, "__unittest_skip_why__", None)


def _seed_all(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def cases(op: Any, limit: int) -> tuple[list[Case], str | None, str | None]:
    """Up to ``limit`` usable float32 samples of ``op``.

    Returns (cases, why none is usable, why the op is random). A sample is usable when
    eager PyTorch runs it and returns strided tensors only. The op is random when OpInfo
    says so (:func:`random_hint`), when a chosen sample's outputs differ under seeds
    :data:`SEEDS`, or when its eager run draws random numbers (:func:`seeded_op`).
    """
    hint = random_hint(op)
    if hint:
        return [], None, hint
    if DTYPE not in op.supported_dtypes("cpu"):
        return [], "OpInfo: float32 not supported on cpu", None
    _seed_all(0)  # sample tensors are random: the same seed gives every process the same samples
    chosen, rejected, seen = [], [], 0
    for index, sample in enumerate(_samples(op)):
        if isinstance(sample, Exception):
            rejected.append(f"sample_inputs raised {short(sample)}")
            break
        seen = index + 1
        tensors: list[torch.Tensor] = []
        module = OpModule(op.op, _lift((sample.input, tuple(sample.args), dict(sample.kwargs)), tensors))
        inputs = tuple(tensors)
        try:
            first, second = (_eager(module, inputs, seed) for seed in SEEDS)
        except Exception as e:  # noqa: BLE001 - a sample eager PyTorch rejects is not usable
            rejected.append(f"eager raised {short(e)}")
            continue
        if unusable := _unusable_output(first):
            rejected.append(unusable)
            continue
        if not same(first, second):
            seeds = " and ".join(f"torch.manual_seed({seed})" for seed in SEEDS)
            return [], None, f"sample {index}: eager outputs differ under {seeds}"
        if seeded := seeded_op(module, inputs):
            return [], None, f"sample {index}: eager runs {seeded}, tagged nondeterministic_seeded"
        chosen.append(Case(index, module, inputs, first))
        if len(chosen) == limit:
            break
    if chosen:
        return chosen, None, None
    return [], (f"no usable sample of {seen}: {rejected[0]}" if rejected else "OpInfo yields no samples"), None


def _samples(op: Any) -> Iterator[Any]:
    """``op``'s float32 CPU samples, lazily; an exception the generator raises comes last, as a value."""
    try:
        yield from op.sample_inputs("cpu", DTYPE)
    except Exception as e:  # noqa: BLE001 - a broken sample generator is a fact to report
        yield e


# --- export, run, compare -----------------------------------------------------------------


def input_names(count: int) -> list[str]:
    return [f"in{i}" for i in range(count)]


def export(case: Case, run: str, mode: str) -> bytes:
    """The serialized ONNX model of ``case`` from ``run``'s exporter, with symreg when ``mode`` says so."""
    exporter, opset = RUNS[run]
    if mode == "symreg":
        import symreg

        export_fn = symreg.export
    else:
        export_fn = torch.onnx.export
    kwargs: dict[str, Any] = {"opset_version": opset, "input_names": input_names(len(case.inputs))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            program = export_fn(case.module, case.inputs, None, dynamo=True, verbose=False, **kwargs)
            return program.model_proto.SerializeToString()
        buffer = io.BytesIO()
        export_fn(case.module, case.inputs, buffer, dynamo=False, **kwargs)
        return buffer.getvalue()


def run_ort(model: bytes, inputs: Sequence[torch.Tensor], mode: str) -> list[np.ndarray]:
    """Runs ``model`` on ``inputs`` in ONNX Runtime (one thread), with symreg's kernels when ``mode`` says so.

    Inputs are fed by name: an exporter may drop inputs the graph does not use.
    """
    import onnxruntime

    if mode == "symreg":
        import symreg

        options = symreg.ort.session_options()
        make_session = symreg.ort.InferenceSession
    else:
        options = onnxruntime.SessionOptions()
        make_session = onnxruntime.InferenceSession
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = make_session(model, sess_options=options, providers=["CPUExecutionProvider"])
    arrays = dict(zip(input_names(len(inputs)), (t.detach().contiguous().numpy() for t in inputs)))
    names = [i.name for i in session.get_inputs()]
    if not set(names) <= set(arrays):
        raise RuntimeError(f"coverage: model inputs {names} are not the sample's tensors {list(arrays)}")
    return session.run(None, {name: arrays[name] for name in names})


def compare(actual: Sequence[np.ndarray], expected: Sequence[torch.Tensor]) -> str | None:
    """Why ORT's outputs differ from eager's, or None when they match.

    Match: same count, shapes and dtypes; NaN and infinities at the same places; other
    floats within ``ATOL + RTOL * |expected|``; integers and booleans equal.
    """
    if len(actual) != len(expected):
        return f"{len(actual)} outputs, eager has {len(expected)}"
    for i, (got, tensor) in enumerate(zip(actual, expected)):
        got = np.asarray(got)
        where = f"output {i}" if len(expected) > 1 else "output"
        try:
            want = tensor.detach().resolve_conj().resolve_neg().contiguous().numpy()
        except TypeError:
            return f"{where}: dtype {got.dtype}, eager {tensor.dtype} (which NumPy lacks)"
        if got.dtype != want.dtype:
            return f"{where}: dtype {got.dtype}, eager {want.dtype}"
        if got.shape != want.shape:
            return f"{where}: shape {got.shape}, eager {want.shape}"
        bad = _far(got, want)
        if bad.any():
            with np.errstate(invalid="ignore", over="ignore"):
                err = np.abs(got.astype(np.float64) - want.astype(np.float64))[bad].max()
            return f"{where}: {int(bad.sum())}/{bad.size} elements differ, max abs error {err:.3g}"
    return None


def _far(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Elements outside tolerance (boolean mask)."""
    if not np.issubdtype(want.dtype, np.inexact):
        return got != want
    nan_got, nan_want = np.isnan(got), np.isnan(want)
    finite = np.isfinite(got) & np.isfinite(want)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(got - want) <= ATOL + RTOL * np.abs(want)
    exact = (got == want) | (nan_got & nan_want)  # infinities of the same sign, NaN with NaN
    return ~(exact | (finite & close))


def check_case(case: Case, run: str, mode: str, stage: Callable[[str], None]) -> tuple[str, str | None]:
    """(outcome, reason) of one sample through one run."""
    stage("export")
    try:
        model = export(case, run, mode)
    except Exception as e:  # noqa: BLE001 - the exporter's refusal is the result
        return "export-fail", short(e)
    stage("ort")
    try:
        actual = run_ort(model, case.inputs, mode)
    except Exception as e:  # noqa: BLE001
        return "ort-fail", short(e)
    stage("compare")
    reason = compare(actual, case.expected)
    return ("mismatch", reason) if reason else ("pass", None)


def check(op: Any, run: str, mode: str, samples: int, stage: Callable[[str], None] = lambda s: None) -> dict:
    """The result of ``op`` through ``run`` in ``mode`` with up to ``samples`` samples.

    ``stage(name)`` is called on entering each stage ("samples", "export", "ort",
    "compare"), so that a crash or timeout can be charged to it (:data:`STAGE_OUTCOMES`).

    Returns ``{"outcome", "reason", "samples", "per_sample"}``; an op that passes
    passes with every sample, otherwise the reason is the first failing sample's. A
    random op gives ``{"excluded": reason}``.
    """
    if mode == "torch" and "symreg" in sys.modules:
        raise RuntimeError("coverage: symreg was imported in a torch-alone worker; results would be wrong")
    stage("samples")
    chosen, none_usable, random_reason = cases(op, samples)
    if random_reason:
        return {"excluded": random_reason}
    if none_usable:
        return {"outcome": "no-sample", "reason": none_usable, "samples": 0, "per_sample": []}
    results = [check_case(case, run, mode, stage) for case in chosen]
    failed = [(case, r) for case, r in zip(chosen, results) if r[0] != "pass"]
    result = {"outcome": "pass", "reason": None, "samples": len(chosen), "per_sample": [r[0] for r in results]}
    if failed:
        case, (outcome, reason) = failed[0]
        result.update(outcome=outcome, reason=f"sample {case.index}: {reason}")
    return result


def short(error: BaseException) -> str:
    """One line about ``error``: its innermost cause's type and first message line, truncated.

    The dynamo exporter wraps the real error ("No ONNX function found for ...") in
    generic conversion advice; the innermost cause with a message names the problem.
    """
    chain = [error]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None and nxt not in chain:
        chain.append(nxt)
    for e in reversed(chain):
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        if lines:
            return truncate(f"{type(e).__name__}: {lines[0]}")
    return type(error).__name__


def truncate(text: str, limit: int = REASON_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- worker entry points ------------------------------------------------------------------


def init_worker(mode: str) -> dict[str, Any]:
    """Prepares a worker process for ``mode``: one thread, the op database, symreg if asked."""
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    _memoise_torchlib_signatures()
    if mode == "symreg":
        import symreg  # registers the rules with torch

        symreg.ort.library_path()  # fail early when the kernels are missing
    return {"mode": mode, "ops": load_ops()}


def _memoise_torchlib_signatures() -> None:
    """Makes onnxscript's ``TracedOnnxFunction.function_ir`` compute once per function.

    Speed only, and in both modes alike: the dynamo exporter rebuilds its registry at
    every export and reads each of ~1500 torchlib functions' ``function_ir`` (only its
    ``domain``), which re-parses the function's source each time: about half of a small
    op's export time (measured with onnxscript 0.7.2). The value depends only on the
    function. Skipped when onnxscript's class no longer looks like this.
    """
    try:
        from onnxscript._internal import values
    except ImportError:
        return
    cls = getattr(values, "TracedOnnxFunction", None)
    prop = getattr(cls, "__dict__", {}).get("function_ir")
    if not isinstance(prop, property) or prop.fset is not None:
        return

    def function_ir(self: Any) -> Any:
        if "_coverage_function_ir" not in self.__dict__:
            self.__dict__["_coverage_function_ir"] = prop.fget(self)
        return self.__dict__["_coverage_function_ir"]

    cls.function_ir = property(function_ir, doc=prop.__doc__)


def handle(state: dict[str, Any], task: tuple[str, str, int], stage: Callable[[str], None]) -> dict:
    """Worker task: ``(op key, run, samples)`` in the worker's mode -> :func:`check`'s result and its seconds."""
    key, run, samples = task
    start = time.monotonic()
    result = check(state["ops"][key], run, state["mode"], samples, stage)
    return {**result, "seconds": round(time.monotonic() - start, 2)}
