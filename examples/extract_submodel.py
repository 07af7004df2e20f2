"""Cut a sub-model out of an exported model and run it on its own.

When one part of a model misbehaves in ONNX Runtime, run that part alone: name the
tensors where it starts and ends, and ``symreg.tools.extract`` (or
``symreg extract MODEL OUT --inputs A --outputs B``) saves the graph between them,
with its weights and custom-domain nodes. ``symreg inspect MODEL --tensors`` lists the
names to choose from.

Run: .venv/bin/python examples/extract_submodel.py
"""

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import symreg
from symreg import tools


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encode = torch.nn.Linear(8, 16)
        self.decode = torch.nn.Linear(16, 4)

    def forward(self, x):
        h = torch.tanh(self.encode(x))
        g = torch.erfinv(0.9 * h)  # symreg::Erfinv, run by symreg's C++ kernel
        return self.decode(g)


def main() -> None:
    torch.manual_seed(0)
    model = Model().eval()
    x = torch.randn(3, 8)
    out_dir = Path(tempfile.mkdtemp(prefix="symreg-extract-"))
    path = out_dir / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for the TorchScript exporter
        symreg.export(
            model, (x,), str(path), opset_version=17, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "batch"}},
        )  # fmt: skip

    names = tools.tensor_names(path)
    print("tensors:", ", ".join(f"{name} ({made_by})" for name, made_by in names.items()))
    # The middle of the model: from tanh's output through Erfinv to the second Linear's input.
    start = next(name for name, made_by in names.items() if made_by == "Tanh")
    end = next(name for name, made_by in names.items() if made_by == "symreg::Erfinv")
    sub_path = out_dir / "middle.onnx"
    sub = tools.extract(path, sub_path, inputs=[start], outputs=[end])
    print(f"extracted {sub_path.name}: {[n.op_type for n in sub.graph.node]}, {start} -> {end}")

    # Feed the sub-model what PyTorch computes at `start`, compare with PyTorch at `end`.
    with torch.no_grad():
        h = torch.tanh(model.encode(x))
        expected = torch.erfinv(0.9 * h).numpy()
    session = symreg.ort.InferenceSession(str(sub_path))
    (got,) = session.run(None, {start: h.numpy()})
    error = np.abs(got - expected).max()
    print(f"sub-model vs PyTorch: max abs error {error:.2e}")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)

    try:
        tools.extract(path, None, inputs=[start], outputs=[end + "x"])
    except tools.TensorNameError as e:
        print(f"a misspelt name is refused: {e}")


if __name__ == "__main__":
    main()
