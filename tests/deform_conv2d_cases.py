"""Cases for symreg's deform_conv2d kernel, shared by its pybind and ORT tests.

``CASES``: valid calls (inputs drawn by :func:`inputs`) covering mask / no mask, bias / no
bias, groups, offset groups, stride, padding (ONNX's asymmetric form too), dilation,
non-square kernels and images, batch > 1, N = 0, and offsets large enough that samples
fall outside the image. ``BAD``: invalid calls and the problem each must report.
:func:`reference` is torchvision.ops.deform_conv2d.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

# max abs error against torchvision on the same dtype
ATOL = {np.float32: 1e-4, np.float64: 1e-10}


@dataclasses.dataclass(frozen=True)
class Case:
    x: tuple[int, int, int, int]  # N, C_in, H, W
    c_out: int
    kernel: tuple[int, int] = (3, 3)
    group: int = 1
    offset_group: int = 1
    strides: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, left, bottom, right
    dilations: tuple[int, int] = (1, 1)
    mask: bool = True
    bias: bool = True
    offset_scale: float = 2.0  # offsets ~ N(0, scale): large ones sample outside the image

    @property
    def out_hw(self) -> tuple[int, int]:
        (t, l, b, r), (kh, kw), (dh, dw), (sh, sw) = self.pads, self.kernel, self.dilations, self.strides
        h, w = self.x[2:]
        return (h + t + b - dh * (kh - 1) - 1) // sh + 1, (w + l + r - dw * (kw - 1) - 1) // sw + 1

    @property
    def attrs(self) -> dict:
        return {
            "strides": list(self.strides), "pads": list(self.pads), "dilations": list(self.dilations),
            "group": self.group, "offset_group": self.offset_group,
        }  # fmt: skip

    def __str__(self) -> str:
        fields = [f"x{list(self.x)}", f"out{self.c_out}", f"k{self.kernel[0]}x{self.kernel[1]}"]
        defaults = Case((1, 1, 1, 1), 1)
        for name in ("group", "offset_group", "strides", "pads", "dilations", "offset_scale"):
            if getattr(self, name) != getattr(defaults, name):
                fields.append(f"{name}={getattr(self, name)}")
        fields += [] if self.mask else ["nomask"]
        fields += [] if self.bias else ["nobias"]
        return "-".join(str(f).replace(" ", "") for f in fields)


CASES = [
    Case((1, 4, 8, 8), 6, pads=(1, 1, 1, 1)),
    Case((1, 4, 8, 8), 6, mask=False, bias=False),
    Case((2, 4, 7, 9), 6, mask=False, pads=(1, 1, 1, 1)),
    Case((2, 4, 7, 9), 6, bias=False),
    Case((2, 8, 9, 7), 6, group=2, offset_group=2, pads=(1, 1, 1, 1)),
    Case((1, 8, 9, 9), 4, group=2, offset_group=4),  # two offset groups per conv group
    Case((1, 8, 9, 9), 8, group=4, offset_group=2),  # two conv groups per offset group
    Case((3, 6, 10, 8), 9, kernel=(3, 2), group=3, strides=(2, 1), pads=(1, 2, 1, 2), dilations=(2, 1)),
    Case((2, 4, 9, 11), 5, kernel=(1, 1), offset_scale=1.0),
    Case((1, 6, 12, 10), 4, kernel=(5, 3), offset_group=3, dilations=(1, 3), pads=(2, 3, 2, 3), offset_scale=10.0),
    Case((1, 4, 9, 8), 4, pads=(0, 1, 2, 3), strides=(2, 3)),  # ONNX's asymmetric pads
    Case((2, 3, 2, 3), 2, pads=(2, 2, 2, 2), offset_scale=4.0),  # tiny image, mostly outside
    Case((1, 8, 6, 6), 8, group=8, offset_group=8, pads=(1, 1, 1, 1)),  # depthwise
    Case((2, 16, 20, 13), 32, offset_group=4, pads=(1, 1, 1, 1), offset_scale=5.0),
    Case((1, 32, 24, 24), 16, group=2, offset_group=2, pads=(1, 1, 1, 1)),  # several column tiles
    Case((1, 5, 40, 40), 3, kernel=(1, 1), mask=False, offset_scale=0.5),  # 1600 px: many tiles
    Case((0, 4, 8, 8), 6, pads=(1, 1, 1, 1)),  # empty batch
    # GEMM depth (kH * kW * C_in / group) above one depth block of 256, with a remainder;
    # output channels not a multiple of the GEMM's panel of 4, pixels not of its 48 rows
    Case((1, 40, 9, 11), 7, pads=(1, 1, 1, 1), offset_scale=2.0),
    # two weight-packing tasks per group (70 output channels > 64), depth 288
    Case((2, 64, 6, 7), 140, group=2, offset_group=2, pads=(1, 1, 1, 1)),
    Case((1, 12, 10, 10), 9, kernel=(5, 5), pads=(2, 2, 2, 2), mask=False),  # depth 300, 5 x 5
]


def inputs(case: Case, dtype=np.float32, seed: int = 0) -> dict[str, np.ndarray | None]:
    """x, weight, offset, mask (or None), bias (or None) for ``case``."""
    rng = np.random.default_rng(seed)
    n, c_in = case.x[:2]
    kh, kw = case.kernel
    oh, ow = case.out_hw
    points = case.offset_group * kh * kw
    return {
        "x": rng.standard_normal(case.x).astype(dtype),
        "weight": rng.standard_normal((case.c_out, c_in // case.group, kh, kw)).astype(dtype),
        "offset": (rng.standard_normal((n, 2 * points, oh, ow)) * case.offset_scale).astype(dtype),
        "mask": rng.uniform(0, 1, (n, points, oh, ow)).astype(dtype) if case.mask else None,
        "bias": rng.standard_normal(case.c_out).astype(dtype) if case.bias else None,
    }


def reference(case: Case, x, weight, offset, mask=None, bias=None) -> np.ndarray:
    """torchvision.ops.deform_conv2d; ONNX's asymmetric pads as explicit zero padding."""
    return reference_onnx(x, weight, offset, mask, bias, strides=case.strides, pads=case.pads, dilations=case.dilations)


def reference_onnx(x, weight, offset, mask=None, bias=None, *, strides, pads, dilations, **_) -> np.ndarray:
    """:func:`reference` for symreg::DeformConv2d's inputs and attributes (group and offset_group follow the shapes)."""
    t = {k: None if v is None else torch.from_numpy(np.ascontiguousarray(v)) for k, v in
         {"x": x, "w": weight, "o": offset, "m": mask, "b": bias}.items()}  # fmt: skip
    top, left, bottom, right = pads
    padding = (top, left)
    if (top, left) != (bottom, right):  # zeros outside the image either way
        t["x"] = F.pad(t["x"], (left, right, top, bottom))
        padding = (0, 0)
    y = torchvision.ops.deform_conv2d(
        t["x"], t["o"], t["w"], t["b"], stride=tuple(strides), padding=padding, dilation=tuple(dilations), mask=t["m"]
    )
    return y.numpy()


# A valid call to break one thing at a time: group 2, offset_group 2, 3x3, output 4x4.
BASE_SHAPES = {"x": (1, 4, 6, 6), "weight": (6, 2, 3, 3), "offset": (1, 36, 4, 4), "mask": (1, 18, 4, 4), "bias": (6,)}
BASE_ATTRS = {"strides": [1, 1], "pads": [0, 0, 0, 0], "dilations": [1, 1], "group": 2, "offset_group": 2}


def _bad(problem: str, shapes: dict | None = None, **attrs) -> tuple[str, dict, dict]:
    return problem, {**BASE_SHAPES, **(shapes or {})}, {**BASE_ATTRS, **attrs}


# (expected problem, a regular expression; input shapes; attributes)
BAD = [
    _bad(r"X must be 4-D \(N, C_in, H, W\), got shape \[4, 6, 6\]", {"x": (4, 6, 6)}),
    _bad(r"W must be 4-D \(C_out, C_in / group, kH, kW\), got shape \[6, 2, 3, 3, 1\]", {"weight": (6, 2, 3, 3, 1)}),
    _bad(r"offset must be 4-D .*got shape \[36, 4, 4\]", {"offset": (36, 4, 4)}),
    _bad(r"mask must be 4-D .*got shape \[18, 16\]", {"mask": (18, 16)}),
    _bad(r"B must be 1-D \(C_out\), got shape \[6, 1\]", {"bias": (6, 1)}),
    _bad(r"offset has 18 channels; expected 2 \* offset_group \* kH \* kW = 36", {"offset": (1, 18, 4, 4)}),
    _bad(r"mask has 9 channels; expected offset_group \* kH \* kW = 18", {"mask": (1, 9, 4, 4)}),
    _bad(r"offset has spatial size \[4, 5\]; expected the output size \[4, 4\]", {"offset": (1, 36, 4, 5)}),
    _bad(r"mask has spatial size \[3, 4\]; expected the output size \[4, 4\]", {"mask": (1, 18, 3, 4)}),
    _bad(r"offset has batch size 2; expected N = 1", {"offset": (2, 36, 4, 4)}),
    _bad(r"mask has batch size 2; expected N = 1", {"mask": (2, 18, 4, 4)}),
    _bad(r"C_in = 4 \(X dim 1\) is not divisible by group = 3", {"weight": (6, 1, 3, 3)}, group=3),
    _bad(r"C_in = 4 \(X dim 1\) is not divisible by offset_group = 3", {"offset": (1, 54, 4, 4)}, offset_group=3),
    _bad(r"W has 3 input channels \(dim 1\); expected C_in / group = 4 / 2 = 2", {"weight": (6, 3, 3, 3)}),
    _bad(r"C_out = 5 \(W dim 0\) is not divisible by group = 2", {"weight": (5, 2, 3, 3), "bias": (5,)}),
    _bad(r"B has 5 values; expected C_out = 6", {"bias": (5,)}),
    _bad(r"X has no channels \(C_in = 0\)", {"x": (1, 0, 6, 6), "weight": (6, 0, 3, 3)}),
    _bad(r"W has an empty kernel: kH x kW = \[0, 3\]", {"weight": (6, 2, 0, 3)}),
    _bad(r"strides must be positive, got \[0, 1\]", strides=[0, 1]),
    _bad(r"strides must be positive, got \[1, -2\]", strides=[1, -2]),
    _bad(r"dilations must be positive, got \[1, 0\]", dilations=[1, 0]),
    _bad(r"pads must be non-negative, got \[0, -1, 0, 0\]", pads=[0, -1, 0, 0]),
    _bad(r"strides must have 2 values \(h, w\), got \[1\]", strides=[1]),
    _bad(r"pads must have 4 values \(top, left, bottom, right\), got \[1, 1\]", pads=[1, 1]),
    _bad(r"dilations must have 2 values \(h, w\), got \[1, 1, 1\]", dilations=[1, 1, 1]),
    _bad(r"group must be positive, got 0", group=0),
    _bad(r"offset_group must be positive, got -1", offset_group=-1),
    _bad(r"output size would be <= 0: input \[2, 2\], kernel \[3, 3\]", {"x": (1, 4, 2, 2)}),
    _bad(r"output size would be <= 0: input \[6, 6\], kernel \[3, 3\], pads .*, dilations \[3, 1\]", dilations=[3, 1]),
    _bad(r"output size overflows int64", dilations=[2**62, 1]),
    _bad(r"output size overflows int64", pads=[2**62, 0, 2**62, 0]),
]
