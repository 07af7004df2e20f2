"""The one helper tests use to compare ONNX Runtime (with symreg's kernels) against eager PyTorch."""

from __future__ import annotations

import dataclasses
import io
import warnings
from collections.abc import Sequence

import numpy as np
import onnx
import torch

import symreg

#: (exporter, opset) pairs every op-pack test runs through.
EXPORTS = [("torchscript", 9), ("torchscript", 11), ("torchscript", 13), ("torchscript", 17), ("dynamo", 18)]


def export(
    model: torch.nn.Module,
    args: tuple,
    exporter: str,
    opset: int,
    dynamic: bool = True,
    dims: tuple[int, ...] | None = None,
) -> onnx.ModelProto:
    """Exports with symreg (input dims dynamic when ``dynamic``), checks, returns the model.

    ``dims`` names the dynamic dims of every input (all when None). Dims of size >= 2
    are dynamic under both exporters; the TorchScript exporter also makes dims of
    size 0 and 1 dynamic.
    """
    names = [f"in{i}" for i in range(len(args))]
    kwargs: dict = {"input_names": names}
    if dynamic and exporter == "torchscript":
        kwargs["dynamic_axes"] = {
            n: {d: f"{n}_d{d}" for d in range(a.dim()) if dims is None or d in dims} for n, a in zip(names, args)
        }
    if dynamic and exporter == "dynamo":
        # torch.export specialises dims of size 0 and 1 (and fails on AUTO for size 0).
        kwargs["dynamic_shapes"] = tuple(
            {d: torch.export.Dim.AUTO for d in range(a.dim()) if a.shape[d] >= 2 and (dims is None or d in dims)}
            or None
            for a in args
        )
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            program = symreg.export(model, args, None, opset_version=opset, dynamo=True, verbose=False, **kwargs)
            proto = program.model_proto
        else:
            symreg.export(model, args, buffer, opset_version=opset, dynamo=False, **kwargs)
            proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return proto


def run(proto: onnx.ModelProto, args: Sequence[torch.Tensor], threads: int = 1) -> list[np.ndarray]:
    """Runs ``proto`` in ORT with symreg's custom ops on ``args``."""
    options = symreg.ort.session_options()
    options.intra_op_num_threads = threads
    session = symreg.ort.InferenceSession(proto.SerializeToString(), sess_options=options)
    feeds = {i.name: a.detach().numpy() for i, a in zip(session.get_inputs(), args)}
    return session.run(None, feeds)


@dataclasses.dataclass
class Error:
    max_abs: float
    max_rel: float


def error(actual: np.ndarray, expected: np.ndarray) -> Error:
    """Max abs/rel error; NaN where expected NaN and equal infinities count as exact."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    if actual.size == 0:
        return Error(0.0, 0.0)
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(same, 0.0, np.abs(actual - expected))
        rel = np.where(same, 0.0, diff / np.abs(expected))
    diff = np.where(np.isnan(diff), np.inf, diff)  # NaN where a number was expected (or vice versa)
    rel = np.where(np.isnan(rel), np.inf, rel)
    return Error(float(diff.max()), float(rel.max()))


def assert_matches(actual: np.ndarray, expected: torch.Tensor, *, rtol: float, atol: float = 0.0, what: str = ""):
    """Every element within ``atol + rtol*|expected|`` (NaN/inf must match exactly)."""
    expected_np = expected.detach().numpy()
    assert actual.dtype == expected_np.dtype, f"{what}: dtype {actual.dtype} != {expected_np.dtype}"
    e = error(actual, expected_np)
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected_np, dtype=np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):
        close = same | (np.abs(a - b) <= atol + rtol * np.abs(b))
    if not close.all():
        bad = np.argwhere(~close.reshape(-1))[:5, 0]
        detail = ", ".join(f"x[{i}]: got {a.reshape(-1)[i]!r} want {b.reshape(-1)[i]!r}" for i in bad)
        raise AssertionError(f"{what}: max abs {e.max_abs:.3g}, max rel {e.max_rel:.3g}; {detail}")
