"""The OpenVINO column of the coverage sweep: symreg's TorchScript opset-17 model of each op, run by OpenVINO.

symreg's standard-op lowerings are meant to run in any ONNX runtime, not only ONNX
Runtime. For each op, this exports the same samples as :mod:`cov_ops` with symreg at
TorchScript opset 17 (run ``ts17``, mode ``symreg``), runs each model with OpenVINO's CPU
runtime (one thread) and compares with eager torch by :func:`cov_ops.compare`. Outcomes
are :data:`cov_ops.OUTCOMES`; ``ort-fail`` here means OpenVINO refused or failed the model
(custom-domain ops such as ``symreg::Erfinv`` among the reasons). A report, not a gate.

Workers run this module; its source is part of its results' cache key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import cov_ops

RUN = "ts17"
MODE = "openvino"


def version() -> str | None:
    """The installed OpenVINO's version, None when it is not installed."""
    import importlib.metadata

    try:
        return importlib.metadata.version("openvino")
    except importlib.metadata.PackageNotFoundError:
        return None


def run_openvino(core: Any, model: bytes, inputs: Sequence[torch.Tensor]) -> list[np.ndarray]:
    """Runs the serialized ONNX ``model`` on ``inputs`` with OpenVINO's CPU plugin, outputs in graph order."""
    compiled = core.compile_model(core.read_model(model=model), "CPU", {"INFERENCE_NUM_THREADS": 1})
    arrays = dict(zip(cov_ops.input_names(len(inputs)), (t.detach().contiguous().numpy() for t in inputs)))
    names = [port.get_any_name() for port in compiled.inputs]
    if not set(names) <= set(arrays):
        raise RuntimeError(f"coverage: model inputs {names} are not the sample's tensors {list(arrays)}")
    results = compiled({name: arrays[name] for name in names})
    return [np.asarray(results[port]) for port in compiled.outputs]


def openvino_reason(error: BaseException) -> str:
    """One line about an OpenVINO error: its messages start with where in OpenVINO's source it was
    raised ("Exception from src/..."), so the first line that is not such a location is kept."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    noise = ("Exception from", "Check ", "FrontEnd API failed", "Summary:", "To facilitate")
    useful = [line for line in lines if not line.startswith(noise)]
    return cov_ops.truncate(f"{type(error).__name__}: {' '.join(useful[:2]) or (lines[0] if lines else '')}")


def check(core: Any, op: Any, samples: int, stage: Callable[[str], None] = lambda s: None) -> dict:
    """``op``'s symreg ts17 models in OpenVINO: the same result shape as :func:`cov_ops.check`."""
    stage("samples")
    chosen, none_usable, random_reason = cov_ops.cases(op, samples)
    if random_reason:
        return {"excluded": random_reason}
    if none_usable:
        return {"outcome": "no-sample", "reason": none_usable, "samples": 0, "per_sample": []}
    results = []
    for case in chosen:
        stage("export")
        try:
            model = cov_ops.export(case, RUN, "symreg")
        except Exception as e:  # noqa: BLE001 - the exporter's refusal is the result
            results.append(("export-fail", cov_ops.short(e)))
            continue
        stage("ort")
        try:
            actual = run_openvino(core, model, case.inputs)
        except Exception as e:  # noqa: BLE001 - OpenVINO's refusal is the result
            results.append(("ort-fail", openvino_reason(e)))
            continue
        stage("compare")
        reason = cov_ops.compare(actual, case.expected)
        results.append(("mismatch", reason) if reason else ("pass", None))
    result = {"outcome": "pass", "reason": None, "samples": len(chosen), "per_sample": [r[0] for r in results]}
    failed = [(case, r) for case, r in zip(chosen, results) if r[0] != "pass"]
    if failed:
        case, (outcome, reason) = failed[0]
        result.update(outcome=outcome, reason=f"sample {case.index}: {reason}")
    return result


def init_worker(mode: str) -> dict[str, Any]:
    """A worker with symreg loaded (its exports) and an OpenVINO core."""
    import openvino

    state = cov_ops.init_worker("symreg")
    return {**state, "mode": MODE, "core": openvino.Core()}


def handle(state: dict[str, Any], task: tuple[str, str, int], stage: Callable[[str], None]) -> dict:
    """Worker task ``(op key, "ts17", samples)`` -> :func:`check`'s result and its seconds."""
    key, run, samples = task
    if run != RUN:
        raise ValueError(f"coverage: the OpenVINO column is run {RUN!r} only, not {run!r}")
    start = time.monotonic()
    result = check(state["core"], state["ops"][key], samples, stage)
    return {**result, "seconds": round(time.monotonic() - start, 2)}
