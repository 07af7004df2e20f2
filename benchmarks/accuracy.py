"""Accuracy of symreg's math op pack, per op, exporter, opset and dtype.

Exports each op with both exporters, runs it in ONNX Runtime with symreg's kernels over
the op's whole domain (the grids of tests/ops/domains.py: edge values, tiny and huge
magnitudes, ±inf, NaN, dense logarithmic sweeps) and prints the max relative error
against eager PyTorch (erfinv float32 also against torch.erfinv in float64).

Run: .venv/bin/python benchmarks/accuracy.py        (after `make install`)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "ops"))

from domains import DOMAINS  # noqa: E402
from ortcheck import EXPORTS, Fn, error, export, run  # noqa: E402
from test_hyperbolic import OPS as HYPERBOLIC  # noqa: E402
from test_hyperbolic import reference as hyperbolic_reference  # noqa: E402

OPS = {**HYPERBOLIC, "erfinv": torch.erfinv}


def reference(name: str, x: torch.Tensor) -> torch.Tensor:
    return hyperbolic_reference(name, x) if name in HYPERBOLIC else OPS[name](x)


def main() -> None:
    columns = [f"{'TS' if e == 'torchscript' else 'dynamo'}@{o}" for e, o in EXPORTS]
    print(f"{'op':8s} {'dtype':8s} " + " ".join(f"{c:>10s}" for c in columns) + "   (max relative error)")
    for name in sorted(OPS):
        fn = OPS[name]
        for dtype in (torch.float32, torch.float64):
            x = torch.from_numpy(np.append(DOMAINS[name], np.nan)).to(dtype)
            cells = []
            for exporter, opset in EXPORTS:
                (y,) = run(export(Fn(fn), (x[:5],), exporter, opset), [x], threads=2)
                cells.append(error(y, reference(name, x).numpy()).max_rel)
            print(f"{name:8s} {str(dtype)[6:]:8s} " + " ".join(f"{c:10.2e}" for c in cells))
    x = torch.from_numpy(np.linspace(-1, 1, 200001)[1:-1]).float()
    cells = []
    for exporter, opset in EXPORTS:
        (y,) = run(export(Fn(torch.erfinv), (x[:5],), exporter, opset), [x], threads=2)
        cells.append(error(y.astype(np.float64), torch.erfinv(x.double()).numpy()).max_rel)
    print(f"{'erfinv':8s} {'f32/f64':8s} " + " ".join(f"{c:10.2e}" for c in cells) + "   (float32 vs float64 truth)")


if __name__ == "__main__":
    main()
