"""Export a DCNv2 ResNet-style block (torchvision.ops.deform_conv2d) and run it in ONNX Runtime.

torch 2.14's TorchScript exporter refuses torchvision::deform_conv2d at every opset, and
its dynamo exporter writes ONNX DeformConv (opset 19) even when asked for less. With
symreg, opsets below 19 get a symreg::DeformConv2d node run by symreg's C++ kernel
(or, with lowerings={"torchvision::deform_conv2d": "decomposition"}, standard ops only).

Run: .venv/bin/python examples/deform_conv.py   (after `make install`)
"""

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
import torchvision

import symreg


class DeformableBottleneck(torch.nn.Module):
    """ResNet bottleneck whose 3x3 convolution is deformable (DCNv2: offsets and a mask)."""

    def __init__(self, channels: int = 64, width: int = 32):
        super().__init__()
        self.reduce = torch.nn.Sequential(
            torch.nn.Conv2d(channels, width, 1, bias=False), torch.nn.BatchNorm2d(width), torch.nn.ReLU()
        )
        self.offset_mask = torch.nn.Conv2d(width, 3 * 9, 3, padding=1)  # 2*9 offsets + 9 mask logits
        self.deform = torchvision.ops.DeformConv2d(width, width, 3, padding=1, bias=False)
        self.expand = torch.nn.Sequential(
            torch.nn.BatchNorm2d(width), torch.nn.ReLU(), torch.nn.Conv2d(width, channels, 1, bias=False),
            torch.nn.BatchNorm2d(channels),
        )  # fmt: skip

    def forward(self, x):
        y = self.reduce(x)
        offset, mask = torch.split(self.offset_mask(y), [18, 9], dim=1)
        y = self.deform(y, offset * 4, torch.sigmoid(mask))
        return torch.relu(x + self.expand(y))


def main() -> None:
    torch.manual_seed(0)
    model = DeformableBottleneck().eval()
    x, x_other = torch.randn(1, 64, 40, 40), torch.randn(3, 64, 24, 32)
    out_dir = Path(tempfile.mkdtemp(prefix="symreg-deform-"))
    batch, height, width = torch.export.Dim("batch"), torch.export.Dim("height"), torch.export.Dim("width")
    exports = {
        "TorchScript, opset 11": dict(
            opset_version=11, dynamo=False, dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}}
        ),
        "dynamo, opset 18": dict(
            opset_version=18, dynamo=True, dynamic_shapes=({0: batch, 2: height, 3: width},)
        ),
    }  # fmt: skip
    for label, kwargs in exports.items():
        path = out_dir / f"{label.split(',')[0].lower()}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecation notice for the TorchScript exporter
            symreg.export(model, (x,), str(path), input_names=["x"], output_names=["y"], verbose=False, **kwargs)
        session = symreg.ort.InferenceSession(str(path))
        for inputs in (x, x_other):
            (y,) = session.run(None, {"x": inputs.numpy()})
            with torch.no_grad():
                expected = model(inputs).numpy()
            error = np.abs(y - expected).max()
            print(f"{label:22s} input {tuple(inputs.shape)}: max abs error vs PyTorch = {error:.2e}")
            np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4, err_msg=label)
    print(f"models written to {out_dir}")


if __name__ == "__main__":
    main()
