"""Concurrent runs of every custom op of libsymreg_ort.so: bit for bit what a serial run gives.

One model holds every native op: symreg::DeformConv2d with W fed at run time (packed per
call), symreg::DeformConv2d with W and B as initializers (packed once, when the kernel is
created, then shared by every run), and a node of every other native kernel
(tests/every_native_op.py). Each thread feeds inputs of its own,
so a buffer shared between concurrent runs shows up as a wrong output, not a coincidence.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import every_native_op
import numpy as np
import onnx
import onnx.compose
import onnxruntime
import pytest
from deform_conv2d_cases import Case, inputs
from test_deform_conv2d_ort import NAMES, with_constant_weight
from test_deform_conv2d_ort import model as deform_model

import symreg.ort

DTYPES = (np.float32, np.float64)
# Several column tiles and GEMM panels, two conv and offset groups, samples outside the image.
CASE = Case((2, 16, 20, 18), 12, group=2, offset_group=2, pads=(1, 1, 1, 1), offset_scale=3.0)
DEFORM = "symreg::DeformConv2d"  # in the model twice, as fed/ and packed/; every other op once
FEEDS_PER_THREAD = 3
RUNS_PER_FEED = 3


def _every_op_model(dtype) -> bytes:
    """Outputs fed/y (DeformConv2d, W an input), packed/y (W, B initializers) and <Kernel>/y... for every other
    kernel of the kernel table."""
    packed_args = inputs(CASE, dtype, seed=100)
    fed = onnx.load_from_string(deform_model(dtype, NAMES, CASE.attrs))
    merged = onnx.compose.merge_models(
        fed,
        onnx.load_from_string(
            with_constant_weight(deform_model(dtype, NAMES, CASE.attrs), packed_args["weight"], packed_args["bias"])
        ),
        io_map=[], prefix1="fed/", prefix2="packed/",
    )  # fmt: skip
    every_native_op.append(merged, every_native_op.model(dtype, skip=[DEFORM]))
    return merged.SerializeToString()


def _feeds(dtype, seed: int) -> dict[str, np.ndarray]:
    args = inputs(CASE, dtype, seed=seed)
    feeds = {f"fed/{k}": v for k, v in args.items()}
    feeds.update({f"packed/{k}": args[k] for k in ("x", "offset", "mask")})
    feeds.update(every_native_op.feeds(dtype, seed, skip=[DEFORM]))
    return feeds


def _session(data: bytes, intra_threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = intra_threads
    return symreg.ort.InferenceSession(data, options)


def _run_concurrently(sessions: list, feeds: list[list[dict]]) -> list[list[list[np.ndarray]]]:
    """Thread i runs sessions[i] on each of feeds[i], RUNS_PER_FEED times; all threads start together."""
    start = threading.Barrier(len(sessions))

    def work(session, thread_feeds):
        start.wait()
        return [session.run(None, f) for _ in range(RUNS_PER_FEED) for f in thread_feeds]

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        futures = [pool.submit(work, s, f) for s, f in zip(sessions, feeds)]
        return [future.result() for future in futures]


@pytest.fixture(scope="module")
def every_op_model():
    return {dtype: _every_op_model(dtype) for dtype in DTYPES}


def test_the_model_holds_every_native_op(every_op_model):
    ops = {f"{n.domain}::{n.op_type}" for n in onnx.load_from_string(every_op_model[np.float32]).graph.node}
    assert ops == {entry.op for entry in every_native_op.KERNELS}


@pytest.mark.parametrize("intra_threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("layout", ["8-threads-one-session", "4-sessions"])
def test_concurrent_runs_are_bit_identical_to_serial_ones(every_op_model, layout, dtype, intra_threads):
    data = every_op_model[dtype]
    threads = 8 if layout == "8-threads-one-session" else 4
    shared = _session(data, intra_threads)
    sessions = [shared] * threads if threads == 8 else [_session(data, intra_threads) for _ in range(threads)]
    seeds = np.arange(threads * FEEDS_PER_THREAD).reshape(threads, FEEDS_PER_THREAD) + 1
    feeds = [[_feeds(dtype, int(seed)) for seed in thread_seeds] for thread_seeds in seeds]
    serial = [[shared.run(None, f) for f in thread_feeds] for thread_feeds in feeds]
    assert all(np.isfinite(out).all() for outs in serial for run in outs for out in run[:2])  # DeformConv2d

    concurrent = _run_concurrently(sessions, feeds)

    names = [o.name for o in shared.get_outputs()]
    for t, runs in enumerate(concurrent):
        for r, outputs in enumerate(runs):
            expected = serial[t][r % FEEDS_PER_THREAD]
            for name, got, want in zip(names, outputs, expected, strict=True):
                np.testing.assert_array_equal(got, want, err_msg=f"thread {t}, run {r}, output {name}")
