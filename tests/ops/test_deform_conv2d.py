"""torchvision::deform_conv2d: every lowering, both exporters, vs eager torchvision.

The op table (tests/ops/op_table.py) runs the default lowering on tests/deform_conv2d_cases.py's
cases; this covers each lowering forced at each opset, a parameter grid, float64 and the
lowering choice itself.
"""

from __future__ import annotations

import dataclasses
import io
import warnings

import onnx
import pytest
import torch
import torchvision
from ortcheck import assert_matches, export, run

import symreg

OP = "torchvision::deform_conv2d"
# (lowering, exporter, opset): each lowering under both exporters, at TorchScript opsets from its
# minimum (custom 11, decomposition 16, onnx 19) to 20 and dynamo opsets 18 and 19 where it exists.
COVERAGE = [
    *[("custom", "torchscript", o) for o in (11, 13, 16, 17, 19, 20)],
    ("custom", "dynamo", 18),
    ("custom", "dynamo", 19),
    *[("decomposition", "torchscript", o) for o in (16, 17, 19, 20)],
    ("decomposition", "dynamo", 18),
    ("decomposition", "dynamo", 19),
    ("onnx", "torchscript", 19),
    ("onnx", "torchscript", 20),
    ("onnx", "dynamo", 19),
]
ATOL = {torch.float32: 1e-4, torch.float64: 1e-10}  # max abs error vs torchvision
NHW = (0, 2, 3)  # dynamic batch and spatial size; channel counts fix groups, so they stay static


@dataclasses.dataclass(frozen=True)
class Config:
    """One deformable convolution: channels, kernel and torchvision's arguments."""

    c_in: int = 4
    c_out: int = 6
    kernel: tuple[int, int] = (3, 3)
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 1
    dilation: int | tuple[int, int] = 1
    groups: int = 1
    offset_groups: int = 1
    mask: bool = True
    bias: bool = True
    offset_scale: float = 3.0  # large enough that many sampling points leave the image

    def __str__(self) -> str:
        fields = dataclasses.asdict(self)
        return "-".join(f"{k}{v}" for k, v in fields.items() if v != getattr(Config, k))


class DeformBlock(torch.nn.Module):
    """A DCNv2-style block: offsets and mask predicted from the input by small convolutions."""

    def __init__(self, cfg: Config):
        super().__init__()
        torch.manual_seed(0)
        k = cfg.kernel[0] * cfg.kernel[1]
        conv = {"kernel_size": cfg.kernel, "stride": cfg.stride, "padding": cfg.padding, "dilation": cfg.dilation}
        self.cfg = cfg
        self.offset = torch.nn.Conv2d(cfg.c_in, 2 * cfg.offset_groups * k, **conv)
        self.mask = torch.nn.Conv2d(cfg.c_in, cfg.offset_groups * k, **conv) if cfg.mask else None
        self.weight = torch.nn.Parameter(torch.randn(cfg.c_out, cfg.c_in // cfg.groups, *cfg.kernel) * 0.3)
        self.bias = torch.nn.Parameter(torch.randn(cfg.c_out)) if cfg.bias else None

    def forward(self, x):
        cfg = self.cfg
        offset = self.offset(x) * cfg.offset_scale
        mask = torch.sigmoid(self.mask(x)) if self.mask is not None else None
        return torchvision.ops.deform_conv2d(
            x, offset, self.weight, self.bias, cfg.stride, cfg.padding, cfg.dilation, mask
        )


def check(
    cfg: Config, lowering: str, exporter: str, opset: int, sizes=((2, 9, 11), (3, 13, 8)),
    dynamic: bool = True,
):  # fmt: skip
    """Exports at the first (N, H, W), runs every size in ORT, compares with torchvision."""
    model = DeformBlock(cfg).eval()
    n, h, w = sizes[0]
    example = torch.randn(n, cfg.c_in, h, w)
    with symreg.scope():
        symreg.set_lowering(OP, lowering)
        proto = export(model, (example,), exporter, opset, dynamic=dynamic, dims=NHW)
    declared = proto.graph.output[0].type.tensor_type
    assert len(declared.shape.dim) == 4, f"output declared with rank {len(declared.shape.dim)}"
    ops = {(node.domain, node.op_type) for node in proto.graph.node}
    expected_node = {"custom": ("symreg", "DeformConv2d"), "onnx": ("", "DeformConv")}.get(lowering)
    if expected_node:
        assert expected_node in ops, ops
    else:
        assert ("", "GridSample") in ops and not {("symreg", "DeformConv2d"), ("", "DeformConv")} & ops
    for n, h, w in sizes:
        x = torch.randn(n, cfg.c_in, h, w)
        (y,) = run(proto, [x], threads=2)
        with torch.no_grad():
            expected = model(x)
        assert_matches(y, expected, rtol=0, atol=ATOL[torch.float32], what=f"{cfg} {lowering} size {n, h, w}")


@pytest.mark.parametrize("lowering,exporter,opset", COVERAGE)
def test_every_lowering_exporter_and_opset(lowering, exporter, opset):
    check(Config(c_in=4, c_out=6, groups=2, offset_groups=2, stride=2), lowering, exporter, opset)


@pytest.mark.parametrize("lowering,exporter,opset", [
    ("custom", "torchscript", 11), ("decomposition", "torchscript", 17), ("onnx", "torchscript", 19),
    ("custom", "dynamo", 18), ("decomposition", "dynamo", 18),
])  # fmt: skip
def test_static_shapes(lowering, exporter, opset):
    """Without dynamic axes the exporters know every size (torch's shape inference then runs on constants)."""
    check(Config(), lowering, exporter, opset, sizes=((2, 9, 11),), dynamic=False)


GRID = [
    Config(),
    Config(mask=False),
    Config(bias=False),
    Config(mask=False, bias=False),
    Config(groups=2),
    Config(offset_groups=2),
    Config(c_in=8, c_out=4, groups=2, offset_groups=4),
    Config(stride=2),
    Config(stride=(2, 1), padding=(0, 2)),
    Config(padding=0),
    Config(padding=2, dilation=2),
    Config(dilation=(1, 2)),
    Config(kernel=(1, 1), padding=0),
    Config(kernel=(3, 2), padding=(1, 0)),
    Config(kernel=(2, 3), stride=2, padding=(0, 1)),
    Config(offset_scale=12.0),
    Config(offset_scale=0.0),
]


@pytest.mark.parametrize("cfg", GRID, ids=str)
@pytest.mark.parametrize("lowering,opset", [("custom", 11), ("decomposition", 16), ("onnx", 19)])
def test_parameter_grid(cfg, lowering, opset):
    check(cfg, lowering, "torchscript", opset)


class DeformInputs(torch.nn.Module):
    """deform_conv2d with offset and mask as model inputs (ORT has no float64 Conv to compute them)."""

    def __init__(self, cfg: Config, dtype: torch.dtype):
        super().__init__()
        torch.manual_seed(0)
        self.cfg = cfg
        self.weight = torch.nn.Parameter(torch.randn(cfg.c_out, cfg.c_in // cfg.groups, *cfg.kernel, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.randn(cfg.c_out, dtype=dtype)) if cfg.bias else None

    def forward(self, x, offset, mask):
        cfg = self.cfg
        return torchvision.ops.deform_conv2d(
            x, offset, self.weight, self.bias, cfg.stride, cfg.padding, cfg.dilation, mask if cfg.mask else None
        )

    def inputs(self, n: int, h: int, w: int) -> tuple[torch.Tensor, ...]:
        cfg, dtype = self.cfg, self.weight.dtype
        pair = torch.nn.modules.utils._pair
        (sh, sw), (ph, pw), (dh, dw), (kh, kw) = pair(cfg.stride), pair(cfg.padding), pair(cfg.dilation), cfg.kernel
        oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        k = cfg.offset_groups * kh * kw
        return (
            torch.randn(n, cfg.c_in, h, w, dtype=dtype),
            torch.randn(n, 2 * k, oh, ow, dtype=dtype) * cfg.offset_scale,
            torch.rand(n, k, oh, ow, dtype=dtype),
        )


@pytest.mark.parametrize(
    "cfg", [Config(), Config(mask=False, bias=False, groups=2, offset_groups=2, stride=2)], ids=str
)
@pytest.mark.parametrize("lowering,exporter,opset", [
    ("custom", "torchscript", 17), ("custom", "dynamo", 18),
    ("decomposition", "torchscript", 17), ("decomposition", "dynamo", 18), ("decomposition", "torchscript", 20),
])  # fmt: skip
def test_float64(cfg, lowering, exporter, opset):
    model = DeformInputs(cfg, torch.float64)
    with symreg.scope():
        symreg.set_lowering(OP, lowering)
        proto = export(model, model.inputs(2, 9, 11), exporter, opset, dims=NHW)
    for size in ((2, 9, 11), (3, 12, 7)):
        inputs = model.inputs(*size)
        (y,) = run(proto, list(inputs), threads=2)
        with torch.no_grad():
            assert_matches(y, model(*inputs), rtol=0, atol=ATOL[torch.float64], what=f"{cfg} {size}")


@pytest.mark.parametrize("lowering,exporter,opset,dtype", [
    ("custom", "torchscript", 17, torch.float32), ("custom", "torchscript", 17, torch.float64),
    ("decomposition", "torchscript", 17, torch.float32),  # GridSample
    ("decomposition", "torchscript", 17, torch.float64),  # gathered corners (no float64 GridSample below 20)
    ("decomposition", "torchscript", 20, torch.float64),  # GridSample
])  # fmt: skip
@pytest.mark.parametrize("offsets", ["zero", "large"])
def test_nonfinite_pixels_at_the_border(lowering, exporter, opset, dtype, offsets):
    """inf and NaN pixels on the image's border: only samples whose corners inside the image read them turn
    non-finite (torchvision adds the corners inside the image only); samples at or beyond -1 and H (W) are 0.
    Zero offsets with padding 1 put kernel points exactly on -1 and H; large ones put many beyond."""
    cfg = Config(offset_scale=0.0 if offsets == "zero" else 4.0)
    model = DeformInputs(cfg, dtype)
    with symreg.scope():
        symreg.set_lowering(OP, lowering)
        proto = export(model, model.inputs(2, 9, 11), exporter, opset, dims=NHW)
    x, offset, mask = model.inputs(2, 7, 8)
    x[0, 0, 0, 0], x[0, 1, -1, -1], x[1, 2, 3, 0], x[1, 3, 0, 5] = torch.inf, -torch.inf, torch.nan, torch.inf
    (y,) = run(proto, [x, offset, mask], threads=2)
    with torch.no_grad():
        assert_matches(y, model(x, offset, mask), rtol=0, atol=ATOL[dtype], what=f"{lowering} {dtype}")


def test_default_lowering_follows_the_opset():
    model, x = DeformBlock(Config()).eval(), torch.randn(1, 4, 8, 8)
    for opset, node in ((11, "DeformConv2d"), (18, "DeformConv2d"), (19, "DeformConv"), (20, "DeformConv")):
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symreg.export(model, (x,), buffer, opset_version=opset)
        assert node in {n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node}


def test_lowerings_are_listed_and_checked():
    assert set(symreg.lowerings(OP)) == {"custom", "decomposition", "onnx"}
    with pytest.raises(ValueError, match=r"torchvision::deform_conv2d has no lowering 'fast'.*'custom'"):
        symreg.set_lowering(OP, "fast")
    with pytest.raises(ValueError, match="no lowering 'fast'"):
        symreg.export(DeformBlock(Config()), (torch.randn(1, 4, 8, 8),), io.BytesIO(), lowerings={OP: "fast"})


@pytest.mark.parametrize("lowering,opset", [("onnx", 17), ("decomposition", 13)])
def test_forcing_a_lowering_below_its_opset_is_a_clear_error(lowering, opset):
    expected = pytest.raises(symreg.ExportError, match=rf"'{lowering}' needs opset >= \d+.*opset {opset}")
    with expected, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(
            DeformBlock(Config()), (torch.randn(1, 4, 8, 8),), io.BytesIO(), opset_version=opset,
            lowerings={OP: lowering},
        )  # fmt: skip


def test_export_lowerings_override_the_global_choice_for_one_export():
    model, x = DeformBlock(Config()).eval(), torch.randn(1, 4, 8, 8)
    with symreg.scope():
        symreg.set_lowering(OP, "decomposition")
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symreg.export(model, (x,), buffer, opset_version=17, lowerings={OP: "custom"})
        assert "DeformConv2d" in {n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node}
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symreg.export(model, (x,), buffer, opset_version=17)
        assert "GridSample" in {n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node}
    buffer = io.BytesIO()  # the scope restored the default choice
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(model, (x,), buffer, opset_version=17)
    assert "DeformConv2d" in {n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node}
