"""Many session lifetimes in one process: RSS stays flat, each way a user makes sessions.

Every session gets options of its own, dropped with it. Without ``-z nodelete`` (setup.py),
ORT then unloads libsymreg_ort.so and loads it again at the next registration, and each load
built the op registry again (~2.4 KB per session, 12 MB over 5,000). The sessions are made in
a fresh interpreter that reads its own RSS (/proc/self/statm), so what other tests allocated
and freed in the pytest process neither hides nor adds growth.

Each series (a model, a way) warms up, then makes ``SYMREG_LIFETIMES`` sessions (default 300)
in ``ROUNDS`` rounds, reading RSS after each; each session runs once. The bound applies to the
median round: a leak grows RSS every round, while the allocator's one-time steps (a ~2 MB one
shows up once, a few hundred DeformConv2d sessions in) land in one round.

The Erfinv series run first, then a model with a node of every other native op but
DeformConv2d, on purpose: DeformConv2d's kernel keeps a ``thread_local``
buffer, and glibc keeps a library loaded while a thread-local destructor of it is pending,
so once the main thread has run a DeformConv2d the library is never unloaded again, and
with or without ``-z nodelete`` nothing could leak by reloading.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import every_native_op
import numpy as np
import pytest
from deform_conv2d_cases import Case, inputs
from ortcheck import node_model
from test_deform_conv2d_ort import NAMES, with_constant_weight
from test_deform_conv2d_ort import model as deform_model

import symreg.ort

COUNT = int(os.environ.get("SYMREG_LIFETIMES", 300))
ROUNDS = 3
WARMUP = 30
# Per session, in the median round. Measured (ORT 1.32, glibc 2.36): a library reloaded per session
# grows 2.1-3.2 KB per session in every round; with -z nodelete the median round is <= 0.1 KB.
BOUND_PER_SESSION = 1000
SANITIZED = os.environ.get("SYMREG_SANITIZE", "") not in ("", "0")  # set by scripts/sanitize.sh
# In this order: see above. "NativeOps": a node of every native op but DeformConv2d (tests/every_native_op.py).
MODELS = ["Erfinv", "NativeOps", "DeformConv2d"]
# How the child makes a session from model bytes (CHILD's ways). symreg.ort.session_options() +
# onnxruntime.InferenceSession is what the first does inside.
WAYS = ["symreg.ort.InferenceSession", "register_custom_ops_library"]

# Run in a fresh interpreter: python -c CHILD CONFIG_JSON; prints one JSON line. malloc_trim
# before each reading hands freed heap pages back, so RSS follows live memory closely.
CHILD = """
import ctypes, gc, json, os, sys, time
import numpy as np
import onnxruntime
import symreg.ort

config = json.loads(sys.argv[1])
page = os.sysconf("SC_PAGE_SIZE")
libc = ctypes.CDLL(None)

def rss():
    gc.collect()
    libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

def plain_options():
    options = onnxruntime.SessionOptions()
    options.register_custom_ops_library(config["library"])
    return options

WAYS = {
    "symreg.ort.InferenceSession": lambda data: symreg.ort.InferenceSession(data),
    "register_custom_ops_library": lambda data: onnxruntime.InferenceSession(
        data, plain_options(), providers=["CPUExecutionProvider"]
    ),
}

results = {}
for name, spec in config["models"].items():
    with open(spec["path"], "rb") as f:
        data = f.read()
    feeds = {k: np.load(v) for k, v in spec["feeds"].items()}
    for way in config["ways"]:
        make_session = WAYS[way]
        for _ in range(config["warmup"]):
            make_session(data).run(None, feeds)
        readings, start = [rss()], time.perf_counter()
        for _ in range(config["rounds"]):
            for _ in range(config["count"] // config["rounds"]):
                make_session(data).run(None, feeds)
            readings.append(rss())
        results[f"{name}/{way}"] = {"rss": readings, "seconds": time.perf_counter() - start}
print(json.dumps(results))
"""


def _deform_model():
    """symreg::DeformConv2d with W and B as initializers (packed when the kernel is created)."""
    case = Case((1, 4, 6, 6), 6, group=2, offset_group=2, pads=(1, 1, 1, 1))
    args = inputs(case)
    data = with_constant_weight(deform_model(np.float32, NAMES, case.attrs), args["weight"], args["bias"])
    return data, {k: args[k] for k in ("x", "offset", "mask")}


def _erfinv_model():
    x = np.random.default_rng(0).uniform(-1, 1, 64).astype(np.float32)
    return node_model("symreg::Erfinv", [x]), {"in0": x}


def _native_ops_model():
    """A node of every native op but DeformConv2d, on small inputs: the sessions, not the runs, are measured."""
    skip = ["symreg::DeformConv2d"]
    data = every_native_op.model(np.float32, skip, size=64).SerializeToString()
    return data, every_native_op.feeds(np.float32, 0, skip, size=64)


def measure(tmp: Path, count: int = COUNT) -> dict:
    """{"<model>/<way>": {"rss": [bytes before, after each round], "seconds": s}}: ``count`` sessions per
    series, made in one child process; ``tmp`` a folder for the models. Also used by scripts/reliability.py."""
    made = {"Erfinv": _erfinv_model(), "NativeOps": _native_ops_model(), "DeformConv2d": _deform_model()}
    models = {}
    for name in MODELS:
        data, feeds = made[name]
        (tmp / f"{name}.onnx").write_bytes(data)
        files = {key: tmp / f"{name}-{key.replace('/', '.')}.npy" for key in feeds}  # input names may hold "/"
        for key, value in feeds.items():
            np.save(files[key], value)
        models[name] = {"path": str(tmp / f"{name}.onnx"), "feeds": {k: str(f) for k, f in files.items()}}
    config = {
        "library": symreg.ort.library_path(),
        "models": models,
        "ways": WAYS,
        "warmup": WARMUP,
        "count": count,
        "rounds": ROUNDS,
    }
    command = [sys.executable, "-c", CHILD, json.dumps(config)]
    # cwd: not the checkout, whose symreg/ (no compiled library) the child would import first
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=tmp)
    assert result.returncode == 0, f"the child died ({result.returncode}):\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def lifetimes(tmp_path_factory):
    start = time.perf_counter()
    measured = measure(tmp_path_factory.mktemp("lifetimes"))
    print(f"\n{COUNT} sessions per series in {ROUNDS} rounds; child process {time.perf_counter() - start:.1f} s")
    for key, value in measured.items():
        rounds = ", ".join(f"{d / 1e6:+.3f}" for d in round_growths(value["rss"]))
        print(f"  {key}: RSS per round [{rounds}] MB, {value['seconds']:.1f} s")
    return measured


def round_growths(readings: list[int]) -> list[int]:
    return [after - before for before, after in zip(readings, readings[1:])]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", MODELS)
def test_rss_stays_flat_over_many_session_lifetimes(lifetimes, name, way):
    readings = lifetimes[f"{name}/{way}"]["rss"]
    if SANITIZED:  # the sessions ran, for the sanitizers' sake; RSS follows ASan's quarantine
        pytest.skip("RSS is not bounded under AddressSanitizer (scripts/sanitize.sh)")
    per_round = COUNT // ROUNDS
    median = statistics.median(round_growths(readings))
    assert median <= BOUND_PER_SESSION * per_round, (
        f"{name} sessions made with {way}: RSS grew by {median / 1e3:.0f} KB in the median round of "
        f"{per_round} sessions ({median / per_round:.0f} B per session; bound {BOUND_PER_SESSION} B); "
        f"{(readings[-1] - readings[0]) / 1e6:.2f} MB over all {COUNT}"
    )
