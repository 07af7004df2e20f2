"""A custom op prototyped with a Python kernel, then served by a C++ kernel.

An autograd.Function computes erfinv. Its ``symbolic`` (used by the TorchScript exporter)
emits a custom-domain node. First the node is ``mydomain::Erfinv``, which no C++ kernel
serves: a NumPy kernel registered with ``@symreg.kernel`` runs it inside ONNX Runtime.
Then the same op emits ``symreg::Erfinv``, which ``libsymreg_ort.so`` implements in C++:
same results, no Python needed to serve it, and faster.

The dynamo exporter does not call ``symbolic``: it traces through ``forward``, so the
custom node vanishes and the exported graph holds whatever ``forward`` computes (here
``torch.erfinv``, which symreg's own rule exports as ``symreg::Erfinv``).

Run: .venv/bin/python examples/python_kernel_then_cpp.py
"""

import math
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

import symreg


class ErfinvFn(torch.autograd.Function):
    domain = "mydomain"  # which custom op symbolic emits

    @staticmethod
    def forward(ctx, x):
        return torch.erfinv(x)

    @staticmethod
    def symbolic(g, x):
        y = g.op(f"{ErfinvFn.domain}::Erfinv", x)
        y.setType(x.type())
        return y


class Model(torch.nn.Module):
    def forward(self, x):
        return ErfinvFn.apply(x / (1 + x.abs()))


# The prototype: a schema (so the checker and shape inference know the op) and a NumPy kernel.
symreg.schema(
    "mydomain::Erfinv",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    infer=symreg.same_as_input(0),
)
_erf = np.frompyfunc(math.erf, 1, 1)


@symreg.kernel("mydomain::Erfinv")
def erfinv_numpy(x: np.ndarray) -> np.ndarray:
    """Giles' single-precision approximation, then two Newton steps on erf(y) = x in float64."""
    x64 = x.astype(np.float64)
    inside = np.abs(x64) < 1
    xi = np.where(inside, x64, 0.0)
    w = -np.log((1 - xi) * (1 + xi))
    central, tail = w - 2.5, np.sqrt(w) - 3
    p_central = np.polyval(
        [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
         -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], central)  # fmt: skip
    p_tail = np.polyval(
        [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], tail)  # fmt: skip
    y = np.where(w < 5, p_central, p_tail) * xi
    for _ in range(2):
        y -= (_erf(y).astype(np.float64) - xi) / (2 / math.sqrt(math.pi) * np.exp(-y * y))
    y = np.where(inside, y, np.where(np.abs(x64) == 1, np.copysign(np.inf, x64), np.nan))
    return y.astype(x.dtype)


def export(path: Path, x: torch.Tensor, dynamo: bool = False) -> onnx.ModelProto:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for the TorchScript exporter
        symreg.export(
            Model(), (x,), str(path), opset_version=18 if dynamo else 13, dynamo=dynamo, input_names=["x"], verbose=False,
            **({"dynamic_shapes": ({0: torch.export.Dim("n")},)} if dynamo else {"dynamic_axes": {"x": {0: "n"}}}),
        )  # fmt: skip
    return onnx.load(path)


def timed(session, x: np.ndarray) -> tuple[np.ndarray, float]:
    (y,) = session.run(None, {"x": x})
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        session.run(None, {"x": x})
        best = min(best, time.perf_counter() - start)
    return y, best * 1e3


def custom_ops(model: onnx.ModelProto) -> list[str]:
    return sorted({f"{n.domain}::{n.op_type}" for n in model.graph.node if n.domain})


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="symreg-pykernel-"))
    x = torch.randn(1_000_000, dtype=torch.float32) * 3
    expected = Model()(x).numpy()

    prototype = export(out / "prototype.onnx", x[:8])
    before = (out / "prototype.onnx").read_bytes()
    session = symreg.ort.InferenceSession(str(out / "prototype.onnx"))
    y_python, ms_python = timed(session, x.numpy())
    assert (out / "prototype.onnx").read_bytes() == before  # mapped onto the PyOp in memory only
    print(f"TorchScript export, custom ops {custom_ops(prototype)}: Python kernel, C++ kernel exists: "
          f"{symreg.ort.has_native_kernel('mydomain::Erfinv')}")  # fmt: skip
    print(f"  1M float32: {ms_python:.1f} ms, max abs error vs PyTorch {np.abs(y_python - expected).max():.2e}")

    ErfinvFn.domain = "symreg"  # the same op, now emitted for libsymreg_ort.so's C++ kernel
    shipped = export(out / "shipped.onnx", x[:8])
    y_cpp, ms_cpp = timed(symreg.ort.InferenceSession(str(out / "shipped.onnx")), x.numpy())
    print(f"TorchScript export, custom ops {custom_ops(shipped)}: C++ kernel "
          f"{symreg.ort.has_native_kernel('symreg::Erfinv')}")  # fmt: skip
    print(f"  1M float32: {ms_cpp:.1f} ms, max abs error vs PyTorch {np.abs(y_cpp - expected).max():.2e}")

    traced = export(out / "dynamo.onnx", x[:8], dynamo=True)
    y_dynamo, _ = timed(symreg.ort.InferenceSession(str(out / "dynamo.onnx")), x.numpy())
    print(f"dynamo export traces through forward: custom ops {custom_ops(traced)}")

    np.testing.assert_allclose(y_python, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y_cpp, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y_dynamo, expected, rtol=1e-5, atol=1e-6)
    print(f"Python and C++ kernels agree (max abs difference {np.abs(y_python - y_cpp).max():.2e}); "
          f"C++ is {ms_python / ms_cpp:.1f}x faster here. Models in {out}")  # fmt: skip


if __name__ == "__main__":
    main()
