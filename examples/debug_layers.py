"""Find the layer where an exported model starts to differ from PyTorch, with ``symreg.debug``.

A deliberately wrong rule (aten::sinh exported as Cosh) breaks one layer in the middle of
a model. ``symreg.debug.layers`` exports the model with every leaf module's output as
an extra graph output, runs it in ONNX Runtime, compares each with PyTorch, and names
the first layer that diverges; ``report.plot`` draws the error per layer.

Run: .venv/bin/python examples/debug_layers.py
"""

import tempfile
from collections import OrderedDict
from pathlib import Path

import torch

import symreg


class Sinh(torch.nn.Module):
    def forward(self, x):
        return torch.sinh(x)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(16, 16)
        self.act = Sinh()

    def forward(self, x):
        # Manual probes mark values that are not module outputs: symreg.debug.probe(x, "name").
        return symreg.debug.probe(x + self.act(self.fc(x)), "residual")


def make_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        OrderedDict(
            stem=torch.nn.Linear(8, 16),
            norm=torch.nn.LayerNorm(16),
            block=Block(),
            head=torch.nn.Linear(16, 4),
        )
    ).eval()


def main() -> None:
    torch.manual_seed(0)
    model = make_model()
    x = torch.randn(3, 8)

    with symreg.scope():  # the wrong rule is gone again after this block

        @symreg.op("aten::sinh", opset=9, replace=True)
        def wrong_sinh(g, x):
            return g.op("Cosh", x)

        # auto=True: probe every leaf module's output as well as the manual probe.
        report = symreg.debug.layers(model, (x,), opset_version=17, auto=True)

    print(report)
    print("first divergent layer:", report.first_divergent)
    plot = Path(tempfile.mkdtemp(prefix="symreg-debug-")) / "layers.png"
    report.plot(plot)
    print("plot:", plot)

    # With the built-in rule, every layer matches (dynamo=True works the same way).
    report = symreg.debug.layers(model, (x,), opset_version=17, auto=True)
    print("built-in rule, first divergent layer:", report.first_divergent)


if __name__ == "__main__":
    main()
