"""Which onnxruntime releases load libsymreg_ort.so and run its kernels right: the onnxruntime
column of docs/compatibility.md.

For each release, a throwaway virtual environment gets ``onnxruntime==<release>`` and NumPy
(from the package index: not part of ``make test``); a worker there registers the installed
symreg's ``libsymreg_ort.so`` into a session per model and runs it. The models (one per native
kernel: ``symreg::Erfinv``, ``symreg::DeformConv2d``) and their references (torch, torchvision)
are made here, in symreg's own environment.

Usage: .venv/bin/python scripts/ort_versions.py [RELEASE ...]   (default: DEFAULT_RELEASES)
Prints one table row per release: each model's max abs error against the reference, or the
runtime's message; releases older than symreg._meta.MIN_ORT_VERSION must refuse the library.
Exit status 1 when a release gets anything else.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import numpy as np
import onnx
import torch
import torchvision
from onnx import TensorProto, helper

import symreg.ort
from symreg import _kernels, _meta

DEFAULT_RELEASES = ("1.16.3", "1.20.1", "1.21.0", "1.22.0", "1.23.2", "1.24.1", "1.25.0", "1.30.0", "1.32.0")
#: float32 against float64-free references: erfinv's kernel is within a few ulp; DeformConv2d sums
#: kH*kW*C_in products in another order than torchvision.
TOLERANCE = {"erfinv": 1e-6, "deform_conv2d": 1e-4}

WORKER = r"""
import json, sys
import numpy as np
import onnxruntime as ort
library, cases = sys.argv[1], json.load(open(sys.argv[2]))
found = {"onnxruntime": ort.__version__, "models": {}}
for name, case in cases.items():
    options = ort.SessionOptions()
    try:
        options.register_custom_ops_library(library)
        session = ort.InferenceSession(case["model"], options, providers=["CPUExecutionProvider"])
        feeds = {k: np.load(v) for k, v in case["feeds"].items()}
        y = session.run(None, feeds)[0]
        found["models"][name] = float(np.max(np.abs(y - np.load(case["expected"]))))
    except Exception as e:
        found["models"][name] = str(e).splitlines()[0][:200]
print(json.dumps(found))
"""


def _erfinv_case(folder: Path) -> dict:
    x = np.concatenate([np.linspace(-0.999, 0.999, 2001), [0.0, -0.0, 1.0, -1.0]]).astype(np.float32)
    node = helper.make_node("Erfinv", ["x"], ["y"], domain=_meta.DOMAIN)
    graph = helper.make_graph(
        [node],
        "erfinv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
    )
    expected = torch.erfinv(torch.from_numpy(x).double()).float().numpy()
    return _save(folder, "erfinv", graph, {"x": x}, expected)


def _deform_conv2d_case(folder: Path) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    offset = (rng.standard_normal((1, 36, 8, 8)) * 2).astype(np.float32)
    mask = rng.uniform(0, 1, (1, 18, 8, 8)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    feeds = {"x": x, "w": w, "offset": offset, "bias": bias, "mask": mask}
    attrs = {"strides": [1, 1], "pads": [1, 1, 1, 1], "dilations": [1, 1], "group": 2, "offset_group": 2}
    node = helper.make_node("DeformConv2d", list(feeds), ["y"], domain=_meta.DOMAIN, **attrs)
    inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in feeds.items()]
    graph = helper.make_graph([node], "deform_conv2d", inputs, [helper.make_tensor_value_info("y", 1, None)])
    t = {k: torch.from_numpy(v) for k, v in feeds.items()}
    expected = torchvision.ops.deform_conv2d(t["x"], t["offset"], t["w"], t["bias"], padding=(1, 1), mask=t["mask"])
    return _save(folder, "deform_conv2d", graph, feeds, expected.numpy())


def _save(folder: Path, name: str, graph, feeds: dict, expected: np.ndarray) -> dict:
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(_meta.DOMAIN, 1)]
    model = helper.make_model(graph, opset_imports=opsets, ir_version=8)  # 8: what onnxruntime 1.16 reads
    onnx.save(model, folder / f"{name}.onnx")
    paths = {}
    for key, value in feeds.items():
        np.save(folder / f"{name}_{key}.npy", value)
        paths[key] = str(folder / f"{name}_{key}.npy")
    np.save(folder / f"{name}_expected.npy", expected)
    return {"model": str(folder / f"{name}.onnx"), "feeds": paths, "expected": str(folder / f"{name}_expected.npy")}


def measure(release: str, folder: Path, cases: Path) -> dict:
    """The worker's findings in a fresh venv holding onnxruntime ``release``."""
    env_dir = folder / f"venv-{release}"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"onnxruntime=={release}", "numpy"], capture_output=True, text=True
    )
    if install.returncode != 0:
        return {"error": f"pip could not install onnxruntime=={release}: {install.stderr.strip().splitlines()[-1:]}"}
    run = subprocess.run(
        [python, "-c", WORKER, symreg.ort.library_path(), str(cases)], capture_output=True, text=True, timeout=600
    )
    if run.returncode != 0:
        return {"error": f"the worker died ({run.returncode}): {run.stderr.strip()[-300:]}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def _older(release: str, minimum: str) -> bool:
    return tuple(map(int, release.split(".")[:2])) < tuple(map(int, minimum.split(".")[:2]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("releases", nargs="*", default=list(DEFAULT_RELEASES))
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = folder / "cases.json"
        cases.write_text(json.dumps({"erfinv": _erfinv_case(folder), "deform_conv2d": _deform_conv2d_case(folder)}))
        print(f"libsymreg_ort.so of symreg {symreg.__version__} (native ops: {', '.join(_kernels.NATIVE_OPS)})")
        print(f"| onnxruntime | {' | '.join(TOLERANCE)} |")
        print(f"|---|{'---|' * len(TOLERANCE)}")
        for release in args.releases:
            found = measure(release, folder, cases)
            if "error" in found:
                print(f"| {release} | {found['error']} |")
                failed = True
                continue
            if _older(release, _meta.MIN_ORT_VERSION):
                expected = f"needs ONNX Runtime >= {_meta.MIN_ORT_VERSION}"
                refused = all(expected in str(v) for v in found["models"].values())
                verdict = "refused, as it should be" if refused else "NOT REFUSED"
                print(f"| {release} | {verdict} (older than {_meta.MIN_ORT_VERSION}) |")
                failed |= not refused
                continue
            cells = []
            for name, tolerance in TOLERANCE.items():
                value = found["models"][name]
                if isinstance(value, float):
                    ok = value <= tolerance
                    cells.append(f"{'ok' if ok else 'WRONG'} (max abs error {value:.1e})")
                else:
                    cells.append(f"refused: {value}")
                    ok = False
                failed |= not ok
            print(f"| {release} | {' | '.join(cells)} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
