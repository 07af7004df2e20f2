"""Check that an exported model really takes any batch size, with ``symreg.verify``.

``verify`` exports once, runs the ONNX model in ONNX Runtime on the example input and on
every ``extra_inputs`` set, and compares each output with eager PyTorch. Declaring the
batch dim dynamic (``dynamic_axes`` for TorchScript, ``dynamic_shapes`` for dynamo)
makes every batch size pass; forgetting it is caught.

Run: .venv/bin/python examples/verify_dynamic_batch.py
"""

import torch

import symreg


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.head = torch.nn.Linear(8, 4)

    def forward(self, images):  # images: (batch, 3, H, W)
        h = torch.sinh(self.conv(images))  # sinh: exportable with TorchScript thanks to symreg
        return self.head(h.mean(dim=(2, 3))).softmax(dim=1)


def main() -> None:
    torch.manual_seed(0)
    model = Classifier().eval()
    example = (torch.randn(2, 3, 16, 16),)
    other_batches = [(torch.randn(n, 3, 16, 16),) for n in (1, 5, 8)]

    # TorchScript exporter: name the input and mark dim 0 dynamic.
    report = symreg.verify(
        model,
        example,
        opset_version=17,
        extra_inputs=other_batches,
        input_names=["images"],
        dynamic_axes={"images": {0: "batch"}},
    )
    print(report)
    report.raise_if_failed()

    # dynamo exporter: the same with dynamic_shapes.
    batch = torch.export.Dim("batch", min=1, max=64)
    report = symreg.verify(
        model, example, opset_version=18, dynamo=True, extra_inputs=other_batches, dynamic_shapes=({0: batch},)
    )
    print(report)
    report.raise_if_failed()

    # Forgetting the dynamic batch: the example input still passes, other batch sizes do not.
    report = symreg.verify(model, example, opset_version=17, extra_inputs=other_batches)
    try:
        report.raise_if_failed()
    except AssertionError as e:
        print("caught:", str(e).splitlines()[0])
    else:
        raise SystemExit("expected verify to catch the static batch size")


if __name__ == "__main__":
    main()
