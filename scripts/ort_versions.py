"""Which onnxruntime releases load libsymreg_ort.so and run its kernels right: the onnxruntime
column of docs/compatibility.md.

For each release, a throwaway virtual environment gets ``onnxruntime==<release>`` and NumPy
(from the package index: not part of ``make test``); a worker there registers the installed
symreg's ``libsymreg_ort.so`` into a session per model and runs it. The models and their
references (torch, torchvision) are made here, in symreg's own environment: one per native
kernel (``symreg::Erfinv``, ``symreg::DeformConv2d``), and one of ONNX ``DeformConv`` at opset
19 (the default lowering of ``torchvision::deform_conv2d`` there), run by ORT's own kernel
without the library. For a release that loads the library, ``symreg check`` of the DeformConv
model runs too, against that release (its site-packages put first on ``PYTHONPATH``).

Usage: .venv/bin/python scripts/ort_versions.py [RELEASE ...]   (default: DEFAULT_RELEASES)
Prints one table row per release: each model's max abs error against the reference, or the
runtime's message. What is expected: releases older than symreg._meta.MIN_ORT_VERSION refuse
the library; releases older than DEFORM_CONV_MIN_ORT have no ``DeformConv`` kernel
(NOT_IMPLEMENTED) and ``symreg check`` says which release has one. Exit status 1 when a release
gets anything else.
"""

from __future__ import annotations

import argparse
import json
import os
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
from symreg.tools.check import DEFORM_CONV_MIN_ORT, DEFORM_CONV_UPGRADE

#: The latest patch of each minor release from 1.16 on with a cp311 manylinux x86_64 wheel on PyPI.
DEFAULT_RELEASES = (
    "1.16.3", "1.17.3", "1.18.1", "1.19.2", "1.20.1", "1.21.1", "1.22.1", "1.23.2", "1.24.4",
    "1.25.1", "1.26.0", "1.27.0", "1.28.0", "1.29.0", "1.30.0", "1.31.1", "1.32.0",
)  # fmt: skip
#: float32 against float64-free references: erfinv's kernel is within a few ulp; the deformable
#: convolutions sum kH*kW*C_in products in another order than torchvision.
TOLERANCE = {"erfinv": 1e-6, "deform_conv2d": 1e-4, "onnx_deform_conv": 1e-4}
#: The models run with libsymreg_ort.so registered; the others get ORT alone.
WITH_LIBRARY = ("erfinv", "deform_conv2d")
#: onnxruntime wheels before 1.19 are built against NumPy 1 and fail to import under NumPy 2.
NUMPY2_FROM = "1.19"

WORKER = r"""
import json, sys
import numpy as np
import onnxruntime as ort
library, cases = sys.argv[1], json.load(open(sys.argv[2]))
found = {"onnxruntime": ort.__version__, "models": {}}
for name, case in cases.items():
    options = ort.SessionOptions()
    try:
        if case["library"]:
            options.register_custom_ops_library(library)
        session = ort.InferenceSession(case["model"], options, providers=["CPUExecutionProvider"])
        feeds = {k: np.load(v) for k, v in case["feeds"].items()}
        y, expected = session.run(None, feeds)[0], np.load(case["expected"])
        finite = np.isfinite(expected)  # erfinv(+-1) = +-inf: compared for equality, not by difference
        if np.array_equal(y[~finite], expected[~finite], equal_nan=True):
            found["models"][name] = float(np.max(np.abs(y[finite] - expected[finite])))
        else:
            found["models"][name] = "non-finite values differ from the reference"
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


def _deform_conv2d_inputs() -> tuple[dict, np.ndarray]:
    """The feeds (x, w, offset, bias, mask) and torchvision's output for both deformable convolutions."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 8, 8)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    offset = (rng.standard_normal((1, 36, 8, 8)) * 2).astype(np.float32)
    mask = rng.uniform(0, 1, (1, 18, 8, 8)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    feeds = {"x": x, "w": w, "offset": offset, "bias": bias, "mask": mask}
    t = {k: torch.from_numpy(v) for k, v in feeds.items()}
    expected = torchvision.ops.deform_conv2d(t["x"], t["offset"], t["w"], t["bias"], padding=(1, 1), mask=t["mask"])
    return feeds, expected.numpy()


_DEFORM_ATTRS = {"strides": [1, 1], "pads": [1, 1, 1, 1], "dilations": [1, 1], "group": 2, "offset_group": 2}


def _deform_conv2d_case(folder: Path) -> dict:
    """symreg::DeformConv2d (inputs x, w, offset, mask, bias)."""
    feeds, expected = _deform_conv2d_inputs()
    names = ["x", "w", "offset", "mask", "bias"]
    node = helper.make_node("DeformConv2d", names, ["y"], domain=_meta.DOMAIN, **_DEFORM_ATTRS)
    return _save(folder, "deform_conv2d", _deform_graph(node, names, feeds, expected), feeds, expected)


def _onnx_deform_conv_case(folder: Path) -> dict:
    """ONNX DeformConv at opset 19 (inputs X, W, offset, B, mask), the "onnx" lowering of deform_conv2d."""
    feeds, expected = _deform_conv2d_inputs()
    names = ["x", "w", "offset", "bias", "mask"]
    node = helper.make_node("DeformConv", names, ["y"], name="deform", **_DEFORM_ATTRS)
    graph = _deform_graph(node, names, feeds, expected)
    return _save(folder, "onnx_deform_conv", graph, feeds, expected, opset=19, ir_version=9)


def _deform_graph(node, names: list[str], feeds: dict, expected: np.ndarray):
    inputs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, feeds[k].shape) for k in names]
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, expected.shape)
    return helper.make_graph([node], node.op_type, inputs, [output])


def _save(folder: Path, name: str, graph, feeds: dict, expected: np.ndarray, opset=17, ir_version=8) -> dict:
    """ir_version 8 (opset 17) and 9 (opset 19): what onnxruntime 1.16 reads."""
    opsets = [helper.make_opsetid("", opset)]
    if any(n.domain == _meta.DOMAIN for n in graph.node):
        opsets.append(helper.make_opsetid(_meta.DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, ir_version=ir_version)
    onnx.checker.check_model(model, full_check=name == "onnx_deform_conv")  # custom ops: no schema here
    onnx.save(model, folder / f"{name}.onnx")
    paths = {}
    for key, value in feeds.items():
        np.save(folder / f"{name}_{key}.npy", value)
        paths[key] = str(folder / f"{name}_{key}.npy")
    np.save(folder / f"{name}_expected.npy", expected)
    return {
        "model": str(folder / f"{name}.onnx"),
        "feeds": paths,
        "expected": str(folder / f"{name}_expected.npy"),
        "library": name in WITH_LIBRARY,
    }


def measure(release: str, folder: Path, cases: Path) -> dict:
    """The worker's findings in a fresh venv holding onnxruntime ``release``, and for a release
    that loads the library, ``symreg check``'s verdict on the ONNX DeformConv model there."""
    env_dir = folder / f"venv-{release}"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The same NumPy as symreg's environment where the release can import it: `symreg check` below
    # runs with this venv's packages first.
    numpy = f"numpy=={np.__version__}" if not _older(release, NUMPY2_FROM) else "numpy<2"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"onnxruntime=={release}", numpy], capture_output=True, text=True
    )
    if install.returncode != 0:
        return {"error": f"pip could not install onnxruntime=={release}: {install.stderr.strip().splitlines()[-1:]}"}
    run = subprocess.run(
        [python, "-c", WORKER, symreg.ort.library_path(), str(cases)], capture_output=True, text=True, timeout=600
    )
    if run.returncode != 0:
        return {"error": f"the worker died ({run.returncode}): {run.stderr.strip()[-300:]}"}
    found = json.loads(run.stdout.strip().splitlines()[-1])
    if not _older(release, _meta.MIN_ORT_VERSION):
        found["check"] = _symreg_check(env_dir, json.loads(cases.read_text())["onnx_deform_conv"]["model"])
    return found


def _symreg_check(env_dir: Path, model: str) -> dict:
    """Whether ``symreg check MODEL`` passes with env_dir's onnxruntime, and its onnxruntime line (a model
    of standard ops: the check imports neither torch nor symreg's op pack)."""
    site = next(env_dir.glob("lib/python*/site-packages"))
    command = [sys.executable, "-c", "import _symreg_launcher, sys; sys.exit(_symreg_launcher.main())", "check", model]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    line = next((line for line in run.stdout.splitlines() if " onnxruntime " in line), None)
    found = line.split(None, 2)[2] if line else f"no onnxruntime line ({run.returncode}): {run.stderr.strip()[-300:]}"
    return {"passes": run.returncode == 0, "line": found}


def _older(release: str, minimum: str) -> bool:
    return tuple(map(int, release.split(".")[:2])) < tuple(map(int, minimum.split(".")[:2]))


def _verdicts(release: str, found: dict) -> tuple[list[str], bool]:
    """(one table cell per column, whether every one is what this release should give)."""
    cells, ok = [], True
    for name, tolerance in TOLERANCE.items():
        value = found["models"][name]
        if name in WITH_LIBRARY and _older(release, _meta.MIN_ORT_VERSION):
            good = f"needs ONNX Runtime >= {_meta.MIN_ORT_VERSION}" in str(value)
            cells.append(f"refused{'' if good else ' (NOT as expected)'}: {value}")
        elif name == "onnx_deform_conv" and _older(release, DEFORM_CONV_MIN_ORT):
            good = "NOT_IMPLEMENTED" in str(value) and "DeformConv(19)" in str(value)
            cells.append(f"no kernel{'' if good else ' (NOT as expected)'}: {value}")
        elif isinstance(value, float):
            good = value <= tolerance
            cells.append(f"{'ok' if good else 'WRONG'} (max abs error {value:.1e})")
        else:
            good = False
            cells.append(f"refused: {value}")
        ok &= good
    if "check" not in found:
        cells.append("not run (the library does not load)")
    else:
        passes, line = found["check"]["passes"], found["check"]["line"]
        good = passes if not _older(release, DEFORM_CONV_MIN_ORT) else not passes and DEFORM_CONV_UPGRADE in line
        cells.append(f"{'passes' if passes else 'fails'}{'' if good else ' (NOT as expected)'}: {line}")
        ok &= good
    return cells, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("releases", nargs="*", default=list(DEFAULT_RELEASES))
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = folder / "cases.json"
        makers = {
            "erfinv": _erfinv_case,
            "deform_conv2d": _deform_conv2d_case,
            "onnx_deform_conv": _onnx_deform_conv_case,
        }
        cases.write_text(json.dumps({name: make(folder) for name, make in makers.items()}))
        print(f"libsymreg_ort.so of symreg {symreg.__version__} (native ops: {', '.join(_kernels.NATIVE_OPS)})")
        columns = [*TOLERANCE, "symreg check (onnx_deform_conv)"]
        print(f"| onnxruntime | {' | '.join(columns)} |")
        print(f"|---|{'---|' * len(columns)}")
        for release in args.releases:
            found = measure(release, folder, cases)
            if "error" in found:
                print(f"| {release} | {found['error']} |", flush=True)
                failed = True
                continue
            cells, ok = _verdicts(release, found)
            print(f"| {release} | {' | '.join(cells)} |", flush=True)
            failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
