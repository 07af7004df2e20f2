"""Registering an export rule for an op that neither PyTorch exporter supports.

torch 2.14 refuses ``torch.special.spherical_bessel_j0`` (``aten::special_spherical_bessel_j0``)
under both exporters (symreg's op pack has a rule for it, which this example removes first). It is sin(x)/x (1 at x = 0), so one rule in standard ONNX ops (Equal on floats: opset >= 11) exports
it everywhere, and any ONNX runtime runs the result: no custom op, no kernel.

Run: .venv/bin/python examples/register_rule.py
"""

import io
import warnings

import numpy as np
import onnx
import onnxruntime
import torch

import symreg


class Model(torch.nn.Module):
    def forward(self, x):
        return torch.special.spherical_bessel_j0(x) * x


def try_plain_torch(x: torch.Tensor) -> None:
    for dynamo in (False, True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(Model(), (x,), None if dynamo else io.BytesIO(), dynamo=dynamo, verbose=False)
            print(f"plain torch.onnx.export(dynamo={dynamo}): exported")
        except Exception as e:  # noqa: BLE001 - showing what torch says
            print(f"plain torch.onnx.export(dynamo={dynamo}): {type(e).__name__}")


def spherical_bessel_j0(g, x):
    """sin(x)/x, with 1 where x == 0 (Where picks it; the 0/0 there is discarded)."""
    zero = g.constant(0.0, dtype=g.dtype(x))
    one = g.constant(1.0, dtype=g.dtype(x))
    return g.op("Where", g.op("Equal", x, zero), one, g.op("Div", g.op("Sin", x), x))


def main() -> None:
    x = torch.linspace(-20, 20, 101)
    x[50] = 0.0
    # symreg's op pack ships a rule for this op; remove it to show what writing one takes.
    symreg.unregister("aten::special_spherical_bessel_j0")
    try_plain_torch(x)  # before the rule exists: both exporters refuse the op
    symreg.op("aten::special_spherical_bessel_j0", opset=11)(spherical_bessel_j0)  # usually a decorator
    exports = {
        "TorchScript, opset 11": dict(opset_version=11, dynamo=False, dynamic_axes={"x": {0: "n"}}),
        "dynamo, opset 18": dict(opset_version=18, dynamo=True, dynamic_shapes=({0: torch.export.Dim("n")},)),
    }
    for label, kwargs in exports.items():
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kwargs["dynamo"]:
                proto = symreg.export(Model(), (x,), None, input_names=["x"], verbose=False, **kwargs).model_proto
            else:
                symreg.export(Model(), (x,), buffer, input_names=["x"], **kwargs)
                proto = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(proto, full_check=True)
        ops = sorted({n.op_type for n in proto.graph.node})
        # Plain ONNX Runtime, no custom-op library: the rule used standard ops only.
        session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
        for n in (101, 7):
            xs = x[:n] if n == 101 else torch.randn(n) * 5
            (y,) = session.run(None, {"x": xs.numpy()})
            np.testing.assert_allclose(y, Model()(xs).numpy(), rtol=1e-5, atol=1e-6, err_msg=label)
        print(f"{label}: ops {ops}; ONNX Runtime and PyTorch agree")


if __name__ == "__main__":
    main()
