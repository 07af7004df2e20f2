"""Speed of torchvision::deform_conv2d: torchvision eager, ORT's native DeformConv, symreg's kernel.

For 1 and 2 threads and each shape, prints the median time (ms) of:

  torchvision   torchvision.ops.deform_conv2d, eager (torch.set_num_threads)
  ORT native    ONNX DeformConv at opset 19, ONNX Runtime's own CPU kernel
  symreg        symreg::DeformConv2d, symreg's C++ kernel in ONNX Runtime
  decomp        the "decomposition" lowering (GridSample + MatMul) in ONNX Runtime
  GEMM only     symreg's kernel with the bilinear sampling skipped (symreg._kernels,
                gemm_only=True, same threads, W packed beforehand as ORT has it): the
                same Eigen GEMMs on the same column tiles, i.e. the floor the sampling +
                GEMM design can reach

and the ratios symreg / ORT native and torchvision / symreg. ORT sessions run with
intra_op_num_threads = inter_op_num_threads = threads and idle workers that do not spin.
Everything runs in one process; each time is the median of --repeat runs after --warmup
runs, the columns of a row taking turns, so that a busy machine slows them alike; each turn
times a few calls in a row after two untimed ones (warm caches, see medians_ms).

The ONNX models come from symreg.export of a module calling torchvision.ops.deform_conv2d,
with lowerings={"torchvision::deform_conv2d": ...} forcing "onnx" (opset 19), "custom" and
"decomposition" (opset 17); weight and bias are initializers in all three.

Run: .venv/bin/python benchmarks/deform_conv.py        (after `make install`)
     .venv/bin/python benchmarks/deform_conv.py --threads 1 --clock thread   (on a busy machine)
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import onnxruntime
import torch
import torchvision
from _timing import add_clock_option, chosen_clock, medians_ms, session

import symreg
import symreg.ort
from symreg import _kernels


@dataclass(frozen=True)
class Shape:
    n: int
    c_in: int
    hw: tuple[int, int]
    c_out: int
    kernel: tuple[int, int] = (3, 3)
    group: int = 1
    offset_group: int = 1
    stride: int = 1
    padding: int = 1
    mask: bool = False

    def __str__(self) -> str:
        text = f"({self.n},{self.c_in},{self.hw[0]},{self.hw[1]}) {self.c_in}->{self.c_out} {self.kernel[0]}x{self.kernel[1]}"
        if self.group > 1:
            text += f" g{self.group}"
        if self.offset_group > 1:
            text += f" og{self.offset_group}"
        if self.stride > 1:
            text += f" s{self.stride}"
        return text + (" mask" if self.mask else "")

    def out_hw(self) -> tuple[int, int]:
        return tuple((d + 2 * self.padding - k) // self.stride + 1 for d, k in zip(self.hw, self.kernel))


SHAPES = [
    Shape(1, 64, (128, 128), 64, mask=True),
    Shape(4, 256, (32, 32), 256),
    Shape(1, 128, (64, 64), 128, group=2, offset_group=4, stride=2),
    Shape(2, 64, (56, 56), 128, offset_group=2, mask=True),
]


class DeformConv(torch.nn.Module):
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, shape: Shape):
        super().__init__()
        self.weight = torch.nn.Parameter(weight)
        self.bias = torch.nn.Parameter(bias)
        self.stride, self.padding = shape.stride, shape.padding

    def forward(self, x, offset, mask=None):
        return torchvision.ops.deform_conv2d(
            x, offset, self.weight, self.bias, stride=self.stride, padding=self.padding, mask=mask
        )


def inputs(shape: Shape, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    kh, kw = shape.kernel
    oh, ow = shape.out_hw()
    points = shape.offset_group * kh * kw
    feeds = {
        "x": rng.standard_normal((shape.n, shape.c_in, *shape.hw), dtype=np.float32),
        "offset": rng.standard_normal((shape.n, 2 * points, oh, ow), dtype=np.float32) * 2,
    }
    if shape.mask:
        feeds["mask"] = rng.random((shape.n, points, oh, ow), dtype=np.float32)
    return feeds


def parameters(shape: Shape, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((shape.c_out, shape.c_in // shape.group, *shape.kernel), dtype=np.float32) * 0.05
    return weight, rng.standard_normal(shape.c_out, dtype=np.float32)


def exported(shape: Shape, lowering: str, opset: int) -> bytes:
    weight, bias = parameters(shape)
    module = DeformConv(torch.from_numpy(weight), torch.from_numpy(bias), shape).eval()
    feeds = inputs(shape)
    names = list(feeds)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(
            module,
            tuple(torch.from_numpy(feeds[k]) for k in names),
            buffer,
            opset_version=opset,
            dynamo=False,
            input_names=names,
            output_names=["y"],
            lowerings={"torchvision::deform_conv2d": lowering},
        )
    return buffer.getvalue()


def models(shape: Shape) -> dict[str, bytes]:
    """The three lowerings of symreg.export, each forced: ONNX DeformConv (opset 19), symreg::DeformConv2d
    and the GridSample decomposition (opset 17)."""
    lowerings = {"native": ("onnx", 19), "custom": ("custom", 17), "decomp": ("decomposition", 17)}
    return {column: exported(shape, lowering, opset) for column, (lowering, opset) in lowerings.items()}


clock = time.perf_counter



def row(shape: Shape, onnx_models: dict[str, bytes], threads: int, warmup: int, repeat: int) -> dict:
    torch.set_num_threads(threads)
    feeds = inputs(shape)
    weight, bias = parameters(shape)
    tensors = {k: torch.from_numpy(v) for k, v in feeds.items()}
    w, b = torch.from_numpy(weight), torch.from_numpy(bias)
    p = shape.padding

    def torchvision_eager():
        with torch.inference_mode():
            torchvision.ops.deform_conv2d(
                tensors["x"], tensors["offset"], w, b, stride=shape.stride, padding=p, mask=tensors.get("mask")
            )

    fns = {"torchvision": torchvision_eager}
    for column, model in onnx_models.items():
        sess = session(model, threads)
        run_feeds = {k: v for k, v in feeds.items() if k in {i.name for i in sess.get_inputs()}}
        fns[column] = lambda sess=sess, run_feeds=run_feeds: sess.run(None, run_feeds)
    # W packed once, as symreg's ORT kernel packs a constant W at session creation.
    packed = _kernels.DeformConv2dWeights(weight, shape.group)
    fns["gemm"] = lambda: _kernels.deform_conv2d(
        feeds["x"], weight, feeds["offset"], feeds.get("mask"), bias, strides=(shape.stride,) * 2, pads=(p,) * 4,
        group=shape.group, offset_group=shape.offset_group, threads=threads, gemm_only=True, packed=packed,
    )
    return medians_ms(fns, warmup, repeat, clock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15)
    add_clock_option(parser)
    args = parser.parse_args()
    global clock
    clock = chosen_clock(parser, args)

    print(
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"clock {args.clock}"
    )
    onnx_models = {shape: models(shape) for shape in SHAPES}
    header = (
        f"{'threads':>7} {'shape':42} {'torchvision':>11} {'ORT native':>10} {'symreg':>9} {'decomp':>9} "
        f"{'GEMM only':>9} {'symreg/ORT':>10} {'tv/symreg':>9} {'symreg/GEMM':>11}"
    )
    print(header + "\n" + "-" * len(header))
    for threads in args.threads:
        for shape in SHAPES:
            t = row(shape, onnx_models[shape], threads, args.warmup, args.repeat)
            print(
                f"{threads:>7} {str(shape):42} {t['torchvision']:11.2f} {t['native']:10.2f} "
                f"{t['custom']:9.2f} {t['decomp']:9.2f} {t['gemm']:9.2f} "
                f"{t['custom'] / t['native']:10.2f} {t['torchvision'] / t['custom']:9.1f} "
                f"{t['custom'] / t['gemm']:11.2f}",
                flush=True,
            )
    print("times in ms (median); ratios < 1 in symreg/ORT mean symreg is faster", file=sys.stderr)


if __name__ == "__main__":
    main()
