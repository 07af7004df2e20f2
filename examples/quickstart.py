"""symreg quickstart: export a model that torch.onnx refuses, run it in ONNX Runtime.

torch 2.14's TorchScript exporter has no rule for asinh, sinh or erfinv, and its dynamo
exporter none for erfinv. With symreg imported, both exporters handle all three
(erfinv becomes a symreg::Erfinv node run by symreg's C++ kernel).

Run: make demo   (or: .venv/bin/python examples/quickstart.py)
"""

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import symreg


class Model(torch.nn.Module):
    def forward(self, x):
        return torch.asinh(x) + torch.sinh(x) * torch.erfinv(x / (1 + x.abs()))


def main() -> None:
    torch.manual_seed(0)
    model = Model().eval()
    x = torch.randn(4, 16)
    x_other = torch.randn(7, 16)  # another batch size: the exported model is dynamic
    out_dir = Path(tempfile.mkdtemp(prefix="symreg-quickstart-"))
    exports = {
        "TorchScript, opset 11": dict(opset_version=11, dynamo=False, dynamic_axes={"x": {0: "batch"}}),
        "dynamo, opset 18": dict(opset_version=18, dynamo=True, dynamic_shapes=({0: torch.export.Dim("batch")},)),
    }
    print(f"symreg {symreg.__version__}; custom-op library: {symreg.ort.library_path()}")
    for label, kwargs in exports.items():
        path = out_dir / f"{label.split(',')[0].lower()}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecation notice for the TorchScript exporter
            symreg.export(model, (x,), str(path), input_names=["x"], output_names=["y"], verbose=False, **kwargs)
        session = symreg.ort.InferenceSession(str(path))
        for batch in (x, x_other):
            (y,) = session.run(None, {"x": batch.numpy()})
            expected = model(batch).numpy()
            error = np.abs(y - expected).max()
            print(
                f"{label:22s} batch {batch.shape[0]}: max abs error vs PyTorch = {error:.2e} "
                f"(outputs up to {np.abs(expected).max():.1f})"
            )
            np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6, err_msg=label)
    print(f"models written to {out_dir}")


if __name__ == "__main__":
    main()
