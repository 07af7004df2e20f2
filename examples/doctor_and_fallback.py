"""What a model needs before it exports, and a model that runs in ONNX Runtime before its rules exist.

A small transformer block (pre-norm attention with rotary position embeddings, then an MLP) whose
rotary embedding is a ``torch.library`` op of its own, ``demo::rotary``, with no export rule:

1. ``symreg.doctor`` exports it with both exporters at opset 11 and lists every op they refuse
   (here ``demo::rotary``, twice, in the ``attn`` module), with what would export each;
2. ``symreg.export(..., fallback="python")`` exports it anyway: ``demo::rotary`` becomes a
   fallback node that ``symreg.ort.InferenceSession`` runs by calling the op in torch eager, so
   the model runs and matches PyTorch now (prototyping: it needs Python and torch at run time);
3. a rule for ``demo::rotary`` (standard ONNX ops) replaces the fallback: the model then exports
   with no fallback node and runs in any ONNX Runtime.

Run: .venv/bin/python examples/doctor_and_fallback.py
"""

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

import symreg


@torch.library.custom_op("demo::rotary", mutates_args=())
def rotary(x: torch.Tensor, base: float) -> torch.Tensor:
    """Rotary position embedding of (batch, heads, tokens, dim) queries or keys."""
    half = x.shape[-1] // 2
    angle = torch.arange(x.shape[-2], dtype=x.dtype)[:, None] * base ** (-torch.arange(half, dtype=x.dtype) / half)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * angle.cos() - x2 * angle.sin(), x1 * angle.sin() + x2 * angle.cos()], -1)


@rotary.register_fake
def _(x, base):
    return torch.empty_like(x)


class Attention(torch.nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv, self.out = torch.nn.Linear(dim, 3 * dim), torch.nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = torch.ops.demo.rotary(q, 10000.0), torch.ops.demo.rotary(k, 10000.0)
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class Block(torch.nn.Module):
    def __init__(self, dim: int = 32, heads: int = 4):
        super().__init__()
        self.norm1, self.norm2 = torch.nn.LayerNorm(dim), torch.nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(dim, 4 * dim), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(4 * dim, dim)
        )

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def run(path: Path, x: torch.Tensor) -> np.ndarray:
    session = symreg.ort.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]


def main() -> None:
    torch.manual_seed(0)
    model, x = Block().eval(), torch.randn(2, 6, 32)
    with torch.no_grad():
        expected = model(x).numpy()
    dynamic = {"input_names": ["x"], "dynamic_axes": {"x": {0: "batch", 1: "tokens"}}}

    # 1. What the model needs at opset 11, by both exporters.
    report = symreg.doctor(model, (x,), opset_version=11)
    print(report)
    refused = report.view("torchscript").refused
    assert [(r.op, r.count, r.modules) for r in refused] == [("demo::rotary", 2, ("attn",))], refused

    with tempfile.TemporaryDirectory() as tmp:
        # 2. Export now: demo::rotary runs in torch eager through a fallback node.
        fallback_path = Path(tmp) / "block_fallback.onnx"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", symreg.FallbackWarning)
            symreg.export(model, (x,), fallback_path, opset_version=11, fallback="python", **dynamic)
        (warning,) = [w for w in caught if w.category is symreg.FallbackWarning]
        print(f"\n{warning.message}")
        other = torch.randn(3, 9, 32)  # another batch and length: the axes are dynamic
        with torch.no_grad():
            error = np.abs(run(fallback_path, other) - model(other).numpy()).max()
        print(f"fallback model, max abs error against PyTorch: {error:.2e}")
        assert error < 1e-5

        # 3. The rule that makes the fallback unnecessary.
        @symreg.op("demo::rotary", opset=11)
        def rotary_rule(g, x, base: float):
            def scalar(value):
                return g.constant(np.int64(value))

            def size(axis):  # a dim of x, 0-d int64
                return g.op("Gather", g.op("Shape", x), scalar(axis), axis=0)

            def arange(end):  # 0, 1, ..., end - 1 as float32 (the model's dtype)
                return g.op("Cast", g.op("Range", scalar(0), end, scalar(1)), to=1)

            half = g.op("Div", size(-1), scalar(2))
            exponent = g.op("Neg", g.op("Div", arange(half), g.op("Cast", half, to=1)))
            freq = g.op("Pow", g.constant(np.float32(base)), exponent)
            positions = g.op("Reshape", arange(size(-2)), g.constant(np.array([-1, 1], dtype=np.int64)))
            angle = g.op("Mul", positions, freq)  # (tokens, half)
            cos, sin = g.op("Cos", angle), g.op("Sin", angle)
            x1, x2 = g.op("Split", x, axis=-1, outputs=2)
            first = g.op("Sub", g.op("Mul", x1, cos), g.op("Mul", x2, sin))
            second = g.op("Add", g.op("Mul", x1, sin), g.op("Mul", x2, cos))
            return g.op("Concat", first, second, axis=-1)

        rule_path = Path(tmp) / "block.onnx"
        symreg.export(model, (x,), rule_path, opset_version=11, **dynamic)
        with torch.no_grad():
            error = np.abs(run(rule_path, other) - model(other).numpy()).max()
        print(f"with a rule for demo::rotary, max abs error against PyTorch: {error:.2e}")
        assert error < 1e-5
        assert symreg.doctor(model, (x,), opset_version=11, exporters=["torchscript"]).ok
        symreg.unregister("demo::rotary")
    print(f"first output values: {expected.ravel()[:3]}")


if __name__ == "__main__":
    main()
